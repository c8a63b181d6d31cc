import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, PrometheusConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget, scrapeConfig } from "../lib/metrics";
import { Link, Workload, httpProbe } from "../lib/workload";

export interface PrometheusArgs {
    namespace: string;
    settings: PrometheusConfig;
    platform: PlatformConfig;
    /** What every enabled service declared it serves. */
    targets: MetricsTarget[];
}

const HTTP_PORT = 9090;

/** Prometheus scraping every workload that declares metrics; its data on a volume, retention per stack. */
export class Prometheus extends LakehouseComponent {
    readonly endpoints: Record<string, EndpointSpec>;
    /** In-cluster URL, for Grafana's datasource. */
    readonly url: string;
    /** What a client of the query API (Grafana) declares in its `connectsTo`. */
    readonly link: Link;

    constructor(name: string, args: PrometheusArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:observability:Prometheus", name, opts);
        const { settings, namespace } = args;
        const config = scrapeConfig(args.targets);
        // Prometheus reads its config only at start; a new config is a new ConfigMap name, which rolls the pod.
        const cm = configFiles(`${name}-config`, { name: `${name}-config`, namespace, partOf: "prometheus", data: { "prometheus.yml": config } }, this.child());
        const server = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "prometheus",
                replicas: 1,
                runAs: { uid: catalog.prometheus.uid, gid: catalog.prometheus.gid },
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [{ name: "config", configMap: { name: cm.metadata.name } }],
                containers: [
                    {
                        name: "prometheus",
                        image: settings.image ?? imageRef(catalog.prometheus),
                        args: [
                            "--config.file=/etc/prometheus/prometheus.yml",
                            "--storage.tsdb.path=/prometheus",
                            `--storage.tsdb.retention.time=${settings.retention}`,
                        ],
                        ports: { http: HTTP_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "config", mountPath: "/etc/prometheus" },
                            { name: "data", mountPath: "/prometheus" },
                        ],
                        readinessProbe: httpProbe("http", "/-/ready"),
                        livenessProbe: httpProbe("http", "/-/healthy", 30),
                    },
                ],
                servicePorts: [{ name: "http", port: HTTP_PORT }],
                exposed: true,
                connectsTo: args.targets.map((t) => t.link),
                platform: args.platform,
            },
            this.child(),
        );
        this.url = `http://${server.address("http")}`;
        this.link = server.link("http");
        this.endpoints = { ui: server.endpoint("http", "http", "Prometheus", "", "prometheus") };
        this.registerOutputs({ url: this.url });
    }
}
