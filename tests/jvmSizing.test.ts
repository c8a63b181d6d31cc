import * as assert from "assert";
import { parseBytes, parseSparkSize } from "../components/lib/quantity";
import { loadAllOn } from "./allServices";
import { k8sObjects, loadStack } from "./harness";

// Requests stay honest while dev shrinks: for every JVM whose heap the program sets, the heap plus the
// memory a JVM needs beside it fits the container's limit, and the request covers at least the heap.
// Where the heap is set: -Xmx in any env value or argument (KAFKA_HEAP_OPTS, SCHEMA_REGISTRY_HEAP_OPTS,
// JAVA_OPTS, the History Server's Ivy), MAX_HEAP_SIZE (Cassandra), SPARK_DAEMON_MEMORY (Spark's daemons,
// plus the executors a worker hosts, its --memory), -XX:MaxRAMPercentage (Trino, Nessie: a share of the
// limit). SparkApplication pods are sized by Spark itself (memory + overhead), so they are honest by
// construction and not listed here.

const MiB = 2 ** 20;
/** Metaspace, threads, code cache and buffers: what a small JVM uses beside its heap. */
const JVM_OVERHEAD = 256 * MiB;
/** Cassandra's memtables, bloom filters and netty buffers live off the heap too. */
const CASSANDRA_OVERHEAD = 512 * MiB;

const javaSize = (s: string) => parseSparkSize(s.toLowerCase()) ?? NaN;

interface Jvm {
    where: string;
    heap: number;
    overhead: number;
    request: number;
    limit: number;
}

/** The JVMs of a stack's pod templates whose heap the program sets. */
export function jvms(objects: any[]): Jvm[] {
    const out: Jvm[] = [];
    for (const o of objects) {
        if (!["Deployment", "StatefulSet", "Job"].includes(o.kind)) continue;
        const spec = o.spec.template.spec;
        for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
            const env: Record<string, string> = Object.fromEntries((c.env ?? []).filter((e: any) => typeof e.value === "string").map((e: any) => [e.name, e.value]));
            const words = [...(c.command ?? []), ...(c.args ?? []), ...Object.values(env)].join(" ");
            const limit = parseBytes(String(c.resources?.limits?.memory ?? "0")) ?? 0;
            const request = parseBytes(String(c.resources?.requests?.memory ?? "0")) ?? 0;
            const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${c.name}`;
            let heap: number | undefined;
            let overhead = JVM_OVERHEAD;
            const xmx = /-Xmx([0-9]+[kKmMgG])/.exec(words);
            const pct = /-XX:MaxRAMPercentage=([0-9.]+)/.exec(words);
            if (env.MAX_HEAP_SIZE) {
                heap = javaSize(env.MAX_HEAP_SIZE);
                overhead = CASSANDRA_OVERHEAD;
            } else if (env.SPARK_DAEMON_MEMORY) {
                // A worker's pod also holds the executors it launches, up to its --memory.
                const memory = /--memory ([0-9]+[mg])/.exec(words);
                heap = javaSize(env.SPARK_DAEMON_MEMORY) + (memory ? javaSize(memory[1]) : 0);
            } else if (xmx) {
                heap = javaSize(xmx[1]);
            } else if (pct) {
                heap = (Number(pct[1]) / 100) * limit;
                overhead = 0; // the rest of the limit is the overhead by definition
            }
            if (heap !== undefined) out.push({ where, heap, overhead, request, limit });
        }
    }
    return out;
}

function problems(list: Jvm[]): string[] {
    return list.flatMap((j) => [
        ...(j.heap + j.overhead > j.limit ? [`${j.where}: heap ${j.heap / MiB}Mi + ${j.overhead / MiB}Mi overhead exceeds the limit ${j.limit / MiB}Mi`] : []),
        ...(j.request < j.heap ? [`${j.where}: request ${j.request / MiB}Mi is below the heap ${j.heap / MiB}Mi`] : []),
    ]);
}

describe("JVM sizing: heap, request and limit", () => {
    for (const [name, load] of [
        ["dev", () => loadStack("dev")],
        ["dev with every service on", () => loadAllOn("dev")],
        ["prod", () => loadStack("prod")],
    ] as const) {
        it(`${name}: each JVM's heap plus overhead fits its limit, and its request covers the heap`, async () => {
            const list = jvms(k8sObjects(await load()).map((r) => r.inputs));
            const names = list.map((j) => j.where).join("\n");
            for (const expected of ["kafka", "cassandra", "spark-master", "spark-worker", "spark-history", "schema-registry"]) {
                assert.ok(list.some((j) => j.where.includes(`/${expected} `)), `a JVM of ${expected} is checked:\n${names}`);
            }
            assert.deepStrictEqual(problems(list), []);
        });
    }

    it("catches a request below the heap and a heap without room in the limit", () => {
        const pod = (env: Record<string, string>, requests: string, limits: string) => ({
            kind: "Deployment",
            metadata: { namespace: "ns", name: "x" },
            spec: { template: { spec: { containers: [{ name: "c", env: Object.entries(env).map(([n, v]) => ({ name: n, value: v })), resources: { requests: { memory: requests }, limits: { memory: limits } } }] } } },
        });
        assert.deepStrictEqual(problems(jvms([pod({ KAFKA_HEAP_OPTS: "-Xms384m -Xmx384m" }, "256Mi", "1Gi")])), ["Deployment ns/x c: request 256Mi is below the heap 384Mi"]);
        assert.deepStrictEqual(problems(jvms([pod({ MAX_HEAP_SIZE: "1G" }, "1Gi", "1280Mi")])), ["Deployment ns/x c: heap 1024Mi + 512Mi overhead exceeds the limit 1280Mi"]);
        assert.deepStrictEqual(problems(jvms([pod({ SPARK_DAEMON_MEMORY: "256m" }, "1Gi", "2Gi")])), []);
    });
});
