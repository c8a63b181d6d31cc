// What `pulumi up` would do going from one load of the program to another, from the rules the engine and
// the Kubernetes provider apply, so a test can tell a rolling update from a replacement without a cluster:
//
// - The provider replaces an object when a force-new field changes (pulumi-kubernetes
//   provider/pkg/provider/diff.go, `forceNew`, v4.x; `.metadata.name` and `.metadata.namespace` for every kind).
// - It deletes the old object first when the new one keeps the name the program set (provider.go, Diff:
//   `deleteBeforeReplace`); a new name means create-before-delete.
// - Before such a delete-before-replace the engine replaces the dependents whose inputs were computed from the
//   replaced object: it marks those inputs unknown and asks the provider (pulumi pkg/resource/deploy/
//   step_generator.go, calculateDependentReplacements). A Deployment's or StatefulSet's `spec` made unknown
//   covers its force-new `spec.selector`, so the provider answers "replace"; this is what the real engine
//   was seen doing to the Prometheus StatefulSet and the Airflow Deployments.

import { Registered } from "./harness";

/** Force-new paths per kind (apps/v1, batch/v1, core/v1, rbac/v1, storage/v1: the versions the program uses). */
const FORCE_NEW: Record<string, string[]> = {
    // Unless the provider's enableConfigMapMutable / enableSecretMutable options are on (they are not here).
    ConfigMap: ["data", "binaryData"],
    Secret: ["type", "stringData", "data"],
    Deployment: ["spec.selector"],
    DaemonSet: ["spec.selector"],
    StatefulSet: ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    Job: ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    PersistentVolumeClaim: ["spec"],
    Service: ["spec.clusterIP"],
    ResourceQuota: ["spec.scopes"],
    RoleBinding: ["roleRef"],
    ClusterRoleBinding: ["roleRef"],
    StorageClass: ["parameters", "provisioner"],
};
const IDENTITY = ["metadata.name", "metadata.namespace"];

export function forceNewPaths(kind: string): string[] {
    return [...IDENTITY, ...(FORCE_NEW[kind] ?? [])];
}

/** Dotted paths (`spec.template.spec.volumes[0].configMap.name`) where two values differ. */
export function changedPaths(a: unknown, b: unknown, at = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const isObj = (v: unknown) => typeof v === "object" && v !== null;
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((x, i) => changedPaths(x, b[i], `${at}[${i}]`));
    if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
        return [...keys].flatMap((k) => changedPaths((a as any)[k], (b as any)[k], at ? `${at}.${k}` : k));
    }
    return [at];
}

/** Whether a change at `path` touches force-new field `field` (the field itself, inside it, or a parent of it). */
function touches(path: string, field: string): boolean {
    return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`) || field.startsWith(`${path}.`);
}

export interface Step {
    /** `type::name`, what the engine's URN comes down to here. */
    key: string;
    kind: string;
    op: "create" | "delete" | "same" | "update" | "replace";
    /** For a replacement: the old object goes first (its name is taken again). */
    deleteFirst?: boolean;
    /** What forces the replacement: changed force-new paths, or the replaced resource an input came from. */
    because: string[];
}

const keyOf = (r: Registered) => `${r.type}::${r.name}`;

/** The steps from `before` to `after` (Kubernetes objects, as `k8sObjects` lists them). */
export function plan(before: Registered[], after: Registered[]): Map<string, Step> {
    const olds = new Map(before.map((r) => [keyOf(r), r]));
    const news = new Map(after.map((r) => [keyOf(r), r]));
    const steps = new Map<string, Step>();
    for (const [key, n] of news) {
        const kind = n.inputs.kind;
        const o = olds.get(key);
        if (!o) {
            steps.set(key, { key, kind, op: "create", because: [] });
            continue;
        }
        const changed = changedPaths(o.inputs, n.inputs);
        const forced = changed.filter((p) => forceNewPaths(kind).some((f) => touches(p, f)));
        if (forced.length === 0) {
            steps.set(key, { key, kind, op: changed.length ? "update" : "same", because: [] });
            continue;
        }
        const named = n.inputs.metadata?.name !== undefined;
        const sameName = named && n.inputs.metadata.name === o.state.metadata?.name && (n.inputs.metadata.namespace ?? "") === (o.inputs.metadata?.namespace ?? "");
        steps.set(key, { key, kind, op: "replace", deleteFirst: sameName, because: forced });
    }
    for (const [key, o] of olds) if (!news.has(key)) steps.set(key, { key, kind: o.inputs.kind, op: "delete", because: [] });

    // Dependents of every delete-before-replace, transitively, from the old dependency graph.
    const queue = [...steps.values()].filter((s) => s.op === "replace" && s.deleteFirst).map((s) => s.key);
    const replaced = new Set(queue);
    while (queue.length > 0) {
        const root = queue.shift()!;
        for (const [key, o] of olds) {
            const step = steps.get(key);
            if (!step || step.op === "delete" || replaced.has(key)) continue;
            const unknown = Object.entries(o.propertyDependencies ?? {})
                .filter(([, deps]) => deps.includes(root))
                .map(([prop]) => prop);
            if (!unknown.some((p) => forceNewPaths(o.inputs.kind).some((f) => touches(p, f)))) continue;
            const n = news.get(key)!;
            const sameName = n.inputs.metadata?.name !== undefined && n.inputs.metadata.name === o.state.metadata?.name;
            steps.set(key, { key, kind: step.kind, op: "replace", deleteFirst: sameName, because: [`${unknown.join(", ")} from ${root}, replaced delete-first`] });
            replaced.add(key);
            if (sameName) queue.push(key);
        }
    }
    return steps;
}
