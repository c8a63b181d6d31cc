import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { EndpointSpec } from "../lib/endpoint";
import { allowExternal } from "../lib/network";

export interface UiIngressArgs {
    settings: PlatformConfig["ingress"];
    /** Every endpoint of every enabled service; those that name an `ingressHost` are published. */
    endpoints: EndpointSpec[];
}

/** The URL a web UI gets through the Ingress. */
export function ingressUrl(settings: PlatformConfig["ingress"], e: EndpointSpec): string | undefined {
    if (!settings.enabled || !e.ingressHost) return undefined;
    return `${settings.tlsSecretName ? "https" : "http"}://${e.ingressHost}.${settings.baseDomain}${e.path}`;
}

/**
 * One Ingress per web UI, host-based (`<ui>.<baseDomain>`). The Ingress controller runs outside our
 * namespaces, so each UI's port is opened to it like an exposed port.
 */
export class UiIngress extends LakehouseComponent {
    readonly hosts: string[] = [];

    constructor(name: string, args: UiIngressArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:access:UiIngress", name, opts);
        const { settings } = args;
        for (const e of args.endpoints.filter((x) => x.ingressHost)) {
            const host = `${e.ingressHost}.${settings.baseDomain}`;
            this.hosts.push(host);
            new k8s.networking.v1.Ingress(
                `${name}-${e.ingressHost}`,
                {
                    metadata: {
                        name: `${e.serviceName}-${e.ingressHost}`,
                        namespace: e.namespace,
                        labels: { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" },
                    },
                    spec: {
                        ingressClassName: settings.className,
                        tls: settings.tlsSecretName ? [{ hosts: [host], secretName: settings.tlsSecretName }] : undefined,
                        rules: [
                            {
                                host,
                                http: {
                                    paths: [
                                        {
                                            path: "/",
                                            pathType: "Prefix",
                                            backend: { service: { name: e.serviceName, port: { number: e.port } } },
                                        },
                                    ],
                                },
                            },
                        ],
                    },
                },
                this.child(),
            );
            allowExternal(
                `${name}-${e.ingressHost}`,
                { namespace: e.namespace, name: e.serviceName },
                [e.containerPort],
                this.child(),
                `allow-ingress-to-${e.serviceName}-${e.ingressHost}`,
            );
        }
        this.registerOutputs({ hosts: this.hosts });
    }
}
