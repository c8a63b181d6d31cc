import * as assert from "assert";
import { modelFor } from "./crdSchemas";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../components/config";
import type { MedallionPipeline } from "../components/orchestration/medallion";
import type { DatabaseAccess } from "../components/storage/postgres";

// The pipeline (issue 4) is not wired into the platform yet, so Airflow is built here on its own, under a
// minimal recording mock, with a stand-in pipeline: what the merger's wiring will hand it.

interface Rec {
    type: string;
    name: string;
    inputs: any;
}

class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: Rec[] = [];
    newResource(a: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const inputs = JSON.parse(JSON.stringify(a.inputs ?? {}));
        const state: Record<string, any> = { ...inputs };
        if (a.type === "random:index/randomPassword:RandomPassword") state.result = "p".repeat(inputs.length ?? 16);
        if (a.type.startsWith("kubernetes:")) state.metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? a.name };
        this.resources.push({ type: a.type, name: a.name, inputs });
        return { id: `${a.name}-id`, state };
    }
    call(a: pulumi.runtime.MockCallArgs): Record<string, any> {
        return a.inputs;
    }
}

async function settle(m: RecordingMocks): Promise<void> {
    let last = -1;
    for (let stable = 0; stable < 10; ) {
        await new Promise((r) => setTimeout(r, 10));
        stable = m.resources.length === last ? stable + 1 : 0;
        last = m.resources.length;
    }
}

const pipeline: MedallionPipeline = {
    namespace: "team",
    jobs: ["bronze", "silver", "gold"].map((name) => ({
        name,
        sparkApplication: { apiVersion: "sparkoperator.k8s.io/v1beta2", kind: "SparkApplication", metadata: { name, namespace: "team" } },
    })),
};

async function airflowWithPipeline(): Promise<Rec[]> {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "lakehouse", "dev", false);
    const { Airflow } = await import("../components/orchestration/airflow");
    const cfg = parseConfig({ "lakehouse:services": JSON.stringify({ postgres: { enabled: true }, airflow: { enabled: true } }) }, "dev");
    const db: DatabaseAccess = {
        host: "postgres.lakehouse.svc",
        port: 5432,
        database: "airflow",
        user: "airflow",
        passwordRef: { secretKeyRef: { name: "postgres-airflow", key: "password" } },
        link: { namespace: "lakehouse", server: "postgres", portName: "postgres", port: 5432, containerPort: "postgres", containerPortNumber: 5432 },
    };
    new Airflow("airflow", { namespace: "lakehouse", settings: cfg.services.airflow, platform: cfg, db, pipeline }, {});
    await settle(mocks);
    return mocks.resources;
}

describe("medallion DAG wiring (with a stand-in pipeline)", () => {
    it("ships the DAG and its jobs, and lets only the task-running pod create SparkApplications in the pipeline's namespace", async () => {
        const rs = await airflowWithPipeline();
        // A ConfigMap's name carries a hash of its content; its label has the name without it.
        const obj = (kind: string, name: string) =>
            rs.map((r) => r.inputs).find((o) => o.kind === kind && (o.kind === "ConfigMap" ? o.metadata?.labels?.["app.kubernetes.io/name"] : o.metadata?.name) === name);
        assert.deepStrictEqual(Object.keys(obj("ConfigMap", "airflow-dags").data).sort(), [".airflowignore", "lakehouse_medallion.py", "lakehouse_smoke.py", "medallion_jobs.json"]);

        const role = obj("Role", "airflow-pipeline");
        assert.strictEqual(role.metadata.namespace, "team");
        assert.deepStrictEqual(role.rules, [{ apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications"], verbs: ["get", "list", "watch", "create", "delete"] }]);
        const binding = obj("RoleBinding", "airflow-pipeline");
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "airflow-pipeline", namespace: "lakehouse" }]);
        assert.strictEqual(obj("ServiceAccount", "airflow-pipeline").metadata.namespace, "lakehouse");

        // LocalExecutor: tasks run in the scheduler, which alone mounts the account's token.
        const scheduler = obj("Deployment", "airflow-scheduler").spec.template.spec;
        assert.strictEqual(scheduler.serviceAccountName, "airflow-pipeline");
        assert.strictEqual(scheduler.automountServiceAccountToken, true);
        for (const other of ["airflow-api-server", "airflow-dag-processor", "airflow-triggerer"]) {
            const spec = obj("Deployment", other).spec.template.spec;
            assert.strictEqual(spec.automountServiceAccountToken, false, other);
            assert.strictEqual(spec.serviceAccountName, undefined, other);
        }
        // Secrets arrive in the mock wrapped as secret outputs; the platform-wide schema test covers them.
        for (const o of rs.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs).filter((o) => o.kind !== "Secret")) {
            const Model = modelFor(o.apiVersion, o.kind);
            new Model(o).validate();
        }
        const egress = obj("NetworkPolicy", "allow-airflow-scheduler-kube-api-egress");
        assert.deepStrictEqual(egress.spec.podSelector.matchLabels["app.kubernetes.io/name"], "airflow-scheduler");
        assert.deepStrictEqual(egress.spec.egress[0].ports.map((p: any) => p.port), [443, 6443]);
    });
});
