// The platform's Redis (components/storage/redis.ts) started from the program's StatefulSet: the
// container's own shell command (it writes redis.conf with the password from the Secret and execs
// redis-server), its env, as the pod's user, in the image's WORKDIR; ready when its readiness probe says so.
//
// The binaries are Debian 12's Redis 7.0 (redis-server, redis-tools, unpacked); the image is redis 8
// (components/catalog.ts). The image sets no STOPSIGNAL (redis/docker-library-redis debian/Dockerfile), so
// the runtime stops it with SIGTERM, on which redis-server writes its data and exits.
//
// What is rewritten, and why:
//   - container paths (/data, /tmp: the volumes' mountPaths) → sandbox folders, in the command line;
//   - redis-server listens on every interface by default; a `redis-server` on PATH before the real one
//     adds `--bind <pod address>` (after the config file, so it overrides nothing the program writes), so
//     several servers share port 6379 on one machine;
//   - redis-cli's default host, 127.0.0.1, is inside a pod the pod itself; a `redis-cli` on PATH adds
//     `-h <pod address>` for the probe.

import * as fs from "fs";
import * as path from "path";
import { debianPackages, sandbox } from "./downloads";
import { namedPorts, runProbe } from "./probes";
import { Proc, RunAs, giveTo, readableBy, run, start, terminate, waitFor } from "./processes";
import { Loaded, commandLine, container, containerEnv, graceSeconds, mountVolumes, objectOf, rewrite } from "./program";

export const REDIS_PACKAGES = ["redis-server", "redis-tools", "liblzf1", "libjemalloc2"];
const LIB = "usr/lib/x86_64-linux-gnu";
/** The image's WORKDIR. */
const WORKDIR = "/data";

export interface RedisServer {
    proc: Proc;
    ip: string;
    port: number;
    env: Record<string, string>;
    /** The data volume, kept across restarts when passed back as `o.data`. */
    data: string;
    /** The password its Secret holds. */
    password: string;
    graceSeconds: number;
    /** redis-cli pointed at the server, and the env it needs on this machine, for long-running clients. */
    cliPath: string;
    hostEnv: Record<string, string>;
    /** Runs redis-cli against the server with `password` (REDISCLI_AUTH); returns its exit code and output. */
    cli(password: string, ...args: string[]): ReturnType<typeof run>;
    probe(which: "readinessProbe" | "livenessProbe"): Promise<{ ok: boolean; detail: string }>;
    stop(signal?: NodeJS.Signals): Promise<{ killed: boolean; seconds: number; exit: number | string }>;
}

export interface RedisOptions {
    data?: string;
    name?: string;
}

export async function startRedis(l: Loaded, ip: string, o: RedisOptions = {}): Promise<RedisServer> {
    const sts = objectOf(l, "StatefulSet", "redis");
    const c = container(sts, "redis");
    const ns = sts.metadata.namespace;
    const runAs: RunAs | undefined = c.securityContext?.runAsUser !== undefined ? { uid: c.securityContext.runAsUser, gid: c.securityContext.runAsGroup } : undefined;
    const env = containerEnv(l, c, { name: `${sts.metadata.name}-0`, namespace: ns, ip });

    const root = sandbox("redis");
    const pkg = readableBy(await debianPackages("redis", REDIS_PACKAGES), sandbox("redis-packages"), runAs);
    const lib = path.join(pkg, LIB);
    const dataClaim = (c.volumeMounts ?? []).find((m: any) => (sts.spec.volumeClaimTemplates ?? []).some((t: any) => t.metadata.name === m.name));
    const paths = mountVolumes(l, sts, c, root, o.data && dataClaim ? { [dataClaim.name]: o.data } : {});
    const data = dataClaim ? paths[dataClaim.mountPath] : path.join(root, "data");
    const port = namedPorts(c).redis ?? 6379;

    const standIn = path.join(root, "image-bin");
    fs.mkdirSync(standIn);
    fs.writeFileSync(path.join(standIn, "redis-server"), `#!/bin/sh\nexec ${path.join(pkg, "usr/bin/redis-server")} "$@" --bind ${ip}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(standIn, "redis-cli"), `#!/bin/sh\nexec ${path.join(pkg, "usr/bin/redis-cli")} -h ${ip} -p ${port} "$@"\n`, { mode: 0o755 });
    giveTo(root, runAs);
    giveTo(data, runAs);

    const hostEnv = { PATH: `${standIn}:/usr/bin:/bin`, LD_LIBRARY_PATH: lib };
    const argv = commandLine(c, env).map((a) => rewrite(a, paths));
    const proc = start(o.name ?? "redis", argv, { env: { ...env, ...hostEnv }, cwd: paths[WORKDIR] ?? data, logDir: root, inheritPath: false, runAs });
    const probeCtx = { ip, env, paths, pathDirs: [standIn], ports: namedPorts(c), hostEnv, runAs };
    const server: RedisServer = {
        proc,
        ip,
        port,
        env,
        data,
        password: env.REDIS_PASSWORD,
        graceSeconds: graceSeconds(sts),
        cliPath: path.join(standIn, "redis-cli"),
        hostEnv,
        cli: (password, ...args) =>
            run([path.join(standIn, "redis-cli"), ...args], { env: { REDISCLI_AUTH: password, LD_LIBRARY_PATH: lib }, timeoutMs: 20000, cleanEnv: true }),
        probe: (which) => runProbe(c[which], probeCtx),
        stop: (signal = "SIGTERM") => terminate(proc, signal, server.graceSeconds),
    };
    try {
        await waitFor(`redis on ${ip}:${port} ready (its readiness probe)`, async () => (await server.probe("readinessProbe")).ok, 60000, [proc]);
    } catch (e) {
        await terminate(proc, "SIGKILL", 1);
        throw e;
    }
    return server;
}
