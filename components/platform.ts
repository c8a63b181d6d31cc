import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { UiIngress, ingressUrl, openUisAllowed } from "./access/ingress";
import { LocalIngressController } from "./access/ingressController";
import { Jupyter } from "./compute/jupyter";
import { SparkCluster } from "./compute/spark";
import { SparkHistory } from "./compute/sparkHistory";
import { Prometheus } from "./observability/prometheus";
import { MetricsTarget } from "./lib/metrics";
import type { PlatformConfig, ServiceName } from "./config";
import { PlatformNamespaces } from "./core/namespaces";
import { Endpoint, EndpointSpec, endpointRecords } from "./lib/endpoint";
import { ObjectStore } from "./storage/objectStore";
import { Grafana, dashboardsFor } from "./observability/grafana";
import { KubeStateMetrics } from "./observability/kubeStateMetrics";
import { Cassandra } from "./streaming/cassandra";
import { Kafka } from "./streaming/kafka";
import { KafkaUi } from "./streaming/kafkaUi";
import { PIPELINE_FOLDERS, VehiclePipeline } from "./streaming/pipeline";
import { VehicleProducer } from "./streaming/producer";
import { launcherFor } from "./streaming/pipelineLauncher";
import { SchemaRegistry } from "./streaming/schemaRegistry";
import { platformServices } from "./platformServices";
import { buildClusterLayer, loadBalancerAddresses } from "./cluster/layer";
import type { Tenant } from "./cluster/team";

/**
 * The whole platform: one Kubernetes provider built from config, the namespaces, and each enabled service,
 * wired to the services it needs. Services never reach into each other; what one needs of another (an
 * endpoint, a secret reference) is handed over here.
 */
export class DataPlatform extends pulumi.ComponentResource {
    readonly endpoints: Record<string, Record<string, Endpoint>>;
    readonly credentials: pulumi.Output<Record<string, Record<string, string>>>;
    readonly namespaces: { platform: string };
    readonly enabledServices: ServiceName[];
    /** Team tenants: where each team's Spark applications run, and as which service account. */
    readonly tenants: Tenant[];
    /** Whether the Spark Operator runs, and which namespaces it watches (the teams'). */
    readonly sparkOperator: { enabled: boolean; watchedNamespaces: string[] };
    /** MetalLB's address pool, when the platform deployed MetalLB. */
    readonly metallbRange?: string;
    /** LoadBalancer address per exposed service. */
    readonly loadBalancerAddresses: pulumi.Output<Record<string, string>>;

    constructor(name: string, cfg: PlatformConfig, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:index:DataPlatform", name, {}, opts);
        const provider = new k8s.Provider(`${name}-k8s`, { context: cfg.kubeContext }, { parent: this });
        const base = { parent: this, providers: { kubernetes: provider } };

        const namespaces = new PlatformNamespaces(
            `${name}-namespaces`,
            { platform: cfg.namespaces.platform, egress: cfg.network.egress, protect: cfg.protectData },
            base,
        );
        const inPlatform = { ...base, dependsOn: [namespaces.ready] };
        const cluster = buildClusterLayer(cfg, { ...base, dependsOn: [] });
        const ns = namespaces.platform;
        const s = cfg.services;

        const endpoints: Record<string, Record<string, EndpointSpec>> = {};
        const credentials: Record<string, pulumi.Output<Record<string, string>>> = {};

        const history = s.sparkHistory.enabled ? s.sparkHistory : undefined;
        const objectStore = s.objectStore.enabled
            ? new ObjectStore(
                  "object-store",
                  {
                      namespace: ns,
                      settings: s.objectStore,
                      platform: cfg,
                      folders: [...(history ? [history.logPrefix] : []), ...(s.pipeline.enabled ? PIPELINE_FOLDERS : [])],
                  },
                  inPlatform,
              )
            : undefined;
        const metrics: MetricsTarget[] = [];
        if (objectStore) {
            endpoints.objectStore = objectStore.endpoints;
            credentials.objectStore = objectStore.credential.values;
            metrics.push(...objectStore.metrics);
        }

        // Before Spark: the pipeline's executors run on the workers, which must declare links to these.
        const kafka = s.kafka.enabled ? new Kafka("kafka", { namespace: ns, settings: s.kafka, platform: cfg }, inPlatform) : undefined;
        const cassandra = s.cassandra.enabled ? new Cassandra("cassandra", { namespace: ns, settings: s.cassandra, platform: cfg }, inPlatform) : undefined;
        if (kafka) {
            endpoints.kafka = kafka.endpoints;
            metrics.push(...kafka.metrics);
        }
        if (cassandra) {
            endpoints.cassandra = cassandra.endpoints;
            credentials.cassandra = cassandra.credential.values;
        }
        // Only standalone executors run on the workers; the operator's run in the team namespace.
        const onWorkers = s.pipeline.enabled && s.pipeline.launcher === "standalone";
        const executorLinks = onWorkers ? [kafka?.access.link, cassandra?.access.link].filter((l) => l !== undefined) : [];

        // Config validation guarantees each dependency below is enabled when its dependent is.
        const eventLogDir = history && objectStore ? `s3a://${objectStore.access.bucket}/${history.logPrefix}` : undefined;
        const spark =
            s.spark.enabled && objectStore
                ? new SparkCluster("spark", { namespace: ns, settings: s.spark, platform: cfg, s3: objectStore.access, eventLogDir, executorLinks }, inPlatform)
                : undefined;
        if (spark) {
            endpoints.spark = spark.endpoints;
            metrics.push(...spark.metrics);
        }
        if (history && eventLogDir && spark && objectStore) {
            const server = new SparkHistory(
                "spark-history",
                { namespace: ns, settings: history, platform: cfg, spark: spark.access, s3: objectStore.access, logDir: eventLogDir },
                inPlatform,
            );
            endpoints.sparkHistory = server.endpoints;
        }

        if (s.jupyter.enabled && spark && objectStore) {
            const jupyter = new Jupyter(
                "jupyter",
                {
                    namespace: ns,
                    settings: s.jupyter,
                    platform: cfg,
                    spark: spark.access,
                    tableFormat: s.spark.tableFormat,
                    s3: objectStore.access,
                },
                inPlatform,
            );
            endpoints.jupyter = jupyter.endpoints;
            credentials.jupyter = jupyter.credential.values;
        }

        let pipeline: VehiclePipeline | undefined;
        if (kafka) {
            const registry = s.schemaRegistry.enabled
                ? new SchemaRegistry("schema-registry", { namespace: ns, settings: s.schemaRegistry, platform: cfg, kafka: kafka.access }, inPlatform)
                : undefined;
            if (registry) endpoints.schemaRegistry = registry.endpoints;
            if (s.kafkaUi.enabled) {
                const ui = new KafkaUi(
                    "kafka-ui",
                    { namespace: ns, settings: s.kafkaUi, platform: cfg, kafka: kafka.access, schemaRegistry: registry?.access },
                    inPlatform,
                );
                endpoints.kafkaUi = ui.endpoints;
                credentials.kafkaUi = ui.credential.values;
            }
            if (s.producer.enabled) {
                new VehicleProducer("vehicle-producer", { namespace: ns, settings: s.producer, platform: cfg, kafka: kafka.access }, inPlatform);
            }
            if (s.pipeline.enabled && spark && objectStore) {
                pipeline = new VehiclePipeline(
                    "vehicles",
                    {
                        namespace: ns,
                        settings: s.pipeline,
                        platform: cfg,
                        launcher: launcherFor(s.pipeline, spark.access, cluster),
                        kafka: kafka.access,
                        s3: objectStore.access,
                        cassandra: cassandra?.access,
                        credentials: [objectStore.credential, ...(cassandra ? [cassandra.credential] : [])],
                    },
                    inPlatform,
                );
                metrics.push(...pipeline.metrics);
            }
        }
        // PostgreSQL, Redis, Nessie, Trino, Flink, ClickHouse, Airflow, Superset. Airflow's medallion DAG
        // gets the pipeline's SparkApplications when it runs on the operator.
        const more = platformServices(cfg, ns, { objectStore, spark, pipeline: pipeline?.medallion }, inPlatform);
        Object.assign(endpoints, more.endpoints);
        Object.assign(credentials, more.credentials);
        metrics.push(...more.metrics);

        if (cluster.operator) metrics.push(cluster.operator.metrics);
        if (s.kubeStateMetrics.enabled) {
            const ksm = new KubeStateMetrics(
                "kube-state-metrics",
                { namespace: ns, settings: s.kubeStateMetrics, platform: cfg, watchedNamespaces: [ns, ...cluster.tenants.map((t) => t.namespace)] },
                inPlatform,
            );
            metrics.push(...ksm.metrics);
        }
        // Last: it scrapes what the services above declared.
        const prometheus = s.prometheus.enabled
            ? new Prometheus("prometheus", { namespace: ns, settings: s.prometheus, platform: cfg, targets: metrics }, inPlatform)
            : undefined;
        if (prometheus) endpoints.prometheus = prometheus.endpoints;
        if (s.grafana.enabled) {
            const enabled = (Object.keys(s) as ServiceName[]).filter((k) => s[k].enabled);
            const grafana = new Grafana(
                "grafana",
                { namespace: ns, settings: s.grafana, platform: cfg, prometheus: prometheus && { url: prometheus.url, link: prometheus.link }, dashboards: dashboardsFor(enabled) },
                inPlatform,
            );
            endpoints.grafana = grafana.endpoints;
            credentials.grafana = grafana.credential.values;
        }

        checkSharedAddress(endpoints, cfg);
        const openUis = openUisAllowed(cfg);
        if (cfg.ingress.enabled) {
            if (cfg.ingress.controller) {
                new LocalIngressController("ingress-controller", { platformNamespace: ns, egress: cfg.network.egress }, { ...base, dependsOn: [] });
            }
            new UiIngress("ui-ingress", { settings: cfg.ingress, endpoints: Object.values(endpoints).flatMap((e) => Object.values(e)), openUis }, inPlatform);
        }
        this.endpoints = endpointRecords(endpoints, cfg.kubeContext, (e) => ingressUrl(cfg.ingress, e, openUis));
        this.credentials = pulumi.secret(pulumi.all(credentials));
        this.namespaces = { platform: ns };
        this.enabledServices = (Object.keys(s) as ServiceName[]).filter((k) => s[k].enabled);
        this.tenants = cluster.tenants;
        this.sparkOperator = { enabled: cluster.operator !== undefined, watchedNamespaces: cluster.operator?.watchedNamespaces ?? [] };
        this.metallbRange = cluster.metallb?.range;
        this.loadBalancerAddresses = loadBalancerAddresses(this.endpoints);
        this.registerOutputs({ endpoints: this.endpoints, credentials: this.credentials });
    }
}

/**
 * Exposed Services share one LoadBalancer address under MetalLB, which only works when no two of them
 * use the same port. A clash is a bug in the program (ports are not user config), caught before deploying.
 */
export function checkSharedAddress(endpoints: Record<string, Record<string, EndpointSpec>>, cfg: PlatformConfig): void {
    if (cfg.exposure.type !== "LoadBalancer") return;
    const byPort = new Map<number, string>();
    for (const eps of Object.values(endpoints)) {
        for (const e of Object.values(eps)) {
            if (e.exposure !== "LoadBalancer") continue;
            const other = byPort.get(e.port);
            if (other && other !== e.serviceName) {
                throw new pulumi.RunError(
                    `Services ${other} and ${e.serviceName} both expose port ${e.port} on the shared LoadBalancer address ` +
                        `(${cfg.exposure.sharedIpKey}); give one of them another port`,
                );
            }
            byPort.set(e.port, e.serviceName);
        }
    }
}
