// NetworkPolicies for pods the platform doesn't build itself (Helm charts' pods, Spark drivers and
// executors created by the Spark Operator): they can't carry `connectsTo` links, so their few needs are
// written here once, narrowly, on top of each namespace's default-deny policies (lib/network.ts).

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Selector = k8s.types.input.meta.v1.LabelSelector;

const policyLabels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" };

function policy(
    resourceName: string,
    name: string,
    namespace: string,
    spec: k8s.types.input.networking.v1.NetworkPolicySpec,
    opts: pulumi.CustomResourceOptions,
): void {
    new k8s.networking.v1.NetworkPolicy(resourceName, { metadata: { name, namespace, labels: policyLabels }, spec }, opts);
}

/**
 * The Kubernetes API server, for pods that call it (controllers, a Spark driver creating its executors).
 * Its address is usually private (the default egress policy blocks private ranges) and differs per
 * cluster (a node address on Kind/k3d, anything on a managed cluster), so the allowance is by port only:
 * 443 (the `kubernetes` Service) and 6443 (where it lands on Kind and k3d), for the selected pods only.
 */
export function allowApiServer(
    resourceName: string,
    namespace: string,
    podSelector: Selector,
    opts: pulumi.CustomResourceOptions,
    // Only needed where a namespace holds more than one such policy.
    policyName = "allow-apiserver-egress",
): void {
    const egress = [{ ports: [443, 6443].map((port) => ({ port, protocol: "TCP" })) }];
    policy(`${resourceName}-apiserver`, policyName, namespace, { podSelector, policyTypes: ["Egress"], egress }, opts);
}

/** An admission webhook's port, for the API server, which calls it from the control plane's own network. */
export function allowWebhook(resourceName: string, namespace: string, podSelector: Selector, port: number, opts: pulumi.CustomResourceOptions): void {
    const ingress = [{ ports: [{ port, protocol: "TCP" }] }];
    policy(`${resourceName}-webhook`, "allow-webhook-ingress", namespace, { podSelector, policyTypes: ["Ingress"], ingress }, opts);
}

/** Every pod the selector matches may reach every other one in the namespace, on any port, both ways. */
export function allowWithinNamespace(resourceName: string, namespace: string, podSelector: Selector, opts: pulumi.CustomResourceOptions): void {
    const spec = { podSelector, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector }] }], egress: [{ to: [{ podSelector }] }] };
    policy(`${resourceName}-peers`, "allow-spark-app-peers", namespace, spec, opts);
}

/** The Pod Security Admission labels of a namespace: enforce, audit and warn at one level. */
export function podSecurityLabels(level: "restricted" | "baseline" | "privileged"): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/warn": level,
    };
}
