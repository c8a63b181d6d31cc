import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { catalog, charts } from "../catalog";
import { CLUSTER_NAMESPACES, Resources, SparkOperatorConfig } from "../config";
import { allowApiServer, allowWebhook } from "../lib/clusterNetwork";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { containerSecurity } from "../lib/workload";
import { securedNamespace } from "./securedNamespace";

export interface SparkOperatorArgs {
    settings: SparkOperatorConfig;
    /** The team namespaces, already created: the chart requires them to exist (FACTS). */
    jobNamespaces: string[];
    egress: "restricted" | "open";
    /** Scale the controller and webhook to zero (config `paused`). */
    paused: boolean;
}

const RELEASE = "spark-operator";
const WEBHOOK_PORT = 9443;
export const OPERATOR_METRICS = { port: 8080, portName: "metrics", path: "/metrics" } as const;

/** The chart's pods carry `app.kubernetes.io/name: <release>` and a component label. */
const chartPods = (component?: "controller" | "webhook") => ({
    matchLabels: { "app.kubernetes.io/name": RELEASE, ...(component ? { "app.kubernetes.io/component": component } : {}) },
});

/** An image reference split the way the chart takes it (registry, repository, tag). */
export function chartImage(ref: string): { registry: string; repository: string; tag: string } {
    const at = ref.lastIndexOf(":");
    const [name, tag] = [ref.slice(0, at), ref.slice(at + 1)];
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    return hasRegistry ? { registry: first, repository: name.slice(first.length + 1), tag } : { registry: "docker.io", repository: name, tag };
}

/**
 * The chart's values: watch exactly the team namespaces, webhook and metrics on, resources from config,
 * and the platform's container security (so the namespace can enforce PSA `restricted`). The chart makes
 * no Spark service account or RBAC: each team's come from its tenant (cluster/team.ts).
 */
export function sparkOperatorValues(args: SparkOperatorArgs): Record<string, unknown> {
    const s = args.settings;
    const runAs = { uid: catalog.sparkOperator.uid, gid: catalog.sparkOperator.gid };
    const podSecurityContext = { runAsNonRoot: true, runAsUser: runAs.uid, runAsGroup: runAs.gid, fsGroup: runAs.gid, seccompProfile: { type: "RuntimeDefault" } };
    const pods = (resources: Resources) => ({
        replicas: args.paused ? 0 : 1,
        resources,
        podSecurityContext,
        securityContext: containerSecurity(runAs),
    });
    return {
        image: chartImage(s.image ?? `${catalog.sparkOperator.image}:${catalog.sparkOperator.tag}`),
        controller: { ...pods(s.resources), leaderElection: { enable: true } },
        webhook: { enable: true, port: WEBHOOK_PORT, ...pods(s.webhookResources) },
        spark: { jobNamespaces: args.jobNamespaces, serviceAccount: { create: false }, rbac: { create: false } },
        prometheus: { metrics: { enable: true, port: OPERATOR_METRICS.port, portName: OPERATOR_METRICS.portName, endpoint: OPERATOR_METRICS.path } },
    };
}

/**
 * The Kubeflow Spark Operator: runs the SparkApplications of the team namespaces (and only those: an
 * application elsewhere gets no status and no pods, kubeflow/spark-operator#2198).
 */
export class SparkOperator extends LakehouseComponent {
    readonly namespace = CLUSTER_NAMESPACES.sparkOperator;
    readonly watchedNamespaces: string[];
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: SparkOperatorArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:cluster:SparkOperator", name, opts);
        if (args.jobNamespaces.length === 0) {
            // An empty list would make the chart watch every namespace.
            throw new pulumi.ResourceError("the Spark Operator needs at least one team namespace to watch", this);
        }
        this.watchedNamespaces = args.jobNamespaces;
        const ns = securedNamespace(`${name}-namespace`, { name: this.namespace, level: "restricted", egress: args.egress }, this.child());
        const inNs = this.child({ dependsOn: [ns] });
        // The controller submits applications (spark-submit) and both pods watch resources: API server access.
        allowApiServer(name, this.namespace, chartPods(), inNs);
        allowWebhook(name, this.namespace, chartPods("webhook"), WEBHOOK_PORT, inNs);

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: RELEASE,
                chart: charts.sparkOperator.chart,
                version: charts.sparkOperator.version,
                repositoryOpts: { repo: charts.sparkOperator.repo },
                namespace: this.namespace,
                values: sparkOperatorValues(args),
            },
            inNs,
        );
        this.registerOutputs({ namespace: this.namespace, watchedNamespaces: this.watchedNamespaces });
    }
}
