// Cassandra from Maven Central's jars, started the way the official image starts it, and cqlsh from PyPI.
//
// The image (docker-library/cassandra 5.0/Dockerfile) unpacks the release tarball: conf/ becomes
// /etc/cassandra, `cassandra -f` is bin/cassandra. Its ENTRYPOINT docker-entrypoint.sh edits
// /etc/cassandra/cassandra.yaml from CASSANDRA_* env (seeds; listen, broadcast and rpc addresses;
// cluster_name, endpoint_snitch, num_tokens) and cassandra-rackdc.properties (CASSANDRA_DC/RACK), then execs
// bin/cassandra, which sources cassandra-env.sh (heap from MAX_HEAP_SIZE/HEAP_NEWSIZE, the jamm agent) and the
// jvm-server/jvm17-server.options and runs org.apache.cassandra.service.CassandraDaemon with conf/ first on
// the classpath. Maven Central has the jars (cassandra-all) but not conf/ or bin/, so:
//   - `imageConf` writes a stand-in conf/: the lines of the tarball's cassandra.yaml that the entrypoint and
//     our enable-auth init script edit, in the tarball's form (apache/cassandra conf/cassandra.yaml), plus the
//     settings Cassandra has no built-in default for; everything else takes Config's defaults;
//   - `imageEntrypoint` does docker-entrypoint.sh's edits (the pod's address standing in for `ip address`);
//   - `cassandraArgv` is bin/cassandra's java command line with cassandra-env.sh's heap rule and the JPMS
//     options of conf/jvm17-server.options. Left out: local JMX on 7199 (nodetool's, which nothing here uses)
//     and GC logging.

import * as fs from "fs";
import * as path from "path";
import { catalog } from "../components/catalog";
import { mavenJars, pythonVenv } from "./lib/downloads";
import { Proc, assertFree, run, start } from "./lib/processes";
import { namedPorts, untilProbe } from "./lib/probes";
import { Loaded, PodFacts, commandLine, container, containerEnv, findObject, mountVolumes, objectOf, podSpec, rewrite, rewritePaths, serviceNames } from "./lib/program";

export const CASSANDRA_VERSION = catalog.cassandra.tag;
export const CQLSH_VERSION = "6.2.2";
export const cassandraWhat = `cassandra-all ${CASSANDRA_VERSION} (Maven Central) CassandraDaemon, Java 17; cqlsh ${CQLSH_VERSION} (PyPI)`;

export function cassandraJars(): Promise<string> {
    return mavenJars(`cassandra-${CASSANDRA_VERSION}`, [`org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION}`]);
}

/** cqlsh from PyPI (the cqlsh of the 5.0 line), with its driver pinned; returns the folder holding `cqlsh`. */
export async function cqlshBin(): Promise<string> {
    return path.join(await pythonVenv("cqlsh", [`cqlsh==${CQLSH_VERSION}`, "cassandra-driver==3.30.1"]), "bin");
}

const CASSANDRA_YAML = `# Stand-in for the tarball's conf/cassandra.yaml: the lines the image's entrypoint and our init script edit,
# as the tarball writes them, and the settings without a built-in default.
cluster_name: 'Test Cluster'
num_tokens: 16
allocate_tokens_for_local_replication_factor: 3
authenticator:
  class_name: AllowAllAuthenticator
authorizer:
  class_name: AllowAllAuthorizer
role_manager:
  class_name: CassandraRoleManager
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:7000"
listen_address: localhost
# broadcast_address: 1.2.3.4
rpc_address: localhost
# broadcast_rpc_address: 1.2.3.4
endpoint_snitch: SimpleSnitch
`;

const LOGBACK = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT" /></root>
</configuration>
`;

/** The image's /etc/cassandra (the tarball's conf/, see above) under `dir`; returns it. */
export function imageConf(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cassandra.yaml"), CASSANDRA_YAML);
    fs.writeFileSync(path.join(dir, "cassandra-rackdc.properties"), "dc=dc1\nrack=rack1\n");
    fs.writeFileSync(path.join(dir, "logback.xml"), LOGBACK);
    return dir;
}

/**
 * docker-entrypoint.sh's edits of `conf` for `cassandra -f`, from the container's env. `podIp` is what the
 * image's `_ip_address` finds (the pod's address); `hosts` maps in-cluster names in CASSANDRA_SEEDS to
 * loopback addresses, and an rpc_address on all interfaces (the image's default 0.0.0.0) is narrowed to the
 * pod's address.
 */
export function imageEntrypoint(conf: string, env: Record<string, string>, podIp: string, hosts: Record<string, string>): void {
    const e = { ...env };
    e.CASSANDRA_RPC_ADDRESS ??= "0.0.0.0";
    e.CASSANDRA_LISTEN_ADDRESS ??= "auto";
    if (e.CASSANDRA_LISTEN_ADDRESS === "auto") e.CASSANDRA_LISTEN_ADDRESS = podIp;
    e.CASSANDRA_BROADCAST_ADDRESS ??= e.CASSANDRA_LISTEN_ADDRESS;
    if (e.CASSANDRA_BROADCAST_ADDRESS === "auto") e.CASSANDRA_BROADCAST_ADDRESS = podIp;
    if (!e.CASSANDRA_BROADCAST_RPC_ADDRESS) e.CASSANDRA_BROADCAST_RPC_ADDRESS = e.CASSANDRA_BROADCAST_ADDRESS;
    if (e.CASSANDRA_NAME) e.CASSANDRA_SEEDS ||= "cassandra";
    e.CASSANDRA_SEEDS ||= e.CASSANDRA_BROADCAST_ADDRESS;
    // Harness only: names to addresses, all interfaces to the pod's address.
    e.CASSANDRA_SEEDS = e.CASSANDRA_SEEDS.split(",").map((s) => hosts[s.trim()] ?? s.trim()).join(",");
    if (e.CASSANDRA_RPC_ADDRESS === "0.0.0.0") e.CASSANDRA_RPC_ADDRESS = podIp;

    const yamlFile = path.join(conf, "cassandra.yaml");
    let yaml = fs.readFileSync(yamlFile, "utf8").replace(/(- seeds:).*/g, `$1 "${e.CASSANDRA_SEEDS}"`);
    for (const key of ["broadcast_address", "broadcast_rpc_address", "cluster_name", "endpoint_snitch", "listen_address", "num_tokens", "rpc_address", "start_rpc"]) {
        const val = e[`CASSANDRA_${key.toUpperCase()}`];
        if (val) yaml = yaml.replace(new RegExp(`^(# )?(${key}:).*`, "gm"), `$2 ${val}`);
    }
    fs.writeFileSync(yamlFile, yaml);
    const rackFile = path.join(conf, "cassandra-rackdc.properties");
    let rack = fs.readFileSync(rackFile, "utf8");
    for (const key of ["dc", "rack"]) {
        const val = e[`CASSANDRA_${key.toUpperCase()}`];
        if (val) rack = rack.replace(new RegExp(`^(${key}=).*`, "gm"), `$1 ${val}`);
    }
    fs.writeFileSync(rackFile, rack);
}

// conf/jvm17-server.options: G1 and the module exports/opens Cassandra needs on Java 17.
const JVM17 = `-XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m
-XX:G1RSetUpdatingPauseTimePercent=5 -XX:MaxGCPauseMillis=300 -XX:InitiatingHeapOccupancyPercent=70
-Djdk.attach.allowAttachSelf=true
--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
--add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
--add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
--add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
--add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
--add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
--add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED
--add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
--add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
-Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11`;

/**
 * bin/cassandra's command line: the heap per cassandra-env.sh (with G1, -Xms/-Xmx from MAX_HEAP_SIZE, an
 * error when only HEAP_NEWSIZE is set), the jamm agent, storage under the data volume (the image links
 * $CASSANDRA_HOME/data to /var/lib/cassandra), conf first on the classpath.
 */
export function cassandraArgv(jars: string, conf: string, dataDir: string, logDir: string, env: Record<string, string>): string[] {
    if (!env.MAX_HEAP_SIZE && env.HEAP_NEWSIZE) throw new Error("please set or unset MAX_HEAP_SIZE and HEAP_NEWSIZE in pairs (cassandra-env.sh)");
    if (!env.MAX_HEAP_SIZE) throw new Error("MAX_HEAP_SIZE unset: cassandra-env.sh would size the heap from this machine's memory");
    const jamm = fs.readdirSync(jars).find((j) => /^jamm-.*\.jar$/.test(j));
    return [
        "java",
        "-ea",
        "-da:net.openhft...",
        "-XX:+UseThreadPriorities",
        "-XX:+HeapDumpOnOutOfMemoryError",
        "-Xss256k",
        "-XX:+UseTLAB",
        "-XX:+ResizeTLAB",
        "-XX:+PerfDisableSharedMem",
        "-Djava.net.preferIPv4Stack=true",
        ...JVM17.split(/\s+/),
        `-Xms${env.MAX_HEAP_SIZE}`,
        `-Xmx${env.MAX_HEAP_SIZE}`,
        `-javaagent:${path.join(jars, jamm!)}`,
        "-Dlogback.configurationFile=logback.xml",
        `-Dcassandra.logdir=${logDir}`,
        `-Dcassandra.storagedir=${dataDir}`,
        "-Dcassandra-foreground=yes",
        "-cp",
        `${conf}:${jars}/*`,
        "org.apache.cassandra.service.CassandraDaemon",
    ];
}

export interface CassandraNode {
    proc: Proc;
    ip: string;
    env: Record<string, string>;
    /** In-cluster names of the node (seed) and its Service → `ip`. */
    hosts: Record<string, string>;
    sts: any;
    cqlsh: string;
}

/**
 * Pod 0 of the Cassandra StatefulSet on `ip`, as the program generates it: the enable-auth init container's
 * script on the image's conf, then the container's env through the image's entrypoint edits and
 * bin/cassandra's command line. Resolves once the readiness probe passes.
 */
export async function startCassandra(l: Loaded, dir: string, ip: string): Promise<CassandraNode> {
    const [jars, cqlsh] = await Promise.all([cassandraJars(), cqlshBin()]);
    const sts = objectOf(l, "StatefulSet", "cassandra");
    const ns = sts.metadata.namespace;
    const name = sts.metadata.name;
    const pod: PodFacts = { name: `${name}-0`, namespace: ns, ip };
    const root = path.join(dir, pod.name);
    const hosts: Record<string, string> = {};
    for (const h of [...serviceNames(`${name}-headless`, ns).map((n) => `${name}-0.${n}`), ...serviceNames(name, ns)]) hosts[h] = ip;

    // The init container: the image's /etc/cassandra copied to the config volume with auth switched on.
    const image = imageConf(path.join(root, "image/etc/cassandra"));
    for (const init of podSpec(sts).initContainers ?? []) {
        const initPaths = { "/etc/cassandra": image, ...mountVolumes(l, sts, init, root) };
        const initEnv = containerEnv(l, init, pod);
        const r = run(commandLine(init, initEnv).map((a) => rewritePaths(a, initPaths)), { env: initEnv, timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error(`init container ${init.name} failed (exit ${r.code}): ${r.stdout}${r.stderr}`);
    }
    const c = container(sts, "cassandra");
    const paths = mountVolumes(l, sts, c, root);
    const env = containerEnv(l, c, pod);
    const conf = paths["/etc/cassandra"];
    imageEntrypoint(conf, env, ip, hosts);
    await assertFree(pod.name, ip, Object.values(namedPorts(c)));
    const proc = start(pod.name, cassandraArgv(jars, conf, paths["/var/lib/cassandra"], path.join(root, "logs"), env), { env, logDir: dir });
    await untilProbe(`${pod.name} readiness`, c.readinessProbe, { ip, env, ports: namedPorts(c) }, 240_000, [proc]);
    return { proc, ip, env, hosts, sts, cqlsh };
}

/** The schema Job's container, run once as the Job's pod would run it: its script with cqlsh from PyPI on PATH. */
export function schemaJob(l: Loaded, node: CassandraNode, dir: string) {
    const ns = node.sts.metadata.namespace;
    const job = findObject(l, "Job", "cassandra-schema-*", (o) => o.metadata.namespace === ns && o.metadata.labels?.["app.kubernetes.io/component"] === "cassandra");
    const c = container(job, "schema");
    const root = path.join(dir, job.metadata.name);
    const tmp = path.join(root, ".volumes", "tmp");
    fs.mkdirSync(tmp, { recursive: true });
    const paths = { ...mountVolumes(l, job, c, root), "/tmp": tmp };
    const env = Object.fromEntries(Object.entries(containerEnv(l, c, { name: `${job.metadata.name}-x`, namespace: ns, ip: "127.0.0.1" })).map(([k, v]) => [k, rewrite(v, node.hosts)]));
    const argv = commandLine(c, env).map((a) => rewritePaths(a, paths));
    return {
        env,
        run: (extraEnv: Record<string, string> = {}) => run(argv, { env: { ...env, ...extraEnv, PATH: `${node.cqlsh}:${process.env.PATH}` }, timeoutMs: 240_000 }),
    };
}

/** cqlsh against the node (bounded), optionally logged in. */
export function cql(node: CassandraNode, home: string, statement: string, login?: { user: string; password: string }) {
    const auth = login ? ["-u", login.user, "-p", login.password] : [];
    return run([path.join(node.cqlsh, "cqlsh"), node.ip, ...auth, "-e", statement], { timeoutMs: 60_000, env: { HOME: home }, input: "" });
}
