// NetworkPolicies generated from the wiring. Every namespace we create denies all ingress (and egress);
// each client's declared links (`connectsTo`) open exactly the server port they use, for exactly that
// client's pods, on both ends;
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
    /** Name of the container port behind it (what the server's ingress policy opens). */
    containerPort: string;
    /** Its number (what the client's egress policy opens: named ports in egress rules are not portable). */
    containerPortNumber: number;
}

const policyLabels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" };

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

/**
 * The namespace-wide policies: deny all ingress (and, with restricted egress, all egress) unless another
 * policy allows it; with restricted egress, allow DNS lookups and connections to the internet (package
 * downloads: Spark's Ivy, pip) but not to private ranges, where the cluster's own pods and nodes live.
 */
export function namespacePolicies(resourceName: string, namespace: string, egress: "restricted" | "open", opts: pulumi.CustomResourceOptions): void {
    const restricted = egress === "restricted";
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-default-deny`,
        {
            metadata: { name: "default-deny", namespace, labels: policyLabels },
            spec: { podSelector: {}, policyTypes: restricted ? ["Ingress", "Egress"] : ["Ingress"] },
        },
        opts,
    );
    if (!restricted) return;
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-dns`,
        {
            metadata: { name: "allow-dns-egress", namespace, labels: policyLabels },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { port: 53, protocol: "UDP" },
                            { port: 53, protocol: "TCP" },
                        ],
                    },
                ],
            },
        },
        opts,
    );
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-internet`,
        {
            metadata: { name: "allow-internet-egress", namespace, labels: policyLabels },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }] }],
            },
        },
        opts,
    );
}

function peerIn(fromNamespace: string, name: string, inNamespace: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return {
        podSelector: { matchLabels: selectorFor(name) },
        ...(fromNamespace !== inNamespace ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": inNamespace } } } : {}),
    };
}

/** Opens each linked server port to this client's pods, both ways (server ingress, client egress), and nothing more. */
export function allowLinks(
    resourceName: string,
    client: { namespace: string; name: string },
    links: Link[],
    opts: pulumi.CustomResourceOptions,
): void {
    if (links.length > 0) {
        new k8s.networking.v1.NetworkPolicy(
            `${resourceName}-egress`,
            {
                metadata: { name: `allow-${client.name}-egress`, namespace: client.namespace, labels: policyLabels },
                spec: {
                    podSelector: { matchLabels: selectorFor(client.name) },
                    policyTypes: ["Egress"],
                    egress: links.map((l) => ({
                        to: [peerIn(client.namespace, l.server, l.namespace)],
                        ports: [{ port: l.containerPortNumber, protocol: "TCP" }],
                    })),
                },
            },
            opts,
        );
    }
    for (const link of links) {
        const peer = peerIn(link.namespace, client.name, client.namespace);
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
    policyName = `allow-external-to-${server.name}`,
): void {
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-external`,
        {
            metadata: { name: policyName, namespace: server.namespace, labels: policyLabels },
            spec: {
                podSelector: { matchLabels: selectorFor(server.name) },
                policyTypes: ["Ingress"],
                ingress: [{ ports: containerPorts.map((port) => ({ port, protocol: "TCP" })) }],
            },
        },
        opts,
    );
}

/** Opens a workload's pods to and from every pod of its peer group, on any port. */
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
    // ...and the other direction: with restricted egress, a member could otherwise not open a connection
    // to its peers (the Spark master to workers, Trino's coordinator to workers, Flink's JobManager to
    // TaskManagers), since pod addresses are in the private ranges the internet rule excludes.
    new k8s.networking.v1.NetworkPolicy(
        `${resourceName}-peers-egress`,
        {
            metadata: { name: `allow-${server.name}-to-${group}-peers`, namespace: server.namespace, labels: policyLabels },
            spec: {
                podSelector: { matchLabels: selectorFor(server.name) },
                policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: { matchLabels: { [PEER_GROUP_LABEL]: group } } }] }],
            },
        },
        opts,
    );
}
