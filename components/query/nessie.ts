import { catalog, imageRef } from "../catalog";
import type { NessieConfig, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { EndpointSpec } from "../lib/endpoint";
import { MetricsTarget } from "../lib/metrics";
import { Link, Workload, httpProbe } from "../lib/workload";
import type { S3Access } from "../storage/objectStore";
import { DatabaseAccess, jdbcUrl } from "../storage/postgres";

/** What an Iceberg client of the Nessie catalog receives. */
export interface NessieAccess {
    /** Nessie's REST API v2, as Iceberg's nessie catalog and Trino take it. */
    apiV2Url: string;
    /** Iceberg REST endpoint served by Nessie (Spark, PyIceberg). */
    icebergRestUrl: string;
    /** The default warehouse location: s3://<bucket>/warehouse. */
    warehouse: string;
    link: Link;
}

export interface NessieArgs {
    namespace: string;
    settings: NessieConfig;
    platform: PlatformConfig;
    db: DatabaseAccess;
    s3: S3Access;
}

const API_PORT = 19120;
const MANAGEMENT_PORT = 9000;

/** Nessie's settings, as env vars named exactly like its properties (Quarkus reads both forms). */
export function nessieEnv(db: DatabaseAccess, s3: S3Access, warehouse: string): Record<string, string> {
    return {
        // JDBC2 replaces the deprecated JDBC version store.
        "nessie.version.store.type": "JDBC2",
        "nessie.version.store.persist.jdbc.datasource": "postgresql",
        "quarkus.datasource.postgresql.jdbc.url": jdbcUrl(db),
        "quarkus.datasource.postgresql.username": db.user,
        "nessie.catalog.default-warehouse": "warehouse",
        "nessie.catalog.warehouses.warehouse.location": warehouse,
        "nessie.catalog.service.s3.default-options.endpoint": `${s3.endpoint}/`,
        "nessie.catalog.service.s3.default-options.path-style-access": "true",
        // S3-compatible stores answer for any region; the SDK only needs one to sign with.
        "nessie.catalog.service.s3.default-options.region": "us-east-1",
        // The key pair is a Quarkus "secret" whose parts come from the env vars set from the Secret.
        "nessie.catalog.service.s3.default-options.access-key": "urn:nessie-secret:quarkus:lakehouse.s3",
    };
}

/** Nessie: a versioned Iceberg catalog (its own API and Iceberg REST), version store on PostgreSQL. */
export class Nessie extends LakehouseComponent {
    readonly access: NessieAccess;
    readonly endpoints: Record<string, EndpointSpec>;
    readonly metrics: MetricsTarget[];

    constructor(name: string, args: NessieArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:query:Nessie", name, opts);
        const { settings, namespace, db, s3 } = args;
        const pin = catalog.nessie;
        const warehouse = `s3://${s3.bucket}/warehouse`;
        const server = new Workload(
            name,
            {
                kind: "Deployment",
                namespace,
                name,
                partOf: "nessie",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumes: [{ name: "tmp", emptyDir: {} }],
                containers: [
                    {
                        name: "nessie",
                        image: settings.image ?? imageRef(pin),
                        env: {
                            ...nessieEnv(db, s3, warehouse),
                            "quarkus.datasource.postgresql.password": db.passwordRef,
                            "lakehouse.s3.name": s3.accessKey,
                            "lakehouse.s3.secret": s3.secretKey,
                            // The JVM sizes its heap from the container limit.
                            JAVA_OPTS_APPEND: "-XX:MaxRAMPercentage=70",
                        },
                        ports: { api: API_PORT, management: MANAGEMENT_PORT },
                        resources: settings.resources,
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        readinessProbe: httpProbe("management", "/q/health/ready"),
                        livenessProbe: httpProbe("management", "/q/health/live", 20),
                    },
                ],
                // Not exposed: the catalog is for engines inside the cluster; its UI is reachable through
                // the Ingress or a port-forward.
                servicePorts: [
                    { name: "api", port: API_PORT },
                    { name: "management", port: MANAGEMENT_PORT },
                ],
                connectsTo: [db.link, s3.link],
                // Quarkus serves Prometheus metrics on the management port.
                metrics: { port: "management", path: "/q/metrics" },
                platform: args.platform,
            },
            this.child(),
        );
        const base = `http://${server.address("api")}`;
        this.access = { apiV2Url: `${base}/api/v2`, icebergRestUrl: `${base}/iceberg`, warehouse, link: server.link("api") };
        this.metrics = [server.metrics!];
        this.endpoints = {
            api: server.endpoint("api", "http", "Nessie catalog: web UI, /api/v2 and Iceberg REST at /iceberg", "", "nessie"),
        };
        this.registerOutputs({ apiV2Url: this.access.apiV2Url });
    }
}
