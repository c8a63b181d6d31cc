// A launcher-neutral description of a Spark application (SparkJobSpec) and the launchers that run one.
// `standalone`: a pod running spark-submit in client mode against the standalone master, so the driver
// lives in that pod and the executors on the workers. `operator`: a SparkApplication in a team namespace,
// the same spec mapped onto the Spark Operator's resource: pythonFile/pyFiles -> mainApplicationFile/
// deps.pyFiles from the mounted code, packages -> deps.packages, sparkConf -> sparkConf, env -> driver/
// executor env, sizes -> driver/executor (from the team-quota-checked config).

import * as pulumi from "@pulumi/pulumi";
import type { SparkAccess } from "../compute/spark";
import { renderDefaults } from "../compute/spark";
import type { PlatformConfig, Resources } from "../config";
import { configFiles } from "../lib/configFiles";
import { EnvMap } from "../lib/kx";
import { MetricsTarget } from "../lib/metrics";
import { Link, Workload, httpProbe } from "../lib/workload";
import type { Tenant } from "../cluster/team";
import { SparkAppSizes } from "../lib/sparkApplication";
import { launchOnOperator } from "./operatorLauncher";

export interface SparkJobSpec {
    /** Application name, and the Kubernetes name of what runs it. */
    name: string;
    /** Key of the main Python file in the code ConfigMap. */
    pythonFile: string;
    /** Other keys of the code ConfigMap the job imports (shipped with --py-files). */
    pyFiles: string[];
    args: string[];
    /** Maven coordinates added to the session's spark.jars.packages. */
    packages: string[];
    /** Spark settings beyond the cluster's defaults; never secrets (they land in a ConfigMap). */
    sparkConf: Record<string, string>;
    /** Driver env: plain values and secretKeyRefs. Spark conf that must stay secret goes here and into `secretConf`. */
    env: EnvMap;
    /** Spark settings whose value is an env var of the driver (`$(VAR)`), for secrets: never written to a ConfigMap. */
    secretConf?: Record<string, string>;
    driver: { memory: string; resources: Resources };
    executor: { memory: string; cores: number };
    /** Servers the driver connects to; the executors' side is declared by the cluster (SparkCluster executorLinks). */
    links: Link[];
    /** A port the driver serves Prometheus metrics on. */
    metrics?: { port: number; path: string };
}

/** The code ConfigMap every job of a pipeline mounts. */
export interface SparkJobCode {
    configMapName: string;
    keys: string[];
}

/** Where and how big the operator runs a job: in a team's namespace, as the team's service account. */
export interface OperatorPlacement {
    tenant: Tenant;
    sizes: SparkAppSizes;
    /** The operator's Helm release: it brings the SparkApplication CRD and must watch the namespace first. */
    operatorReady: pulumi.Resource;
}

/** Both launchers run the Spark cluster's image, Spark version, user and session defaults. */
export type SparkJobLauncher = { kind: "standalone"; spark: SparkAccess } | ({ kind: "operator"; spark: SparkAccess } & OperatorPlacement);

export interface SparkJobContext {
    namespace: string;
    platform: PlatformConfig;
    partOf: string;
    code: SparkJobCode;
}

export interface LaunchedSparkJob {
    /** What a later job waits for. */
    resource: pulumi.Resource;
    metrics?: MetricsTarget;
}

export const CODE_DIR = "/opt/lakehouse/jobs";
const UI_PORT = 4040;
const DRIVER_PORT = 7078;
const BLOCK_MANAGER_PORT = 7079;

/**
 * spark-defaults.conf of a job under the standalone launcher: the cluster's session defaults, the job's
 * sizes and settings, and its packages appended to the cluster's. Pure, so it is tested directly.
 */
export function standaloneConf(defaults: Record<string, string>, spec: SparkJobSpec): Record<string, string> {
    const packages = [defaults["spark.jars.packages"], ...spec.packages].filter((p) => p).join(",");
    return {
        ...defaults,
        "spark.app.name": spec.name,
        "spark.submit.deployMode": "client",
        // Executors connect back to the driver on fixed ports the pod declares.
        "spark.driver.bindAddress": "0.0.0.0",
        "spark.driver.port": `${DRIVER_PORT}`,
        "spark.blockManager.port": `${BLOCK_MANAGER_PORT}`,
        "spark.ui.port": `${UI_PORT}`,
        "spark.driver.memory": spec.driver.memory,
        "spark.executor.memory": spec.executor.memory,
        "spark.executor.cores": `${spec.executor.cores}`,
        // A standalone application takes every free core unless capped; streaming jobs run side by side.
        "spark.cores.max": `${spec.executor.cores}`,
        ...spec.sparkConf,
        "spark.jars.packages": packages,
    };
}

/** The spark-submit command line (after the binary): conf that stays secret, code files, then the job's args. */
export function submitArgs(spec: SparkJobSpec, masterUrl: string): string[] {
    const secret = Object.entries(spec.secretConf ?? {}).flatMap(([k, v]) => ["--conf", `${k}=$(${v})`]);
    const pyFiles = spec.pyFiles.length > 0 ? ["--py-files", spec.pyFiles.map((f) => `${CODE_DIR}/${f}`).join(",")] : [];
    return ["--master", masterUrl, ...secret, ...pyFiles, `${CODE_DIR}/${spec.pythonFile}`, ...spec.args];
}

function checkSpec(spec: SparkJobSpec, code: SparkJobCode, parent: pulumi.Resource): void {
    for (const f of [spec.pythonFile, ...spec.pyFiles]) {
        if (!code.keys.includes(f)) throw new pulumi.ResourceError(`Spark job ${spec.name}: ${f} is not in its code ConfigMap (${code.keys.join(", ")})`, parent);
    }
    for (const v of Object.values(spec.secretConf ?? {})) {
        if (!(v in spec.env)) throw new pulumi.ResourceError(`Spark job ${spec.name}: secret conf reads $(${v}), which its env lacks`, parent);
    }
}

/**
 * Runs a streaming job under the given launcher. Standalone: a one-replica Deployment (a stream never
 * ends; Recreate, so two drivers never share a checkpoint) running spark-submit in client mode on the
 * cluster's own image, so the driver's Python and Spark match the executors'.
 */
export function launchSparkJob(
    resourceName: string,
    spec: SparkJobSpec,
    launcher: SparkJobLauncher,
    ctx: SparkJobContext,
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): LaunchedSparkJob {
    checkSpec(spec, ctx.code, opts.parent);
    if (launcher.kind === "operator") return launchOnOperator(resourceName, spec, launcher, ctx, opts);
    const { spark } = launcher;
    const conf = configFiles(
        `${resourceName}-conf`,
        { name: `${spec.name}-conf`, namespace: ctx.namespace, partOf: ctx.partOf, data: { "spark-defaults.conf": renderDefaults(standaloneConf(spark.defaults, spec)) } },
        opts,
    );
    const home = spark.runtime.sparkHome;
    const metricsPorts: Record<string, number> = spec.metrics ? { metrics: spec.metrics.port } : {};
    const driver = new Workload(
        resourceName,
        {
            kind: "Deployment",
            namespace: ctx.namespace,
            name: spec.name,
            partOf: ctx.partOf,
            replicas: 1,
            runAs: spark.runtime.runAs,
            volumes: [
                { name: "code", configMap: { name: ctx.code.configMapName } },
                { name: "conf", configMap: { name: conf.metadata.name } },
                { name: "tmp", emptyDir: {} },
            ],
            containers: [
                {
                    name: "driver",
                    image: spark.runtime.image,
                    command: [`${home}/bin/spark-submit`],
                    args: submitArgs(spec, spark.masterUrl),
                    env: {
                        POD_IP: { fieldRef: { fieldPath: "status.podIP" } },
                        // The driver advertises the pod IP, which executors on the workers can reach.
                        SPARK_LOCAL_IP: "$(POD_IP)",
                        ...spark.env,
                        ...spec.env,
                    },
                    ports: { ui: UI_PORT, driver: DRIVER_PORT, blockmanager: BLOCK_MANAGER_PORT, ...metricsPorts },
                    resources: spec.driver.resources,
                    volumeMounts: [
                        { name: "code", mountPath: CODE_DIR },
                        { name: "conf", mountPath: `${home}/conf/spark-defaults.conf`, subPath: "spark-defaults.conf" },
                        // Ivy's package cache and the driver's scratch space.
                        { name: "tmp", mountPath: "/tmp" },
                    ],
                    readinessProbe: httpProbe("ui", "/"),
                    // The first start resolves packages from Maven Central before the UI comes up.
                    livenessProbe: { ...httpProbe("ui", "/", 30), initialDelaySeconds: 300 },
                },
            ],
            servicePorts: spec.metrics ? [{ name: "metrics", port: spec.metrics.port }] : undefined,
            metrics: spec.metrics ? { port: "metrics", path: spec.metrics.path } : undefined,
            connectsTo: [spark.links.master, ...spec.links],
            // Executors connect back to the driver.
            peerGroup: spark.peerGroup,
            platform: ctx.platform,
        },
        opts,
    );
    return { resource: driver.workload, metrics: driver.metrics };
}
