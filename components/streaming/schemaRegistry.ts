import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, SchemaRegistryConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { EndpointSpec } from "../lib/endpoint";
import { Link, Workload, httpProbe } from "../lib/workload";
import type { KafkaAccess } from "./kafka";

export interface SchemaRegistryArgs {
    namespace: string;
    settings: SchemaRegistryConfig;
    platform: PlatformConfig;
    kafka: KafkaAccess;
}

/** What a Schema Registry client receives. */
export interface SchemaRegistryAccess {
    url: string;
    link: Link;
}

const HTTP_PORT = 8081;

/** Confluent Schema Registry, keeping its schemas in Kafka. */
export class SchemaRegistry extends LakehouseComponent {
    readonly access: SchemaRegistryAccess;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: SchemaRegistryArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:SchemaRegistry", name, opts);
        const { settings, namespace, kafka } = args;
        const pin = catalog.schemaRegistry;
        const registry = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "schemaRegistry",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                containers: [
                    {
                        name: "schema-registry",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            POD_IP: { fieldRef: { fieldPath: "status.podIP" } },
                            SCHEMA_REGISTRY_HOST_NAME: "$(POD_IP)",
                            SCHEMA_REGISTRY_LISTENERS: `http://0.0.0.0:${HTTP_PORT}`,
                            SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: `PLAINTEXT://${kafka.bootstrap}`,
                            // The _schemas topic defaults to 3 replicas, which a one-broker dev cluster can't hold.
                            SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR: String(kafka.internalReplicationFactor),
                            SCHEMA_REGISTRY_HEAP_OPTS: "-Xms128m -Xmx256m",
                        },
                        ports: { http: HTTP_PORT },
                        resources: settings.resources,
                        readinessProbe: { ...httpProbe("http", "/subjects"), initialDelaySeconds: 20 },
                        livenessProbe: { ...httpProbe("http", "/subjects", 30), initialDelaySeconds: 60 },
                    },
                ],
                servicePorts: [{ name: "http", port: HTTP_PORT }],
                connectsTo: [kafka.link],
                platform: args.platform,
            },
            this.child({ dependsOn: [kafka.topicsReady] }),
        );
        this.access = { url: `http://${registry.address("http")}`, link: registry.link("http") };
        this.endpoints = { api: registry.endpoint("http", "http", "Schema Registry REST API") };
        this.registerOutputs({ url: this.access.url });
    }
}
