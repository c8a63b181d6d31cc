import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, TrinoConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { parseBytes } from "../lib/quantity";
import { Link, Workload, httpProbe } from "../lib/workload";
import { TRINO_HEAP_SHARE } from "../platformServicesConfig";
import type { S3Access } from "../storage/objectStore";
import type { NessieAccess } from "./nessie";

/** What a Trino client (Superset) receives. */
export interface TrinoAccess {
    host: string;
    port: number;
    /** The catalog holding the lakehouse's Iceberg tables. */
    catalog: string;
    link: Link;
}

export interface TrinoArgs {
    namespace: string;
    settings: TrinoConfig;
    platform: PlatformConfig;
    nessie: NessieAccess;
    s3: S3Access;
}

const HTTP_PORT = 8080;
const TRINO_PEER_GROUP = "trino";
// 8080 is Spark's on the shared LoadBalancer address.
const EXPOSED_PORT = 8090;

/** Trino's data sizes ("512MB"): whole mebibytes, which Trino's MB means. */
export function trinoSize(quantity: string): string {
    return `${Math.floor((parseBytes(quantity) ?? 0) / 2 ** 20)}MB`;
}

/** The files under /etc/trino for one role; pure, so tests read them directly. No secrets: S3 keys come from ${ENV:...}. */
export function trinoFiles(args: { coordinator: boolean; includeCoordinator: boolean; discoveryUri: string; settings: TrinoConfig; nessie: NessieAccess; s3: S3Access }): Record<string, string> {
    const lines = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
    return {
        "config.properties": lines({
            coordinator: String(args.coordinator),
            ...(args.coordinator ? { "node-scheduler.include-coordinator": String(args.includeCoordinator) } : {}),
            "http-server.http.port": String(HTTP_PORT),
            // The coordinator runs the discovery service itself.
            "discovery.uri": args.coordinator ? `http://localhost:${HTTP_PORT}` : args.discoveryUri,
            "query.max-memory": trinoSize(args.settings.queryMaxMemory),
            "query.max-memory-per-node": trinoSize(args.settings.queryMaxMemoryPerNode),
        }),
        // The heap follows the container's memory limit, so a stack sizes Trino by its resources alone.
        "jvm.config": [
            "-server",
            `-XX:MaxRAMPercentage=${TRINO_HEAP_SHARE * 100}`,
            `-XX:InitialRAMPercentage=${TRINO_HEAP_SHARE * 100}`,
            "-XX:+UseG1GC",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "",
        ].join("\n"),
        // As in the image's own file (which this directory replaces); Trino makes up a node.id when unset.
        "node.properties": lines({ "node.environment": "lakehouse", "node.data-dir": "/data/trino", "plugin.dir": "/usr/lib/trino/plugin" }),
        "log.properties": "io.trino=INFO\n",
        "catalog/iceberg.properties": lines({
            "connector.name": "iceberg",
            "iceberg.catalog.type": "nessie",
            "iceberg.nessie-catalog.uri": args.nessie.apiV2Url,
            "iceberg.nessie-catalog.ref": "main",
            "iceberg.nessie-catalog.default-warehouse-dir": args.nessie.warehouse,
            "fs.native-s3.enabled": "true",
            "s3.endpoint": args.s3.endpoint,
            "s3.path-style-access": "true",
            "s3.region": "us-east-1",
            "s3.aws-access-key": "${ENV:AWS_ACCESS_KEY_ID}",
            "s3.aws-secret-key": "${ENV:AWS_SECRET_ACCESS_KEY}",
        }),
        // Generated data for smoke queries: SELECT count(*) FROM tpch.tiny.nation.
        "catalog/tpch.properties": lines({ "connector.name": "tpch" }),
    };
}

/** ConfigMap keys can't hold '/'; the catalog files are mounted into etc/catalog by their own volume items. */
function configMapData(files: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(files).map(([k, v]) => [k.replace("/", "_"), v]));
}

function volumeItems(files: Record<string, string>): { key: string; path: string }[] {
    return Object.keys(files).map((k) => ({ key: k.replace("/", "_"), path: k }));
}

/** Trino: a coordinator and N workers, an Iceberg catalog through Nessie on the object store, and tpch. */
export class Trino extends LakehouseComponent {
    readonly access: TrinoAccess;
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: TrinoArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:query:Trino", name, opts);
        const { settings, namespace, nessie, s3 } = args;
        const pin = catalog.trino;
        const image = settings.image ?? imageRef(pin);
        const coordinatorName = `${name}-coordinator`;
        // Workers announce themselves to the coordinator at its Service; the port is the exposed one.
        const discoveryUri = `http://${coordinatorName}.${namespace}.svc:${EXPOSED_PORT}`;
        const includeCoordinator = settings.workers === 0;
        const roles = { coordinator: true, worker: false };
        const files = Object.fromEntries(
            Object.entries(roles).map(([role, coordinator]) => [role, trinoFiles({ coordinator, includeCoordinator, discoveryUri, settings, nessie, s3 })]),
        );
        const configMaps = Object.fromEntries(
            Object.entries(files).map(([role, f]) => [
                role,
                configFiles(`${name}-${role}-etc`, { name: `${name}-${role}-etc`, namespace, partOf: "trino", data: configMapData(f) }, this.child()),
            ]),
        );
        const pod = (role: "coordinator" | "worker") => ({
            runAs: { uid: pin.uid, gid: pin.gid },
            volumes: [
                { name: "etc", configMap: { name: configMaps[role].metadata.name, items: volumeItems(files[role]) } },
                { name: "data", emptyDir: {} },
            ],
            platform: args.platform,
        });
        const container = (role: "coordinator" | "worker", resources: TrinoConfig["resources"]) => ({
            name: role,
            image,
            env: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
            ports: { http: HTTP_PORT },
            resources,
            volumeMounts: [
                { name: "etc", mountPath: "/etc/trino" },
                { name: "data", mountPath: "/data/trino" },
            ],
            // /v1/info needs no user; a plain HTTP probe can't read its `starting` flag, so both probes use it.
            readinessProbe: httpProbe("http", "/v1/info"),
            livenessProbe: httpProbe("http", "/v1/info", 20),
        });
        const toData = [nessie.link, s3.link];
        const coordinator = new Workload(
            coordinatorName,
            {
                kind: "Deployment",
                namespace,
                name: coordinatorName,
                partOf: "trino",
                replicas: 1,
                ...pod("coordinator"),
                containers: [container("coordinator", settings.resources)],
                servicePorts: [{ name: "http", port: EXPOSED_PORT, targetPort: "http" }],
                exposed: true,
                connectsTo: toData,
                // The coordinator schedules tasks on the workers it discovers at run time, and they
                // exchange pages with each other: one peer group.
                peerGroup: TRINO_PEER_GROUP,
                // OpenMetrics on the coordinator; Trino wants a user on every request, any name without
                // authentication configured.
                metrics: { port: "http", path: "/metrics", headers: { "X-Trino-User": "prometheus" } },
                platform: args.platform,
            },
            this.child(),
        );
        if (settings.workers > 0) {
            new Workload(
                `${name}-worker`,
                {
                    kind: "Deployment",
                    namespace,
                    name: `${name}-worker`,
                    partOf: "trino",
                    replicas: settings.workers,
                    ...pod("worker"),
                    containers: [container("worker", settings.workerResources)],
                    servicePorts: [{ name: "http", port: HTTP_PORT }],
                    // Workers announce themselves to the coordinator and read the tables' data.
                    connectsTo: [coordinator.link("http"), ...toData],
                    peerGroup: TRINO_PEER_GROUP,
                    platform: args.platform,
                },
                this.child(),
            );
        }
        this.access = { host: coordinator.host, port: EXPOSED_PORT, catalog: "iceberg", link: coordinator.link("http") };
        this.metrics = [coordinator.metrics!];
        this.endpoints = {
            ui: coordinator.endpoint("http", "http", "Trino coordinator: web UI at /ui and the client protocol (catalogs iceberg, tpch)", "/ui/", "trino"),
        };
        this.registerOutputs({ coordinator: `http://${coordinator.address("http")}` });
    }
}
