import * as assert from "assert";
import { parseConfig } from "../components/config";
import { problemsOf } from "./configProblems";
import { lastRegistered, loadProgram, stackConfig, withOverrides } from "./harness";


/** Each bad value: the override, and what the message must say (key, value, what is allowed). */
const badCases: { what: string; patch: Record<string, unknown>; expect: RegExp[] }[] = [
    {
        what: "negative replicas",
        patch: { "lakehouse:services": { objectStore: { replicas: -1 } } },
        expect: [/lakehouse:services\.objectStore\.replicas: -1 is not valid; expected a whole number ≥ 0/],
    },
    {
        what: "fractional workers",
        patch: { "lakehouse:services": { spark: { workers: 1.5 } } },
        expect: [/lakehouse:services\.spark\.workers: 1\.5 is not valid; expected a whole number ≥ 0/],
    },
    {
        what: "an unknown service name",
        patch: { "lakehouse:services": { kafak: { enabled: true } } },
        expect: [/lakehouse:services\.kafak: unknown service; known services: objectStore, spark, jupyter, sparkHistory, prometheus/],
    },
    {
        what: "a quantity like 2gb",
        patch: { "lakehouse:services": { jupyter: { resources: { limits: { memory: "2gb" } } } } },
        expect: [/lakehouse:services\.jupyter\.resources\.limits\.memory: "2gb" is not valid; expected a memory quantity/],
    },
    {
        what: "memory in milli-bytes",
        patch: { "lakehouse:services": { spark: { resources: { requests: { memory: "512m" } } } } },
        expect: [/lakehouse:services\.spark\.resources\.requests\.memory: "512m" is not valid/],
    },
    {
        what: "an unknown exposure type",
        patch: { "lakehouse:exposure": { type: "Ingress" } },
        expect: [/lakehouse:exposure\.type: "Ingress" is not valid; allowed: LoadBalancer \| NodePort \| ClusterIP/],
    },
    {
        what: "Spark enabled with 0 workers",
        patch: { "lakehouse:services": { spark: { workers: 0 } } },
        expect: [/lakehouse:services\.spark\.workers: 0 is not valid; Spark needs at least 1 worker/],
    },
    {
        what: "Jupyter enabled while Spark is off",
        patch: { "lakehouse:services": { spark: { enabled: false } } },
        expect: [/lakehouse:services\.jupyter\.enabled: true needs lakehouse:services\.spark\.enabled: true .*enable spark or disable jupyter/],
    },
    {
        what: "Spark enabled while the object store is off",
        patch: { "lakehouse:services": { objectStore: { enabled: false }, jupyter: { enabled: false } } },
        expect: [/lakehouse:services\.spark\.enabled: true needs lakehouse:services\.objectStore\.enabled: true/],
    },
    {
        what: "an image override without a tag",
        patch: { "lakehouse:services": { spark: { image: "apache/spark" } } },
        expect: [/lakehouse:services\.spark\.image: "apache\/spark" is not valid; expected an image with a pinned tag/],
    },
    {
        what: "an image override tagged latest",
        patch: { "lakehouse:services": { jupyter: { image: "quay.io/jupyter/pyspark-notebook:latest" } } },
        expect: [/lakehouse:services\.jupyter\.image: "quay.io\/jupyter\/pyspark-notebook:latest" is not valid/],
    },
    {
        what: "a volume size of 0Gi",
        patch: { "lakehouse:services": { objectStore: { volumeSize: "0Gi" } } },
        expect: [/lakehouse:services\.objectStore\.volumeSize: "0Gi" is not valid; expected a size above zero/],
    },
    {
        what: "an unknown cluster kind",
        patch: { "lakehouse:cluster": "minikube" },
        expect: [/lakehouse:cluster: "minikube" is not valid; allowed: kind \| k3d \| existing/],
    },
    {
        what: "an existing cluster without a context",
        patch: { "lakehouse:cluster": "existing" },
        expect: [/lakehouse:kubeContext: required when lakehouse:cluster is "existing"/],
    },
    {
        what: "an unknown top-level key",
        patch: { "lakehouse:storgeClass": "fast" },
        expect: [/lakehouse:storgeClass: unknown key; allowed keys: .*storageClass/],
    },
    {
        what: "a typo inside a service",
        patch: { "lakehouse:services": { spark: { wrokers: 3 } } },
        expect: [/lakehouse:services\.spark\.wrokers: unknown key; allowed keys: .*workers/],
    },
    {
        what: "a namespace that is not a DNS label",
        patch: { "lakehouse:namespaces": { platform: "Lake_House" } },
        expect: [/lakehouse:namespaces\.platform: "Lake_House" is not valid; expected a DNS-1123 label/],
    },
    {
        what: "a request above its limit",
        patch: { "lakehouse:services": { jupyter: { resources: { requests: { memory: "4Gi" } } } } },
        expect: [/lakehouse:services\.jupyter\.resources\.requests\.memory: "4Gi" is not valid; must not exceed .*limits\.memory \(2Gi\)/],
    },
    {
        what: "Spark worker memory that doesn't fit its container",
        patch: { "lakehouse:services": { spark: { workerMemory: "2g" } } },
        expect: [/lakehouse:services\.spark\.workerMemory: "2g" is not valid; it must fit in .*workerResources\.limits\.memory \(2Gi\)/],
    },
    {
        what: "a bad bucket name",
        patch: { "lakehouse:services": { objectStore: { buckets: ["Lakehouse_Data"] } } },
        expect: [/lakehouse:services\.objectStore\.buckets\[0\]: "Lakehouse_Data" is not valid; expected an S3 bucket name/],
    },
    {
        what: "the History Server enabled while Spark is off",
        patch: { "lakehouse:services": { spark: { enabled: false }, jupyter: { enabled: false } } },
        expect: [/lakehouse:services\.sparkHistory\.enabled: true needs lakehouse:services\.spark\.enabled: true/],
    },
    {
        what: "a Prometheus retention without a unit",
        patch: { "lakehouse:services": { prometheus: { retention: "7" } } },
        expect: [/lakehouse:services\.prometheus\.retention: "7" is not valid; expected a duration such as "12h"/],
    },
    {
        what: "a second object store replica",
        patch: { "lakehouse:services": { objectStore: { replicas: 3 } } },
        expect: [/lakehouse:services\.objectStore\.replicas: 3 is not valid; objectStore runs as a single instance; allowed: 1/],
    },
    {
        what: "a topic replicated more often than there are brokers",
        patch: { "lakehouse:services": { kafka: { topics: [{ name: "vehicle-events", partitions: 3, replicationFactor: 3 }] } } },
        expect: [/lakehouse:services\.kafka\.topics\[0\]\.replicationFactor: 3 is not valid; topic vehicle-events cannot have more replicas than brokers \(lakehouse:services\.kafka\.brokers is 1\)/],
    },
    {
        what: "an even number of KRaft nodes",
        patch: { "lakehouse:services": { kafka: { brokers: 2 } } },
        expect: [/lakehouse:services\.kafka\.brokers: 2 is not valid; the KRaft controller quorum needs an odd number of nodes/],
    },
    {
        what: "a min ISR above a topic's replication factor",
        patch: { "lakehouse:services": { kafka: { minInSyncReplicas: 2 } } },
        expect: [/lakehouse:services\.kafka\.minInSyncReplicas: 2 is not valid; topic vehicle-events has replicationFactor 1, so acks=all writes would always fail/],
    },
    {
        what: "zero partitions",
        patch: { "lakehouse:services": { kafka: { topics: [{ name: "vehicle-events", partitions: 0, replicationFactor: 1 }] } } },
        expect: [/lakehouse:services\.kafka\.topics\[0\]\.partitions: 0 is not valid; expected a whole number from 1 to 1000/],
    },
    {
        what: "a producer topic Kafka doesn't have",
        patch: { "lakehouse:services": { producer: { topic: "vehicles" } } },
        expect: [/lakehouse:services\.producer\.topic: "vehicles" is not valid; expected one of the topics in lakehouse:services\.kafka\.topics \(vehicle-events\)/],
    },
    {
        what: "an invalid fraction above 1",
        patch: { "lakehouse:services": { producer: { invalidFraction: 1.5 } } },
        expect: [/lakehouse:services\.producer\.invalidFraction: 1\.5 is not valid; expected a number from 0 to 1/],
    },
    {
        what: "an unknown producer mode",
        patch: { "lakehouse:services": { producer: { mode: "cronjob" } } },
        expect: [/lakehouse:services\.producer\.mode: "cronjob" is not valid; allowed: job \| deployment/],
    },
    {
        what: "standalone streaming jobs needing more cores than the workers offer",
        patch: { "lakehouse:services": { pipeline: { launcher: "standalone", coresPerJob: 2 } } },
        expect: [/lakehouse:services\.pipeline\.coresPerJob: 2 is not valid; the 4 streaming jobs need 8 cores at once but the Spark workers offer 4/],
    },
    {
        what: "a standalone executor bigger than a worker",
        patch: { "lakehouse:services": { pipeline: { launcher: "standalone", executorMemory: "2g" } } },
        expect: [/lakehouse:services\.pipeline\.executorMemory: "2g" is not valid; an executor must fit in a worker's lakehouse:services\.spark\.workerMemory \(1g\)/],
    },
    {
        what: "an unknown pipeline launcher",
        patch: { "lakehouse:services": { pipeline: { launcher: "k8s" } } },
        expect: [/lakehouse:services\.pipeline\.launcher: "k8s" is not valid; allowed: auto \| operator \| standalone/],
    },
    {
        what: "the operator launcher while the Spark Operator is off",
        patch: { "lakehouse:services": { pipeline: { launcher: "operator" }, sparkOperator: { enabled: false } } },
        expect: [/lakehouse:services\.pipeline\.launcher: "operator" is not valid; .*lakehouse:services\.sparkOperator\.enabled is false; enable the operator or use launcher standalone/],
    },
    {
        what: "a pipeline team that is not one of the teams",
        patch: { "lakehouse:services": { pipeline: { team: "team-gamma" } } },
        expect: [/lakehouse:services\.pipeline\.team: "team-gamma" is not valid; expected one of the teams in lakehouse:teams \(team-alpha, team-beta\)/],
    },
    {
        what: "operator-launched jobs that overflow the team's quota",
        patch: { "lakehouse:services": { pipeline: { executorMemory: "2g" } } },
        expect: [
            /lakehouse:teams\[0\]\.quota\.requests\.memory: "12Gi" is not valid; the medallion pipeline's 4 SparkApplications and the example applications need 16896Mi/,
            /lakehouse:teams\[0\]\.quota\.limits\.memory: "12Gi" is not valid; the medallion pipeline's 4 SparkApplications/,
        ],
    },
    {
        what: "operator-launched jobs with more cores than the team's quota allows",
        patch: { "lakehouse:services": { pipeline: { coresPerJob: 3 } }, "lakehouse:teams": [{ name: "team-alpha" }] },
        expect: [/lakehouse:teams\[0\]\.quota\.limits\.cpu: "12" is not valid; the medallion pipeline's 4 SparkApplications and the example applications need 20/],
    },
    {
        what: "the pipeline enabled while Kafka is off",
        patch: { "lakehouse:services": { kafka: { enabled: false }, schemaRegistry: { enabled: false }, kafkaUi: { enabled: false }, producer: { enabled: false } } },
        expect: [/lakehouse:services\.pipeline\.enabled: true needs lakehouse:services\.kafka\.enabled: true \(bronze reads the vehicle events from Kafka\)/],
    },
    {
        what: "a Cassandra young generation as big as the heap",
        patch: { "lakehouse:services": { cassandra: { heapNewSize: "512M" } } },
        expect: [/lakehouse:services\.cassandra\.heapNewSize: "512M" is not valid; the young generation must be smaller than lakehouse:services\.cassandra\.maxHeapSize \(512M\)/],
    },
    {
        what: "a Cassandra heap that doesn't fit its container",
        patch: { "lakehouse:services": { cassandra: { maxHeapSize: "1100M" } } },
        expect: [/lakehouse:services\.cassandra\.maxHeapSize: "1100M" is not valid; it must fit in lakehouse:services\.cassandra\.resources\.limits\.memory \(1536Mi\) with 512Mi to spare/],
    },
    {
        what: "a Kafka heap that isn't a JVM size",
        patch: { "lakehouse:services": { kafka: { heap: "512Mi" } } },
        expect: [/lakehouse:services\.kafka\.heap: "512Mi" is not valid; expected a JVM size such as "512m" or "2g"/],
    },
];

describe("config", () => {
    for (const stack of ["dev", "prod"]) {
        it(`accepts the committed ${stack} stack`, () => {
            const cfg = parseConfig(stackConfig(stack), stack);
            assert.strictEqual(cfg.stack, stack);
            assert.ok(cfg.services.spark.workers >= 1);
        });
    }

    it("fills defaults: the k3d context, the cluster's default storage class, dev sizes", () => {
        const cfg = parseConfig({ "lakehouse:cluster": "kind" }, "dev");
        assert.strictEqual(cfg.kubeContext, "kind-lakehouse");
        assert.strictEqual(cfg.storageClass, undefined);
        assert.strictEqual(cfg.services.spark.workers, 2);
        assert.strictEqual(cfg.namespaces.platform, "lakehouse");
        assert.strictEqual(parseConfig({}, "dev").kubeContext, "k3d-lakehouse");
    });

    it("merges a partial override over the defaults", () => {
        const cfg = parseConfig({ "lakehouse:services": JSON.stringify({ spark: { workerResources: { limits: { memory: "3Gi" } } } }) }, "dev");
        assert.deepStrictEqual(cfg.services.spark.workerResources, {
            requests: { cpu: "250m", memory: "1536Mi" },
            limits: { cpu: "2", memory: "3Gi" },
        });
    });

    it("reads scalars the way Pulumi stores them (strings)", () => {
        const cfg = parseConfig({ "lakehouse:protectData": "true", "lakehouse:cluster": "existing", "lakehouse:kubeContext": "ctx" }, "x");
        assert.strictEqual(cfg.protectData, true);
        assert.strictEqual(cfg.kubeContext, "ctx");
    });

    it("reports every problem at once", () => {
        const problems = problemsOf(withOverrides("dev", { "lakehouse:cluster": "minikube", "lakehouse:exposure": { type: "Ingress" } }));
        assert.strictEqual(problems.length, 2, problems.join("\n"));
    });

    for (const c of badCases) {
        it(`rejects ${c.what} with a message naming the key, the value and what is allowed`, () => {
            const problems = problemsOf(withOverrides("dev", c.patch));
            for (const re of c.expect) {
                assert.ok(problems.some((m) => re.test(m)), `no problem matched ${re}; got:\n${problems.join("\n")}`);
            }
        });
    }

    for (const c of badCases) {
        it(`registers nothing when the program is run with ${c.what}`, async () => {
            await assert.rejects(loadProgram("dev", withOverrides("dev", c.patch)), (e: Error) => {
                assert.strictEqual(e.name, "ConfigError");
                return true;
            });
            assert.deepStrictEqual(lastRegistered().map((r) => r.name), []);
        });
    }

    it("turns a service off cleanly: no Jupyter objects when jupyter is disabled", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { jupyter: { enabled: false } } }));
        assert.ok(!l.resources.some((r) => r.name.startsWith("jupyter")));
        assert.ok(!("jupyter" in l.outputs.endpoints.value));
        assert.ok(!("jupyter" in l.outputs.credentials.value));
        assert.ok(l.resources.some((r) => r.name === "spark-master"));
    });
});
