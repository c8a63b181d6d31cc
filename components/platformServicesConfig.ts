// Config of the platform services (PostgreSQL, Redis, Nessie, Trino, Flink, ClickHouse, Airflow, Superset):
// their dev defaults, readers, dependencies and cross-key rules. Kept beside config.ts so the shared reader
// grows by one spread per table; config.ts is still the only reader of stack config and calls these.

import type {
    AirflowConfig, ClickHouseConfig, FlinkConfig, NessieConfig, PostgresConfig, RedisConfig, Resources, ServiceDependency,
    ServiceName, ServicesConfig, SupersetConfig, TrinoConfig,
} from "./config";
import { Field, MAX_REPLICAS, Problems, Shape, bool, memoryQuantity, oneOf, volumeSize, wholeNumber } from "./lib/fields";
import { parseBytes } from "./lib/quantity";

type PlatformServiceName = "postgres" | "redis" | "nessie" | "trino" | "flink" | "clickhouse" | "airflow" | "superset";
type PlatformServices = Pick<ServicesConfig, PlatformServiceName>;

function size(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources {
    return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/**
 * Dev defaults: every platform service is off (the dev laptop runs the lakehouse core; switch a service on
 * with `pulumi config set --path services.<name>.enabled true`) and, when on, small. Pulumi.prod.yaml
 * turns them on with production sizes.
 */
export const platformServiceDefaults: PlatformServices = {
    postgres: { enabled: false, volumeSize: "2Gi", resources: size("50m", "128Mi", "1", "512Mi") },
    redis: { enabled: false, volumeSize: "1Gi", resources: size("25m", "32Mi", "500m", "128Mi") },
    nessie: { enabled: false, resources: size("100m", "384Mi", "1", "768Mi") },
    trino: {
        enabled: false,
        workers: 1,
        queryMaxMemoryPerNode: "512Mi",
        queryMaxMemory: "1Gi",
        resources: size("200m", "1Gi", "2", "1536Mi"),
        workerResources: size("200m", "1Gi", "2", "1536Mi"),
    },
    flink: {
        enabled: false,
        taskManagers: 1,
        slots: 2,
        resources: size("100m", "1Gi", "1", "1Gi"),
        taskManagerResources: size("100m", "1Gi", "1", "1Gi"),
    },
    clickhouse: { enabled: false, volumeSize: "5Gi", resources: size("100m", "512Mi", "2", "1536Mi") },
    airflow: {
        enabled: false,
        executor: "LocalExecutor",
        workers: 0,
        medallionDag: false,
        // Each of api-server, scheduler, dag-processor and triggerer.
        resources: size("100m", "384Mi", "1", "1Gi"),
        workerResources: size("200m", "512Mi", "2", "2Gi"),
    },
    superset: { enabled: false, resources: size("100m", "512Mi", "1", "1536Mi") },
};

/** Readers of the platform services' keys, built with config.ts's own `service` and `resources` readers. */
export function platformServicesShape(
    defaults: PlatformServices,
    make: {
        resources: (d: Resources) => Field<Resources>;
        service: <T extends { enabled: boolean; image?: string; resources: Resources }>(extra: Omit<Shape<T>, "enabled" | "image" | "resources">, d: T) => Field<T>;
    },
): Shape<PlatformServices> {
    const { service, resources } = make;
    return {
        postgres: service<PostgresConfig>({ volumeSize }, defaults.postgres),
        redis: service<RedisConfig>({ volumeSize }, defaults.redis),
        nessie: service<NessieConfig>({}, defaults.nessie),
        trino: service<TrinoConfig>(
            {
                workers: wholeNumber(0, MAX_REPLICAS),
                workerResources: resources(defaults.trino.workerResources),
                queryMaxMemoryPerNode: memoryQuantity,
                queryMaxMemory: memoryQuantity,
            },
            defaults.trino,
        ),
        flink: service<FlinkConfig>(
            { taskManagers: wholeNumber(0, MAX_REPLICAS), slots: wholeNumber(1, 64), taskManagerResources: resources(defaults.flink.taskManagerResources) },
            defaults.flink,
        ),
        clickhouse: service<ClickHouseConfig>({ volumeSize }, defaults.clickhouse),
        airflow: service<AirflowConfig>(
            {
                executor: oneOf("LocalExecutor", "CeleryExecutor"),
                workers: wholeNumber(0, MAX_REPLICAS),
                workerResources: resources(defaults.airflow.workerResources),
                medallionDag: bool,
            },
            defaults.airflow,
        ),
        superset: service<SupersetConfig>({}, defaults.superset),
    };
}

export const platformServiceDependencies: { [S in ServiceName]?: ServiceDependency[] } = {
    nessie: [
        { needs: "postgres", why: "Nessie keeps its version store (JDBC2) in PostgreSQL" },
        { needs: "objectStore", why: "Nessie's warehouse lives in the object store" },
    ],
    trino: [
        { needs: "nessie", why: "Trino's iceberg catalog is the Nessie catalog" },
        { needs: "objectStore", why: "Trino reads and writes the Iceberg tables in the object store" },
    ],
    flink: [{ needs: "objectStore", why: "Flink keeps checkpoints and savepoints in the object store" }],
    airflow: [
        { needs: "postgres", why: "Airflow's metadata database is on PostgreSQL" },
        {
            needs: "redis",
            why: "the CeleryExecutor queues tasks on Redis",
            when: (s) => s.airflow.executor === "CeleryExecutor",
        },
        { needs: "spark", why: "the medallion DAG runs Spark jobs", when: (s) => s.airflow.medallionDag },
        { needs: "pipeline", why: "the medallion DAG runs the pipeline's SparkApplications", when: (s) => s.airflow.medallionDag },
        { needs: "sparkOperator", why: "the medallion DAG's SparkApplications run on the Spark Operator", when: (s) => s.airflow.medallionDag },
    ],
    superset: [
        { needs: "postgres", why: "Superset's metadata database is on PostgreSQL" },
        { needs: "redis", why: "Superset caches on Redis" },
    ],
};

/** Trino gives a query at most this share of the heap per node (the rest is `memory.heap-headroom-per-node`). */
export const TRINO_QUERY_SHARE = 0.7;
/** The JVM heap as a share of the container's memory limit (-XX:MaxRAMPercentage); the rest is off-heap. */
export const TRINO_HEAP_SHARE = 0.75;
/** Flink refuses to start below about this much process memory (metaspace, overhead, network, framework). */
export const FLINK_MIN_PROCESS_BYTES = 2 ** 30;

/** Rules across the platform services' keys. */
export function checkPlatformServices(s: ServicesConfig, p: Problems, checkResources: (key: string, r: Resources, p: Problems) => void): void {
    checkResources("services.trino.workerResources", s.trino.workerResources, p);
    checkResources("services.flink.taskManagerResources", s.flink.taskManagerResources, p);
    checkResources("services.airflow.workerResources", s.airflow.workerResources, p);

    const trino = s.trino;
    if (trino.enabled) {
        const pods = [{ key: "resources", r: trino.resources }, ...(trino.workers > 0 ? [{ key: "workerResources", r: trino.workerResources }] : [])];
        for (const { key, r } of pods) {
            const limit = parseBytes(r.limits.memory) ?? 0;
            const room = limit * TRINO_HEAP_SHARE * TRINO_QUERY_SHARE;
            if ((parseBytes(trino.queryMaxMemoryPerNode) ?? 0) > room) {
                p.add(
                    "services.trino.queryMaxMemoryPerNode",
                    trino.queryMaxMemoryPerNode,
                    `it must fit in ${Math.floor(room / 2 ** 20)}Mi: 70% of the JVM heap, which is 75% of lakehouse:services.trino.${key}.limits.memory (${r.limits.memory})`,
                );
            }
        }
        if ((parseBytes(trino.queryMaxMemory) ?? 0) < (parseBytes(trino.queryMaxMemoryPerNode) ?? 0)) {
            p.add("services.trino.queryMaxMemory", trino.queryMaxMemory, `must be at least lakehouse:services.trino.queryMaxMemoryPerNode (${trino.queryMaxMemoryPerNode})`);
        }
    }

    const flink = s.flink;
    if (flink.enabled) {
        if (flink.taskManagers < 1) {
            p.add("services.flink.taskManagers", flink.taskManagers, "Flink needs at least 1 TaskManager while lakehouse:services.flink.enabled is true");
        }
        for (const [key, r] of [["resources", flink.resources], ["taskManagerResources", flink.taskManagerResources]] as const) {
            if ((parseBytes(r.limits.memory) ?? 0) < FLINK_MIN_PROCESS_BYTES) {
                p.add(`services.flink.${key}.limits.memory`, r.limits.memory, "Flink's process memory is this limit and needs at least 1Gi");
            }
        }
    }

    const airflow = s.airflow;
    if (airflow.enabled && airflow.executor === "CeleryExecutor" && airflow.workers < 1) {
        p.add("services.airflow.workers", airflow.workers, "the CeleryExecutor needs at least 1 worker");
    }
    // The DAG runs SparkApplications; standalone jobs are Deployments Pulumi keeps running by itself.
    if (airflow.enabled && airflow.medallionDag && s.pipeline.enabled && s.pipeline.launcher !== "operator") {
        p.add(
            "services.airflow.medallionDag",
            true,
            `the DAG runs the pipeline's SparkApplications, but lakehouse:services.pipeline.launcher is ${s.pipeline.launcher}; ` +
                "use the operator launcher (auto with the Spark Operator on) or set medallionDag: false",
        );
    }
    if (airflow.enabled && airflow.executor === "LocalExecutor" && airflow.workers > 0) {
        p.add("services.airflow.workers", airflow.workers, "workers are Celery workers; set lakehouse:services.airflow.executor to CeleryExecutor or workers to 0");
    }
}
