import * as assert from "assert";
import { catalog, streamingPackages } from "../components/catalog";
import { parseConfig } from "../components/config";
import { totalDemand } from "../components/lib/sparkApplication";
import { parseBytes, parseCpu } from "../components/lib/quantity";
import { operatorJobSizes } from "../components/streaming/pipelineLauncher";
import { checkDeclaredLinks, checkReferences, checkServiceSelectors } from "./checks";
import { Loaded, dependenciesOf, k8sObjects, loadProgram, loadStack, nameOf, stackConfig, withOverrides } from "./harness";

// The medallion pipeline under the Spark Operator (dev and prod have the operator on, so `auto` picks it):
// SparkApplications in the first team's namespace, with what they read copied or linked there.

const JOBS = ["vehicles-bronze", "vehicles-silver", "vehicles-gold", "vehicles-cassandra"];
const objects = (l: Loaded) => k8sObjects(l).map((r) => r.inputs);
const apps = (l: Loaded) => k8sObjects(l).filter((r) => r.inputs.kind === "SparkApplication" && r.inputs.metadata.labels["app.kubernetes.io/component"] === "pipeline");
const app = (l: Loaded, name: string) => apps(l).find((r) => r.inputs.metadata.name === name)!;
const envOf = (pod: any) => Object.fromEntries(pod.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const find = (l: Loaded, kind: string, ns: string, name: string): any => objects(l).find((o) => o.kind === kind && o.metadata.namespace === ns && nameOf(o) === name);

describe("pipeline launcher: config", () => {
    it("auto picks the operator when it is on, standalone when it is off; the team defaults to the first", () => {
        const dev = parseConfig(stackConfig("dev"), "dev").services.pipeline;
        assert.deepStrictEqual([dev.launcher, dev.team], ["operator", "team-alpha"]);
        const off = parseConfig(withOverrides("dev", { "lakehouse:services": { sparkOperator: { enabled: false } } }), "dev").services.pipeline;
        assert.strictEqual(off.launcher, "standalone");
        const beta = parseConfig(withOverrides("dev", { "lakehouse:services": { pipeline: { team: "team-beta" } } }), "dev").services.pipeline;
        assert.strictEqual(beta.team, "team-beta");
        const forced = parseConfig(withOverrides("prod", { "lakehouse:services": { pipeline: { launcher: "standalone" }, airflow: { medallionDag: false } } }), "prod").services.pipeline;
        assert.strictEqual(forced.launcher, "standalone");
    });

    it("the dev jobs fit the default quota beside the examples, which is what config checks", () => {
        const cfg = parseConfig(stackConfig("dev"), "dev");
        const need = totalDemand(Array.from({ length: 4 }, () => operatorJobSizes(cfg.services.pipeline)));
        // 8 pods: 512m heap + 384m overhead each; a core's limit each (coresPerJob 1, the driver's limit 1).
        assert.deepStrictEqual(need, { pods: 8, requestsCpu: 0.4, limitsCpu: 8, requestsMemory: 8 * 896 * 2 ** 20, limitsMemory: 8 * 896 * 2 ** 20 });
        const q = cfg.teams[0].quota;
        assert.ok(need.limitsMemory <= parseBytes(q.limits.memory)! && need.limitsCpu <= parseCpu(q.limits.cpu)! && need.pods <= q.pods);
    });
});

describe("pipeline launcher: operator", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: one SparkApplication per job in the team namespace, as the team's account, on the Spark cluster's image`, async () => {
            const l = await loadStack(stack);
            assert.deepStrictEqual(apps(l).map((r) => r.inputs.metadata.name).sort(), [...JOBS].sort());
            assert.ok(!objects(l).some((o) => o.kind === "Deployment" && o.metadata.name.startsWith("vehicles-")), "no standalone drivers");
            const worker = find(l, "Deployment", "lakehouse", "spark-worker");
            const cfg = parseConfig(stackConfig(stack), stack).services.pipeline;
            for (const r of apps(l)) {
                const a = r.inputs;
                assert.strictEqual(a.metadata.namespace, "team-alpha");
                assert.strictEqual(a.spec.driver.serviceAccount, "spark");
                assert.strictEqual(a.spec.image, worker.spec.template.spec.containers[0].image, "driver Python and Spark match the cluster's");
                assert.strictEqual(a.spec.driver.securityContext.runAsUser, catalog.spark.uid);
                assert.strictEqual(a.spec.type, "Python");
                assert.strictEqual(a.spec.mainApplicationFile, `local:///opt/lakehouse/jobs/${a.metadata.name.replace("vehicles-", "").replace("cassandra", "cassandra_sink")}.py`);
                assert.deepStrictEqual(a.spec.deps.pyFiles, ["local:///opt/lakehouse/jobs/medallion.py"]);
                const code = find(l, "ConfigMap", "team-alpha", "vehicles-code");
                assert.ok(code, "the code ConfigMap is in the team namespace");
                assert.deepStrictEqual(a.spec.volumes, [{ name: "config-0", configMap: { name: code.metadata.name } }]);
                assert.deepStrictEqual(a.spec.restartPolicy, { type: "Always", onFailureRetryInterval: 30, onSubmissionFailureRetryInterval: 60 }, "a stream restarts");
                assert.strictEqual(a.spec.sparkConf["spark.master"], undefined, "the operator sets the master");
                assert.deepStrictEqual([a.spec.driver.memory, a.spec.executor.memory, a.spec.executor.cores, a.spec.executor.instances], [cfg.driverMemory, cfg.executorMemory, cfg.coresPerJob, 1]);
                assert.match(a.spec.deps.packages[0], /^org\.apache\.hadoop:hadoop-aws:/, "the cluster's packages first");
            }
            assert.ok(app(l, "vehicles-bronze").inputs.spec.deps.packages.includes(streamingPackages.kafka));
            assert.ok(app(l, "vehicles-cassandra").inputs.spec.deps.packages.includes(streamingPackages.cassandra));
        });

        it(`${stack}: event logs go where the History Server reads, as the Spark cluster's defaults say`, async () => {
            const l = await loadStack(stack);
            const defaults: string = find(l, "ConfigMap", "lakehouse", "spark-defaults").data["spark-defaults.conf"];
            const dir = /^spark\.eventLog\.dir (.+)$/m.exec(defaults)![1];
            assert.match(dir, /^s3a:\/\/lakehouse\/spark-events/);
            for (const r of apps(l)) {
                assert.strictEqual(r.inputs.spec.sparkConf["spark.eventLog.enabled"], "true");
                assert.strictEqual(r.inputs.spec.sparkConf["spark.eventLog.dir"], dir);
            }
        });
    }

    it("without the History Server, the applications log no events", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { sparkHistory: { enabled: false } } }));
        for (const r of apps(l)) assert.strictEqual(r.inputs.spec.sparkConf["spark.eventLog.enabled"], undefined);
    });

    it("the team namespace gets copies of exactly the Secret keys the jobs read, under the same names", async () => {
        const l = await loadStack("dev");
        assert.deepStrictEqual(checkReferences(objects(l)), []);
        const s3 = find(l, "Secret", "team-alpha", "object-store-root");
        const cass = find(l, "Secret", "team-alpha", "cassandra-users");
        assert.deepStrictEqual(Object.keys(s3.stringData).sort(), ["accessKey", "secretKey"]);
        assert.deepStrictEqual(Object.keys(cass.stringData).sort(), ["password", "username"], "not the superuser's login");
        // Same random values as the originals.
        const orig = find(l, "Secret", "lakehouse", "object-store-root");
        assert.deepStrictEqual(s3.stringData, orig.stringData);
        const sink = envOf(app(l, "vehicles-cassandra").inputs.spec.driver);
        assert.deepStrictEqual(sink.CASSANDRA_PASSWORD, { secretKeyRef: { name: "cassandra-users", key: "password" } });
        assert.deepStrictEqual(sink.AWS_SECRET_ACCESS_KEY, { secretKeyRef: { name: "object-store-root", key: "secretKey" } });
        // Names of env vars only, never values; jobs/medallion.py sets these on the session.
        assert.strictEqual(sink.LAKEHOUSE_SECRET_CONF, "spark.cassandra.auth.username=CASSANDRA_USERNAME,spark.cassandra.auth.password=CASSANDRA_PASSWORD");
        for (const r of apps(l)) assert.ok(!JSON.stringify(r.inputs).includes(orig.stringData.secretKey), "no secret value in a manifest");
    });

    it("runs bronze after the topic and the operator, silver after bronze, gold and the sink after silver", async () => {
        const l = await loadStack("dev");
        const deps = (name: string) => dependenciesOf(app(l, name));
        for (const name of JOBS) {
            assert.ok(deps(name).includes("spark-operator"), `${name} waits for the operator's release (its CRD): ${deps(name)}`);
            assert.ok(deps(name).includes("vehicles-code") && deps(name).includes("vehicles-object-store-root"), `${name}: code and secrets first`);
        }
        assert.ok(deps("vehicles-bronze").some((d) => d.startsWith("kafka-topics")), `${deps("vehicles-bronze")}`);
        assert.ok(deps("vehicles-silver").includes("vehicles-bronze"));
        assert.ok(deps("vehicles-gold").includes("vehicles-silver"));
        assert.ok(deps("vehicles-cassandra").includes("vehicles-silver") && deps("vehicles-cassandra").some((d) => d.startsWith("cassandra-schema")));
    });

    it("drivers and executors reach Kafka, the object store and Cassandra across namespaces, and nothing else is opened", async () => {
        const l = await loadStack("dev");
        assert.deepStrictEqual(checkDeclaredLinks(objects(l)), []);
        const bronze = app(l, "vehicles-bronze").inputs;
        assert.strictEqual(bronze.spec.driver.annotations["lakehouse.io/connects-to"], "lakehouse/object-store:s3,lakehouse/kafka:client");
        // The audit reads the applications' arguments and Spark settings: without the Kafka link, bronze is caught.
        const unlinked = { ...bronze.spec.driver, annotations: { "lakehouse.io/connects-to": "lakehouse/object-store:s3" } };
        const broken = objects(l).map((o) => (o === bronze ? { ...o, spec: { ...o.spec, driver: unlinked } } : o));
        assert.deepStrictEqual(checkDeclaredLinks(broken), ["SparkApplication team-alpha/vehicles-bronze driver connects to lakehouse/kafka:client without declaring it in connectsTo"]);
        // The network audit (network.test.ts) proves every declared link open and nothing more; here, the shape.
        const pols: any[] = objects(l).filter((o) => o.kind === "NetworkPolicy");
        const kafkaIn = pols.find((p) => p.metadata.name === "allow-vehicles-bronze-to-kafka-client");
        assert.strictEqual(kafkaIn.metadata.namespace, "lakehouse");
        assert.deepStrictEqual(kafkaIn.spec.ingress[0].from[0], {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "vehicles-bronze", "app.kubernetes.io/part-of": "lakehouse" } },
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "team-alpha" } },
        });
        const out = pols.find((p) => p.metadata.name === "allow-vehicles-bronze-egress");
        assert.strictEqual(out.metadata.namespace, "team-alpha");
        assert.deepStrictEqual(out.spec.egress.map((e: any) => e.ports[0].port), [9000, 9092]);
        for (const role of ["driver", "executor"]) {
            const labels = bronze.spec[role].labels;
            assert.ok(Object.entries(out.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v), `the egress policy selects the ${role}`);
        }
        assert.ok(!pols.some((p) => p.metadata.name === "allow-vehicles-bronze-to-cassandra-cql"), "bronze never declared Cassandra");
    });

    it("the gold driver's metrics are scraped through a headless Service in the team namespace", async () => {
        const l = await loadStack("dev");
        assert.deepStrictEqual(checkServiceSelectors(objects(l)), []);
        const svc = find(l, "Service", "team-alpha", "vehicles-gold");
        assert.strictEqual(svc.spec.clusterIP, "None");
        assert.deepStrictEqual(svc.spec.selector, { "app.kubernetes.io/name": "vehicles-gold", "app.kubernetes.io/part-of": "lakehouse", "spark-role": "driver" });
        assert.deepStrictEqual(app(l, "vehicles-gold").inputs.spec.driver.ports, [{ name: "metrics", containerPort: 9108, protocol: "TCP" }]);
        const prom: string = find(l, "ConfigMap", "lakehouse", "prometheus-config").data["prometheus.yml"];
        assert.match(prom, /names: \['vehicles-gold\.team-alpha\.svc'\]/);
    });

    it("with the operator off, the jobs fall back to standalone drivers in the platform namespace", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { sparkOperator: { enabled: false } } }));
        assert.deepStrictEqual(apps(l), []);
        assert.deepStrictEqual(objects(l).filter((o) => o.kind === "Deployment" && o.metadata.name.startsWith("vehicles-")).map((o) => o.metadata.namespace), Array(4).fill("lakehouse"));
        assert.ok(!objects(l).some((o) => o.kind === "Secret" && o.metadata.namespace !== "lakehouse"), "no copies needed");
    });
});

describe("pipeline launcher: Airflow's medallion DAG", () => {
    it("gets the pipeline's SparkApplications in start order, waits for RUNNING on streams, and may manage them in the team namespace", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { postgres: { enabled: true }, airflow: { enabled: true, medallionDag: true } } }));
        const dags = find(l, "ConfigMap", "lakehouse", "airflow-dags").data;
        const jobs = JSON.parse(dags["medallion_jobs.json"]);
        assert.strictEqual(jobs.namespace, "team-alpha");
        assert.deepStrictEqual(jobs.jobs.map((j: any) => [j.name, j.streaming]), JOBS.map((n) => [n, true]));
        // The DAG creates exactly what Pulumi created, so a rerun leaves no drift.
        for (const j of jobs.jobs) {
            const { apiVersion, kind, metadata, spec } = app(l, j.name).inputs;
            assert.deepStrictEqual(j.manifest, JSON.parse(JSON.stringify({ apiVersion, kind, metadata, spec })));
        }
        assert.match(dags["lakehouse_medallion.py"], /state == "COMPLETED" or \(job\["streaming"\] and state == "RUNNING"\)/);
        assert.strictEqual(find(l, "Role", "team-alpha", "airflow-pipeline").rules[0].resources[0], "sparkapplications");
    });

    it("prod ships it (Pulumi.prod.yaml) over prod's SparkApplications, with API egress for the pods that run tasks", async () => {
        const l = await loadStack("prod");
        const jobs = JSON.parse(find(l, "ConfigMap", "lakehouse", "airflow-dags").data["medallion_jobs.json"]);
        assert.strictEqual(jobs.namespace, "team-alpha");
        assert.deepStrictEqual(jobs.jobs.map((j: any) => j.manifest.spec.executor.memory), JOBS.map(() => "4g"));
        // The manifests' addresses are the SparkApplications' links, not Airflow's; any other address in the
        // file is still Airflow's own.
        const objs = objects(l);
        assert.deepStrictEqual(checkDeclaredLinks(objs), []);
        // (A changed copy of the ConfigMap: loadStack's objects are shared between tests.)
        const broken = objs.map((o) =>
            o.kind === "ConfigMap" && nameOf(o) === "airflow-dags" ? { ...o, data: { ...o.data, "medallion_jobs.json": JSON.stringify({ ...jobs, notify: "kafka.lakehouse.svc:9092" }) } } : o,
        );
        assert.ok(checkDeclaredLinks(broken).includes("Deployment lakehouse/airflow-worker connects to lakehouse/kafka:client without declaring it in connectsTo"));
        // The Celery workers run the tasks there.
        const egress = find(l, "NetworkPolicy", "lakehouse", "allow-airflow-worker-kube-api-egress");
        assert.deepStrictEqual(egress.spec.egress[0].ports.map((p: any) => p.port), [443, 6443]);
    });

    it("is off without the DAG: no jobs file", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { postgres: { enabled: true }, airflow: { enabled: true } } }));
        assert.strictEqual(find(l, "ConfigMap", "lakehouse", "airflow-dags").data["medallion_jobs.json"], undefined);
    });
});
