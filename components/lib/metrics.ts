// What a workload declares for Prometheus: where each of its pods serves metrics. Targets are found
// through the workload's headless Service (DNS A records, one per pod), so Prometheus needs no access to
// the Kubernetes API, and the scrape is a declared Link, so network policies open it.

import type { Link } from "./network";

export interface MetricsTarget {
    /** Prometheus job name: the workload's name. */
    job: string;
    namespace: string;
    /** Headless Service whose A records are the pods. */
    headlessService: string;
    /** Container port number the metrics are served on. */
    port: number;
    path: string;
    /** Plain request headers the endpoint wants (Trino's user header); never a secret, the file is a ConfigMap. */
    headers?: Record<string, string>;
    /** The connection Prometheus makes, for its `connectsTo`. */
    link: Link;
    /**
     * Keep the labels the exporter sets over the target's own (`honor_labels: true`): for exporters that
     * describe other objects, such as kube-state-metrics, whose `namespace` is the described pod's.
     * Otherwise Prometheus renames a scraped label that clashes with a target label `exported_<name>`.
     */
    honorLabels?: boolean;
}

/** prometheus.yml for the given targets: one job per workload, DNS service discovery per pod. */
export function scrapeConfig(targets: MetricsTarget[], scrapeInterval = "30s"): string {
    const lines = [
        "global:",
        `  scrape_interval: ${scrapeInterval}`,
        "  evaluation_interval: 30s",
        "scrape_configs:",
        "  - job_name: prometheus",
        "    static_configs:",
        "      - targets: ['localhost:9090']",
    ];
    for (const t of targets) {
        lines.push(
            `  - job_name: ${t.job}`,
            `    metrics_path: ${t.path}`,
            ...(t.honorLabels ? ["    honor_labels: true"] : []),
            // Prometheus 3's http_headers (in every scrape config's HTTP settings): name -> values.
            ...(t.headers ? ["    http_headers:", ...Object.entries(t.headers).flatMap(([name, value]) => [`      ${name}:`, `        values: ['${value}']`])] : []),
            "    dns_sd_configs:",
            `      - names: ['${t.headlessService}.${t.namespace}.svc']`,
            "        type: A",
            `        port: ${t.port}`,
            "    relabel_configs:",
            "      - target_label: namespace",
            `        replacement: ${t.namespace}`,
        );
    }
    return `${lines.join("\n")}\n`;
}
