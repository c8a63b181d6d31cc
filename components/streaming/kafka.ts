import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { JMX_EXPORTER_VERSION, catalog, imageRef, mavenJarUrl } from "../catalog";
import type { KafkaConfig, KafkaTopic, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { Link, Workload, oneShotJob, tcpProbe } from "../lib/workload";

export interface KafkaArgs {
    namespace: string;
    settings: KafkaConfig;
    platform: PlatformConfig;
}

/** What a Kafka client receives. */
export interface KafkaAccess {
    /** bootstrap.servers for clients inside the cluster. */
    bootstrap: string;
    /** What a client declares in its `connectsTo`. */
    link: Link;
    /** The Job that creates the topics: clients that need a topic wait for it. */
    topicsReady: pulumi.Resource;
    topics: KafkaTopic[];
    /** Replication factor internal topics of clients (Schema Registry's _schemas) must use. */
    internalReplicationFactor: number;
}

const CLIENT_PORT = 9092;
const CONTROLLER_PORT = 9093;
const METRICS_PORT = 9404;
const KAFKA_HOME = "/opt/kafka";

/**
 * The JMX exporter's rules: the broker figures the Kafka dashboard uses, under explicit names, so the
 * dashboard test can check every query against what is exported. The exporter adds its `jvm_*` metrics.
 */
export const kafkaJmxRules: { pattern: string; name: string; labels?: Record<string, string>; type: "COUNTER" | "GAUGE" }[] = [
    { pattern: "kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=(.+)><>Count", name: "kafka_topic_messages_in_total", labels: { topic: "$1" }, type: "COUNTER" },
    { pattern: "kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec, topic=(.+)><>Count", name: "kafka_topic_bytes_in_total", labels: { topic: "$1" }, type: "COUNTER" },
    { pattern: "kafka.server<type=BrokerTopicMetrics, name=BytesOutPerSec, topic=(.+)><>Count", name: "kafka_topic_bytes_out_total", labels: { topic: "$1" }, type: "COUNTER" },
    { pattern: "kafka.log<type=Log, name=LogEndOffset, topic=(.+), partition=(.+)><>Value", name: "kafka_partition_log_end_offset", labels: { topic: "$1", partition: "$2" }, type: "GAUGE" },
    { pattern: "kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value", name: "kafka_server_under_replicated_partitions", type: "GAUGE" },
    { pattern: "kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value", name: "kafka_controller_active_controller_count", type: "GAUGE" },
];

export function jmxExporterConfig(): string {
    const lines = ["lowercaseOutputName: true", "rules:"];
    for (const r of kafkaJmxRules) {
        lines.push(`  - pattern: '${r.pattern}'`, `    name: ${r.name}`, `    type: ${r.type}`);
        if (r.labels) {
            lines.push("    labels:");
            for (const [k, v] of Object.entries(r.labels)) lines.push(`      ${k}: "${v}"`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** Replication of Kafka's internal topics (offsets, transactions) and of clients' ones: 3, or fewer brokers. */
export function internalReplication(brokers: number): number {
    return Math.min(3, brokers);
}

/**
 * The KRaft settings every node shares. Each node is broker and controller at once; the controller quorum is
 * every node (static voters `<id>@<pod>.<headless>:9093`, written at start from KAFKA_NODES). Node ID and
 * advertised name come from the pod's ordinal at start. Node-to-node traffic (replication, votes) is
 * allowed by the `kafka` peer group rather than by links: a link names a Service, and each node talks to
 * particular peers through the headless one.
 */
export function kraftEnv(args: { name: string; namespace: string; settings: KafkaConfig }): Record<string, string> {
    const { name, namespace, settings } = args;
    const headless = `${name}-headless.${namespace}.svc`;
    const rf = String(internalReplication(settings.brokers));
    return {
        KAFKA_PROCESS_ROLES: "broker,controller",
        KAFKA_LISTENERS: `PLAINTEXT://:${CLIENT_PORT},CONTROLLER://:${CONTROLLER_PORT}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
        KAFKA_NODES: String(settings.brokers),
        KAFKA_POD_PREFIX: name,
        KAFKA_HEADLESS: headless,
        // A subdirectory: a fresh volume's lost+found would otherwise make Kafka refuse the log dir.
        KAFKA_LOG_DIRS: "/var/lib/kafka/data/logs",
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: rf,
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: rf,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: String(Math.min(settings.minInSyncReplicas, internalReplication(settings.brokers))),
        KAFKA_DEFAULT_REPLICATION_FACTOR: rf,
        KAFKA_MIN_INSYNC_REPLICAS: String(settings.minInSyncReplicas),
        // Topics come from config through the topics Job; a typo'd topic name must not create a new one.
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        KAFKA_HEAP_OPTS: `-Xms${settings.heap} -Xmx${settings.heap}`,
        KAFKA_OPTS: `-javaagent:/jmx/jmx_prometheus_javaagent.jar=${METRICS_PORT}:/etc/kafka-jmx/jmx.yaml`,
    };
}

// The image reads KAFKA_* variables into server.properties; the node ID and advertised listener are per pod.
const startScript = `
export KAFKA_NODE_ID="\${HOSTNAME##*-}"
export KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://\${HOSTNAME}.\${KAFKA_HEADLESS}:${CLIENT_PORT}"
voters=""
i=0
while [ "$i" -lt "$KAFKA_NODES" ]; do
  voters="\${voters:+$voters,}$i@\${KAFKA_POD_PREFIX}-$i.\${KAFKA_HEADLESS}:${CONTROLLER_PORT}"
  i=$((i + 1))
done
export KAFKA_CONTROLLER_QUORUM_VOTERS="$voters"
# The image turns every KAFKA_* variable into a server property; these three are ours, not Kafka's.
unset KAFKA_HEADLESS KAFKA_NODES KAFKA_POD_PREFIX
exec /etc/kafka/docker/run
`.trim();

// --if-not-exists makes a rerun (a new topic in config) leave existing topics alone.
const topicsScript = `
until ${KAFKA_HOME}/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  echo "waiting for Kafka at $BOOTSTRAP"; sleep 3
done
for t in $TOPICS; do
  name="\${t%%:*}"; rest="\${t#*:}"; partitions="\${rest%%:*}"; rf="\${rest#*:}"
  ${KAFKA_HOME}/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \\
    --topic "$name" --partitions "$partitions" --replication-factor "$rf" --config "min.insync.replicas=$MIN_ISR"
  echo "topic $name is there"
done
`.trim();

/** Kafka in KRaft mode: a StatefulSet of combined broker/controller nodes, its topics, and its metrics. */
export class Kafka extends LakehouseComponent {
    readonly access: KafkaAccess;
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: KafkaArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:Kafka", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.kafka;
        const runAs = { uid: pin.uid, gid: pin.gid };

        // Generated once and kept in state: a new ID on an existing volume would make Kafka refuse to start.
        const clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, this.child());
        const jmx = jmxExporterConfig();
        const conf = configFiles(
            `${name}-jmx`,
            { name: `${name}-jmx`, namespace, partOf: "kafka", data: { "jmx.yaml": jmx } },
            this.child(),
        );
        const jar = mavenJarUrl("io.prometheus.jmx", "jmx_prometheus_javaagent", JMX_EXPORTER_VERSION);

        const broker = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "kafka",
                replicas: settings.brokers,
                // Every node is a voter, and a KRaft node opens its client port (the readiness probe) only once
                // a majority of voters is up: under OrderedReady pod 0 would wait alone for pods never created.
                podManagementPolicy: "Parallel",
                runAs,
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [
                    { name: "jmx-config", configMap: { name: conf.metadata.name } },
                    { name: "jmx", emptyDir: {} },
                ],
                initContainers: [
                    {
                        // Kafka serves no Prometheus endpoint; the JMX exporter agent does, fetched like Spark's packages.
                        name: "fetch-jmx-exporter",
                        image: imageRef(catalog.curl),
                        command: ["/bin/sh", "-ec", 'curl -fsSL --retry 5 -o /jmx/jmx_prometheus_javaagent.jar "$JAR_URL"'],
                        env: { JAR_URL: jar },
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        volumeMounts: [{ name: "jmx", mountPath: "/jmx" }],
                    },
                ],
                containers: [
                    {
                        name: "kafka",
                        image: settings.image ?? imageRef(pin),
                        command: ["/bin/sh", "-ec", startScript],
                        env: { ...kraftEnv({ name, namespace, settings }), CLUSTER_ID: clusterId.b64Url },
                        ports: { client: CLIENT_PORT, controller: CONTROLLER_PORT, metrics: METRICS_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: "/var/lib/kafka/data" },
                            { name: "jmx", mountPath: "/jmx" },
                            { name: "jmx-config", mountPath: "/etc/kafka-jmx" },
                        ],
                        readinessProbe: tcpProbe("client"),
                        livenessProbe: { ...tcpProbe("controller", 20), initialDelaySeconds: 30 },
                    },
                ],
                servicePorts: [
                    { name: "client", port: CLIENT_PORT },
                    { name: "controller", port: CONTROLLER_PORT },
                    { name: "metrics", port: METRICS_PORT },
                ],
                // Brokers replicate and controllers vote among themselves, on the client and controller ports.
                peerGroup: "kafka",
                metrics: { port: "metrics", path: "/metrics" },
                platform: args.platform,
            },
            this.child(),
        );
        this.metrics = [broker.metrics!];
        const bootstrap = broker.address("client");
        const link = broker.link("client");

        const topics = oneShotJob(
            `${name}-topics`,
            {
                namespace,
                // The topic list in the name: a changed list is a new Job, which runs again.
                name: `${name}-topics-${crypto.createHash("sha256").update(JSON.stringify(settings.topics)).digest("hex").slice(0, 8)}`,
                partOf: "kafka",
                runAs,
                connectsTo: [link],
                containers: [
                    {
                        name: "create-topics",
                        image: settings.image ?? imageRef(pin),
                        command: ["/bin/sh", "-ec", topicsScript],
                        env: {
                            BOOTSTRAP: bootstrap,
                            TOPICS: settings.topics.map((t) => `${t.name}:${t.partitions}:${t.replicationFactor}`).join(" "),
                            MIN_ISR: String(settings.minInSyncReplicas),
                            KAFKA_HEAP_OPTS: "-Xmx128m",
                        },
                        resources: { requests: { cpu: "50m", memory: "192Mi" }, limits: { memory: "384Mi" } },
                    },
                ],
            },
            this.child({ dependsOn: [broker.workload] }),
        );

        this.access = {
            bootstrap,
            link,
            topicsReady: topics,
            topics: settings.topics,
            internalReplicationFactor: internalReplication(settings.brokers),
        };
        this.endpoints = { bootstrap: broker.endpoint("client", "kafka", "Kafka bootstrap servers (PLAINTEXT, in-cluster)") };
        this.registerOutputs({ bootstrap });
    }
}
