// The platform's rules as plain policy objects: the policy pack (index.ts) enforces them on every
// `pulumi preview/up --policy-pack policy`, and the tests call them directly, without the CLI.
// The same pod rules back the mock tests' safe-default check, so the two can never disagree.

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

type Obj = Record<string, any>;

/** Kubernetes workload types whose pod template the rules inspect, and where that template lives. */
const POD_PATHS: Record<string, (props: Obj) => Obj | undefined> = {
    "kubernetes:core/v1:Pod": (p) => p.spec,
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
};

/** Pods that run to completion: their containers need no probes. */
const RUN_TO_COMPLETION = new Set(["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"]);

export function podSpecOf(type: string, props: Obj): Obj | undefined {
    return POD_PATHS[type]?.(props);
}

/** Why a pod spec falls short of the safe defaults; empty when it doesn't. */
export function podSpecViolations(spec: Obj, runsToCompletion: boolean): string[] {
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    const all = [
        ...(spec.initContainers ?? []).map((c: Obj) => ({ c, init: true })),
        ...(spec.containers ?? []).map((c: Obj) => ({ c, init: false })),
    ];
    for (const { c, init } of all) {
        const where = `container ${c.name}`;
        const sc = c.securityContext ?? {};
        const nonRoot = (sc.runAsNonRoot ?? pod.runAsNonRoot) === true;
        const uid = sc.runAsUser ?? pod.runAsUser;
        if (!nonRoot || uid === undefined || uid === 0) problems.push(`${where}: must run as a non-root UID (runAsNonRoot and runAsUser)`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities must drop ALL`);
        if (sc.privileged) problems.push(`${where}: must not be privileged`);
        if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: must not add capabilities`);
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccompProfile must be RuntimeDefault`);
        const req = c.resources?.requests ?? {};
        if (!req.cpu || !req.memory) problems.push(`${where}: needs CPU and memory requests`);
        if (!c.resources?.limits?.memory) problems.push(`${where}: needs a memory limit`);
        const image: string = c.image ?? "";
        const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1];
        if (!image.includes("@sha256:") && (!tag || tag === "latest")) problems.push(`${where}: image ${image} is not pinned to a tag`);
        if (!init && !runsToCompletion && (!c.readinessProbe || !c.livenessProbe)) problems.push(`${where}: needs readiness and liveness probes`);
    }
    return problems;
}

export const podSafeDefaults: ResourceValidationPolicy = {
    name: "pod-safe-defaults",
    description: "Containers run non-root, without privilege escalation or capabilities, with seccomp, requests, a memory limit, probes and a pinned image.",
    validateResource: (args, report) => {
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        for (const p of podSpecViolations(spec, RUN_TO_COMPLETION.has(args.type))) report(p);
    },
};

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|ACCESS_KEY|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;

export const noSecretLiterals: ResourceValidationPolicy = {
    name: "no-secret-literals-in-env",
    description: "Env vars that hold secrets read them from a Secret (secretKeyRef), never from a literal value.",
    validateResource: (args, report) => {
        const spec = podSpecOf(args.type, args.props);
        if (!spec) return;
        for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
            for (const e of c.env ?? []) {
                if (SECRET_NAME.test(e.name) && typeof e.value === "string" && e.value !== "") {
                    report(`container ${c.name}: env ${e.name} holds a literal; read it from a Secret with secretKeyRef`);
                }
            }
        }
    },
};

const PSA_LEVELS = ["privileged", "baseline", "restricted"];

export const podSecurityLabels: ResourceValidationPolicy = {
    name: "namespace-pod-security-labels",
    description: "Every namespace states its Pod Security Admission level (enforce), so the API server checks pods.",
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:core/v1:Namespace") return;
        const level = args.props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        if (!PSA_LEVELS.includes(level)) {
            report(`namespace ${args.props.metadata?.name}: label pod-security.kubernetes.io/enforce must be one of ${PSA_LEVELS.join(", ")} (got ${level ?? "none"})`);
        }
    },
};

export const networkPolicyPerNamespace: StackValidationPolicy = {
    name: "network-policy-per-namespace",
    description: "Every namespace the stack creates has at least one NetworkPolicy (the default-deny).",
    validateStack: (args, report) => {
        const withPolicy = new Set(
            args.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.props.metadata?.namespace),
        );
        for (const ns of args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")) {
            const name = ns.props.metadata?.name;
            if (!withPolicy.has(name)) report(`namespace ${name} has no NetworkPolicy`, ns.urn);
        }
    },
};

/** Source ranges that let every address in: a LoadBalancer with one of them (or none) is open to the internet. */
const EVERYWHERE = new Set(["0.0.0.0/0", "::/0"]);

export const loadBalancerSourceRanges: ResourceValidationPolicy = {
    name: "loadbalancer-source-ranges",
    description:
        "A LoadBalancer Service lists the networks that may connect (spec.loadBalancerSourceRanges), never the whole internet: " +
        "on a cloud its address is public, and ports such as Spark's 7077 take code from whoever connects.",
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:core/v1:Service" || args.props.spec?.type !== "LoadBalancer") return;
        const name = `${args.props.metadata?.namespace ?? ""}/${args.props.metadata?.name ?? args.name}`;
        const ranges: string[] = args.props.spec?.loadBalancerSourceRanges ?? [];
        if (ranges.length === 0) report(`Service ${name}: type LoadBalancer needs spec.loadBalancerSourceRanges (the networks that may connect)`);
        for (const r of ranges.filter((x) => EVERYWHERE.has(x) || /\/0$/.test(x))) {
            report(`Service ${name}: loadBalancerSourceRanges ${r} lets the whole internet in; list the networks that may connect`);
        }
    },
};

export const rules = [podSafeDefaults, noSecretLiterals, podSecurityLabels, networkPolicyPerNamespace, loadBalancerSourceRanges];
