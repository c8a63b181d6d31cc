import { catalog, imageRef, supersetDrivers } from "../catalog";
import type { PlatformConfig, SupersetConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { EnvMap } from "../lib/kx";
import { InitContainer, Link, Workload, httpProbe, oneShotJob } from "../lib/workload";
import type { ClickHouseAccess } from "../query/clickhouse";
import type { TrinoAccess } from "../query/trino";
import { DatabaseAccess, databaseUrlEnv } from "../storage/postgres";
import { RedisAccess, redisUrlEnv } from "../storage/redis";

export interface SupersetArgs {
    namespace: string;
    settings: SupersetConfig;
    platform: PlatformConfig;
    db: DatabaseAccess;
    redis: RedisAccess;
    /** Registered as the database "Trino (lakehouse)" when Trino runs. */
    trino?: TrinoAccess;
    /** Registered as the database "ClickHouse" when ClickHouse runs. */
    clickhouse?: ClickHouseAccess;
}

const PORT = 8088;
const DRIVERS = "/app/drivers";
const CONFIG_DIR = "/app/lakehouse";

/** superset_config.py: everything secret or address-like comes from the environment. */
export const SUPERSET_CONFIG = `import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

_cache = {
    "CACHE_TYPE": "RedisCache",
    "CACHE_DEFAULT_TIMEOUT": 300,
    "CACHE_REDIS_URL": os.environ["SUPERSET_REDIS_URL"],
}
CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "superset_"}
DATA_CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "superset_data_"}
FILTER_STATE_CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "superset_filter_"}
EXPLORE_FORM_DATA_CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "superset_explore_"}
`;

/**
 * The image lacks the PostgreSQL, Trino and ClickHouse drivers. Rather than build and host our own image,
 * an init container installs pinned wheels from PyPI into an emptyDir that the main container puts first
 * on PYTHONPATH (uv is the image's installer; its venv has no pip).
 */
export const INSTALL_DRIVERS = `if command -v uv >/dev/null 2>&1; then
  uv pip install --no-cache --python /app/.venv/bin/python --target ${DRIVERS} $DRIVERS
else
  /app/.venv/bin/python -m pip install --no-cache-dir --target ${DRIVERS} $DRIVERS
fi`;

/** The init Job's steps; each is idempotent, so the Job can run again on every update. */
export function supersetInitScript(databases: { name: string; uriVar: string }[]): string {
    return [
        "superset db upgrade",
        'superset fab create-admin --username "$ADMIN_USER" --password "$ADMIN_PASSWORD" --firstname Lakehouse --lastname Admin --email admin@lakehouse.local',
        // create-admin leaves an existing user alone; the generated password must still be the one that works.
        'superset fab reset-password --username "$ADMIN_USER" --password "$ADMIN_PASSWORD"',
        "superset init",
        ...databases.map((d) => `superset set-database-uri --database_name "${d.name}" --uri "$${d.uriVar}"`),
    ].join("\n");
}

/** Superset with its metadata on PostgreSQL, cache on Redis, and Trino and ClickHouse registered. */
export class Superset extends LakehouseComponent {
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: SupersetArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:bi:Superset", name, opts);
        const { settings, namespace, db, redis, trino, clickhouse } = args;
        const pin = catalog.superset;
        const image = settings.image ?? imageRef(pin);
        const runAs = { uid: pin.uid, gid: pin.gid };
        this.credential = new Credential(
            `${name}-secrets`,
            {
                namespace,
                secretName: `${name}-secrets`,
                partOf: "superset",
                fields: { secretKey: { generate: 48 }, adminUser: { fixed: "admin" }, adminPassword: { generate: 24 } },
            },
            this.child(),
        );
        const config = configFiles(
            `${name}-config`,
            { name: `${name}-config`, namespace, partOf: "superset", data: { "superset_config.py": SUPERSET_CONFIG } },
            this.child(),
        );
        // Order matters: $(VAR) expands only variables defined earlier.
        const env: EnvMap = {
            SUPERSET_SECRET_KEY: this.credential.ref("secretKey"),
            ...databaseUrlEnv(db, "SUPERSET_DATABASE_URI", "postgresql+psycopg2"),
            ...redisUrlEnv(redis, "SUPERSET_REDIS_URL", 1),
            SUPERSET_CONFIG_PATH: `${CONFIG_DIR}/superset_config.py`,
            PYTHONPATH: `${DRIVERS}:/app/pythonpath`,
        };
        const links: Link[] = [db.link, redis.link, ...(trino ? [trino.link] : []), ...(clickhouse ? [clickhouse.link] : [])];
        const volumes = [
            { name: "config", configMap: { name: config.metadata.name } },
            { name: "drivers", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
        ];
        const volumeMounts = [
            { name: "config", mountPath: CONFIG_DIR },
            { name: "drivers", mountPath: DRIVERS },
            { name: "tmp", mountPath: "/tmp" },
        ];
        const installDrivers: InitContainer = {
            name: "install-drivers",
            image,
            command: ["/bin/sh", "-ec", INSTALL_DRIVERS],
            env: { DRIVERS: supersetDrivers.join(" "), HOME: "/tmp", UV_CACHE_DIR: "/tmp/uv" },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
            volumeMounts,
        };

        const web = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "superset",
                replicas: 1,
                runAs,
                volumes,
                initContainers: [installDrivers],
                containers: [
                    {
                        name: "superset",
                        image,
                        // The image's default command serves the app with gunicorn on 8088.
                        env: { ...env, SUPERSET_PORT: String(PORT) },
                        ports: { http: PORT },
                        resources: settings.resources,
                        volumeMounts,
                        readinessProbe: httpProbe("http", "/health"),
                        livenessProbe: { ...httpProbe("http", "/health", 30), initialDelaySeconds: 60 },
                    },
                ],
                servicePorts: [{ name: "http", port: PORT }],
                exposed: true,
                connectsTo: links,
                platform: args.platform,
            },
            this.child({ dependsOn: [this.credential] }),
        );

        // Trino: the lakehouse's Iceberg catalog as user "superset" (Trino runs without authentication).
        // ClickHouse: over HTTP with the generated admin password, filled in from the Secret at run time.
        const databases: { name: string; uriVar: string }[] = [];
        const registrations: EnvMap = {};
        if (trino) {
            registrations.TRINO_URI = `trino://superset@${trino.host}:${trino.port}/${trino.catalog}`;
            databases.push({ name: "Trino (lakehouse)", uriVar: "TRINO_URI" });
        }
        if (clickhouse) {
            registrations.CLICKHOUSE_PASSWORD = clickhouse.passwordRef;
            registrations.CLICKHOUSE_URI = `clickhousedb://${clickhouse.user}:$(CLICKHOUSE_PASSWORD)@${clickhouse.host}:${clickhouse.httpPort}/default`;
            databases.push({ name: "ClickHouse", uriVar: "CLICKHOUSE_URI" });
        }
        oneShotJob(
            `${name}-init`,
            {
                namespace,
                name: `${name}-init`,
                partOf: "superset",
                runAs,
                volumes,
                initContainers: [installDrivers],
                connectsTo: links,
                containers: [
                    {
                        name: "init",
                        image,
                        command: ["/bin/sh", "-ec", supersetInitScript(databases)],
                        env: { ...env, ADMIN_USER: this.credential.ref("adminUser"), ADMIN_PASSWORD: this.credential.ref("adminPassword"), ...registrations },
                        resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                        volumeMounts,
                    },
                ],
            },
            this.child({ dependsOn: [this.credential] }),
        );
        this.endpoints = { ui: web.endpoint("http", "http", "Superset; login: credentials.superset", "", "superset") };
        this.registerOutputs({});
    }
}
