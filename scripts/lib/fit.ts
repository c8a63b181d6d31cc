// The fit check of `npm run up`: does the stack's computed footprint (its pods' requests, as
// `npm run footprint` sums them) plus the cluster's own overhead fit what Docker offers (`docker info`)?
// When it doesn't, it names services to switch off, largest first, and the command for each. Pure: the
// caller passes `docker info --format '{{json .}}'` output and the footprint rows.

import { formatBytes, formatCpu } from "../../components/lib/quantity";
import type { Row } from "../footprintCalc";

/** What Kind's or k3d's node takes itself (control plane, kubelet, CoreDNS, the node's own processes). */
export const CLUSTER_OVERHEAD = { memory: 1 * 2 ** 30, cpu: 0.5 };

/** Rows that are not services one can switch off (the object store holds everything; the examples are a flag). */
const SWITCH: Record<string, string | null> = {
    objectStore: null,
    kubeStateMetrics: null,
    "pyspark-pi": "services.sparkOperator.examples false",
    "spark-pi": "services.sparkOperator.examples false",
};

export interface DockerCapacity {
    memory: number;
    cpus: number;
}

/** MemTotal (bytes) and NCPU from `docker info --format '{{json .}}'`, or an error naming what is missing. */
export function parseDockerInfo(json: string): DockerCapacity | string {
    let info: any;
    try {
        info = JSON.parse(json);
    } catch {
        return "`docker info --format '{{json .}}'` did not print JSON; is Docker running?";
    }
    if (typeof info?.MemTotal !== "number" || typeof info?.NCPU !== "number") return "`docker info` reports no MemTotal/NCPU";
    return { memory: info.MemTotal, cpus: info.NCPU };
}

export interface Fit {
    fits: boolean;
    lines: string[];
}

/**
 * Compares the stack's peak (long-running pods plus the one-shot jobs and example applications of the
 * install, all counted at once) plus the cluster's overhead with Docker's capacity.
 */
export function fitCheck(stack: string, f: { running: Row[]; jobs: Row[] }, docker: DockerCapacity): Fit {
    const all = [...f.running, ...f.jobs];
    const memory = all.reduce((n, r) => n + r.requestsMemory, 0) + CLUSTER_OVERHEAD.memory;
    const cpu = all.reduce((n, r) => n + r.requestsCpu, 0) + CLUSTER_OVERHEAD.cpu;
    const head = `stack ${stack} asks ${formatBytes(memory)} and ${formatCpu(cpu)} CPU (its pods' requests at the install's peak plus ${formatBytes(CLUSTER_OVERHEAD.memory)} for the cluster); Docker offers ${formatBytes(docker.memory)} and ${docker.cpus} CPUs`;
    if (memory <= docker.memory && cpu <= docker.cpus) return { fits: true, lines: [`fits: ${head}`] };
    // Largest first, one command per config key, until both fit.
    const bySwitch = new Map<string, { memory: number; cpu: number; services: string[] }>();
    for (const r of all) {
        const key = r.service in SWITCH ? SWITCH[r.service] : `services.${r.service}.enabled false`;
        if (!key) continue;
        const e = bySwitch.get(key) ?? { memory: 0, cpu: 0, services: [] };
        bySwitch.set(key, { memory: e.memory + r.requestsMemory, cpu: e.cpu + r.requestsCpu, services: [...e.services, r.service] });
    }
    const lines = [`does not fit: ${head}.`, "Switch off, e.g.:"];
    let m = memory;
    let c = cpu;
    for (const [key, e] of [...bySwitch].sort((a, b) => b[1].memory - a[1].memory)) {
        if (m <= docker.memory && c <= docker.cpus) break;
        lines.push(`  pulumi config set --stack ${stack} --path ${key}   # ${e.services.join(", ")}: ${formatBytes(e.memory)}`);
        m -= e.memory;
        c -= e.cpu;
    }
    lines.push("or give Docker more memory and CPUs (Docker Desktop: Settings > Resources), then run `npm run up` again.");
    return { fits: false, lines };
}
