// The one place that reads stack config. Every `lakehouse:*` key is read here into one typed object and
// validated before any resource exists, so a bad value stops `pulumi up` with a message naming the key,
// the value and what is allowed, and never leaves a half-applied platform behind.

import * as pulumi from "@pulumi/pulumi";
import {
    Field, MAX_REPLICAS, Problems, Shape, annotations, bool, cpuLimit, cpuQuantity, cqlKeyspace, decimal, dnsLabel, hasKey, imageOverride,
    jvmSize, kafkaTopic, listOf, matching, memoryQuantity, object, oneOf, optional, parseImageReference, prometheusDuration, show, showKey, volumeSize,
    wholeNumber,
} from "./lib/fields";
import { parseBytes, parseCpu, parseSparkSize } from "./lib/quantity";
import { checkPlatformServices, platformServiceDefaults, platformServiceDependencies, platformServicesShape } from "./platformServicesConfig";
import { checkStreaming } from "./streaming/configRules";
import { PRIVATE_IPV4, poolRangeProblem, sourceRangeProblem } from "./lib/ipRange";
import { Demand, totalDemand } from "./lib/sparkApplication";
import { EXAMPLE_APPS } from "./cluster/exampleApps";
import { SPARK_VERSION, catalog } from "./catalog";
import { type PipelineLauncher, resolvePipelineLauncher } from "./streaming/pipelineLauncher";

export type ClusterKind = "kind" | "k3d" | "existing";
export type ExposureType = "LoadBalancer" | "NodePort" | "ClusterIP";

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu?: string; memory: string };
}

interface ServiceBase {
    /** Whether the service is deployed at all. */
    enabled: boolean;
    /** Replaces the catalog image; must carry a pinned tag. The pod still runs as the catalog's UID. */
    image?: string;
    resources: Resources;
}

export interface ObjectStoreConfig extends ServiceBase {
    /** `rustfs` (maintained, default) or `minio` (the last official image, frozen since Sept 2025). */
    engine: "rustfs" | "minio";
    /** Single-node store: only 1 is supported. */
    replicas: number;
    volumeSize: string;
    /** Buckets created (idempotently) once the store is up; the first one is the lakehouse's own. */
    buckets: string[];
}

export interface SparkConfig extends ServiceBase {
    /** Number of standalone workers. Must be ≥ 1 while Spark is enabled. */
    workers: number;
    /** Cores each worker offers to executors. */
    workerCores: number;
    /** Memory each worker offers to executors, in Spark's syntax ("1g", "512m"). */
    workerMemory: string;
    /** Container resources of each worker pod (the worker daemon plus its executors). */
    workerResources: Resources;
    /** Table format whose packages and catalog are configured on every session. */
    tableFormat: "delta" | "iceberg" | "none";
    /**
     * `apache`: the official apache/spark image. `notebook`: the Jupyter image, whose Python matches the
     * notebooks' (needed for Python UDFs from Jupyter).
     */
    runtime: "apache" | "notebook";
}

export interface JupyterConfig extends ServiceBase {
    /** Single-user notebook server: only 1 is supported. */
    replicas: number;
    volumeSize: string;
}

export interface SparkHistoryConfig extends ServiceBase {
    /** Prefix in the lakehouse bucket where applications write event logs and the server reads them. */
    logPrefix: string;
}

export interface PrometheusConfig extends ServiceBase {
    /** How long samples are kept, e.g. "7d", "15d", "12h". */
    retention: string;
    volumeSize: string;
}

export interface PostgresConfig extends ServiceBase {
    volumeSize: string;
}

export interface RedisConfig extends ServiceBase {
    /** Volume for the append-only file. */
    volumeSize: string;
}

export type NessieConfig = ServiceBase;

export interface TrinoConfig extends ServiceBase {
    /** Worker pods; 0 lets the coordinator run queries itself. `resources` sizes the coordinator. */
    workers: number;
    workerResources: Resources;
    /** `query.max-memory-per-node`: must fit in 70% of the smallest JVM heap (heap is 75% of the memory limit). */
    queryMaxMemoryPerNode: string;
    /** `query.max-memory`: a query's memory across the cluster. */
    queryMaxMemory: string;
}

export interface FlinkConfig extends ServiceBase {
    /** TaskManager pods (≥ 1 while Flink is enabled). `resources` sizes the JobManager. */
    taskManagers: number;
    /** Task slots each TaskManager offers. */
    slots: number;
    /** Each TaskManager's container; its memory limit is Flink's `taskmanager.memory.process.size`. */
    taskManagerResources: Resources;
}

export interface ClickHouseConfig extends ServiceBase {
    volumeSize: string;
}

export interface AirflowConfig extends ServiceBase {
    /** `LocalExecutor` runs tasks in the scheduler; `CeleryExecutor` on `workers` Celery workers through Redis. */
    executor: "LocalExecutor" | "CeleryExecutor";
    /** Celery workers (CeleryExecutor only). */
    workers: number;
    workerResources: Resources;
    /** Ship the DAG that runs the medallion pipeline's Spark jobs (needs the pipeline wired in platform.ts). */
    medallionDag: boolean;
}

export type SupersetConfig = ServiceBase;
export interface KafkaTopic {
    name: string;
    partitions: number;
    /** Copies of each partition; at most the number of brokers. */
    replicationFactor: number;
}

export interface KafkaConfig extends ServiceBase {
    /** KRaft nodes, each broker and controller at once: 1 (dev) or 3+ (a controller quorum). */
    brokers: number;
    volumeSize: string;
    /** JVM heap of each broker, in Java's syntax ("512m", "2g"); must leave room in limits.memory. */
    heap: string;
    /** In-sync replicas a write needs (min.insync.replicas); at most every topic's replication factor. */
    minInSyncReplicas: number;
    /** Topics created (idempotently) by a Job; the pipeline's topic must be one of them. */
    topics: KafkaTopic[];
}

export type SchemaRegistryConfig = ServiceBase;
export type KafkaUiConfig = ServiceBase;

export interface ProducerConfig extends ServiceBase {
    /** `job`: send `count` events and finish; `deployment`: send forever (count is ignored). */
    mode: "job" | "deployment";
    topic: string;
    count: number;
    eventsPerSecond: number;
    /** Share of deliberately invalid events (bad battery, impossible coordinates, missing fields), 0..1. */
    invalidFraction: number;
}

export interface PipelineConfig extends ServiceBase {
    /**
     * How the jobs are launched: `operator` as SparkApplications in a team namespace (Spark Operator),
     * `standalone` as spark-submit (client mode) against the Spark cluster. Stack config may also say `auto`
     * (the default): operator when the Spark Operator is enabled, else standalone; resolved before use.
     */
    launcher: PipelineLauncher;
    /** The team whose namespace runs the SparkApplications (operator launcher); defaults to the first team. */
    team: string;
    /** The topic bronze reads. */
    topic: string;
    /** Heap of each job's driver (in its submit pod, sized by `resources`), Spark syntax. */
    driverMemory: string;
    /** Heap of each job's executor on the workers, Spark syntax. */
    executorMemory: string;
    /** Cores each job takes from the Spark cluster (spark.cores.max). */
    coresPerJob: number;
}

export interface CassandraConfig extends ServiceBase {
    /** Nodes; the keyspace's replication factor is min(3, replicas). */
    replicas: number;
    volumeSize: string;
    /** MAX_HEAP_SIZE and HEAP_NEWSIZE, always set together (Cassandra refuses one without the other). */
    maxHeapSize: string;
    heapNewSize: string;
    keyspace: string;
}

export type GrafanaConfig = ServiceBase;

export interface SparkOperatorConfig extends ServiceBase {
    /** Resources of the webhook pods (`resources` are the controller's). */
    webhookResources: Resources;
    /** Submit the example SparkApplications (PySpark pi, SparkPi) in every team namespace. */
    examples: boolean;
}

/** kube-state-metrics over the platform's and the teams' pods, for Grafana's platform overview. */
export type KubeStateMetricsConfig = ServiceBase;

export interface ServicesConfig {
    objectStore: ObjectStoreConfig;
    spark: SparkConfig;
    jupyter: JupyterConfig;
    sparkHistory: SparkHistoryConfig;
    prometheus: PrometheusConfig;
    kubeStateMetrics: KubeStateMetricsConfig;
    postgres: PostgresConfig;
    redis: RedisConfig;
    nessie: NessieConfig;
    trino: TrinoConfig;
    flink: FlinkConfig;
    clickhouse: ClickHouseConfig;
    airflow: AirflowConfig;
    superset: SupersetConfig;
    kafka: KafkaConfig;
    schemaRegistry: SchemaRegistryConfig;
    kafkaUi: KafkaUiConfig;
    producer: ProducerConfig;
    pipeline: PipelineConfig;
    cassandra: CassandraConfig;
    grafana: GrafanaConfig;
    sparkOperator: SparkOperatorConfig;
}

export type ServiceName = keyof ServicesConfig;

export interface PlatformConfig {
    /** The stack's name (dev, prod, ...), used in labels and messages. */
    stack: string;
    cluster: ClusterKind;
    /** kubeconfig context the provider talks to. */
    kubeContext: string;
    namespaces: { platform: string };
    exposure: {
        type: ExposureType;
        /** Whether something (MetalLB, a cloud) assigns LoadBalancer addresses; when not, Pulumi doesn't wait for one. */
        loadBalancerController: boolean;
        /** MetalLB sharing key: exposed Services share one address when their ports don't clash. */
        sharedIpKey: string;
        /**
         * Who may connect to a LoadBalancer Service (its `loadBalancerSourceRanges`): never the whole
         * internet. Defaults to the private ranges (RFC 1918), which hold a laptop's docker network.
         */
        loadBalancerSourceRanges: string[];
    };
    /** StorageClass of every volume; unset means the cluster's default class. */
    storageClass?: string;
    /** Protect data (StatefulSets holding volumes, namespaces) from deletion and keep their volumes. */
    protectData: boolean;
    /**
     * Host-based access to the web UIs through an Ingress controller: the platform's own Traefik on the
     * local clusters (`controller`), or the one the cluster already runs.
     */
    ingress: {
        enabled: boolean;
        /** Deploy the platform's Traefik, reached through the local cluster's 127.0.0.1:80/443 port mappings. */
        controller: boolean;
        /**
         * Annotations on every Ingress that make the cluster's controller authenticate each request (an
         * oauth2-proxy auth URL, a Traefik middleware, ...). UIs without a login of their own get an Ingress
         * on an existing cluster only with these.
         */
        authAnnotations: Record<string, string>;
        /** IngressClass; unset means the cluster's default class. */
        className?: string;
        /** UIs are published as `<service>.<baseDomain>`; `*.localhost` resolves to 127.0.0.1 on most systems. */
        baseDomain: string;
        /** A TLS Secret (in the platform namespace) covering `*.<baseDomain>`; unset means plain HTTP. */
        tlsSecretName?: string;
    };
    network: {
        /**
         * `restricted`: pods may reach DNS, the ports they declare, their peer group and the internet (not
         * private ranges); `open`: egress is not limited (for clusters whose DNS is not kube-system/kube-dns).
         */
        egress: "restricted" | "open";
    };
    services: ServicesConfig;
    /** Scale every platform workload to zero (volumes kept); false brings them back. */
    paused: boolean;
    metallb: MetalLbConfig;
    /** Team tenants: a namespace each, where the Spark Operator runs the team's SparkApplications. */
    teams: TeamConfig[];
}

/**
 * A service that needs another: enabling it while its dependency is off is a config error naming both.
 * `when` limits a dependency to some settings of the dependent (Airflow needs Redis only for Celery).
 */
export interface ServiceDependency {
    needs: ServiceName;
    why: string;
    when?: (s: ServicesConfig) => boolean;
}

export const serviceDependencies: { [S in ServiceName]?: ServiceDependency[] } = {
    spark: [{ needs: "objectStore", why: "Spark's S3A filesystem stores the lakehouse tables in the object store" }],
    jupyter: [{ needs: "spark", why: "notebooks run their Spark sessions on the Spark cluster" }],
    sparkHistory: [{ needs: "spark", why: "it shows what the Spark applications logged" }],
    kubeStateMetrics: [{ needs: "prometheus", why: "its pod metrics are only read through Prometheus" }],
    ...platformServiceDependencies,
    schemaRegistry: [{ needs: "kafka", why: "it stores schemas in a Kafka topic" }],
    kafkaUi: [{ needs: "kafka", why: "it browses the Kafka cluster" }],
    producer: [{ needs: "kafka", why: "it sends the vehicle events to a Kafka topic" }],
    pipeline: [
        { needs: "kafka", why: "bronze reads the vehicle events from Kafka" },
        { needs: "spark", why: "the medallion jobs run on the Spark cluster" },
    ],
};

const S3_BUCKET = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function resources(defaults: Resources): Field<Resources> {
    return object<Resources>(
        {
            requests: object({ cpu: cpuQuantity, memory: memoryQuantity }, defaults.requests),
            limits: object({ cpu: cpuLimit, memory: memoryQuantity }, defaults.limits),
        },
        defaults,
    );
}

function service<T extends ServiceBase>(extra: Omit<Shape<T>, keyof ServiceBase>, defaults: T): Field<T> {
    const shape = {
        enabled: bool,
        image: optional(imageOverride, "the catalog's image"),
        resources: resources(defaults.resources),
        ...extra,
    } as Shape<T>;
    return object<T>(shape, defaults);
}

/** Dev-sized defaults: a laptop runs the whole platform. Pulumi.prod.yaml raises them. */
export const serviceDefaults: ServicesConfig = {
    objectStore: {
        enabled: true,
        engine: "rustfs",
        replicas: 1,
        volumeSize: "5Gi",
        buckets: ["lakehouse"],
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    spark: {
        enabled: true,
        workers: 2,
        // Two per worker: the pipeline's four streaming jobs each hold a core for as long as they run. Cores
        // here are executor slots, not Kubernetes requests, so this doesn't grow the footprint.
        workerCores: 2,
        workerMemory: "1g",
        tableFormat: "delta",
        runtime: "apache",
        resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        workerResources: { requests: { cpu: "250m", memory: "1536Mi" }, limits: { cpu: "2", memory: "2Gi" } },
    },
    jupyter: {
        enabled: true,
        replicas: 1,
        volumeSize: "2Gi",
        resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    },
    sparkHistory: {
        enabled: true,
        logPrefix: "spark-events",
        resources: { requests: { cpu: "50m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    prometheus: {
        enabled: true,
        retention: "3d",
        volumeSize: "2Gi",
        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    kubeStateMetrics: {
        enabled: true,
        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
    },
    ...platformServiceDefaults,
    kafka: {
        enabled: true,
        brokers: 1,
        volumeSize: "2Gi",
        heap: "384m",
        minInSyncReplicas: 1,
        topics: [{ name: "vehicle-events", partitions: 3, replicationFactor: 1 }],
        resources: { requests: { cpu: "100m", memory: "640Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    schemaRegistry: {
        enabled: true,
        resources: { requests: { cpu: "50m", memory: "320Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    kafkaUi: {
        enabled: true,
        resources: { requests: { cpu: "50m", memory: "320Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    producer: {
        enabled: true,
        mode: "job",
        topic: "vehicle-events",
        count: 2000,
        eventsPerSecond: 20,
        invalidFraction: 0.1,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    },
    pipeline: {
        enabled: true,
        // Resolved by resolvePipelineLauncher; "" means the first team.
        launcher: "auto" as PipelineLauncher,
        team: "",
        topic: "vehicle-events",
        // Spark refuses heaps under ~450MiB ("System memory ... must be at least 471859200"), so 512m is the floor.
        driverMemory: "512m",
        executorMemory: "512m",
        coresPerJob: 1,
        resources: { requests: { cpu: "50m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    cassandra: {
        enabled: true,
        replicas: 1,
        volumeSize: "2Gi",
        maxHeapSize: "512M",
        heapNewSize: "128M",
        keyspace: "vehicles",
        resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { cpu: "2", memory: "1536Mi" } },
    },
    grafana: {
        enabled: true,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    },
    sparkOperator: {
        enabled: true,
        examples: false,
        // Each submission runs a spark-submit JVM inside the controller pod (chart values.yaml), hence 512Mi.
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        webhookResources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
    },
};

/**
 * Reads `auto` too, which resolvePipelineLauncher replaces before anything else sees the config; the typed
 * config only ever holds the launcher actually used.
 */
const launcherField = oneOf("auto", "operator", "standalone") as Field<string> as Field<PipelineLauncher>;
/** Spark refuses heaps below 1.5 × its 300 MiB reserved memory (UnifiedMemoryManager), i.e. 450 MiB. */
const SPARK_HEAP = jvmSize("450m", "Spark refuses smaller heaps: 1.5 × its 300 MiB reserved memory");
const JAVA_SIZE = jvmSize("16m", "no JVM server starts with less heap");

const servicesShape: Shape<ServicesConfig> = {
    objectStore: service<ObjectStoreConfig>(
        {
            engine: oneOf("rustfs", "minio"),
            replicas: wholeNumber(0, MAX_REPLICAS),
            volumeSize,
            buckets: listOf(matching(S3_BUCKET, "expected an S3 bucket name: 3-63 lowercase letters, digits and '-'"), 1),
        },
        serviceDefaults.objectStore,
    ),
    spark: service<SparkConfig>(
        {
            workers: wholeNumber(0, MAX_REPLICAS),
            workerCores: wholeNumber(1, 64),
            // What the worker offers executors: less than one executor's smallest heap runs nothing.
            workerMemory: SPARK_HEAP,
            workerResources: resources(serviceDefaults.spark.workerResources),
            tableFormat: oneOf("delta", "iceberg", "none"),
            runtime: oneOf("apache", "notebook"),
        },
        serviceDefaults.spark,
    ),
    jupyter: service<JupyterConfig>({ replicas: wholeNumber(0, MAX_REPLICAS), volumeSize }, serviceDefaults.jupyter),
    sparkHistory: service<SparkHistoryConfig>(
        { logPrefix: matching(/^[a-z0-9][a-z0-9._-]{0,62}$/, "expected an object-store prefix such as spark-events") },
        serviceDefaults.sparkHistory,
    ),
    prometheus: service<PrometheusConfig>(
        { retention: prometheusDuration, volumeSize },
        serviceDefaults.prometheus,
    ),
    kubeStateMetrics: service<KubeStateMetricsConfig>({}, serviceDefaults.kubeStateMetrics),
    ...platformServicesShape(serviceDefaults, { resources, service }),
    kafka: service<KafkaConfig>(
        {
            brokers: wholeNumber(1, 9),
            volumeSize,
            heap: JAVA_SIZE,
            minInSyncReplicas: wholeNumber(1, 9),
            topics: listOf(
                object<KafkaTopic>(
                    { name: kafkaTopic, partitions: wholeNumber(1, 1000), replicationFactor: wholeNumber(1, 9) },
                    { name: "vehicle-events", partitions: 3, replicationFactor: 1 },
                ),
                1,
            ),
        },
        serviceDefaults.kafka,
    ),
    schemaRegistry: service<SchemaRegistryConfig>({}, serviceDefaults.schemaRegistry),
    kafkaUi: service<KafkaUiConfig>({}, serviceDefaults.kafkaUi),
    producer: service<ProducerConfig>(
        {
            mode: oneOf("job", "deployment"),
            topic: kafkaTopic,
            count: wholeNumber(1, 1_000_000_000),
            eventsPerSecond: decimal(0.01, 100000),
            invalidFraction: decimal(0, 1),
        },
        serviceDefaults.producer,
    ),
    pipeline: service<PipelineConfig>(
        {
            launcher: launcherField,
            team: dnsLabel,
            topic: kafkaTopic,
            driverMemory: SPARK_HEAP,
            executorMemory: SPARK_HEAP,
            coresPerJob: wholeNumber(1, 64),
        },
        serviceDefaults.pipeline,
    ),
    cassandra: service<CassandraConfig>(
        {
            replicas: wholeNumber(1, 9),
            volumeSize,
            maxHeapSize: JAVA_SIZE,
            heapNewSize: JAVA_SIZE,
            keyspace: cqlKeyspace,
        },
        serviceDefaults.cassandra,
    ),
    grafana: service<GrafanaConfig>({}, serviceDefaults.grafana),
    sparkOperator: service<SparkOperatorConfig>(
        { webhookResources: resources(serviceDefaults.sparkOperator.webhookResources), examples: bool },
        serviceDefaults.sparkOperator,
    ),
};

const defaultContexts: Record<ClusterKind, string | undefined> = {
    kind: "kind-lakehouse",
    k3d: "k3d-lakehouse",
    existing: undefined,
};

/** Every top-level key this program reads; any other `lakehouse:*` key is reported as unknown. */
const TOP_LEVEL_KEYS = ["cluster", "kubeContext", "namespaces", "exposure", "storageClass", "protectData", "ingress", "network", "services", "paused", "metallb", "teams"];

const DNS_NAME = /^(?=.{1,240}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/**
 * Parses raw stack config (`{"lakehouse:cluster": "kind", "lakehouse:services": "{...json...}"}`, as
 * Pulumi stores it) into the typed platform config, or throws a ConfigError listing every problem.
 */
export function parseConfig(raw: Record<string, string>, stack: string): PlatformConfig {
    const p = new Problems();
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        if (!fullKey.startsWith("lakehouse:")) continue;
        const key = fullKey.slice("lakehouse:".length);
        if (!TOP_LEVEL_KEYS.includes(key)) {
            p.note(`lakehouse:${showKey(key)}: unknown key; allowed keys: ${TOP_LEVEL_KEYS.join(", ")}`);
            continue;
        }
        values[key] = decode(key, text, p);
    }
    // A committed stack file's `<...>` values must be filled in first; nothing else is worth reading until then.
    const placeholders = placeholderProblems(values);
    if (placeholders.length > 0) throw new ConfigError(placeholders);

    const cluster = oneOf<ClusterKind>("kind", "k3d", "existing")("cluster", values.cluster ?? "k3d", p);
    // The local clusters' config maps 127.0.0.1:80/443 to the platform's own Ingress controller.
    const local = cluster === "kind" || cluster === "k3d";
    const kubeContext =
        values.kubeContext !== undefined
            ? matching(/^\S+$/, "expected a kubeconfig context name")("kubeContext", values.kubeContext, p)
            : cluster
              ? defaultContexts[cluster]
              : undefined;
    if (cluster === "existing" && values.kubeContext === undefined) {
        p.note('lakehouse:kubeContext: required when lakehouse:cluster is "existing"; set it to a context from `kubectl config get-contexts`');
    }
    const namespaces = object({ platform: platformNamespace }, { platform: "lakehouse" })("namespaces", values.namespaces, p);
    const exposure = object<PlatformConfig["exposure"]>(
        {
            type: oneOf<ExposureType>("LoadBalancer", "NodePort", "ClusterIP"),
            loadBalancerController: bool,
            sharedIpKey: dnsLabel,
            loadBalancerSourceRanges: listOf(sourceRange, 1),
        },
        { type: "LoadBalancer", loadBalancerController: false, sharedIpKey: "lakehouse", loadBalancerSourceRanges: PRIVATE_IPV4 },
    )("exposure", values.exposure, p);
    const storageClass = optional(
        matching(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "expected a StorageClass name (`kubectl get storageclass`)"),
        "the cluster's default StorageClass",
    )("storageClass", values.storageClass, p);
    const protectData = values.protectData === undefined ? false : bool("protectData", values.protectData, p);
    const ingress = object<PlatformConfig["ingress"]>(
        {
            enabled: bool,
            controller: bool,
            authAnnotations: annotations,
            className: optional(dnsLabel, "the platform's controller's class, or the cluster's default class"),
            baseDomain: matching(DNS_NAME, "expected a DNS domain of at least two labels, such as lakehouse.localhost or data.example.com"),
            tlsSecretName: optional(dnsLabel, "plain HTTP"),
        },
        { enabled: local, controller: local, authAnnotations: {}, baseDomain: "lakehouse.localhost" },
    )("ingress", values.ingress, p);
    const network = object<PlatformConfig["network"]>({ egress: oneOf("restricted", "open") }, { egress: "restricted" })("network", values.network, p);
    const services = readServices(values.services, p);
    const paused = values.paused === undefined ? false : bool("paused", values.paused, p);
    const metallb = exposure && readMetalLb(values.metallb, exposure, p);
    const teams = readTeams(values.teams, p);

    // Before the cross-service rules, which depend on the launcher actually used.
    if (services && teams) resolvePipelineLauncher(services, teams, p);
    if (services) checkServices(services, p);
    if (services && teams && namespaces) checkTeams(teams, services.sparkOperator, namespaces.platform, p);
    const invalid = !cluster || !kubeContext || !namespaces || !exposure || protectData === undefined || !ingress || !network || !services;
    if (p.list.length > 0 || invalid || paused === undefined || !metallb || !teams) {
        // Every reader names what it refuses; should one ever not, say so rather than print an empty problem.
        throw new ConfigError(p.list.length > 0 ? p.list : ["a value was refused without a reason: a bug in components/config.ts; please report it with your stack config"]);
    }
    return { stack, cluster, kubeContext, namespaces, exposure, storageClass, protectData, ingress, network, services, paused, metallb, teams };
}

/** How deep a stack value may nest: the deepest setting (teams[0].quota.requests.cpu) is 4 levels down. */
const MAX_DEPTH = 8;

function decode(key: string, text: string, p: Problems): unknown {
    const trimmed = text.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
    let value: unknown;
    try {
        value = JSON.parse(trimmed);
    } catch {
        p.add(key, text, "expected valid YAML/JSON");
        return undefined;
    }
    // Deeper values are no setting of ours, and would overflow the stack of anything that walks them.
    if (depthOver(value, MAX_DEPTH)) {
        p.add(key, text, `values nest at most ${MAX_DEPTH} levels deep (the deepest setting, teams[0].quota.requests.cpu, is 4)`);
        return undefined;
    }
    return value;
}

/** Whether `value` nests more than `max` levels of objects or lists (walked without recursion). */
function depthOver(value: unknown, max: number): boolean {
    const stack: [unknown, number][] = [[value, 0]];
    while (stack.length > 0) {
        const [v, depth] = stack.pop()!;
        if (typeof v !== "object" || v === null) continue;
        if (depth >= max) return true;
        for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
    return false;
}

/** A value a committed stack file leaves for the user to fill in, such as `<your-kube-context>`. */
export const PLACEHOLDER = /^<[^<>]+>$/;

/** One problem per placeholder value still in the config, naming its key and how to set it. */
function placeholderProblems(values: Record<string, unknown>): string[] {
    const out: string[] = [];
    const visit = (path: string, v: unknown) => {
        if (typeof v === "string" && PLACEHOLDER.test(v)) {
            out.push(`lakehouse:${path}: ${show(v)} is a placeholder; set it with \`pulumi config set --path ${path} <value>\` (README, "Deploying prod")`);
        } else if (Array.isArray(v)) v.forEach((x, i) => visit(`${path}[${i}]`, x));
        else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) visit(`${path}.${k}`, x);
    };
    for (const [k, v] of Object.entries(values)) visit(k, v);
    return out;
}

const sourceRange: Field<string> = (key, value, p) => {
    const problem = typeof value === "string" ? sourceRangeProblem(value) : "expected a CIDR string";
    if (problem === undefined) return value as string;
    p.add(key, value, problem);
    return undefined;
};

/** Kubernetes keeps the `kube-` prefix for its own namespaces (kubernetes.io, "Namespaces": Initial namespaces). */
const KUBE_PREFIX = "kube-";

/** The platform's namespace: one nobody else owns, or the platform would label and lock down theirs. */
const platformNamespace: Field<string> = (key, value, p) => {
    const name = dnsLabel(key, value, p);
    if (name === undefined) return undefined;
    if (RESERVED_NAMESPACES.includes(name) || name.startsWith(KUBE_PREFIX)) {
        p.add(key, value, `the platform needs a namespace of its own, not one Kubernetes or the platform's cluster layer owns (${RESERVED_NAMESPACES.join(", ")}, ${KUBE_PREFIX}*)`);
        return undefined;
    }
    return name;
};

function readServices(value: unknown, p: Problems): ServicesConfig | undefined {
    if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
        p.add("services", value, `expected an object keyed by service: ${Object.keys(servicesShape).join(", ")}`);
        return undefined;
    }
    const given = (value ?? {}) as Record<string, unknown>;
    const out: Partial<ServicesConfig> = {};
    let ok = true;
    for (const name of Object.keys(given)) {
        if (!hasKey(servicesShape, name)) {
            p.note(`lakehouse:services.${showKey(name)}: unknown service; known services: ${Object.keys(servicesShape).join(", ")}`);
            ok = false;
        }
    }
    for (const name of Object.keys(servicesShape) as ServiceName[]) {
        const read = servicesShape[name] as Field<unknown>;
        const r = read(`services.${name}`, hasKey(given, name) ? given[name] : undefined, p);
        if (r === undefined) ok = false;
        else (out as Record<string, unknown>)[name] = r;
    }
    return ok ? (out as ServicesConfig) : undefined;
}

/** Rules across keys: dependencies between services, sizes that must fit each other. */
function checkServices(s: ServicesConfig, p: Problems): void {
    for (const [name, deps] of Object.entries(serviceDependencies) as [ServiceName, ServiceDependency[]][]) {
        if (!s[name].enabled) continue;
        for (const dep of deps) {
            if (!s[dep.needs].enabled && (dep.when?.(s) ?? true)) {
                p.note(
                    `lakehouse:services.${name}.enabled: true needs lakehouse:services.${dep.needs}.enabled: true (${dep.why}); ` +
                        `enable ${dep.needs} or disable ${name}`,
                );
            }
        }
    }
    for (const [name, svc] of Object.entries(s) as [ServiceName, ServiceBase][]) {
        checkResources(`services.${name}.resources`, svc.resources, p);
    }
    checkResources("services.spark.workerResources", s.spark.workerResources, p);
    checkPlatformServices(s, p, checkResources);
    checkStreaming(s, p);
    checkResources("services.sparkOperator.webhookResources", s.sparkOperator.webhookResources, p);
    checkSparkImages(s, p);

    for (const name of ["objectStore", "jupyter"] as const) {
        if (s[name].enabled && s[name].replicas !== 1) {
            p.add(`services.${name}.replicas`, s[name].replicas, `${name} runs as a single instance; allowed: 1`);
        }
    }
    if (s.spark.enabled && s.spark.workers < 1) {
        p.add("services.spark.workers", s.spark.workers, "Spark needs at least 1 worker while lakehouse:services.spark.enabled is true");
    }
    // The worker daemon and each executor's JVM overhead live in the same container as the executor heap.
    const workerHeap = parseSparkSize(s.spark.workerMemory) ?? 0;
    const workerLimit = parseBytes(s.spark.workerResources.limits.memory) ?? 0;
    if (s.spark.enabled && workerHeap + SPARK_WORKER_OVERHEAD_BYTES > workerLimit) {
        p.add(
            "services.spark.workerMemory",
            s.spark.workerMemory,
            `it must fit in lakehouse:services.spark.workerResources.limits.memory (${s.spark.workerResources.limits.memory}) ` +
                `with 512Mi to spare for the worker daemon and JVM overhead`,
        );
    }
}

/** The runtime a Spark image is built like, by its repository's last path component (so mirrors count too). */
function sparkImageKind(name: string): SparkConfig["runtime"] | undefined {
    const last = name.split("/").pop()!;
    if (last === catalog.spark.image.split("/").pop()) return "apache";
    if (/^(pyspark|all-spark)-notebook$/.test(last)) return "notebook";
    return undefined;
}

/** The Spark release an apache/spark ("4.0.1-scala2.13-...") or Jupyter ("spark-4.0.1") tag names. */
function sparkVersionOfTag(kind: SparkConfig["runtime"], tag: string): string | undefined {
    return (kind === "apache" ? /^([0-9]+\.[0-9]+)\.[0-9]+/ : /^spark-([0-9]+\.[0-9]+)\.[0-9]+/).exec(tag)?.[1];
}

/**
 * Image overrides against what they must run: the Spark runtime's user and SPARK_HOME (`runtime`), the
 * Spark release the platform's packages are built for, PySpark in the image. Images of other names
 * (a private build) are taken as given.
 */
function checkSparkImages(s: ServicesConfig, p: Problems): void {
    const release = SPARK_VERSION.split(".").slice(0, 2).join(".");
    const images = [
        { key: "services.spark.image", image: s.spark.enabled ? s.spark.image : undefined },
        { key: "services.jupyter.image", image: s.jupyter.enabled ? s.jupyter.image : undefined },
    ];
    for (const { key, image } of images) {
        const ref = image ? parseImageReference(image) : undefined;
        const kind = ref && sparkImageKind(ref.name);
        if (!ref || !kind) continue;
        if (key === "services.spark.image" && kind !== s.spark.runtime) {
            const runtime = s.spark.runtime === "apache" ? "the official image's user 185 and SPARK_HOME /opt/spark" : "the notebook image's user 1000 and SPARK_HOME /usr/local/spark";
            const expected = s.spark.runtime === "apache" ? catalog.spark : catalog.jupyter;
            p.add(key, image, `it is the ${kind} image, but lakehouse:services.spark.runtime is ${s.spark.runtime} (${runtime}); set runtime: ${kind} or use an image like ${expected.image}:${expected.tag}`);
        }
        if (key === "services.jupyter.image" && kind !== "notebook") {
            p.add(key, image, "it is the apache/spark image, which runs no notebook server; use a quay.io/jupyter/pyspark-notebook:spark-<version> image");
        }
        const version = ref.tag ? sparkVersionOfTag(kind, ref.tag) : undefined;
        if (version && version !== release) {
            p.add(key, image, `its tag names Spark ${version}, but the platform's Spark packages and connectors are built for Spark ${release} (${SPARK_VERSION})`);
        }
        if (kind === "apache" && ref.tag && version && !ref.tag.includes("python3")) {
            p.add(key, image, "apache/spark tags without -python3 have no PySpark, which the pipeline's jobs and the notebooks' executors run");
        }
    }
    if (s.spark.enabled && s.spark.runtime === "notebook" && s.jupyter.image && s.spark.image !== s.jupyter.image) {
        p.add(
            "services.spark.image",
            s.spark.image ?? null,
            `the notebook runtime runs the cluster on the notebooks' own image, so it must be lakehouse:services.jupyter.image (${s.jupyter.image}) too; set both`,
        );
    }
}

/** Memory a Spark worker pod needs beyond what it offers to executors. */
export const SPARK_WORKER_OVERHEAD_BYTES = 512 * 2 ** 20;

export function checkResources(key: string, r: Resources, p: Problems): void {
    if ((parseBytes(r.requests.memory) ?? 0) > (parseBytes(r.limits.memory) ?? Infinity)) {
        p.add(`${key}.requests.memory`, r.requests.memory, `must not exceed ${key}.limits.memory (${r.limits.memory})`);
    }
    if (r.limits.cpu !== undefined && (parseCpu(r.requests.cpu) ?? 0) > (parseCpu(r.limits.cpu) ?? Infinity)) {
        p.add(`${key}.requests.cpu`, r.requests.cpu, `must not exceed ${key}.limits.cpu (${r.limits.cpu})`);
    }
}

/**
 * A bad stack config. Extends RunError so Pulumi prints just the message, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}\nFix the values with \`pulumi config set --path <key> <value>\` or in Pulumi.<stack>.yaml.`);
        this.name = "ConfigError";
    }
}

/** Reads the current stack's config. The only caller of Pulumi's config API in the program. */
export function loadConfig(): PlatformConfig {
    return parseConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}

// --- cluster layer: MetalLB, team tenants -----------------------------------------------------------

export interface MetalLbConfig {
    /** Whether the platform may deploy MetalLB (it still skips it, see `deployed`). */
    enabled: boolean;
    /** LoadBalancer address pool: a CIDR or `a-b` IPv4 range inside one private range. */
    range: string;
    /**
     * Whether MetalLB is deployed: enabled, Services are exposed as LoadBalancer, and the cluster has no
     * load balancer of its own (`exposure.loadBalancerController: false`). Derived, not settable.
     */
    deployed: boolean;
}

export interface Quota {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
    /** Most pods the namespace may hold at once. */
    pods: number;
}

export interface TeamConfig {
    /** The team's name, which is also its namespace. */
    name: string;
    quota: Quota;
}

/** Kind's default docker network is 172.18.0.0/16; `npm run up` replaces this with the real subnet's range. */
export const DEFAULT_METALLB_RANGE = "172.18.255.200-172.18.255.250";

// A ceiling, not a reservation: room for the medallion pipeline's four streaming SparkApplications (8 pods
// of 896Mi, one core limit each) beside the two example applications (4 pods of 896Mi).
export const defaultQuota: Quota = {
    requests: { cpu: "2", memory: "12Gi" },
    limits: { cpu: "12", memory: "12Gi" },
    pods: 20,
};

export const defaultTeams: TeamConfig[] = [
    { name: "team-alpha", quota: defaultQuota },
    { name: "team-beta", quota: defaultQuota },
];

/** Namespaces the platform owns besides the platform one; a team can't take their names. */
export const CLUSTER_NAMESPACES = { metallb: "metallb-system", sparkOperator: "spark-operator", ingress: "lakehouse-ingress" } as const;

const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", ...Object.values(CLUSTER_NAMESPACES)];

const poolRange: Field<string> = (key, value, p) => {
    const problem = typeof value === "string" ? poolRangeProblem(value) : "expected a string";
    if (problem === undefined) return value as string;
    p.add(key, value, problem);
    return undefined;
};

function readMetalLb(value: unknown, exposure: PlatformConfig["exposure"], p: Problems): MetalLbConfig | undefined {
    const read = object<Omit<MetalLbConfig, "deployed">>({ enabled: bool, range: poolRange }, { enabled: true, range: DEFAULT_METALLB_RANGE })(
        "metallb",
        value,
        p,
    );
    if (!read) return undefined;
    return { ...read, deployed: read.enabled && exposure.type === "LoadBalancer" && !exposure.loadBalancerController };
}

const quota: Field<Quota> = object<Quota>(
    {
        requests: object({ cpu: cpuQuantity, memory: memoryQuantity }, defaultQuota.requests),
        limits: object({ cpu: cpuQuantity, memory: memoryQuantity }, defaultQuota.limits),
        pods: wholeNumber(1, 1000),
    },
    defaultQuota,
);

function readTeams(value: unknown, p: Problems): TeamConfig[] | undefined {
    if (value === undefined) return defaultTeams;
    if (!Array.isArray(value)) {
        p.add("teams", value, 'expected a list of teams such as [{name: team-alpha}, {name: team-beta, quota: {pods: 30}}]');
        return undefined;
    }
    const team = object<TeamConfig>({ name: dnsLabel, quota }, { name: "", quota: defaultQuota });
    const out = value.map((v, i) => {
        const t = team(`teams[${i}]`, v, p);
        if (t && t.name === "") p.add(`teams[${i}].name`, undefined, "every team needs a name (a DNS-1123 label such as team-alpha)");
        return t;
    });
    return out.every((t) => t !== undefined && t.name !== "") ? (out as TeamConfig[]) : undefined;
}

/**
 * Names that clash (duplicates, namespaces the platform or Kubernetes owns), limits below requests, and
 * quotas too small for the team's own example applications, which would otherwise sit pending forever.
 */
function checkTeams(teams: TeamConfig[], operator: SparkOperatorConfig, platformNamespace: string, p: Problems): void {
    if (operator.enabled && teams.length === 0) {
        // The chart reads an empty namespace list as "watch every namespace".
        p.add("teams", teams, "the Spark Operator watches the team namespaces: list at least one team, or set services.sparkOperator.enabled: false");
    }
    if (operator.image?.includes("@")) {
        p.add("services.sparkOperator.image", operator.image, "the operator's chart takes an image tag, not a digest");
    }
    const seen = new Set<string>();
    teams.forEach((t, i) => {
        const key = `teams[${i}]`;
        if (seen.has(t.name)) p.add(`${key}.name`, t.name, "team names must be unique (it is the team's namespace)");
        seen.add(t.name);
        if ([platformNamespace, ...RESERVED_NAMESPACES].includes(t.name)) {
            p.add(`${key}.name`, t.name, `a team can't use a namespace the platform or Kubernetes owns (${[platformNamespace, ...RESERVED_NAMESPACES].join(", ")})`);
        }
        checkResources(`${key}.quota`, t.quota, p);
        if (!(operator.enabled && operator.examples)) return;
        checkQuotaFits(key, t.quota, totalDemand(EXAMPLE_APPS), "the team's example applications", "set services.sparkOperator.examples: false or raise the quota", p);
    });
}

/** Reports each quota field below what `who` needs when all of it runs at once (a pod over quota never starts). */
export function checkQuotaFits(key: string, quota: Quota, need: Demand, who: string, fix: string, p: Problems): void {
    const fits: [string, number, number | undefined][] = [
        ["requests.cpu", need.requestsCpu, parseCpu(quota.requests.cpu)],
        ["requests.memory", need.requestsMemory, parseBytes(quota.requests.memory)],
        ["limits.cpu", need.limitsCpu, parseCpu(quota.limits.cpu)],
        ["limits.memory", need.limitsMemory, parseBytes(quota.limits.memory)],
        ["pods", need.pods, quota.pods],
    ];
    for (const [field, needed, given] of fits) {
        if ((given ?? 0) < needed) {
            const shown = field.endsWith("memory") ? `${Math.ceil(needed / 2 ** 20)}Mi` : String(needed);
            p.add(
                `${key}.quota.${field}`,
                field === "pods" ? quota.pods : field.split(".").reduce((o: any, k) => o[k], quota),
                `${who} need ${shown} (${fix})`,
            );
        }
    }
}
