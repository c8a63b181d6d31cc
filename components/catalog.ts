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
        confirmed: "https://hub.docker.com/r/rustfs/rustfs/tags?name=1.0.1 (rustfs/rustfs tag 1.0.1); rustfs/rustfs Dockerfile: adduser -u 10001, USER rustfs",
    },
    minio: {
        image: "quay.io/minio/minio",
        tag: "RELEASE.2025-09-07T16-13-09Z",
        // The image has no USER; MinIO runs as any UID that owns /data, so we pick an unprivileged one.
        uid: 1000,
        gid: 1000,
        confirmed: "https://quay.io/repository/minio/minio?tab=tags (minio/minio tag RELEASE.2025-09-07T16-13-09Z), the last official MinIO release (community images stopped Oct 2025); opt-in only",
    },
    spark: {
        image: "apache/spark",
        tag: "4.0.1-scala2.13-java17-python3-ubuntu",
        uid: 185,
        gid: 185,
        confirmed: "apache/spark-docker 4.0.1/scala2.13-java17-python3-ubuntu/Dockerfile builds the image FROM spark:4.0.1-scala2.13-java17-ubuntu, whose 4.0.1/scala2.13-java17-ubuntu/Dockerfile sets spark_uid=185 and USER spark; https://hub.docker.com/r/apache/spark/tags?name=4.0.1-scala2.13-java17-python3-ubuntu",
    },
    jupyter: {
        image: "quay.io/jupyter/pyspark-notebook",
        tag: "spark-4.0.1",
        uid: 1000,
        gid: 100,
        confirmed: "https://quay.io/repository/jupyter/pyspark-notebook?tab=tags (spark-4.0.1); jupyter/docker-stacks images/docker-stacks-foundation/Dockerfile: jovyan is 1000:100",
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
        confirmed: "kubernetes/kube-state-metrics release v2.15.0 (image registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0); its examples/standard/deployment.yaml at tag v2.15.0 pins that image and runs it as 65534 with /livez and /readyz probes",
    },
    curl: {
        image: "curlimages/curl",
        tag: "8.17.0",
        uid: 100,
        gid: 101,
        confirmed: "curl/curl-container VERSION at tag 8.17.0; its create_base_image.sh adds curl_user with `adduser -S` (100:101 is Alpine's first free system id, not written there); --aws-sigv4 since curl 7.75; https://hub.docker.com/r/curlimages/curl/tags?name=8.17.0",
    },
    // Platform services (PostgreSQL, Redis, Nessie, Trino, Flink, ClickHouse, Airflow, Superset).
    postgres: {
        image: "postgres",
        tag: "18.6",
        uid: 999,
        gid: 999,
        confirmed: "https://hub.docker.com/_/postgres/tags?name=18.6 (docker-library/postgres 18/trixie/Dockerfile: groupadd --gid=999, useradd --uid=999 postgres)",
    },
    redis: {
        image: "redis",
        tag: "8.10.2",
        uid: 999,
        gid: 999,
        confirmed: "https://hub.docker.com/_/redis/tags?name=8.10.2 (redis/docker-library-redis); image user redis 999",
    },
    nessie: {
        image: "ghcr.io/projectnessie/nessie",
        tag: "0.108.4",
        uid: 10000,
        gid: 10000,
        confirmed: "projectnessie/nessie release nessie-0.108.4, image https://github.com/projectnessie/nessie/pkgs/container/nessie (the docker.io copy is frozen at 0.76.6); image user 10000",
    },
    trino: {
        image: "trinodb/trino",
        tag: "483",
        uid: 1000,
        gid: 1000,
        confirmed: "trinodb/trino tag 483; https://hub.docker.com/r/trinodb/trino/tags?name=483; core/docker/Dockerfile in trinodb/trino: image user trino 1000",
    },
    flink: {
        image: "flink",
        tag: "2.3.0-java17",
        uid: 9999,
        gid: 9999,
        confirmed: "https://hub.docker.com/_/flink/tags?name=2.3.0-java17 (apache/flink-docker); image user flink 9999",
    },
    clickhouse: {
        image: "clickhouse/clickhouse-server",
        tag: "26.8.15.10",
        uid: 101,
        gid: 101,
        confirmed: "https://hub.docker.com/r/clickhouse/clickhouse-server/tags?name=26.8.15.10, the 26.8 LTS line (ClickHouse/ClickHouse docker/server/Dockerfile.ubuntu); image user clickhouse 101",
    },
    airflow: {
        image: "apache/airflow",
        tag: "3.3.2",
        uid: 50000,
        // The image's files belong to group 0 (OpenShift-style), so the pods run with GID 0, which is not root.
        gid: 0,
        confirmed: "apache/airflow tag 3.3.2; https://hub.docker.com/r/apache/airflow/tags?name=3.3.2; image user airflow 50000, group 0 (apache/airflow Dockerfile)",
    },
    superset: {
        image: "apache/superset",
        tag: "6.1.0",
        uid: 1000,
        gid: 1000,
        confirmed: "apache/superset tag 6.1.0; https://hub.docker.com/r/apache/superset/tags?name=6.1.0; image user superset 1000; no psycopg2 in the lean image (apache/superset Dockerfile)",
    },
    // Streaming.
    kafka: {
        image: "apache/kafka",
        tag: "4.3.1",
        uid: 1000,
        gid: 1000,
        confirmed: "apache/kafka tag 4.3.1; https://hub.docker.com/r/apache/kafka/tags?name=4.3.1; docker/jvm/Dockerfile in apache/kafka: USER appuser, made by `adduser -D` with no -u on Alpine (1000 is Alpine's first user id, not written there)",
    },
    schemaRegistry: {
        image: "confluentinc/cp-schema-registry",
        tag: "8.3.2",
        uid: 1000,
        gid: 1000,
        confirmed: "https://hub.docker.com/r/confluentinc/cp-schema-registry/tags?name=8.3.2; Confluent images run as appuser (1000)",
    },
    kafkaUi: {
        image: "ghcr.io/kafbat/kafka-ui",
        tag: "v1.5.0",
        // The image's user comes from alpine `adduser -S` (a system UID); the app only reads its jar, so any
        // unprivileged UID works. UID not confirmed.
        uid: 100,
        gid: 101,
        confirmed: "kafbat/kafka-ui release v1.5.0; https://github.com/kafbat/kafka-ui/pkgs/container/kafka-ui; UID not confirmed",
    },
    cassandra: {
        image: "cassandra",
        tag: "5.0.9",
        uid: 999,
        gid: 999,
        confirmed: "https://hub.docker.com/_/cassandra/tags?name=5.0.9, the latest 5.0.x (docker-library/cassandra 5.0/Dockerfile: groupadd --gid=999, useradd --uid=999 cassandra)",
    },
    grafana: {
        image: "grafana/grafana",
        tag: "12.4.12",
        uid: 472,
        // The image's writable paths belong to group root (0); fsGroup 0 keeps mounted volumes writable too.
        gid: 0,
        confirmed: "grafana/grafana tag v12.4.12; https://hub.docker.com/r/grafana/grafana/tags?name=12.4.12; image USER 472, files group 0 (grafana/grafana Dockerfile)",
    },
    sparkOperator: {
        image: "ghcr.io/kubeflow/spark-operator/controller",
        tag: "2.5.2",
        uid: 185,
        gid: 185,
        confirmed: "kubeflow/spark-operator charts/spark-operator-chart/Chart.yaml at tag v2.5.2: appVersion 2.5.2 (values.yaml leaves image.tag empty); its Dockerfile sets SPARK_UID=185; https://github.com/kubeflow/spark-operator/pkgs/container/spark-operator%2Fcontroller",
    },
    metallbController: {
        image: "quay.io/metallb/controller",
        tag: "v0.16.1",
        uid: 65534,
        gid: 65534,
        confirmed: "metallb/metallb config/manifests/metallb-native.yaml at tag v0.16.1: image quay.io/metallb/controller:v0.16.1, runAsUser 65534 (charts/metallb/values.yaml the same, \"nobody\")",
    },
    traefik: {
        image: "traefik",
        tag: "v3.7.11",
        // The image sets no USER; the chart's podSecurityContext runs it as 65532 (traefik/values.yaml).
        uid: 65532,
        gid: 65532,
        confirmed: "traefik/traefik-helm-chart tag v41.3.0 (2026-08-21): traefik/Chart.yaml appVersion v3.7.11, the image the chart runs (docker.io/traefik); podSecurityContext runAsUser 65532 in traefik/values.yaml",
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
        confirmed: "metallb/metallb config/manifests/metallb-native.yaml at tag v0.16.1: image quay.io/metallb/speaker:v0.16.1",
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
        confirmed: "https://metallb.github.io/metallb (chart 0.16.1; metallb/metallb charts/metallb/Chart.yaml at tag v0.16.1: version 0.16.1, appVersion v0.16.1); values keys from metallb/metallb charts/metallb/values.yaml",
    },
    sparkOperator: {
        repo: "https://kubeflow.github.io/spark-operator",
        chart: "spark-operator",
        version: "2.5.2",
        confirmed: "https://kubeflow.github.io/spark-operator (chart 2.5.2); values keys (spark.jobNamespaces, webhook.enable, prometheus.metrics.enable, controller.resources, image.registry/repository/tag) from kubeflow/spark-operator charts/spark-operator-chart/values.yaml",
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
