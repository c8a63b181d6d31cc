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
/** The files shipped in the code ConfigMap: the shared transformations and one entry point per job. */
export const JOB_FILES = ["medallion.py", "bronze.py", "silver.py", "gold.py", "cassandra_sink.py"];
/** Where the gold job serves its vehicle statistics for Prometheus. */
export const GOLD_METRICS_PORT = 9108;

/** The medallion layout in the lakehouse bucket. */
export function pipelinePaths(bucket: string) {
    const root = `s3a://${bucket}`;
    return {
        bronze: `${root}/bronze/vehicles`,
        silver: `${root}/silver/vehicles`,
        gold: `${root}/gold/stats`,
        checkpoint: (job: string) => `${root}/checkpoints/${job}`,
    };
}

/**
 * Prefixes made in the bucket before the jobs start: silver and gold read a directory as a stream, which
 * must exist even before the job upstream has written to it.
 */
export const PIPELINE_FOLDERS = ["bronze/vehicles", "silver/vehicles"];

/** A job, the job whose output it reads, and anything else it needs to exist first. */
export interface PipelineJob {
    spec: SparkJobSpec;
    after?: string;
    needs?: pulumi.Resource[];
}

/** Every job of the pipeline, in start order. Pure, so the wiring is tested directly. */
export function pipelineJobs(args: Omit<VehiclePipelineArgs, "namespace" | "platform" | "launcher">): PipelineJob[] {
    const { settings, kafka, s3, cassandra } = args;
    const p = pipelinePaths(s3.bucket);
    const base = {
        pyFiles: ["medallion.py"],
        packages: [] as string[],
        // Spark's default of 200 shuffle partitions gives silver's dedupe 200 state stores, each committed to
        // the object store every micro-batch: with a core or two per job a batch took minutes and the stream
        // fell behind for good. A stream's checkpoint keeps the count it started with.
        sparkConf: { "spark.sql.shuffle.partitions": `${2 * settings.coresPerJob}` } as Record<string, string>,
        env: {},
        driver: { memory: settings.driverMemory, resources: settings.resources },
        executor: { memory: settings.executorMemory, cores: settings.coresPerJob },
        links: [s3.link],
    };
    const jobs: PipelineJob[] = [
        {
            spec: {
                ...base,
                name: "vehicles-bronze",
                pythonFile: "bronze.py",
                args: ["--bootstrap", kafka.bootstrap, "--topic", settings.topic, "--output", p.bronze, "--checkpoint", p.checkpoint("bronze")],
                packages: [streamingPackages.kafka],
                links: [s3.link, kafka.link],
            },
            needs: [kafka.topicsReady],
        },
        {
            spec: { ...base, name: "vehicles-silver", pythonFile: "silver.py", args: ["--input", p.bronze, "--output", p.silver, "--checkpoint", p.checkpoint("silver")] },
            after: "vehicles-bronze",
        },
        {
            spec: {
                ...base,
                name: "vehicles-gold",
                pythonFile: "gold.py",
                args: ["--input", p.silver, "--output", p.gold, "--checkpoint", p.checkpoint("gold"), "--metrics-port", `${GOLD_METRICS_PORT}`],
                metrics: { port: GOLD_METRICS_PORT, path: "/metrics" },
            },
            after: "vehicles-silver",
        },
    ];
    if (cassandra) {
        jobs.push({
            spec: {
                ...base,
                name: "vehicles-cassandra",
                pythonFile: "cassandra_sink.py",
                args: ["--input", p.silver, "--keyspace", cassandra.keyspace, "--table", cassandra.table, "--checkpoint", p.checkpoint("cassandra")],
                packages: [streamingPackages.cassandra],
                sparkConf: { ...base.sparkConf, "spark.cassandra.connection.host": cassandra.host, "spark.cassandra.connection.port": `${cassandra.port}` },
                env: { CASSANDRA_USERNAME: cassandra.username, CASSANDRA_PASSWORD: cassandra.password },
                secretConf: { "spark.cassandra.auth.username": "CASSANDRA_USERNAME", "spark.cassandra.auth.password": "CASSANDRA_PASSWORD" },
                links: [s3.link, cassandra.link],
            },
            after: "vehicles-silver",
            needs: [cassandra.schemaReady],
        });
    }
    return jobs;
}

/**
 * The vehicle-events medallion pipeline: bronze (Kafka -> raw files), silver (validated, deduplicated),
 * gold (statistics per vehicle type) and, with Cassandra, a sink of silver events into it. All four are
 * streams, started after the topic exists, each after the job whose output it reads.
 */
export class VehiclePipeline extends LakehouseComponent {
    readonly metrics: MetricsTarget[];
    readonly paths: ReturnType<typeof pipelinePaths>;
    /** Namespace the jobs run in: the platform's (standalone) or the team's (operator). */
    readonly namespace: string;
    /** Under the operator: the SparkApplications in start order, for Airflow's DAG. */
    readonly medallion?: MedallionPipeline;

    constructor(name: string, args: VehiclePipelineArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:VehiclePipeline", name, opts);
        const { launcher } = args;
        const namespace = launcher.kind === "operator" ? launcher.tenant.namespace : args.namespace;
        const files = Object.fromEntries(JOB_FILES.map((f) => [f, fs.readFileSync(path.join(JOBS_DIR, f), "utf8")]));
        const code = configFiles(`${name}-code`, { name: `${name}-code`, namespace, partOf: "pipeline", data: files }, this.child());
        // As a plain string: it is written into the SparkApplications embedded in Airflow's DAG files. The jobs
        // wait for the ConfigMap (dependsOn below).
        const codeName = contentName(`${name}-code`, files);
        const jobs = pipelineJobs(args);
        // A pod reads only Secrets of its own namespace: the team's gets copies of the keys the jobs read.
        const copies =
            launcher.kind === "operator" ? copySecrets(name, jobs.map((j) => ({ ...launcher.spark.env, ...j.spec.env })), args.credentials ?? [], namespace, this, this.child()) : [];
        const launched = new Map<string, pulumi.Resource>();
        this.metrics = [];
        for (const { spec, after, needs } of jobs) {
            const job = launchSparkJob(
                spec.name,
                spec,
                launcher,
                { namespace, platform: args.platform, partOf: "pipeline", code: { configMapName: codeName, keys: JOB_FILES } },
                this.child({ dependsOn: [code, ...copies, ...(needs ?? []), ...(after ? [launched.get(after)!] : [])] }),
            );
            launched.set(spec.name, job.resource);
            if (job.metrics) this.metrics.push(job.metrics);
        }
        this.namespace = namespace;
        this.medallion =
            launcher.kind === "operator"
                ? {
                      namespace,
                      jobs: jobs.map(({ spec }) => ({
                          name: spec.name,
                          sparkApplication: sparkApplicationManifest(operatorApplication(spec, launcher, codeName, "pipeline")),
                          streaming: true,
                      })),
                  }
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
