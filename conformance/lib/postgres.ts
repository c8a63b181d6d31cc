// The platform's PostgreSQL (components/storage/postgres.ts) started from the program's StatefulSet: its
// own start script from its scripts ConfigMap, its env with the Secrets filled in, as the pod's user, on
// the pod's loopback address; ready when the container's own readiness probe says so.
//
// The binaries are Debian 12's PostgreSQL 15 (postgresql-15, unpacked, not installed); the image is
// postgres 18 (components/catalog.ts). Our scripts use nothing newer than 15 (psql's \getenv is 15+).
//
// The start script runs the image's docker-entrypoint.sh, which no package ships. ENTRYPOINT below stands in
// for it, doing what that script does for a first start as described in docker-library/postgres
// (18/trixie/docker-entrypoint.sh): initdb with POSTGRES_USER and POSTGRES_PASSWORD (through nss_wrapper
// when the UID has no passwd entry, as there), a `host all all all <password_encryption>` line in
// pg_hba.conf, a socket-only temporary server to create POSTGRES_DB, then `exec "$@"`; on a data folder
// with a PG_VERSION it only execs. Its Dockerfile's ENV (PGDATA, PATH, LANG) is IMAGE_ENV.
//
// What is rewritten, and why:
//   - container paths (the volumes' mountPaths, PGDATA) → folders in a sandbox, in the command, the start
//     script's text and the probes;
//   - 127.0.0.1 in the start script and the probes → the pod's address: inside a pod it is the pod's own
//     network namespace, which here is that address;
//   - the image's `listen_addresses = '*'` (its postgresql.conf.sample) → the pod's address, so several
//     servers share port 5432 on one machine (a -c option the stand-in adds to `postgres`);
//   - LANG en_US.utf8 (made by the image with localedef) → C.UTF-8, the UTF-8 locale this machine has;
//   - initdb's `host all all 127.0.0.1/32 trust` line → the pod's address: in a pod only the pod itself
//     connects from 127.0.0.1, while here every local client does (Linux gives loopback connections the
//     source 127.0.0.1), so without it no password would be checked;
//   - the socket folder, compiled in as /var/run/postgresql, → its rewritten mount (a -c option too, as a
//     restart's sandbox differs while the data volume stays);
//   - the image's /etc/passwd entry for its user (postgres, 999): when this machine has no entry for the
//     pod's UID, nss_wrapper supplies that one line to the server, its scripts and its probes.

import * as fs from "fs";
import * as path from "path";
import { debianPackages, sandbox } from "./downloads";
import { namedPorts, runProbe } from "./probes";
import { Proc, RunAs, giveTo, readableBy, run, start, terminate, waitFor } from "./processes";
import { Loaded, commandLine, container, containerEnv, graceSeconds, mountVolumes, objectOf, rewrite, rewriteFiles } from "./program";

export const POSTGRES_PACKAGES = ["postgresql-15", "postgresql-client-15", "libpq5", "libnss-wrapper"];
const PG_BIN = "usr/lib/postgresql/15/bin";
const LIB = "usr/lib/x86_64-linux-gnu";

/** The image's ENV (docker-library/postgres 18/trixie/Dockerfile), which the container spec does not repeat. */
const IMAGE_ENV = { PGDATA: "/var/lib/postgresql/18/docker", LANG: "C.UTF-8", PG_MAJOR: "18" };

const ENTRYPOINT = `#!/bin/bash
# Stand-in for the postgres image's docker-entrypoint.sh (see conformance/lib/postgres.ts).
set -Eeo pipefail
: "\${POSTGRES_USER:=postgres}"
: "\${POSTGRES_DB:=$POSTGRES_USER}"
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "Error: Database is uninitialized and superuser password is not specified." >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  wrapped=
  if ! getent passwd "$(id -u)" > /dev/null; then
    wrapped=1
    export LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$(mktemp)" NSS_WRAPPER_GROUP="$(mktemp)"
    printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\\n' "$(id -u)" "$(id -g)" "$PGDATA" > "$NSS_WRAPPER_PASSWD"
    printf 'postgres:x:%s:\\n' "$(id -g)" > "$NSS_WRAPPER_GROUP"
  fi
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\\n' "$POSTGRES_PASSWORD")
  if [ -n "$wrapped" ]; then rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"; unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP; fi
  printf '\\nhost all all all %s\\n' "$(postgres -C password_encryption)" >> "$PGDATA/pg_hba.conf"
  sed -i "s#127\\.0\\.0\\.1/32#$POD_IP/32#" "$PGDATA/pg_hba.conf"
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories='$SOCKET_DIR'" -w start
  if [ -z "$(psql -h "$SOCKET_DIR" -U "$POSTGRES_USER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" ]; then
    psql -h "$SOCKET_DIR" -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -v db="$POSTGRES_DB" -c 'CREATE DATABASE :"db"'
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
fi
if [ "$1" = postgres ]; then
  set -- "$@" -c listen_addresses="$POD_IP" -c unix_socket_directories="$SOCKET_DIR"
fi
exec "$@"
`;

export interface PostgresServer {
    proc: Proc;
    ip: string;
    port: number;
    /** The container's env as the kubelet built it (secrets filled in). */
    env: Record<string, string>;
    /** The data volume (the StatefulSet's claim), kept across restarts when passed back as `o.data`. */
    data: string;
    admin: { user: string; password: string };
    /** Each consumer role (DB_CONSUMERS) with the password its Secret holds. */
    consumers: Record<string, string>;
    /** The pod's terminationGracePeriodSeconds (30, Kubernetes' default, when the spec sets none). */
    graceSeconds: number;
    /** The pod's user, for files the server must own. */
    runAs?: RunAs;
    /** Runs psql against the server over TCP as `user`; returns its exit code and output. */
    psql(user: string, password: string, sql: string, database?: string): ReturnType<typeof run>;
    /** Runs the container's readiness or liveness probe once. */
    probe(which: "readinessProbe" | "livenessProbe"): Promise<{ ok: boolean; detail: string }>;
    /** The kubelet's stop: `signal` to the main process, SIGKILL after the grace period. */
    stop(signal?: NodeJS.Signals): Promise<{ killed: boolean; seconds: number; exit: number | string }>;
}

export interface PostgresOptions {
    /** A data folder from an earlier start (a restart of the same pod keeps its volume). */
    data?: string;
    /** Log file name (so a restart's log is its own). */
    name?: string;
    /** Readiness wait; defaults to the probe's own failureThreshold × periodSeconds, at least 60 s. */
    readyTimeoutMs?: number;
}

/** The unpacked packages; `under`/`runAs`: linked where the pod's user can read them (see readableBy). */
export async function postgresBinaries(under?: string, runAs?: RunAs): Promise<{ root: string; bin: string; lib: string }> {
    let root = await debianPackages("postgresql", POSTGRES_PACKAGES);
    if (under) root = readableBy(root, under, runAs);
    return { root, bin: path.join(root, PG_BIN), lib: path.join(root, LIB) };
}

/** The image's passwd and group entries for its user, through nss_wrapper, when this machine has none for the pod's UID. */
function imageUser(root: string, lib: string, runAs?: RunAs): Record<string, string> {
    if (!runAs || process.getuid?.() !== 0 || run(["getent", "passwd", String(runAs.uid)]).code === 0) return {};
    const etc = path.join(root, "image-etc");
    fs.mkdirSync(etc);
    fs.writeFileSync(path.join(etc, "passwd"), `postgres:x:${runAs.uid}:${runAs.gid}:PostgreSQL:/var/lib/postgresql:/bin/bash\n`);
    fs.writeFileSync(path.join(etc, "group"), `postgres:x:${runAs.gid}:\n`);
    return { LD_PRELOAD: path.join(lib, "libnss_wrapper.so"), NSS_WRAPPER_PASSWD: path.join(etc, "passwd"), NSS_WRAPPER_GROUP: path.join(etc, "group") };
}

export async function startPostgres(l: Loaded, ip: string, o: PostgresOptions = {}): Promise<PostgresServer> {
    const sts = objectOf(l, "StatefulSet", "postgres");
    const c = container(sts, "postgres");
    const ns = sts.metadata.namespace;
    const runAs: RunAs | undefined = c.securityContext?.runAsUser !== undefined ? { uid: c.securityContext.runAsUser, gid: c.securityContext.runAsGroup } : undefined;
    const env = containerEnv(l, c, { name: `${sts.metadata.name}-0`, namespace: ns, ip });

    const root = sandbox("postgres");
    const { bin, lib } = await postgresBinaries(sandbox("postgres-packages"), runAs);
    const dataClaim = (c.volumeMounts ?? []).find((m: any) => (sts.spec.volumeClaimTemplates ?? []).some((t: any) => t.metadata.name === m.name));
    const paths = mountVolumes(l, sts, c, root, o.data && dataClaim ? { [dataClaim.name]: o.data } : {});
    const data = dataClaim ? paths[dataClaim.mountPath] : path.join(root, "data");
    // Longest prefixes first (rewrite() orders them), so PGDATA under the data mount maps into it.
    const map: Record<string, string> = { ...paths, "127.0.0.1": ip };
    for (const host of Object.values(paths)) if (host !== data && fs.lstatSync(host).isDirectory()) rewriteFiles(host, map);

    const standIn = path.join(root, "image-bin");
    fs.mkdirSync(standIn);
    fs.writeFileSync(path.join(standIn, "docker-entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    const socketDir = paths["/var/run/postgresql"];
    if (!socketDir) throw new Error("postgres: the container mounts nothing at /var/run/postgresql, where the image keeps its socket");
    const hostEnv: Record<string, string> = { PATH: `${standIn}:${bin}:/usr/bin:/bin`, LD_LIBRARY_PATH: lib, ...imageUser(root, lib, runAs) };
    const fullEnv: Record<string, string> = {
        ...IMAGE_ENV,
        ...env,
        PGDATA: rewrite(IMAGE_ENV.PGDATA, map),
        ...hostEnv,
        POD_IP: ip,
        SOCKET_DIR: socketDir,
        NSS_WRAPPER_LIB: path.join(lib, "libnss_wrapper.so"),
    };
    giveTo(root, runAs);
    giveTo(data, runAs);

    const argv = commandLine(c, env).map((a) => rewrite(a, map));
    const proc = start(o.name ?? "postgres", argv, { env: fullEnv, logDir: root, inheritPath: false, runAs });
    const port = Number((c.ports ?? []).find((p: any) => p.name === "postgres")?.containerPort ?? 5432);
    const probeCtx = { ip, env, paths: map, pathDirs: [standIn, bin], ports: namedPorts(c), hostEnv, runAs };
    const server: PostgresServer = {
        proc,
        ip,
        port,
        env,
        data,
        admin: { user: env.POSTGRES_USER, password: env.POSTGRES_PASSWORD },
        consumers: Object.fromEntries((env.DB_CONSUMERS ?? "").split(/\s+/).filter(Boolean).map((r) => [r, env[`DB_PASSWORD_${r}`]])),
        graceSeconds: graceSeconds(sts),
        runAs,
        psql: (user, password, sql, database = user) =>
            run([path.join(bin, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h", ip, "-p", String(port), "-U", user, "-d", database, "-tAc", sql], {
                env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: "5", LD_LIBRARY_PATH: lib },
                timeoutMs: 30000,
            }),
        probe: (which) => runProbe(c[which], probeCtx),
        stop: (signal = "SIGTERM") => terminate(proc, signal, server.graceSeconds),
    };
    const readiness = c.readinessProbe;
    const timeout = o.readyTimeoutMs ?? Math.max(60000, (readiness?.failureThreshold ?? 3) * (readiness?.periodSeconds ?? 10) * 1000);
    try {
        await waitFor(`postgres on ${ip}:${port} ready (its readiness probe)`, async () => (await server.probe("readinessProbe")).ok, timeout, [proc]);
    } catch (e) {
        await terminate(proc, "SIGKILL", 1);
        throw e;
    }
    return server;
}
