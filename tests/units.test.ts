import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { SPARK_VERSION, catalog, charts, rootCatalog, sparkPackages } from "../components/catalog";
import { sampleNotebook } from "../components/compute/sampleNotebook";
import { sparkDefaults } from "../components/compute/spark";
import { assignLocalPorts } from "../components/lib/endpoint";
import { parseBytes, parseCpu, parseSparkSize } from "../components/lib/quantity";
import { renderEndpoints } from "../scripts/endpoints";
import { footprint, total } from "../scripts/footprintCalc";
import { k8sObjects, loadStack } from "./harness";

describe("quantities", () => {
    it("parses CPU and memory the way Kubernetes does", () => {
        assert.strictEqual(parseCpu("250m"), 0.25);
        assert.strictEqual(parseCpu("2"), 2);
        assert.strictEqual(parseCpu("1.5"), 1.5);
        assert.strictEqual(parseCpu("1Gi"), undefined);
        assert.strictEqual(parseBytes("512Mi"), 512 * 2 ** 20);
        assert.strictEqual(parseBytes("1G"), 1e9);
        assert.strictEqual(parseBytes("2gb"), undefined);
        assert.strictEqual(parseBytes("512m"), undefined, "milli-bytes are always a typo");
        assert.strictEqual(parseSparkSize("1g"), 2 ** 30);
        assert.strictEqual(parseSparkSize("1Gi"), undefined);
    });
});

describe("endpoints", () => {
    it("gives every port-forward its own local port, moving privileged ports up", () => {
        assert.deepStrictEqual(assignLocalPorts([9000, 9001, 8080, 9000, 80, 8080]), [9000, 9001, 8080, 9002, 8080 + 1, 8082]);
        assert.deepStrictEqual(assignLocalPorts([443]), [8443]);
    });

    it("renders the endpoints output as a table", () => {
        const out = renderEndpoints({
            endpoints: {
                spark: {
                    ui: { url: "http://spark-master.lakehouse.svc:8080", external: "http://172.18.255.200:8080", ingressUrl: "http://spark.lakehouse.localhost", portForward: "kubectl pf" },
                    master: { url: "spark://spark-master.lakehouse.svc:7077", portForward: "kubectl pf2" },
                },
            },
        });
        assert.match(out, /^ENDPOINT\s+IN-CLUSTER URL\s+EXTERNAL\s+INGRESS\s+PORT-FORWARD$/m);
        assert.match(out, /^spark\.ui\s+http:\/\/spark-master\.lakehouse\.svc:8080\s+http:\/\/172\.18\.255\.200:8080\s+http:\/\/spark\.lakehouse\.localhost\s+kubectl pf$/m);
        assert.match(out, /^spark\.master\s+spark:\/\/spark-master\.lakehouse\.svc:7077\s+-\s+-\s+kubectl pf2$/m);
        // Which way in works on which OS.
        assert.match(out, /^INGRESS URLs and PORT-FORWARD commands work on Linux, macOS and Windows; EXTERNAL \(MetalLB\) addresses only from a Linux host\.$/m);
        assert.match(renderEndpoints({}), /no endpoints/);
    });
});

// A public source is an address, a repository (owner/name) with a file path in it, or a repository's tag.
const PUBLIC_SOURCE = /https?:\/\/\S+|\b[\w.-]+\/[\w.-]+ (?:tag |release )?(?:[\w.-]+\/)*(?:Dockerfile|[\w.-]+\.(?:ya?ml|json|toml|sh|md|py|txt|xml|properties|gradle|tf|ts|js|conf))\b|\b[\w.-]+\/[\w.-]+ (?:tag|release) v?\d/;
// Our own research tools and team notes: pointers a reader outside the team cannot follow.
const WORKBENCH = new RegExp(["find" + "_string", "find" + "_files", "find" + "_repos", "read" + "_file", "FACTS" + "\\.md", "\\(search\\b", "\\bsearch \\((?:code|docs|issues|pages)"].join("|"));

describe("catalog", () => {
    it("pins every image to an exact tag, with a UID and where it was confirmed", () => {
        for (const [name, pin] of Object.entries(catalog)) {
            const tag: string = pin.tag;
            assert.ok(/^[\w][\w.-]*$/.test(tag) && tag !== "latest", name);
            assert.ok(pin.uid > 0, `${name} must run as a non-root UID`);
            assert.ok(pin.confirmed.length > 10, `${name}: say where the tag was confirmed`);
        }
    });

    it("each pin and chart says where it was confirmed by a public source (a repository path, a tag or a URL), never a tool or a file of our own", () => {
        // Entries, not one spread object: charts share names with images (sparkOperator, traefik), and a spread
        // would keep only one of each; the prefix tells them apart in a failure message.
        const pins = [...Object.entries(catalog), ...Object.entries(rootCatalog), ...Object.entries(charts).map(([n, c]) => [`chart ${n}`, c] as const)];
        for (const [name, pin] of pins) {
            assert.match(pin.confirmed, PUBLIC_SOURCE, `${name}: "${pin.confirmed}" names no public source`);
            assert.doesNotMatch(pin.confirmed, WORKBENCH, `${name}: "${pin.confirmed}" names our own tooling, not a public source`);
        }
    });

    it("no committed file names a tool or a file of our own workbench as a source", () => {
        const files = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n").filter((f) => f && f !== "tests/units.test.ts");
        const named = files.filter((f) => WORKBENCH.test(fs.readFileSync(f, "utf8")));
        assert.deepStrictEqual(named, []);
    });

    it("the notebook and the cluster carry the same Spark release", () => {
        assert.ok(catalog.spark.tag.startsWith(`${SPARK_VERSION}-`), catalog.spark.tag);
        assert.strictEqual(catalog.jupyter.tag, `spark-${SPARK_VERSION}`);
        assert.ok(sparkPackages.delta.includes("_2.13:4."), "Delta for Spark 4 / Scala 2.13");
        assert.ok(sparkPackages.iceberg.includes("spark-runtime-4.0_2.13"), "Iceberg for Spark 4.0 / Scala 2.13");
    });
});

describe("spark defaults", () => {
    const base = { masterUrl: "spark://m.ns.svc:7077", s3Endpoint: "http://s3.ns.svc:9000", bucket: "lake" };
    it("wires S3A path-style to the object store without credentials in the file", () => {
        const conf = sparkDefaults({ ...base, tableFormat: "none" });
        assert.strictEqual(conf["spark.hadoop.fs.s3a.endpoint"], "http://s3.ns.svc:9000");
        assert.strictEqual(conf["spark.hadoop.fs.s3a.path.style.access"], "true");
        assert.strictEqual(conf["spark.hadoop.fs.s3a.connection.ssl.enabled"], "false");
        assert.strictEqual(conf["spark.sql.warehouse.dir"], "s3a://lake/warehouse");
        assert.strictEqual(conf["spark.jars.packages"], sparkPackages.s3a);
        assert.ok(!Object.keys(conf).some((k) => /secret|access\.key|password/i.test(k)));
    });
    it("adds the table format's package and catalog", () => {
        const delta = sparkDefaults({ ...base, tableFormat: "delta" });
        assert.strictEqual(delta["spark.jars.packages"], `${sparkPackages.s3a},${sparkPackages.delta}`);
        assert.strictEqual(delta["spark.sql.extensions"], "io.delta.sql.DeltaSparkSessionExtension");
        const iceberg = sparkDefaults({ ...base, tableFormat: "iceberg" });
        assert.strictEqual(iceberg["spark.jars.packages"], `${sparkPackages.s3a},${sparkPackages.iceberg}`);
        assert.strictEqual(iceberg["spark.sql.catalog.spark_catalog.warehouse"], "s3a://lake/warehouse");
    });
});

describe("sample notebook", () => {
    it("is a valid nbformat 4 notebook that writes to and reads back from the bucket", () => {
        const nb = JSON.parse(sampleNotebook());
        assert.strictEqual(nb.nbformat, 4);
        const code = nb.cells.filter((c: any) => c.cell_type === "code").map((c: any) => c.source.join(""));
        assert.ok(code.some((s: string) => s.includes(".write.") && s.includes("s3a://")));
        assert.ok(code.some((s: string) => s.includes("spark.read") && s.includes("assert")));
        for (const c of nb.cells) if (c.cell_type === "code") assert.deepStrictEqual(c.outputs, []);
    });
});

describe("footprint", () => {
    it("sums requests and limits per service, replicas included, jobs apart", async () => {
        const f = footprint(k8sObjects(await loadStack("dev")).map((r) => r.inputs));
        const spark = f.running.find((r) => r.service === "spark")!;
        // master 100m/512Mi + 2 workers × 250m/1536Mi
        assert.strictEqual(spark.pods, 3);
        assert.strictEqual(spark.requestsCpu, 0.6);
        assert.strictEqual(spark.requestsMemory, (512 + 2 * 1536) * 2 ** 20);
        assert.deepStrictEqual(f.jobs.map((r) => r.service), ["pyspark-pi", "spark-pi", "objectStore", "cassandra", "kafka", "producer"]);
    });

    it("counts SparkApplications as Spark sizes their pods: streams run for good, batch runs with the jobs", async () => {
        const f = footprint(k8sObjects(await loadStack("dev")).map((r) => r.inputs));
        // Pods of 512m heap + 384m overhead (a memory request and limit of 896Mi) limited to one core each.
        const pods = (service: string, n: number, cpuRequest: number) => {
            const memory = n * 896 * 2 ** 20;
            return { service, pods: n, requestsCpu: n * cpuRequest, requestsMemory: memory, limitsCpu: n, limitsMemory: memory };
        };
        // Four streaming applications (bronze, silver, gold, Cassandra sink), each a driver and an executor.
        assert.deepStrictEqual(f.running.find((r) => r.service === "pipeline"), pods("pipeline", 8, 0.05));
        // The examples in each of the two teams: a driver and an executor, a quarter core requested.
        assert.deepStrictEqual(f.jobs.find((r) => r.service === "pyspark-pi"), pods("pyspark-pi", 4, 0.25));
    });

    // 6Gi before the streaming pipeline, which adds Kafka (640Mi, a 384m heap), Cassandra (1Gi, its smallest
    // workable heap of 512M), Schema Registry and Kafka UI (320Mi each), Grafana (128Mi) and the four
    // streaming jobs. On the Spark Operator (dev's default) each job is a driver and an executor pod of
    // 896Mi (Spark's smallest heap, 512m, plus its 384m minimum overhead): 7Gi, and 15Gi in all. With
    // `services.pipeline.launcher: standalone` the executors share the Spark workers and only four 512Mi
    // submit pods are added, about 10Gi in all. Requests, not limits: Kind and k3d nodes each offer the
    // host's memory, so what matters is use, which stays below the requests for the idle JVMs of dev.
    it("keeps the whole dev platform laptop-sized (requests within 2.5 CPUs and 15.5Gi)", async () => {
        const t = total(footprint(k8sObjects(await loadStack("dev")).map((r) => r.inputs)).running);
        assert.ok(t.requestsCpu <= 2.5, `dev requests ${t.requestsCpu} CPUs`);
        assert.ok(t.requestsMemory <= 15.5 * 2 ** 30, `dev requests ${t.requestsMemory / 2 ** 30} GiB`);
    });
});
