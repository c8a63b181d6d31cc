// The platform's own Ingress controller on the local clusters, so `http://<ui>.lakehouse.localhost` works
// the same on Linux, macOS and Windows: Traefik's Service is a NodePort on fixed ports, which
// clusters/k3d.yaml and clusters/kind.yaml publish on the host's 127.0.0.1:80 and :443. Docker Desktop
// (macOS, Windows) forwards published ports to the host's loopback, but it can't route to the docker
// network where MetalLB hands out LoadBalancer addresses; published ports need no route.
// Traefik rather than ingress-nginx, which is retired since March 2026 (kubernetes.io blog, 2025-11-11,
// "Ingress NGINX Retirement: What You Need to Know"); k3s bundles Traefik too, but only on k3d, so k3d's
// copy is switched off and both clusters run this one.

import * as k8s from "@pulumi/kubernetes";
import { catalog, charts } from "../catalog";
import { CLUSTER_NAMESPACES } from "../config";
import { allowApiServer } from "../lib/clusterNetwork";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { securedNamespace } from "../cluster/securedNamespace";

/** The NodePorts the clusters' port mappings point at (clusters/k3d.yaml, clusters/kind.yaml). */
export const INGRESS_NODE_PORTS = { http: 30080, https: 30443 } as const;

/** The IngressClass of the platform's controller; not the cluster default, so it takes no one else's Ingresses. */
export const LOCAL_INGRESS_CLASS = "lakehouse";

/** Where Traefik listens inside its pod (the chart's ports.web.port / ports.websecure.port defaults). */
const CONTAINER_PORTS = [8000, 8443];

/** The chart's pods, by the name label it puts on them. */
const CHART_PODS = { matchLabels: { "app.kubernetes.io/name": "traefik" } };

/** A laptop's worth: Traefik idles at a few tens of MiB. */
const SMALL = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/** The chart's values; every key read from traefik/values.yaml at the pinned chart tag (see catalog.ts). */
export function traefikValues(): Record<string, unknown> {
    return {
        image: { registry: "docker.io", repository: catalog.traefik.image, tag: catalog.traefik.tag },
        deployment: { replicas: 1 },
        ingressClass: { enabled: true, isDefaultClass: false, name: LOCAL_INGRESS_CLASS },
        service: { spec: { type: "NodePort" } },
        ports: { web: { nodePort: INGRESS_NODE_PORTS.http }, websecure: { nodePort: INGRESS_NODE_PORTS.https } },
        resources: SMALL,
    };
}

export interface LocalIngressControllerArgs {
    /** The namespace whose web UIs it routes to. */
    platformNamespace: string;
    egress: "restricted" | "open";
}

/**
 * Traefik in its own namespace (Pod Security `restricted`: the chart's pods run as 65532 without
 * privileges, and NodePorts need no host port), default-deny plus what it needs: the API server (it
 * watches Ingresses and EndpointSlices), HTTP(S) from anywhere (NodePort traffic arrives from the nodes),
 * and the platform's pods (the UIs open their ports to it with their own policies).
 */
export class LocalIngressController extends LakehouseComponent {
    readonly namespace = CLUSTER_NAMESPACES.ingress;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LocalIngressControllerArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:access:LocalIngressController", name, opts);
        const ns = securedNamespace(`${name}-namespace`, { name: this.namespace, level: "restricted", egress: args.egress }, this.child());
        const inNs = this.child({ dependsOn: [ns] });
        allowApiServer(name, this.namespace, CHART_PODS, inNs);
        const labels = { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-http`,
            {
                metadata: { name: "allow-http-ingress", namespace: this.namespace, labels },
                spec: { podSelector: CHART_PODS, policyTypes: ["Ingress"], ingress: [{ ports: CONTAINER_PORTS.map((port) => ({ port, protocol: "TCP" })) }] },
            },
            inNs,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-backends`,
            {
                metadata: { name: "allow-platform-egress", namespace: this.namespace, labels },
                spec: {
                    podSelector: CHART_PODS,
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.platformNamespace } } }] }],
                },
            },
            inNs,
        );
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: "traefik",
                chart: charts.traefik.chart,
                version: charts.traefik.version,
                repositoryOpts: { repo: charts.traefik.repo },
                namespace: this.namespace,
                values: traefikValues(),
            },
            inNs,
        );
        this.registerOutputs({ namespace: this.namespace });
    }
}
