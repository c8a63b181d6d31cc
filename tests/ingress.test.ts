import * as assert from "assert";
import { checkReferences } from "./checks";
import { k8sObjects, loadProgram, loadStack, withOverrides } from "./harness";

describe("ingress", () => {
    it("dev: off by default, no Ingress objects and no ingress URLs", async () => {
        const l = await loadStack("dev");
        assert.strictEqual(k8sObjects(l).filter((r) => r.inputs.kind === "Ingress").length, 0);
        assert.strictEqual(l.outputs.endpoints.value.jupyter.ui.ingressUrl, undefined);
    });

    it("prod: one Ingress per web UI, host-based under the base domain, URLs in the endpoints output", async () => {
        const l = await loadStack("prod");
        const ingresses = k8sObjects(l).filter((r) => r.inputs.kind === "Ingress").map((r) => r.inputs);
        const hosts = ingresses.map((i) => i.spec.rules[0].host).sort();
        assert.deepStrictEqual(
            hosts,
            // prod also runs the platform services' UIs.
            [
                ...["airflow", "clickhouse", "flink", "grafana", "history", "jupyter", "kafka", "nessie", "objectstore"],
                ...["prometheus", "spark", "superset", "trino"],
            ].map((h) => `${h}.lakehouse.example.com`),
        );
        assert.strictEqual(l.outputs.endpoints.value.jupyter.ui.ingressUrl, "http://jupyter.lakehouse.example.com/lab");
        assert.strictEqual(l.outputs.endpoints.value.spark.ui.ingressUrl, "http://spark.lakehouse.example.com");
        assert.strictEqual(l.outputs.endpoints.value.spark.master.ingressUrl, undefined, "the RPC port is not a web UI");
        assert.deepStrictEqual(checkReferences(k8sObjects(l).map((r) => r.inputs)), []);
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

    it("rejects an invalid base domain", async () => {
        await assert.rejects(
            loadProgram("dev", withOverrides("dev", { "lakehouse:ingress": { enabled: true, baseDomain: "Lake House" } })),
            /lakehouse:ingress\.baseDomain: "Lake House" is not valid; expected a DNS domain of at least two labels/,
        );
    });
});
