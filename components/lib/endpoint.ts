// The endpoint record users read from the stack outputs: where a service listens inside the cluster,
// where it can be reached from outside (when known), and a ready-to-paste port-forward command.

import * as pulumi from "@pulumi/pulumi";
import type { ExposureType } from "../config";

/** What a service declares about one of its ports. */
export interface EndpointSpec {
    description: string;
    namespace: string;
    serviceName: string;
    port: number;
    /** URL (or address) inside the cluster. */
    url: string;
    exposure: ExposureType;
    /** Address from outside the cluster: the LoadBalancer IP or a node port; undefined for ClusterIP. */
    external: pulumi.Output<string | undefined>;
    /** For a web UI: its host label under the Ingress base domain (`<label>.<baseDomain>`). */
    ingressHost?: string;
    /** Path the UI starts at, e.g. "/lab". */
    path: string;
    /** The container port behind the Service port, which an Ingress controller must be allowed to reach. */
    containerPort: string;
}

/** The record in the `endpoints` stack output. */
export interface Endpoint {
    description: string;
    url: string;
    external: pulumi.Output<string | undefined>;
    portForward: string;
    localUrl: string;
    /** The UI's URL through the Ingress, when Ingress is on. */
    ingressUrl?: string;
}

/**
 * Picks a local port for every endpoint so that all port-forward commands can run at once: the service's
 * own port when free (ports below 1024 move up by 8000, which needs no root), else the next free one.
 * Deterministic: the same endpoints in the same order always get the same ports.
 */
export function assignLocalPorts(ports: number[]): number[] {
    const used = new Set<number>();
    return ports.map((port) => {
        let local = port < 1024 ? port + 8000 : port;
        while (used.has(local)) local++;
        used.add(local);
        return local;
    });
}

/** Turns declared endpoints, grouped by service, into the output records. */
export function endpointRecords(
    specs: Record<string, Record<string, EndpointSpec>>,
    kubeContext: string,
    ingressUrl: (e: EndpointSpec) => string | undefined = () => undefined,
): Record<string, Record<string, Endpoint>> {
    const flat = Object.entries(specs).flatMap(([svc, eps]) => Object.entries(eps).map(([name, e]) => ({ svc, name, e })));
    const locals = assignLocalPorts(flat.map((x) => x.e.port));
    const out: Record<string, Record<string, Endpoint>> = {};
    flat.forEach(({ svc, name, e }, i) => {
        const local = locals[i];
        (out[svc] ??= {})[name] = {
            description: e.description,
            url: e.url,
            external: e.external,
            portForward: `kubectl --context ${kubeContext} -n ${e.namespace} port-forward svc/${e.serviceName} ${local}:${e.port}`,
            localUrl: e.url.replace(`${e.serviceName}.${e.namespace}.svc:${e.port}`, `localhost:${local}`),
            ...(ingressUrl(e) ? { ingressUrl: ingressUrl(e) } : {}),
        };
    });
    return out;
}
