import * as fs from "fs";
import * as path from "path";
import { catalog, imageRef } from "../catalog";
import type { GrafanaConfig, PlatformConfig, ServiceName } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { Link, Workload, httpProbe } from "../lib/workload";

export const DASHBOARDS_DIR = path.resolve(__dirname, "..", "..", "dashboards");

/** The datasource every dashboard in dashboards/ names by uid. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/**
 * Each dashboard file and the services whose metrics it shows: it is provisioned only when they are all on.
 * All of them read Prometheus. No Cassandra datasource: Grafana's Cassandra plugins are community plugins
 * downloaded at start (internet needed, not maintained by Grafana); the vehicle statistics come from the
 * gold job's own Prometheus gauges instead.
 */
export const dashboardFiles: { file: string; needs: ServiceName[] }[] = [
    { file: "platform-overview.json", needs: ["prometheus"] },
    { file: "platform-pods.json", needs: ["prometheus", "kubeStateMetrics"] },
    { file: "spark.json", needs: ["prometheus", "spark"] },
    { file: "kafka.json", needs: ["prometheus", "kafka"] },
    { file: "vehicle-statistics.json", needs: ["prometheus", "pipeline"] },
];

export function dashboardsFor(enabled: ServiceName[]): string[] {
    return dashboardFiles.filter((d) => d.needs.every((s) => enabled.includes(s))).map((d) => d.file);
}

/** datasources.yaml: the platform's Prometheus, when it runs. */
export function datasourcesYaml(prometheusUrl: string | undefined): string {
    const lines = ["apiVersion: 1", "datasources:"];
    if (!prometheusUrl) return `${lines.join("\n")} []\n`;
    lines.push(
        "  - name: Prometheus",
        `    uid: ${PROMETHEUS_DATASOURCE_UID}`,
        "    type: prometheus",
        "    access: proxy",
        `    url: ${prometheusUrl}`,
        "    isDefault: true",
        "    editable: false",
    );
    return `${lines.join("\n")}\n`;
}

const DASHBOARD_PROVIDER = `apiVersion: 1
providers:
  - name: lakehouse
    folder: Lakehouse
    type: file
    disableDeletion: true
    allowUiUpdates: false
    options:
      path: /var/lib/grafana/dashboards
`;

export interface GrafanaArgs {
    namespace: string;
    settings: GrafanaConfig;
    platform: PlatformConfig;
    /** The platform's Prometheus, provisioned as the default datasource. */
    prometheus?: { url: string; link: Link };
    /** Files of dashboards/ to provision. */
    dashboards: string[];
}

const HTTP_PORT = 3000;

/** Grafana for the whole platform: generated admin password, provisioned datasource and dashboards. */
export class Grafana extends LakehouseComponent {
    readonly endpoints: Record<string, EndpointSpec>;
    readonly credential: Credential;

    constructor(name: string, args: GrafanaArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:observability:Grafana", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.grafana;
        this.credential = new Credential(
            `${name}-admin`,
            { namespace, secretName: `${name}-admin`, partOf: "grafana", fields: { username: { fixed: "admin" }, password: { generate: 32 } } },
            this.child(),
        );
        const datasources = datasourcesYaml(args.prometheus?.url);
        // Provisioning is read at start; new files are a new ConfigMap name, which rolls Grafana.
        const provisioning = configFiles(
            `${name}-provisioning`,
            { name: `${name}-provisioning`, namespace, partOf: "grafana", data: { "datasources.yaml": datasources, "dashboards.yaml": DASHBOARD_PROVIDER } },
            this.child(),
        );
        const dashboardData = Object.fromEntries(args.dashboards.map((f) => [f, fs.readFileSync(path.join(DASHBOARDS_DIR, f), "utf8")]));
        const dashboards = configFiles(`${name}-dashboards`, { name: `${name}-dashboards`, namespace, partOf: "grafana", data: dashboardData }, this.child());
        const server = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "grafana",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumes: [
                    { name: "provisioning", configMap: { name: provisioning.metadata.name } },
                    { name: "dashboards", configMap: { name: dashboards.metadata.name } },
                    // Everything Grafana keeps is provisioned from the repo, so its database may start empty.
                    { name: "data", emptyDir: {} },
                ],
                containers: [
                    {
                        name: "grafana",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            GF_SECURITY_ADMIN_USER: this.credential.ref("username"),
                            GF_SECURITY_ADMIN_PASSWORD: this.credential.ref("password"),
                            GF_USERS_ALLOW_SIGN_UP: "false",
                            GF_ANALYTICS_REPORTING_ENABLED: "false",
                            GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
                            GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
                            ...(args.dashboards.length > 0 ? { GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: `/var/lib/grafana/dashboards/${args.dashboards[0]}` } : {}),
                        },
                        ports: { http: HTTP_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: "/var/lib/grafana" },
                            { name: "dashboards", mountPath: "/var/lib/grafana/dashboards" },
                            { name: "provisioning", mountPath: "/etc/grafana/provisioning/datasources/datasources.yaml", subPath: "datasources.yaml" },
                            { name: "provisioning", mountPath: "/etc/grafana/provisioning/dashboards/dashboards.yaml", subPath: "dashboards.yaml" },
                        ],
                        readinessProbe: httpProbe("http", "/api/health"),
                        livenessProbe: httpProbe("http", "/api/health", 30),
                    },
                ],
                servicePorts: [{ name: "http", port: HTTP_PORT }],
                exposed: true,
                connectsTo: args.prometheus ? [args.prometheus.link] : [],
                platform: args.platform,
            },
            this.child(),
        );
        this.endpoints = { ui: server.endpoint("http", "http", "Grafana (login: credentials.grafana)", "", "grafana") };
        this.registerOutputs({});
    }
}
