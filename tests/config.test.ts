import * as assert from "assert";
import { parseConfig } from "../components/config";
import { problemsOf } from "./configProblems";
import { committedStackConfig, lastRegistered, loadProgram, stackConfig, withOverrides } from "./harness";


/** Each bad value: the override, and what the message must say (key, value, what is allowed). */
const badCases: { what: string; patch: Record<string, unknown>; expect: RegExp[] }[] = [
    {
        what: "negative replicas",
        patch: { "lakehouse:services": { objectStore: { replicas: -1 } } },
        expect: [/lakehouse:services\.objectStore\.replicas: -1 is not valid; expected a whole number from 0 to 100/],
    },
    {
        what: "fractional workers",
        patch: { "lakehouse:services": { spark: { workers: 1.5 } } },
        expect: [/lakehouse:services\.spark\.workers: 1\.5 is not valid; expected a whole number from 0 to 100/],
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

/** Raw dev config with one top-level key replaced by this JSON text, for keys a JS object literal can't hold (`__proto__`). */
const devWith = (key: string, json: string) => ({ ...stackConfig("dev"), [`lakehouse:${key}`]: json });
const services = (s: Record<string, unknown>) => withOverrides("dev", { "lakehouse:services": s });
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const NOT_OWN_NAMESPACE = "the platform needs a namespace of its own, not one Kubernetes or the platform's cluster layer owns";
const NOT_A_REFERENCE = 'expected an image with a pinned tag, such as "registry.example.com/team/spark:4.0.1": an image reference';

/**
 * Bad input that got through (or crashed) before: each class of issue 14 with the cases tried. `load`
 * marks the cases also run through the whole program, to show nothing is registered.
 */
const inputClasses: { what: string; cases: { value: string; raw: Record<string, string>; expect: RegExp; load?: boolean }[] }[] = [
    {
        what: "a platform namespace Kubernetes or the platform already owns",
        cases: ["kube-system", "default", "kube-public", "kube-node-lease", "kube-flannel", "metallb-system", "spark-operator", "lakehouse-ingress"].map((ns, i) => ({
            value: ns,
            raw: withOverrides("dev", { "lakehouse:namespaces": { platform: ns } }),
            expect: new RegExp(`lakehouse:namespaces\\.platform: "${ns}" is not valid; ${NOT_OWN_NAMESPACE} \\(default, kube-system, .*spark-operator, lakehouse-ingress, kube-\\*\\)`),
            load: i === 0,
        })),
    },
    {
        what: "an optional field set to an empty string or null",
        cases: [
            { value: 'image ""', raw: services({ spark: { image: "" } }), expect: /lakehouse:services\.spark\.image: "" is not valid; an empty value is not a setting; leave the key out for the catalog's image \(`pulumi config rm --path services\.spark\.image`\)/, load: true },
            { value: "image null", raw: services({ jupyter: { image: null } }), expect: /lakehouse:services\.jupyter\.image: null is not valid; an empty value is not a setting; leave the key out for the catalog's image/ },
            { value: 'ingress class ""', raw: withOverrides("dev", { "lakehouse:ingress": { className: "" } }), expect: /lakehouse:ingress\.className: "" is not valid; an empty value is not a setting; leave the key out for the platform's controller's class/ },
            { value: "TLS secret null", raw: withOverrides("dev", { "lakehouse:ingress": { tlsSecretName: null } }), expect: /lakehouse:ingress\.tlsSecretName: null is not valid; an empty value is not a setting; leave the key out for plain HTTP/ },
            { value: 'storage class ""', raw: withOverrides("dev", { "lakehouse:storageClass": "" }), expect: /lakehouse:storageClass: "" is not valid; an empty value is not a setting; leave the key out for the cluster's default StorageClass/ },
            { value: "CPU limit null", raw: services({ spark: { resources: { limits: { cpu: null } } } }), expect: /lakehouse:services\.spark\.resources\.limits\.cpu: null is not valid; a CPU limit can't be removed: every container keeps one, so one busy pod can't starve its node; raise it instead, e\.g\. "4"/ },
            { value: 'CPU limit ""', raw: services({ kafka: { resources: { limits: { cpu: "" } } } }), expect: /lakehouse:services\.kafka\.resources\.limits\.cpu: "" is not valid; a CPU limit can't be removed/ },
        ],
    },
    {
        what: "keys named like JavaScript object properties",
        cases: [
            { value: "services.__proto__", raw: devWith("services", '{"__proto__": {"enabled": false}}'), expect: /lakehouse:services\.__proto__: unknown service; known services: objectStore, spark/, load: true },
            { value: "services.toString", raw: services({ toString: { enabled: true } }), expect: /lakehouse:services\.toString: unknown service; known services: objectStore/ },
            { value: "services.constructor", raw: services({ constructor: { enabled: true } }), expect: /lakehouse:services\.constructor: unknown service/ },
            { value: "services.spark.hasOwnProperty", raw: services({ spark: { hasOwnProperty: 1 } }), expect: /lakehouse:services\.spark\.hasOwnProperty: unknown key; allowed keys: enabled, image, resources, workers/ },
            { value: "services.spark.toString", raw: services({ spark: { toString: 1 } }), expect: /lakehouse:services\.spark\.toString: unknown key/ },
            { value: "resources.__proto__", raw: devWith("services", '{"spark": {"resources": {"__proto__": {"cpu": "1"}}}}'), expect: /lakehouse:services\.spark\.resources\.__proto__: unknown key; allowed keys: requests, limits/ },
            { value: "teams[0].constructor", raw: withOverrides("dev", { "lakehouse:teams": [{ name: "team-alpha", constructor: 1 }] }), expect: /lakehouse:teams\[0\]\.constructor: unknown key; allowed keys: name, quota/ },
        ],
    },
    {
        what: "values nested too deep",
        cases: [
            { value: "a list 10,000 deep", raw: devWith("teams", nested(10_000)), expect: /lakehouse:teams: "\[{10}.*… \(20000 characters\) is not valid; values nest at most 8 levels deep/, load: true },
            { value: "an object 100 deep", raw: devWith("services", `${'{"a":'.repeat(100)}1${"}".repeat(100)}`), expect: /lakehouse:services: .* is not valid; values nest at most 8 levels deep/ },
        ],
    },
    {
        what: "an image override outside the image reference grammar",
        cases: [
            { value: "uppercase", raw: services({ spark: { image: "Apache/Spark:4.0.1" } }), expect: new RegExp(`lakehouse:services\\.spark\\.image: "Apache/Spark:4\\.0\\.1" is not valid; ${NOT_A_REFERENCE}`), load: true },
            { value: "non-ASCII", raw: services({ spark: { image: "apache/spärk:4.0.1" } }), expect: /lakehouse:services\.spark\.image: "apache\/spärk:4\.0\.1" is not valid; expected an image with a pinned tag/ },
            { value: "an empty path component", raw: services({ spark: { image: "apache//spark:4.0.1" } }), expect: /lakehouse:services\.spark\.image: "apache\/\/spark:4\.0\.1" is not valid; expected an image/ },
            { value: "a leading slash", raw: services({ grafana: { image: "/grafana/grafana:12.4.12" } }), expect: /lakehouse:services\.grafana\.image: "\/grafana\/grafana:12\.4\.12" is not valid/ },
            { value: "a double separator", raw: services({ grafana: { image: "grafana/gra..fana:12.4.12" } }), expect: /lakehouse:services\.grafana\.image: "grafana\/gra\.\.fana:12\.4\.12" is not valid/ },
            { value: "a tag of 129 characters", raw: services({ grafana: { image: `grafana/grafana:${"1".repeat(129)}` } }), expect: /lakehouse:services\.grafana\.image: .* is not valid; expected an image/ },
            { value: "a short digest", raw: services({ grafana: { image: "grafana/grafana@sha256:abc" } }), expect: /lakehouse:services\.grafana\.image: "grafana\/grafana@sha256:abc" is not valid/ },
        ],
    },
    {
        what: "a Spark image that doesn't match its runtime",
        cases: [
            {
                value: "the notebook image on the apache runtime",
                raw: services({ spark: { image: "quay.io/jupyter/pyspark-notebook:spark-4.0.1" } }),
                expect: /lakehouse:services\.spark\.image: "quay\.io\/jupyter\/pyspark-notebook:spark-4\.0\.1" is not valid; it is the notebook image, but lakehouse:services\.spark\.runtime is apache \(the official image's user 185 and SPARK_HOME \/opt\/spark\); set runtime: notebook or use an image like apache\/spark:4\.0\.1-scala2\.13-java17-python3-ubuntu/,
                load: true,
            },
            {
                value: "a mirrored apache image on the notebook runtime",
                raw: services({ spark: { runtime: "notebook", image: "registry.example.com:5000/mirror/spark:4.0.1-scala2.13-java17-python3-ubuntu" } }),
                expect: /lakehouse:services\.spark\.image: .* is not valid; it is the apache image, but lakehouse:services\.spark\.runtime is notebook \(the notebook image's user 1000 and SPARK_HOME \/usr\/local\/spark\)/,
            },
            {
                value: "another Spark release",
                raw: services({ spark: { image: "apache/spark:3.5.3-scala2.12-java17-python3-ubuntu" } }),
                expect: /lakehouse:services\.spark\.image: "apache\/spark:3\.5\.3-scala2\.12-java17-python3-ubuntu" is not valid; its tag names Spark 3\.5, but the platform's Spark packages and connectors are built for Spark 4\.0 \(4\.0\.1\)/,
            },
            {
                value: "an image without PySpark",
                raw: services({ spark: { image: "apache/spark:4.0.1-scala2.13-java17-ubuntu" } }),
                expect: /lakehouse:services\.spark\.image: "apache\/spark:4\.0\.1-scala2\.13-java17-ubuntu" is not valid; apache\/spark tags without -python3 have no PySpark/,
            },
            {
                value: "a notebook of another Spark release",
                raw: services({ jupyter: { image: "quay.io/jupyter/pyspark-notebook:spark-3.5.3" } }),
                expect: /lakehouse:services\.jupyter\.image: .* is not valid; its tag names Spark 3\.5/,
            },
            {
                value: "the notebook runtime on another notebook image than Jupyter's",
                raw: services({ spark: { runtime: "notebook" }, jupyter: { image: "registry.example.com/team/pyspark-notebook:spark-4.0.1" } }),
                expect: /lakehouse:services\.spark\.image: null is not valid; the notebook runtime runs the cluster on the notebooks' own image, so it must be lakehouse:services\.jupyter\.image \(registry\.example\.com\/team\/pyspark-notebook:spark-4\.0\.1\) too/,
            },
        ],
    },
    {
        what: "values the services themselves refuse",
        cases: [
            ...[".", "..", "__consumer_offsets"].map((t, i) => ({
                value: `Kafka topic ${t}`,
                raw: services({ kafka: { topics: [{ name: t, partitions: 1, replicationFactor: 1 }] }, producer: { topic: t }, pipeline: { topic: t } }),
                expect: new RegExp(`lakehouse:services\\.kafka\\.topics\\[0\\]\\.name: "${t.replace(/\./g, "\\.")}" is not valid; expected a Kafka topic name: 1-249 letters, digits, '\\.', '_' and '-', not "\\." or "\\.\\." and not starting with "__"`),
                load: i === 0,
            })),
            ...["system", "system_auth", "system_schema", "system_distributed"].map((k) => ({
                value: `Cassandra keyspace ${k}`,
                raw: services({ cassandra: { keyspace: k } }),
                expect: new RegExp(`lakehouse:services\\.cassandra\\.keyspace: "${k}" is not valid; expected a CQL keyspace name: .*and not Cassandra's own \\(system, system_auth`),
            })),
            { value: "Spark worker memory 0g", raw: services({ spark: { workerMemory: "0g" } }), expect: /lakehouse:services\.spark\.workerMemory: "0g" is not valid; expected a JVM size such as "512m" or "2g", at least 450m \(Spark refuses smaller heaps/ },
            { value: "Spark worker memory 100m", raw: services({ spark: { workerMemory: "100m" } }), expect: /lakehouse:services\.spark\.workerMemory: "100m" is not valid; expected a JVM size .* at least 450m/ },
            { value: "a Spark executor of 64m", raw: services({ pipeline: { executorMemory: "64m" } }), expect: /lakehouse:services\.pipeline\.executorMemory: "64m" is not valid; expected a JVM size .* at least 450m/ },
            { value: "a 1-byte memory limit", raw: services({ grafana: { resources: { requests: { memory: "1" }, limits: { memory: "1" } } } }), expect: /lakehouse:services\.grafana\.resources\.limits\.memory: "1" is not valid; expected a memory quantity of at least 16Mi/ },
            { value: "a 1Ki memory request", raw: services({ grafana: { resources: { requests: { memory: "1Ki" } } } }), expect: /lakehouse:services\.grafana\.resources\.requests\.memory: "1Ki" is not valid; expected a memory quantity of at least 16Mi/ },
            { value: "a 1m Kafka heap", raw: services({ kafka: { heap: "1m" } }), expect: /lakehouse:services\.kafka\.heap: "1m" is not valid; expected a JVM size such as "512m" or "2g", at least 16m/ },
            { value: "a retention of 300 years", raw: services({ prometheus: { retention: "300y" } }), expect: /lakehouse:services\.prometheus\.retention: "300y" is not valid; Prometheus holds durations up to about 292 years \(int64 nanoseconds\): at most 292y, 15250w, 106751d or 2562047h/ },
            { value: "a retention in hours past int64", raw: services({ prometheus: { retention: "99999999999h" } }), expect: /lakehouse:services\.prometheus\.retention: "99999999999h" is not valid; Prometheus holds durations up to about 292 years/ },
        ],
    },
    {
        what: "counts without an upper bound",
        cases: [
            { value: "a million Spark workers", raw: services({ spark: { workers: 1_000_000 } }), expect: /lakehouse:services\.spark\.workers: 1000000 is not valid; expected a whole number from 0 to 100/, load: true },
            { value: "a trillion events", raw: services({ producer: { count: 1e12 } }), expect: /lakehouse:services\.producer\.count: 1000000000000 is not valid; expected a whole number from 1 to 1000000000/ },
        ],
    },
    {
        what: "numbers that are not written in decimal",
        cases: [
            { value: "0x10 workers", raw: services({ spark: { workers: "0x10" } }), expect: /lakehouse:services\.spark\.workers: "0x10" is not valid; expected a whole number from 0 to 100/, load: true },
            { value: "3e0 brokers", raw: services({ kafka: { brokers: "3e0" } }), expect: /lakehouse:services\.kafka\.brokers: "3e0" is not valid; expected a whole number from 1 to 9/ },
            { value: "' 3' partitions", raw: services({ kafka: { topics: [{ name: "vehicle-events", partitions: " 3", replicationFactor: 1 }] } }), expect: /lakehouse:services\.kafka\.topics\[0\]\.partitions: " 3" is not valid; expected a whole number from 1 to 1000/ },
            { value: "0x10 events per second", raw: services({ producer: { eventsPerSecond: "0x10" } }), expect: /lakehouse:services\.producer\.eventsPerSecond: "0x10" is not valid; expected a number from 0\.01 to 100000/ },
        ],
    },
    {
        what: "a value too long to echo whole",
        cases: [
            { value: "a 100,000-character image", raw: services({ spark: { image: "a".repeat(100_000) } }), expect: /^lakehouse:services\.spark\.image: "a{80}"… \(100000 characters\) is not valid; expected an image/, load: true },
            { value: "a 100,000-character key", raw: services({ spark: { ["k".repeat(100_000)]: 1 } }), expect: /^lakehouse:services\.spark\.k{80}… \(100000 characters\): unknown key; allowed keys: enabled/ },
        ],
    },
    {
        what: "a LoadBalancer open to everyone",
        cases: [
            { value: "0.0.0.0/0", raw: withOverrides("dev", { "lakehouse:exposure": { loadBalancerSourceRanges: ["0.0.0.0/0"] } }), expect: /lakehouse:exposure\.loadBalancerSourceRanges\[0\]: "0\.0\.0\.0\/0" is not valid; that is every address on the internet; list the networks that may connect/, load: true },
            { value: "::/0", raw: withOverrides("dev", { "lakehouse:exposure": { loadBalancerSourceRanges: ["10.0.0.0/8", "::/0"] } }), expect: /lakehouse:exposure\.loadBalancerSourceRanges\[1\]: "::\/0" is not valid; that is every address on the internet/ },
            { value: "no range", raw: withOverrides("dev", { "lakehouse:exposure": { loadBalancerSourceRanges: [] } }), expect: /lakehouse:exposure\.loadBalancerSourceRanges: \[\] is not valid; expected a list with at least 1 item/ },
            { value: "not a CIDR", raw: withOverrides("dev", { "lakehouse:exposure": { loadBalancerSourceRanges: ["10.0.0.0/33"] } }), expect: /lakehouse:exposure\.loadBalancerSourceRanges\[0\]: "10\.0\.0\.0\/33" is not valid; expected a CIDR such as 203\.0\.113\.0\/24/ },
        ],
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

    for (const group of inputClasses) {
        describe(`rejects ${group.what}`, () => {
            for (const c of group.cases) {
                it(`${c.value}: one message naming the key, the value and what is allowed`, () => {
                    const problems = problemsOf(c.raw);
                    assert.ok(problems.some((m) => c.expect.test(m)), `no problem matched ${c.expect}; got:\n${problems.join("\n")}`);
                    for (const m of problems) assert.ok(/^lakehouse:\S/.test(m) && m.length < 600, `every problem names its key, briefly: ${m.slice(0, 200)}`);
                });
                if (!c.load) continue;
                it(`${c.value}: the program stops before registering anything`, async () => {
                    await assert.rejects(loadProgram("dev", c.raw), (e: Error) => e.name === "ConfigError" && !/\n {2}- \n/.test(e.message));
                    assert.deepStrictEqual(lastRegistered().map((r) => r.name), []);
                });
            }
        });
    }

    it("accepts image references the grammar allows", () => {
        for (const image of [
            "registry.example.com:5000/team/spark:4.0.1-scala2.13-java17-python3-ubuntu",
            "localhost/grafana:12.4.12",
            "[fd00::1]:5000/grafana/grafana:12.4.12",
            `grafana/grafana@sha256:${"a".repeat(64)}`,
            `grafana/grafana:12.4.12@sha256:${"b".repeat(64)}`,
            "my_org/graf-ana__x:v1",
        ]) {
            assert.strictEqual(parseConfig(services({ grafana: { image } }), "dev").services.grafana.image, image);
        }
        // The committed files' values pass the new rules too.
        assert.strictEqual(parseConfig(services({ cassandra: { keyspace: "systems" } }), "dev").services.cassandra.keyspace, "systems");
        assert.strictEqual(parseConfig(services({ prometheus: { retention: "292y" } }), "dev").services.prometheus.retention, "292y");
    });

    it("prod as committed: every placeholder stops it, naming the key and how to set it, and nothing is registered", async () => {
        const problems = problemsOf(committedStackConfig("prod"));
        assert.deepStrictEqual(problems, [
            'lakehouse:kubeContext: "<your-kube-context>" is a placeholder; set it with `pulumi config set --path kubeContext <value>` (README, "Deploying prod")',
            'lakehouse:storageClass: "<your-storage-class>" is a placeholder; set it with `pulumi config set --path storageClass <value>` (README, "Deploying prod")',
            'lakehouse:ingress.baseDomain: "<your-domain>" is a placeholder; set it with `pulumi config set --path ingress.baseDomain <value>` (README, "Deploying prod")',
            'lakehouse:ingress.tlsSecretName: "<your-tls-secret>" is a placeholder; set it with `pulumi config set --path ingress.tlsSecretName <value>` (README, "Deploying prod")',
        ]);
        await assert.rejects(loadProgram("prod", committedStackConfig("prod")), (e: Error) => e.name === "ConfigError");
        assert.deepStrictEqual(lastRegistered().map((r) => r.name), []);
    });

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
