import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { DASHBOARDS_DIR, dashboardFiles } from "../components/observability/grafana";
import { kafkaJmxRules } from "../components/streaming/kafka";
import { JOBS_DIR } from "../components/streaming/pipeline";
import { STACKS, k8sObjects, loadProgram, loadStack, nameOf, withOverrides } from "./harness";

const objectsOf = async (stack: string) => k8sObjects(await loadStack(stack)).map((r) => r.inputs);
const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && nameOf(o) === name);

const GOLD_METRICS = [...fs.readFileSync(path.join(JOBS_DIR, "medallion.py"), "utf8").matchAll(/"(lakehouse_vehicle_[a-z_]+)"/g)].map((m) => m[1]);
const KAFKA_METRICS = kafkaJmxRules.map((r) => r.name);

/** Which scrape job exports a metric, by what each exporter is known to serve; undefined: nobody does. */
function sourcesOf(metric: string): string[] | undefined {
    // Prometheus makes these for every target it scrapes.
    if (/^(up|scrape_[a-z_]+)$/.test(metric)) return ["*"];
    if (KAFKA_METRICS.includes(metric)) return ["kafka"];
    if (GOLD_METRICS.includes(metric)) return ["vehicles-gold"];
    if (/^kube_pod_[a-z_]+$/.test(metric)) return ["kube-state-metrics"];
    // Spark's PrometheusServlet: master.* and worker.* gauges.
    if (/^metrics_master_[A-Za-z]+_Value$/.test(metric)) return ["spark-master"];
    if (/^metrics_worker_[A-Za-z_]+_Value$/.test(metric)) return ["spark-worker"];
    // Process metrics: Prometheus's own, and the JMX exporter's (a Java client library).
    if (/^process_(resident_memory_bytes|cpu_seconds_total)$/.test(metric)) return ["prometheus", "kafka"];
    return undefined;
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
    const bare = expr
        .replace(/"[^"]*"/g, "")
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
    return [...bare.matchAll(/(?<![A-Za-z0-9_:])[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:]|\s*\()/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

/** Problems of provisioned dashboards: unknown datasource uids, metrics nobody exports or whose job isn't scraped. */
function auditDashboards(dashboards: Record<string, string>, datasourceUids: string[], scrapeJobs: string[]): string[] {
    const problems: string[] = [];
    for (const [file, text] of Object.entries(dashboards)) {
        const d = JSON.parse(text);
        for (const panel of d.panels) {
            for (const ds of [panel.datasource, ...panel.targets.map((t: any) => t.datasource)]) {
                if (!datasourceUids.includes(ds?.uid)) problems.push(`${file} "${panel.title}": datasource ${ds?.uid} is not provisioned`);
            }
            for (const t of panel.targets) {
                const names = metricNames(t.expr);
                if (names.length === 0) problems.push(`${file} "${panel.title}": ${t.expr} reads no metric`);
                for (const m of names) {
                    const from = sourcesOf(m);
                    if (!from) problems.push(`${file} "${panel.title}": ${m} is exported by nothing this platform runs`);
                    else if (!from.includes("*") && !from.some((j) => scrapeJobs.includes(j))) {
                        problems.push(`${file} "${panel.title}": ${m} comes from ${from.join("/")}, which Prometheus does not scrape`);
                    }
                }
            }
        }
    }
    return problems;
}

function provisioned(objs: any[]) {
    const datasources = yaml.load(find(objs, "ConfigMap", "grafana-provisioning").data["datasources.yaml"]) as any;
    const prom = find(objs, "ConfigMap", "prometheus-config");
    const scrapeJobs = prom ? (yaml.load(prom.data["prometheus.yml"]) as any).scrape_configs.map((j: any) => j.job_name) : [];
    return { datasources: datasources.datasources ?? [], dashboards: find(objs, "ConfigMap", "grafana-dashboards").data ?? {}, scrapeJobs };
}

describe("grafana", () => {
    it("extracts metric names from PromQL, not functions, labels or keywords", () => {
        assert.deepStrictEqual(metricNames('sum by (topic) (rate(kafka_topic_messages_in_total{topic="x"}[5m]))'), ["kafka_topic_messages_in_total"]);
        assert.deepStrictEqual(metricNames("count by (job) (up == 0)"), ["up"]);
        assert.deepStrictEqual(metricNames("a_total / on (job) b_total"), ["a_total", "b_total"]);
        assert.deepStrictEqual(metricNames("sum by (l) (a * on (pod) group_left (l) kube_pod_labels)"), ["a", "kube_pod_labels"]);
    });

    for (const stack of STACKS) {
        it(`${stack}: the Prometheus datasource is provisioned, and every dashboard panel reads metrics a scraped job exports`, async () => {
            const objs = await objectsOf(stack);
            const { datasources, dashboards, scrapeJobs } = provisioned(objs);
            assert.deepStrictEqual(
                datasources.map((d: any) => [d.uid, d.type, d.url]),
                [["prometheus", "prometheus", "http://prometheus.lakehouse.svc:9090"]],
            );
            assert.deepStrictEqual(Object.keys(dashboards).sort(), ["kafka.json", "platform-overview.json", "platform-pods.json", "spark.json", "vehicle-statistics.json"]);
            assert.deepStrictEqual(auditDashboards(dashboards, datasources.map((d: any) => d.uid), scrapeJobs), []);
            const grafana = find(objs, "Deployment", "grafana");
            assert.strictEqual(grafana.spec.template.metadata.annotations["lakehouse.io/connects-to"], "lakehouse/prometheus:http");
            const env = Object.fromEntries(grafana.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
            assert.deepStrictEqual(env.GF_SECURITY_ADMIN_PASSWORD, { secretKeyRef: { name: "grafana-admin", key: "password" } });
        });
    }

    it("the vehicle dashboard shows the gold job's gauges per vehicle type", async () => {
        const vehicles = JSON.parse(find(await objectsOf("dev"), "ConfigMap", "grafana-dashboards").data["vehicle-statistics.json"]);
        const exprs = vehicles.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
        for (const m of GOLD_METRICS) assert.ok(exprs.some((e: string) => metricNames(e).includes(m)), `${m} is not shown`);
        assert.strictEqual(GOLD_METRICS.length, 4);
    });

    it("the audit catches a panel on an unknown datasource or an unscraped metric", async () => {
        const { datasources, dashboards } = provisioned(await objectsOf("dev"));
        const broken = JSON.parse(dashboards["kafka.json"]);
        broken.panels[0].datasource = { type: "prometheus", uid: "elsewhere" };
        broken.panels[1].targets[0].expr = "rate(kafka_made_up_total[5m])";
        const problems = auditDashboards({ "kafka.json": JSON.stringify(broken) }, datasources.map((d: any) => d.uid), ["kafka"]);
        assert.ok(problems.some((p) => /datasource elsewhere is not provisioned/.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /kafka_made_up_total is exported by nothing/.test(p)), problems.join("\n"));
        assert.ok(auditDashboards({ "kafka.json": dashboards["kafka.json"] }, ["prometheus"], []).some((p) => /which Prometheus does not scrape/.test(p)));
    });

    it("provisions only the dashboards whose services are on; without Prometheus, no datasource and no dashboard", async () => {
        const noPipeline = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { pipeline: { enabled: false } } }));
        const a = provisioned(k8sObjects(noPipeline).map((r) => r.inputs));
        assert.deepStrictEqual(Object.keys(a.dashboards).sort(), ["kafka.json", "platform-overview.json", "platform-pods.json", "spark.json"]);
        assert.deepStrictEqual(auditDashboards(a.dashboards, ["prometheus"], a.scrapeJobs), []);
        const noProm = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { prometheus: { enabled: false }, kubeStateMetrics: { enabled: false } } }));
        const objs = k8sObjects(noProm).map((r) => r.inputs);
        const b = provisioned(objs);
        assert.deepStrictEqual(b.datasources, []);
        assert.deepStrictEqual(b.dashboards, {});
        assert.strictEqual(find(objs, "Deployment", "grafana").spec.template.metadata.annotations?.["lakehouse.io/connects-to"], undefined);
    });

    it("every dashboard file in dashboards/ is known to Grafana's provisioning", () => {
        assert.deepStrictEqual(fs.readdirSync(DASHBOARDS_DIR).sort(), dashboardFiles.map((d) => d.file).sort());
    });
});
