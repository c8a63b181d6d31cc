// promtool, built from the Prometheus module at the image's version, on what the program generates:
// `promtool check config` on every stack's prometheus.yml (from the Prometheus StatefulSet's ConfigMap),
// and `promtool test rules` for every query of every provisioned dashboard (from Grafana's dashboards
// ConfigMap) over series shaped the way each scrape job of the generated config would store them.
//
// How the stored series are made (scrapedAs): each exporter's own series (the labels it exposes itself,
// e.g. kube-state-metrics' `namespace` and `pod` of the pod it describes) get the target's labels: `job`,
// `instance` and what the job's relabel_configs set. Where a scraped label and a target label have the same
// name, Prometheus keeps the target's and renames the scraped one `exported_<name>`, unless the job sets
// `honor_labels: true`, when the scraped one is kept (Prometheus' configuration docs, <scrape_config>
// honor_labels). Only the relabel form the generated config uses (target_label + replacement) is modelled;
// any other relabel rule makes the test fail rather than be guessed at.
//
// The pods kube-state-metrics reports are the program's own: every StatefulSet and Deployment replica in
// the namespaces it watches (its --namespaces argument) and every SparkApplication's driver, so both team
// namespaces hold pods of the same name (the pi examples' drivers).

import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { parseBytes, parseCpu, parseSparkSize } from "../components/lib/quantity";
import { goModuleBinary, sandbox } from "./lib/downloads";
import { run } from "./lib/processes";
import { Loaded, container, loadAllOn, loadStack, mountVolumes, objectOf, podSpec } from "./lib/program";
import { timed } from "./lib/report";
import { k8sObjects } from "../tests/harness";

// The prom/prometheus image's version (components/catalog.ts) is v3.9.1; its Go module tags are v0.3XX.Y
// for Prometheus 3.XX.Y (the module's VERSION file says 3.9.1 at v0.309.1).
export const PROMETHEUS_MODULE = { module: "github.com/prometheus/prometheus", version: "v0.309.1" };
const PROMTOOL = `promtool ${PROMETHEUS_MODULE.version} (Go module proxy, ${PROMETHEUS_MODULE.module}/cmd/promtool)`;

function promtool(): Promise<string> {
    return goModuleBinary(PROMETHEUS_MODULE.module, PROMETHEUS_MODULE.version, "./cmd/promtool", "promtool");
}

/** prometheus.yml as the Prometheus container reads it: its --config.file in its mounted ConfigMap. */
function prometheusConfig(l: Loaded, dir: string): string {
    const sts = objectOf(l, "StatefulSet", "prometheus");
    const c = container(sts, "prometheus");
    const paths = mountVolumes(l, sts, c, dir);
    const arg = (c.args ?? []).find((a: string) => a.startsWith("--config.file="));
    assert.ok(arg, "the Prometheus container names its --config.file");
    const file = arg.slice("--config.file=".length);
    const mount = Object.keys(paths).find((m) => file.startsWith(`${m}/`));
    assert.ok(mount, `${file} is in no mounted volume`);
    return path.join(paths[mount], file.slice(mount.length + 1));
}

/** Every dashboard Grafana provisions: the JSON files of the ConfigMap mounted where its provider reads. */
function dashboards(l: Loaded, dir: string): Record<string, any> {
    const deploy = objectOf(l, "Deployment", "grafana");
    const paths = mountVolumes(l, deploy, container(deploy), dir);
    const out: Record<string, any> = {};
    for (const host of Object.values(paths)) {
        if (!fs.lstatSync(host).isDirectory()) continue;
        for (const f of fs.readdirSync(host)) if (f.endsWith(".json") && !f.startsWith("..")) out[f] = JSON.parse(fs.readFileSync(path.join(host, f), "utf8"));
    }
    return out;
}

function exprsOf(dashboard: any): string[] {
    const out: string[] = [];
    const walk = (panels: any[]) => {
        for (const p of panels ?? []) {
            for (const t of p.targets ?? []) if (t.expr) out.push(t.expr);
            walk(p.panels);
        }
    };
    walk(dashboard.panels);
    return out;
}

interface Series {
    name: string;
    labels: Record<string, string>;
    /** promtool's expanding notation, one sample a minute. */
    values: string;
}

/** The series a job's target stores for what its exporter exposes (see the header comment). */
function scrapedAs(config: any, job: string, instance: string, exposed: Series[]): Series[] {
    const sc = config.scrape_configs.find((s: any) => s.job_name === job);
    assert.ok(sc, `no scrape job ${job}`);
    const target: Record<string, string> = { job, instance };
    for (const r of sc.relabel_configs ?? []) {
        const supported = Object.keys(r).every((k) => k === "target_label" || k === "replacement") && (r.action ?? "replace") === "replace";
        assert.ok(supported, `job ${job}: relabel rule ${JSON.stringify(r)} is not modelled here`);
        target[r.target_label] = String(r.replacement);
    }
    // What every scrape adds, whatever the exporter exposes.
    const synthetic: Series[] = [{ name: "scrape_duration_seconds", labels: {}, values: "0.05+0x90" }];
    return [...exposed, ...synthetic].map((s) => {
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.labels)) {
            if (k in target && !sc.honor_labels) labels[`exported_${k}`] = v;
            else labels[k] = v;
        }
        for (const [k, v] of Object.entries(target)) if (!(k in labels) || !sc.honor_labels) labels[k] = v;
        return { ...s, labels };
    });
}

const gauge = (v: number) => `${v}+0x90`;
/** A counter growing by `perSecond`, one sample a minute. */
const counter = (perSecond: number) => `0+${perSecond * 60}x90`;

interface Pod {
    namespace: string;
    name: string;
    component?: string;
    containers: { name: string; resources?: any }[];
}

/** The pods kube-state-metrics would report: the program's workloads' replicas and SparkApplication drivers. */
function podsOf(l: Loaded, namespaces: string[]): Pod[] {
    const pods: Pod[] = [];
    for (const r of k8sObjects(l)) {
        const o = r.inputs;
        const ns = o.metadata?.namespace;
        if (!namespaces.includes(ns)) continue;
        const name = r.state.metadata?.name ?? o.metadata?.name;
        if (o.kind === "StatefulSet" || o.kind === "Deployment") {
            const spec = podSpec(o);
            const component = o.spec.template.metadata?.labels?.["app.kubernetes.io/component"];
            for (let i = 0; i < (o.spec.replicas ?? 1); i++) {
                pods.push({ namespace: ns, name: o.kind === "StatefulSet" ? `${name}-${i}` : `${name}-7d9f8c6b5d-${String.fromCharCode(97 + i)}x${i}`, component, containers: spec.containers });
            }
        } else if (o.kind === "SparkApplication") {
            // The operator names the driver pod <application>-driver; its labels are the driver's. Its
            // requests: the driver's cores and memory (Spark's memory overhead is not modelled).
            const d = o.spec.driver ?? {};
            const memory = d.memory ? String(parseSparkSize(d.memory)) : undefined;
            const cpu = d.coreRequest ?? (d.cores !== undefined ? String(d.cores) : undefined);
            const resources = { requests: { memory, cpu }, limits: { memory, cpu: d.coreLimit } };
            pods.push({ namespace: ns, name: `${name}-driver`, component: d.labels?.["app.kubernetes.io/component"], containers: [{ name: "spark-kubernetes-driver", resources }] });
        }
    }
    return pods;
}

/** kube-state-metrics' own series for the pods (its metric names and labels, v2.x). */
function kubeStateMetricsSeries(pods: Pod[]): Series[] {
    const out: Series[] = [];
    pods.forEach((p, i) => {
        const id = { namespace: p.namespace, pod: p.name, uid: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}` };
        out.push({ name: "kube_pod_labels", labels: { ...id, ...(p.component ? { label_app_kubernetes_io_component: p.component } : {}) }, values: gauge(1) });
        for (const condition of ["true", "false", "unknown"]) out.push({ name: "kube_pod_status_ready", labels: { ...id, condition }, values: gauge(condition === "true" ? 1 : 0) });
        for (const c of p.containers) {
            out.push({ name: "kube_pod_container_status_restarts_total", labels: { ...id, container: c.name }, values: gauge(0) });
            for (const kind of ["requests", "limits"] as const) {
                const mem = c.resources?.[kind]?.memory;
                const cpu = c.resources?.[kind]?.cpu;
                if (mem) out.push({ name: `kube_pod_container_resource_${kind}`, labels: { ...id, container: c.name, node: "node-1", resource: "memory", unit: "byte" }, values: gauge(parseBytes(mem)!) });
                if (cpu) out.push({ name: `kube_pod_container_resource_${kind}`, labels: { ...id, container: c.name, node: "node-1", resource: "cpu", unit: "core" }, values: gauge(parseCpu(cpu)!) });
            }
        }
    });
    return out;
}

function seriesText(s: Series): string {
    const labels = Object.entries(s.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    return `${s.name}{${labels}}`;
}

describe("prometheus (promtool)", function () {
    for (const [name, load] of [
        ["dev", () => loadStack("dev")],
        ["dev with every service on", () => loadAllOn("dev")],
        ["prod", () => loadStack("prod")],
        ["prod with every service on", () => loadAllOn("prod")],
    ] as const) {
        it(`check config accepts ${name}'s prometheus.yml`, async () => {
            const l = await load();
            const bin = await promtool();
            await timed("prometheus", `${PROMTOOL}: check config (${name})`, async () => {
                const file = prometheusConfig(l, sandbox("prometheus-config"));
                const r = run([bin, "check", "config", file], { timeoutMs: 60000 });
                assert.equal(r.code, 0, r.stdout + r.stderr);
                assert.match(r.stdout + r.stderr, /SUCCESS/);
            });
        });
    }

    it("every dashboard query evaluates over the series the scrape jobs store, two team namespaces holding pods of the same name", async () => {
        const l = await loadAllOn("dev");
        const bin = await promtool();
        await timed("prometheus", `${PROMTOOL}: test rules, every dashboard query`, async () => {
            const dir = sandbox("prometheus-rules");
            const config = yaml.load(fs.readFileSync(prometheusConfig(l, dir), "utf8")) as any;
            const boards = dashboards(l, path.join(dir, "grafana"));
            const onDisk = fs.readdirSync(path.join(__dirname, "..", "dashboards")).filter((f) => f.endsWith(".json"));
            assert.deepEqual(Object.keys(boards).sort(), onDisk.sort(), "dev with every service on provisions every dashboard");

            const ksm = container(objectOf(l, "Deployment", "kubeStateMetrics"));
            const watched = (ksm.args.find((a: string) => a.startsWith("--namespaces=")) ?? "").slice("--namespaces=".length).split(",");
            const pods = podsOf(l, watched);
            const drivers = pods.filter((p) => p.name === "pyspark-pi-driver").map((p) => p.namespace);
            assert.ok(drivers.length >= 2, `two team namespaces hold a pyspark-pi-driver pod (found in ${drivers})`);

            const jobs: string[] = config.scrape_configs.map((s: any) => s.job_name);
            const down = "clickhouse"; // one target down, so the "targets down" panel has something to show
            const withProcess = ["prometheus", "kafka", "kube-state-metrics"]; // exporters with the standard process collector
            const series: Series[] = [];
            for (const job of jobs) {
                const instance = job === "prometheus" ? "localhost:9090" : `10.244.0.${10 + jobs.indexOf(job)}:${config.scrape_configs.find((s: any) => s.job_name === job).dns_sd_configs[0].port}`;
                const exposed: Series[] = [{ name: "up", labels: {}, values: gauge(job === down ? 0 : 1) }];
                if (job !== down && withProcess.includes(job)) {
                    exposed.push({ name: "process_resident_memory_bytes", labels: {}, values: gauge(100 * 2 ** 20) });
                    exposed.push({ name: "process_cpu_seconds_total", labels: {}, values: counter(0.5) });
                }
                if (job === "kube-state-metrics") exposed.push(...kubeStateMetricsSeries(pods));
                if (job === "kafka") {
                    exposed.push(
                        { name: "kafka_topic_messages_in_total", labels: { topic: "vehicle-events" }, values: counter(10) },
                        { name: "kafka_topic_bytes_in_total", labels: { topic: "vehicle-events" }, values: counter(2048) },
                        { name: "kafka_topic_bytes_out_total", labels: { topic: "vehicle-events" }, values: counter(4096) },
                        { name: "kafka_partition_log_end_offset", labels: { topic: "vehicle-events", partition: "0" }, values: gauge(1200) },
                        { name: "kafka_server_under_replicated_partitions", labels: {}, values: gauge(0) },
                        { name: "kafka_controller_active_controller_count", labels: {}, values: gauge(1) },
                    );
                }
                if (job === "spark-master") {
                    exposed.push(
                        { name: "metrics_master_aliveWorkers_Value", labels: { type: "gauges" }, values: gauge(2) },
                        { name: "metrics_master_apps_Value", labels: { type: "gauges" }, values: gauge(4) },
                        { name: "metrics_master_waitingApps_Value", labels: { type: "gauges" }, values: gauge(0) },
                    );
                }
                if (job === "spark-worker") {
                    exposed.push(
                        { name: "metrics_worker_coresUsed_Value", labels: { type: "gauges" }, values: gauge(2) },
                        { name: "metrics_worker_coresFree_Value", labels: { type: "gauges" }, values: gauge(0) },
                        { name: "metrics_worker_memUsed_MB_Value", labels: { type: "gauges" }, values: gauge(1024) },
                        { name: "metrics_worker_executors_Value", labels: { type: "gauges" }, values: gauge(2) },
                    );
                }
                if (job === "vehicles-gold") {
                    for (const [type, n] of [["car", 120], ["scooter", 60]] as const) {
                        exposed.push(
                            { name: "lakehouse_vehicle_events", labels: { vehicle_type: type }, values: gauge(n) },
                            { name: "lakehouse_vehicle_battery_avg", labels: { vehicle_type: type }, values: gauge(50) },
                            { name: "lakehouse_vehicle_battery_min", labels: { vehicle_type: type }, values: gauge(5) },
                            { name: "lakehouse_vehicle_battery_max", labels: { vehicle_type: type }, values: gauge(95) },
                        );
                    }
                }
                series.push(...scrapedAs(config, job, instance, exposed));
            }

            // What each query must return at 70m, from the same inputs (one target per job in dev).
            const perComponent = (f: (p: Pod) => number) => {
                const sums = new Map<string, number>();
                for (const p of pods) sums.set(p.component ?? "", (sums.get(p.component ?? "") ?? 0) + f(p));
                return [...sums].map(([c, value]) => ({ labels: c ? `{label_app_kubernetes_io_component="${c}"}` : "{}", value }));
            };
            const resource = (kind: "requests" | "limits", res: "memory" | "cpu") => (p: Pod) =>
                p.containers.reduce((a, c) => a + ((res === "memory" ? parseBytes : parseCpu)(c.resources?.[kind]?.[res] ?? "0") ?? 0), 0);
            const up = jobs.filter((j) => j !== down);
            const expected: Record<string, { labels: string; value: number }[]> = {
                "sum by (job) (up)": jobs.map((j) => ({ labels: `{job="${j}"}`, value: j === down ? 0 : 1 })),
                "count by (job) (up == 0)": [{ labels: `{job="${down}"}`, value: 1 }],
                "sum by (job) (process_resident_memory_bytes)": withProcess.map((j) => ({ labels: `{job="${j}"}`, value: 100 * 2 ** 20 })),
                "sum by (job) (rate(process_cpu_seconds_total[5m]))": withProcess.map((j) => ({ labels: `{job="${j}"}`, value: 0.5 })),
                "max by (job) (scrape_duration_seconds)": jobs.map((j) => ({ labels: `{job="${j}"}`, value: 0.05 })),
                'sum by (label_app_kubernetes_io_component) (kube_pod_status_ready{condition="true"} * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)': perComponent(() => 1),
                "sum by (label_app_kubernetes_io_component) (increase(kube_pod_container_status_restarts_total[1h]) * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)": perComponent(() => 0),
                'sum by (label_app_kubernetes_io_component) (kube_pod_container_resource_requests{resource="memory"} * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)': perComponent(resource("requests", "memory")),
                'sum by (label_app_kubernetes_io_component) (kube_pod_container_resource_limits{resource="memory"} * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)': perComponent(resource("limits", "memory")),
                'sum by (label_app_kubernetes_io_component) (kube_pod_container_resource_requests{resource="cpu"} * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)': perComponent(resource("requests", "cpu")),
                'sum by (label_app_kubernetes_io_component) (kube_pod_container_resource_limits{resource="cpu"} * on (namespace, pod) group_left (label_app_kubernetes_io_component) kube_pod_labels)': perComponent(resource("limits", "cpu")),
                "sum by (topic) (rate(kafka_topic_messages_in_total[5m]))": [{ labels: '{topic="vehicle-events"}', value: 10 }],
                "sum by (topic) (rate(kafka_topic_bytes_in_total[5m]))": [{ labels: '{topic="vehicle-events"}', value: 2048 }],
                "sum by (topic) (rate(kafka_topic_bytes_out_total[5m]))": [{ labels: '{topic="vehicle-events"}', value: 4096 }],
                "kafka_partition_log_end_offset": series.filter((s) => s.name === "kafka_partition_log_end_offset").map((s) => ({ labels: seriesText(s), value: 1200 })),
                "sum(kafka_server_under_replicated_partitions)": [{ labels: "{}", value: 0 }],
                "sum(kafka_controller_active_controller_count)": [{ labels: "{}", value: 1 }],
                ...Object.fromEntries(
                    ["metrics_master_aliveWorkers_Value", "metrics_master_apps_Value", "metrics_master_waitingApps_Value", "metrics_worker_coresUsed_Value", "metrics_worker_coresFree_Value", "metrics_worker_memUsed_MB_Value", "metrics_worker_executors_Value", "lakehouse_vehicle_events", "lakehouse_vehicle_battery_avg", "lakehouse_vehicle_battery_min", "lakehouse_vehicle_battery_max"].map((m) => [
                        m,
                        series.filter((s) => s.name === m).map((s) => ({ labels: seriesText(s), value: Number(s.values.split("+")[0]) })),
                    ]),
                ),
                "sum(lakehouse_vehicle_events)": [{ labels: "{}", value: 180 }],
            };
            assert.deepEqual(up.length + 1, jobs.length);

            const exprs = [...new Set(Object.values(boards).flatMap(exprsOf))];
            const missing = exprs.filter((e) => !(e in expected));
            assert.deepEqual(missing, [], "every dashboard query has an expected result here");
            const tests = {
                tests: [
                    {
                        interval: "1m",
                        input_series: series.map((s) => ({ series: seriesText(s), values: s.values })),
                        promql_expr_test: exprs.map((expr) => ({ expr, eval_time: "70m", exp_samples: expected[expr] })),
                    },
                ],
            };
            const file = path.join(dir, "dashboards.test.yml");
            fs.writeFileSync(file, yaml.dump(tests, { lineWidth: -1 }));
            const r = run([bin, "test", "rules", file], { timeoutMs: 120000 });
            assert.equal(r.code, 0, `promtool test rules ${file}:\n${(r.stdout + r.stderr).slice(0, 6000)}`);
        });
    });
});
