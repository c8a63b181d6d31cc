import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { streamingPackages } from "../catalog";
import type { PipelineConfig, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles, contentName } from "../lib/configFiles";
import { MetricsTarget } from "../lib/metrics";

import type { S3Access } from "../storage/objectStore";
import type { CassandraAccess } from "./cassandra";
import type { KafkaAccess } from "./kafka";
import { SparkJobLauncher, SparkJobSpec, launchSparkJob } from "./sparkJob";
import type { Credential } from "../lib/credential";
import type { MedallionPipeline } from "../orchestration/medallion";
import { operatorApplication, secretsRead } from "./operatorLauncher";
import { sparkApplicationManifest } from "../lib/sparkApplication";

export interface VehiclePipelineArgs {
    namespace: string;
    settings: PipelineConfig;
    platform: PlatformConfig;
    launcher: SparkJobLauncher;
    kafka: KafkaAccess;
    s3: S3Access;
    /** When given, a fourth job streams silver events into its table. */
    cassandra?: CassandraAccess;
    /**
     * The Credentials behind the secretKeyRefs the jobs read (object store, Cassandra): under the operator
     * the jobs run in a team namespace, which gets copies of exactly the keys they read.
     */
    credentials?: Credential[];
}

export const JOBS_DIR = path.resolve(__dirname, "..", "..", "jobs");
/** The files shipped in the code ConfigMap: the shared transformations and the pipeline's entry point. */
export const JOB_FILES = ["medallion.py", "pipeline.py"];
/** Where the pipeline's driver serves the gold statistics for Prometheus. */
export const GOLD_METRICS_PORT = 9108;
/** The one Spark application the pipeline is (jobs/pipeline.py), and the name of what runs it. */
export const PIPELINE_APP = "vehicles-pipeline";

/** The medallion layout in the lakehouse bucket. */
export function pipelinePaths(bucket: string) {
    const root = `s3a://${bucket}`;
    return {
        bronze: `${root}/bronze/vehicles`,
        silver: `${root}/silver/vehicles`,
        gold: `${root}/gold/stats`,
        /** Each query's checkpoint is a folder under this one, named after the query (jobs/pipeline.py). */
        checkpoints: `${root}/checkpoints`,
    };
}

/**
 * Prefixes made in the bucket before the pipeline starts: silver, gold and the sink read a directory as a
 * stream, which must exist even before the query upstream has written to it.
 */
export const PIPELINE_FOLDERS = ["bronze/vehicles", "silver/vehicles"];

/** The pipeline's application and what must exist before it starts. */
export interface PipelineJob {
    spec: SparkJobSpec;
    needs: pulumi.Resource[];
}

/**
 * The pipeline as one Spark application: bronze, silver, gold and, with Cassandra, the sink are streaming
 * queries of one session (jobs/pipeline.py), so one driver and one executor hold all four. Pure, so the
 * wiring is tested directly.
 */
export function pipelineJob(args: Omit<VehiclePipelineArgs, "namespace" | "platform" | "launcher">): PipelineJob {
    const { settings, kafka, s3, cassandra } = args;
    const p = pipelinePaths(s3.bucket);
    const spec: SparkJobSpec = {
        name: PIPELINE_APP,
        pythonFile: "pipeline.py",
        pyFiles: ["medallion.py"],
        args: [
            ...["--bootstrap", kafka.bootstrap, "--topic", settings.topic],
            ...["--bronze", p.bronze, "--silver", p.silver, "--gold", p.gold, "--checkpoints", p.checkpoints],
            ...["--metrics-port", `${GOLD_METRICS_PORT}`],
            ...(cassandra ? ["--cassandra-keyspace", cassandra.keyspace, "--cassandra-table", cassandra.table] : []),
        ],
        packages: [streamingPackages.kafka, ...(cassandra ? [streamingPackages.cassandra] : [])],
        sparkConf: cassandra ? { "spark.cassandra.connection.host": cassandra.host, "spark.cassandra.connection.port": `${cassandra.port}` } : {},
        env: cassandra ? { CASSANDRA_USERNAME: cassandra.username, CASSANDRA_PASSWORD: cassandra.password } : {},
        secretConf: cassandra ? { "spark.cassandra.auth.username": "CASSANDRA_USERNAME", "spark.cassandra.auth.password": "CASSANDRA_PASSWORD" } : undefined,
        driver: { memory: settings.driverMemory, resources: settings.resources },
        executor: { memory: settings.executorMemory, cores: settings.coresPerJob },
        links: [s3.link, kafka.link, ...(cassandra ? [cassandra.link] : [])],
        metrics: { port: GOLD_METRICS_PORT, path: "/metrics" },
    };
    return { spec, needs: [kafka.topicsReady, ...(cassandra ? [cassandra.schemaReady] : [])] };
}

/**
 * The vehicle-events medallion pipeline: bronze (Kafka -> raw files), silver (validated, deduplicated),
 * gold (statistics per vehicle type) and, with Cassandra, a sink of silver events into it. All four are
 * streams of one Spark application, started after the topic (and the Cassandra schema) exist.
 */
export class VehiclePipeline extends LakehouseComponent {
    readonly metrics: MetricsTarget[];
    readonly paths: ReturnType<typeof pipelinePaths>;
    /** Namespace the application runs in: the platform's (standalone) or the team's (operator). */
    readonly namespace: string;
    /** Under the operator: the SparkApplication, for Airflow's DAG. */
    readonly medallion?: MedallionPipeline;

    constructor(name: string, args: VehiclePipelineArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:VehiclePipeline", name, opts);
        const { launcher } = args;
        const namespace = launcher.kind === "operator" ? launcher.tenant.namespace : args.namespace;
        const files = Object.fromEntries(JOB_FILES.map((f) => [f, fs.readFileSync(path.join(JOBS_DIR, f), "utf8")]));
        const code = configFiles(`${name}-code`, { name: `${name}-code`, namespace, partOf: "pipeline", data: files }, this.child());
        // As a plain string: it is written into the SparkApplication embedded in Airflow's DAG files. The job
        // waits for the ConfigMap (dependsOn below).
        const codeName = contentName(`${name}-code`, files);
        const { spec, needs } = pipelineJob(args);
        // A pod reads only Secrets of its own namespace: the team's gets copies of the keys the job reads.
        const copies = launcher.kind === "operator" ? copySecrets(name, [{ ...launcher.spark.env, ...spec.env }], args.credentials ?? [], namespace, this, this.child()) : [];
        const job = launchSparkJob(
            spec.name,
            spec,
            launcher,
            { namespace, platform: args.platform, partOf: "pipeline", code: { configMapName: codeName, keys: JOB_FILES } },
            this.child({ dependsOn: [code, ...copies, ...needs] }),
        );
        this.metrics = job.metrics ? [job.metrics] : [];
        this.namespace = namespace;
        this.medallion =
            launcher.kind === "operator"
                ? { namespace, jobs: [{ name: spec.name, sparkApplication: sparkApplicationManifest(operatorApplication(spec, launcher, codeName, "pipeline")), streaming: true }] }
                : undefined;
        this.paths = pipelinePaths(args.s3.bucket);
        this.registerOutputs({ bronze: this.paths.bronze, silver: this.paths.silver, gold: this.paths.gold, namespace });
    }
}

/** Copies into `namespace` every Secret key the given envs read, each from the Credential that owns it. */
function copySecrets(
    name: string,
    envs: Record<string, unknown>[],
    credentials: Credential[],
    namespace: string,
    parent: pulumi.Resource,
    opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
    const wanted = new Map<string, Set<string>>();
    for (const env of envs) {
        for (const [secret, keys] of secretsRead(env)) wanted.set(secret, new Set([...(wanted.get(secret) ?? []), ...keys]));
    }
    return [...wanted].map(([secret, keys]) => {
        const credential = credentials.find((c) => c.secretName === secret);
        if (!credential) throw new pulumi.ResourceError(`pipeline ${name}: the jobs read Secret ${secret}, but no Credential for it was handed over`, parent);
        return credential.copyTo(`${name}-${secret}`, namespace, [...keys].sort(), opts);
    });
}
