// NetworkPolicies generated from the wiring. Every namespace we create denies all ingress; each client's
// declared links (`connectsTo`) open exactly the server port they use, for exactly that client's pods;
// exposed Services open their ports to everyone (that is what exposing means); a peer group (Spark's
// driver, master, workers and executors, which talk on ports Spark picks at run time) opens its members
// to each other. Nothing here is written by hand per service: adding a service with its links is enough.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The labels that select one workload's pods (shared with the workload helper). */
export function selectorFor(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "lakehouse" };
}

export const PEER_GROUP_LABEL = "lakehouse.io/peer-group";

/** A server port a client uses; see `Workload.link`. */
export interface Link {
    namespace: string;
    /** Name of the server workload and its Service. */
    server: string;
    /** Name of the Service port. */
    portName: string;
    port: number;
    /** Name of the container port behind it (what a network policy on the server's pods must open). */
    containerPort: string;
}

const policyLabels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" };

/** Denies all ingress to every pod of a namespace unless another policy allows it. */
export function defaultDenyIngress(resourceName: string, namespace: string, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        resourceName,
        {
            metadata: { name: "default-deny-ingress", namespace, labels: policyLabels },
            spec: { podSelector: {}, policyTypes: ["Ingress"] },
        },
        opts,
    );
}

/** Opens each linked server port to this client's pods, and nothing more. */
export function allowLinks(
    resourceName: string,
    client: { namespace: string; name: string },
    links: Link[],
    opts: pulumi.CustomResourceOptions,
): void {
    for (const link of links) {
        const peer: k8s.types.input.networking.v1.NetworkPolicyPeer = {
            podSelector: { matchLabels: selectorFor(client.name) },
            ...(client.namespace !== link.namespace
                ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": client.namespace } } }
                : {}),
        };
        new k8s.networking.v1.NetworkPolicy(
            `${resourceName}-to-${link.server}-${link.portName}`,
            {
                metadata: { name: `allow-${client.name}-to-${link.server}-${link.portName}`, namespace: link.namespace, labels: policyLabels },
                spec: {
                    podSelector: { matchLabels: selectorFor(link.server) },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [peer], ports: [{ port: link.containerPort, protocol: "TCP" }] }],
                },
            },
            opts,
        );
    }
}

/** Opens an exposed workload's container ports to any source: LoadBalancer and NodePort traffic arrives from nodes. */
export function allowExternal(
    resourceName: string,
    server: { namespace: string; name: string },
    containerPorts: string[],
    opts: pulumi.CustomResourceOptions,
): void {
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-external`,
        {
            metadata: { name: `allow-external-to-${server.name}`, namespace: server.namespace, labels: policyLabels },
            spec: {
                podSelector: { matchLabels: selectorFor(server.name) },
                policyTypes: ["Ingress"],
                ingress: [{ ports: containerPorts.map((port) => ({ port, protocol: "TCP" })) }],
            },
        },
        opts,
    );
}

/** Opens a workload's pods to every pod of its peer group, on any port. */
export function allowPeers(
    resourceName: string,
    server: { namespace: string; name: string },
    group: string,
    opts: pulumi.CustomResourceOptions,
): void {
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-peers`,
        {
            metadata: { name: `allow-${group}-peers-to-${server.name}`, namespace: server.namespace, labels: policyLabels },
            spec: {
                podSelector: { matchLabels: selectorFor(server.name) },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: { [PEER_GROUP_LABEL]: group } } }] }],
            },
        },
        opts,
    );
}
