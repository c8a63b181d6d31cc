// The pure parts of `npm run test:cluster` (scripts/clusterTest.ts): the order objects are applied in, the
// CRDs registered for the custom resources, the pods the Spark Operator would make, and every assertion as a
// function from what the API server returned to a list of problems (empty: pass). Unit-tested against bad
// input in tests/clusterChecks.test.ts.

import type { Schema } from "../tests/crdSchemas";
import { formatBytes, parseSparkSize } from "../components/lib/quantity";

export type Obj = Record<string, any>;

export const describe = (o: Obj): string => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

// ---- order -------------------------------------------------------------------------------------------------

/** Apply order: what a kind needs must exist before it (namespaces, types, accounts, policy, config, workloads). */
export const APPLY_ORDER: string[][] = [
    ["Namespace"],
    ["CustomResourceDefinition"],
    ["ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"],
    // Quotas and defaults before any pod, so every pod is admitted against them.
    ["ResourceQuota", "LimitRange", "NetworkPolicy"],
    ["ConfigMap", "Secret"],
    ["Service"],
    ["PersistentVolumeClaim", "PodDisruptionBudget"],
    ["Deployment", "StatefulSet", "Job", "Pod"],
    ["SparkApplication", "IPAddressPool", "L2Advertisement", "Ingress"],
];

/** The objects in apply order, stage by stage; a kind without a place is an error, so it gets one. */
export function inApplyOrder(objects: Obj[]): Obj[][] {
    const unplaced = objects.filter((o) => !APPLY_ORDER.some((stage) => stage.includes(o.kind)));
    if (unplaced.length > 0) throw new Error(`no apply stage for ${[...new Set(unplaced.map((o) => o.kind))].join(", ")} (scripts/clusterChecks.ts APPLY_ORDER)`);
    return APPLY_ORDER.map((stage) => objects.filter((o) => stage.includes(o.kind)));
}

// ---- CRDs --------------------------------------------------------------------------------------------------

/**
 * A structural OpenAPI schema from a tests/crdSchemas.ts schema. Those schemas cover the fields the program
 * uses, not the whole CRD, so objects keep unknown fields (x-kubernetes-preserve-unknown-fields) rather than
 * having them pruned or refused; metadata is the API server's own to validate.
 */
export function openApiSchema(s: Schema, root = true): Obj {
    if (s.additionalProperties) return { type: "object", additionalProperties: openApiSchema(s.additionalProperties, false) };
    const type = s.type ?? (s.enum ? "string" : s.properties ? "object" : undefined);
    const out: Obj = type ? { type } : { "x-kubernetes-preserve-unknown-fields": true };
    if (s.enum) out.enum = s.enum;
    if (s.minimum !== undefined) out.minimum = s.minimum;
    if (s.items) out.items = openApiSchema(s.items, false);
    if (type === "object") {
        const props = Object.entries(s.properties ?? {}).filter(([k]) => !(root && ["apiVersion", "kind", "metadata"].includes(k)));
        if (props.length > 0) out.properties = Object.fromEntries(props.map(([k, v]) => [k, openApiSchema(v, false)]));
        const required = (s.required ?? []).filter((r) => !(root && ["apiVersion", "kind", "metadata"].includes(r)));
        if (required.length > 0) out.required = required;
        out["x-kubernetes-preserve-unknown-fields"] = true;
    }
    return out;
}

/**
 * Groups under k8s.io need an API review's URL (kubernetes/enhancements#1111); the Spark Operator's CRD names
 * its own (charts/spark-operator-chart/crds/sparkoperator.k8s.io_sparkapplications.yaml, kubeflow/spark-operator).
 */
const API_APPROVED: Record<string, string> = { "sparkoperator.k8s.io": "https://github.com/kubeflow/spark-operator/pull/1298" };

export function crdFor(r: { group: string; version: string; kind: string; plural: string; schema: Schema }): Obj {
    const approved = API_APPROVED[r.group];
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: {
            name: `${r.plural}.${r.group}`,
            labels: { "app.kubernetes.io/managed-by": "lakehouse-test-cluster" },
            ...(approved ? { annotations: { "api-approved.kubernetes.io": approved } } : {}),
        },
        spec: {
            group: r.group,
            scope: "Namespaced",
            names: { kind: r.kind, plural: r.plural, singular: r.kind.toLowerCase(), listKind: `${r.kind}List` },
            versions: [{ name: r.version, served: true, storage: true, schema: { openAPIV3Schema: openApiSchema(r.schema) } }],
        },
    };
}

// ---- what controllers outside the program would create -------------------------------------------------------

/** The claims a StatefulSet's controller makes (`<template>-<set>-<ordinal>`), made first so pods never wait for a volume. */
export function statefulSetClaims(sts: Obj): Obj[] {
    return (sts.spec.volumeClaimTemplates ?? []).flatMap((t: Obj) =>
        Array.from({ length: sts.spec.replicas ?? 1 }, (_, i) => ({
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: `${t.metadata.name}-${sts.metadata.name}-${i}`, namespace: sts.metadata.namespace, labels: { ...t.metadata.labels, ...sts.spec.selector.matchLabels } },
            spec: t.spec,
        })),
    );
}

/**
 * The driver and executor pods the Spark Operator would create for a SparkApplication (the operator is a Helm
 * release, not applied here): the spec's image, env, mounts, security contexts and account (executors use
 * the driver's, Spark's default), and Spark's sizing, memory + overhead as request and limit.
 */
export function sparkPods(app: Obj): Obj[] {
    const pod = (role: "driver" | "executor", name: string): Obj => {
        const p = app.spec[role];
        const memory = formatBytes(Math.ceil(((parseSparkSize(p.memory) ?? 0) + (parseSparkSize(p.memoryOverhead) ?? 0)) / 2 ** 20) * 2 ** 20);
        return {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name,
                namespace: app.metadata.namespace,
                labels: { ...(p.labels ?? {}), "spark-role": role, "sparkoperator.k8s.io/app-name": app.metadata.name },
                ...(p.annotations ? { annotations: p.annotations } : {}),
            },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: app.spec.driver.serviceAccount,
                securityContext: p.podSecurityContext,
                volumes: app.spec.volumes ?? [],
                containers: [
                    {
                        name: `spark-kubernetes-${role}`,
                        image: p.image ?? app.spec.image,
                        env: p.env ?? [],
                        volumeMounts: p.volumeMounts ?? [],
                        ports: (p.ports ?? []).map((x: Obj) => ({ name: x.name, containerPort: x.containerPort, protocol: x.protocol ?? "TCP" })),
                        resources: {
                            requests: { cpu: p.coreRequest ?? String(p.cores), memory },
                            limits: { ...(p.coreLimit ? { cpu: p.coreLimit } : {}), memory },
                        },
                        securityContext: p.securityContext,
                    },
                ],
            },
        };
    };
    const executors = app.spec.executor.instances ?? 1;
    return [pod("driver", `${app.metadata.name}-driver`), ...Array.from({ length: executors }, (_, i) => pod("executor", `${app.metadata.name}-exec-${i + 1}`))];
}

// ---- assertions ----------------------------------------------------------------------------------------------

export interface Applied {
    object: Obj;
    status: number;
    message?: string;
    warnings: string[];
}

/** Every object accepted: a 2xx answer to its apply. */
export function rejected(results: Applied[]): string[] {
    return results.filter((r) => r.status < 200 || r.status >= 300).map((r) => `${describe(r.object)}: ${r.status} ${r.message ?? ""}`.trim());
}

/** No warning at all: Pod Security `warn`, deprecated APIs and unknown-field notices all arrive this way. */
export function warned(results: Applied[]): string[] {
    return results.flatMap((r) => r.warnings.map((w) => `${describe(r.object)}: warning: ${w}`));
}

/** Deployments and StatefulSets with fewer ready replicas than asked for; Jobs not complete. */
export function notReady(workloads: Obj[]): string[] {
    return workloads.flatMap((o) => {
        if (o.kind === "Job") {
            const complete = (o.status?.conditions ?? []).some((c: Obj) => c.type === "Complete" && c.status === "True");
            return complete ? [] : [`${describe(o)}: not complete (succeeded ${o.status?.succeeded ?? 0})`];
        }
        const want = o.spec.replicas ?? 1;
        const ready = o.status?.readyReplicas ?? 0;
        return ready === want ? [] : [`${describe(o)}: ready ${ready}/${want}`];
    });
}

/** Pods that never became Ready (a bare pod's or a workload's). */
export function podsNotReady(pods: Obj[]): string[] {
    return pods
        .filter((p) => p.status?.phase !== "Succeeded" && !(p.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True"))
        .map((p) => `${describe(p)}: ${p.status?.phase ?? "no status"}, not ready`);
}

/** Events that say a pod could not be made or placed, or that a quota refused it. */
export function badEvents(events: Obj[]): string[] {
    return events
        .filter((e) => ["FailedCreate", "FailedScheduling"].includes(e.reason) || /exceeded quota|forbidden/i.test(e.message ?? ""))
        .map((e) => `${e.involvedObject?.kind} ${e.involvedObject?.namespace}/${e.involvedObject?.name}: ${e.reason}: ${e.message}`);
}

/**
 * Every port of every Service has a ready endpoint in the EndpointSlices the controller keeps for it.
 * `skip` names Services deliberately not checked (with why), e.g. those selecting a Helm release's pods.
 */
export function endpointGaps(services: Obj[], slices: Obj[], skip: Map<string, string> = new Map()): string[] {
    const out: string[] = [];
    for (const svc of services) {
        if (svc.spec.type === "ExternalName" || skip.has(describe(svc))) continue;
        const mine = slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.["kubernetes.io/service-name"] === svc.metadata.name);
        for (const port of svc.spec.ports ?? []) {
            const ready = mine.some(
                (s) => (s.ports ?? []).some((p: Obj) => (p.name ?? "") === (port.name ?? "")) && (s.endpoints ?? []).some((e: Obj) => e.conditions?.ready !== false && e.addresses?.length),
            );
            if (!ready) out.push(`${describe(svc)}: no ready endpoint for port ${port.name ?? port.port}`);
        }
    }
    return out;
}

export interface CanI {
    verb: string;
    resource: string;
    namespace: string;
    /** Whether a Spark driver's account must be allowed (true) or refused (false). */
    allowed: boolean;
    why: string;
}

/**
 * What a team's Spark driver account must and must not do: run its executors and their services, config
 * maps and volumes, read their logs and run SparkApplications, in its namespace only; no Secrets, no exec,
 * no RBAC, nothing cluster-wide, nothing in another namespace.
 */
export function sparkDriverMatrix(namespace: string, elsewhere: string[]): CanI[] {
    const here = (verb: string, resource: string, allowed: boolean, why: string): CanI => ({ verb, resource, namespace, allowed, why });
    return [
        ...["create", "get", "list", "watch", "delete", "deletecollection"].map((v) => here(v, "pods", true, "executors")),
        ...["create", "get", "delete"].map((v) => here(v, "services", true, "the driver's headless service")),
        ...["create", "get", "list", "delete"].map((v) => here(v, "configmaps", true, "executor and driver config")),
        ...["create", "get", "list", "delete"].map((v) => here(v, "persistentvolumeclaims", true, "on-demand executor volumes")),
        here("get", "pods/log", true, "reading executors' logs"),
        ...["create", "get", "list", "watch", "delete"].map((v) => here(v, "sparkapplications.sparkoperator.k8s.io", true, "running applications")),
        here("get", "secrets", false, "Secrets reach pods only by secretKeyRef"),
        here("list", "secrets", false, "Secrets reach pods only by secretKeyRef"),
        here("create", "pods/exec", false, "no shell in other pods"),
        here("create", "roles.rbac.authorization.k8s.io", false, "no RBAC changes"),
        here("create", "rolebindings.rbac.authorization.k8s.io", false, "no RBAC changes"),
        here("update", "resourcequotas", false, "its quota is the platform's"),
        here("delete", "networkpolicies.networking.k8s.io", false, "its policies are the platform's"),
        here("create", "serviceaccounts", false, "no new identities"),
        { verb: "list", resource: "nodes", namespace: "", allowed: false, why: "nothing cluster-wide" },
        { verb: "create", resource: "namespaces", namespace: "", allowed: false, why: "nothing cluster-wide" },
        ...elsewhere.map((ns): CanI => ({ verb: "create", resource: "pods", namespace: ns, allowed: false, why: "only its own namespace" })),
    ];
}

/** The matrix's answers that differ from what it requires. */
export function canIMismatches(account: string, answers: { check: CanI; allowed: boolean }[]): string[] {
    return answers
        .filter((a) => a.allowed !== a.check.allowed)
        .map((a) => `${account} ${a.allowed ? "may" : "may not"} ${a.check.verb} ${a.check.resource}${a.check.namespace ? ` in ${a.check.namespace}` : " cluster-wide"} (${a.check.allowed ? "needs to" : "must not"}: ${a.check.why})`);
}

/** Quota usage above its hard limit (the server should have refused the pod). */
export function overQuota(quotas: Obj[], parse: (resource: string, q: string) => number): string[] {
    return quotas.flatMap((q) =>
        Object.entries(q.status?.hard ?? {})
            .filter(([r, hard]) => parse(r, String(q.status?.used?.[r] ?? "0")) > parse(r, String(hard)))
            .map(([r, hard]) => `${describe(q)}: ${r} used ${q.status.used[r]} of ${hard}`),
    );
}
