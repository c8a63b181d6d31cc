import * as k8s from "@pulumi/kubernetes";
import { catalog, imageRef } from "../catalog";
import type { KubeStateMetricsConfig, PlatformConfig } from "../config";
import { allowApiServer } from "../lib/clusterNetwork";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { MetricsTarget } from "../lib/metrics";
import { selectorFor } from "../lib/network";
import { Workload, httpProbe, labelsFor } from "../lib/workload";

export interface KubeStateMetricsArgs {
    namespace: string;
    settings: KubeStateMetricsConfig;
    platform: PlatformConfig;
    /** The namespaces whose pods it reports: the platform's and the teams'. */
    watchedNamespaces: string[];
}

/** The pod label that names a platform service; exported on kube_pod_labels so dashboards group by service. */
export const SERVICE_LABEL = "app.kubernetes.io/component";

/**
 * kube-state-metrics, limited to pods in the platform's namespaces: the state Grafana's platform overview
 * shows (pods ready per service, restarts, requests and limits). It reads the API with a read-only
 * ClusterRole (list/watch pods) and needs no other access.
 */
export class KubeStateMetrics extends LakehouseComponent {
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: KubeStateMetricsArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:observability:KubeStateMetrics", name, opts);
        const { namespace, settings } = args;
        const labels = labelsFor(name, "kubeStateMetrics");
        const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name, namespace, labels } }, this.child());
        // Cluster-scoped because pods of several namespaces are read; verbs are read-only, resources pods only.
        const role = new k8s.rbac.v1.ClusterRole(
            name,
            { metadata: { name: `lakehouse-${name}`, labels }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }] },
            this.child(),
        );
        const binding = new k8s.rbac.v1.ClusterRoleBinding(
            name,
            {
                metadata: { name: `lakehouse-${name}`, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name, namespace }],
            },
            this.child(),
        );
        allowApiServer(name, namespace, { matchLabels: selectorFor(name) }, this.child());

        const exporter = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "kubeStateMetrics",
                replicas: 1,
                runAs: { uid: catalog.kubeStateMetrics.uid, gid: catalog.kubeStateMetrics.gid },
                serviceAccountName: name,
                containers: [
                    {
                        name: "kube-state-metrics",
                        image: settings.image ?? imageRef(catalog.kubeStateMetrics),
                        args: [
                            "--resources=pods",
                            `--namespaces=${args.watchedNamespaces.join(",")}`,
                            `--metric-labels-allowlist=pods=[${SERVICE_LABEL}]`,
                        ],
                        ports: { "http-metrics": 8080, telemetry: 8081 },
                        resources: settings.resources,
                        // The upstream manifests' probes: liveness on the metrics port, readiness on telemetry.
                        readinessProbe: httpProbe("telemetry", "/readyz"),
                        livenessProbe: httpProbe("http-metrics", "/livez", 20),
                    },
                ],
                servicePorts: [{ name: "http-metrics", port: 8080 }],
                metrics: { port: "http-metrics", path: "/metrics" },
                platform: args.platform,
            },
            this.child({ dependsOn: [account, binding] }),
        );
        // Its series name the namespace of the pod they describe; the job's own `namespace` target label
        // (the exporter's namespace) would rename that one `exported_namespace`, and the dashboards' joins
        // on (namespace, pod) would match pods of the same name in two team namespaces many-to-many.
        // honor_labels keeps the scraped ones (Prometheus' docs, <scrape_config>); kube-prometheus scrapes
        // kube-state-metrics the same way (its ServiceMonitor sets honorLabels: true).
        this.metrics = [{ ...exporter.metrics!, honorLabels: true }];
        this.registerOutputs({});
    }
}
