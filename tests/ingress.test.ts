import * as assert from "assert";
import { UIS_WITH_LOGIN } from "../components/access/ingress";
import { INGRESS_NODE_PORTS, LOCAL_INGRESS_CLASS, traefikValues } from "../components/access/ingressController";
import { catalog, charts } from "../components/catalog";
import { checkReferences } from "./checks";
import { Loaded, helmReleases, k8sObjects, loadProgram, loadStack, withOverrides } from "./harness";

const ingresses = (l: Loaded) => k8sObjects(l).filter((r) => r.inputs.kind === "Ingress").map((r) => r.inputs);
const hosts = (l: Loaded) => ingresses(l).map((i) => i.spec.rules[0].host).sort();
const DEV_UIS = ["grafana", "history", "jupyter", "kafka", "objectstore", "prometheus", "spark"];

describe("ingress", () => {
    it("dev (k3d): every web UI by name through the platform's own Traefik, over the cluster's 127.0.0.1:80", async () => {
        const l = await loadStack("dev");
        assert.deepStrictEqual(hosts(l), DEV_UIS.map((h) => `${h}.lakehouse.localhost`));
        for (const i of ingresses(l)) assert.strictEqual(i.spec.ingressClassName, LOCAL_INGRESS_CLASS, i.metadata.name);
        assert.strictEqual(l.outputs.endpoints.value.jupyter.ui.ingressUrl, "http://jupyter.lakehouse.localhost/lab");
        assert.strictEqual(l.outputs.endpoints.value.spark.master.ingressUrl, undefined, "the RPC port is not a web UI");
        assert.deepStrictEqual(checkReferences(k8sObjects(l).map((r) => r.inputs)), []);
    });

    it("the local controller: the pinned Traefik chart, NodePorts the clusters map, its own class, a restricted namespace", async () => {
        const l = await loadStack("dev");
        const r: any = helmReleases(l).find((x) => x.inputs.chart === "traefik")!.inputs;
        assert.strictEqual(r.version, charts.traefik.version);
        assert.strictEqual(r.repositoryOpts.repo, "https://traefik.github.io/charts");
        assert.strictEqual(r.namespace, "lakehouse-ingress");
        assert.deepStrictEqual({ ...r.values }, traefikValues());
        assert.deepStrictEqual(r.values.image, { registry: "docker.io", repository: "traefik", tag: catalog.traefik.tag });
        assert.deepStrictEqual(r.values.service, { spec: { type: "NodePort" } });
        assert.deepStrictEqual(r.values.ports, { web: { nodePort: INGRESS_NODE_PORTS.http }, websecure: { nodePort: INGRESS_NODE_PORTS.https } });
        assert.deepStrictEqual(r.values.ingressClass, { enabled: true, isDefaultClass: false, name: LOCAL_INGRESS_CLASS });
        assert.ok(r.values.resources.limits.memory && r.values.resources.requests.cpu);
        const ns = k8sObjects(l).find((x) => x.inputs.kind === "Namespace" && x.inputs.metadata.name === "lakehouse-ingress")!;
        assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const policies = k8sObjects(l).filter((x) => x.inputs.kind === "NetworkPolicy" && x.inputs.metadata.namespace === "lakehouse-ingress").map((x) => x.inputs);
        const byName = Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec]));
        assert.ok(byName["default-deny"], "denies by default");
        assert.deepStrictEqual(byName["allow-http-ingress"].ingress, [{ ports: [{ port: 8000, protocol: "TCP" }, { port: 8443, protocol: "TCP" }] }]);
        assert.deepStrictEqual(byName["allow-platform-egress"].egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "lakehouse" } } }] }]);
        assert.ok(byName["allow-apiserver-egress"], "it watches Ingresses through the API server");
    });

    it("an existing cluster gets no Ingress unless asked, and no controller of ours", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:cluster": "existing", "lakehouse:kubeContext": "ctx" }));
        assert.deepStrictEqual(hosts(l), []);
        assert.ok(!helmReleases(l).some((r) => r.inputs.chart === "traefik"));
        const off = await loadProgram("dev", withOverrides("dev", { "lakehouse:ingress": { controller: false } }));
        assert.ok(!helmReleases(off).some((r) => r.inputs.chart === "traefik"));
        assert.strictEqual(ingresses(off)[0].spec.ingressClassName, undefined, "then the cluster's default class");
    });

    it("prod: over TLS, and only the UIs that ask for a login themselves (the rest through port-forward)", async () => {
        const l = await loadStack("prod");
        assert.deepStrictEqual(hosts(l), ["airflow", "clickhouse", "grafana", "jupyter", "kafka", "objectstore", "superset"].map((h) => `${h}.lakehouse.example.com`));
        assert.deepStrictEqual([...UIS_WITH_LOGIN].sort(), ["airflow", "clickhouse", "grafana", "jupyter", "kafka", "objectstore", "superset"]);
        for (const i of ingresses(l)) {
            assert.deepStrictEqual(i.spec.tls, [{ hosts: [i.spec.rules[0].host], secretName: "lakehouse-tls" }]);
            assert.strictEqual(i.metadata.annotations, undefined);
        }
        assert.strictEqual(l.outputs.endpoints.value.jupyter.ui.ingressUrl, "https://jupyter.lakehouse.example.com/lab");
        // Spark's UI kills applications, Flink's REST API runs uploaded jars, Trino takes any user name.
        for (const svc of ["spark", "flink", "trino", "prometheus", "sparkHistory", "nessie"]) {
            const eps = Object.values(l.outputs.endpoints.value[svc]) as any[];
            assert.ok(eps.every((e) => e.ingressUrl === undefined), svc);
        }
        assert.ok(!helmReleases(l).some((r) => r.inputs.chart === "traefik"), "prod uses the cluster's controller");
    });

    it("prod with authAnnotations: every UI, each Ingress carrying them", async () => {
        const auth = { "nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth", "nginx.ingress.kubernetes.io/auth-signin": "https://auth.example.com/oauth2/start" };
        const l = await loadProgram("prod", withOverrides("prod", { "lakehouse:ingress": { authAnnotations: auth } }));
        assert.deepStrictEqual(
            hosts(l),
            [
                ...["airflow", "clickhouse", "flink", "grafana", "history", "jupyter", "kafka", "nessie", "objectstore"],
                ...["prometheus", "spark", "superset", "trino"],
            ].map((h) => `${h}.lakehouse.example.com`),
        );
        for (const i of ingresses(l)) assert.deepStrictEqual(i.metadata.annotations, auth);
        assert.strictEqual(l.outputs.endpoints.value.spark.ui.ingressUrl, "https://spark.lakehouse.example.com");
    });

    it("TLS and an ingress class come from config", async () => {
        const l = await loadProgram(
            "dev",
            withOverrides("dev", { "lakehouse:ingress": { enabled: true, className: "traefik", tlsSecretName: "lakehouse-tls" } }),
        );
        const jupyter = k8sObjects(l).find((r) => r.inputs.kind === "Ingress" && r.inputs.spec.rules[0].host === "jupyter.lakehouse.localhost")!.inputs;
        assert.strictEqual(jupyter.spec.ingressClassName, "traefik");
        assert.deepStrictEqual(jupyter.spec.tls, [{ hosts: ["jupyter.lakehouse.localhost"], secretName: "lakehouse-tls" }]);
        assert.strictEqual(l.outputs.endpoints.value.jupyter.ui.ingressUrl, "https://jupyter.lakehouse.localhost/lab");
        const policy = k8sObjects(l).find((r) => r.inputs.kind === "NetworkPolicy" && r.inputs.metadata.name === "allow-ingress-to-jupyter-jupyter");
        assert.deepStrictEqual(policy?.inputs.spec.ingress, [{ ports: [{ port: "http", protocol: "TCP" }] }]);
        const names = k8sObjects(l).filter((r) => r.inputs.kind === "NetworkPolicy").map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`);
        assert.strictEqual(new Set(names).size, names.length, "policy names must be unique per namespace");
    });

    it("rejects an invalid base domain and bad auth annotations", async () => {
        await assert.rejects(
            loadProgram("dev", withOverrides("dev", { "lakehouse:ingress": { enabled: true, baseDomain: "Lake House" } })),
            /lakehouse:ingress\.baseDomain: "Lake House" is not valid; expected a DNS domain of at least two labels/,
        );
        await assert.rejects(
            loadProgram("prod", withOverrides("prod", { "lakehouse:ingress": { authAnnotations: { "bad key!": "x", "a/b": "" } } })),
            (e: Error) =>
                /lakehouse:ingress\.authAnnotations\.bad key!: "bad key!" is not valid; expected an annotation key/.test(e.message) &&
                /lakehouse:ingress\.authAnnotations\.a\/b: "" is not valid; expected a non-empty string/.test(e.message),
        );
    });
});
