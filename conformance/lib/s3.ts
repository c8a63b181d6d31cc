// An S3-compatible server standing in for the platform's object store (RustFS, or MinIO when chosen), with
// the store's generated root credentials and the buckets and folders the program's bucket Job creates.
//
// The server is S3Proxy (org.gaul:s3proxy on Maven Central, Apache-2.0) over its filesystem-nio2 backend: a
// real S3 REST implementation (path-style requests, AWS signature V2 and V4 including aws-chunked uploads,
// ListObjectsV2, multipart uploads, conditional PUT), which is what Hadoop S3A, Trino's native S3 file system
// and Iceberg's S3FileIO speak. It is not RustFS: RustFS's own behaviour (its erasure coding, console,
// health endpoint, startup from RUSTFS_* variables) is not exercised here; only the API contract is.
// S3Proxy does not check the signing region, and accepts any bucket policy-free request that is signed
// with the one identity; it has no IAM, no versioning and no object lock (README "Limitations",
// github.com/gaul/s3proxy).
//
// The bucket Job runs as the program writes it: its own shell script and env, with Debian's curl 8.14 (from
// the release's backports) standing in for the curlimages/curl image's 8.17. Not Debian 12's own 7.88: the
// script relies on curl adding `x-amz-content-sha256` itself when it signs for service "s3", which curl
// does since 8.0.0 (curl/curl commit 495d098, "aws_sigv4: fall back to UNSIGNED-PAYLOAD for sign_as_s3");
// S3 requires that header on every V4 request and S3Proxy refuses a request without it, as RustFS may.
// What is rewritten, and why:
//   - S3_ENDPOINT's in-cluster Service name → this server's loopback address and port;
//   - HEALTH_PATH (the engine's own health path, /health for RustFS) → S3Proxy's /healthz, the only path
//     an S3 server answers without a signature (the engine's path is checked against its upstream source);
//   - /tmp/ in the script → a sandbox folder.

import * as fs from "fs";
import * as path from "path";
import { debianPackages, mavenJars, sandbox } from "./downloads";
import { httpStatus } from "./probes";
import { Proc, run, start, waitFor } from "./processes";
import { Loaded, commandLine, container, containerEnv, objectOf, portOf, rewrite, serviceNames } from "./program";

export const S3PROXY = "org.gaul:s3proxy:4.1.0";
// S3Proxy's pom imports jackson-bom 3.2.2, which pins jackson-annotations 2.22 for Jackson 3; a BOM import
// does not reach a dependent's resolution, so Maven would take 2.18.3 from the 2.x jars and Jackson 3
// fails with NoClassDefFoundError: JsonSerializeAs. The BOM's pin, named here.
const JACKSON_ANNOTATIONS = "com.fasterxml.jackson.core:jackson-annotations:2.22";

/** The root credential variables each engine's container reads (components/storage/objectStore.ts). */
const ROOT_ENV: Record<string, [string, string]> = {
    rustfs: ["RUSTFS_ACCESS_KEY", "RUSTFS_SECRET_KEY"],
    minio: ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"],
};

export interface S3Server {
    proc: Proc;
    ip: string;
    port: number;
    /** http://ip:port, what clients are pointed at instead of the in-cluster endpoint. */
    endpoint: string;
    accessKey: string;
    secretKey: string;
    /** The in-cluster host names of the store's Service, each mapped to `ip`, for rewriting clients' config. */
    hosts: Record<string, string>;
    /** The bucket Job's output (empty when it was not run). */
    jobLog: string;
    /** Where the objects are on disk (one folder per bucket). */
    dataDir: string;
    stop(): Promise<void>;
}

export interface S3Options {
    /** Defaults to the store container's `s3` port (9000). */
    port?: number;
    /** Run the program's bucket Job against the server once it is up. Defaults to true. */
    buckets?: boolean;
    /** JVM heap; S3Proxy needs little. */
    heap?: string;
}

export async function startS3(l: Loaded, ip: string, o: S3Options = {}): Promise<S3Server> {
    const store = objectOf(l, "StatefulSet", "objectStore");
    const c = container(store);
    const names = ROOT_ENV[c.name];
    if (!names) throw new Error(`object store container ${c.name}: no known root credential variables (known: ${Object.keys(ROOT_ENV).join(", ")})`);
    const ns = store.metadata.namespace;
    const env = containerEnv(l, c, { name: `${store.metadata.name}-0`, namespace: ns, ip });
    const [accessKey, secretKey] = names.map((n) => env[n]);
    const port = o.port ?? portOf(c, "s3");
    const endpoint = `http://${ip}:${port}`;

    const jars = await mavenJars("s3proxy", [S3PROXY, JACKSON_ANNOTATIONS]);
    const dir = sandbox("s3");
    const dataDir = path.join(dir, "data");
    fs.mkdirSync(dataDir);
    const props = path.join(dir, "s3proxy.properties");
    fs.writeFileSync(
        props,
        [
            `s3proxy.endpoint=${endpoint}`,
            "s3proxy.authorization=aws-v2-or-v4",
            `s3proxy.identity=${accessKey}`,
            `s3proxy.credential=${secretKey}`,
            "jclouds.provider=filesystem-nio2",
            `jclouds.filesystem.basedir=${dataDir}`,
            "",
        ].join("\n"),
    );
    const proc = start("s3proxy", ["java", `-Xmx${o.heap ?? "256m"}`, "-DLOG_LEVEL=info", "-cp", `${jars}/*`, "org.gaul.s3proxy.Main", "--properties", props], { env: {}, logDir: dir });
    const stop = async () => {
        await proc.stop("SIGTERM", 10000);
    };
    try {
        await waitFor(`S3Proxy on ${endpoint}`, async () => (await httpStatus(ip, port, "/healthz")) === 200, 60000, [proc]);
        const hosts = Object.fromEntries(serviceNames(store.metadata.name, ns).map((h) => [h, ip]));
        let jobLog = "";
        if (o.buckets !== false) jobLog = await runBucketJob(l, ip, port, dir);
        return { proc, ip, port, endpoint, accessKey, secretKey, hosts, jobLog, dataDir, stop };
    } catch (e) {
        await stop();
        throw e;
    }
}

/** Runs the object store's bucket Job (its command and env from the Job spec) against the server; returns its output. */
export async function runBucketJob(l: Loaded, ip: string, port: number, dir: string): Promise<string> {
    const curl = await debianPackages("curl", ["curl", "libcurl4"], { backports: true });
    const store = objectOf(l, "StatefulSet", "objectStore");
    const job = objectOf(l, "Job", "objectStore");
    const c = container(job);
    const ns = job.metadata.namespace;
    const env = containerEnv(l, c, { name: `${job.metadata.name}-job`, namespace: ns, ip });
    const hostMap = Object.fromEntries(serviceNames(store.metadata.name, ns).map((h) => [`${h}:${portOf(container(store), "s3")}`, `${ip}:${port}`]));
    const tmp = path.join(dir, "job-tmp");
    fs.mkdirSync(tmp, { recursive: true });
    const jobEnv = { ...env, S3_ENDPOINT: rewrite(env.S3_ENDPOINT, hostMap), HEALTH_PATH: "/healthz", HOME: tmp,
        PATH: `${curl}/usr/bin:${process.env.PATH}`,
        LD_LIBRARY_PATH: `${curl}/usr/lib/x86_64-linux-gnu`,
    };
    const argv = commandLine(c, jobEnv).map((a) => rewrite(a, { "/tmp/": `${tmp}/` }));
    if (jobEnv.S3_ENDPOINT === env.S3_ENDPOINT) throw new Error(`bucket Job's S3_ENDPOINT ${env.S3_ENDPOINT} names no host of the store's Service`);
    const r = run(argv, { env: jobEnv, cleanEnv: true, timeoutMs: 60000 });
    const out = r.stdout + r.stderr;
    if (r.code !== 0) throw new Error(`the bucket Job's script exited ${r.code}:\n${out}`);
    return out;
}
