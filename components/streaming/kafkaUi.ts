import { catalog, imageRef } from "../catalog";
import type { KafkaUiConfig, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { Workload, httpProbe } from "../lib/workload";
import type { KafkaAccess } from "./kafka";
import type { SchemaRegistryAccess } from "./schemaRegistry";

export interface KafkaUiArgs {
    namespace: string;
    settings: KafkaUiConfig;
    platform: PlatformConfig;
    kafka: KafkaAccess;
    /** Wired in when Schema Registry is on. */
    schemaRegistry?: SchemaRegistryAccess;
}

const CONTAINER_PORT = 8080;
// Not 8080 on the Service: the Spark master UI has it on the shared LoadBalancer address.
const SERVICE_PORT = 8085;

/** Kafbat Kafka UI behind a login form with a generated password. */
export class KafkaUi extends LakehouseComponent {
    readonly endpoints: Record<string, EndpointSpec>;
    readonly credential: Credential;

    constructor(name: string, args: KafkaUiArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:KafkaUi", name, opts);
        const { settings, namespace, kafka, schemaRegistry } = args;
        const pin = catalog.kafkaUi;
        this.credential = new Credential(
            `${name}-login`,
            { namespace, secretName: `${name}-login`, partOf: "kafkaUi", fields: { username: { fixed: "admin" }, password: { generate: 24 } } },
            this.child(),
        );
        const ui = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "kafkaUi",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumes: [{ name: "tmp", emptyDir: {} }],
                containers: [
                    {
                        name: "kafka-ui",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            KAFKA_CLUSTERS_0_NAME: "lakehouse",
                            KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS: kafka.bootstrap,
                            ...(schemaRegistry ? { KAFKA_CLUSTERS_0_SCHEMAREGISTRY: schemaRegistry.url } : {}),
                            // The UI can create and delete topics: not without a login.
                            AUTH_TYPE: "LOGIN_FORM",
                            SPRING_SECURITY_USER_NAME: this.credential.ref("username"),
                            SPRING_SECURITY_USER_PASSWORD: this.credential.ref("password"),
                            JAVA_OPTS: "-Xmx256m -Djava.io.tmpdir=/tmp",
                        },
                        ports: { http: CONTAINER_PORT },
                        resources: settings.resources,
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        readinessProbe: { ...httpProbe("http", "/actuator/health"), initialDelaySeconds: 20 },
                        livenessProbe: { ...httpProbe("http", "/actuator/health", 30), initialDelaySeconds: 60 },
                    },
                ],
                servicePorts: [{ name: "ui", port: SERVICE_PORT, targetPort: "http" }],
                exposed: true,
                connectsTo: [kafka.link, ...(schemaRegistry ? [schemaRegistry.link] : [])],
                platform: args.platform,
            },
            this.child(),
        );
        this.endpoints = { ui: ui.endpoint("ui", "http", "Kafka UI (login: credentials.kafkaUi)", "", "kafka") };
        this.registerOutputs({});
    }
}
