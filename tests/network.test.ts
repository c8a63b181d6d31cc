import * as assert from "assert";
import { Loaded, STACKS, k8sObjects, loadProgram, loadStack, sparkApplicationPods, withOverrides } from "./harness";

// A small evaluator of Kubernetes NetworkPolicy ingress semantics (matchLabels only, which is all the
// program generates): a pod is isolated when any policy selects it, and then a connection is allowed when
// some selecting policy has an ingress rule matching the source and the port.

interface PodRef {
    where: string;
    namespace: string;
    labels: Record<string, string>;
    /** container port name -> number */
    ports: Record<string, number>;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
    Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

function peerMatches(peer: any, policyNs: string, pod: PodRef): boolean {
    if (peer.ipBlock) return false; // our pods live in private ranges, which no generated ipBlock admits
    const nsOk = peer.namespaceSelector
        ? matches(peer.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": pod.namespace })
        : pod.namespace === policyNs;
    return nsOk && (peer.podSelector ? matches(peer.podSelector.matchLabels, pod.labels) : true);
}

function side(policies: any[], type: "Ingress" | "Egress", self: PodRef, other: PodRef | undefined, dst: PodRef, portName: string): boolean {
    const selecting = policies.filter(
        (p) => p.metadata.namespace === self.namespace && (p.spec.policyTypes ?? ["Ingress"]).includes(type) && matches(p.spec.podSelector?.matchLabels, self.labels),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        (p.spec[type === "Ingress" ? "ingress" : "egress"] ?? []).some((rule: any) => {
            const peers = rule[type === "Ingress" ? "from" : "to"];
            const peerOk = !peers || (other !== undefined && peers.some((peer: any) => peerMatches(peer, p.metadata.namespace, other)));
            const portOk = !rule.ports || rule.ports.some((rp: any) => rp.port === portName || rp.port === dst.ports[portName]);
            return peerOk && portOk;
        }),
    );
}

/** Whether `src` may open a connection to `dst`'s named container port: the source's egress and the destination's ingress must both allow it. */
export function allowed(policies: any[], src: PodRef, dst: PodRef, portName: string): boolean {
    const outsider = src.namespace === "elsewhere";
    const egressOk = outsider || side(policies, "Egress", src, dst, dst, portName);
    return egressOk && side(policies, "Ingress", dst, outsider ? undefined : src, dst, portName);
}

const portsOf = (spec: any): Record<string, number> => Object.fromEntries(spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort])));

function podsOf(l: Loaded): PodRef[] {
    const workloads = k8sObjects(l)
        .filter((r) => ["Deployment", "StatefulSet", "Job"].includes(r.inputs.kind))
        .map((r) => ({
            where: `${r.inputs.kind} ${r.inputs.metadata.name}`,
            namespace: r.inputs.metadata.namespace,
            labels: r.inputs.spec.template.metadata.labels,
            ports: portsOf(r.inputs.spec.template.spec),
            annotations: r.inputs.spec.template.metadata.annotations ?? {},
            name: r.inputs.metadata.name,
        }));
    const sparkPods = sparkApplicationPods(k8sObjects(l).map((r) => r.inputs)).map((p) => ({ ...p, ports: portsOf(p.spec), name: p.where }));
    return [...workloads, ...sparkPods];
}

/** A team's Spark pods (driver and executors) may talk on any port: the team's allow-spark-app-peers policy. */
const sparkPeers = (a: PodRef, b: PodRef) => a.namespace === b.namespace && a.labels["spark-role"] !== undefined && b.labels["spark-role"] !== undefined;

/** The (client pod, server pod, container port) triples the wiring declares, plus exposed and peer ports. */
function intended(l: Loaded) {
    const pods = podsOf(l) as (PodRef & { annotations: Record<string, string>; name: string })[];
    // Headless Services too: a scrape Link may name one (a SparkApplication's driver has no other).
    const services = k8sObjects(l).filter((r) => r.inputs.kind === "Service");
    const links: { src: PodRef; dst: PodRef; port: string }[] = [];
    for (const src of pods) {
        for (const d of String(src.annotations["lakehouse.io/connects-to"] ?? "").split(",").filter((x) => x)) {
            const [, ns, svcName, portName] = /^([^/]+)\/([^:]+):(.+)$/.exec(d)!;
            const svc = services.find((s) => s.inputs.metadata.namespace === ns && s.inputs.metadata.name === svcName)!;
            const sp = svc.inputs.spec.ports.find((p: any) => p.name === portName);
            for (const dst of pods.filter((p) => p.namespace === ns && matches(svc.inputs.spec.selector, p.labels))) {
                links.push({ src, dst, port: sp.targetPort });
            }
        }
    }
    const exposed = new Set<string>();
    for (const svc of services.filter((s) => s.inputs.spec.clusterIP !== "None" && s.inputs.spec.type !== "ClusterIP")) {
        for (const dst of pods.filter((p) => matches(svc.inputs.spec.selector, p.labels))) {
            for (const sp of svc.inputs.spec.ports) exposed.add(`${dst.where}:${sp.targetPort}`);
        }
    }
    return { pods, links, exposed };
}

export function policies(l: Loaded) {
    return k8sObjects(l).filter((r) => r.inputs.kind === "NetworkPolicy").map((r) => r.inputs);
}

/** Violations: declared links that are blocked, and any other allowed (pod, pod, port). */
export function audit(l: Loaded, pols: any[]): string[] {
    const { pods, links, exposed } = intended(l);
    const problems: string[] = [];
    for (const { src, dst, port } of links) {
        if (!allowed(pols, src, dst, port)) problems.push(`blocked: ${src.where} -> ${dst.where}:${port}`);
    }
    for (const src of pods) {
        for (const dst of pods) {
            for (const port of Object.keys(dst.ports)) {
                if (!allowed(pols, src, dst, port)) continue;
                const declared = links.some((x) => x.src === src && x.dst === dst && x.port === port);
                const peers = src.labels["lakehouse.io/peer-group"] !== undefined && src.labels["lakehouse.io/peer-group"] === dst.labels["lakehouse.io/peer-group"];
                if (!declared && !peers && !sparkPeers(src, dst) && !exposed.has(`${dst.where}:${port}`)) problems.push(`undeclared but allowed: ${src.where} -> ${dst.where}:${port}`);
            }
        }
    }
    return problems;
}

describe("network policies", () => {
    for (const stack of STACKS) {
        it(`${stack}: every namespace denies ingress and egress by default, then allows DNS and the internet`, async () => {
            const l = await loadStack(stack);
            const namespaces = k8sObjects(l).filter((r) => r.inputs.kind === "Namespace").map((r) => r.inputs.metadata.name);
            assert.ok(namespaces.length > 0);
            for (const ns of namespaces) {
                const inNs = policies(l).filter((p) => p.metadata.namespace === ns && Object.keys(p.spec.podSelector).length === 0);
                const deny = inNs.find((p) => p.metadata.name === "default-deny");
                assert.ok(deny, `no default-deny policy in ${ns}`);
                assert.deepStrictEqual(deny.spec.policyTypes, ["Ingress", "Egress"]);
                assert.strictEqual(deny.spec.ingress, undefined, "a default-deny policy has no rules");
                assert.strictEqual(deny.spec.egress, undefined, "a default-deny policy has no rules");
                const dns = inNs.find((p) => p.metadata.name === "allow-dns-egress");
                assert.deepStrictEqual(dns?.spec.egress[0].to[0].podSelector.matchLabels, { "k8s-app": "kube-dns" });
                assert.deepStrictEqual(dns?.spec.egress[0].ports.map((p: any) => `${p.port}/${p.protocol}`), ["53/UDP", "53/TCP"]);
                const internet = inNs.find((p) => p.metadata.name === "allow-internet-egress");
                const block = internet?.spec.egress[0].to[0].ipBlock;
                assert.strictEqual(block?.cidr, "0.0.0.0/0");
                for (const range of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]) assert.ok(block.except.includes(range), range);
            }
        });

        it(`${stack}: each client reaches each server port it uses, and nothing else is allowed`, async () => {
            const l = await loadStack(stack);
            const { links } = intended(l);
            assert.ok(links.length >= 6, "expected the wiring to declare links");
            assert.deepStrictEqual(audit(l, policies(l)), []);
        });
    }

    it("with network.egress open, only ingress is denied by default", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:network": { egress: "open" } }));
        const namespaces = k8sObjects(l).filter((r) => r.inputs.kind === "Namespace").map((r) => r.inputs.metadata.name);
        assert.ok(namespaces.length > 1, "the cluster layer's namespaces are checked too");
        for (const name of namespaces) {
            const ns = policies(l).filter((p) => p.metadata.namespace === name && Object.keys(p.spec.podSelector).length === 0);
            assert.deepStrictEqual(ns.map((p) => [p.metadata.name, p.spec.policyTypes]), [["default-deny", ["Ingress"]]], name);
        }
        assert.deepStrictEqual(audit(l, policies(l)), []);
    });

    it("exposed ports are open to outside sources; internal ones are not", async () => {
        const l = await loadStack("dev");
        const pods = podsOf(l);
        const outsider: PodRef = { where: "outside", namespace: "elsewhere", labels: {}, ports: {} };
        const jupyter = pods.find((p) => p.where === "StatefulSet jupyter")!;
        const store = pods.find((p) => p.where === "StatefulSet object-store")!;
        const worker = pods.find((p) => p.where === "Deployment spark-worker")!;
        assert.ok(allowed(policies(l), outsider, jupyter, "http"));
        assert.ok(allowed(policies(l), outsider, store, "s3"));
        assert.ok(!allowed(policies(l), outsider, worker, "ui"));
        assert.ok(!allowed(policies(l), outsider, jupyter, "driver"), "the driver port is for executors only");
    });

    // With nothing exposed, every connection depends on a generated allow rule.
    const internalOnly = () => loadProgram("dev", withOverrides("dev", { "lakehouse:exposure": { type: "ClusterIP" } }));

    it("with ClusterIP exposure, the declared links are still exactly what is allowed", async () => {
        const l = await internalOnly();
        assert.ok(!policies(l).some((p) => p.metadata.name.startsWith("allow-external")));
        assert.deepStrictEqual(audit(l, policies(l)), []);
    });

    describe("the audit catches broken policies", () => {
        it("a missing allow rule blocks a declared link", async () => {
            const l = await internalOnly();
            const pols = policies(l).filter((p) => p.metadata.name !== "allow-spark-worker-to-object-store-s3");
            assert.ok(audit(l, pols).some((p) => /^blocked: Deployment spark-worker -> StatefulSet object-store:s3$/.test(p)), audit(l, pols).join("\n"));
        });

        it("a missing egress rule blocks a declared link from the client's side", async () => {
            const l = await internalOnly();
            const pols = policies(l).filter((p) => p.metadata.name !== "allow-object-store-buckets-egress");
            assert.ok(audit(l, pols).some((p) => p === "blocked: Job object-store-buckets -> StatefulSet object-store:s3"), audit(l, pols).join("\n"));
        });

        it("an over-broad rule allows what nobody declared", async () => {
            const l = await loadStack("dev");
            const pols = [
                ...policies(l),
                { metadata: { namespace: "lakehouse", name: "oops" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] } },
            ];
            assert.ok(audit(l, pols).some((p) => p.startsWith("undeclared but allowed: Job object-store-buckets -> Deployment spark-worker")), audit(l, pols).join("\n"));
        });
    });
});
