// `npm run test:cluster` (started by e2e/cluster.sh, which brings up the KWOK cluster): every stack's
// Kubernetes objects, as the program makes them under the test mocks, applied to a real API server with
// server-side apply and strict field validation, then checked: accepted without warnings, workloads ready,
// no failed pod creation or scheduling, endpoints for every Service port, team pods within their quotas,
// the Spark account's permissions, and nothing of ours left once the namespaces are deleted.
// Before the stacks, a self-check feeds each assertion something it must catch, on the same server.
//
// Usage: ts-node scripts/clusterTest.ts [dev|dev:all|prod ...]   (KUBECONFIG and KUBECTL from e2e/cluster.sh)

import { execFile } from "child_process";
import { loadAllOn } from "../tests/allServices";
import { customResources } from "../tests/crdSchemas";
import { Loaded, helmReleases, k8sObjects, loadStack } from "../tests/harness";
import { parseBytes, parseCpu } from "../components/lib/quantity";
import {
    Applied,
    CanI,
    Obj,
    badEvents,
    canIMismatches,
    crdFor,
    describe,
    endpointGaps,
    inApplyOrder,
    notReady,
    overQuota,
    podsNotReady,
    rejected,
    sparkDriverMatrix,
    sparkPods,
    statefulSetClaims,
    warned,
} from "./clusterChecks";
import { Kube } from "./lib/kube";

const FIELD_MANAGER = "lakehouse-test-cluster";
const WAIT_SECONDS = Number(process.env.LAKEHOUSE_CLUSTER_WAIT ?? 300);
const KUBECTL = process.env.KUBECTL ?? "kubectl";

const STACKS: Record<string, () => Promise<Loaded>> = {
    dev: () => loadStack("dev"),
    "dev:all": () => loadAllOn("dev"),
    prod: () => loadStack("prod"),
};

const results: { name: string; problems: string[] }[] = [];

function check(name: string, problems: string[]): boolean {
    results.push({ name, problems });
    console.log(`${problems.length === 0 ? "PASS" : "FAIL"} ${name}`);
    for (const p of problems.slice(0, 20)) console.log(`     ${p}`);
    if (problems.length > 20) console.log(`     ... and ${problems.length - 20} more`);
    return problems.length === 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `problems` until it returns none or the time is up; returns the last problems. */
async function until(seconds: number, problems: () => Promise<string[]>): Promise<string[]> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const p = await problems();
        if (p.length === 0 || Date.now() > deadline) return p;
        await sleep(2000);
    }
}

async function applyAll(kube: Kube, objects: Obj[]): Promise<Applied[]> {
    const out: Applied[] = [];
    // A few at a time: the order inside a stage does not matter, the stages' order does.
    for (let i = 0; i < objects.length; i += 8) {
        const batch = objects.slice(i, i + 8);
        out.push(
            ...(await Promise.all(
                batch.map(async (o) => {
                    const r = await kube.apply(o, FIELD_MANAGER);
                    return { object: o, status: r.status, message: r.status >= 300 ? r.body?.message : undefined, warnings: r.warnings };
                }),
            )),
        );
    }
    return out;
}

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(KUBECTL, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr }));
    });
}

/** `kubectl auth can-i` for each check, as the account (impersonated), a few at a time. */
async function canI(account: string, checks: CanI[]): Promise<{ check: CanI; allowed: boolean }[]> {
    const answer = async (c: CanI) => {
        const [resource, sub] = c.resource.split("/");
        const args = ["auth", "can-i", c.verb, resource, ...(sub ? [`--subresource=${sub}`] : []), ...(c.namespace ? ["-n", c.namespace] : []), `--as=${account}`];
        const r = await kubectl(args);
        if (!/^(yes|no)/.test(r.stdout.trim())) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr || r.stdout}`);
        return { check: c, allowed: r.stdout.trim().startsWith("yes") };
    };
    const out: { check: CanI; allowed: boolean }[] = [];
    for (let i = 0; i < checks.length; i += 6) out.push(...(await Promise.all(checks.slice(i, i + 6).map(answer))));
    return out;
}

async function waitForDefaultAccounts(kube: Kube, namespaces: string[]): Promise<void> {
    // The controller-manager makes each namespace's `default` account; a pod created before it is refused.
    const missing = await until(60, async () => {
        const out: string[] = [];
        for (const ns of namespaces) if ((await kube.request("GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status !== 200) out.push(ns);
        return out;
    });
    if (missing.length) throw new Error(`no default service account in ${missing.join(", ")}`);
}

async function registerCrds(kube: Kube, crds: Obj[]): Promise<Applied[]> {
    const applied = await applyAll(kube, crds);
    if (rejected(applied).length) throw new Error(`CRDs refused: ${rejected(applied).join("; ")}`);
    const pending = await until(60, async () => {
        const out: string[] = [];
        for (const c of crds) {
            const r = await kube.request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`);
            const conditions: Obj[] = r.body?.status?.conditions ?? [];
            if (!conditions.some((x) => x.type === "Established" && x.status === "True")) {
                out.push(`${c.metadata.name} (${r.status}: ${conditions.filter((x) => x.status === "True").map((x) => `${x.type}: ${x.message}`).join("; ") || r.body?.message})`);
            }
        }
        return out;
    });
    if (pending.length) throw new Error(`CRDs not established: ${pending.join(", ")}`);
    await kube.discover();
    return applied;
}

const quantity = (resource: string, q: string) => (/cpu/.test(resource) ? (parseCpu(q) ?? NaN) : /memory|storage/.test(resource) ? (parseBytes(q) ?? NaN) : Number(q));

/** What our namespaces hold now: workloads, pods, services, slices, events, quotas. */
async function observe(kube: Kube, namespaces: string[]) {
    const all = async (apiVersion: string, kind: string) => (await Promise.all(namespaces.map((ns) => kube.list(apiVersion, kind, ns)))).flat().map((o) => ({ apiVersion, kind, ...o }));
    return {
        workloads: [...(await all("apps/v1", "Deployment")), ...(await all("apps/v1", "StatefulSet")), ...(await all("batch/v1", "Job"))],
        pods: await all("v1", "Pod"),
        services: await all("v1", "Service"),
        slices: await all("discovery.k8s.io/v1", "EndpointSlice"),
        events: await all("v1", "Event"),
        quotas: await all("v1", "ResourceQuota"),
    };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    return !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Deletes the objects, namespaces first (they take their contents), and waits until each is gone. */
async function teardown(kube: Kube, objects: Obj[]): Promise<string[]> {
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    const clusterScoped = objects.filter((o) => o.kind !== "Namespace" && !o.metadata.namespace && !kube.resource(o.apiVersion, o.kind).namespaced);
    for (const o of [...namespaces, ...clusterScoped.reverse()]) await kube.request("DELETE", kube.pathOf(o), { propagationPolicy: "Background" });
    return until(WAIT_SECONDS, async () => {
        const left: string[] = [];
        for (const o of objects) if ((await kube.request("GET", kube.pathOf(o))).status !== 404) left.push(describe(o));
        // Volumes of the deleted claims are released, then reclaimed by the provisioner (e2e/lib/cluster.sh).
        for (const pv of await kube.list("v1", "PersistentVolume", undefined, "labelSelector=lakehouse-e2e%3Dpv")) left.push(`PersistentVolume ${pv.metadata.name} (${pv.status?.phase})`);
        return left;
    });
}

async function runStack(kube: Kube, stack: string): Promise<void> {
    console.log(`\n== ${stack}`);
    const t0 = Date.now();
    const loaded = await STACKS[stack]();
    const objects = k8sObjects(loaded).map((r) => JSON.parse(JSON.stringify({ ...r.inputs, metadata: { ...r.inputs.metadata, name: r.inputs.metadata?.name ?? r.state.metadata.name } })));
    const crds = customResources.map(crdFor);
    const claims = objects.filter((o) => o.kind === "StatefulSet").flatMap(statefulSetClaims);
    const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
    const applied: Applied[] = [];
    for (const stage of inApplyOrder([...objects, ...crds, ...claims])) {
        if (stage.length === 0) continue;
        if (stage[0].kind === "CustomResourceDefinition") {
            applied.push(...(await registerCrds(kube, stage)));
            continue;
        }
        if (stage.some((o) => o.kind === "Deployment")) {
            const unbound = await until(60, async () =>
                (await Promise.all(claims.map((c) => kube.request("GET", kube.pathOf(c))))).filter((r) => r.body?.status?.phase !== "Bound").map((r) => `${r.body?.metadata?.name}: ${r.body?.status?.phase}`),
            );
            if (unbound.length) console.log(`     claims not bound: ${unbound.join(", ")}`);
        }
        applied.push(...(await applyAll(kube, stage)));
        if (stage[0].kind === "Namespace") await waitForDefaultAccounts(kube, namespaces);
    }
    check(`${stack}: every object accepted (server-side apply, strict field validation)`, rejected(applied));
    check(`${stack}: no warning (Pod Security, deprecations, fields)`, warned(applied));

    // The operator's pods for every SparkApplication, as it would make them in the team namespaces.
    const apps = objects.filter((o) => o.kind === "SparkApplication");
    const operatorPods = apps.flatMap(sparkPods);
    const teamPods = await applyAll(kube, operatorPods);
    check(`${stack}: each team's Spark pods (${teamPods.length}, all applications at once) admitted by its ResourceQuota, LimitRange and Pod Security`, [
        ...rejected(teamPods),
        ...warned(teamPods),
    ]);

    const stillNotReady = await until(WAIT_SECONDS, async () => {
        const now = await observe(kube, namespaces);
        return [...notReady(now.workloads), ...podsNotReady(now.pods)];
    });
    const now = await observe(kube, namespaces);
    check(`${stack}: every Deployment and StatefulSet ready, every Job complete, every pod ready`, stillNotReady);
    check(`${stack}: no FailedCreate, FailedScheduling or quota events`, badEvents(now.events));

    const releaseNamespaces = new Set(helmReleases(loaded).map((r) => r.inputs.namespace));
    const skip = new Map(
        now.services
            .filter((s) => releaseNamespaces.has(s.metadata.namespace) && !now.pods.some((p) => p.metadata.namespace === s.metadata.namespace && selects(s.spec.selector, p.metadata.labels)))
            .map((s) => [describe(s), "selects a Helm release's pods (releases are not applied)"]),
    );
    for (const [s, why] of skip) console.log(`     skipped ${s}: ${why}`);
    check(`${stack}: every Service port has a ready endpoint (EndpointSlices)`, endpointGaps(now.services, now.slices, skip));
    check(`${stack}: no quota used beyond its hard limit`, overQuota(now.quotas, quantity));

    const teams = objects.filter((o) => o.kind === "Namespace" && o.metadata.labels?.["lakehouse.io/team"]).map((o) => o.metadata.name);
    for (const team of teams) {
        const account = `system:serviceaccount:${team}:spark`;
        const matrix = sparkDriverMatrix(team, namespaces.filter((n) => n !== team));
        check(`${stack}: ${team}'s spark account may do what a Spark driver needs and nothing more (${matrix.length} can-i checks)`, canIMismatches(account, await canI(account, matrix)));
    }

    const ready = now.pods.filter((p) => (p.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True")).length;
    const left = await teardown(kube, [...objects, ...crds, ...claims, ...operatorPods]);
    check(`${stack}: deleting the namespaces (and our cluster-wide objects) leaves none of our objects`, left);
    console.log(
        `${stack}: ${objects.length} objects applied (+ ${crds.length} CRDs, ${claims.length} volume claims, ${operatorPods.length} Spark pods), ${ready} pods made ready, ${Math.round((Date.now() - t0) / 1000)}s`,
    );
}

/** Each assertion, given something it must catch, on this server. */
async function selfCheck(kube: Kube): Promise<void> {
    console.log("\n== self-check: each assertion catches what it must");
    const ns = "lakehouse-self-check";
    const restricted = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" };
    const safe = {
        runAsNonRoot: true,
        runAsUser: 1000,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
    const container = (extra: Obj = {}) => ({ name: "c", image: "busybox:1.37", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } }, securityContext: safe, ...extra });
    const deployment = (name: string, spec: Obj) => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: ns },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
    });
    const objects: Obj[] = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: restricted } },
        { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "small", namespace: ns }, spec: { hard: { "limits.memory": "128Mi" } } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "leaky", namespace: ns } },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "read-secrets", namespace: ns }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "leaky", namespace: ns },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-secrets" },
            subjects: [{ kind: "ServiceAccount", name: "leaky", namespace: ns }],
        },
        { apiVersion: "v1", kind: "Service", metadata: { name: "selects-nothing", namespace: ns }, spec: { selector: { app: "nobody" }, ports: [{ name: "http", port: 80 }] } },
    ];
    const base = await applyAll(kube, objects.slice(0, 1));
    await waitForDefaultAccounts(kube, [ns]);
    base.push(...(await applyAll(kube, objects.slice(1))));
    if (rejected(base).length) throw new Error(`self-check setup refused: ${rejected(base).join("; ")}`);

    const privileged = { apiVersion: "v1", kind: "Pod", metadata: { name: "privileged", namespace: ns }, spec: { containers: [container({ securityContext: { privileged: true } })] } };
    check("self-check: a privileged pod in a restricted namespace is refused", rejected(await applyAll(kube, [privileged])).length ? [] : ["accepted"]);
    const misspelt = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "misspelt", namespace: ns }, dataa: { a: "b" } };
    check("self-check: an unknown field is refused (strict field validation)", rejected(await applyAll(kube, [misspelt])).length ? [] : ["accepted"]);
    const greedy = { apiVersion: "v1", kind: "Pod", metadata: { name: "greedy", namespace: ns }, spec: { containers: [container({ resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } })] } };
    const quotaAnswer = rejected(await applyAll(kube, [greedy]));
    check("self-check: a pod beyond the quota is refused", quotaAnswer.some((p) => /exceeded quota/.test(p)) ? [] : [`answer: ${quotaAnswer.join("; ") || "accepted"}`]);

    const unsafe = deployment("unsafe", { containers: [container({ securityContext: { ...safe, allowPrivilegeEscalation: true } })] });
    const unplaceable = deployment("unplaceable", { nodeSelector: { "lakehouse.io/no-such-node": "x" }, containers: [container()] });
    const workloads = await applyAll(kube, [unsafe, unplaceable]);
    check("self-check: a Deployment whose pods break Pod Security draws a warning", warned(workloads).length ? [] : ["no warning"]);
    const events = await until(60, async () => {
        const found = badEvents(await kube.list("v1", "Event", ns));
        return found.some((e) => /FailedCreate/.test(e)) && found.some((e) => /FailedScheduling/.test(e)) ? [] : ["waiting"];
    });
    check("self-check: the refused and the unschedulable pods show as FailedCreate and FailedScheduling events", events);
    const now = await observe(kube, [ns]);
    check("self-check: those Deployments count as not ready", notReady(now.workloads).length === 2 ? [] : [`not ready: ${notReady(now.workloads).join("; ")}`]);
    check("self-check: a Service selecting nothing has a port without endpoints", endpointGaps(now.services, now.slices).length ? [] : ["no gap found"]);
    const leaky = `system:serviceaccount:${ns}:leaky`;
    const mismatches = canIMismatches(leaky, await canI(leaky, sparkDriverMatrix(ns, []).filter((c) => c.resource === "secrets" || c.resource === "pods")));
    check("self-check: an account that may read Secrets, and may not run pods, fails the can-i matrix", mismatches.some((m) => /may get secrets/.test(m)) && mismatches.some((m) => /may not create pods/.test(m)) ? [] : [mismatches.join("; ") || "no mismatch"]);
    await teardown(kube, objects.slice(0, 1));
}

async function main(): Promise<void> {
    const stacks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(STACKS);
    for (const s of stacks) if (!STACKS[s]) throw new Error(`unknown stack ${s}; known: ${Object.keys(STACKS).join(", ")}`);
    const kube = Kube.fromKubeconfig(process.env.KUBECONFIG ?? `${process.env.HOME}/.kube/config`);
    await kube.discover();
    await selfCheck(kube);
    for (const s of stacks) await runStack(kube, s);
}

main()
    .catch((e) => check("cluster test ran to the end", [e instanceof Error ? (e.stack ?? e.message) : String(e)]))
    .finally(() => {
        const failed = results.filter((r) => r.problems.length > 0).length;
        console.log(`\ncluster: ${results.length - failed} passed, ${failed} failed`);
        process.exit(failed > 0 ? 1 : 0);
    });
