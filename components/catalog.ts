// Every container image the platform runs, pinned in one place so an upgrade is one edit and a reviewer
// can check each pin against where it was confirmed. Nothing else in the program spells an image tag.


export interface ImagePin {
    /** Repository, with registry host when it is not Docker Hub. */
    readonly image: string;
    /** Exact tag; never `latest`. */
    readonly tag: string;
    /** The UID the image's processes run as; pods run as exactly this user. */
    readonly uid: number;
    /** The GID that owns the image's writable paths; pods use it as runAsGroup and fsGroup. */
    readonly gid: number;
    /** Where the tag (and UID) was confirmed, for the reviewer. */
    readonly confirmed: string;
}

export const catalog = {
    rustfs: {
        image: "rustfs/rustfs",
        tag: "1.0.1",
        uid: 10001,
        gid: 10001,
        confirmed: "shared/FACTS.md (Nov 2026): public pins of rustfs/rustfs:1.0.1; image USER 10001",
    },
    minio: {
        image: "quay.io/minio/minio",
        tag: "RELEASE.2025-09-07T16-13-09Z",
        // The image has no USER; MinIO runs as any UID that owns /data, so we pick an unprivileged one.
        uid: 1000,
        gid: 1000,
        confirmed: "shared/FACTS.md: last official MinIO release (community images stopped Oct 2025); opt-in only",
    },
    spark: {
        image: "apache/spark",
        tag: "4.0.1-scala2.13-java17-python3-ubuntu",
        uid: 185,
        gid: 185,
        confirmed: "apache/spark-docker 4.0.1/scala2.13-java17-python3-ubuntu; Dockerfile USER spark (185); tag pinned in public compose/k8s files (search, Nov 2026)",
    },
    jupyter: {
        image: "quay.io/jupyter/pyspark-notebook",
        tag: "spark-4.0.1",
        uid: 1000,
        gid: 100,
        confirmed: "shared/FACTS.md: quay.io/jupyter/pyspark-notebook:spark-4.0.1 exists; jovyan is 1000:100",
    },
    prometheus: {
        image: "prom/prometheus",
        tag: "v3.9.1",
        uid: 65534,
        gid: 65534,
        confirmed:
            "prometheus/prometheus release v3.9.1 (Jan 2026 guides pin it); image USER nobody (65534); its Go module v0.309.1 " +
            "(VERSION 3.9.1, proxy.golang.org) documents `http_headers` in <http_config>, which the Trino scrape uses",
    },
    kubeStateMetrics: {
        image: "registry.k8s.io/kube-state-metrics/kube-state-metrics",
        tag: "v2.15.0",
        uid: 65534,
        gid: 65534,
        confirmed: "kube-prometheus-stack image lists and public values files pin registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0 (find_string, Nov 2026); upstream manifests run it as 65534 with /livez and /readyz probes",
    },
    curl: {
        image: "curlimages/curl",
        tag: "8.17.0",
        uid: 100,
        gid: 101,
        confirmed: "curlimages/curl Dockerfile: USER curl_user (100:101); --aws-sigv4 since curl 7.75; tag 8.17.0 pinned in public CI and k8s scripts (search, Nov 2026)",
    },
    // Platform services (PostgreSQL, Redis, Nessie, Trino, Flink, ClickHouse, Airflow, Superset).
    postgres: {
        image: "postgres",
        tag: "18.6",
        uid: 999,
        gid: 999,
        confirmed: "search (code): postgres:18.6 pinned in public compose files and testcontainers setups (Nov 2026); FACTS.md; image user postgres 999",
    },
    redis: {
        image: "redis",
        tag: "8.10.2",
        uid: 999,
        gid: 999,
        confirmed: "search (code): redis:8.10.2 pinned in public k8s manifests and Dependabot bumps (Nov 2026); FACTS.md; image user redis 999",
    },
    nessie: {
        image: "ghcr.io/projectnessie/nessie",
        tag: "0.108.4",
        uid: 10000,
        gid: 10000,
        confirmed: "search (code): ghcr.io/projectnessie/nessie:0.108.4 in public compose files (the docker.io copy is frozen at 0.76.6); FACTS.md gives UID 10000",
    },
    trino: {
        image: "trinodb/trino",
        tag: "483",
        uid: 1000,
        gid: 1000,
        confirmed: "search (code): trinodb/trino:483 pinned with digest in public compose files and Helm values (Nov 2026); image user trino 1000",
    },
    flink: {
        image: "flink",
        tag: "2.3.0-java17",
        uid: 9999,
        gid: 9999,
        confirmed: "search (code): flink:2.3.0-java17 in public compose files and k8s manifests (Nov 2026); image user flink 9999 (FACTS.md)",
    },
    clickhouse: {
        image: "clickhouse/clickhouse-server",
        tag: "26.8.15.10",
        uid: 101,
        gid: 101,
        confirmed: "search (code): clickhouse/clickhouse-server:26.8.15.10 listed as the 26.8 LTS image in a public test matrix (Nov 2026); image user clickhouse 101",
    },
    airflow: {
        image: "apache/airflow",
        tag: "3.3.2",
        uid: 50000,
        // The image's files belong to group 0 (OpenShift-style), so the pods run with GID 0, which is not root.
        gid: 0,
        confirmed: "search (code): apache/airflow:3.3.2 (and -python3.12) as the base of public Dockerfiles (Nov 2026); image user airflow 50000, group 0",
    },
    superset: {
        image: "apache/superset",
        tag: "6.1.0",
        uid: 1000,
        gid: 1000,
        confirmed: "search (code): apache/superset:6.1.0 in public Dockerfiles and compose files (Nov 2026); image user superset 1000; no psycopg2 in it (FACTS.md)",
    },
    // Streaming.
    kafka: {
        image: "apache/kafka",
        tag: "4.3.1",
        uid: 1000,
        gid: 1000,
        confirmed: "shared/FACTS.md; apache/kafka:4.3.1 pinned in public compose files and Testcontainers tests (find_string, Nov 2026); image USER appuser (1000)",
    },
    schemaRegistry: {
        image: "confluentinc/cp-schema-registry",
        tag: "8.3.2",
        uid: 1000,
        gid: 1000,
        confirmed: "shared/FACTS.md; confluentinc/cp-schema-registry:8.3.2 pinned in public compose files and Testcontainers tests (find_string, Nov 2026); Confluent images run as appuser (1000)",
    },
    kafkaUi: {
        image: "ghcr.io/kafbat/kafka-ui",
        tag: "v1.5.0",
        // The image's user comes from alpine `adduser -S` (a system UID); the app only reads its jar, so any
        // unprivileged UID works. UID not confirmed.
        uid: 100,
        gid: 101,
        confirmed: "shared/FACTS.md; ghcr.io/kafbat/kafka-ui:v1.5.0 pinned (some with digest) in public deploy scripts (find_string, Nov 2026); UID not confirmed",
    },
    cassandra: {
        image: "cassandra",
        tag: "5.0.9",
        uid: 999,
        gid: 999,
        confirmed: "shared/FACTS.md; cassandra:5.0.9 pinned in public compose files and tests as the latest 5.0.x (find_string, Nov 2026); image user cassandra (999)",
    },
    grafana: {
        image: "grafana/grafana",
        tag: "12.4.12",
        uid: 472,
        // The image's writable paths belong to group root (0); fsGroup 0 keeps mounted volumes writable too.
        gid: 0,
        confirmed: "shared/FACTS.md; grafana/grafana:12.4.12 pinned in public compose files and install scripts (find_string, Nov 2026); image USER 472, files group 0",
    },
    sparkOperator: {
        image: "ghcr.io/kubeflow/spark-operator/controller",
        tag: "2.5.2",
        uid: 185,
        gid: 185,
        confirmed: "chart spark-operator 2.5.2's appVersion; image ghcr.io/kubeflow/spark-operator/controller:2.5.2 pinned in public Makefiles and READMEs (search find_string, Nov 2026); runs as spark (185), shared/FACTS.md",
    },
    metallbController: {
        image: "quay.io/metallb/controller",
        tag: "v0.16.1",
        uid: 65534,
        gid: 65534,
        confirmed: "chart metallb 0.16.1's images; quay.io/metallb/controller:v0.16.1 pinned in public manifests and image lists (search find_string, Nov 2026); the chart runs it as nobody (65534)",
    },
    traefik: {
        image: "traefik",
        tag: "v3.7.11",
        // The image sets no USER; the chart's podSecurityContext runs it as 65532 (traefik/values.yaml).
        uid: 65532,
        gid: 65532,
        confirmed: "traefik/traefik-helm-chart v41.3.0 (2026-08-21): traefik/Chart.yaml appVersion v3.7.11, the image the chart runs (docker.io/traefik); podSecurityContext runAsUser 65532 in traefik/values.yaml",
    },
} as const satisfies Record<string, ImagePin>;

/**
 * Images that run as root because of what they are, each in a namespace labelled `privileged` and never
 * in the platform's: kept apart from `catalog`, whose images all run unprivileged.
 */
export const rootCatalog = {
    metallbSpeaker: {
        image: "quay.io/metallb/speaker",
        tag: "v0.16.1",
        // The speaker answers ARP for the pool's addresses on the host network, which needs root and NET_RAW.
        uid: 0,
        gid: 0,
        confirmed: "chart metallb 0.16.1's images; quay.io/metallb/speaker:v0.16.1 pinned next to the controller in public image lists (search find_string, Nov 2026)",
    },
} as const satisfies Record<string, ImagePin>;

/** A Helm chart the platform installs: repository, chart, exact version, and where it was confirmed. */
export interface ChartPin {
    readonly repo: string;
    readonly chart: string;
    readonly version: string;
    readonly confirmed: string;
}

export const charts = {
    metallb: {
        repo: "https://metallb.github.io/metallb",
        chart: "metallb",
        version: "0.16.1",
        confirmed: "shared/FACTS.md; chart 0.16.1 pinned with its v0.16.1 images in public values files (search, Nov 2026); values keys from metallb/metallb charts/metallb/values.yaml",
    },
    sparkOperator: {
        repo: "https://kubeflow.github.io/spark-operator",
        chart: "spark-operator",
        version: "2.5.2",
        confirmed: "shared/FACTS.md; values keys (spark.jobNamespaces, webhook.enable, prometheus.metrics.enable, controller.resources, image.registry/repository/tag) read from kubeflow/spark-operator charts/spark-operator-chart/values.yaml (search read_file, Nov 2026)",
    },
    traefik: {
        repo: "https://traefik.github.io/charts",
        chart: "traefik",
        version: "41.3.0",
        confirmed:
            "traefik/traefik-helm-chart tag v41.3.0 (2026-08-21), repository from its README (`helm repo add traefik https://traefik.github.io/charts`); " +
            "values keys (image.registry/repository/tag, deployment.replicas, ingressClass.enabled/isDefaultClass/name, service.spec.type, " +
            "ports.web.nodePort, ports.websecure.nodePort, resources) read from traefik/values.yaml at that tag",
    },
} as const satisfies Record<string, ChartPin>;

export type CatalogName = keyof typeof catalog;

/** The Spark release both the cluster image and the notebook image carry; a test keeps them equal. */
export const SPARK_VERSION = "4.0.1";

/** Hadoop bundled with Spark 4.0.x; hadoop-aws must be the same release. */
export const HADOOP_VERSION = "3.4.1";

/** AWS SDK v2 bundle that hadoop-aws 3.4.1 is built against (hadoop-project 3.4.1 pom). */
export const AWS_SDK_BUNDLE_VERSION = "2.24.6";

/**
 * Maven coordinates Spark pulls at session start for S3A and the table formats; each checked on Maven
 * Central (Nov 2026): delta-spark 4.0.1 is built against Spark 4.0.1, iceberg 1.10.2 ships a 4.0 runtime.
 */
export const sparkPackages = {
    s3a: `org.apache.hadoop:hadoop-aws:${HADOOP_VERSION}`,
    delta: "io.delta:delta-spark_2.13:4.0.1",
    iceberg: "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.2",
} as const;

/**
 * Packages the streaming jobs add to their sessions. spark-sql-kafka is Spark's own, same release. The
 * Cassandra connector: 3.5.1 (com.datastax.spark, Scala 2.13) is the newest on Maven Central (checked with
 * `mvn dependency:get`, Nov 2026: no 4.x under com.datastax.spark or org.apache.cassandra); it is built
 * against Spark 3.5, so it running on Spark 4.0 is NOT confirmed (apache/cassandra-spark-connector has
 * Spark 4 support only as open work, CASSANALYTICS-173).
 */
export const streamingPackages = {
    kafka: `org.apache.spark:spark-sql-kafka-0-10_2.13:${SPARK_VERSION}`,
    cassandra: "com.datastax.spark:spark-cassandra-connector_2.13:3.5.1",
} as const;

/**
 * Prometheus JMX exporter java agent for Kafka, which serves no Prometheus endpoint itself. 1.0.1 is on Maven
 * Central (`mvn dependency:get`, Nov 2026); 1.1.0 and later are published only as GitHub release assets.
 */
export const JMX_EXPORTER_VERSION = "1.0.1";

/** Maven Central path of a jar, for daemons (the History Server) that can't use spark.jars.packages. */
export function mavenJarUrl(group: string, artifact: string, version: string): string {
    return `https://repo1.maven.org/maven2/${group.replace(/\./g, "/")}/${artifact}/${version}/${artifact}-${version}.jar`;
}

export function imageRef(pin: Pick<ImagePin, "image" | "tag">): string {
    return `${pin.image}:${pin.tag}`;
}

/** Python drivers Superset's image lacks, pip-installed by an init container; versions checked on PyPI (Nov 2026). */
export const supersetDrivers = ["psycopg2-binary==2.9.11", "trino==0.336.0", "clickhouse-connect==0.15.1"] as const;
