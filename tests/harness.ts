// Runs the real index.ts under Pulumi's mocks with a stack's config and records every resource the
// program registers, so tests can check the objects the cluster would receive.

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";

export const ROOT = path.resolve(__dirname, "..");

export interface Registered {
    type: string;
    name: string;
    /** Inputs as the provider would receive them (outputs resolved). */
    inputs: Record<string, any>;
    /** State the mock returned: inputs plus the computed fields a cluster fills in. */
    state: Record<string, any>;
    /**
     * For each input property, the resources (`type::name`) whose outputs it was computed from: what the
     * engine follows to find a resource's dependents when something it depends on is replaced.
     */
    propertyDependencies: Record<string, string[]>;
}

export interface Loaded {
    stack: string;
    resources: Registered[];
    /** Every generated secret value (RandomPassword results), to prove none leaks. */
    generatedSecrets: string[];
    /** The stack's exports, resolved, each with whether it is a secret output. */
    outputs: Record<string, { value: any; secret: boolean }>;
    /** Pulumi names of the resources registered with `protect: true`. */
    protectedNames: string[];
}

/**
 * What a user fills in for the `<...>` placeholders of a committed stack file (Pulumi.prod.yaml) before
 * deploying it; the tests load the stack as deployed. `committedStackConfig` has the file as it is.
 */
export const PLACEHOLDER_VALUES: Record<string, string> = {
    "<your-kube-context>": "lakehouse-prod",
    "<your-storage-class>": "standard",
    "<your-domain>": "lakehouse.example.com",
    "<your-tls-secret>": "lakehouse-tls",
};

function readStackFile(stack: string): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    return doc.config ?? {};
}

function fillPlaceholders(v: any): any {
    if (typeof v === "string") return PLACEHOLDER_VALUES[v] ?? v;
    if (Array.isArray(v)) return v.map(fillPlaceholders);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillPlaceholders(x)]));
    return v;
}

/** The `config:` map of Pulumi.<stack>.yaml as committed, in the string form Pulumi hands to programs. */
export function committedStackConfig(stack: string): Record<string, string> {
    return toRaw(readStackFile(stack));
}

/** The `config:` map of Pulumi.<stack>.yaml with its placeholders filled in (PLACEHOLDER_VALUES). */
export function stackConfig(stack: string): Record<string, string> {
    return toRaw(fillPlaceholders(readStackFile(stack)));
}

export function toRaw(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]));
}

/** Deep-merges `patch` over a stack's structured config (values are parsed JSON). */
export function withOverrides(stack: string, patch: Record<string, unknown>): Record<string, string> {
    return toRaw(deepMerge(fillPlaceholders(readStackFile(stack)), patch));
}

function deepMerge(a: any, b: any): any {
    if (typeof a !== "object" || a === null || Array.isArray(a) || typeof b !== "object" || b === null || Array.isArray(b)) {
        return b === undefined ? a : b;
    }
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = v === undefined ? undefined : deepMerge(a[k], v);
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
}

let mockIp = 200;

// The mock monitor hands secret inputs over wrapped in Pulumi's secret envelope; the cluster sees the value.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(v: any): any {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        if (v[SECRET_SIG] === SECRET_VALUE) return unwrapSecrets(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: Registered[] = [];
    readonly generatedSecrets: string[] = [];

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const inputs = unwrapSecrets(JSON.parse(JSON.stringify(args.inputs ?? {})));
        const state: Record<string, any> = JSON.parse(JSON.stringify(inputs));
        if (args.type === "random:index/randomPassword:RandomPassword") {
            // Distinct, recognisable values, so a leak of any one of them can be found by text search.
            const value = `GENSECRET${args.name.replace(/[^a-zA-Z0-9]/g, "")}x${this.generatedSecrets.length}`.padEnd(inputs.length ?? 16, "Q");
            this.generatedSecrets.push(value);
            state.result = value;
        }
        if (args.type === "random:index/randomId:RandomId") {
            // A Kafka cluster ID's shape: 16 random bytes, URL-safe base64 without padding (22 characters).
            state.b64Url = Buffer.from(args.name.padEnd(16, "x").slice(0, 16)).toString("base64url");
        }
        if (args.type.startsWith("kubernetes:") && args.type !== "pulumi:providers:kubernetes") {
            state.metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? `${args.name}-mock1234` };
            if (args.type === "kubernetes:core/v1:Service") {
                const type = inputs.spec?.type ?? "ClusterIP";
                let nodePort = 30000 + this.resources.length;
                state.spec = {
                    ...inputs.spec,
                    ports: (inputs.spec?.ports ?? []).map((p: any) => (type === "ClusterIP" ? p : { ...p, nodePort: nodePort++ })),
                };
                if (type === "LoadBalancer") state.status = { loadBalancer: { ingress: [{ ip: `172.18.255.${mockIp++}` }] } };
            }
        }
        this.resources.push({ type: args.type, name: args.name, inputs, state, propertyDependencies: takePropertyDependencies(args.type, args.name) });
        return { id: `${args.name}-id`, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        return args.inputs;
    }
}

function clearProgramModules(): void {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}tests${path.sep}`)) {
            delete require.cache[file];
        }
    }
}

async function resolve(o: unknown): Promise<{ value: any; secret: boolean }> {
    if (!pulumi.Output.isInstance(o)) return { value: await unwrap(o), secret: false };
    const secret = await pulumi.isSecret(o);
    const value = await new Promise((r) => o.apply((v) => r(v)));
    return { value: await unwrap(value), secret };
}

/** Resolves outputs nested in plain objects (the endpoints record holds outputs per field). */
async function unwrap(v: unknown): Promise<any> {
    if (pulumi.Output.isInstance(v)) return unwrap(await new Promise((r) => v.apply((x) => r(x))));
    if (Array.isArray(v)) return Promise.all(v.map(unwrap));
    if (v && typeof v === "object") {
        const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await unwrap(x)] as const));
        return Object.fromEntries(entries);
    }
    return v;
}

// Resource options (protect) never reach the mocks; find them on the resource objects instead, starting
// from the top-level components the program built.
const roots = new Set<pulumi.ComponentResource>();
const registerOutputs = (pulumi.ComponentResource.prototype as any).registerOutputs;
(pulumi.ComponentResource.prototype as any).registerOutputs = function (this: any, ...args: unknown[]) {
    if (!this.__parentResource) roots.add(this);
    return registerOutputs.apply(this, args);
};

function protectedNames(): string[] {
    const out: string[] = [];
    const visit = (r: any) => {
        if (r.__protect) out.push(r.__name);
        for (const c of r.__childResources ?? []) visit(c);
    };
    roots.forEach(visit);
    return out;
}

async function settle(mocks: RecordingMocks): Promise<void> {
    // Registrations run asynchronously; wait until no new resource has appeared for a while.
    let last = -1;
    let stable = 0;
    while (stable < 10) {
        await new Promise((r) => setTimeout(r, 10));
        if (mocks.resources.length === last) stable++;
        else {
            stable = 0;
            last = mocks.resources.length;
        }
    }
}

/**
 * Loads index.ts with the given raw config. Rejects with the program's error when it fails; the
 * returned `resources` of a failed load are available through `lastRegistered`.
 */
export async function loadProgram(stack: string, config: Record<string, string>): Promise<Loaded> {
    const mocks = new RecordingMocks();
    lastMocks = mocks;
    pulumi.runtime.setAllConfig(config, []);
    await pulumi.runtime.setMocks(mocks, "lakehouse", stack, false);
    clearProgramModules();
    roots.clear();
    const program = await import(path.join(ROOT, "index.ts"));
    const outputs: Loaded["outputs"] = {};
    for (const [k, v] of Object.entries(program)) {
        if (k === "__esModule") continue;
        outputs[k] = await resolve(v);
    }
    await settle(mocks);
    return { stack, resources: mocks.resources, generatedSecrets: mocks.generatedSecrets, outputs, protectedNames: protectedNames() };
}

let lastMocks: RecordingMocks | undefined;

/** Resources registered by the most recent load, also when it failed. */
export function lastRegistered(): Registered[] {
    return lastMocks?.resources ?? [];
}

const cache = new Map<string, Promise<Loaded>>();

/** Loads a committed stack (Pulumi.<stack>.yaml) once per test run. */
export function loadStack(stack: string): Promise<Loaded> {
    if (!cache.has(stack)) cache.set(stack, loadProgram(stack, stackConfig(stack)));
    return cache.get(stack)!;
}

export const STACKS = ["dev", "prod"];

// --- views over registered Kubernetes objects -------------------------------------------------

export function k8sObjects(l: Loaded): Registered[] {
    // Helm releases are not Kubernetes objects (their charts' objects never reach the mocks); see helmReleases.
    return l.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers") && r.type !== HELM_RELEASE);
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The Helm releases a stack installs, with the values they pass to their charts. */
export function helmReleases(l: Loaded): Registered[] {
    return l.resources.filter((r) => r.type === HELM_RELEASE);
}

export function ofKind(l: Loaded, kind: string): Registered[] {
    return k8sObjects(l).filter((r) => r.inputs.kind === kind);
}

export interface PodView {
    owner: Registered;
    namespace: string;
    labels: Record<string, string>;
    spec: any;
}

/** Every pod template: of Deployments, StatefulSets, Jobs (and bare Pods). */
export function podTemplates(l: Loaded): PodView[] {
    const out: PodView[] = [];
    for (const r of k8sObjects(l)) {
        const ns = r.inputs.metadata?.namespace ?? "default";
        if (["Deployment", "StatefulSet", "Job", "DaemonSet"].includes(r.inputs.kind)) {
            const t = r.inputs.spec.template;
            out.push({ owner: r, namespace: ns, labels: t.metadata?.labels ?? {}, spec: t.spec });
        } else if (r.inputs.kind === "Pod") {
            out.push({ owner: r, namespace: ns, labels: r.inputs.metadata?.labels ?? {}, spec: r.inputs.spec });
        }
    }
    return out;
}

export function containersOf(pod: PodView): { container: any; init: boolean }[] {
    return [
        ...(pod.spec.initContainers ?? []).map((c: any) => ({ container: c, init: true })),
        ...(pod.spec.containers ?? []).map((c: any) => ({ container: c, init: false })),
    ];
}

/**
 * An object's name as the program chose it: a ConfigMap's without the hash of its content that
 * components/lib/configFiles.ts appends (its `app.kubernetes.io/name` label), any other object's own.
 */
export function nameOf(o: any): string {
    return (o.kind === "ConfigMap" && o.metadata?.labels?.["app.kubernetes.io/name"]) || o.metadata?.name;
}

export function describe_(r: Registered): string {
    return `${r.inputs.kind} ${r.inputs.metadata?.namespace ?? ""}/${r.inputs.metadata?.name ?? r.name}`;
}

// --- explicit dependencies (dependsOn) ---------------------------------------------------------
// The mocks drop a registration's dependencies; record them from the request so tests can check ordering
// (a MetalLB pool waits for its release, example apps for the operator that brings their CRD).
const dependencies = new Map<string, string[]>();
// Property dependencies of the registration in flight: the mock monitor calls newResource right after.
const pendingPropertyDependencies = new Map<string, Record<string, string[]>>();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
const registerResource = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = function (this: unknown, req: any, callback: unknown) {
    const key = `${req.getType()}::${req.getName()}`;
    dependencies.set(key, req.getDependenciesList());
    const props: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, prop: string) => (props[prop] = deps.getUrnsList().map(urnKey)));
    pendingPropertyDependencies.set(key, props);
    return registerResource.call(this, req, callback);
};

/** `type::name` of a URN (`urn:pulumi:<stack>::<project>::<parent types$>type::name`). */
function urnKey(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()}::${parts.slice(3).join("::")}`;
}

function takePropertyDependencies(type: string, name: string): Record<string, string[]> {
    const key = `${type}::${name}`;
    const props = pendingPropertyDependencies.get(key) ?? {};
    pendingPropertyDependencies.delete(key);
    return props;
}

/** Pulumi names of the resources `r` was registered to depend on (dependsOn, and those of its parents' passed down). */
export function dependenciesOf(r: Registered): string[] {
    return (dependencies.get(`${r.type}::${r.name}`) ?? []).map((urn) => urn.split("::").pop()!);
}

// --- SparkApplications' pods -------------------------------------------------------------------
/**
 * The driver and executor pods the Spark Operator will create for each SparkApplication, as pod views
 * (labels incl. the operator's `spark-role`, annotations, one container with env, mounts and ports), so
 * the wiring and network audits cover them like any workload's pods.
 */
export function sparkApplicationPods(objects: any[]): { where: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; spec: any }[] {
    return objects
        .filter((o) => o.kind === "SparkApplication")
        .flatMap((o) =>
            (["driver", "executor"] as const).map((role) => {
                const p = o.spec[role];
                return {
                    where: `SparkApplication ${o.metadata.namespace}/${o.metadata.name} ${role}`,
                    namespace: o.metadata.namespace,
                    labels: { ...(p.labels ?? {}), "spark-role": role },
                    annotations: p.annotations ?? {},
                    spec: {
                        volumes: o.spec.volumes ?? [],
                        containers: [{ name: `spark-kubernetes-${role}`, env: p.env ?? [], volumeMounts: p.volumeMounts ?? [], ports: p.ports ?? [] }],
                    },
                };
            }),
        );
}
