import * as assert from "assert";
import { Loaded, Registered, k8sObjects, loadProgram, loadStack, nameOf, withOverrides } from "./harness";
import { Step, changedPaths, plan } from "./replacements";

// A routine config change must roll pods, never replace a workload: a replaced StatefulSet loses its volume
// in dev and fails the update in prod (protectData). Each case loads the program twice and plans the update
// with the engine's and the provider's replacement rules (tests/replacements.ts).

const WORKLOADS = ["Deployment", "StatefulSet"];

function stepsOf(before: Loaded, after: Loaded): Step[] {
    return [...plan(k8sObjects(before), k8sObjects(after)).values()];
}

/** Replaced workloads and protected resources replaced or deleted: what must never happen. */
function harm(steps: Step[], protectedNames: string[]): string[] {
    return steps
        .filter((s) => (s.op === "replace" && WORKLOADS.includes(s.kind)) || ((s.op === "replace" || s.op === "delete") && protectedNames.includes(s.key.split("::").pop()!)))
        .map((s) => `${s.op} ${s.key}${s.deleteFirst ? " (delete first)" : ""}: ${s.because.join("; ")}`);
}

const find = (l: Loaded, kind: string, name: string): Registered => {
    const r = k8sObjects(l).find((x) => x.inputs.kind === kind && nameOf(x.inputs) === name);
    assert.ok(r, `no ${kind} ${name} in ${l.stack}`);
    return r;
};

/** The names of the ConfigMaps a workload's pod template mounts. */
const mounted = (r: Registered): string[] => (r.inputs.spec.template.spec.volumes ?? []).filter((v: any) => v.configMap).map((v: any) => v.configMap.name);

/** The workload rolls onto the new ConfigMap `config`: its update changes the pod template to name it, nothing else replaces it. */
function assertRolls(before: Loaded, after: Loaded, steps: Step[], kind: string, name: string, config: string): void {
    const w = find(after, kind, name);
    const step = steps.find((s) => s.key === `${w.type}::${w.name}`)!;
    assert.strictEqual(step.op, "update", `${kind} ${name}: ${step.op} (${step.because.join("; ")})`);
    const [oldCm, newCm] = [find(before, "ConfigMap", config).inputs.metadata.name, find(after, "ConfigMap", config).inputs.metadata.name];
    assert.notStrictEqual(oldCm, newCm, `ConfigMap ${config} keeps its name although its content changed`);
    assert.ok(mounted(find(before, kind, name)).includes(oldCm) && mounted(w).includes(newCm), `${kind} ${name} moves from ${oldCm} to ${newCm}`);
    const cm = steps.find((s) => s.key === `kubernetes:core/v1:ConfigMap::${find(after, "ConfigMap", config).name}`)!;
    assert.deepStrictEqual([cm.op, cm.deleteFirst], ["replace", false], `ConfigMap ${config} is created under its new name before the old one goes`);
}

/** The program as it was before ConfigMaps carried a content hash: every ConfigMap under its plain name. */
function withFixedConfigMapNames(l: Loaded): Loaded {
    const names = new Map(k8sObjects(l).filter((r) => r.inputs.kind === "ConfigMap").map((r) => [r.inputs.metadata.name, nameOf(r.inputs)]));
    const rename = (v: any): any =>
        typeof v === "string" ? (names.get(v) ?? v) : Array.isArray(v) ? v.map(rename) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)])) : v;
    return { ...l, resources: l.resources.map((r) => ({ ...r, inputs: rename(r.inputs), state: rename(r.state) })) };
}

describe("config changes roll pods, never replace a workload", () => {
    const cases: { what: string; stack: string; patch: Record<string, unknown>; rolls: [string, string, string][] }[] = [
        {
            what: "dev: a service with metrics switched on (a new Prometheus target)",
            stack: "dev",
            patch: { "lakehouse:services": { clickhouse: { enabled: true } } },
            rolls: [["StatefulSet", "prometheus", "prometheus-config"]],
        },
        {
            what: "prod (protectData): a service with metrics switched off",
            stack: "prod",
            patch: { "lakehouse:services": { flink: { enabled: false } } },
            rolls: [["StatefulSet", "prometheus", "prometheus-config"]],
        },
        {
            what: "prod: the medallion DAG switched off (new DAG files)",
            stack: "prod",
            patch: { "lakehouse:services": { airflow: { medallionDag: false } } },
            rolls: ["api-server", "scheduler", "dag-processor", "triggerer", "worker"].map((c) => ["Deployment", `airflow-${c}`, "airflow-dags"]),
        },
    ];
    const loaded = new Map<string, Promise<[Loaded, Loaded]>>();
    const load = (c: (typeof cases)[number]) => {
        // One after the other: the mocks are process-wide.
        const both = async (): Promise<[Loaded, Loaded]> => [await loadStack(c.stack), await loadProgram(c.stack, withOverrides(c.stack, c.patch))];
        if (!loaded.has(c.what)) loaded.set(c.what, both());
        return loaded.get(c.what)!;
    };

    for (const c of cases) {
        it(`${c.what}: no workload replaced, nothing protected replaced or deleted; the workloads mounting the config roll onto it`, async () => {
            const [before, after] = await load(c);
            const steps = stepsOf(before, after);
            assert.deepStrictEqual(harm(steps, after.protectedNames), []);
            for (const [kind, name, config] of c.rolls) assertRolls(before, after, steps, kind, name, config);
        });
    }

    it("the check fails the program as it was: under fixed ConfigMap names the same changes replace the workloads", async () => {
        const [devBefore, devAfter] = await load(cases[0]);
        const dev = harm(stepsOf(withFixedConfigMapNames(devBefore), withFixedConfigMapNames(devAfter)), []);
        assert.ok(dev.some((h) => /^replace kubernetes:apps\/v1:StatefulSet::prometheus \(delete first\): spec from kubernetes:core\/v1:ConfigMap::prometheus-config/.test(h)), dev.join("\n"));
        const [prodBefore, prodAfter] = await load(cases[2]);
        const prod = harm(stepsOf(withFixedConfigMapNames(prodBefore), withFixedConfigMapNames(prodAfter)), prodAfter.protectedNames);
        for (const c of ["api-server", "scheduler", "dag-processor", "triggerer", "worker"]) {
            assert.ok(prod.some((h) => h.startsWith(`replace kubernetes:apps/v1:Deployment::airflow-${c} `)), `airflow-${c} replaced:\n${prod.join("\n")}`);
        }
    });

    it("an unrelated change leaves every ConfigMap's name alone", async () => {
        const [before, after] = await load(cases[0]);
        const names = (l: Loaded, except: string[]) =>
            k8sObjects(l)
                .filter((r) => r.inputs.kind === "ConfigMap" && !except.includes(nameOf(r.inputs)))
                .map((r) => r.inputs.metadata.name)
                .sort();
        // ClickHouse on: its own ConfigMap appears and Prometheus scrapes it; nothing else's config changes.
        const changed = ["prometheus-config", "clickhouse-config"];
        assert.deepStrictEqual(names(after, changed), names(before, changed));
    });
});

describe("replacement planner (tests/replacements.ts)", () => {
    const obj = (type: string, name: string, inputs: any, propertyDependencies: Record<string, string[]> = {}): Registered => ({
        type,
        name,
        inputs,
        state: inputs,
        propertyDependencies,
    });
    const cm = (name: string, data: Record<string, string>) => obj("kubernetes:core/v1:ConfigMap", "cfg", { kind: "ConfigMap", metadata: { name, namespace: "ns" }, data });
    const sts = (config: string, deps: string[]) =>
        obj(
            "kubernetes:apps/v1:StatefulSet",
            "db",
            { kind: "StatefulSet", metadata: { name: "db", namespace: "ns" }, spec: { serviceName: "db", selector: {}, template: { spec: { volumes: [{ name: "c", configMap: { name: config } }] } } } },
            { spec: deps },
        );
    const op = (steps: Map<string, Step>, key: string) => {
        const s = steps.get(key)!;
        return `${s.op}${s.deleteFirst ? " delete-first" : ""}`;
    };

    it("a fixed-name ConfigMap whose data changes is replaced delete-first, and so is the StatefulSet whose spec names it", () => {
        const deps = ["kubernetes:core/v1:ConfigMap::cfg"];
        const steps = plan([cm("cfg", { a: "1" }), sts("cfg", deps)], [cm("cfg", { a: "2" }), sts("cfg", deps)]);
        assert.strictEqual(op(steps, "kubernetes:core/v1:ConfigMap::cfg"), "replace delete-first");
        assert.strictEqual(op(steps, "kubernetes:apps/v1:StatefulSet::db"), "replace delete-first");
    });

    it("a ConfigMap under a new name is created first; the StatefulSet is updated", () => {
        const deps = ["kubernetes:core/v1:ConfigMap::cfg"];
        const steps = plan([cm("cfg-1", { a: "1" }), sts("cfg-1", deps)], [cm("cfg-2", { a: "2" }), sts("cfg-2", deps)]);
        assert.strictEqual(op(steps, "kubernetes:core/v1:ConfigMap::cfg"), "replace");
        assert.strictEqual(op(steps, "kubernetes:apps/v1:StatefulSet::db"), "update");
    });

    it("a dependency by order only (dependsOn) is not a reason to replace", () => {
        const steps = plan([cm("cfg", { a: "1" }), sts("cfg", [])], [cm("cfg", { a: "2" }), sts("cfg", [])]);
        assert.strictEqual(op(steps, "kubernetes:apps/v1:StatefulSet::db"), "same");
    });

    it("a StatefulSet's own force-new field (a volume claim template) replaces it", () => {
        const grown = sts("cfg", []);
        grown.inputs = { ...grown.inputs, spec: { ...grown.inputs.spec, volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "2Gi" } } } }] } };
        const steps = plan([sts("cfg", [])], [grown]);
        assert.strictEqual(op(steps, "kubernetes:apps/v1:StatefulSet::db"), "replace delete-first");
        assert.deepStrictEqual(steps.get("kubernetes:apps/v1:StatefulSet::db")!.because, ["spec.volumeClaimTemplates"]);
    });

    it("paths: nested keys and list items", () => {
        assert.deepStrictEqual(changedPaths({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, c: 1, d: 2 }), ["a.b[1]", "d"]);
    });
});
