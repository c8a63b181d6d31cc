import { SPARK_VERSION, catalog, imageRef, sparkPackages } from "../catalog";
import type { PlatformConfig, SparkConfig } from "../config";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { EnvMap } from "../lib/kx";
import { Link, Workload, httpProbe, tcpProbe } from "../lib/workload";
import type { S3Access } from "../storage/objectStore";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";

export interface SparkClusterArgs {
    namespace: string;
    settings: SparkConfig;
    platform: PlatformConfig;
    s3: S3Access;
    /** Where every application writes its event log, for the History Server; unset: no event logs. */
    eventLogDir?: string;
    /**
     * Servers the applications' executors connect to beyond the object store (Kafka, Cassandra): executors
     * run inside the worker pods, so the workers declare these links.
     */
    executorLinks?: Link[];
}

/** What a Spark client (a notebook, a job) needs to run on the cluster. */
export interface SparkAccess {
    masterUrl: string;
    /** The master's web UI inside the cluster; answers once the master is up. */
    uiUrl: string;
    /** Peer group a driver joins so executors and the master may connect back to it. */
    peerGroup: string;
    /** Links a client declares: the master's RPC port and its UI (polled while waiting for it). */
    links: { master: Link; ui: Link };
    version: string;
    /** spark-defaults every client session should use (S3A, table format); no secrets in it. */
    defaults: Record<string, string>;
    /** Env vars a client pod needs beside the defaults (object-store credentials by secretKeyRef). */
    env: EnvMap;
    /** The cluster's image, SPARK_HOME and user: a driver must run the same Spark and Python as the executors. */
    runtime: { image: string; sparkHome: string; runAs: { uid: number; gid: number } };
}

const MASTER_PORT = 7077;
const MASTER_UI_PORT = 8080;
const WORKER_UI_PORT = 8081;
/**
 * The images a Spark cluster can run on. `apache` is the official image (Python 3.10, Java 17). `notebook`
 * runs the master and workers on the notebook image itself (same Spark release, Python 3.13, Java 21):
 * PySpark refuses to run Python code (UDFs, RDD lambdas) on executors whose Python differs from the
 * driver's, so notebooks that use Python UDFs need it.
 */
export const sparkRuntimes = {
    apache: { pin: catalog.spark, sparkHome: "/opt/spark" },
    notebook: { pin: catalog.jupyter, sparkHome: "/usr/local/spark" },
} as const;
/**
 * Spark's master, workers, executors and drivers connect to each other on ports Spark chooses at run time
 * (executor block managers, the master calling back to workers), so they form one peer group.
 */
export const SPARK_PEER_GROUP = "spark";

/**
 * spark-defaults.conf entries that wire every session to the object store and the table format. Pure,
 * so it is tested directly. Credentials come from AWS_* env vars (set from the Secret), never from here.
 */
export function sparkDefaults(args: {
    masterUrl: string;
    s3Endpoint: string;
    bucket: string;
    tableFormat: SparkConfig["tableFormat"];
    eventLogDir?: string;
}): Record<string, string> {
    const warehouse = `s3a://${args.bucket}/warehouse`;
    const packages: string[] = [sparkPackages.s3a];
    const conf: Record<string, string> = {
        "spark.master": args.masterUrl,
        "spark.hadoop.fs.s3a.endpoint": args.s3Endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": String(args.s3Endpoint.startsWith("https://")),
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
        // S3-compatible stores answer for any region; the SDK only needs one to sign with.
        "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
        // Packages are resolved into a writable path: the image's home is not writable for a random UID.
        "spark.jars.ivy": "/tmp/.ivy2",
        // Drivers serve their executors' metrics for Prometheus at /metrics/executors/prometheus.
        "spark.ui.prometheus.enabled": "true",
        // Managed tables (saveAsTable, CREATE TABLE) land in the lakehouse bucket, not on a pod's disk.
        "spark.sql.warehouse.dir": warehouse,
    };
    if (args.tableFormat === "delta") {
        packages.push(sparkPackages.delta);
        conf["spark.sql.extensions"] = "io.delta.sql.DeltaSparkSessionExtension";
        conf["spark.sql.catalog.spark_catalog"] = "org.apache.spark.sql.delta.catalog.DeltaCatalog";
    } else if (args.tableFormat === "iceberg") {
        packages.push(sparkPackages.iceberg);
        conf["spark.sql.extensions"] = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
        conf["spark.sql.catalog.spark_catalog"] = "org.apache.iceberg.spark.SparkSessionCatalog";
        conf["spark.sql.catalog.spark_catalog.type"] = "hadoop";
        conf["spark.sql.catalog.spark_catalog.warehouse"] = warehouse;
    }
    if (args.eventLogDir) {
        conf["spark.eventLog.enabled"] = "true";
        conf["spark.eventLog.dir"] = args.eventLogDir;
    }
    conf["spark.jars.packages"] = packages.join(",");
    return conf;
}

/** Spark's metrics system publishes Prometheus text on the master's and workers' UI ports. */
export const METRICS_PROPERTIES = [
    "*.sink.prometheusServlet.class=org.apache.spark.metrics.sink.PrometheusServlet",
    "*.sink.prometheusServlet.path=/metrics/prometheus",
    "master.sink.prometheusServlet.path=/metrics/master/prometheus",
    "applications.sink.prometheusServlet.path=/metrics/applications/prometheus",
    "",
].join("\n");

export function renderDefaults(conf: Record<string, string>): string {
    return Object.entries(conf)
        .map(([k, v]) => `${k} ${v}`)
        .join("\n")
        .concat("\n");
}

/** A Spark standalone cluster: one master and N workers on the official apache/spark image. */
export class SparkCluster extends LakehouseComponent {
    readonly access: SparkAccess;
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: SparkClusterArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:compute:SparkCluster", name, opts);
        const { settings, namespace, s3 } = args;
        const runtime = sparkRuntimes[settings.runtime];
        const SPARK_HOME = runtime.sparkHome;
        const image = settings.image ?? imageRef(runtime.pin);
        const runAs = { uid: runtime.pin.uid, gid: runtime.pin.gid };
        const masterName = `${name}-master`;
        const masterUrl = `spark://${masterName}.${namespace}.svc:${MASTER_PORT}`;

        const defaults = sparkDefaults({
            masterUrl,
            s3Endpoint: s3.endpoint,
            bucket: s3.bucket,
            tableFormat: settings.tableFormat,
            eventLogDir: args.eventLogDir,
        });
        const defaultsText = renderDefaults(defaults);
        const config = configFiles(
            `${name}-defaults`,
            { name: `${name}-defaults`, namespace, partOf: "spark", data: { "spark-defaults.conf": defaultsText, "metrics.properties": METRICS_PROPERTIES } },
            this.child(),
        );
        const s3Env: EnvMap = { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey };
        const podIp = { fieldRef: { fieldPath: "status.podIP" } };
        // Scratch space, shuffle files and the Ivy cache.
        const tmp = { name: "tmp", emptyDir: {} };
        const tmpMount = { name: "tmp", mountPath: "/tmp" };
        const confVolume = { name: "conf", configMap: { name: config.metadata.name } };
        const metricsMount = { name: "conf", mountPath: `${SPARK_HOME}/conf/metrics.properties`, subPath: "metrics.properties" };

        const master = new Workload(
            masterName,
            {
                kind: "Deployment",
                namespace,
                name: masterName,
                partOf: "spark",
                replicas: 1,
                runAs,
                containers: [
                    {
                        name: "master",
                        image,
                        command: [`${SPARK_HOME}/bin/spark-class`, "org.apache.spark.deploy.master.Master"],
                        args: ["--host", "$(POD_IP)", "--port", `${MASTER_PORT}`, "--webui-port", `${MASTER_UI_PORT}`],
                        env: { POD_IP: podIp, SPARK_DAEMON_MEMORY: "384m", SPARK_NO_DAEMONIZE: "true" },
                        ports: { cluster: MASTER_PORT, ui: MASTER_UI_PORT },
                        resources: settings.resources,
                        // The master runs no user code, so it needs neither the session defaults nor S3.
                        volumeMounts: [metricsMount, tmpMount],
                        readinessProbe: httpProbe("ui", "/"),
                        livenessProbe: tcpProbe("cluster", 20),
                    },
                ],
                servicePorts: [
                    { name: "cluster", port: MASTER_PORT },
                    { name: "ui", port: MASTER_UI_PORT },
                ],
                exposed: true,
                peerGroup: SPARK_PEER_GROUP,
                volumes: [confVolume, tmp],
                metrics: { port: "ui", path: "/metrics/master/prometheus" },
                platform: args.platform,
            },
            this.child(),
        );

        const worker = new Workload(
            `${name}-worker`,
            {
                kind: "Deployment",
                namespace,
                name: `${name}-worker`,
                partOf: "spark",
                replicas: settings.workers,
                runAs,
                containers: [
                    {
                        name: "worker",
                        image,
                        command: [`${SPARK_HOME}/bin/spark-class`, "org.apache.spark.deploy.worker.Worker"],
                        args: [
                            "--host", "$(POD_IP)",
                            "--cores", `${settings.workerCores}`,
                            "--memory", settings.workerMemory,
                            "--webui-port", `${WORKER_UI_PORT}`,
                            "--work-dir", "/tmp/work",
                            masterUrl,
                        ],
                        // Executors inherit the worker's environment, so S3A finds its credentials there.
                        env: { POD_IP: podIp, SPARK_DAEMON_MEMORY: "256m", SPARK_NO_DAEMONIZE: "true", ...s3Env },
                        ports: { ui: WORKER_UI_PORT },
                        resources: settings.workerResources,
                        volumeMounts: [
                            { name: "conf", mountPath: `${SPARK_HOME}/conf/spark-defaults.conf`, subPath: "spark-defaults.conf" },
                            metricsMount,
                            tmpMount,
                        ],
                        readinessProbe: httpProbe("ui", "/"),
                        livenessProbe: httpProbe("ui", "/", 20),
                    },
                ],
                servicePorts: [{ name: "ui", port: WORKER_UI_PORT }],
                connectsTo: [master.link("cluster"), s3.link, ...(args.executorLinks ?? [])],
                peerGroup: SPARK_PEER_GROUP,
                volumes: [confVolume, tmp],
                metrics: { port: "ui", path: "/metrics/prometheus" },
                platform: args.platform,
            },
            this.child(),
        );

        this.access = {
            masterUrl,
            uiUrl: `http://${master.address("ui")}/`,
            links: { master: master.link("cluster"), ui: master.link("ui") },
            peerGroup: SPARK_PEER_GROUP,
            version: SPARK_VERSION,
            defaults,
            env: s3Env,
            runtime: { image, sparkHome: SPARK_HOME, runAs },
        };
        this.metrics = [master.metrics!, worker.metrics!];
        this.endpoints = {
            master: master.endpoint("cluster", "spark", "Spark master (spark-submit --master)"),
            ui: master.endpoint("ui", "http", "Spark master web UI", "", "spark"),
            workerUi: worker.endpoint("ui", "http", "Spark worker web UI (one of the workers)"),
        };
        this.registerOutputs({ masterUrl });
    }
}
