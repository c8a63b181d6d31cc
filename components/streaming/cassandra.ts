import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { catalog, imageRef } from "../catalog";
import type { CassandraConfig, PlatformConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { configFiles } from "../lib/configFiles";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { Link, Workload, oneShotJob, tcpProbe } from "../lib/workload";

export interface CassandraArgs {
    namespace: string;
    settings: CassandraConfig;
    platform: PlatformConfig;
}

/** What a Cassandra client receives: where it is, the pipeline's table, and a login for it. */
export interface CassandraAccess {
    host: string;
    port: number;
    link: Link;
    keyspace: string;
    table: string;
    username: { secretKeyRef: { name: string; key: string } };
    password: { secretKeyRef: { name: string; key: string } };
    /** The schema Job: writers wait for the keyspace and table. */
    schemaReady: pulumi.Resource;
}

const CQL_PORT = 9042;
const GOSSIP_PORT = 7000;
export const POSITIONS_TABLE = "positions";
/** The pipeline's login; `cassandra` stays the superuser, with a generated password instead of the default. */
const APP_USER = "lakehouse";

/** Keyspace and table of vehicle positions; the columns match jobs/medallion.py `cassandra_rows`. */
export function schemaCql(keyspace: string, replicationFactor: number): string {
    return [
        `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}};`,
        // Logins must survive a node's loss on a multi-node ring, like the data.
        `ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}};`,
        `CREATE TABLE IF NOT EXISTS ${keyspace}.${POSITIONS_TABLE} (`,
        "    vehicle_id text,",
        "    event_time timestamp,",
        "    type text,",
        "    latitude double,",
        "    longitude double,",
        "    battery int,",
        "    PRIMARY KEY ((vehicle_id), event_time)",
        ") WITH CLUSTERING ORDER BY (event_time DESC);",
        "",
    ].join("\n");
}

// The image's cassandra.yaml allows anyone in; the copy the node runs requires a password (and roles).
const enableAuthScript = `
cp -a /etc/cassandra/. /config/
sed -i -e 's/AllowAllAuthenticator/PasswordAuthenticator/' -e 's/AllowAllAuthorizer/CassandraAuthorizer/' /config/cassandra.yaml
grep -q PasswordAuthenticator /config/cassandra.yaml
`.trim();

// Idempotent: on the first run the superuser still has the image's default password, which is replaced by the
// generated one; later runs log in with the generated one. Passwords reach cqlsh through env, not the manifest.
const schemaScript = `
export HOME=/tmp
cq() { cqlsh "$CASSANDRA_HOST" -u cassandra -p "$ADMIN_PASSWORD" "$@"; }
until cq -e 'SELECT release_version FROM system.local' >/dev/null 2>&1; do
  if cqlsh "$CASSANDRA_HOST" -u cassandra -p cassandra -e "ALTER ROLE cassandra WITH PASSWORD = '$ADMIN_PASSWORD'" >/dev/null 2>&1; then
    echo "replaced the default superuser password"
  else
    echo "waiting for Cassandra at $CASSANDRA_HOST"; sleep 5
  fi
done
cq -f /cql/schema.cql
printf "CREATE ROLE IF NOT EXISTS %s WITH PASSWORD = '%s' AND LOGIN = true;\\nGRANT SELECT ON KEYSPACE %s TO %s;\\nGRANT MODIFY ON KEYSPACE %s TO %s;\\n" \\
  "$APP_USER" "$APP_PASSWORD" "$KEYSPACE" "$APP_USER" "$KEYSPACE" "$APP_USER" > /tmp/roles.cql
cq -f /tmp/roles.cql
# A role made by an earlier run keeps its password; set it only when the generated one doesn't log in. Never
# right after CREATE: Cassandra refuses a role's password change within 5 s of the last one.
if ! cqlsh "$CASSANDRA_HOST" -u "$APP_USER" -p "$APP_PASSWORD" -e 'SELECT release_version FROM system.local' >/dev/null 2>&1; then
  sleep 5
  printf "ALTER ROLE %s WITH PASSWORD = '%s';\\n" "$APP_USER" "$APP_PASSWORD" > /tmp/roles.cql
  cq -f /tmp/roles.cql
fi
rm -f /tmp/roles.cql
echo "keyspace $KEYSPACE and role $APP_USER are ready"
`.trim();

/** Cassandra with password authentication, its heap from config, and the pipeline's keyspace and table. */
export class Cassandra extends LakehouseComponent {
    readonly access: CassandraAccess;
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: CassandraArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:streaming:Cassandra", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.cassandra;
        const image = settings.image ?? imageRef(pin);
        const runAs = { uid: pin.uid, gid: pin.gid };
        const rf = Math.min(3, settings.replicas);

        this.credential = new Credential(
            `${name}-users`,
            {
                namespace,
                secretName: `${name}-users`,
                partOf: "cassandra",
                fields: { adminUsername: { fixed: "cassandra" }, adminPassword: { generate: 32 }, username: { fixed: APP_USER }, password: { generate: 32 } },
            },
            this.child(),
        );
        const cql = schemaCql(settings.keyspace, rf);
        const schema = configFiles(
            `${name}-schema`,
            { name: `${name}-schema`, namespace, partOf: "cassandra", data: { "schema.cql": cql } },
            this.child(),
        );
        const headless = `${name}-headless.${namespace}.svc`;
        const node = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "cassandra",
                replicas: settings.replicas,
                runAs,
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [{ name: "config", emptyDir: {} }],
                initContainers: [
                    {
                        name: "enable-auth",
                        image,
                        command: ["/bin/sh", "-ec", enableAuthScript],
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                        volumeMounts: [{ name: "config", mountPath: "/config" }],
                    },
                ],
                containers: [
                    {
                        name: "cassandra",
                        image,
                        env: {
                            // Cassandra refuses to start with only one of them set; config sets both.
                            MAX_HEAP_SIZE: settings.maxHeapSize,
                            HEAP_NEWSIZE: settings.heapNewSize,
                            CASSANDRA_CLUSTER_NAME: "lakehouse",
                            // The first pod seeds the ring; the others join through it.
                            CASSANDRA_SEEDS: `${name}-0.${headless}`,
                            CASSANDRA_ENDPOINT_SNITCH: "GossipingPropertyFileSnitch",
                        },
                        ports: { cql: CQL_PORT, gossip: GOSSIP_PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: "/var/lib/cassandra" },
                            { name: "config", mountPath: "/etc/cassandra" },
                        ],
                        readinessProbe: { ...tcpProbe("cql"), initialDelaySeconds: 30 },
                        livenessProbe: { ...tcpProbe("gossip", 20), initialDelaySeconds: 90 },
                    },
                ],
                servicePorts: [
                    { name: "cql", port: CQL_PORT },
                    { name: "gossip", port: GOSSIP_PORT },
                ],
                // Nodes gossip and stream data among themselves.
                peerGroup: "cassandra",
                podAnnotations: { "lakehouse.io/config-checksum": crypto.createHash("sha256").update(enableAuthScript).digest("hex").slice(0, 16) },
                platform: args.platform,
            },
            this.child(),
        );
        const link = node.link("cql");
        const job = oneShotJob(
            `${name}-schema`,
            {
                namespace,
                name: `${name}-schema-${crypto.createHash("sha256").update(cql).digest("hex").slice(0, 8)}`,
                partOf: "cassandra",
                runAs,
                connectsTo: [link],
                volumes: [{ name: "cql", configMap: { name: schema.metadata.name } }],
                containers: [
                    {
                        name: "schema",
                        image,
                        command: ["/bin/sh", "-ec", schemaScript],
                        env: {
                            CASSANDRA_HOST: node.host,
                            KEYSPACE: settings.keyspace,
                            APP_USER,
                            ADMIN_PASSWORD: this.credential.ref("adminPassword"),
                            APP_PASSWORD: this.credential.ref("password"),
                        },
                        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                        volumeMounts: [{ name: "cql", mountPath: "/cql" }],
                    },
                ],
            },
            this.child({ dependsOn: [node.workload, this.credential] }),
        );

        this.access = {
            host: node.host,
            port: CQL_PORT,
            link,
            keyspace: settings.keyspace,
            table: POSITIONS_TABLE,
            username: this.credential.ref("username"),
            password: this.credential.ref("password"),
            schemaReady: job,
        };
        this.endpoints = { cql: node.endpoint("cql", "cql", `Cassandra CQL (keyspace ${settings.keyspace}; credentials: credentials.cassandra)`) };
        this.registerOutputs({ host: node.host });
    }
}
