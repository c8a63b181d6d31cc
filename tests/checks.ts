// The checks the mock tests run over every object of a stack. Each returns a list of violations (empty
// when all is well), so a test can also feed it a deliberately broken object and see it fail.

import { podSpecViolations } from "../policy/rules";
import { CHART_PODS_ANNOTATION } from "../components/cluster/sparkOperator";
import { Registered, containersOf, describe_, sparkApplicationPods } from "./harness";

type Obj = Registered["inputs"];

interface Pod {
    where: string;
    namespace: string;
    labels: Record<string, string>;
    spec: any;
    claimNames: string[];
}

function pods(objects: Obj[]): Pod[] {
    const out: Pod[] = [];
    for (const o of objects) {
        const ns = o.metadata?.namespace ?? "default";
        const where = `${o.kind} ${ns}/${o.metadata?.name}`;
        if (["Deployment", "StatefulSet", "Job", "DaemonSet"].includes(o.kind)) {
            const t = o.spec.template;
            const claimNames = (o.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name);
            out.push({ where, namespace: ns, labels: t.metadata?.labels ?? {}, spec: t.spec, claimNames });
        }
    }
    return out;
}

/** Workloads' pods and the pods SparkApplications will run (for the checks that apply to both). */
function allPods(objects: Obj[]): Pod[] {
    return [...pods(objects), ...sparkApplicationPods(objects).map((p) => ({ ...p, claimNames: [] }))];
}

function find(objects: Obj[], kind: string, ns: string, name: string): Obj | undefined {
    return objects.find((o) => o.kind === kind && (o.metadata?.namespace ?? "default") === ns && o.metadata?.name === name);
}

function keysOf(o: Obj): string[] {
    return [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
}

function allContainers(p: Pod): any[] {
    return containersOf({ owner: undefined as never, namespace: p.namespace, labels: p.labels, spec: p.spec }).map((c) => c.container);
}

/** Every Service selects at least one pod template, and each targetPort exists on those pods. */
export function checkServiceSelectors(objects: Obj[]): string[] {
    const problems: string[] = [];
    const all = allPods(objects);
    for (const svc of objects.filter((o) => o.kind === "Service")) {
        const ns = svc.metadata.namespace;
        const selector: Record<string, string> = svc.spec.selector ?? {};
        const where = `Service ${ns}/${svc.metadata.name}`;
        if (Object.keys(selector).length === 0) {
            problems.push(`${where} has no selector`);
            continue;
        }
        const selected = all.filter((p) => p.namespace === ns && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
        // Pods a Helm chart makes never reach the mocks; such a Service names its release, and the cluster
        // layer's tests check its selector against the pod labels the release's values set.
        if (selected.length === 0 && svc.metadata.annotations?.[CHART_PODS_ANNOTATION]) continue;
        if (selected.length === 0) {
            problems.push(`${where} selects no pods (selector ${JSON.stringify(selector)})`);
            continue;
        }
        for (const port of svc.spec.ports ?? []) {
            const target = port.targetPort ?? port.port;
            for (const p of selected) {
                const ports = (p.spec.containers ?? []).flatMap((c: any) => c.ports ?? []);
                const ok = ports.some((cp: any) => (typeof target === "string" ? cp.name === target : cp.containerPort === target));
                if (!ok) problems.push(`${where} port ${port.name ?? port.port} targets ${target}, which ${p.where} does not expose`);
            }
        }
    }
    return problems;
}

/** Every secretKeyRef / configMapKeyRef / envFrom / volume names an object (and key) that exists. */
export function checkReferences(objects: Obj[]): string[] {
    const problems: string[] = [];
    for (const p of allPods(objects)) {
        const refSecret = (name: string, key: string | undefined, what: string) => {
            const s = find(objects, "Secret", p.namespace, name);
            if (!s) problems.push(`${p.where}: ${what} names Secret ${name}, which does not exist`);
            else if (key !== undefined && !keysOf(s).includes(key)) problems.push(`${p.where}: ${what} names key ${key}, which Secret ${name} lacks`);
        };
        const refConfigMap = (name: string, key: string | undefined, what: string) => {
            const c = find(objects, "ConfigMap", p.namespace, name);
            if (!c) problems.push(`${p.where}: ${what} names ConfigMap ${name}, which does not exist`);
            else if (key !== undefined && !keysOf(c).includes(key)) problems.push(`${p.where}: ${what} names key ${key}, which ConfigMap ${name} lacks`);
        };
        const volumes: any[] = p.spec.volumes ?? [];
        for (const v of volumes) {
            if (v.secret) refSecret(v.secret.secretName, undefined, `volume ${v.name}`);
            if (v.configMap) refConfigMap(v.configMap.name, undefined, `volume ${v.name}`);
            if (v.persistentVolumeClaim) problems.push(`${p.where}: volume ${v.name} uses a standalone PVC; use a volume claim template`);
        }
        for (const c of allContainers(p)) {
            for (const e of c.env ?? []) {
                const sk = e.valueFrom?.secretKeyRef;
                if (sk) refSecret(sk.name, sk.key, `env ${c.name}.${e.name}`);
                const ck = e.valueFrom?.configMapKeyRef;
                if (ck) refConfigMap(ck.name, ck.key, `env ${c.name}.${e.name}`);
            }
            for (const ef of c.envFrom ?? []) {
                if (ef.secretRef) refSecret(ef.secretRef.name, undefined, `envFrom of ${c.name}`);
                if (ef.configMapRef) refConfigMap(ef.configMapRef.name, undefined, `envFrom of ${c.name}`);
            }
            for (const m of c.volumeMounts ?? []) {
                const v = volumes.find((x) => x.name === m.name);
                if (!v && !p.claimNames.includes(m.name)) {
                    problems.push(`${p.where}: ${c.name} mounts ${m.name}, which is neither a volume nor a volume claim template`);
                    continue;
                }
                if (m.subPath && v?.configMap) refConfigMap(v.configMap.name, m.subPath, `mount ${c.name}:${m.mountPath}`);
                if (m.subPath && v?.secret) refSecret(v.secret.secretName, m.subPath, `mount ${c.name}:${m.mountPath}`);
            }
        }
    }
    for (const ing of objects.filter((o) => o.kind === "Ingress")) {
        for (const rule of ing.spec.rules ?? []) {
            for (const path of rule.http?.paths ?? []) {
                const b = path.backend.service;
                const svc = find(objects, "Service", ing.metadata.namespace, b.name);
                if (!svc) problems.push(`Ingress ${ing.metadata.name}: backend Service ${b.name} does not exist`);
                else if (!(svc.spec.ports ?? []).some((p: any) => p.port === b.port.number || p.name === b.port.name)) {
                    problems.push(`Ingress ${ing.metadata.name}: Service ${b.name} has no port ${b.port.number ?? b.port.name}`);
                }
            }
        }
    }
    for (const ss of objects.filter((o) => o.kind === "StatefulSet")) {
        const svc = find(objects, "Service", ss.metadata.namespace, ss.spec.serviceName);
        if (!svc) problems.push(`${describe_({ inputs: ss } as Registered)}: serviceName ${ss.spec.serviceName} names no Service`);
        else if (svc.spec.clusterIP !== "None") problems.push(`StatefulSet ${ss.metadata.name}: governing Service ${svc.metadata.name} is not headless`);
    }
    return problems;
}

const SERVICE_ADDRESS = /\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?:([0-9]+)\b/g;

/**
 * JSON data minus the Kubernetes objects embedded in it (any value with `apiVersion` and `kind`): those
 * describe other pods (Airflow's medallion DAG ships the pipeline's SparkApplications), whose own links are
 * checked where those pods are, not connections of the pod that reads the file.
 */
function withoutEmbeddedObjects(text: string): string {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch {
        return text;
    }
    const strip = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(strip);
        if (v === null || typeof v !== "object") return v;
        if ("apiVersion" in v && "kind" in v) return null;
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
    };
    return JSON.stringify(strip(data));
}

/** A pod whose connections are audited: what it declares, and texts beside its containers' that it uses. */
interface LinkSubject {
    pod: Pod;
    declared: string[];
    extraTexts: string[];
}

function linkSubjects(objects: Obj[]): LinkSubject[] {
    const declaredIn = (annotations: Record<string, string> | undefined) =>
        String(annotations?.["lakehouse.io/connects-to"] ?? "")
            .split(",")
            .filter((x) => x);
    const workloads = objects
        .filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))
        .map((o) => ({ pod: pods([o])[0], declared: declaredIn(o.spec.template.metadata?.annotations), extraTexts: [] }));
    // A SparkApplication's driver and executors use its arguments and its Spark settings too.
    const sparkApps = objects
        .filter((o) => o.kind === "SparkApplication")
        .flatMap((o) =>
            sparkApplicationPods([o]).map((p) => ({
                pod: { ...p, claimNames: [] },
                declared: declaredIn(p.annotations),
                extraTexts: [...(o.spec.arguments ?? []), ...Object.values(o.spec.sparkConf ?? {})].map(String),
            })),
        );
    return [...workloads, ...sparkApps];
}

/**
 * Every Service address a pod uses (env values, commands, args, mounted ConfigMaps; a SparkApplication's
 * arguments and Spark settings) is declared as a link.
 */
export function checkDeclaredLinks(objects: Obj[]): string[] {
    const problems: string[] = [];
    for (const { pod: p, declared, extraTexts } of linkSubjects(objects)) {
        for (const d of declared) {
            const m = /^([^/]+)\/([^:]+):(.+)$/.exec(d);
            const svc = m && find(objects, "Service", m[1], m[2]);
            if (!m || !svc || !(svc.spec.ports ?? []).some((sp: any) => sp.name === m[3])) {
                problems.push(`${p.where} declares ${d}, which no Service port matches`);
            }
        }
        const texts: string[] = [...extraTexts];
        for (const c of allContainers(p)) {
            for (const e of c.env ?? []) if (typeof e.value === "string") texts.push(e.value);
            texts.push(...(c.command ?? []), ...(c.args ?? []));
        }
        // What the pod reads from ConfigMaps: the mounted key (subPath), or every key of a whole mount.
        for (const c of allContainers(p)) {
            for (const m of c.volumeMounts ?? []) {
                const v = (p.spec.volumes ?? []).find((x: any) => x.name === m.name);
                const cm = v?.configMap && find(objects, "ConfigMap", p.namespace, v.configMap.name);
                if (!cm) continue;
                const data: Record<string, string> = cm.data ?? {};
                texts.push(...(m.subPath ? [data[m.subPath] ?? ""] : Object.values(data)).map((t) => withoutEmbeddedObjects(String(t))));
            }
        }
        for (const text of texts) {
            for (const m of text.matchAll(SERVICE_ADDRESS)) {
                const [, name, , ns, , port] = m;
                const svc = find(objects, "Service", ns, name);
                const portName = svc?.spec.ports?.find((sp: any) => sp.port === Number(port))?.name;
                if (portName && !declared.includes(`${ns}/${name}:${portName}`)) {
                    problems.push(`${p.where} connects to ${ns}/${name}:${portName} without declaring it in connectsTo`);
                }
            }
        }
    }
    return [...new Set(problems)];
}

/** Every `<svc>.<ns>.svc:<port>` in env values, commands, args and ConfigMap data names a real Service port. */
export function checkServiceAddresses(objects: Obj[]): string[] {
    const problems: string[] = [];
    const check = (where: string, text: string) => {
        for (const m of text.matchAll(SERVICE_ADDRESS)) {
            const [, name, , ns, , port] = m;
            const svc = find(objects, "Service", ns, name);
            if (!svc) problems.push(`${where}: ${m[0]} names Service ${ns}/${name}, which does not exist`);
            else if (!(svc.spec.ports ?? []).some((p: any) => p.port === Number(port))) {
                problems.push(`${where}: ${m[0]} uses port ${port}, which Service ${ns}/${name} does not offer`);
            }
        }
    };
    let seen = 0;
    for (const p of pods(objects)) {
        for (const c of allContainers(p)) {
            for (const e of c.env ?? []) if (typeof e.value === "string") check(`${p.where} env ${e.name}`, e.value);
            for (const a of [...(c.command ?? []), ...(c.args ?? [])]) check(`${p.where} ${c.name} args`, String(a));
            seen++;
        }
    }
    for (const cm of objects.filter((o) => o.kind === "ConfigMap")) {
        for (const [k, v] of Object.entries(cm.data ?? {})) check(`ConfigMap ${cm.metadata.name} ${k}`, String(v));
    }
    if (seen === 0) problems.push("no containers found to check");
    return problems;
}

/** The platform's safe defaults, on every container of every pod (the policy pack's own rule), plus no service links. */
export function checkSafeDefaults(objects: Obj[]): string[] {
    const problems: string[] = [];
    for (const p of pods(objects)) {
        if (p.spec.enableServiceLinks !== false) problems.push(`${p.where}: enableServiceLinks is not false`);
        const runsToCompletion = p.where.split(" ")[0] === "Job";
        problems.push(...podSpecViolations(p.spec, runsToCompletion).map((v) => `${p.where} ${v}`));
    }
    return problems;
}
