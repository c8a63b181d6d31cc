import { catalog, imageRef } from "../catalog";
import type { PlatformConfig, RedisConfig } from "../config";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { Credential } from "../lib/credential";
import { EndpointSpec } from "../lib/endpoint";
import { EnvMap } from "../lib/kx";
import { Link, Workload, tcpProbe } from "../lib/workload";

/** What a Redis client receives. */
export interface RedisAccess {
    host: string;
    port: number;
    passwordRef: { secretKeyRef: { name: string; key: string } };
    link: Link;
}

/**
 * Env vars giving a pod a redis:// URL for database `db`, the password filled in by Kubernetes from the
 * variable defined just before it (the spec holds no secret).
 */
export function redisUrlEnv(r: RedisAccess, urlVar: string, db: number, passwordVar = "REDIS_PASSWORD"): EnvMap {
    return { [passwordVar]: r.passwordRef, [urlVar]: `redis://:$(${passwordVar})@${r.host}:${r.port}/${db}` };
}

export interface RedisArgs {
    namespace: string;
    settings: RedisConfig;
    platform: PlatformConfig;
}

const PORT = 6379;

// The password goes into a config file written at start, not onto redis-server's command line, where any
// process in the pod could read it.
export const REDIS_START = `printf 'requirepass "%s"\\nappendonly yes\\ndir /data\\n' "$REDIS_PASSWORD" > /tmp/redis.conf
exec redis-server /tmp/redis.conf`;

/** Redis with a generated password and AOF persistence on a volume: Celery's broker, Superset's cache. */
export class Redis extends LakehouseComponent {
    readonly access: RedisAccess;
    readonly credential: Credential;
    readonly endpoints: Record<string, EndpointSpec>;

    constructor(name: string, args: RedisArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:storage:Redis", name, opts);
        const { settings, namespace } = args;
        const pin = catalog.redis;
        this.credential = new Credential(
            `${name}-auth`,
            { namespace, secretName: `${name}-auth`, partOf: "redis", fields: { password: { generate: 32 } } },
            this.child(),
        );
        const redis = new Workload(
            name,
            {
                kind: "StatefulSet",
                namespace,
                name,
                partOf: "redis",
                replicas: 1,
                runAs: { uid: pin.uid, gid: pin.gid },
                volumeClaim: { name: "data", size: settings.volumeSize },
                volumes: [{ name: "tmp", emptyDir: {} }],
                containers: [
                    {
                        name: "redis",
                        image: settings.image ?? imageRef(pin),
                        command: ["/bin/sh", "-ec", REDIS_START],
                        // redis-cli reads REDISCLI_AUTH, so the probe needs no password argument either.
                        env: { REDIS_PASSWORD: this.credential.ref("password"), REDISCLI_AUTH: this.credential.ref("password") },
                        ports: { redis: PORT },
                        resources: settings.resources,
                        volumeMounts: [
                            { name: "data", mountPath: "/data" },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                        readinessProbe: { exec: { command: ["/bin/sh", "-c", "redis-cli ping | grep -q PONG"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
                        livenessProbe: tcpProbe("redis", 20),
                    },
                ],
                servicePorts: [{ name: "redis", port: PORT }],
                platform: args.platform,
            },
            this.child({ dependsOn: [this.credential] }),
        );
        this.access = { host: redis.host, port: PORT, passwordRef: this.credential.ref("password"), link: redis.link("redis") };
        this.endpoints = { redis: redis.endpoint("redis", "redis", "Redis (Celery broker, Superset cache); password: credentials.redis") };
        this.registerOutputs({ host: this.access.host });
    }
}
