// The streaming pipeline end to end, as the standalone launcher runs it: the Spark master and workers from
// their Deployments, the four jobs' Deployments (spark-submit in client mode with their generated
// spark-defaults.conf), against the real Kafka (producer Job, topics Job), Cassandra (schema Job) and an S3
// server (S3Proxy, lib/s3.ts, with the bucket Job's folders), and the History Server reading the event logs
// from S3. Counts are exact: the producer sends N events of which floor(N × invalidFraction) are invalid, so
// bronze holds N rows, silver N − invalid, gold one row per vehicle type summing to silver, and Cassandra
// as many rows as silver.
//
// Rewritten, and nothing else: paths (/opt/spark, the mounts, the Ivy cache under /tmp/.ivy2) to sandbox and
// cache folders; in-cluster names (spark-master, object-store, kafka, cassandra Services) to the loopback
// addresses of the processes standing in for them (127.18.5.x Spark, 127.18.6.1 Kafka, 127.18.7.1
// Cassandra, 127.18.4.1 S3); listeners on all interfaces narrowed to the pod's address (see spark.ts). The
// drivers start one after the other, each once the one before is Ready (Pulumi creates each Deployment after
// the one it depends on is ready; bronze, first, fills the shared Ivy cache). The gold job's metrics server binds
// 0.0.0.0:9108 in jobs/gold.py; that one is left as it is.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { AWS_SDK_BUNDLE_VERSION, HADOOP_VERSION } from "../components/catalog";
import { CassandraNode, cassandraWhat, cql, schemaJob, startCassandra } from "./cassandra";
import { kafkaWhat, runProducerJob, runTopicsJob, startKafka } from "./kafka";
import { sandbox } from "./lib/downloads";
import { Proc, start, terminate, waitFor } from "./lib/processes";
import { httpGet, namedPorts, untilProbe } from "./lib/probes";
import { Loaded, container, graceSeconds, loadProgram, objectOf, serviceNames, withOverrides } from "./lib/program";
import { timed } from "./lib/report";
import { S3Server, startS3 } from "./lib/s3";
import { SparkEnvironment, SparkPod, pyspark, sparkEnvironment, sparkWhat, startSparkContainer } from "./spark";

const EVENTS = 200;
const JOBS = ["vehicles-bronze", "vehicles-silver", "vehicles-gold", "vehicles-cassandra"];

const procs: Proc[] = [];
let s3: S3Server | undefined;
let cassandra: CassandraNode | undefined;
after(async () => {
    // Drivers and daemons first: they flush their event logs to S3 as they stop.
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    await Promise.all([s3?.stop(), cassandra?.proc.stop()]);
});

/** floor(n × fraction), exactly as jobs/producer.py `is_invalid` spreads them. */
function invalidCount(n: number, fraction: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (Math.trunc((i + 1) * fraction) > Math.trunc(i * fraction)) k++;
    return k;
}

// Reads what the jobs committed, through S3A from the S3 server as any client would (bronze and silver
// through their file sinks' _spark_metadata logs), in Spark local mode; waits until silver and gold hold
// what they should.
const COUNTS = `
import json, os, sys, time
from pyspark.sql import SparkSession
root, want_bronze, want_silver, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), time.time() + float(sys.argv[4])
spark = (SparkSession.builder.master("local[1]").config("spark.driver.memory", "512m").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    .config("spark.jars", os.environ["S3A_JARS"])
    .config("spark.hadoop.fs.s3a.endpoint", os.environ["S3_ENDPOINT"]).config("spark.hadoop.fs.s3a.path.style.access", "true")
    .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false").config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
    .config("spark.hadoop.fs.s3a.aws.credentials.provider", "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider")
    .getOrCreate())
def read(p):
    try:
        return spark.read.parquet(f"{root}/{p}")
    except Exception:
        return None
while True:
    out = {}
    b, s, g = read("bronze/vehicles"), read("silver/vehicles"), read("gold/stats")
    out["bronze"] = b.count() if b is not None else 0
    out["silver"] = s.count() if s is not None else 0
    out["silverTypes"] = sorted(r[0] for r in s.select("type").distinct().collect()) if s is not None else []
    out["gold"] = sorted([r.asDict() for r in g.collect()], key=lambda r: r["type"]) if g is not None else []
    done = out["bronze"] == want_bronze and out["silver"] == want_silver and sum(r["events"] for r in out["gold"]) == want_silver
    if done or time.time() > deadline:
        print("COUNTS " + json.dumps(out), flush=True)
        break
    time.sleep(5)
`;

describe(`pipeline (standalone launcher): ${sparkWhat}; ${kafkaWhat}; ${cassandraWhat}`, function () {
    it(`Kafka → bronze → silver → gold → Cassandra with exact counts (${EVENTS} events), gold's gauges, the History Server listing the jobs from their S3 event logs`, async function () {
        await timed("spark", `${sparkWhat}: master, 2 workers, the 4 pipeline jobs (spark-submit, client mode) and the History Server; ${EVENTS} events end to end`, async () => {
            const l: Loaded = await loadProgram(
                "dev",
                withOverrides("dev", { "lakehouse:services": { pipeline: { launcher: "standalone" }, producer: { count: EVENTS, eventsPerSecond: 1000 } } }),
            );
            const dir = sandbox("pipeline");
            const ns = objectOf(l, "StatefulSet", "kafka").metadata.namespace;
            // Started side by side; each is stopped in after() even when another one fails to start.
            const [spark, store, kafka, node] = await Promise.all([
                pyspark(),
                startS3(l, "127.18.4.1").then((x) => (s3 = x)),
                startKafka(l, dir, ["127.18.6.1"]).then((x) => (procs.push(x.pod.proc), x)),
                startCassandra(l, dir, "127.18.7.1").then((x) => (cassandra = x)),
            ]);

            const schema = schemaJob(l, node, dir).run();
            assert.equal(schema.code, 0, `schema Job: ${schema.stdout}${schema.stderr}`);
            runTopicsJob(l, kafka.jars, kafka.hosts, dir);
            const produced = await runProducerJob(l, kafka.jars, kafka.hosts, dir);
            assert.deepEqual(produced.codes, [0, 0], produced.log);
            const invalid = invalidCount(produced.count, produced.invalidFraction);

            // The cluster: master, then its workers.
            const master = objectOf(l, "Deployment", "spark", "spark-master");
            const masterIp = "127.18.5.1";
            const hosts = { ...kafka.hosts, ...node.hosts, ...store.hosts, ...Object.fromEntries(serviceNames("spark-master", ns).map((h) => [h, masterIp])) };
            const env: SparkEnvironment = sparkEnvironment(spark, dir, hosts);
            const startReady = async (workload: any, cname: string, name: string, ip: string, readyMs: number): Promise<SparkPod> => {
                const pod = await startSparkContainer(l, workload, cname, { name, namespace: ns, ip }, env);
                procs.push(pod.proc);
                const c = container(workload, cname);
                await untilProbe(`${name} readiness`, c.readinessProbe, { ip, env: pod.env, ports: namedPorts(c) }, readyMs, [pod.proc]);
                return pod;
            };
            await startReady(master, "master", "spark-master-0", masterIp, 90_000);
            const worker = objectOf(l, "Deployment", "spark", "spark-worker");
            await Promise.all(Array.from({ length: worker.spec.replicas }, (_, i) => startReady(worker, "worker", `spark-worker-${i}`, `127.18.5.${2 + i}`, 90_000)));

            // The jobs, in the order their Deployments are created: bronze, silver after it, then gold and the
            // Cassandra sink side by side (both after silver). Bronze's first start resolves spark.jars.packages
            // into the Ivy cache (the S3A bundle alone is 558 MB).
            const drivers: Record<string, SparkPod> = {};
            const startJob = async (job: string) => {
                const d = objectOf(l, "Deployment", "pipeline", job);
                drivers[job] = await startReady(d, "driver", `${job}-0`, `127.18.5.${10 + JOBS.indexOf(job)}`, 600_000);
            };
            await startJob("vehicles-bronze");
            await startJob("vehicles-silver");
            await Promise.all([startJob("vehicles-gold"), startJob("vehicles-cassandra")]);

            // Exact counts in every layer.
            const s3aJars = [`org.apache.hadoop_hadoop-aws-${HADOOP_VERSION}.jar`, `software.amazon.awssdk_bundle-${AWS_SDK_BUNDLE_VERSION}.jar`].map((j) => path.join(env.ivy, "jars", j)).join(",");
            // Watched beside the drivers: a stream that dies (a driver exits) fails the wait at once.
            const counter = start("counts", [path.join(spark.venv, "bin", "python"), "-c", COUNTS, "s3a://lakehouse", String(produced.count), String(produced.count - invalid), "240"], {
                env: {
                    PYSPARK_PYTHON: path.join(spark.venv, "bin", "python"),
                    SPARK_LOCAL_IP: "127.18.5.30",
                    S3A_JARS: s3aJars,
                    S3_ENDPOINT: store.endpoint,
                    AWS_ACCESS_KEY_ID: store.accessKey,
                    AWS_SECRET_ACCESS_KEY: store.secretKey,
                },
                logDir: dir,
            });
            procs.push(counter);
            const exit = await waitFor("the layers' counts", async () => (counter.child.exitCode !== null ? counter.child.exitCode : undefined), 360_000, Object.values(drivers).map((d) => d.proc));
            const out = fs.readFileSync(counter.log, "utf8");
            assert.equal(exit, 0, out.slice(-3000));
            const counts = JSON.parse(/COUNTS (\{.*\})/.exec(out)?.[1] ?? "null");
            assert.ok(counts, out.slice(-3000));
            const silver = produced.count - invalid;
            assert.equal(counts.bronze, produced.count, JSON.stringify(counts));
            assert.equal(counts.silver, silver, JSON.stringify(counts));
            assert.deepEqual(counts.gold.map((g: any) => g.type), counts.silverTypes, "gold has one row per vehicle type of silver");
            assert.equal(counts.gold.reduce((n: number, g: any) => n + g.events, 0), silver);

            // Gold's gauges, as Prometheus scrapes them.
            const goldPort = namedPorts(container(objectOf(l, "Deployment", "pipeline", "vehicles-gold"), "driver")).metrics;
            const gauges = await waitFor(
                "gold's gauges summing to silver",
                async () => {
                    const m = await httpGet(`http://${drivers["vehicles-gold"].ip}:${goldPort}/metrics`);
                    const sum = [...m.body.matchAll(/^lakehouse_vehicle_events\{type="[^"]+"\} ([\d.]+)$/gm)].reduce((n, x) => n + Number(x[1]), 0);
                    return sum === silver ? m.body : undefined;
                },
                60_000,
            );
            assert.match(gauges, /^lakehouse_vehicle_battery_avg\{type="/m);

            // Cassandra holds every silver event.
            const { KEYSPACE, APP_USER, APP_PASSWORD } = schemaJob(l, node, dir).env;
            const rows = await waitFor(
                "Cassandra rows = silver",
                () => {
                    const q = cql(node, dir, `SELECT COUNT(*) FROM ${KEYSPACE}.positions`, { user: APP_USER, password: APP_PASSWORD });
                    const n = Number(/^\s*(\d+)\s*$/m.exec(q.stdout)?.[1]);
                    return n === silver ? n : undefined;
                },
                120_000,
            );
            assert.equal(rows, silver);

            // The History Server lists the four applications from their event logs in S3. S3A writes an object
            // only when its stream closes, so a running driver's log is not there yet: the drivers are stopped
            // first, as the kubelet stops them (SIGTERM to the container's process, the pod's grace period),
            // and Spark's shutdown hook closes each event log.
            for (const [job, d] of Object.entries(drivers)) {
                const grace = graceSeconds(objectOf(l, "Deployment", "pipeline", job));
                const stopped = await terminate(d.proc, "SIGTERM", grace);
                assert.ok(!stopped.killed, `${job}: still running ${grace}s after SIGTERM\n${d.proc.tail()}`);
            }
            const history = objectOf(l, "Deployment", "sparkHistory");
            const hs = await startReady(history, "history", "spark-history-0", "127.18.5.20", 120_000);
            const uiPort = namedPorts(container(history, "history")).ui;
            const apps = await waitFor(
                "the History Server listing the pipeline's applications",
                async () => {
                    const a = await httpGet(`http://${hs.ip}:${uiPort}/api/v1/applications`);
                    const names: string[] = a.status === 200 ? JSON.parse(a.body).map((x: any) => x.name) : [];
                    return JOBS.every((j) => names.includes(j)) ? names : undefined;
                },
                120_000,
                [hs.proc],
            );
            assert.deepEqual(JOBS.filter((j) => apps.includes(j)), JOBS);
        });
    });
});
