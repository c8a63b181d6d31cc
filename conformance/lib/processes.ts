// Processes a conformance test starts: each in its own process group with its output in a log file, all of
// them stopped when the test file's hooks run (and on exit), so nothing outlives the suite.

import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface Proc {
    name: string;
    child: ChildProcess;
    log: string;
    /** Resolves with the exit code (or the signal's name) once the process has ended. */
    exited: Promise<number | string>;
    /** Sends a signal to the process group; resolves once it has exited (SIGKILL after `graceMs`). */
    stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
    /** The last lines of its log, for error messages. */
    tail(lines?: number): string;
}

const running = new Set<Proc>();

export interface StartOptions {
    env: Record<string, string>;
    cwd?: string;
    /** Folder for the log file (`<name>.log`). */
    logDir: string;
    /** Keep PATH, HOME and JAVA_HOME of this machine (the container's own env has no PATH to our binaries). */
    inheritPath?: boolean;
    /** The pod's runAsUser/runAsGroup; applied only when this process is root (CI), as servers such as PostgreSQL refuse root. */
    runAs?: RunAs;
    /** The pod's hostname (its name), for software that records or checks it; see withHostname. */
    hostname?: string;
}

/**
 * `argv` run in a UTS namespace of its own whose hostname is `hostname`, as a pod's containers see their
 * pod's name (`unshare --uts`, util-linux; needs root, which CI has). Software that advertises
 * socket.getfqdn() (Airflow's task hostname) then advertises the pod's name, which this machine's resolver,
 * like cluster DNS, does not know.
 */
export function withHostname(hostname: string | undefined, argv: string[]): string[] {
    if (!hostname) return argv;
    return ["unshare", "--uts", "/bin/sh", "-c", 'hostname "$0" && exec "$@"', hostname, ...argv];
}

export interface RunAs {
    uid: number;
    gid: number;
}

/** spawn()'s uid/gid for `runAs` when this process may switch users; nothing otherwise. */
export function asUser(runAs?: RunAs): { uid?: number; gid?: number } {
    return runAs && process.getuid?.() === 0 ? { uid: runAs.uid, gid: runAs.gid } : {};
}

/**
 * `dir` where `runAs` can read it: the cache under root's home is not, so when this process is root the tree
 * is linked (hard links, or a copy across file systems) into `under`. Returns the folder to use.
 */
export function readableBy(dir: string, under: string, runAs?: RunAs): string {
    if (!runAs || process.getuid?.() !== 0) return dir;
    // `under` is a folder of its own (not one later given to the pod's user, which would chown the cache's
    // files through the links), open for reading.
    fs.chmodSync(under, 0o755);
    const dest = path.join(under, path.basename(dir));
    if (run(["cp", "-al", dir, dest]).code !== 0) {
        fs.rmSync(dest, { recursive: true, force: true });
        const r = run(["cp", "-a", dir, dest]);
        if (r.code !== 0) throw new Error(`copy ${dir} to ${dest}: ${r.stderr}`);
    }
    return dest;
}

/** Gives a folder tree to `runAs` (as the kubelet's fsGroup does for a pod's volumes) when this process is root. */
export function giveTo(dir: string, runAs?: RunAs): void {
    if (!runAs || process.getuid?.() !== 0) return;
    const walk = (p: string) => {
        fs.lchownSync(p, runAs.uid, runAs.gid);
        if (fs.lstatSync(p).isDirectory()) for (const f of fs.readdirSync(p)) walk(path.join(p, f));
    };
    walk(dir);
    // The sandbox's own parent folders must be traversable by that user.
    for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
        const mode = fs.statSync(d).mode;
        if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o711);
    }
}

export function start(name: string, argv: string[], o: StartOptions): Proc {
    fs.mkdirSync(o.logDir, { recursive: true });
    const log = path.join(o.logDir, `${name}.log`);
    const fd = fs.openSync(log, "a");
    const base: Record<string, string> = {};
    if (o.inheritPath !== false) for (const k of ["PATH", "HOME", "JAVA_HOME", "LANG", "TMPDIR"]) if (process.env[k]) base[k] = process.env[k]!;
    argv = withHostname(o.hostname, argv);
    const child = spawn(argv[0], argv.slice(1), { cwd: o.cwd, env: { ...base, ...o.env }, stdio: ["ignore", fd, fd], detached: true, ...asUser(o.runAs) });
    fs.closeSync(fd);
    const exited = new Promise<number | string>((resolve) => {
        child.on("exit", (code, sig) => resolve(code ?? sig ?? -1));
        child.on("error", (e) => {
            fs.appendFileSync(log, `\n[conformance] could not start ${argv[0]}: ${e.message}\n`);
            resolve(-1);
        });
    });
    const p: Proc = {
        name,
        child,
        log,
        exited,
        async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 20000) {
            if (child.exitCode === null && child.signalCode === null) {
                kill(child, signal);
                const t = setTimeout(() => kill(child, "SIGKILL"), graceMs);
                await exited;
                clearTimeout(t);
            }
            running.delete(p);
            return exited;
        },
        tail(lines = 40) {
            return fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-lines).join("\n") : "";
        },
    };
    exited.then(() => running.delete(p));
    running.add(p);
    return p;
}

/**
 * Stops a process the way the kubelet stops a container: `signal` to the main process only (PID 1 of the
 * container), then, if it has not exited within `graceSeconds` (the pod's terminationGracePeriodSeconds),
 * SIGKILL to everything it started. Says whether the kill was needed and how long it took.
 */
export async function terminate(p: Proc, signal: NodeJS.Signals, graceSeconds: number): Promise<{ killed: boolean; seconds: number; exit: number | string }> {
    const t0 = Date.now();
    let killed = false;
    if (p.child.exitCode === null && p.child.signalCode === null) {
        try {
            process.kill(p.child.pid!, signal);
        } catch {
            /* already gone */
        }
        const t = setTimeout(() => {
            killed = true;
            kill(p.child, "SIGKILL");
        }, graceSeconds * 1000);
        await p.exited;
        clearTimeout(t);
    }
    // Whatever the main process left behind goes with the container; wait until it is gone (a server's
    // lock file names a PID that must be dead before the next start).
    kill(p.child, "SIGKILL");
    for (const until = Date.now() + 10000; Date.now() < until; ) {
        try {
            process.kill(-p.child.pid!, 0);
        } catch {
            break;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    running.delete(p);
    return { killed, seconds: (Date.now() - t0) / 1000, exit: await p.exited };
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
        process.kill(-child.pid!, signal);
    } catch {
        /* already gone */
    }
}

/** Stops every process still running (the root hooks call this after each test file and at exit). */
export async function stopAll(): Promise<void> {
    await Promise.all([...running].map((p) => p.stop("SIGTERM", 10000)));
}

process.on("exit", () => {
    for (const p of running) kill(p.child, "SIGKILL");
});

/**
 * Runs a command to completion (bounded), returning its exit code and output. `env` is added to this
 * machine's environment unless `cleanEnv` is set, when it is all the command gets.
 */
export function run(argv: string[], o: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string; cleanEnv?: boolean; runAs?: RunAs } = {}) {
    const r = spawnSync(argv[0], argv.slice(1), {
        ...asUser(o.runAs),
        cwd: o.cwd,
        env: o.cleanEnv ? o.env ?? {} : o.env ? { ...process.env, ...o.env } : process.env,
        input: o.input,
        encoding: "utf8",
        timeout: o.timeoutMs ?? 120000,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, also?: Proc[]): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError = "";
    for (;;) {
        for (const p of also ?? []) {
            if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${what}: ${p.name} exited (${p.child.exitCode ?? p.child.signalCode}) while waiting:\n${p.tail()}`);
        }
        try {
            const v = await check();
            if (v !== undefined && v !== false) return v as T;
        } catch (e) {
            lastError = (e as Error).message;
        }
        if (Date.now() > deadline) {
            const logs = (also ?? []).map((p) => `--- ${p.name} (${p.log}):\n${p.tail()}`).join("\n");
            throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Whether a TCP connection to host:port succeeds within a second. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port });
        const done = (ok: boolean) => {
            s.destroy();
            resolve(ok);
        };
        s.setTimeout(1000, () => done(false));
        s.once("connect", () => done(true));
        s.once("error", () => done(false));
    });
}

/**
 * Fails when something already listens on one of `ports` at `ip`: another run on this machine using the same
 * loopback addresses would otherwise be mistaken for the process about to start.
 */
export async function assertFree(what: string, ip: string, ports: number[]): Promise<void> {
    const taken: number[] = [];
    for (const p of ports) if (await tcpOpen(ip, p)) taken.push(p);
    if (taken.length) throw new Error(`${what}: ${ip}:${taken.join(",")} already in use (another run of the suite on this machine?)`);
}
