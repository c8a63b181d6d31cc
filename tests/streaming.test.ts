import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { JMX_EXPORTER_VERSION, catalog, imageRef, streamingPackages } from "../components/catalog";
import { serviceDefaults } from "../components/config";
import { schemaCql } from "../components/streaming/cassandra";
import { JOBS_DIR, JOB_FILES, pipelineJobs } from "../components/streaming/pipeline";
import { SparkJobSpec, standaloneConf, submitArgs } from "../components/streaming/sparkJob";
import { checkDeclaredLinks, checkReferences, checkSafeDefaults, checkServiceAddresses, checkServiceSelectors } from "./checks";
import { Loaded, STACKS, k8sObjects, loadProgram, loadStack, nameOf, withOverrides } from "./harness";

const audits = [checkServiceSelectors, checkReferences, checkServiceAddresses, checkSafeDefaults, checkDeclaredLinks];
const objects = (l: Loaded) => k8sObjects(l).map((r) => r.inputs);
const objectsOf = async (stack: string) => objects(await loadStack(stack));
/**
 * The fallback: dev with the Spark Operator off (auto picks standalone), prod with the launcher set (and
 * without Airflow's medallion DAG, which runs SparkApplications only).
 */
const standaloneObjects = async (stack: string) =>
    objects(
        await loadProgram(
            stack,
            withOverrides(stack, { "lakehouse:services": stack === "dev" ? { sparkOperator: { enabled: false } } : { pipeline: { launcher: "standalone" }, airflow: { medallionDag: false } } }),
        ),
    );
function named(objs: any[], kind: string, name: string): any {
    const o = objs.find((x) => x.kind === kind && nameOf(x) === name);
    assert.ok(o, `no ${kind} ${name}`);
    return o;
}
const byPrefix = (objs: any[], kind: string, prefix: string) => objs.filter((o) => o.kind === kind && o.metadata.name.startsWith(prefix));
const env = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const links = (o: any): string[] => String(o.spec.template.metadata.annotations?.["lakehouse.io/connects-to"] ?? "").split(",").filter((x) => x);

describe("streaming: Kafka", () => {
    it("dev runs one combined broker/controller; prod three with a quorum, RF 3 and min ISR 2", async () => {
        const dev = named(await objectsOf("dev"), "StatefulSet", "kafka");
        const prod = named(await objectsOf("prod"), "StatefulSet", "kafka");
        assert.strictEqual(dev.spec.replicas, 1);
        assert.strictEqual(prod.spec.replicas, 3);
        const d = env(dev.spec.template.spec.containers[0]);
        const p = env(prod.spec.template.spec.containers[0]);
        assert.strictEqual(d.KAFKA_PROCESS_ROLES, "broker,controller");
        assert.strictEqual(d.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, "1");
        assert.strictEqual(d.KAFKA_MIN_INSYNC_REPLICAS, "1");
        assert.strictEqual(p.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, "3");
        assert.strictEqual(p.KAFKA_DEFAULT_REPLICATION_FACTOR, "3");
        assert.strictEqual(p.KAFKA_MIN_INSYNC_REPLICAS, "2");
        assert.strictEqual(p.KAFKA_AUTO_CREATE_TOPICS_ENABLE, "false");
        assert.strictEqual(dev.spec.template.spec.enableServiceLinks, false);
        assert.strictEqual(dev.spec.serviceName, "kafka-headless");
        assert.strictEqual(dev.spec.volumeClaimTemplates[0].metadata.name, "data");
        // A voter opens its client port (readiness) only with a quorum; OrderedReady would never create pod 1
        // (conformance/kafka.test.ts starts the real quorum that way).
        assert.strictEqual(prod.spec.podManagementPolicy, "Parallel");
    });

    it("the cluster ID comes from one @pulumi/random RandomId without keepers, so it is stable across updates", async () => {
        const l = await loadStack("dev");
        const ids = l.resources.filter((r) => r.type === "random:index/randomId:RandomId");
        assert.deepStrictEqual(ids.map((r) => [r.name, r.inputs.byteLength, r.inputs.keepers]), [["kafka-cluster-id", 16, undefined]]);
        const e = env(named(objects(l), "StatefulSet", "kafka").spec.template.spec.containers[0]);
        assert.match(e.CLUSTER_ID, /^[A-Za-z0-9_-]{22}$/);
    });

    it("each node derives its ID, advertised address and the controller quorum from its pod name", async () => {
        const c = named(await objectsOf("prod"), "StatefulSet", "kafka").spec.template.spec.containers[0];
        assert.strictEqual(c.command[0], "/bin/sh");
        const script = c.command[2].replace(/^exec .*$/m, 'echo "$KAFKA_NODE_ID|$KAFKA_ADVERTISED_LISTENERS|$KAFKA_CONTROLLER_QUORUM_VOTERS|${KAFKA_HEADLESS:-unset}"');
        const out = execFileSync("/bin/sh", ["-ec", script], { env: { ...env(c), HOSTNAME: "kafka-2", PATH: process.env.PATH } }).toString().trim();
        const h = "kafka-headless.lakehouse.svc";
        assert.strictEqual(out, `2|PLAINTEXT://kafka-2.${h}:9092|0@kafka-0.${h}:9093,1@kafka-1.${h}:9093,2@kafka-2.${h}:9093|unset`);
    });

    for (const stack of STACKS) {
        it(`${stack}: an idempotent Job creates the configured topics with their partitions and replication`, async () => {
            const objs = await objectsOf(stack);
            const [job] = byPrefix(objs, "Job", "kafka-topics-");
            const c = job.spec.template.spec.containers[0];
            const expected = stack === "dev" ? "vehicle-events:3:1" : "vehicle-events:6:3";
            assert.strictEqual(env(c).TOPICS, expected);
            assert.strictEqual(env(c).MIN_ISR, stack === "dev" ? "1" : "2");
            assert.match(c.command[2], /--create --if-not-exists/);
            assert.deepStrictEqual(links(job), ["lakehouse/kafka:client"]);
        });
    }

    it("Kafka serves Prometheus metrics through the JMX exporter agent fetched from Maven Central", async () => {
        const objs = await objectsOf("dev");
        const ss = named(objs, "StatefulSet", "kafka");
        const init = ss.spec.template.spec.initContainers[0];
        assert.strictEqual(
            env(init).JAR_URL,
            `https://repo1.maven.org/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/${JMX_EXPORTER_VERSION}/jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar`,
        );
        const e = env(ss.spec.template.spec.containers[0]);
        assert.strictEqual(e.KAFKA_OPTS, "-javaagent:/jmx/jmx_prometheus_javaagent.jar=9404:/etc/kafka-jmx/jmx.yaml");
        const rules: string = named(objs, "ConfigMap", "kafka-jmx").data["jmx.yaml"];
        assert.match(rules, /name: kafka_topic_messages_in_total/);
        const prom: string = named(objs, "ConfigMap", "prometheus-config").data["prometheus.yml"];
        assert.match(prom, /job_name: kafka\n\s+metrics_path: \/metrics\n\s+dns_sd_configs:\n\s+- names: \['kafka-headless\.lakehouse\.svc'\]\n\s+type: A\n\s+port: 9404/);
    });
});

describe("streaming: Schema Registry and Kafka UI", () => {
    it("Schema Registry stores schemas in the brokers with a replication they can hold", async () => {
        for (const [stack, rf] of [["dev", "1"], ["prod", "3"]]) {
            const d = named(await objectsOf(stack), "Deployment", "schema-registry");
            const e = env(d.spec.template.spec.containers[0]);
            assert.strictEqual(e.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS, "PLAINTEXT://kafka.lakehouse.svc:9092");
            assert.strictEqual(e.SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR, rf);
            assert.deepStrictEqual(links(d), ["lakehouse/kafka:client"]);
        }
    });

    it("Kafka UI is wired to the brokers and the registry, behind a generated login", async () => {
        const objs = await objectsOf("dev");
        const d = named(objs, "Deployment", "kafka-ui");
        const e = env(d.spec.template.spec.containers[0]);
        assert.strictEqual(e.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS, "kafka.lakehouse.svc:9092");
        assert.strictEqual(e.KAFKA_CLUSTERS_0_SCHEMAREGISTRY, "http://schema-registry.lakehouse.svc:8081");
        assert.strictEqual(e.AUTH_TYPE, "LOGIN_FORM");
        assert.deepStrictEqual(e.SPRING_SECURITY_USER_PASSWORD, { secretKeyRef: { name: "kafka-ui-login", key: "password" } });
        assert.deepStrictEqual(links(d), ["lakehouse/kafka:client", "lakehouse/schema-registry:http"]);
    });

    it("without Schema Registry, Kafka UI is not pointed at one", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { schemaRegistry: { enabled: false } } }));
        const e = env(named(objects(l), "Deployment", "kafka-ui").spec.template.spec.containers[0]);
        assert.strictEqual(e.KAFKA_CLUSTERS_0_SCHEMAREGISTRY, undefined);
        for (const audit of audits) assert.deepStrictEqual(audit(objects(l)), []);
    });
});

describe("streaming: producer", () => {
    it("dev: a one-shot Job sends the configured count, rate and invalid fraction through a named pipe", async () => {
        const objs = await objectsOf("dev");
        const job = named(objs, "Job", "vehicle-producer");
        const [events, send] = job.spec.template.spec.containers;
        assert.strictEqual(events.image, imageRef(catalog.spark));
        assert.deepStrictEqual(events.command, ["python3", "/code/producer.py"]);
        assert.deepStrictEqual(
            { ...env(events) },
            { EVENT_COUNT: "2000", EVENTS_PER_SECOND: "20", INVALID_FRACTION: "0.1", OUTPUT: "/pipe/events" },
        );
        assert.strictEqual(send.image, imageRef(catalog.kafka));
        assert.match(send.command[2], /kafka-console-producer\.sh --bootstrap-server "\$BOOTSTRAP" --topic "\$TOPIC"/);
        assert.strictEqual(env(send).TOPIC, "vehicle-events");
        const code = named(objs, "ConfigMap", "vehicle-producer-code").data["producer.py"];
        assert.strictEqual(code, fs.readFileSync(path.join(JOBS_DIR, "producer.py"), "utf8"), "the tested code is what runs");
    });

    it("mode deployment runs it forever as a Deployment with probes, and the audits still pass", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { producer: { mode: "deployment" } } }));
        const objs = objects(l);
        assert.ok(!objs.some((o) => o.kind === "Job" && o.metadata.name === "vehicle-producer"));
        const d = named(objs, "Deployment", "vehicle-producer");
        assert.strictEqual(env(d.spec.template.spec.containers[0]).EVENT_COUNT, "0");
        for (const c of d.spec.template.spec.containers) assert.ok(c.readinessProbe && c.livenessProbe, c.name);
        for (const audit of audits) assert.deepStrictEqual(audit(objs), []);
    });
});

describe("streaming: medallion jobs", () => {
    const s3 = { endpoint: "http://s3:9000", bucket: "lake", link: { server: "object-store" } as any, accessKey: {} as any, secretKey: {} as any };
    const topicsReady = { name: "topics" } as any;
    const schemaReady = { name: "schema" } as any;
    const kafka = { bootstrap: "kafka.ns.svc:9092", link: { server: "kafka" } as any, topicsReady, topics: [], internalReplicationFactor: 1 };
    const cassandra = {
        host: "cassandra.ns.svc",
        port: 9042,
        link: { server: "cassandra" } as any,
        keyspace: "vehicles",
        table: "positions",
        username: { secretKeyRef: { name: "c", key: "username" } },
        password: { secretKeyRef: { name: "c", key: "password" } },
        schemaReady,
    };

    it("runs bronze after the topic exists, silver after bronze, gold and the Cassandra sink after silver", () => {
        const jobs = pipelineJobs({ settings: serviceDefaults.pipeline, kafka, s3, cassandra });
        assert.deepStrictEqual(
            jobs.map((j) => [j.spec.name, j.after, (j.needs ?? []).map((n: any) => n.name)]),
            [
                ["vehicles-bronze", undefined, ["topics"]],
                ["vehicles-silver", "vehicles-bronze", []],
                ["vehicles-gold", "vehicles-silver", []],
                ["vehicles-cassandra", "vehicles-silver", ["schema"]],
            ],
        );
        const args = Object.fromEntries(jobs.map((j) => [j.spec.name, j.spec.args.join(" ")]));
        assert.strictEqual(args["vehicles-bronze"], "--bootstrap kafka.ns.svc:9092 --topic vehicle-events --output s3a://lake/bronze/vehicles --checkpoint s3a://lake/checkpoints/bronze");
        assert.strictEqual(args["vehicles-silver"], "--input s3a://lake/bronze/vehicles --output s3a://lake/silver/vehicles --checkpoint s3a://lake/checkpoints/silver");
        assert.match(args["vehicles-gold"], /^--input s3a:\/\/lake\/silver\/vehicles --output s3a:\/\/lake\/gold\/stats /);
        assert.deepStrictEqual(jobs.map((j) => j.spec.links.map((l) => l.server)), [["object-store", "kafka"], ["object-store"], ["object-store"], ["object-store", "cassandra"]]);
        assert.deepStrictEqual(pipelineJobs({ settings: serviceDefaults.pipeline, kafka, s3 }).map((j) => j.spec.name), ["vehicles-bronze", "vehicles-silver", "vehicles-gold"]);
    });

    it("a job's Spark conf adds its packages and sizes to the cluster defaults; secrets stay env references", () => {
        const [, , , sink] = pipelineJobs({ settings: serviceDefaults.pipeline, kafka, s3, cassandra });
        const conf = standaloneConf({ "spark.jars.packages": "a:b:1", "spark.master": "spark://m:7077" }, sink.spec);
        assert.strictEqual(conf["spark.jars.packages"], `a:b:1,${streamingPackages.cassandra}`);
        assert.strictEqual(conf["spark.cores.max"], "1");
        assert.strictEqual(conf["spark.executor.memory"], "512m");
        assert.strictEqual(conf["spark.cassandra.connection.host"], "cassandra.ns.svc");
        assert.ok(!Object.keys(conf).some((k) => /auth|password/.test(k)), "no credentials in the ConfigMap");
        assert.deepStrictEqual(submitArgs(sink.spec, "spark://m:7077"), [
            "--master", "spark://m:7077",
            "--conf", "spark.cassandra.auth.username=$(CASSANDRA_USERNAME)",
            "--conf", "spark.cassandra.auth.password=$(CASSANDRA_PASSWORD)",
            "--py-files", "/opt/lakehouse/jobs/medallion.py",
            "/opt/lakehouse/jobs/cassandra_sink.py",
            ...sink.spec.args,
        ]);
        const bare: SparkJobSpec = { ...sink.spec, packages: [], pyFiles: [], secretConf: undefined };
        assert.strictEqual(standaloneConf({}, bare)["spark.jars.packages"], "");
    });

    for (const stack of STACKS) {
        it(`${stack}, standalone launcher: each job runs spark-submit on the cluster's image, with the repo's code from a ConfigMap`, async () => {
            const objs = await standaloneObjects(stack);
            const code = named(objs, "ConfigMap", "vehicles-code").data;
            for (const f of JOB_FILES) assert.strictEqual(code[f], fs.readFileSync(path.join(JOBS_DIR, f), "utf8"), f);
            const worker = named(objs, "Deployment", "spark-worker").spec.template.spec.containers[0];
            for (const job of ["bronze", "silver", "gold", "cassandra"]) {
                const d = named(objs, "Deployment", `vehicles-${job}`);
                const c = d.spec.template.spec.containers[0];
                assert.strictEqual(c.image, worker.image, "driver Python and Spark must match the executors'");
                assert.strictEqual(c.command[0], "/opt/spark/bin/spark-submit");
                assert.strictEqual(d.spec.replicas, 1);
                assert.strictEqual(d.spec.strategy.type, "Recreate", "two drivers must never share a checkpoint");
                assert.strictEqual(d.spec.template.metadata.labels["lakehouse.io/peer-group"], "spark", "executors connect back to the driver");
                assert.ok(links(d).includes("lakehouse/spark-master:cluster"));
                assert.ok(links(d).includes("lakehouse/object-store:s3"));
                const conf: string = named(objs, "ConfigMap", `vehicles-${job}-conf`).data["spark-defaults.conf"];
                assert.match(conf, new RegExp(`^spark\\.app\\.name vehicles-${job}$`, "m"));
            }
            assert.match(named(objs, "ConfigMap", "vehicles-bronze-conf").data["spark-defaults.conf"], /spark-sql-kafka-0-10_2\.13:4\.0\.1/);
        });

        it(`${stack}, standalone launcher: the Spark workers, where executors run, declare links to Kafka and Cassandra`, async () => {
            const worker = named(await standaloneObjects(stack), "Deployment", "spark-worker");
            assert.deepStrictEqual(links(worker), ["lakehouse/spark-master:cluster", "lakehouse/object-store:s3", "lakehouse/kafka:client", "lakehouse/cassandra:cql"]);
        });
    }

    it("without the pipeline, the workers declare no streaming links and no jobs run", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { pipeline: { enabled: false } } }));
        const objs = objects(l);
        assert.deepStrictEqual(links(named(objs, "Deployment", "spark-worker")), ["lakehouse/spark-master:cluster", "lakehouse/object-store:s3"]);
        assert.deepStrictEqual(byPrefix(objs, "Deployment", "vehicles-"), []);
        for (const audit of audits) assert.deepStrictEqual(audit(objs), []);
    });

    it("standalone without Cassandra: three jobs run and the audits pass", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { cassandra: { enabled: false }, pipeline: { launcher: "standalone" } } }));
        const objs = objects(l);
        assert.deepStrictEqual(byPrefix(objs, "Deployment", "vehicles-").map((d) => d.metadata.name).sort(), ["vehicles-bronze", "vehicles-gold", "vehicles-silver"]);
        for (const audit of audits) assert.deepStrictEqual(audit(objs), []);
    });

    it("the bucket has the folders the streams read before anything is written there", async () => {
        const job = named(await objectsOf("dev"), "Job", "object-store-buckets");
        const folders: string = env(job.spec.template.spec.containers[0]).FOLDERS;
        assert.ok(folders.split(" ").includes("lakehouse/bronze/vehicles/"));
        assert.ok(folders.split(" ").includes("lakehouse/silver/vehicles/"));
    });
});

describe("streaming: Cassandra", () => {
    for (const stack of STACKS) {
        it(`${stack}: heap sizes are set together from config, and password authentication is on`, async () => {
            const objs = await objectsOf(stack);
            const ss = named(objs, "StatefulSet", "cassandra");
            const e = env(ss.spec.template.spec.containers[0]);
            const expected = stack === "dev" ? ["512M", "128M", 1] : ["4G", "800M", 3];
            assert.deepStrictEqual([e.MAX_HEAP_SIZE, e.HEAP_NEWSIZE, ss.spec.replicas], expected);
            assert.strictEqual(e.CASSANDRA_SEEDS, "cassandra-0.cassandra-headless.lakehouse.svc");
            const init = ss.spec.template.spec.initContainers[0];
            assert.match(init.command[2], /s\/AllowAllAuthenticator\/PasswordAuthenticator\//);
            assert.ok(ss.spec.template.spec.containers[0].volumeMounts.some((m: any) => m.name === "config" && m.mountPath === "/etc/cassandra"));
        });
    }

    it("the schema Job applies the CQL from a ConfigMap with generated passwords from the Secret", async () => {
        const objs = await objectsOf("prod");
        const [job] = byPrefix(objs, "Job", "cassandra-schema-");
        const c = job.spec.template.spec.containers[0];
        assert.deepStrictEqual(env(c).ADMIN_PASSWORD, { secretKeyRef: { name: "cassandra-users", key: "adminPassword" } });
        assert.deepStrictEqual(env(c).APP_PASSWORD, { secretKeyRef: { name: "cassandra-users", key: "password" } });
        assert.match(c.command[2], /cq -f \/cql\/schema\.cql/);
        assert.deepStrictEqual(links(job), ["lakehouse/cassandra:cql"]);
        const cql: string = named(objs, "ConfigMap", "cassandra-schema").data["schema.cql"];
        assert.strictEqual(cql, schemaCql("vehicles", 3));
        assert.match(cql, /CREATE KEYSPACE IF NOT EXISTS vehicles WITH replication = \{'class': 'SimpleStrategy', 'replication_factor': 3\}/);
    });

    it("the table has exactly the columns the sink job writes", () => {
        const medallion = fs.readFileSync(path.join(JOBS_DIR, "medallion.py"), "utf8");
        const fn = medallion.slice(medallion.indexOf("def cassandra_rows"));
        const written = [...fn.slice(0, fn.indexOf("\n\n\n")).matchAll(/\.alias\("([a-z_]+)"\)|F\.col\("([a-z_]+)"\)(?!\.alias)/g)].map((m) => m[1] ?? m[2]);
        const columns = [...schemaCql("k", 1).matchAll(/^ {4}([a-z_]+) [a-z]+,$/gm)].map((m) => m[1]);
        assert.deepStrictEqual(written.sort(), columns.sort());
        assert.strictEqual(columns.length, 6);
    });
});

describe("streaming: outputs", () => {
    it("endpoints name Kafka, the registry, Kafka UI, Cassandra and Grafana; credentials hold their logins", async () => {
        const l = await loadStack("dev");
        const e = l.outputs.endpoints.value;
        assert.strictEqual(e.kafka.bootstrap.url, "kafka://kafka.lakehouse.svc:9092");
        assert.strictEqual(e.schemaRegistry.api.url, "http://schema-registry.lakehouse.svc:8081");
        assert.strictEqual(e.kafkaUi.ui.url, "http://kafka-ui.lakehouse.svc:8085");
        assert.strictEqual(e.cassandra.cql.url, "cql://cassandra.lakehouse.svc:9042");
        assert.strictEqual(e.grafana.ui.url, "http://grafana.lakehouse.svc:3000");
        const c = l.outputs.credentials.value;
        assert.deepStrictEqual(Object.keys(c.cassandra).sort(), ["adminPassword", "adminUsername", "password", "username"]);
        assert.strictEqual(c.cassandra.username, "lakehouse");
        assert.deepStrictEqual(Object.keys(c.grafana).sort(), ["password", "username"]);
        assert.deepStrictEqual(Object.keys(c.kafkaUi).sort(), ["password", "username"]);
    });
});
