import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { EndpointSpec } from "../lib/endpoint";
import { allowExternal } from "../lib/network";
import { LOCAL_INGRESS_CLASS } from "./ingressController";

export interface UiIngressArgs {
    settings: PlatformConfig["ingress"];
    /** Every endpoint of every enabled service; those that name an `ingressHost` are published. */
    endpoints: EndpointSpec[];
    /** Whether UIs without a login of their own may be published (see `publishes`). */
    openUis: boolean;
}

/**
 * Web UIs that ask for a login themselves (Jupyter's token, the consoles' and apps' passwords), by their
 * `ingressHost`. The others (Spark, History, Prometheus, Flink, whose REST API runs uploaded jars, Trino,
 * which takes any user name, Nessie) let whoever reaches them in.
 */
export const UIS_WITH_LOGIN = new Set(["objectstore", "jupyter", "grafana", "kafka", "airflow", "superset", "clickhouse"]);

/**
 * Whether UIs without a login may get an Ingress: on the local clusters (their controller listens on
 * 127.0.0.1 only), or where the cluster's controller authenticates every request (`authAnnotations`).
 * On an existing cluster without those, such UIs stay behind `kubectl port-forward`.
 */
export function openUisAllowed(cfg: Pick<PlatformConfig, "cluster" | "ingress">): boolean {
    return cfg.cluster !== "existing" || Object.keys(cfg.ingress.authAnnotations).length > 0;
}

/** Whether an endpoint is published on the Ingress. */
export function publishes(settings: PlatformConfig["ingress"], e: EndpointSpec, openUis: boolean): boolean {
    return settings.enabled && e.ingressHost !== undefined && (openUis || UIS_WITH_LOGIN.has(e.ingressHost));
}

/** The URL a web UI gets through the Ingress. */
export function ingressUrl(settings: PlatformConfig["ingress"], e: EndpointSpec, openUis: boolean): string | undefined {
    if (!publishes(settings, e, openUis)) return undefined;
    return `${settings.tlsSecretName ? "https" : "http"}://${e.ingressHost}.${settings.baseDomain}${e.path}`;
}

/** The IngressClass the Ingresses name: the configured one, else the platform's own controller's. */
export function ingressClassName(settings: PlatformConfig["ingress"]): string | undefined {
    return settings.className ?? (settings.controller ? LOCAL_INGRESS_CLASS : undefined);
}

export class UiIngress extends LakehouseComponent {
    readonly hosts: string[] = [];

    constructor(name: string, args: UiIngressArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:access:UiIngress", name, opts);
        const { settings } = args;
        for (const e of args.endpoints.filter((x) => publishes(settings, x, args.openUis))) {
            const host = `${e.ingressHost}.${settings.baseDomain}`;
            this.hosts.push(host);
            new k8s.networking.v1.Ingress(
                `${name}-${e.ingressHost}`,
                {
                    metadata: {
                        name: `${e.serviceName}-${e.ingressHost}`,
                        namespace: e.namespace,
                        labels: { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/managed-by": "pulumi" },
                        annotations: Object.keys(settings.authAnnotations).length > 0 ? settings.authAnnotations : undefined,
                    },
                    spec: {
                        ingressClassName: ingressClassName(settings),
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
