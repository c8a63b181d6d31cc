import { catalog, imageRef } from "../catalog";
import type { ClickHouseConfig, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { Link, Workload, httpProbe, tcpProbe } from "../lib/workload";

/** What a ClickHouse client (Superset) receives. */
export interface ClickHouseAccess {
    host: string;
    /** HTTP interface (clickhouse-connect, JDBC). */
    httpPort: number;
    user: string;
    passwordRef: { secretKeyRef: { name: string; key: string } };
    link: Link;
}

export interface ClickHouseArgs {
    namespace: string;
    settings: ClickHouseConfig;
    platform: PlatformConfig;
}

const HTTP_PORT = 8123;
const NATIVE_PORT = 9000;
// 9000 is the object store's S3 port on the shared LoadBalancer address.
const EXPOSED_NATIVE_PORT = 19000;
const METRICS_PORT = 9363;

/** Prometheus metrics on their own port: ClickHouse's built-in exporter, off by default. */
export const PROMETHEUS_XML = `<clickhouse>
    <prometheus>
        <endpoint>/metrics</endpoint>
        <port>${METRICS_PORT}</port>
        <metrics>true</metrics>
        <events>true</events>
        <asynchronous_metrics>true</asynchronous_metrics>
    </prometheus>
</clickhouse>
`;

/**
 * ClickHouse, one node. Since 25.1.3 the image's `default` user has no network access unless
 * CLICKHOUSE_USER/CLICKHOUSE_PASSWORD are set, so the entrypoint is given a named admin user with a
 * generated password; it writes that user into users.d on start.
 */
export class ClickHouse extends LakehouseComponent {
    readonly access: ClickHouseAccess;
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: ClickHouseArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:query:ClickHouse", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.clickhouse;
        this.credential = new Credential(
            `${name}-admin`,
            { namespace, secretName: `${name}-admin`, partOf: "clickhouse", fields: { user: { fixed: "lakehouse" }, password: { generate: 32 } } },
            this.child(),
        );
        const config = configFiles(
            `${name}-config`,
            { name: `${name}-config`, namespace, partOf: "clickhouse", data: { "prometheus.xml": PROMETHEUS_XML } },
            this.child(),
        );
        const server = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "clickhouse",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [
                    { name: "config", configMap: { name: config.metadata.name } },
                    // The entrypoint writes the admin user here; the image's directory is root's.
                    { name: "users", emptyDir: {} },
                    { name: "logs", emptyDir: {} },
                ],
                containers: [
                    {
                        name: "clickhouse",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            CLICKHOUSE_USER: this.credential.ref("user"),
                            CLICKHOUSE_PASSWORD: this.credential.ref("password"),
                            // The admin may create users and grants with SQL.
                            CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: "1",
                        },
                        ports: { http: HTTP_PORT, native: NATIVE_PORT, metrics: METRICS_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: "/var/lib/clickhouse" },
                            { name: "config", mountPath: "/etc/clickhouse-server/config.d/prometheus.xml", subPath: "prometheus.xml" },
                            { name: "users", mountPath: "/etc/clickhouse-server/users.d" },
                            { name: "logs", mountPath: "/var/log/clickhouse-server" },
                        ],
                        readinessProbe: httpProbe("http", "/ping"),
                        livenessProbe: tcpProbe("native", 20),
                    },
                ],
                servicePorts: [
                    { name: "http", port: HTTP_PORT },
                    { name: "native", port: EXPOSED_NATIVE_PORT, targetPort: "native" },
                    { name: "metrics", port: METRICS_PORT, internal: true },
                ],
                exposed: true,
                metrics: { port: "metrics", path: "/metrics" },
                platform: args.platform,
            },
            this.child({ dependsOn: [this.credential] }),
        );
        this.access = { host: server.host, httpPort: HTTP_PORT, user: "lakehouse", passwordRef: this.credential.ref("password"), link: server.link("http") };
        this.metrics = [server.metrics!];
        this.endpoints = {
            http: server.endpoint("http", "http", "ClickHouse HTTP interface (/play is a SQL console); credentials: credentials.clickhouse", "/play", "clickhouse"),
            native: server.endpoint("native", "tcp", "ClickHouse native protocol (clickhouse-client --port 19000)"),
        };
        this.registerOutputs({ host: this.access.host });
    }
}
