// Sums the CPU and memory a stack asks of the cluster, per service, from the pod templates the program
// builds. Long-running pods count once per replica; one-shot Jobs are listed apart, since they finish.
// SparkApplications count their driver and executors as Spark sizes them (memory + overhead); a streaming
// one (restarted Always) runs for good, a batch one is listed with the jobs.

import { formatBytes, formatCpu, parseBytes, parseCpu } from "../components/lib/quantity";
import { type Demand, sparkAppDemand } from "../components/lib/sparkApplication";

export interface Row {
    service: string;
    pods: number;
    requestsCpu: number;
    requestsMemory: number;
    limitsCpu: number;
    limitsMemory: number;
}

export function footprint(objects: any[]): { running: Row[]; jobs: Row[] } {
    const running = new Map<string, Row>();
    const jobs = new Map<string, Row>();
    for (const o of objects) {
        if (o.kind === "SparkApplication") {
            const service = o.spec.driver.labels?.["app.kubernetes.io/component"] ?? o.metadata.name;
            add(o.spec.restartPolicy?.type === "Always" ? running : jobs, service, sparkAppDemand({ driver: o.spec.driver, executor: o.spec.executor }));
            continue;
        }
        if (!["Deployment", "StatefulSet", "Job"].includes(o.kind)) continue;
        const service = o.spec.template.metadata?.labels?.["app.kubernetes.io/component"] ?? o.metadata.name;
        const replicas = o.kind === "Job" ? 1 : (o.spec.replicas ?? 1);
        // Init containers run before the main ones, so a pod needs the larger of the two, not their sum.
        const spec = o.spec.template.spec;
        const sum = (list: any[], pick: (c: any) => number) => list.reduce((a, c) => a + pick(c), 0);
        const max = (list: any[], pick: (c: any) => number) => list.reduce((a, c) => Math.max(a, pick(c)), 0);
        const measure = (pick: (c: any) => number) => Math.max(sum(spec.containers ?? [], pick), max(spec.initContainers ?? [], pick));
        add(o.kind === "Job" ? jobs : running, service, {
            pods: replicas,
            requestsCpu: replicas * measure((c) => parseCpu(String(c.resources?.requests?.cpu ?? "0")) ?? 0),
            requestsMemory: replicas * measure((c) => parseBytes(String(c.resources?.requests?.memory ?? "0")) ?? 0),
            limitsCpu: replicas * measure((c) => parseCpu(String(c.resources?.limits?.cpu ?? "0")) ?? 0),
            limitsMemory: replicas * measure((c) => parseBytes(String(c.resources?.limits?.memory ?? "0")) ?? 0),
        });
    }
    return { running: [...running.values()], jobs: [...jobs.values()] };
}

/** Adds what some pods ask for to their service's row. */
function add(into: Map<string, Row>, service: string, d: Demand): void {
    const row = into.get(service) ?? { service, pods: 0, requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0 };
    row.pods += d.pods;
    row.requestsCpu += d.requestsCpu;
    row.requestsMemory += d.requestsMemory;
    row.limitsCpu += d.limitsCpu;
    row.limitsMemory += d.limitsMemory;
    into.set(service, row);
}

export function total(rows: Row[]): Row {
    return rows.reduce(
        (t, r) => ({
            service: "TOTAL",
            pods: t.pods + r.pods,
            requestsCpu: t.requestsCpu + r.requestsCpu,
            requestsMemory: t.requestsMemory + r.requestsMemory,
            limitsCpu: t.limitsCpu + r.limitsCpu,
            limitsMemory: t.limitsMemory + r.limitsMemory,
        }),
        { service: "TOTAL", pods: 0, requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0 },
    );
}

export function table(headers: string[], rows: string[][]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderFootprint(stack: string, f: { running: Row[]; jobs: Row[] }): string {
    const cells = (r: Row) => [
        r.service,
        String(r.pods),
        formatCpu(r.requestsCpu),
        formatBytes(r.requestsMemory),
        r.limitsCpu ? formatCpu(r.limitsCpu) : "-",
        formatBytes(r.limitsMemory),
    ];
    const headers = ["SERVICE", "PODS", "CPU REQ", "MEM REQ", "CPU LIM", "MEM LIM"];
    const running = [...f.running.map(cells), cells(total(f.running))];
    let out = `stack ${stack}: long-running pods\n${table(headers, running)}\n`;
    if (f.jobs.length > 0) out += `\nstack ${stack}: one-shot jobs (finish after setup)\n${table(headers, f.jobs.map(cells))}\n`;
    return out;
}

/**
 * Why a `npm run footprint` argument names no stack (undefined when it does): `<stack>` or `<stack>:all`
 * for a stack with a Pulumi.<stack>.yaml among `known`.
 */
export function stackArgumentProblem(arg: string, known: string[]): string | undefined {
    const stack = arg.endsWith(":all") ? arg.slice(0, -":all".length) : arg;
    if (known.includes(stack)) return undefined;
    return `unknown stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml; stacks: ${known.join(", ")} (add :all to switch every service on, e.g. ${known[0] ?? "dev"}:all)`;
}
