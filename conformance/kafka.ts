// Kafka from Maven Central's jars, started the way the apache/kafka image starts it.
//
// Our StatefulSet's command runs a script that ends in `exec /etc/kafka/docker/run`. In the image that is
// apache/kafka docker/resources/common-scripts/run: it sources bash-config, configureDefaults (a default
// CLUSTER_ID), configure (KRaft checks; KAFKA_LISTENERS derived from the advertised ones when unset) and
// docker/jvm/launch, which runs `kafka-run-class.sh kafka.docker.KafkaDockerWrapper setup --default-configs-dir
// /etc/kafka/docker --mounted-configs-dir /mnt/shared/config --final-configs-dir /opt/kafka/config` (every
// KAFKA_* variable becomes a server property, then the storage is formatted with CLUSTER_ID) and then `exec
// kafka-server-start.sh /opt/kafka/config/server.properties` (kafka.Kafka). The Kafka tarball's bin/ and
// config/ are not on Maven Central, so `kafkaImage` lays out stand-ins at the image's paths under a sandbox
// folder: `run` doing those steps, and bin scripts that run the same main classes with kafka-run-class.sh's
// JVM options (bin/kafka-topics.sh → org.apache.kafka.tools.TopicCommand, and so on). Left out: the image's
// class-data-sharing archives (-XX:SharedArchiveFile, built in the image), GC logging (-loggc), and the
// SSL/SASL branches of configure, which our listeners don't use. The image runs Temurin 21; this runs the
// machine's Java (17, which Kafka 4 supports for brokers).

import * as fs from "fs";
import * as path from "path";
import { JMX_EXPORTER_VERSION, catalog } from "../components/catalog";
import { mavenJarOf, mavenJars } from "./lib/downloads";
import { Loaded, PodFacts, commandLine, container, containerEnv, findObject, mountVolumes, objectOf, rewrite, rewritePaths, serviceNames } from "./lib/program";
import { Proc, assertFree, run, start } from "./lib/processes";
import { namedPorts, untilProbe } from "./lib/probes";

export const KAFKA_VERSION = catalog.kafka.tag;
/** The log4j-core release kafka_2.13 4.3.1 depends on; its SLF4J binding (in the tarball's libs/) gives the broker a log. */
const LOG4J_VERSION = "2.25.4";

export const kafkaWhat = `kafka_2.13 ${KAFKA_VERSION} + kafka-tools (Maven Central), KafkaDockerWrapper setup + kafka.Kafka, Java 17`;

export function kafkaJars(): Promise<string> {
    return mavenJars(`kafka-${KAFKA_VERSION}`, [
        `org.apache.kafka:kafka_2.13:${KAFKA_VERSION}`,
        `org.apache.kafka:kafka-tools:${KAFKA_VERSION}`,
        `org.apache.logging.log4j:log4j-slf4j-impl:${LOG4J_VERSION}`,
    ]);
}

// Stand-ins for the tarball's config/log4j2.yaml and config/tools-log4j2.yaml: the broker logs INFO to stdout,
// tools WARN to stderr, as the tarball's do.
const LOG4J2 = (level: string, target: string) => `Configuration:
  Appenders:
    Console:
      name: CONSOLE
      target: ${target}
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: ${level}
      AppenderRef:
        - ref: CONSOLE
`;

/**
 * In-cluster names of a Kafka StatefulSet's pods (`<pod>.<headless>.<ns>.svc`, the names the start script
 * advertises and lists as voters) and of its Service, mapped to the loopback addresses standing in for them.
 * The Service name maps to pod 0, one of the endpoints a Service would pick.
 */
export function kafkaHosts(sts: any, ips: string[]): Record<string, string> {
    const { name, namespace } = sts.metadata;
    const map: Record<string, string> = {};
    ips.forEach((ip, i) => {
        for (const h of serviceNames(`${name}-headless`, namespace)) map[`${name}-${i}.${h}`] = ip;
    });
    for (const h of serviceNames(name, namespace)) map[h] = ips[0];
    return map;
}

/**
 * The image's paths under `root`: /etc/kafka/docker/run and its default configs, /opt/kafka/bin and config,
 * /mnt/shared/config. `hosts` and `ip` are for the pod that will run it: before the image's own steps, `run`
 * rewrites the in-cluster names in the listener and voter variables the start script exported to their
 * loopback addresses, and narrows listeners on all interfaces (`://:9092`) to the pod's address, so several
 * pods share the ports. Returns the container path → host path map.
 */
export function kafkaImage(jars: string, root: string, pod: { ip: string; hosts: Record<string, string> }): Record<string, string> {
    const docker = path.join(root, "etc/kafka/docker");
    const home = path.join(root, "opt/kafka");
    const mounted = path.join(root, "mnt/shared/config");
    for (const d of [docker, path.join(home, "bin"), path.join(home, "config"), mounted]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(docker, "log4j2.yaml"), LOG4J2("INFO", "SYSTEM_OUT"));
    fs.writeFileSync(path.join(docker, "tools-log4j2.yaml"), LOG4J2("WARN", "SYSTEM_ERR"));
    fs.writeFileSync(path.join(home, "config/tools-log4j2.yaml"), LOG4J2("WARN", "SYSTEM_ERR"));
    const hostRewrites = Object.entries(pod.hosts)
        .sort(([a], [b]) => b.length - a.length)
        .map(([h, ip]) => `  val="\${val//${h}/${ip}}"`)
        .join("\n");
    const script = (name: string, body: string) => {
        const f = path.join(name.startsWith("run") ? docker : path.join(home, "bin"), name);
        fs.writeFileSync(f, `#!/usr/bin/env bash\n${body.trim()}\n`, { mode: 0o755 });
    };
    script(
        "run",
        `
# Harness only: in-cluster names -> loopback addresses, listeners on all interfaces -> the pod's address.
for v in KAFKA_LISTENERS KAFKA_ADVERTISED_LISTENERS KAFKA_CONTROLLER_QUORUM_VOTERS; do
  [ -n "\${!v-}" ] || continue
  val="\${!v}"
${hostRewrites}
  val="\${val//:\\/\\/:/://${pod.ip}:}"
  export "$v=$val"
done
# bash-config
set -o nounset -o errexit
# configureDefaults
: "\${CLUSTER_ID:=5L6g3nShT-eMCtK--X86sw}"; export CLUSTER_ID
# configure (KRaft part)
if [[ -n "\${KAFKA_PROCESS_ROLES-}" ]]; then
  [[ -n "\${CLUSTER_ID-}" ]] || { echo "CLUSTER_ID environment variable not set"; exit 1; }
  if [[ $KAFKA_PROCESS_ROLES == "controller" ]]; then
    [[ -z "\${KAFKA_ADVERTISED_LISTENERS-}" ]] || { echo "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."; exit 1; }
    unset KAFKA_ADVERTISED_LISTENERS
  fi
fi
if [[ -z "\${KAFKA_LISTENERS-}" ]] && [[ "\${KAFKA_PROCESS_ROLES-}" != "controller" ]] && [[ -n "\${KAFKA_ADVERTISED_LISTENERS-}" ]]; then
  export KAFKA_LISTENERS=$(echo "$KAFKA_ADVERTISED_LISTENERS" | sed -e 's|://[^:]*:|://0.0.0.0:|g')
fi
[[ -w ${home}/config/ ]] || { echo "${home}/config/ file not writable"; exit 1; }
# launch
if [ -z "\${KAFKA_JMX_OPTS-}" ]; then
  export KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote=true -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false "
fi
echo "===> Using provided cluster id $CLUSTER_ID ..."
result=$(${home}/bin/kafka-run-class.sh kafka.docker.KafkaDockerWrapper setup \\
  --default-configs-dir ${docker} --mounted-configs-dir ${mounted} --final-configs-dir ${home}/config 2>&1) || \\
  echo $result | grep -i "already formatted" || { echo $result && (exit 1); }
exec ${home}/bin/kafka-server-start.sh ${home}/config/server.properties
`,
    );
    script(
        "kafka-run-class.sh",
        `
base_dir=$(dirname "$0")/..
LOG_DIR=\${LOG_DIR:-$base_dir/logs}
mkdir -p "$LOG_DIR"
KAFKA_LOG4J_OPTS=\${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml}
KAFKA_HEAP_OPTS=\${KAFKA_HEAP_OPTS:--Xmx256M}
KAFKA_JVM_PERFORMANCE_OPTS=\${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS \${KAFKA_GC_LOG_OPTS-} \${KAFKA_JMX_OPTS-} -Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS -cp "${jars}/*" \${KAFKA_OPTS-} "$@"
`,
    );
    script(
        "kafka-server-start.sh",
        `
base_dir=$(dirname "$0")
export KAFKA_LOG4J_OPTS=\${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/../config/log4j2.yaml}
export KAFKA_HEAP_OPTS=\${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
exec $base_dir/kafka-run-class.sh kafka.Kafka "$@"
`,
    );
    script("kafka-topics.sh", `exec $(dirname "$0")/kafka-run-class.sh org.apache.kafka.tools.TopicCommand "$@"`);
    script("kafka-get-offsets.sh", `exec $(dirname "$0")/kafka-run-class.sh org.apache.kafka.tools.GetOffsetShell "$@"`);
    script("kafka-console-consumer.sh", `export KAFKA_HEAP_OPTS=\${KAFKA_HEAP_OPTS:--Xmx512M}\nexec $(dirname "$0")/kafka-run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer "$@"`);
    script("kafka-console-producer.sh", `export KAFKA_HEAP_OPTS=\${KAFKA_HEAP_OPTS:--Xmx512M}\nexec $(dirname "$0")/kafka-run-class.sh org.apache.kafka.tools.ConsoleProducer "$@"`);
    return { "/etc/kafka/docker": docker, "/opt/kafka": home, "/mnt/shared/config": mounted };
}

/**
 * What an init container that curls one Maven Central jar to a path (`curl ... -o <path> "$JAR_URL"`) leaves
 * behind, done through mvn: the same artifact at the same (rewritten) path.
 */
export async function fetchLikeInitContainer(init: any, env: Record<string, string>, paths: Record<string, string>): Promise<void> {
    const script = commandLine(init, env).join(" ");
    const out = /-o (\S+)/.exec(script)?.[1];
    if (!out || !env.JAR_URL) throw new Error(`init container ${init.name}: expected curl -o <path> "$JAR_URL", got: ${script}`);
    fs.copyFileSync(await mavenJarOf(env.JAR_URL), rewritePaths(out, paths));
}

export interface KafkaPod {
    name: string;
    ip: string;
    env: Record<string, string>;
    paths: Record<string, string>;
    proc: Proc;
}

/**
 * One pod of the Kafka StatefulSet: its volumes laid out under `dir`, its init container's jar in place, its
 * container's env (paths rewritten; the JMX agent's `=<port>:` narrowed to `=<ip>:<port>:`) and command.
 */
export async function startKafkaPod(l: Loaded, sts: any, ordinal: number, ips: string[], dir: string, jars: string): Promise<KafkaPod> {
    const name = `${sts.metadata.name}-${ordinal}`;
    const pod: PodFacts = { name, namespace: sts.metadata.namespace, ip: ips[ordinal] };
    const c = container(sts, "kafka");
    const root = path.join(dir, name);
    const paths = { ...mountVolumes(l, sts, c, root), ...kafkaImage(jars, root, { ip: pod.ip, hosts: kafkaHosts(sts, ips) }) };
    for (const init of sts.spec.template.spec.initContainers ?? []) {
        const initEnv = containerEnv(l, init, pod);
        await fetchLikeInitContainer(init, initEnv, { ...paths, ...mountVolumes(l, sts, init, root) });
    }
    const env = Object.fromEntries(Object.entries(containerEnv(l, c, pod)).map(([k, v]) => [k, rewritePaths(v, paths)]));
    if (env.KAFKA_OPTS) env.KAFKA_OPTS = env.KAFKA_OPTS.replace(/(-javaagent:[^=\s]+=)(\d+):/, `$1${pod.ip}:$2:`);
    const argv = commandLine(c, env).map((a) => rewritePaths(a, paths));
    await assertFree(name, pod.ip, Object.values(namedPorts(c)));
    const proc = start(name, argv, { env, logDir: dir });
    return { name, ip: pod.ip, env, paths, proc };
}

/**
 * A container of a one-shot pod that talks to Kafka (the topics Job's, the producer's sender): its env with
 * in-cluster names rewritten to loopback addresses, its command with the image's paths rewritten. Containers
 * of one pod get the same `root`, so they share its emptyDirs.
 */
export function kafkaClientCommand(l: Loaded, job: any, containerName: string, root: string, jars: string, hosts: Record<string, string>) {
    const c = container(job, containerName);
    const pod: PodFacts = { name: `${job.metadata.name}-x`, namespace: job.metadata.namespace, ip: "127.0.0.1" };
    const paths = { ...mountVolumes(l, job, c, root), ...kafkaImage(jars, root, { ip: pod.ip, hosts }) };
    const env = Object.fromEntries(Object.entries(containerEnv(l, c, pod)).map(([k, v]) => [k, rewrite(rewritePaths(v, paths), hosts)]));
    const argv = commandLine(c, env).map((a) => rewritePaths(a, paths));
    return { argv, env, paths, bin: path.join(paths["/opt/kafka"], "bin") };
}

/** The sum of a topic's end offsets (records written), read with kafka-get-offsets.sh. */
export function topicRecords(bin: string, bootstrap: string, topic: string): number {
    const r = run([path.join(bin, "kafka-get-offsets.sh"), "--bootstrap-server", bootstrap, "--topic", topic], { env: { KAFKA_HEAP_OPTS: "-Xmx128m" }, timeoutMs: 60000 });
    if (r.code !== 0) throw new Error(`kafka-get-offsets failed: ${r.stdout}${r.stderr}`);
    return r.stdout
        .trim()
        .split("\n")
        .filter((x) => x.includes(":"))
        .reduce((n, line) => n + Number(line.split(":")[2] ?? 0), 0);
}

/** Reads a topic from the beginning with kafka-console-consumer.sh until `count` records came (bounded); returns them. */
export function consume(bin: string, bootstrap: string, topic: string, count: number): string[] {
    const r = run([path.join(bin, "kafka-console-consumer.sh"), "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", String(count), "--timeout-ms", "30000"], {
        env: { KAFKA_HEAP_OPTS: "-Xmx128m" },
        timeoutMs: 90000,
    });
    if (r.code !== 0) throw new Error(`kafka-console-consumer failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    return r.stdout.split("\n").filter((x) => x.trim());
}

/** `kafka-topics --describe` of one topic: its partition count and replication factor. */
export function describeTopic(bin: string, bootstrap: string, topic: string): { partitions: number; replicationFactor: number; configs: string } {
    const r = run([path.join(bin, "kafka-topics.sh"), "--bootstrap-server", bootstrap, "--describe", "--topic", topic], { env: { KAFKA_HEAP_OPTS: "-Xmx128m" }, timeoutMs: 60000 });
    if (r.code !== 0) throw new Error(`kafka-topics --describe ${topic} failed: ${r.stdout}${r.stderr}`);
    const head = r.stdout.split("\n").find((x) => x.includes("PartitionCount")) ?? "";
    return {
        partitions: Number(/PartitionCount:\s*(\d+)/.exec(head)?.[1]),
        replicationFactor: Number(/ReplicationFactor:\s*(\d+)/.exec(head)?.[1]),
        configs: /Configs:\s*(.*)$/.exec(head)?.[1] ?? "",
    };
}

export { JMX_EXPORTER_VERSION };

/** Runs the topics Job's container once (bounded), as the Job's first pod would; returns the client's bin and bootstrap. */
export function runTopicsJob(l: Loaded, jars: string, hosts: Record<string, string>, dir: string) {
    const sts = objectOf(l, "StatefulSet", "kafka");
    const ns = sts.metadata.namespace;
    const job = findObject(l, "Job", "kafka-topics-*", (o) => o.metadata.namespace === ns && o.metadata.labels?.["app.kubernetes.io/component"] === "kafka");
    const cmd = kafkaClientCommand(l, job, "create-topics", path.join(dir, job.metadata.name), jars, hosts);
    const r = run(cmd.argv, { env: cmd.env, timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`the topics Job failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    return { bin: cmd.bin, bootstrap: cmd.env.BOOTSTRAP, out: r.stdout };
}

/**
 * The producer Job's two containers as its pod runs them, meeting at the named pipe in their shared emptyDir:
 * producer.py (the Spark image's python3 → this machine's) writing events, kafka-console-producer sending
 * them. Resolves with both exit codes and the producer's log once both have ended (bounded).
 */
export async function runProducerJob(l: Loaded, jars: string, hosts: Record<string, string>, dir: string, timeoutMs = 120_000) {
    const job = objectOf(l, "Job", "producer");
    const ns = job.metadata.namespace;
    const root = path.join(dir, job.metadata.name);
    const send = kafkaClientCommand(l, job, "send", root, jars, hosts);
    const events = container(job, "events");
    const evPaths = mountVolumes(l, job, events, root);
    const evEnv = Object.fromEntries(Object.entries(containerEnv(l, events, { name: `${job.metadata.name}-x`, namespace: ns, ip: "127.0.0.1" })).map(([k, v]) => [k, rewritePaths(v, evPaths)]));
    const producer = start("producer-events", commandLine(events, evEnv).map((a) => rewritePaths(a, evPaths)), { env: evEnv, logDir: dir });
    const sender = start("producer-send", send.argv, { env: send.env, logDir: dir });
    let timer: NodeJS.Timeout | undefined;
    try {
        const codes = await Promise.race([
            Promise.all([producer.exited, sender.exited]),
            new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`the producer Job did not finish in ${timeoutMs / 1000}s:\n${producer.tail()}\n${sender.tail()}`)), timeoutMs))),
        ]);
        return { codes, log: `${producer.tail()}\n${sender.tail()}`, topic: send.env.TOPIC, count: Number(evEnv.EVENT_COUNT), invalidFraction: Number(evEnv.INVALID_FRACTION) };
    } finally {
        clearTimeout(timer);
        await Promise.all([producer.stop(), sender.stop()]);
    }
}

/** Kafka's dev StatefulSet: its one pod on `ip`, Ready per its readiness probe. */
export async function startKafka(l: Loaded, dir: string, ips: string[], readyMs = 120_000) {
    const jars = await kafkaJars();
    const sts = objectOf(l, "StatefulSet", "kafka");
    const hosts = kafkaHosts(sts, ips);
    const pod = await startKafkaPod(l, sts, 0, ips, dir, jars);
    const c = container(sts, "kafka");
    try {
        await untilProbe(`${pod.name} readiness`, c.readinessProbe, { ip: pod.ip, env: pod.env, ports: namedPorts(c) }, readyMs, [pod.proc]);
    } catch (e) {
        await pod.proc.stop();
        throw e;
    }
    return { jars, sts, hosts, pod };
}
