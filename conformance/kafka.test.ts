// Kafka as the program generates it, run from Maven Central's jars through the image's start path (see
// kafka.ts): the dev single node with the topics Job, the producer Job and a scrape of the JMX exporter, and
// prod's three voters started the way the StatefulSet's podManagementPolicy starts them.
//
// Rewritten, and nothing else: the image's paths (/etc/kafka/docker, /opt/kafka, the volumes' mount paths) to
// a sandbox folder; the pods' in-cluster names (kafka-N.kafka-headless.<ns>.svc, kafka.<ns>.svc) to each
// pod's loopback address 127.18.<stack>.<N+1>, and listeners on all interfaces (`://:9092`, the JMX agent's
// `=9404:`) narrowed to that address, so three pods share the ports on one machine.

import { strict as assert } from "assert";
import { kafkaJmxRules } from "../components/streaming/kafka";
import { JMX_EXPORTER_VERSION, KafkaPod, consume, describeTopic, kafkaHosts, kafkaJars, kafkaWhat, runProducerJob, runTopicsJob, startKafka, startKafkaPod, topicRecords } from "./kafka";
import { sandbox } from "./lib/downloads";
import { Proc, waitFor } from "./lib/processes";
import { namedPorts, httpGet, runProbe, untilProbe } from "./lib/probes";
import { Loaded, container, loadProgram, object, withOverrides } from "./lib/program";
import { startStatefulSet } from "./lib/statefulSet";
import { timed } from "./lib/report";

const NS = "lakehouse";
/** How long a pod may take to become Ready (the kubelet would wait forever; OrderedReady then never goes on). */
const READY_MS = 120_000;
const EVENTS = 200;

const procs: Proc[] = [];
afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
});

function ready(l: Loaded, sts: any, pod: KafkaPod) {
    const c = container(sts, "kafka");
    return untilProbe(`${pod.name} readiness (${JSON.stringify(c.readinessProbe.tcpSocket)})`, c.readinessProbe, { ip: pod.ip, env: pod.env, ports: namedPorts(c) }, READY_MS, [pod.proc]);
}

async function live(sts: any, pod: KafkaPod) {
    const c = container(sts, "kafka");
    const r = await runProbe(c.livenessProbe, { ip: pod.ip, env: pod.env, ports: namedPorts(c) });
    assert.ok(r.ok, `${pod.name} liveness: ${r.detail}`);
}

describe(`Kafka ${kafkaWhat}`, function () {

    it("dev: the single node becomes Ready and Live; the topics Job creates the topics; the producer Job sends exactly `count` events; the JMX exporter serves every series the dashboard reads", async function () {
        await timed("kafka", `${kafkaWhat}; dev node, topics Job, producer Job (${EVENTS} events), JMX exporter ${JMX_EXPORTER_VERSION} scraped`, async () => {
            const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { producer: { count: EVENTS, eventsPerSecond: 1000 } } }));
            const dir = sandbox("kafka-dev");
            const { jars, sts, hosts, pod } = await startKafka(l, dir, ["127.18.1.1"], READY_MS);
            procs.push(pod.proc);
            await live(sts, pod);

            const topics = runTopicsJob(l, jars, hosts, dir);
            const t = describeTopic(topics.bin, topics.bootstrap, "vehicle-events");
            assert.deepEqual({ partitions: t.partitions, replicationFactor: t.replicationFactor }, { partitions: 3, replicationFactor: 1 }, topics.out);

            const produced = await runProducerJob(l, jars, hosts, dir);
            assert.deepEqual(produced.codes, [0, 0], `producer Job containers exited ${produced.codes}:\n${produced.log}`);
            assert.match(produced.log, new RegExp(`produced ${EVENTS} events`));
            assert.equal(topicRecords(topics.bin, topics.bootstrap, "vehicle-events"), EVENTS);
            // A consumer reads them back (and so the broker counts bytes out); each record is one JSON event.
            const records = consume(topics.bin, topics.bootstrap, "vehicle-events", EVENTS);
            assert.equal(records.length, EVENTS);
            for (const r of records) assert.equal(typeof JSON.parse(r), "object", r);

            // The JMX exporter, as Prometheus scrapes it: every series the rules name, with the real figures.
            const metricsPort = namedPorts(container(sts, "kafka")).metrics;
            const body = await waitFor(
                "a JMX exporter scrape with the topic's messages",
                async () => {
                    const r = await httpGet(`http://${pod.ip}:${metricsPort}/metrics`);
                    return r.status === 200 && new RegExp(`kafka_topic_messages_in_total\\{topic="vehicle-events",?\\} ${EVENTS}`).test(r.body) ? r.body : undefined;
                },
                60_000,
                [pod.proc],
            );
            for (const rule of kafkaJmxRules) assert.match(body, new RegExp(`^${rule.name}[{ ]`, "m"), `the exporter serves no ${rule.name}`);
            assert.match(body, /^kafka_controller_active_controller_count(\{[^}]*\})? 1(\.0)?$/m);
        });
    });

    it("prod: three voters started as the StatefulSet's pod management starts them all become Ready and Live; the topics Job creates replicated topics", async function () {
        // Heaps made small through config, so three brokers fit beside the rest of the suite.
        const l = await loadProgram("prod", withOverrides("prod", { "lakehouse:services": { kafka: { heap: "256m" } } }));
        const sts = object(l, "StatefulSet", "kafka", NS);
        const policy = sts.spec.podManagementPolicy ?? "OrderedReady";
        await timed("kafka", `${kafkaWhat}; prod quorum of ${sts.spec.replicas} started ${policy}, topics Job`, async () => {
            const dir = sandbox("kafka-prod");
            const ips = Array.from({ length: sts.spec.replicas }, (_, i) => `127.18.2.${i + 1}`);
            const hosts = kafkaHosts(sts, ips);
            const jars = await kafkaJars();
            const pods: KafkaPod[] = [];
            await startStatefulSet(
                sts,
                async (i) => {
                    const pod = await startKafkaPod(l, sts, i, ips, dir, jars);
                    pods.push(pod);
                    procs.push(pod.proc);
                    return [pod.proc];
                },
                (p) => ready(l, sts, pods[p.ordinal]),
            );
            assert.equal(pods.length, 3);
            for (const pod of pods) await live(sts, pod);

            const topics = runTopicsJob(l, jars, hosts, dir);
            const t = describeTopic(topics.bin, topics.bootstrap, "vehicle-events");
            assert.deepEqual({ partitions: t.partitions, replicationFactor: t.replicationFactor }, { partitions: 6, replicationFactor: 3 }, topics.out);
            assert.match(t.configs, /min\.insync\.replicas=2/);
        });
    });
});
