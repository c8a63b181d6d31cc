import { catalog, imageRef } from "../catalog";
import type { ObjectStoreConfig, PlatformConfig } from "../config";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { EnvMap } from "../lib/kx";
import { MetricsTarget } from "../lib/metrics";
import { Link, Workload, httpProbe, oneShotJob } from "../lib/workload";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";

export interface ObjectStoreArgs {
    namespace: string;
    settings: ObjectStoreConfig;
    platform: PlatformConfig;
    /**
     * Folders made in the lakehouse bucket up front (as S3 directory markers), for readers that insist a
     * directory exists before anything is written there, such as Spark's event log.
     */
    folders?: string[];
}

/** What clients of the object store receive: where it is and how to authenticate. */
export interface S3Access {
    /** Endpoint URL inside the cluster, e.g. http://object-store.lakehouse.svc:9000 */
    endpoint: string;
    /** The lakehouse's own bucket (the first configured bucket). */
    bucket: string;
    /** What a client declares in its `connectsTo` to use the S3 API. */
    link: Link;
    accessKey: { secretKeyRef: { name: string; key: string } };
    secretKey: { secretKeyRef: { name: string; key: string } };
}

const S3_PORT = 9000;
const CONSOLE_PORT = 9001;

/** How each engine is told its credentials and data path, and how it reports health. */
const engines = {
    rustfs: {
        pin: catalog.rustfs,
        args: [] as string[],
        env: (cred: Credential): EnvMap => ({
            RUSTFS_ACCESS_KEY: cred.ref("accessKey"),
            RUSTFS_SECRET_KEY: cred.ref("secretKey"),
            RUSTFS_VOLUMES: "/data",
            RUSTFS_ADDRESS: `0.0.0.0:${S3_PORT}`,
            RUSTFS_CONSOLE_ENABLE: "true",
            RUSTFS_CONSOLE_ADDRESS: `0.0.0.0:${CONSOLE_PORT}`,
        }),
        live: "/health",
        ready: "/health",
        // RustFS has no Prometheus endpoint: it only pushes OTLP to an OpenTelemetry Collector
        // (docs.rustfs.com/operations/observability), which this platform does not run.
        metrics: undefined,
    },
    minio: {
        pin: catalog.minio,
        // The bare image prints help; it must be told to serve.
        args: ["server", "/data", "--console-address", `:${CONSOLE_PORT}`],
        env: (cred: Credential): EnvMap => ({
            MINIO_ROOT_USER: cred.ref("accessKey"),
            MINIO_ROOT_PASSWORD: cred.ref("secretKey"),
            // The image has no home for an arbitrary UID; MinIO writes its client config there.
            HOME: "/data",
            // Cluster metrics without a bearer token: the scrape is limited to Prometheus by the network
            // policies generated from its Link, and the figures are not secret.
            MINIO_PROMETHEUS_AUTH_TYPE: "public",
        }),
        live: "/minio/health/live",
        ready: "/minio/health/ready",
        metrics: { port: "s3", path: "/minio/v2/metrics/cluster" },
    },
} as const;

/** An S3-compatible object store (RustFS by default) with its buckets. */
export class ObjectStore extends LakehouseComponent {
    readonly access: S3Access;
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;
    /** Prometheus targets: the minio engine serves cluster metrics; rustfs serves none. */
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: ObjectStoreArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:storage:ObjectStore", name, opts);
        const { settings, namespace } = args;
        const engine = engines[settings.engine];
        const image = settings.image ?? imageRef(engine.pin);
        const runAs = { uid: engine.pin.uid, gid: engine.pin.gid };

        this.credential = new Credential(
            `${name}-root`,
            {
                namespace,
                secretName: `${name}-root`,
                partOf: "objectStore",
                // S3 access keys are conventionally upper-case-free and short; the secret key is long.
                fields: { accessKey: { generate: 20, lowercase: true }, secretKey: { generate: 40 } },
            },
            this.child(),
        );

        const store = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "objectStore",
                replicas: settings.replicas,
                runAs,
                volumeClaim: { name: "data", size: settings.volumeSize },
                containers: [
                    {
                        name: settings.engine,
                        image,
                        args: [...engine.args],
                        env: engine.env(this.credential),
                        ports: { s3: S3_PORT, console: CONSOLE_PORT },
                        resources: settings.resources,
                        volumeMounts: [{ name: "data", mountPath: "/data" }],
                        readinessProbe: httpProbe("s3", engine.ready),
                        livenessProbe: httpProbe("s3", engine.live, 20),
                    },
                ],
                servicePorts: [
                    { name: "s3", port: S3_PORT },
                    { name: "console", port: CONSOLE_PORT },
                ],
                exposed: true,
                metrics: engine.metrics,
                platform: args.platform,
            },
            this.child(),
        );
        this.metrics = store.metrics ? [store.metrics] : [];

        this.access = {
            endpoint: `http://${store.address("s3")}`,
            bucket: settings.buckets[0],
            link: store.link("s3"),
            accessKey: this.credential.ref("accessKey"),
            secretKey: this.credential.ref("secretKey"),
        };

        // Buckets are created by a Job rather than by the store's own startup so that adding a bucket to
        // config is an update, not a restart. Creating a bucket that exists answers 409, which counts as done.
        oneShotJob(
            `${name}-buckets`,
            {
                namespace,
                name: `${name}-buckets`,
                partOf: "objectStore",
                runAs: { uid: catalog.curl.uid, gid: catalog.curl.gid },
                connectsTo: [this.access.link],
                containers: [
                    {
                        name: "create-buckets",
                        image: imageRef(catalog.curl),
                        command: ["/bin/sh", "-ec", createBucketsScript],
                        env: {
                            S3_ENDPOINT: this.access.endpoint,
                            HEALTH_PATH: engine.ready,
                            BUCKETS: settings.buckets.join(" "),
                            FOLDERS: (args.folders ?? []).map((f) => `${settings.buckets[0]}/${f}/`).join(" "),
                            ACCESS_KEY: this.access.accessKey,
                            SECRET_KEY: this.access.secretKey,
                        },
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                    },
                ],
            },
            this.child({ dependsOn: [this.credential] }),
        );

        this.endpoints = {
            s3: store.endpoint("s3", "http", "S3 API (path-style); credentials: credentials.objectStore"),
            console: store.endpoint("console", "http", `${settings.engine} web console`, "", "objectstore"),
        };
        this.registerOutputs({ endpoint: this.access.endpoint, bucket: this.access.bucket });
    }
}

// The credentials reach curl through a config file on stdin, never through its command line.
const createBucketsScript = `
until curl -fsS -o /dev/null "$S3_ENDPOINT$HEALTH_PATH"; do
  echo "waiting for the object store at $S3_ENDPOINT"; sleep 3
done
for bucket in $BUCKETS; do
  code=$(printf 'user = "%s:%s"\\n' "$ACCESS_KEY" "$SECRET_KEY" | curl -sS -K - -o /tmp/reply -w '%{http_code}' \\
    --aws-sigv4 "aws:amz:us-east-1:s3" -X PUT "$S3_ENDPOINT/$bucket")
  case "$code" in
    200) echo "created bucket $bucket" ;;
    409) echo "bucket $bucket already exists" ;;
    *) echo "creating bucket $bucket failed with HTTP $code:"; cat /tmp/reply; exit 1 ;;
  esac
done
for folder in $FOLDERS; do
  printf 'user = "%s:%s"\n' "$ACCESS_KEY" "$SECRET_KEY" | curl -fsS -K - -o /dev/null \
    --aws-sigv4 "aws:amz:us-east-1:s3" -X PUT --data-binary '' "$S3_ENDPOINT/$folder"
  echo "folder $folder is there"
done
`.trim();
