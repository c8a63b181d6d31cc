import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { catalog, charts } from "../catalog";
import { CLUSTER_NAMESPACES, Resources, SparkOperatorConfig } from "../config";
import { allowApiServer, allowWebhook } from "../lib/clusterNetwork";
import { ChildOptions, LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import type { MetricsTarget } from "../lib/metrics";
import { selectorFor } from "../lib/network";
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

/** On a Service whose pods a Helm release makes: the release's name (see tests/checks.ts). */
export const CHART_PODS_ANNOTATION = "lakehouse.io/pods-from-release";

/**
 * Extra labels on the controller pods (not the webhook's): with the chart's own `app.kubernetes.io/name`,
 * they make the controller selectable like any platform workload (selectorFor), so a metrics Service and
 * the generated NetworkPolicies of Prometheus's link find exactly the controller.
 */
export const CONTROLLER_POD_LABELS = { "app.kubernetes.io/part-of": selectorFor(RELEASE)["app.kubernetes.io/part-of"] };

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
        controller: { ...pods(s.resources), leaderElection: { enable: true }, labels: CONTROLLER_POD_LABELS },
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
    /** Where Prometheus scrapes the controller (its `/metrics` on 8080). */
    readonly metrics: MetricsTarget;

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
        this.metrics = this.metricsTarget(name, inNs);
        this.registerOutputs({ namespace: this.namespace, watchedNamespaces: this.watchedNamespaces });
    }

    /**
     * A Service (what Prometheus's link names) and a headless one (whose DNS records are the controller
     * pods, what Prometheus scrapes) over the controller's metrics port, as Workload makes for its own.
     */
    private metricsTarget(name: string, opts: ChildOptions): MetricsTarget {
        const { port, portName, path } = OPERATOR_METRICS;
        const ports = [{ name: portName, port, targetPort: portName, protocol: "TCP" }];
        const metadata = (svcName: string) => ({
            name: svcName,
            namespace: this.namespace,
            labels: { "app.kubernetes.io/part-of": "lakehouse" },
            annotations: { [CHART_PODS_ANNOTATION]: RELEASE },
        });
        new k8s.core.v1.Service(`${name}-metrics`, { metadata: metadata(RELEASE), spec: { selector: selectorFor(RELEASE), ports } }, opts);
        const headless = `${RELEASE}-headless`;
        new k8s.core.v1.Service(
            `${name}-metrics-headless`,
            { metadata: metadata(headless), spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: selectorFor(RELEASE), ports } },
            opts,
        );
        const link = { namespace: this.namespace, server: RELEASE, portName, port, containerPort: portName, containerPortNumber: port };
        return { job: RELEASE, namespace: this.namespace, headlessService: headless, port, path, link };
    }
}
