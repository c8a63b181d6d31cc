import * as k8s from "@pulumi/kubernetes";
import { catalog, imageRef } from "../catalog";
import type { AirflowConfig, PlatformConfig, Resources } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { EnvMap } from "../lib/kx";
import { InitContainer, Link, MainContainer, Workload, httpProbe, oneShotJob } from "../lib/workload";
import { DatabaseAccess, databaseUrlEnv } from "../storage/postgres";
import type { S3Access } from "../storage/objectStore";
import { RedisAccess, redisUrlEnv } from "../storage/redis";
import { MedallionPipeline, dagFiles } from "./medallion";
import { pipelineAccess } from "./pipelineAccess";

export interface AirflowArgs {
    namespace: string;
    settings: AirflowConfig;
    platform: PlatformConfig;
    db: DatabaseAccess;
    /** The Celery broker; required with the CeleryExecutor (config validation guarantees it). */
    redis?: RedisAccess;
    /** The medallion pipeline to run from a DAG; wired by platform.ts when the pipeline exists. */
    pipeline?: MedallionPipeline;
    /** Where task logs are kept (remote logging), so they outlive the pod that ran the task; without it they stay in that pod. */
    s3?: S3Access;
}

const API_PORT = 8080;
// 8080 is Spark's on the shared LoadBalancer address.
const EXPOSED_API_PORT = 8082;
const SCHEDULER_HEALTH_PORT = 8974;
const DAGS = "/opt/airflow/dags";

/** Env every Airflow process shares that holds no address of another Airflow pod and no secret value. */
export function airflowSettings(executor: AirflowConfig["executor"]): Record<string, string> {
    return {
        AIRFLOW__CORE__EXECUTOR: executor,
        // FAB keeps users and roles in the metadata database, so the admin made by the init Job can log in.
        AIRFLOW__CORE__AUTH_MANAGER: "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        AIRFLOW__CORE__LOAD_EXAMPLES: "False",
        AIRFLOW__CORE__DAGS_FOLDER: DAGS,
        AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: "True",
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT: String(SCHEDULER_HEALTH_PORT),
        // One API worker process is plenty for a platform's UI and task traffic, and saves ~200Mi per extra worker.
        AIRFLOW__API__WORKERS: "1",
    };
}

/** Airflow's connection for the object store, named in `[logging] remote_log_conn_id`. */
export const LOG_CONNECTION = "lakehouse_s3";

/**
 * Remote logging to the object store: each task's log is uploaded when the task ends and the api-server
 * reads it from there. Without it the api-server asks the task's pod for the log (port 8793, by the pod's
 * hostname, which cluster DNS doesn't resolve), and a log in a pod's emptyDir is gone with the pod. The
 * amazon provider (in the apache/airflow image) reads the key pair from AWS_* variables; the connection
 * says where the store is (path-style, as S3-compatible stores want).
 */
export function remoteLoggingEnv(s3: S3Access): EnvMap {
    return {
        AWS_ACCESS_KEY_ID: s3.accessKey,
        AWS_SECRET_ACCESS_KEY: s3.secretKey,
        [`AIRFLOW_CONN_${LOG_CONNECTION.toUpperCase()}`]: JSON.stringify({
            conn_type: "aws",
            extra: { endpoint_url: s3.endpoint, region_name: "us-east-1", config_kwargs: { s3: { addressing_style: "path" } } },
        }),
        AIRFLOW__LOGGING__REMOTE_LOGGING: "True",
        AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER: `s3://${s3.bucket}/airflow/logs`,
        AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: LOG_CONNECTION,
    };
}

/** An exec probe running an Airflow CLI check; Python start-up takes seconds, so it is polled slowly. */
function cliProbe(command: string[]): k8s.types.input.core.v1.Probe {
    return { exec: { command }, initialDelaySeconds: 30, periodSeconds: 60, timeoutSeconds: 45, failureThreshold: 5 };
}

/**
 * Airflow 3: api-server, scheduler, dag-processor and triggerer (plus Celery workers with the
 * CeleryExecutor), a Job that migrates the database and creates the admin user, and DAGs from a ConfigMap.
 */
export class Airflow extends LakehouseComponent {
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: AirflowArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:orchestration:Airflow", name, opts);
        const { settings, namespace, db, redis } = args;
        const pin = catalog.airflow;
        const image = settings.image ?? imageRef(pin);
        const runAs = { uid: pin.uid, gid: pin.gid };
        const celery = settings.executor === "CeleryExecutor";
        if (celery && !redis) throw new Error("airflow: the CeleryExecutor needs Redis (config validation should have said so)");

        this.credential = new Credential(
            `${name}-secrets`,
            {
                namespace,
                secretName: `${name}-secrets`,
                partOf: "airflow",
                fields: {
                    adminUser: { fixed: "admin" },
                    adminPassword: { generate: 24 },
                    // 43 base64url characters; the closing "=" is added in the env (see fernetEnv).
                    fernetKeyBody: { generate: 43 },
                    jwtSecret: { generate: 48 },
                    apiSecretKey: { generate: 48 },
                },
            },
            this.child(),
        );
        const files = dagFiles(args.pipeline);
        // New DAG files are a new ConfigMap name: the Airflow pods roll onto them.
        const dags = configFiles(`${name}-dags`, { name: `${name}-dags`, namespace, partOf: "airflow", data: files }, this.child());

        // Order matters: Kubernetes expands $(VAR) only for variables defined earlier in the list.
        const jobEnv: EnvMap = {
            ...databaseUrlEnv(db, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2"),
            // A Fernet key is 32 bytes in base64url: 43 characters and one "=" of padding.
            FERNET_KEY_BODY: this.credential.ref("fernetKeyBody"),
            AIRFLOW__CORE__FERNET_KEY: "$(FERNET_KEY_BODY)=",
            // Every component signs and checks task tokens with the same secret, or tasks fail to report back.
            AIRFLOW__API_AUTH__JWT_SECRET: this.credential.ref("jwtSecret"),
            AIRFLOW__API__SECRET_KEY: this.credential.ref("apiSecretKey"),
            ...airflowSettings(settings.executor),
            ...(celery && redis
                ? {
                      ...redisUrlEnv(redis, "AIRFLOW__CELERY__BROKER_URL", 0),
                      AIRFLOW__CELERY__RESULT_BACKEND: `db+postgresql://${db.user}:$(DB_PASSWORD)@${db.host}:${db.port}/${db.database}`,
                  }
                : {}),
        };
        // The long-running parts also write and read task logs; the init Job doesn't.
        const env: EnvMap = { ...jobEnv, ...(args.s3 ? remoteLoggingEnv(args.s3) : {}) };
        const dataLinks: Link[] = [db.link, ...(celery && redis ? [redis.link] : [])];
        // Tasks write their logs to the object store and the api-server reads them there.
        const logLinks: Link[] = args.s3 ? [args.s3.link] : [];
        const volumes = [
            { name: "dags", configMap: { name: dags.metadata.name } },
            { name: "logs", emptyDir: {} },
        ];
        const volumeMounts = [
            { name: "dags", mountPath: DAGS },
            { name: "logs", mountPath: "/opt/airflow/logs" },
        ];
        // The long-running parts wait until the migration Job has brought the schema up to date.
        const waitForMigrations = (e: EnvMap): InitContainer => ({
            name: "wait-for-migrations",
            image,
            args: ["airflow", "db", "check-migrations", "--migration-wait-timeout", "600"],
            env: e,
            resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        });

        const apiServer = new Workload(
            `${name}-api-server`,
            {
                kind: "Deployment",
                namespace,
                name: `${name}-api-server`,
                partOf: "airflow",
                replicas: 1,
                runAs,
                volumes,
                initContainers: [waitForMigrations(env)],
                containers: [
                    {
                        name: "api-server",
                        image,
                        args: ["airflow", "api-server", "--port", String(API_PORT)],
                        env,
                        ports: { http: API_PORT },
                        resources: settings.resources,
                        volumeMounts,
                        readinessProbe: httpProbe("http", "/api/v2/version"),
                        livenessProbe: { ...httpProbe("http", "/api/v2/version", 30), initialDelaySeconds: 60 },
                    },
                ],
                servicePorts: [{ name: "http", port: EXPOSED_API_PORT, targetPort: "http" }],
                exposed: true,
                connectsTo: [...dataLinks, ...logLinks],
                platform: args.platform,
            },
            this.child({ dependsOn: [this.credential] }),
        );

        // Tasks run in the scheduler (LocalExecutor) or the Celery workers; only those pods get the account
        // that may run the medallion pipeline's SparkApplications.
        const taskPod = celery ? "worker" : "scheduler";
        const serviceAccountName = args.pipeline
            ? pipelineAccess(name, { namespace, pipeline: args.pipeline, taskPods: [`${name}-${taskPod}`] }, this.child())
            : undefined;

        // Tasks (and the processes supervising them) report to the api-server's execution API.
        const taskEnv: EnvMap = { ...env, AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://${apiServer.address("http")}/execution/` };
        const taskLinks = [...dataLinks, ...logLinks, apiServer.link("http")];
        const part = (component: string, c: Omit<MainContainer, "name" | "image" | "env" | "volumeMounts" | "resources"> & { resources?: Resources }, replicas = 1) =>
            new Workload(
                `${name}-${component}`,
                {
                    kind: "Deployment",
                    namespace,
                    name: `${name}-${component}`,
                    partOf: "airflow",
                    replicas,
                    runAs,
                    volumes,
                    initContainers: [waitForMigrations(taskEnv)],
                    containers: [{ name: component, image, env: taskEnv, volumeMounts, resources: settings.resources, ...c }],
                    connectsTo: taskLinks,
                    serviceAccountName: component === taskPod ? serviceAccountName : undefined,
                    platform: args.platform,
                },
                this.child({ dependsOn: [this.credential] }),
            );
        part("scheduler", {
            args: ["airflow", "scheduler"],
            ports: { health: SCHEDULER_HEALTH_PORT },
            readinessProbe: httpProbe("health", "/health"),
            livenessProbe: { ...httpProbe("health", "/health", 30), initialDelaySeconds: 60 },
        });
        part("dag-processor", {
            args: ["airflow", "dag-processor"],
            ports: {},
            readinessProbe: cliProbe(["airflow", "jobs", "check", "--job-type", "DagProcessorJob", "--local"]),
            livenessProbe: cliProbe(["airflow", "jobs", "check", "--job-type", "DagProcessorJob", "--local"]),
        });
        part("triggerer", {
            args: ["airflow", "triggerer"],
            ports: {},
            readinessProbe: cliProbe(["airflow", "jobs", "check", "--job-type", "TriggererJob", "--local"]),
            livenessProbe: cliProbe(["airflow", "jobs", "check", "--job-type", "TriggererJob", "--local"]),
        });
        if (celery) {
            const ping = ["/bin/sh", "-c", 'celery --app airflow.providers.celery.executors.celery_executor.app inspect ping -d "celery@$HOSTNAME"'];
            part(
                "worker",
                {
                    args: ["airflow", "celery", "worker"],
                    ports: {},
                    resources: settings.workerResources,
                    readinessProbe: cliProbe(ping),
                    livenessProbe: cliProbe(ping),
                },
                settings.workers,
            );
        }

        // Idempotent: migrating an up-to-date schema is a no-op, and an existing admin gets the generated
        // password again. The password reaches the CLI from the environment, never from the pod spec.
        oneShotJob(
            `${name}-init`,
            {
                namespace,
                name: `${name}-init`,
                partOf: "airflow",
                runAs,
                connectsTo: dataLinks,
                containers: [
                    {
                        name: "migrate-and-create-admin",
                        image,
                        command: ["/bin/bash", "-ec", AIRFLOW_INIT_SCRIPT],
                        env: { ...jobEnv, ADMIN_USER: this.credential.ref("adminUser"), ADMIN_PASSWORD: this.credential.ref("adminPassword") },
                        resources: { requests: { cpu: "100m", memory: "384Mi" }, limits: { memory: "1Gi" } },
                    },
                ],
            },
            this.child({ dependsOn: [this.credential] }),
        );

        this.endpoints = { ui: apiServer.endpoint("http", "http", "Airflow UI and REST API; login: credentials.airflow", "", "airflow") };
        this.registerOutputs({});
    }
}

export const AIRFLOW_INIT_SCRIPT = `until airflow db check; do echo "waiting for the metadata database"; sleep 5; done
airflow db migrate
if airflow users list --output json | grep -q "\\"$ADMIN_USER\\""; then
  airflow users reset-password --username "$ADMIN_USER" --password "$ADMIN_PASSWORD"
else
  airflow users create --username "$ADMIN_USER" --password "$ADMIN_PASSWORD" --role Admin \\
    --firstname Lakehouse --lastname Admin --email admin@lakehouse.local
fi`;
