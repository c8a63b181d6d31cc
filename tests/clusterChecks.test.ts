import * as assert from "assert";
import {
    Applied,
    badEvents,
    canIMismatches,
    crdFor,
    endpointGaps,
    inApplyOrder,
    notReady,
    openApiSchema,
    overQuota,
    podsNotReady,
    rejected,
    sparkDriverMatrix,
    sparkPods,
    statefulSetClaims,
    warned,
} from "../scripts/clusterChecks";
import { parseWarnings } from "../scripts/lib/kube";
import { customResources, sparkApplicationSchema } from "./crdSchemas";
import { sparkApplicationManifest } from "../components/lib/sparkApplication";

// The assertions of `npm run test:cluster` (scripts/clusterTest.ts), each fed what it must catch and what
// it must let through. The same run also checks them against the real API server (its self-check).

const svc = (name: string, ports: string[]) => ({ kind: "Service", metadata: { name, namespace: "ns" }, spec: { selector: { app: name }, ports: ports.map((p, i) => ({ name: p, port: 80 + i })) } });
const slice = (service: string, ports: string[], ready: boolean) => ({
    metadata: { namespace: "ns", labels: { "kubernetes.io/service-name": service } },
    ports: ports.map((p) => ({ name: p, port: 1 })),
    endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready } }],
});

describe("cluster test assertions (scripts/clusterChecks.ts)", () => {
    it("apply answers: a refusal and a warning are problems, a clean 2xx is not", () => {
        const obj = { kind: "Pod", metadata: { name: "p", namespace: "ns" } };
        const ok: Applied = { object: obj, status: 201, warnings: [] };
        const refused: Applied = { object: obj, status: 403, message: 'pods "p" is forbidden: violates PodSecurity "restricted:latest"', warnings: [] };
        const warnedOnly: Applied = { object: obj, status: 200, warnings: ['would violate PodSecurity "restricted:latest": privileged'] };
        assert.deepStrictEqual(rejected([ok, warnedOnly]), []);
        assert.deepStrictEqual(rejected([refused]), ['Pod ns/p: 403 pods "p" is forbidden: violates PodSecurity "restricted:latest"']);
        assert.deepStrictEqual(warned([ok]), []);
        assert.deepStrictEqual(warned([warnedOnly]), ['Pod ns/p: warning: would violate PodSecurity "restricted:latest": privileged']);
    });

    it("reads every 299 warning of a Warning header, quotes and commas included", () => {
        assert.deepStrictEqual(parseWarnings('299 - "would violate PodSecurity \\"restricted:latest\\": a, b", 299 - "unknown field \\"spec.x\\""'), [
            'would violate PodSecurity "restricted:latest": a, b',
            'unknown field "spec.x"',
        ]);
        assert.deepStrictEqual(parseWarnings(undefined), []);
    });

    it("readiness: short of replicas, a Job not complete and a pod not ready are problems", () => {
        const dep = (ready: number) => ({ kind: "Deployment", metadata: { name: "d", namespace: "ns" }, spec: { replicas: 2 }, status: { readyReplicas: ready } });
        const job = (complete: boolean) => ({ kind: "Job", metadata: { name: "j", namespace: "ns" }, status: { conditions: complete ? [{ type: "Complete", status: "True" }] : [] } });
        assert.deepStrictEqual(notReady([dep(2), job(true)]), []);
        assert.deepStrictEqual(notReady([dep(1), job(false)]), ["Deployment ns/d: ready 1/2", "Job ns/j: not complete (succeeded 0)"]);
        const pod = (ready: boolean, phase = "Running") => ({ kind: "Pod", metadata: { name: "p", namespace: "ns" }, status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } });
        assert.deepStrictEqual(podsNotReady([pod(true), pod(false, "Succeeded")]), []);
        assert.deepStrictEqual(podsNotReady([pod(false, "Pending")]), ["Pod ns/p: Pending, not ready"]);
    });

    it("events: failed creation, failed scheduling and quota refusals are problems; others are not", () => {
        const ev = (reason: string, message: string) => ({ reason, message, involvedObject: { kind: "ReplicaSet", namespace: "ns", name: "r" } });
        assert.deepStrictEqual(badEvents([ev("Scheduled", "assigned"), ev("SuccessfulCreate", "created pod")]), []);
        assert.strictEqual(badEvents([ev("FailedCreate", "x"), ev("FailedScheduling", "0/1 nodes"), ev("Other", "exceeded quota: q")]).length, 3);
    });

    it("endpoints: a port without a ready endpoint is a problem; skipped Services are not checked", () => {
        const services = [svc("a", ["http", "metrics"]), svc("b", ["http"])];
        assert.deepStrictEqual(endpointGaps(services, [slice("a", ["http", "metrics"], true), slice("b", ["http"], true)]), []);
        assert.deepStrictEqual(endpointGaps(services, [slice("a", ["http"], true), slice("b", ["http"], false)]), [
            "Service ns/a: no ready endpoint for port metrics",
            "Service ns/b: no ready endpoint for port http",
        ]);
        assert.deepStrictEqual(endpointGaps([svc("b", ["http"])], [], new Map([["Service ns/b", "a chart's pods"]])), []);
    });

    it("can-i: an answer other than the matrix requires is a problem, either way", () => {
        const matrix = sparkDriverMatrix("team", ["other"]);
        const right = matrix.map((check) => ({ check, allowed: check.allowed }));
        assert.deepStrictEqual(canIMismatches("sa", right), []);
        const wrong = matrix.map((check) => ({ check, allowed: check.resource === "secrets" || (check.resource === "pods" && check.namespace === "other") ? true : check.allowed }));
        assert.deepStrictEqual(canIMismatches("sa", wrong), [
            "sa may get secrets in team (must not: Secrets reach pods only by secretKeyRef)",
            "sa may list secrets in team (must not: Secrets reach pods only by secretKeyRef)",
            "sa may create pods in other (must not: only its own namespace)",
        ]);
        assert.ok(matrix.some((c) => c.allowed) && matrix.some((c) => !c.allowed), "the matrix asks both ways");
    });

    it("quota: usage above a hard limit is a problem", () => {
        const q = (used: string) => ({ kind: "ResourceQuota", metadata: { name: "q", namespace: "ns" }, status: { hard: { pods: "4" }, used: { pods: used } } });
        assert.deepStrictEqual(overQuota([q("4")], (_r, v) => Number(v)), []);
        assert.deepStrictEqual(overQuota([q("5")], (_r, v) => Number(v)), ["ResourceQuota ns/q: pods used 5 of 4"]);
    });

    it("order: namespaces first, workloads after their config, custom resources after their CRDs; an unknown kind is an error", () => {
        const stages = inApplyOrder([{ kind: "Deployment" }, { kind: "ConfigMap" }, { kind: "SparkApplication" }, { kind: "CustomResourceDefinition" }, { kind: "Namespace" }]).map((s) =>
            s.map((o) => o.kind),
        );
        const at = (kind: string) => stages.findIndex((s) => s.includes(kind));
        assert.ok(at("Namespace") < at("CustomResourceDefinition") && at("CustomResourceDefinition") < at("ConfigMap") && at("ConfigMap") < at("Deployment") && at("Deployment") < at("SparkApplication"));
        assert.throws(() => inApplyOrder([{ kind: "CronJob" }]), /no apply stage for CronJob/);
    });

    it("CRDs: a structural schema from tests/crdSchemas.ts, types and enums kept, metadata left to the server", () => {
        const crd = crdFor(customResources[0]);
        assert.strictEqual(crd.metadata.name, "sparkapplications.sparkoperator.k8s.io");
        const schema = crd.spec.versions[0].schema.openAPIV3Schema;
        assert.strictEqual(schema.properties.metadata, undefined);
        assert.deepStrictEqual(schema.required, ["spec"]);
        assert.deepStrictEqual(schema.properties.spec.properties.type, { type: "string", enum: ["Java", "Python", "Scala", "R"] });
        assert.deepStrictEqual(schema.properties.spec.properties.sparkConf, { type: "object", additionalProperties: { type: "string" } });
        assert.strictEqual(schema.properties.spec.properties.driver.properties.cores.minimum, 1);
        // Every node has a type (or keeps unknown fields), as a structural schema must.
        const untyped = (s: any, at: string): string[] => [
            ...(s.type || s["x-kubernetes-preserve-unknown-fields"] ? [] : [at]),
            ...Object.entries(s.properties ?? {}).flatMap(([k, v]) => untyped(v, `${at}.${k}`)),
            ...(s.items ? untyped(s.items, `${at}[]`) : []),
        ];
        assert.deepStrictEqual(untyped(openApiSchema(sparkApplicationSchema), ""), []);
    });

    it("the claims a StatefulSet will make, and the Spark Operator's pods for an application, sized as Spark sizes them", () => {
        const sts = {
            kind: "StatefulSet",
            metadata: { name: "db", namespace: "ns" },
            spec: { replicas: 2, selector: { matchLabels: { app: "db" } }, volumeClaimTemplates: [{ metadata: { name: "data", labels: {} }, spec: { resources: { requests: { storage: "1Gi" } } } }] },
        };
        assert.deepStrictEqual(
            statefulSetClaims(sts).map((c) => c.metadata.name),
            ["data-db-0", "data-db-1"],
        );
        const app = sparkApplicationManifest({
            name: "pi",
            namespace: "team",
            serviceAccount: "spark",
            image: "spark:4",
            sparkVersion: "4.0.1",
            runAs: { uid: 185, gid: 185 },
            type: "Python",
            mainApplicationFile: "local:///pi.py",
            driver: { cores: 1, coreRequest: "250m", coreLimit: "1", memory: "512m", memoryOverhead: "384m" },
            executor: { cores: 1, coreLimit: "1", memory: "1g", memoryOverhead: "512m", instances: 2 },
        });
        const pods = sparkPods(app);
        assert.deepStrictEqual(
            pods.map((p) => [p.metadata.name, p.metadata.labels["spark-role"], p.spec.serviceAccountName, p.spec.containers[0].resources]),
            [
                ["pi-driver", "driver", "spark", { requests: { cpu: "250m", memory: "896Mi" }, limits: { cpu: "1", memory: "896Mi" } }],
                ["pi-exec-1", "executor", "spark", { requests: { cpu: "1", memory: "1536Mi" }, limits: { cpu: "1", memory: "1536Mi" } }],
                ["pi-exec-2", "executor", "spark", { requests: { cpu: "1", memory: "1536Mi" }, limits: { cpu: "1", memory: "1536Mi" } }],
            ],
        );
        assert.strictEqual(pods[0].spec.containers[0].securityContext.allowPrivilegeEscalation, false);
    });
});
