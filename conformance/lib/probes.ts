// A container's own readiness and liveness probes, run against the process started from its spec: exec
// commands in a shell with the container's env (paths rewritten like the command line), HTTP GETs and TCP
// checks against the pod's loopback address.

import * as http from "http";
import { rewrite } from "./program";
import { Proc, RunAs, run, tcpOpen, waitFor, withHostname } from "./processes";

export interface ProbeContext {
    /** The pod's loopback address. */
    ip: string;
    env: Record<string, string>;
    /** Container paths → host paths, applied to exec probes' arguments. */
    paths?: Record<string, string>;
    /** PATH for exec probes (where the service's binaries are on this machine). */
    pathDirs?: string[];
    /** The container's named ports (`ports[].name` → containerPort), for probes that name their port. */
    ports?: Record<string, number>;
    /** The container's user, for exec probes (see processes.asUser). */
    runAs?: RunAs;
    /** Extra env for exec probes on this machine (e.g. LD_LIBRARY_PATH for unpacked packages). */
    hostEnv?: Record<string, string>;
    /** The pod's hostname, for exec probes that compare it (withHostname). */
    hostname?: string;
}

/** A container's named ports, for ProbeContext.ports. */
export function namedPorts(c: any): Record<string, number> {
    return Object.fromEntries((c.ports ?? []).filter((p: any) => p.name).map((p: any) => [p.name, Number(p.containerPort)]));
}

function portNumber(port: unknown, ctx: ProbeContext): number {
    if (typeof port === "number" || /^\d+$/.test(String(port))) return Number(port);
    const n = ctx.ports?.[String(port)];
    if (n === undefined) throw new Error(`probe names port ${String(port)}, which the context does not list (ProbeContext.ports)`);
    return n;
}

export interface ProbeResult {
    ok: boolean;
    detail: string;
}

/** Runs one probe once; `ok` as the kubelet would judge it (exit 0, HTTP 200–399, TCP connect). */
export async function runProbe(probe: any, ctx: ProbeContext): Promise<ProbeResult> {
    if (!probe) throw new Error("the container defines no such probe");
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec) {
        const argv = probe.exec.command.map((a: string) => rewrite(a, ctx.paths ?? {}));
        const PATH = [...(ctx.pathDirs ?? []), process.env.PATH].join(":");
        const r = run(withHostname(ctx.hostname, argv), { env: { ...ctx.env, ...(ctx.hostEnv ?? {}), PATH }, timeoutMs: Math.max(timeoutMs, 10000), runAs: ctx.runAs });
        return { ok: r.code === 0, detail: `exec ${argv.join(" ")}: exit ${r.code} ${(r.stdout + r.stderr).trim().slice(-400)}` };
    }
    if (probe.httpGet) {
        const port = portNumber(probe.httpGet.port, ctx);
        const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h: any) => [h.name, h.value]));
        const status = await httpStatus(ctx.ip, port, probe.httpGet.path ?? "/", headers, Math.max(timeoutMs, 2000));
        return { ok: status >= 200 && status < 400, detail: `GET http://${ctx.ip}:${port}${probe.httpGet.path ?? "/"}: ${status}` };
    }
    if (probe.tcpSocket) {
        const port = portNumber(probe.tcpSocket.port, ctx);
        const ok = await tcpOpen(ctx.ip, port);
        return { ok, detail: `tcp ${ctx.ip}:${port}: ${ok ? "open" : "closed"}` };
    }
    throw new Error(`probe kind not supported: ${JSON.stringify(probe)}`);
}

export function httpStatus(host: string, port: number, p: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<number> {
    return new Promise((resolve) => {
        const req = http.get({ host, port, path: p, headers, timeout: timeoutMs }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(0));
    });
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}

/** Runs a probe every half second until it succeeds (the kubelet's "Ready"), failing after `timeoutMs` or if a process exits. */
export async function untilProbe(what: string, probe: any, ctx: ProbeContext, timeoutMs: number, also: Proc[] = []): Promise<ProbeResult> {
    let last = "";
    return waitFor(
        what,
        async () => {
            const r = await runProbe(probe, ctx);
            last = r.detail;
            return r.ok ? r : undefined;
        },
        timeoutMs,
        also,
    ).catch((e) => {
        throw new Error(`${(e as Error).message}\nlast probe: ${last}`);
    });
}
