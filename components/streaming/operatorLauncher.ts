// The `operator` launcher: a SparkJobSpec as a SparkApplication (Kubeflow Spark Operator) in a team's
// namespace. Driver and executors are pods of their own there, so everything they use must be there too
// (the code ConfigMap, copies of the Secrets they read) or be reached across namespaces through declared
// Links (Kafka, the object store, Cassandra), and the gold job's metrics need a Service of their own.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MetricsTarget } from "../lib/metrics";
import { Link, selectorFor } from "../lib/network";
import { SparkApplicationArgs, SparkEnvValue, sparkApplication } from "../lib/sparkApplication";
import { labelsFor } from "../lib/workload";
import type { LaunchedSparkJob, SparkJobContext, SparkJobLauncher, SparkJobSpec } from "./sparkJob";
import { CODE_DIR } from "./sparkJob";

type OperatorLauncher = Extract<SparkJobLauncher, { kind: "operator" }>;

/**
 * Spark settings whose values are env vars of the driver, as `key=VAR,...` (names only, never values). Under
 * the operator a secret reaches the driver only as env from a Secret; jobs/medallion.py `apply_secret_conf`
 * sets these on the session at start. (The standalone launcher passes them as `--conf key=$(VAR)` instead.)
 */
export const SECRET_CONF_ENV = "LAKEHOUSE_SECRET_CONF";

/** A stream never completes: restart it whenever it stops, like the standalone launcher's Deployment. */
export const STREAMING_RESTART = { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 60 } as const;

/** What the pods read from the job's env and the cluster's: plain values and secretKeyRefs only. */
function sparkEnv(env: Record<string, unknown>, job: string): Record<string, SparkEnvValue> {
    const out: Record<string, SparkEnvValue> = {};
    for (const [name, v] of Object.entries(env)) {
        if (typeof v === "string") out[name] = v;
        else if (v && typeof v === "object" && "secretKeyRef" in v) out[name] = v as SparkEnvValue;
        else throw new pulumi.RunError(`Spark job ${job}: env ${name} is neither a value nor a secretKeyRef, which a SparkApplication cannot carry`);
    }
    return out;
}

/** The Secrets (name -> keys) a job's pods read, which must exist in the team namespace. */
export function secretsRead(env: Record<string, unknown>): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const v of Object.values(env)) {
        const ref = v && typeof v === "object" && "secretKeyRef" in v ? (v as { secretKeyRef: { name: string; key: string } }).secretKeyRef : undefined;
        if (ref) out.set(ref.name, (out.get(ref.name) ?? new Set()).add(ref.key));
    }
    return out;
}

/**
 * The SparkApplication of a job: the cluster's session defaults (S3A, table format, event log when the
 * History Server is on) minus what the operator decides (master, packages go to deps), the job's own conf,
 * code from the ConfigMap mounted on driver and executors. Pure, so it is tested directly.
 */
export function operatorApplication(spec: SparkJobSpec, launcher: OperatorLauncher, codeConfigMap: string, partOf: string): SparkApplicationArgs {
    const { spark, tenant } = launcher;
    const { "spark.master": _master, "spark.jars.packages": clusterPackages, ...defaults } = spark.defaults;
    const secretConf = Object.entries(spec.secretConf ?? {}).map(([k, v]) => `${k}=${v}`);
    return {
        name: spec.name,
        namespace: tenant.namespace,
        serviceAccount: tenant.serviceAccount,
        image: spark.runtime.image,
        sparkVersion: spark.version,
        runAs: spark.runtime.runAs,
        type: "Python",
        mainApplicationFile: `local://${CODE_DIR}/${spec.pythonFile}`,
        pyFiles: spec.pyFiles.map((f) => `local://${CODE_DIR}/${f}`),
        arguments: spec.args,
        sparkConf: { ...defaults, ...spec.sparkConf },
        packages: [...(clusterPackages ? clusterPackages.split(",") : []), ...spec.packages],
        env: sparkEnv({ ...spark.env, ...spec.env, ...(secretConf.length ? { [SECRET_CONF_ENV]: secretConf.join(",") } : {}) }, spec.name),
        configMaps: [{ name: codeConfigMap, mountPath: CODE_DIR }],
        labels: { "app.kubernetes.io/part-of": "lakehouse", "app.kubernetes.io/component": partOf, "lakehouse.io/team": tenant.name },
        restartPolicy: STREAMING_RESTART,
        connectsTo: spec.links,
        driverPorts: spec.metrics ? [{ name: "metrics", containerPort: spec.metrics.port }] : undefined,
        ...launcher.sizes,
    };
}

/** The labels of a job's driver pod (the operator adds `spark-role`; the builder the app's selector labels). */
export function driverSelector(app: string): Record<string, string> {
    return { ...selectorFor(app), "spark-role": "driver" };
}

export function launchOnOperator(
    resourceName: string,
    spec: SparkJobSpec,
    launcher: OperatorLauncher,
    ctx: SparkJobContext,
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): LaunchedSparkJob {
    const args = operatorApplication(spec, launcher, ctx.code.configMapName, ctx.partOf);
    const dependsOn = [...(Array.isArray(opts.dependsOn) ? opts.dependsOn : opts.dependsOn ? [opts.dependsOn] : []), launcher.operatorReady] as pulumi.Input<pulumi.Resource>[];
    const app = sparkApplication(resourceName, args, { ...opts, dependsOn });
    return { resource: app, metrics: spec.metrics && driverMetrics(resourceName, spec, args.namespace, ctx.partOf, opts) };
}

/**
 * The driver's metrics port behind a headless Service in the team namespace, so Prometheus finds the
 * driver pod by DNS as for any workload; its scrape is a Link, so the policies open exactly that port.
 */
function driverMetrics(resourceName: string, spec: SparkJobSpec, namespace: string, partOf: string, opts: pulumi.CustomResourceOptions): MetricsTarget {
    const port = spec.metrics!.port;
    new k8s.core.v1.Service(
        `${resourceName}-metrics`,
        {
            metadata: { name: spec.name, namespace, labels: labelsFor(spec.name, partOf) },
            spec: { clusterIP: "None", selector: driverSelector(spec.name), ports: [{ name: "metrics", port, targetPort: "metrics", protocol: "TCP" }] },
        },
        opts,
    );
    const link: Link = { namespace, server: spec.name, portName: "metrics", port, containerPort: "metrics", containerPortNumber: port };
    return { job: spec.name, namespace, headlessService: spec.name, port, path: spec.metrics!.path, link };
}
