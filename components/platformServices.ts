// Wires the platform services (PostgreSQL, Redis, Nessie, Trino, Flink, ClickHouse, Airflow, Superset)
// into the platform: each enabled service is built with what it needs from the others, handed over as
// access objects. Called once from DataPlatform; config validation guarantees every dependency used
// below is enabled when its dependent is.

import * as pulumi from "@pulumi/pulumi";
import { Superset } from "./bi/superset";
import { Flink } from "./compute/flink";
import type { SparkCluster } from "./compute/spark";
import type { PlatformConfig } from "./config";
import { LakehouseComponentOptions } from "./lib/component";
import { EndpointSpec } from "./lib/endpoint";
import { MetricsTarget } from "./lib/metrics";
import { Airflow } from "./orchestration/airflow";
import { MedallionPipeline } from "./orchestration/medallion";
import { ClickHouse } from "./query/clickhouse";
import { Nessie } from "./query/nessie";
import { Trino } from "./query/trino";
import type { ObjectStore } from "./storage/objectStore";
import { Postgres } from "./storage/postgres";
import { Redis } from "./storage/redis";

export interface PlatformServicesOutputs {
    endpoints: Record<string, Record<string, EndpointSpec>>;
    credentials: Record<string, pulumi.Output<Record<string, string>>>;
    metrics: MetricsTarget[];
}

/** The services with a database of their own on the shared PostgreSQL, as enabled in config. */
export function postgresConsumers(s: PlatformConfig["services"]): string[] {
    return (["nessie", "airflow", "superset"] as const).filter((name) => s[name].enabled);
}

export function platformServices(
    cfg: PlatformConfig,
    namespace: string,
    core: { objectStore?: ObjectStore; spark?: SparkCluster; pipeline?: MedallionPipeline },
    opts: LakehouseComponentOptions,
): PlatformServicesOutputs {
    const s = cfg.services;
    const out: PlatformServicesOutputs = { endpoints: {}, credentials: {}, metrics: [] };
    const common = { namespace, platform: cfg };
    const s3 = core.objectStore?.access;

    const postgres = s.postgres.enabled
        ? new Postgres("postgres", { ...common, settings: s.postgres, consumers: postgresConsumers(s) }, opts)
        : undefined;
    if (postgres) {
        out.endpoints.postgres = postgres.endpoints;
        out.credentials.postgres = postgres.values;
    }
    const redis = s.redis.enabled ? new Redis("redis", { ...common, settings: s.redis }, opts) : undefined;
    if (redis) {
        out.endpoints.redis = redis.endpoints;
        out.credentials.redis = redis.credential.values;
    }

    const nessie = s.nessie.enabled && postgres && s3 ? new Nessie("nessie", { ...common, settings: s.nessie, db: postgres.database("nessie"), s3 }, opts) : undefined;
    if (nessie) {
        out.endpoints.nessie = nessie.endpoints;
        out.metrics.push(...nessie.metrics);
    }
    const trino = s.trino.enabled && nessie && s3 ? new Trino("trino", { ...common, settings: s.trino, nessie: nessie.access, s3 }, opts) : undefined;
    if (trino) {
        out.endpoints.trino = trino.endpoints;
        out.metrics.push(...trino.metrics);
    }
    if (s.flink.enabled && s3) {
        const flink = new Flink("flink", { ...common, settings: s.flink, s3 }, opts);
        out.endpoints.flink = flink.endpoints;
        out.metrics.push(...flink.metrics);
    }
    const clickhouse = s.clickhouse.enabled ? new ClickHouse("clickhouse", { ...common, settings: s.clickhouse }, opts) : undefined;
    if (clickhouse) {
        out.endpoints.clickhouse = clickhouse.endpoints;
        out.credentials.clickhouse = clickhouse.credential.values;
        out.metrics.push(...clickhouse.metrics);
    }
    if (s.airflow.enabled && postgres) {
        const airflow = new Airflow(
            "airflow",
            { ...common, settings: s.airflow, db: postgres.database("airflow"), redis: redis?.access, s3, pipeline: s.airflow.medallionDag ? core.pipeline : undefined },
            opts,
        );
        out.endpoints.airflow = airflow.endpoints;
        out.credentials.airflow = airflow.credential.values;
    }
    if (s.superset.enabled && postgres && redis) {
        const superset = new Superset(
            "superset",
            { ...common, settings: s.superset, db: postgres.database("superset"), redis: redis.access, trino: trino?.access, clickhouse: clickhouse?.access },
            opts,
        );
        out.endpoints.superset = superset.endpoints;
        out.credentials.superset = superset.credential.values;
    }
    return out;
}
