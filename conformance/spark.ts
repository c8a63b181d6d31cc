// Spark from PyPI's pyspark at the cluster's Spark version: its wheel carries Spark's bin/, jars/ and sbin/,
// so the master, workers, History Server and the pipeline's drivers run the same classes as the apache/spark
// image, with the pins of jobs/requirements.txt (what scripts/pytest.sh installs).
//
// Each pod gets its own /opt/spark (the image's SPARK_HOME, which the image sets as ENV): the wheel's folders
// linked in, and a conf/ folder of its own where the container's subPath mounts (spark-defaults.conf,
// metrics.properties) land, as they do in the image. The image's Python (python3 on PATH, what
// PYSPARK_PYTHON defaults to) is the venv's, the image's Java 17 this machine's.

import * as fs from "fs";
import * as path from "path";
import { SPARK_VERSION } from "../components/catalog";
import { CACHE, mavenArtifact, mavenJarOf, pythonVenv } from "./lib/downloads";
import { Proc, assertFree, run, start } from "./lib/processes";
import { namedPorts } from "./lib/probes";
import { Loaded, PodFacts, commandLine, container, containerEnv, mountVolumes, podSpec, rewrite, rewritePaths } from "./lib/program";
import { ROOT } from "../tests/harness";

export const sparkWhat = `pyspark ${SPARK_VERSION} (PyPI), Java 17`;

export interface Pyspark {
    venv: string;
    /** The wheel's Spark: bin/, jars/, sbin/, python/. */
    pkg: string;
}

/** The venv of jobs/requirements.txt (pyspark pinned to the cluster's Spark). */
export async function pyspark(): Promise<Pyspark> {
    const reqs = fs
        .readFileSync(path.join(ROOT, "jobs", "requirements.txt"), "utf8")
        .split("\n")
        .map((x) => x.trim())
        .filter((x) => x && !x.startsWith("#"));
    const venv = await pythonVenv("pyspark", reqs);
    const lib = fs.readdirSync(path.join(venv, "lib")).find((d) => d.startsWith("python"))!;
    const pkg = path.join(venv, "lib", lib, "site-packages", "pyspark");
    const version = fs.readFileSync(path.join(pkg, "version.py"), "utf8");
    if (!new RegExp(`["']${SPARK_VERSION.replace(/\./g, "\\.")}["']`).test(version)) throw new Error(`jobs/requirements.txt's pyspark is not Spark ${SPARK_VERSION} (${version.trim()})`);
    return { venv, pkg };
}

/** One pod's /opt/spark: the wheel's folders linked, its own conf/. Returns the folder. */
export function sparkHome(spark: Pyspark, root: string, containerHome: string): string {
    const home = path.join(root, containerHome);
    fs.mkdirSync(path.join(home, "conf"), { recursive: true });
    for (const d of ["bin", "jars", "sbin", "python", "data", "examples", "licenses"]) {
        if (fs.existsSync(path.join(spark.pkg, d)) && !fs.existsSync(path.join(home, d))) fs.symlinkSync(path.join(spark.pkg, d), path.join(home, d));
    }
    return home;
}

export interface SparkEnvironment {
    spark: Pyspark;
    /** The image's SPARK_HOME, where the containers' commands and mounts point. */
    containerHome: string;
    /** In-cluster host names (master, object store, Kafka, Cassandra) → loopback addresses. */
    hosts: Record<string, string>;
    /** Where spark.jars.ivy (the pod's /tmp/.ivy2) points: one cache folder, so packages resolve once. */
    ivy: string;
    dir: string;
}

export function sparkEnvironment(spark: Pyspark, dir: string, hosts: Record<string, string>, containerHome = "/opt/spark"): SparkEnvironment {
    const ivy = path.join(CACHE, "spark-ivy");
    fs.mkdirSync(ivy, { recursive: true });
    return { spark, containerHome, hosts, ivy, dir };
}

/**
 * Artifacts that the Maven Central this machine reaches does not serve, each with the nearest release it does
 * (checked with `mvn dependency:get`: spark-token-provider-kafka-0-10_2.13 is served at 4.0.0, 4.1.1 and
 * 4.2.0 but not 4.0.1, which spark-sql-kafka-0-10 4.0.1 depends on). Only when the registry says no is the
 * dependency excluded from spark.jars.packages' resolution and the substitute added: a substitution of the
 * harness, which the cluster (resolving from Maven Central itself) does not make.
 */
const REGISTRY_GAPS: Record<string, string> = {
    "org.apache.spark:spark-token-provider-kafka-0-10_2.13:4.0.1": "org.apache.spark:spark-token-provider-kafka-0-10_2.13:4.0.0",
};
const served = new Map<string, boolean>();
function isServed(coord: string): boolean {
    if (!served.has(coord)) served.set(coord, run(["mvn", "-B", "-q", "dependency:get", `-Dartifact=${coord}`, "-Dtransitive=false"], { timeoutMs: 120_000 }).code === 0);
    return served.get(coord)!;
}

/**
 * spark.jars.packages with the registry's gaps filled (see REGISTRY_GAPS): the missing dependency excluded
 * from resolution, its substitute (fetched by mvn) added to spark.jars. Returns the conf entries to set.
 */
export async function fillRegistryGaps(conf: Record<string, string>, needs: (pkg: string) => string[]): Promise<Record<string, string>> {
    const packages = (conf["spark.jars.packages"] ?? "").split(",").filter((x) => x);
    const gaps = packages.flatMap(needs).filter((dep) => REGISTRY_GAPS[dep] && !isServed(dep));
    if (!gaps.length) return {};
    const list = (k: string) => (conf[k] ?? "").split(",").filter((x) => x);
    const jars = await Promise.all(gaps.map(async (g) => {
        const [, a, v] = REGISTRY_GAPS[g].split(":");
        return path.join(await mavenArtifact(REGISTRY_GAPS[g]), `${a}-${v}.jar`);
    }));
    return {
        "spark.jars.excludes": [...list("spark.jars.excludes"), ...gaps.map((g) => g.split(":").slice(0, 2).join(":"))].join(","),
        "spark.jars": [...list("spark.jars"), ...jars].join(","),
    };
}

/** The gap-prone dependencies of a package (spark-sql-kafka-0-10 pulls its token provider at the same version). */
function knownDependencies(pkg: string): string[] {
    const m = /^org\.apache\.spark:spark-sql-kafka-0-10_(\d\.\d+):(.+)$/.exec(pkg);
    return m ? [`org.apache.spark:spark-token-provider-kafka-0-10_${m[1]}:${m[2]}`] : [];
}

export interface SparkPod {
    name: string;
    ip: string;
    proc: Proc;
    env: Record<string, string>;
    paths: Record<string, string>;
    /** The spark-defaults.conf the process reads, after the rewrites. */
    defaults?: Record<string, string>;
}

/** spark-defaults.conf as key → value. */
export function parseDefaults(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^\s*([^#\s]\S*)\s+(.*?)\s*$/.exec(line);
        if (m) out[m[1]] = m[2];
    }
    return out;
}

/**
 * A Spark container of a Deployment as its pod runs it: volumes laid out, init containers' jars in place,
 * env and command line from the spec. Rewritten: the image's paths (/opt/spark, /tmp/.ivy2, the mounts) to
 * the pod's folders; in-cluster host names (in env, arguments and spark-defaults.conf) to loopback addresses;
 * and what would listen on all interfaces narrowed to the pod's address: spark.driver.bindAddress 0.0.0.0,
 * and SPARK_LOCAL_IP set where the spec leaves it unset (Spark's web UIs bind SPARK_LOCAL_IP, else 0.0.0.0).
 */
export async function startSparkContainer(l: Loaded, workload: any, containerName: string, pod: PodFacts, e: SparkEnvironment): Promise<SparkPod> {
    const p = await prepareSparkContainer(l, workload, containerName, pod, e);
    await assertFree(pod.name, pod.ip, Object.values(namedPorts(p.c)));
    const proc = start(pod.name, p.argv, { env: p.env, logDir: e.dir });
    return { name: pod.name, ip: pod.ip, proc, env: p.env, paths: p.paths, defaults: p.defaults };
}

/** Everything startSparkContainer does short of starting the process: files laid out, env and argv. */
export async function prepareSparkContainer(l: Loaded, workload: any, containerName: string, pod: PodFacts, e: SparkEnvironment) {
    const c = container(workload, containerName);
    const root = path.join(e.dir, pod.name);
    const home = sparkHome(e.spark, root, e.containerHome);
    const mounts = mountVolumes(l, workload, c, root);
    const paths: Record<string, string> = { ...mounts, [e.containerHome]: home, "/tmp/.ivy2": e.ivy };
    for (const init of podSpec(workload).initContainers ?? []) {
        const initEnv = containerEnv(l, init, pod);
        if (initEnv.JARS) await fetchJarsLikeInitContainer(init, initEnv, { ...paths, ...mountVolumes(l, workload, init, root) });
    }

    let defaults: Record<string, string> | undefined;
    const defaultsPath = `${e.containerHome}/conf/spark-defaults.conf`;
    if (mounts[defaultsPath]) {
        const conf = parseDefaults(fs.readFileSync(mounts[defaultsPath], "utf8"));
        for (const [k, v] of Object.entries(conf)) conf[k] = rewritePaths(rewrite(v, e.hosts), paths);
        if (conf["spark.driver.bindAddress"] === "0.0.0.0") conf["spark.driver.bindAddress"] = pod.ip;
        Object.assign(conf, await fillRegistryGaps(conf, knownDependencies));
        fs.writeFileSync(mounts[defaultsPath], Object.entries(conf).map(([k, v]) => `${k} ${v}`).join("\n") + "\n");
        defaults = conf;
    }
    const imageEnv = { SPARK_HOME: e.containerHome };
    const specEnv = containerEnv(l, c, pod);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...imageEnv, ...specEnv })) env[k] = rewritePaths(rewrite(v, e.hosts), paths);
    env.SPARK_LOCAL_IP ??= pod.ip;
    // The pod's home holds no ~/.m2; this machine's would feed Spark's local-m2-cache resolver (which takes
    // a pom-only entry there for a missing jar). The JVM takes user.home from the passwd entry, not $HOME.
    const home2 = path.join(root, "home");
    fs.mkdirSync(home2, { recursive: true });
    env.SPARK_SUBMIT_OPTS = `${env.SPARK_SUBMIT_OPTS ?? ""} -Duser.home=${home2}`.trim();
    env.PATH = `${path.join(e.spark.venv, "bin")}:${process.env.PATH}`;
    const argv = commandLine(c, env).map((a) => rewritePaths(rewrite(a, e.hosts), paths));
    return { c, env, paths, defaults, argv, root };
}

/**
 * What an init container that curls Maven Central jars into a volume leaves there (`JARS="<file>=<url> ..."`,
 * the History Server's S3A jars), done through mvn: each artifact linked into the volume under its name.
 */
export async function fetchJarsLikeInitContainer(init: any, env: Record<string, string>, paths: Record<string, string>): Promise<void> {
    if (!env.JARS) throw new Error(`init container ${init.name}: expected JARS="<file>=<url> ...", got env ${Object.keys(env).join(", ")}`);
    const mount = init.volumeMounts?.[0]?.mountPath;
    if (!mount || !paths[mount]) throw new Error(`init container ${init.name}: no volume to fetch into`);
    for (const item of env.JARS.split(/\s+/).filter((x) => x)) {
        const [file, url] = [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)];
        const dest = path.join(paths[mount], file);
        if (!fs.existsSync(dest)) fs.symlinkSync(await mavenJarOf(url), dest);
    }
}
