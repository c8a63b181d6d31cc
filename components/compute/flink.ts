import { catalog, imageRef } from "../catalog";
import type { FlinkConfig, PlatformConfig, Resources } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { parseBytes } from "../lib/quantity";
import { Workload, httpProbe, tcpProbe } from "../lib/workload";
import type { S3Access } from "../storage/objectStore";

export interface FlinkArgs {
    namespace: string;
    settings: FlinkConfig;
    platform: PlatformConfig;
    s3: S3Access;
}

const RPC_PORT = 6123;
const BLOB_PORT = 6124;
const UI_PORT = 8081;
// 8081 is Schema Registry's on the shared LoadBalancer address.
const EXPOSED_UI_PORT = 8083;
const TASK_RPC_PORT = 6122;
const METRICS_PORT = 9249;
/** JobManager, TaskManagers and the jobs' tasks connect to each other on addresses they learn at run time. */
const FLINK_PEER_GROUP = "flink";

/** Flink's memory syntax ("1024m") for a Kubernetes quantity, in whole mebibytes. */
export function flinkMemory(quantity: string): string {
    return `${Math.floor((parseBytes(quantity) ?? 0) / 2 ** 20)}m`;
}

/**
 * Flink settings shared by the JobManager and TaskManagers, as FLINK_PROPERTIES lines (the image's
 * entrypoint writes them into its config). No secrets: the S3 filesystem reads AWS_* env vars.
 */
export function flinkProperties(args: { jobManagerHost: string; slots: number; bucket: string; s3Endpoint: string; jobManager: Resources; taskManager: Resources }): Record<string, string> {
    return {
        "jobmanager.rpc.address": args.jobManagerHost,
        "jobmanager.rpc.port": String(RPC_PORT),
        "blob.server.port": String(BLOB_PORT),
        "rest.port": String(UI_PORT),
        "jobmanager.bind-host": "0.0.0.0",
        "rest.bind-address": "0.0.0.0",
        "taskmanager.bind-host": "0.0.0.0",
        "taskmanager.rpc.port": String(TASK_RPC_PORT),
        "taskmanager.numberOfTaskSlots": String(args.slots),
        // Flink's process size is the container's limit: Flink then fits heap, off-heap and overhead into it.
        "jobmanager.memory.process.size": flinkMemory(args.jobManager.limits.memory),
        "taskmanager.memory.process.size": flinkMemory(args.taskManager.limits.memory),
        "execution.checkpointing.dir": `s3://${args.bucket}/flink/checkpoints`,
        "execution.checkpointing.savepoint-dir": `s3://${args.bucket}/flink/savepoints`,
        "s3.endpoint": args.s3Endpoint,
        "s3.path.style.access": "true",
        // The reporter ships in the image's plugins/metrics-prometheus directory.
        "metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
        "metrics.reporter.prom.port": String(METRICS_PORT),
    };
}

/** The S3 filesystem plugin the image carries in opt/; the entrypoint copies it into plugins/. */
export function s3Plugin(imageTag: string): string {
    return `flink-s3-fs-hadoop-${imageTag.split("-")[0]}.jar`;
}

/** A Flink session cluster: one JobManager and N TaskManagers, checkpoints and savepoints on the object store. */
export class Flink extends LakehouseComponent {
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: FlinkArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:compute:Flink", name, opts);
        const { settings, namespace, s3 } = args;
        const pin = catalog.flink;
        const jobManagerName = `${name}-jobmanager`;
        const properties = flinkProperties({
            jobManagerHost: `${jobManagerName}.${namespace}.svc`,
            slots: settings.slots,
            bucket: s3.bucket,
            s3Endpoint: s3.endpoint,
            jobManager: settings.resources,
            taskManager: settings.taskManagerResources,
        });
        const podIp = { fieldRef: { fieldPath: "status.podIP" } };
        const container = (role: "jobmanager" | "taskmanager", resources: Resources, ports: Record<string, number>) => ({
            name: role,
            image: settings.image ?? imageRef(pin),
            args: [role],
            env: {
                POD_IP: podIp,
                // Kubernetes expands $(POD_IP): TaskManagers register under their pod address, which the
                // JobManager and other TaskManagers can reach.
                FLINK_PROPERTIES: Object.entries({ ...properties, ...(role === "taskmanager" ? { "taskmanager.host": "$(POD_IP)" } : {}) })
                    .map(([k, v]) => `${k}: ${v}`)
                    .join("\n"),
                ENABLE_BUILT_IN_PLUGINS: s3Plugin(pin.tag),
                AWS_ACCESS_KEY_ID: s3.accessKey,
                AWS_SECRET_ACCESS_KEY: s3.secretKey,
            },
            ports: { ...ports, metrics: METRICS_PORT },
            resources,
        });
        const common = {
            namespace,
            partOf: "flink",
            runAs: { uid: pin.uid, gid: pin.gid },
            peerGroup: FLINK_PEER_GROUP,
            platform: args.platform,
        };
        const jobManager = new Workload(
            jobManagerName,
            {
                ...common,
                kind: "Deployment",
                name: jobManagerName,
                replicas: 1,
                containers: [
                    {
                        ...container("jobmanager", settings.resources, { rpc: RPC_PORT, blob: BLOB_PORT, ui: UI_PORT }),
                        readinessProbe: httpProbe("ui", "/overview"),
                        livenessProbe: tcpProbe("rpc", 20),
                    },
                ],
                // Only the UI/REST port is for users: Flink's RPC and blob server take unauthenticated job
                // code, so they stay reachable by the TaskManagers' links alone.
                servicePorts: [
                    { name: "rpc", port: RPC_PORT, internal: true },
                    { name: "blob", port: BLOB_PORT, internal: true },
                    { name: "ui", port: EXPOSED_UI_PORT, targetPort: "ui" },
                    { name: "metrics", port: METRICS_PORT, internal: true },
                ],
                exposed: true,
                connectsTo: [s3.link],
                metrics: { port: "metrics", path: "/" },
            },
            this.child(),
        );
        const taskManager = new Workload(
            `${name}-taskmanager`,
            {
                ...common,
                kind: "Deployment",
                name: `${name}-taskmanager`,
                replicas: settings.taskManagers,
                containers: [
                    {
                        ...container("taskmanager", settings.taskManagerResources, { rpc: TASK_RPC_PORT }),
                        readinessProbe: tcpProbe("rpc"),
                        livenessProbe: tcpProbe("rpc", 20),
                    },
                ],
                servicePorts: [
                    { name: "rpc", port: TASK_RPC_PORT },
                    { name: "metrics", port: METRICS_PORT },
                ],
                connectsTo: [jobManager.link("rpc"), jobManager.link("blob"), s3.link],
                metrics: { port: "metrics", path: "/" },
            },
            this.child(),
        );
        this.metrics = [jobManager.metrics!, taskManager.metrics!];
        this.endpoints = {
            ui: jobManager.endpoint("ui", "http", "Flink web UI and REST API (flink run -m <host>:8083)", "", "flink"),
        };
        this.registerOutputs({});
    }
}
