// A SparkApplication (sparkoperator.k8s.io/v1beta2) built from one typed object, for the Kubeflow Spark
// Operator: every field the CRD requires is always set, the driver and executor pods carry the platform's
// safe defaults (non-root, no privilege escalation, capabilities dropped, seccomp RuntimeDefault), and
// secrets reach the pods only through secretKeyRef. Sizes are explicit (memory overhead included) so a
// namespace's ResourceQuota can be checked against what the applications will ask for.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type RunAs, linkAnnotation } from "./workload";
import { Link, allowLinks, selectorFor } from "./network";
import { parseCpu, parseSparkSize } from "./quantity";

export const SPARK_APPLICATION_API = "sparkoperator.k8s.io/v1beta2";

/** One Spark pod's size. Memory is Spark's syntax ("512m", "2g"); the pod asks for memory + overhead. */
export interface SparkPodSize {
    /** Whole cores Spark schedules tasks on. */
    cores: number;
    /** CPU the pod requests (Kubernetes quantity); defaults to `cores`. Lower it to fit small quotas. */
    coreRequest?: string;
    /** CPU limit (Kubernetes quantity); set because quotas with limits refuse pods without one. */
    coreLimit: string;
    memory: string;
    /** Non-heap memory; explicit because Spark's default depends on the language (10% JVM, 40% Python). */
    memoryOverhead: string;
}

export interface SparkAppSizes {
    driver: SparkPodSize;
    executor: SparkPodSize & { instances: number };
}

/** An env var: a plain value, or a key of a Secret (never the secret's value itself). */
export type SparkEnvValue = string | { secretKeyRef: { name: string; key: string } };

export interface SparkApplicationArgs extends SparkAppSizes {
    /** Kubernetes name of the SparkApplication; driver pods are named after it. */
    name: string;
    namespace: string;
    /** Service account of the driver (it creates the executors, so it needs the team's Spark role). */
    serviceAccount: string;
    /** Image of driver and executors; use the Spark cluster's pin so versions match. */
    image: string;
    /** Spark's version in the image (the CRD requires it; the operator picks its behaviour from it). */
    sparkVersion: string;
    /** UID/GID the image runs as (catalog). */
    runAs: RunAs;
    type: "Python" | "Scala" | "Java";
    /** e.g. `local:///opt/spark/examples/src/main/python/pi.py` or an s3a:// URL. */
    mainApplicationFile: string;
    /** Required for Scala and Java applications. */
    mainClass?: string;
    arguments?: string[];
    sparkConf?: Record<string, string>;
    /** Maven coordinates resolved at submission (`deps.packages`). */
    packages?: string[];
    /** Python modules the application imports (`deps.pyFiles`), e.g. `local://` paths of a mounted ConfigMap. */
    pyFiles?: string[];
    /** Env of driver and executors. */
    env?: Record<string, SparkEnvValue>;
    /** ConfigMaps mounted read-only into driver and executors. */
    configMaps?: { name: string; mountPath: string }[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** Defaults to Never: a batch run that failed is looked at, not retried blindly. */
    restartPolicy?:
        | { type: "Never" }
        | { type: "OnFailure" | "Always"; onFailureRetries?: number; onFailureRetryInterval?: number; onSubmissionFailureRetryInterval?: number };
    /**
     * Server ports the driver and executors use (object store, Kafka...). Each becomes a NetworkPolicy pair,
     * as for workloads; the pods are labelled so the policies select them.
     */
    connectsTo?: Link[];
    /** Named ports the driver serves (e.g. Prometheus metrics), so a Service and policies can name them. */
    driverPorts?: { name: string; containerPort: number }[];
}

type Env = k8s.types.input.core.v1.EnvVar;

function envList(env: Record<string, SparkEnvValue> | undefined): Env[] {
    return Object.entries(env ?? {}).map(([name, v]) => (typeof v === "string" ? { name, value: v } : { name, valueFrom: v }));
}

/** The manifest (apiVersion, kind, metadata, spec); pure, so it is tested directly. */
export function sparkApplicationManifest(args: SparkApplicationArgs): Record<string, any> {
    if (args.type !== "Python" && !args.mainClass) {
        throw new pulumi.RunError(`SparkApplication ${args.namespace}/${args.name}: a ${args.type} application needs mainClass`);
    }
    const volumes = (args.configMaps ?? []).map((c, i) => ({ name: `config-${i}`, configMap: { name: c.name } }));
    const volumeMounts = (args.configMaps ?? []).map((c, i) => ({ name: `config-${i}`, mountPath: c.mountPath, readOnly: true }));
    const podLabels = { ...(args.connectsTo?.length || args.driverPorts?.length ? selectorFor(args.name) : {}), ...args.labels };
    // The declared links, written on the pods as on workloads' pod templates (the audits read them).
    const annotations = linkAnnotation(args.connectsTo);
    const pod = (size: SparkPodSize) => ({
        cores: size.cores,
        ...(size.coreRequest ? { coreRequest: size.coreRequest } : {}),
        coreLimit: size.coreLimit,
        memory: size.memory,
        memoryOverhead: size.memoryOverhead,
        image: args.image,
        labels: podLabels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        env: envList(args.env),
        volumeMounts,
        podSecurityContext: {
            runAsNonRoot: true,
            runAsUser: args.runAs.uid,
            runAsGroup: args.runAs.gid,
            fsGroup: args.runAs.gid,
            seccompProfile: { type: "RuntimeDefault" },
        },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: args.runAs.uid,
            runAsGroup: args.runAs.gid,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
    });
    return {
        apiVersion: SPARK_APPLICATION_API,
        kind: "SparkApplication",
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels ?? {}, annotations: args.annotations ?? {} },
        spec: {
            type: args.type,
            mode: "cluster",
            sparkVersion: args.sparkVersion,
            image: args.image,
            imagePullPolicy: "IfNotPresent",
            mainApplicationFile: args.mainApplicationFile,
            ...(args.mainClass ? { mainClass: args.mainClass } : {}),
            ...(args.type === "Python" ? { pythonVersion: "3" } : {}),
            arguments: args.arguments ?? [],
            sparkConf: args.sparkConf ?? {},
            ...(args.packages?.length || args.pyFiles?.length
                ? { deps: { ...(args.packages?.length ? { packages: args.packages } : {}), ...(args.pyFiles?.length ? { pyFiles: args.pyFiles } : {}) } }
                : {}),
            restartPolicy: args.restartPolicy ?? { type: "Never" },
            volumes,
            driver: {
                ...pod(args.driver),
                serviceAccount: args.serviceAccount,
                ...(args.driverPorts?.length ? { ports: args.driverPorts.map((p) => ({ ...p, protocol: "TCP" })) } : {}),
            },
            executor: { ...pod(args.executor), instances: args.executor.instances },
        },
    };
}

/** Creates the SparkApplication (and the NetworkPolicies of its links). */
export function sparkApplication(resourceName: string, args: SparkApplicationArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    const m = sparkApplicationManifest(args);
    allowLinks(resourceName, { namespace: args.namespace, name: args.name }, args.connectsTo ?? [], opts);
    return new k8s.apiextensions.CustomResource(resourceName, { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec }, opts);
}

/** What an application's pods ask of a namespace's quota when they all run (driver plus every executor). */
export interface Demand {
    pods: number;
    requestsCpu: number;
    limitsCpu: number;
    /** Spark sets a pod's memory request and limit both to memory + overhead. */
    requestsMemory: number;
    limitsMemory: number;
}

export function sparkAppDemand(s: SparkAppSizes): Demand {
    const one = (p: SparkPodSize, n: number): Demand => {
        const memory = n * ((parseSparkSize(p.memory) ?? 0) + (parseSparkSize(p.memoryOverhead) ?? 0));
        return {
            pods: n,
            requestsCpu: n * (parseCpu(p.coreRequest ?? String(p.cores)) ?? 0),
            limitsCpu: n * (parseCpu(p.coreLimit) ?? 0),
            requestsMemory: memory,
            limitsMemory: memory,
        };
    };
    return addDemands([one(s.driver, 1), one(s.executor, s.executor.instances)]);
}

export function totalDemand(apps: SparkAppSizes[]): Demand {
    return addDemands(apps.map(sparkAppDemand));
}

function addDemands(list: Demand[]): Demand {
    return list.reduce(
        (a, d) => ({
            pods: a.pods + d.pods,
            requestsCpu: a.requestsCpu + d.requestsCpu,
            limitsCpu: a.limitsCpu + d.limitsCpu,
            requestsMemory: a.requestsMemory + d.requestsMemory,
            limitsMemory: a.limitsMemory + d.limitsMemory,
        }),
        { pods: 0, requestsCpu: 0, limitsCpu: 0, requestsMemory: 0, limitsMemory: 0 },
    );
}

