import * as assert from "assert";
import * as yaml from "js-yaml";
import { CHART_PODS_ANNOTATION } from "../components/cluster/sparkOperator";
import { historyJars } from "../components/compute/sparkHistory";
import { STACKS, k8sObjects, loadProgram, loadStack, nameOf, sparkApplicationPods, withOverrides } from "./harness";

const objects = async (stack: string) => k8sObjects(await loadStack(stack)).map((r) => r.inputs);
const named = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && nameOf(o) === name);

describe("observability", () => {
    for (const stack of STACKS) {
        it(`${stack}: every scrape target names a headless Service whose pods serve that port`, async () => {
            const objs = await objects(stack);
            // prod also runs the platform services that serve metrics (Nessie, Flink, ClickHouse, Trino).
            const platformTargets = stack === "prod" ? ["nessie", "flink-jobmanager", "flink-taskmanager", "clickhouse", "trino-coordinator"] : [];
            const ports: Record<string, string> = {
                "spark-operator": "metrics",
                "kube-state-metrics": "http-metrics",
                kafka: "metrics",
                "spark-master": "ui",
                "spark-worker": "ui",
                "vehicles-gold": "metrics",
                nessie: "management",
                clickhouse: "metrics",
                "flink-jobmanager": "metrics",
                "flink-taskmanager": "metrics",
                "trino-coordinator": "http",
            };
            const targets = ["kafka", "kube-state-metrics", "spark-master", "spark-operator", "spark-worker", "vehicles-gold", ...platformTargets];
            assert.deepStrictEqual(auditScrapeTargets(objs), [...targets].sort());
            const declared = named(objs, "StatefulSet", "prometheus").spec.template.metadata.annotations["lakehouse.io/connects-to"];
            assert.deepStrictEqual(
                declared.split(",").sort(),
                // The gold job's driver runs in the pipeline's team namespace under the operator launcher.
                targets.map((t) => `${({ "spark-operator": "spark-operator", "vehicles-gold": "team-alpha" } as Record<string, string>)[t] ?? "lakehouse"}/${t}:${ports[t]}`).sort(),
                "Prometheus declares what it scrapes",
            );
        });

        it(`${stack}: Spark's metrics servlet is configured where the scrape paths expect it`, async () => {
            const objs = await objects(stack);
            const props: string = named(objs, "ConfigMap", "spark-defaults").data["metrics.properties"];
            assert.match(props, /^\*\.sink\.prometheusServlet\.class=org\.apache\.spark\.metrics\.sink\.PrometheusServlet$/m);
            assert.match(props, /^master\.sink\.prometheusServlet\.path=\/metrics\/master\/prometheus$/m);
            for (const name of ["spark-master", "spark-worker"]) {
                const mounts = named(objs, "Deployment", name).spec.template.spec.containers[0].volumeMounts;
                assert.ok(mounts.some((m: any) => m.mountPath === "/opt/spark/conf/metrics.properties" && m.subPath === "metrics.properties"), name);
            }
        });

        it(`${stack}: applications log events to the bucket, and the History Server reads the same place`, async () => {
            const objs = await objects(stack);
            const defaults: string = named(objs, "ConfigMap", "spark-defaults").data["spark-defaults.conf"];
            assert.match(defaults, /^spark\.eventLog\.enabled true$/m);
            assert.match(defaults, /^spark\.eventLog\.dir s3a:\/\/lakehouse\/spark-events$/m);
            const history: string = named(objs, "ConfigMap", "spark-history-conf").data["spark-defaults.conf"];
            assert.match(history, /^spark\.history\.fs\.logDirectory s3a:\/\/lakehouse\/spark-events$/m);
            assert.doesNotMatch(history, /^spark\.master /m, "the History Server runs no application");
            assert.match(history, /^spark\.hadoop\.fs\.s3a\.endpoint http:\/\/object-store\.lakehouse\.svc:9000$/m);
            const job = named(objs, "Job", "object-store-buckets").spec.template.spec.containers[0];
            const folders = job.env.find((e: any) => e.name === "FOLDERS").value.split(" ");
            assert.ok(folders.includes("lakehouse/spark-events/"), "Spark needs the log directory to exist");
            const jupyter: string = named(objs, "ConfigMap", "jupyter-files").data["spark-defaults.conf"];
            assert.match(jupyter, /^spark\.eventLog\.dir s3a:\/\/lakehouse\/spark-events$/m, "notebook sessions log too");
        });
    }

    it("the History Server fetches the S3A jars matching Spark's Hadoop from Maven Central", () => {
        assert.deepStrictEqual(historyJars(), [
            { name: "hadoop-aws-3.4.1.jar", url: "https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.4.1/hadoop-aws-3.4.1.jar" },
            { name: "bundle-2.24.6.jar", url: "https://repo1.maven.org/maven2/software/amazon/awssdk/bundle/2.24.6/bundle-2.24.6.jar" },
        ]);
    });

    it("without the History Server, nothing logs events and no folder is made", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { sparkHistory: { enabled: false } } }));
        const objs = k8sObjects(l).map((r) => r.inputs);
        assert.doesNotMatch(named(objs, "ConfigMap", "spark-defaults").data["spark-defaults.conf"], /eventLog/);
        const folders = named(objs, "Job", "object-store-buckets").spec.template.spec.containers[0].env.find((e: any) => e.name === "FOLDERS").value;
        assert.ok(!folders.includes("spark-events"), folders);
        assert.strictEqual(named(objs, "Deployment", "spark-history"), undefined);
    });

    it("the minio engine is scraped on its public cluster-metrics path; rustfs, which only pushes OTLP, is not", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { objectStore: { engine: "minio" } } }));
        const objs = k8sObjects(l).map((r) => r.inputs);
        assert.deepStrictEqual(auditScrapeTargets(objs), ["kafka", "kube-state-metrics", "object-store", "spark-master", "spark-operator", "spark-worker", "vehicles-gold"]);
        const config = yaml.load(named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as any;
        const job = config.scrape_configs.find((j: any) => j.job_name === "object-store");
        assert.strictEqual(job.metrics_path, "/minio/v2/metrics/cluster");
        const env = named(objs, "StatefulSet", "object-store").spec.template.spec.containers[0].env;
        assert.strictEqual(env.find((e: any) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE").value, "public", "otherwise MinIO asks for a bearer token");
    });

    it("kube-state-metrics reads only pods, of the platform's and the teams' namespaces, with a read-only role", async () => {
        const objs = await objects("dev");
        const ksm = named(objs, "Deployment", "kube-state-metrics").spec.template.spec;
        assert.strictEqual(ksm.serviceAccountName, "kube-state-metrics");
        assert.strictEqual(ksm.automountServiceAccountToken, true, "it calls the API");
        assert.deepStrictEqual(ksm.containers[0].args, [
            "--resources=pods",
            "--namespaces=lakehouse,team-alpha,team-beta",
            "--metric-labels-allowlist=pods=[app.kubernetes.io/component]",
        ]);
        const role = objs.find((o) => o.kind === "ClusterRole" && o.metadata.name === "lakehouse-kube-state-metrics");
        assert.deepStrictEqual(role?.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }]);
        const binding = objs.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "lakehouse-kube-state-metrics");
        assert.deepStrictEqual(binding?.subjects, [{ kind: "ServiceAccount", name: "kube-state-metrics", namespace: "lakehouse" }]);
        const egress = objs.find(
            (o) => o.kind === "NetworkPolicy" && o.metadata.namespace === "lakehouse" && o.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] === "kube-state-metrics",
        );
        assert.deepStrictEqual(egress?.spec.egress, [{ ports: [{ port: 443, protocol: "TCP" }, { port: 6443, protocol: "TCP" }] }], "the API server, by port");
        const others = objs.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind) && o.spec.template.spec.automountServiceAccountToken);
        assert.deepStrictEqual(others.map((o) => o.metadata.name), ["kube-state-metrics"], "no other dev workload gets an API token");
    });

    it("kube-state-metrics' own namespace label is kept (honor_labels), so dashboards join pods per namespace; no other job overrides target labels", async () => {
        // The conformance suite (conformance/prometheus.test.ts) evaluates the dashboards over these series with promtool.
        const objs = await objects("dev");
        const config = yaml.load(named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as any;
        const honoring = config.scrape_configs.filter((j: any) => j.honor_labels).map((j: any) => j.job_name);
        assert.deepStrictEqual(honoring, ["kube-state-metrics"]);
    });

    it("retention and volume size are per stack", async () => {
        const args = (stack: string) => objects(stack).then((o) => named(o, "StatefulSet", "prometheus"));
        const dev = await args("dev");
        const prod = await args("prod");
        assert.ok(dev.spec.template.spec.containers[0].args.includes("--storage.tsdb.retention.time=3d"));
        assert.ok(prod.spec.template.spec.containers[0].args.includes("--storage.tsdb.retention.time=15d"));
        assert.strictEqual(prod.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "50Gi");
    });
});

/**
 * Checks every DNS-discovered scrape job of the rendered prometheus.yml: it names a headless Service that
 * selects exactly one workload whose containers serve the port, and Prometheus declares the Link.
 * Returns the job names, sorted.
 */
function auditScrapeTargets(objs: any[]): string[] {
    const config = yaml.load(named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as any;
    const jobs = config.scrape_configs.filter((j: any) => j.dns_sd_configs);
    const declared: string = named(objs, "StatefulSet", "prometheus").spec.template.metadata.annotations["lakehouse.io/connects-to"];
    for (const job of jobs) {
        const [host] = job.dns_sd_configs[0].names;
        const [svcName, ns] = host.split(".");
        const svc = objs.find((o) => o.kind === "Service" && o.metadata.name === svcName && o.metadata.namespace === ns);
        assert.ok(svc, `${job.job_name}: no Service ${ns}/${svcName}`);
        assert.strictEqual(svc.spec.clusterIP, "None", "DNS discovery needs a headless Service (one A record per pod)");
        // A chart's pods never reach the mocks (the cluster layer's tests check such selectors against the release's values).
        if (svc.metadata.annotations?.[CHART_PODS_ANNOTATION]) {
            const release = svc.metadata.annotations[CHART_PODS_ANNOTATION];
            assert.ok(declared.split(",").includes(`${ns}/${release}:${svc.spec.ports[0].name}`), `Prometheus declares a link to ${job.job_name}`);
            continue;
        }
        // Workloads' pod templates and the pods SparkApplications run (a streaming job's driver serves metrics too).
        const candidates = [
            ...objs.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind)).map((o) => ({ name: o.metadata.name, namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels, spec: o.spec.template.spec })),
            ...sparkApplicationPods(objs).map((p) => ({ ...p, name: p.where.split(" ")[1].split("/")[1] })),
        ];
        const pods = candidates.filter((o) => o.namespace === ns && Object.entries(svc.spec.selector).every(([k, v]) => o.labels[k] === v));
        assert.strictEqual(pods.length, 1, `${host} selects one workload`);
        const ports = pods[0].spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
        assert.ok(ports.includes(job.dns_sd_configs[0].port), `${job.job_name}: port ${job.dns_sd_configs[0].port}`);
        assert.match(job.metrics_path, /^\//);
        assert.ok(declared.split(",").some((l) => l.startsWith(`${ns}/${pods[0].name}:`)), `Prometheus declares a link to ${job.job_name}`);
    }
    return jobs.map((j: any) => j.job_name).sort();
}
