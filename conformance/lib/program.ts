// What the program generates, as a service's own software must receive it: the objects come from loading
// index.ts under Pulumi's mocks (tests/harness.ts), never from a copy, and are turned into files, env and
// command lines for a process on this machine.

import * as fs from "fs";
import * as path from "path";
import { Loaded, Registered, k8sObjects } from "../../tests/harness";

export { loadStack, loadProgram, withOverrides } from "../../tests/harness";
export { loadAllOn } from "../../tests/allServices";
export type { Loaded, Registered };

/** The one object of a kind and name (and namespace, when given); throws naming what is missing. */
export function object(l: Loaded, kind: string, name: string, namespace?: string): any {
    const inNs = (r: Registered) => r.inputs.kind === kind && (namespace === undefined || r.inputs.metadata?.namespace === namespace);
    let found = k8sObjects(l).filter((r) => inNs(r) && nameOf(r) === name);
    // ConfigMaps carry a hash of their content in their name (components/lib/configFiles.ts); their
    // `app.kubernetes.io/name` label keeps the name without it.
    if (!found.length) found = k8sObjects(l).filter((r) => inNs(r) && r.inputs.metadata?.labels?.["app.kubernetes.io/name"] === name);
    if (found.length !== 1) {
        const names = k8sObjects(l).filter((r) => r.inputs.kind === kind).map((r) => `${r.inputs.metadata?.namespace}/${nameOf(r)}`);
        throw new Error(`${l.stack}: expected one ${kind} ${namespace ?? "*"}/${name}, found ${found.length} (there are: ${names.join(", ")})`);
    }
    return { ...found[0].inputs, metadata: { ...found[0].inputs.metadata, name: nameOf(found[0]) } };
}

/** The one object of a kind that `match` picks (e.g. a Job whose name carries a hash); throws naming `what`. */
export function findObject(l: Loaded, kind: string, what: string, match: (o: any) => boolean): any {
    const all = k8sObjects(l)
        .filter((r) => r.inputs.kind === kind)
        .map((r) => ({ ...r.inputs, metadata: { ...r.inputs.metadata, name: nameOf(r) } }));
    const found = all.filter(match);
    if (found.length !== 1) throw new Error(`${l.stack}: expected one ${kind} ${what}, found ${found.length} (there are: ${all.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).join(", ")})`);
    return found[0];
}

/**
 * The one object of a kind whose `app.kubernetes.io/component` label is `component` (and, when given, whose
 * `app.kubernetes.io/name` is `name`): a lookup that does not depend on generated object names.
 */
export function objectOf(l: Loaded, kind: string, component: string, name?: string): any {
    const found = k8sObjects(l).filter((r) => {
        const labels = r.inputs.metadata?.labels ?? {};
        return r.inputs.kind === kind && labels["app.kubernetes.io/component"] === component && (name === undefined || labels["app.kubernetes.io/name"] === name);
    });
    if (found.length !== 1) throw new Error(`${l.stack}: expected one ${kind} of component ${component}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return { ...found[0].inputs, metadata: { ...found[0].inputs.metadata, name: nameOf(found[0]) } };
}

/** A container's port number by name. */
export function portOf(c: any, name: string): number {
    const p = (c.ports ?? []).find((x: any) => x.name === name);
    if (!p) throw new Error(`container ${c.name} has no port ${name}`);
    return Number(p.containerPort);
}

function nameOf(r: Registered): string {
    return r.state.metadata?.name ?? r.inputs.metadata?.name;
}

/** The pod template of a Deployment, StatefulSet or Job. */
export function podSpec(workload: any): any {
    return workload.kind === "Pod" ? workload.spec : workload.spec.template.spec;
}

/** How long the kubelet waits after SIGTERM before SIGKILL: the pod's terminationGracePeriodSeconds, 30 (Kubernetes' default) when unset. */
export function graceSeconds(workload: any): number {
    return podSpec(workload).terminationGracePeriodSeconds ?? 30;
}

/** A container (or init container) of a workload's pod, by name; the first one when no name is given. */
export function container(workload: any, name?: string): any {
    const spec = podSpec(workload);
    const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const c = name === undefined ? spec.containers[0] : all.find((x: any) => x.name === name);
    if (!c) throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${name}; it has ${all.map((x: any) => x.name).join(", ")}`);
    return c;
}

/**
 * The same loaded program with one Secret key holding another value, as a new value in the stack (a
 * regenerated password) would make it; everything else is shared with `l`.
 */
export function withSecretValue(l: Loaded, namespace: string, name: string, key: string, value: string): Loaded {
    object(l, "Secret", name, namespace);
    const resources = l.resources.map((r) => {
        if (r.inputs.kind !== "Secret" || nameOf(r) !== name || r.inputs.metadata?.namespace !== namespace) return r;
        const copy: Registered = JSON.parse(JSON.stringify(r));
        if (copy.inputs.data && key in copy.inputs.data) copy.inputs.data[key] = Buffer.from(value).toString("base64");
        else copy.inputs.stringData = { ...(copy.inputs.stringData ?? {}), [key]: value };
        return copy;
    });
    return { ...l, resources };
}

/** The Secret (name and key) an env var of a container reads. */
export function secretRefOf(c: any, envName: string): { name: string; key: string } {
    const ref = (c.env ?? []).find((e: any) => e.name === envName)?.valueFrom?.secretKeyRef;
    if (!ref) throw new Error(`container ${c.name}: ${envName} is not read from a Secret`);
    return { name: ref.name, key: ref.key };
}

/** A key of a Secret as the pod would read it (stringData as the program wrote it, or base64 data). */
export function secretValue(l: Loaded, namespace: string, name: string, key: string): string {
    const s = object(l, "Secret", name, namespace);
    if (s.stringData && key in s.stringData) return String(s.stringData[key]);
    if (s.data && key in s.data) return Buffer.from(String(s.data[key]), "base64").toString("utf8");
    throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
}

export function configMapValue(l: Loaded, namespace: string, name: string, key: string): string {
    const cm = object(l, "ConfigMap", name, namespace);
    if (!cm.data || !(key in cm.data)) throw new Error(`ConfigMap ${namespace}/${name} has no key ${key}`);
    return String(cm.data[key]);
}

/** What the downward API and resource fields resolve to for the pod being started. */
export interface PodFacts {
    name: string;
    namespace: string;
    /** The loopback address this pod's processes bind and advertise (its "pod IP"). */
    ip: string;
}

/**
 * A container's environment as the kubelet builds it: `env` in order with `$(VAR)` expanded against what is
 * defined before it, values from Secrets and ConfigMaps of the pod's namespace, the downward API from `pod`.
 * `envFrom` is resolved too. Nothing else of the machine's environment is included.
 */
export function containerEnv(l: Loaded, c: any, pod: PodFacts): Record<string, string> {
    // The kubelet sets HOSTNAME to the pod's name (scripts derive node ids from it).
    const env: Record<string, string> = { HOSTNAME: pod.name };
    for (const from of c.envFrom ?? []) {
        const src = from.secretRef ? object(l, "Secret", from.secretRef.name, pod.namespace) : object(l, "ConfigMap", from.configMapRef.name, pod.namespace);
        const data = { ...(src.data ?? {}), ...(src.stringData ?? {}) };
        for (const [k, v] of Object.entries(data)) env[(from.prefix ?? "") + k] = String(v);
    }
    for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = expand(String(e.value), env);
        else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(l, pod.namespace, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
        else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMapValue(l, pod.namespace, e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
        else if (e.valueFrom?.fieldRef) env[e.name] = fieldRef(e.valueFrom.fieldRef.fieldPath, pod);
        else if (e.valueFrom?.resourceFieldRef) env[e.name] = resourceField(c, e.valueFrom.resourceFieldRef);
        else env[e.name] = "";
    }
    return env;
}

/** Kubernetes' `$(VAR)` expansion (`$$` escapes); unknown references stay as written, as the kubelet leaves them. */
export function expand(s: string, env: Record<string, string>): string {
    return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => (m === "$$" ? "$" : v in env ? env[v] : m));
}

function fieldRef(p: string, pod: PodFacts): string {
    switch (p) {
        case "metadata.name":
            return pod.name;
        case "metadata.namespace":
            return pod.namespace;
        case "status.podIP":
        case "status.hostIP":
            return pod.ip;
        default:
            throw new Error(`fieldRef ${p} is not resolved by the conformance harness`);
    }
}

function resourceField(c: any, ref: { resource: string; divisor?: string }): string {
    const [kind, what] = ref.resource.split(".");
    const v = c.resources?.[kind]?.[what];
    if (v === undefined) throw new Error(`resourceFieldRef ${ref.resource}: the container sets none`);
    return String(v);
}

/** The container's command line: command + args with `$(VAR)` expanded, as the kubelet runs it. */
export function commandLine(c: any, env: Record<string, string>): string[] {
    return [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => expand(String(a), env));
}

let layouts = 0;

/**
 * Writes a ConfigMap's keys into `dir` exactly as the kubelet lays out a ConfigMap volume: the files in a
 * `..<timestamp>` directory, a `..data` symlink to it, and one symlink per key to `..data/<key>`. Returns
 * `dir`. `items` (key → path) is honoured when the volume lists them. Laying out into a `dir` that already
 * holds a layout is the kubelet's update: a new `..<timestamp>` directory, `..data` swapped to it by a rename,
 * the old directory removed.
 */
export function layOutConfigMap(data: Record<string, string>, dir: string, items?: { key: string; path: string }[]): string {
    fs.mkdirSync(dir, { recursive: true });
    const stamp = `..2026_12_02_00_00_00.${process.pid}_${++layouts}`;
    const real = path.join(dir, stamp);
    const files = items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
    for (const { key, path: p } of files) {
        fs.mkdirSync(path.dirname(path.join(real, p)), { recursive: true });
        fs.writeFileSync(path.join(real, p), data[key]);
    }
    const link = path.join(dir, "..data");
    const old = fs.lstatSync(link, { throwIfNoEntry: false }) ? fs.readlinkSync(link) : undefined;
    fs.symlinkSync(stamp, path.join(dir, "..data_tmp"));
    fs.renameSync(path.join(dir, "..data_tmp"), link);
    for (const top of new Set(files.map((f) => f.path.split("/")[0]))) {
        const target = path.join(dir, top);
        if (!fs.lstatSync(target, { throwIfNoEntry: false })) fs.symlinkSync(path.join("..data", top), target);
    }
    if (old) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
    return dir;
}

/**
 * Lays out every ConfigMap and Secret volume a container mounts, under `root` + its mountPath (subPath mounts
 * become a copy of that one key), and every emptyDir or claim as a folder `root/.volumes/<name>` shared by the
 * pod's containers; returns mountPath → host path, for rewriting paths in commands and files.
 */
export function mountVolumes(l: Loaded, workload: any, c: any, root: string, claims: Record<string, string> = {}): Record<string, string> {
    const spec = podSpec(workload);
    const ns = workload.metadata.namespace;
    const out: Record<string, string> = {};
    for (const m of c.volumeMounts ?? []) {
        // A StatefulSet's volumeClaimTemplates: an empty folder, or the one `claims` names (a volume kept across restarts).
        const claim = (workload.spec?.volumeClaimTemplates ?? []).find((t: any) => t.metadata?.name === m.name);
        if (claim) {
            out[m.mountPath] = claims[m.name] ?? path.join(root, m.mountPath);
            fs.mkdirSync(out[m.mountPath], { recursive: true });
            continue;
        }
        const v = (spec.volumes ?? []).find((x: any) => x.name === m.name);
        if (!v) throw new Error(`${workload.metadata.name}: mount ${m.name} has no volume`);
        const host = path.join(root, m.mountPath);
        let data: Record<string, string> | undefined;
        let items: { key: string; path: string }[] | undefined;
        if (v.configMap) {
            data = object(l, "ConfigMap", v.configMap.name, ns).data ?? {};
            items = v.configMap.items;
        } else if (v.secret) {
            const s = object(l, "Secret", v.secret.secretName, ns);
            data = { ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, x]) => [k, Buffer.from(String(x), "base64").toString()])), ...(s.stringData ?? {}) };
            items = v.secret.items;
        }
        if (data && m.subPath) {
            const key = items?.find((i) => i.path === m.subPath)?.key ?? m.subPath;
            fs.mkdirSync(path.dirname(host), { recursive: true });
            fs.writeFileSync(host, data[key]);
        } else if (data) {
            layOutConfigMap(data, host, items);
        } else {
            // emptyDir, PVC: one empty folder per volume of the pod, so containers that mount the same volume
            // (at the same or different paths) share it, as the kubelet's volumes/<plugin>/<name> does.
            const shared = path.join(root, ".volumes", m.name);
            fs.mkdirSync(shared, { recursive: true });
            out[m.mountPath] = m.subPath ? path.join(shared, m.subPath) : shared;
            if (m.subPath) fs.mkdirSync(out[m.mountPath], { recursive: true });
            continue;
        }
        out[m.mountPath] = host;
    }
    return out;
}

/** Rewrites the contents of every file under `dir` (a laid-out ConfigMap volume: the real files behind its links). */
export function rewriteFiles(dir: string, map: Record<string, string>): void {
    for (const f of fs.readdirSync(dir)) {
        const p = path.join(dir, f);
        const st = fs.lstatSync(p);
        if (st.isSymbolicLink()) continue;
        if (st.isDirectory()) rewriteFiles(p, map);
        else fs.writeFileSync(p, rewrite(fs.readFileSync(p, "utf8"), map));
    }
}

/** Replaces each `from` prefix by its `to` in a string (longest first), for paths and host names. */
export function rewrite(s: string, map: Record<string, string>): string {
    const keys = Object.keys(map).sort((a, b) => b.length - a.length);
    if (!keys.length) return s;
    const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    return s.replace(re, (m) => map[m]);
}

/**
 * Replaces container paths by host paths where they stand as whole paths: at the start of the string or after
 * `=`, `:`, `,`, whitespace or a quote, and followed by `/`, the end, or one of those. Unlike `rewrite`, the
 * `/jmx` of `/etc/kafka-jmx/jmx.yaml` is left alone.
 */
export function rewritePaths(s: string, map: Record<string, string>): string {
    const keys = Object.keys(map).sort((a, b) => b.length - a.length);
    if (!keys.length) return s;
    const alt = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    const re = new RegExp(`(^|[=:,\\s"'])(${alt})(?=$|[/=:,\\s"'])`, "g");
    return s.replace(re, (_m, pre, p) => pre + map[p]);
}

/** In-cluster DNS names of a Service (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`), longest first. */
export function serviceNames(name: string, namespace: string): string[] {
    return [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`];
}

/**
 * Host-name rewrites for the pod standing in for `workload` at `ip`: every Service selecting its pods, under
 * each of its DNS names, with each Service port mapped to the container port behind it
 * (`svc.ns.svc:8090` → `ip:8080`), since this machine has no kube-proxy to translate them. Feed the result
 * to `rewrite`.
 */
export function serviceRewrites(l: Loaded, workload: any, ip: string): Record<string, string> {
    const ns = workload.metadata.namespace;
    const labels = podSpecLabels(workload);
    const ports = Object.fromEntries(
        [...(podSpec(workload).containers ?? [])].flatMap((c: any) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort])),
    );
    const out: Record<string, string> = {};
    for (const r of k8sObjects(l)) {
        const svc = r.inputs;
        if (svc.kind !== "Service" || svc.metadata?.namespace !== ns || !svc.spec?.selector) continue;
        if (!Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)) continue;
        for (const p of svc.spec.ports ?? []) {
            const target = typeof p.targetPort === "number" ? p.targetPort : (ports[p.targetPort ?? p.name] ?? p.port);
            for (const host of [...serviceNames(nameOf(r), ns), nameOf(r)]) out[`${host}:${p.port}`] = `${ip}:${target}`;
        }
    }
    return out;
}

function podSpecLabels(workload: any): Record<string, string> {
    return (workload.kind === "Pod" ? workload.metadata.labels : workload.spec.template.metadata?.labels) ?? {};
}
