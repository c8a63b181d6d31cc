import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, PostgresConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { EnvMap } from "../lib/kx";
import { Link, Workload, labelsFor, tcpProbe } from "../lib/workload";

/** What a consumer of the shared PostgreSQL receives: its own database, user and password. */
export interface DatabaseAccess {
    host: string;
    port: number;
    database: string;
    user: string;
    /** The user's generated password, for a secretKeyRef. */
    passwordRef: { secretKeyRef: { name: string; key: string } };
    /** What the consumer declares in its `connectsTo`. */
    link: Link;
}

/**
 * Env vars that give a pod a SQLAlchemy/JDBC-style URL with the password filled in by Kubernetes:
 * `$(VAR)` in an env value expands a variable defined earlier, so the URL in the spec holds no secret.
 */
export function databaseUrlEnv(db: DatabaseAccess, urlVar: string, scheme: string, passwordVar = "DB_PASSWORD"): EnvMap {
    return {
        [passwordVar]: db.passwordRef,
        [urlVar]: `${scheme}://${db.user}:$(${passwordVar})@${db.host}:${db.port}/${db.database}`,
    };
}

export function jdbcUrl(db: DatabaseAccess): string {
    return `jdbc:postgresql://${db.host}:${db.port}/${db.database}`;
}

export interface PostgresArgs {
    namespace: string;
    settings: PostgresConfig;
    platform: PlatformConfig;
    /** Services that get a database and a user each, both named after the service. */
    consumers: string[];
}

const PORT = 5432;
// PostgreSQL 18's image keeps PGDATA in a versioned directory under /var/lib/postgresql (pg_upgrade --link
// friendly), so the volume is mounted at the parent; a mount at .../data is refused by the entrypoint.
const DATA_MOUNT = "/var/lib/postgresql";

/**
 * The shared PostgreSQL. Each consumer gets its own role and database, made by an idempotent script that
 * runs on every start (not only on an empty volume, as docker-entrypoint-initdb.d would), so a consumer
 * added later, or a volume kept across an upgrade, still gets its role, and every password is re-applied
 * from its Secret.
 */
export class Postgres extends LakehouseComponent {
    readonly admin: Credential;
    /** The admin's and every consumer's credentials (`<consumer>.user`, `<consumer>.password`), as one secret output. */
    readonly values: pulumi.Output<Record<string, string>>;
    readonly endpoints: Record<string, EndpointSpec>;
    private readonly access: Record<string, DatabaseAccess> = {};

    constructor(name: string, args: PostgresArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:storage:Postgres", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.postgres;
        this.admin = new Credential(
            `${name}-admin`,
            { namespace, secretName: `${name}-admin`, partOf: "postgres", fields: { user: { fixed: "postgres" }, password: { generate: 32 } } },
            this.child(),
        );
        const users = args.consumers.map((consumer) => ({
            consumer,
            credential: new Credential(
                `${name}-${consumer}`,
                {
                    namespace,
                    secretName: `${name}-${consumer.toLowerCase()}`,
                    partOf: "postgres",
                    fields: { user: { fixed: roleName(consumer) }, password: { generate: 32 } },
                },
                this.child(),
            ),
        }));
        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-scripts`,
            {
                metadata: { name: `${name}-scripts`, namespace, labels: labelsFor(`${name}-scripts`, "postgres") },
                data: { "start.sh": START_SCRIPT, "ensure-consumer.sql": ENSURE_CONSUMER_SQL },
            },
            this.child(),
        );
        const consumerEnv: EnvMap = Object.fromEntries(users.map((u) => [passwordVar(u.consumer), u.credential.ref("password")]));
        const db = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "postgres",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [
                    { name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } },
                    // The server's socket and lock files; the image's /var/run/postgresql may not be writable by fsGroup.
                    { name: "run", emptyDir: {} },
                ],
                containers: [
                    {
                        name: "postgres",
                        image: settings.image ?? imageRef(pin),
                        command: ["/bin/bash", "/scripts/start.sh"],
                        env: {
                            POSTGRES_USER: this.admin.ref("user"),
                            POSTGRES_PASSWORD: this.admin.ref("password"),
                            DB_CONSUMERS: users.map((u) => roleName(u.consumer)).join(" "),
                            ...consumerEnv,
                        },
                        ports: { postgres: PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: DATA_MOUNT },
                            { name: "scripts", mountPath: "/scripts" },
                            { name: "run", mountPath: "/var/run/postgresql" },
                        ],
                        // Ready only once every consumer's role and database exist.
                        readinessProbe: { exec: { command: ["/bin/sh", "-c", "pg_isready -h 127.0.0.1 -p 5432 && test -f /var/run/postgresql/consumers-ready"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
                        livenessProbe: tcpProbe("postgres", 20),
                    },
                ],
                servicePorts: [{ name: "postgres", port: PORT }],
                // A fast shutdown ends with a checkpoint that writes every dirty buffer; the image's notes
                // (docker-library/postgres Dockerfile, after STOPSIGNAL) warn that Docker's 10 s are too
                // few. A minute covers the default 128MB of shared_buffers on slow disks.
                terminationGracePeriodSeconds: 60,
                podAnnotations: {
                    // A consumer added or removed changes the env; the script change must roll the pod too.
                    "lakehouse.io/config-checksum": crypto.createHash("sha256").update(START_SCRIPT + ENSURE_CONSUMER_SQL).digest("hex").slice(0, 16),
                },
                platform: args.platform,
            },
            this.child({ dependsOn: [this.admin, ...users.map((u) => u.credential)] }),
        );
        for (const u of users) {
            this.access[u.consumer] = {
                host: db.host,
                port: PORT,
                database: roleName(u.consumer),
                user: roleName(u.consumer),
                passwordRef: u.credential.ref("password"),
                link: db.link("postgres"),
            };
        }
        this.values = pulumi.secret(
            pulumi.all([this.admin.values, ...users.map((u) => u.credential.values)]).apply(([admin, ...consumers]): Record<string, string> => {
                const out: Record<string, string> = { ...admin };
                consumers.forEach((c, i) => {
                    out[`${users[i].consumer}.user`] = c.user;
                    out[`${users[i].consumer}.password`] = c.password;
                });
                return out;
            }),
        );
        this.endpoints = { postgres: db.endpoint("postgres", "postgresql", "PostgreSQL (one database per service); credentials: credentials.postgres") };
        this.registerOutputs({ consumers: args.consumers });
    }

    /** The database of one consumer named at construction. */
    database(consumer: string): DatabaseAccess {
        const a = this.access[consumer];
        if (!a) throw new Error(`postgres has no database for ${consumer} (consumers: ${Object.keys(this.access).join(", ")})`);
        return a;
    }
}

/** PostgreSQL folds unquoted names to lower case; a role named like the service, lower-cased, needs no quoting. */
export function roleName(consumer: string): string {
    return consumer.toLowerCase();
}

function passwordVar(consumer: string): string {
    return `DB_PASSWORD_${roleName(consumer)}`;
}

// Runs the image's own entrypoint in the background, waits for the real server (TCP answers only after
// the entrypoint's temporary init server is gone), ensures every consumer, then marks the pod ready.
//
// This script is the container's main process, so the stop signal reaches it, not the server: the
// runtime sends the image's STOPSIGNAL, SIGINT (docker-library/postgres Dockerfile; Kubernetes' own
// lifecycle.stopSignal, KEP-4960, only overrides it), and SIGTERM where no stop signal is set. Both become
// SIGINT, PostgreSQL's fast shutdown: sessions are ended and the server checkpoints and exits. SIGTERM
// would be a smart shutdown, which waits for every client to disconnect; the consumers' connection pools
// never do, so the kubelet would kill the server at the end of the grace period and every start after it
// would run crash recovery (postgresql.org/docs/current/server-shutdown.html).
export const START_SCRIPT = `#!/bin/bash
set -euo pipefail
rm -f /var/run/postgresql/consumers-ready
docker-entrypoint.sh postgres &
pid=$!
trap 'kill -INT $pid' TERM INT
until pg_isready -q -h 127.0.0.1 -p 5432; do
  kill -0 $pid 2>/dev/null || { wait $pid; exit $?; }
  sleep 1
done
for role in $DB_CONSUMERS; do
  psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \\
    -v role="$role" -v password_var="DB_PASSWORD_$role" -f /scripts/ensure-consumer.sql
  echo "database and role $role are in place"
done
touch /var/run/postgresql/consumers-ready
# A trapped signal interrupts wait; keep waiting until the server has really shut down.
set +e
while kill -0 $pid 2>/dev/null; do wait $pid; done
wait $pid
`;

// psql variables are quoted by psql itself (:'x' as a literal, :"x" as an identifier), and the password is
// read from the environment with \\getenv, so it is never on a command line.
export const ENSURE_CONSUMER_SQL = `\\getenv password :password_var
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \\gexec
ALTER DATABASE :"role" OWNER TO :"role";
`;
