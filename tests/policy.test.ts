import * as assert from "assert";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { loadBalancerSourceRanges, networkPolicyPerNamespace, noSecretLiterals, podSafeDefaults, podSecurityLabels, rules } from "../policy/rules";
import { STACKS, loadProgram, loadStack, withOverrides } from "./harness";

function resourceArgs(type: string, props: Record<string, any>): ResourceValidationArgs {
    return { type, props, urn: `urn:pulumi:test::lakehouse::${type}::x`, name: "x", opts: {} } as unknown as ResourceValidationArgs;
}

function violations(policy: { validateResource?: unknown }, type: string, props: Record<string, any>): string[] {
    const out: string[] = [];
    const validate = policy.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void;
    validate(resourceArgs(type, props), (m) => out.push(m));
    return out;
}

function stackViolations(resources: { type: string; props: Record<string, any> }[]): string[] {
    const out: string[] = [];
    const args = { resources: resources.map((r, i) => ({ ...r, urn: `urn:${i}`, name: `r${i}` }) as unknown as PolicyResource) } as StackValidationArgs;
    networkPolicyPerNamespace.validateStack(args, (m) => out.push(m));
    return out;
}

const safeContainer = {
    name: "app",
    image: "example/app:1.2.3",
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    readinessProbe: { httpGet: { path: "/", port: 80 } },
    livenessProbe: { httpGet: { path: "/", port: 80 } },
};
const deployment = (container: Record<string, any>) => ({ spec: { template: { spec: { containers: [container] } } } });

describe("policy pack rules", () => {
    it("pod-safe-defaults passes a safe Deployment", () => {
        assert.deepStrictEqual(violations(podSafeDefaults, "kubernetes:apps/v1:Deployment", deployment(safeContainer)), []);
    });

    const unsafe: [string, Record<string, any>, RegExp][] = [
        ["runs as root", { ...safeContainer, securityContext: { ...safeContainer.securityContext, runAsUser: 0 } }, /non-root UID/],
        ["may escalate", { ...safeContainer, securityContext: { ...safeContainer.securityContext, allowPrivilegeEscalation: true } }, /allowPrivilegeEscalation/],
        ["keeps capabilities", { ...safeContainer, securityContext: { ...safeContainer.securityContext, capabilities: {} } }, /drop ALL/],
        ["has no seccomp", { ...safeContainer, securityContext: { ...safeContainer.securityContext, seccompProfile: undefined } }, /seccompProfile/],
        ["has no requests", { ...safeContainer, resources: { limits: { memory: "1Gi" } } }, /requests/],
        ["has no memory limit", { ...safeContainer, resources: { requests: { cpu: "1", memory: "1Gi" } } }, /memory limit/],
        ["uses latest", { ...safeContainer, image: "example/app:latest" }, /not pinned/],
        ["has no tag", { ...safeContainer, image: "example/app" }, /not pinned/],
        ["has no probes", { ...safeContainer, readinessProbe: undefined }, /probes/],
    ];
    for (const [what, container, expect] of unsafe) {
        it(`pod-safe-defaults fails a container that ${what}`, () => {
            const v = violations(podSafeDefaults, "kubernetes:apps/v1:Deployment", deployment(container));
            assert.ok(v.some((m) => expect.test(m)), v.join("\n"));
        });
    }

    it("pod-safe-defaults needs no probes on a Job's containers, and ignores non-pod resources", () => {
        const job = { spec: { template: { spec: { containers: [{ ...safeContainer, readinessProbe: undefined, livenessProbe: undefined }] } } } };
        assert.deepStrictEqual(violations(podSafeDefaults, "kubernetes:batch/v1:Job", job), []);
        assert.deepStrictEqual(violations(podSafeDefaults, "kubernetes:core/v1:ConfigMap", { data: {} }), []);
    });

    it("no-secret-literals-in-env fails a literal password and passes a secretKeyRef", () => {
        const literal = deployment({ ...safeContainer, env: [{ name: "DB_PASSWORD", value: "hunter2" }] });
        assert.match(violations(noSecretLiterals, "kubernetes:apps/v1:Deployment", literal).join(), /DB_PASSWORD holds a literal/);
        const ref = deployment({ ...safeContainer, env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "LOG_LEVEL", value: "info" }] });
        assert.deepStrictEqual(violations(noSecretLiterals, "kubernetes:apps/v1:Deployment", ref), []);
    });

    it("namespace-pod-security-labels fails a namespace without an enforce level", () => {
        assert.match(violations(podSecurityLabels, "kubernetes:core/v1:Namespace", { metadata: { name: "a" } }).join(), /namespace a: label pod-security/);
        const ok = { metadata: { name: "a", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } };
        assert.deepStrictEqual(violations(podSecurityLabels, "kubernetes:core/v1:Namespace", ok), []);
    });

    it("network-policy-per-namespace fails a namespace without a NetworkPolicy", () => {
        const ns = (name: string) => ({ type: "kubernetes:core/v1:Namespace", props: { metadata: { name } } });
        const np = (namespace: string) => ({ type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { metadata: { namespace, name: "d" } } });
        assert.deepStrictEqual(stackViolations([ns("a"), np("a")]), []);
        assert.deepStrictEqual(stackViolations([ns("a"), ns("b"), np("a")]), ["namespace b has no NetworkPolicy"]);
    });

    const service = (spec: Record<string, any>) => ({ metadata: { name: "spark-master", namespace: "lakehouse" }, spec });
    it("loadbalancer-source-ranges fails a LoadBalancer open to everyone and passes a restricted one", () => {
        const v = (spec: Record<string, any>) => violations(loadBalancerSourceRanges, "kubernetes:core/v1:Service", service(spec));
        assert.deepStrictEqual(v({ type: "LoadBalancer" }), ["Service lakehouse/spark-master: type LoadBalancer needs spec.loadBalancerSourceRanges (the networks that may connect)"]);
        assert.deepStrictEqual(v({ type: "LoadBalancer", loadBalancerSourceRanges: [] }), ["Service lakehouse/spark-master: type LoadBalancer needs spec.loadBalancerSourceRanges (the networks that may connect)"]);
        assert.deepStrictEqual(v({ type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8", "0.0.0.0/0"] }), [
            "Service lakehouse/spark-master: loadBalancerSourceRanges 0.0.0.0/0 lets the whole internet in; list the networks that may connect",
        ]);
        assert.match(v({ type: "LoadBalancer", loadBalancerSourceRanges: ["::/0"] }).join(), /::\/0 lets the whole internet in/);
        assert.deepStrictEqual(v({ type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] }), []);
        assert.deepStrictEqual(v({ type: "ClusterIP" }), []);
    });

    it("prod has no LoadBalancer; asking for one gives every exposed Service the configured source ranges, which the rule passes", async () => {
        const lbs = (l: { resources: { type: string; name: string; inputs: any }[] }) => l.resources.filter((r) => r.type === "kubernetes:core/v1:Service" && r.inputs.spec.type === "LoadBalancer");
        assert.deepStrictEqual(lbs(await loadStack("prod")), []);
        const l = await loadProgram("prod", withOverrides("prod", { "lakehouse:exposure": { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] } }));
        assert.ok(lbs(l).length >= 10, "the exposed Services");
        for (const r of lbs(l)) {
            assert.deepStrictEqual(r.inputs.spec.loadBalancerSourceRanges, ["203.0.113.0/24"], r.name);
            assert.deepStrictEqual(violations(loadBalancerSourceRanges, r.type, r.inputs), []);
            // The same Service without its ranges is what prod deployed before: the rule fails it.
            const open = { ...r.inputs, spec: { ...r.inputs.spec, loadBalancerSourceRanges: undefined } };
            assert.strictEqual(violations(loadBalancerSourceRanges, r.type, open).length, 1, r.name);
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: the whole stack passes every rule of the pack`, async () => {
            const l = await loadStack(stack);
            const resources = l.resources.map((r) => ({ type: r.type, props: r.inputs }));
            const found: string[] = [];
            for (const rule of rules) {
                if ("validateResource" in rule) for (const r of resources) found.push(...violations(rule, r.type, r.props).map((m) => `${rule.name}: ${m}`));
            }
            found.push(...stackViolations(resources));
            assert.deepStrictEqual(found, []);
            assert.ok(resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"), "rules actually saw workloads");
        });
    }
});
