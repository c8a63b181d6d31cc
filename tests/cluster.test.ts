import * as assert from "assert";
import { SPARK_VERSION, catalog, charts, rootCatalog } from "../components/catalog";
import { EXAMPLE_APPS } from "../components/cluster/exampleApps";
import { chartImage } from "../components/cluster/sparkOperator";
import { parseConfig } from "../components/config";
import { totalDemand } from "../components/lib/sparkApplication";
import { parseBytes, parseCpu } from "../components/lib/quantity";
import { problemsOf } from "./configProblems";
import { Loaded, dependenciesOf, helmReleases, k8sObjects, lastRegistered, loadProgram, loadStack, stackConfig, withOverrides } from "./harness";


const release = (l: Loaded, name: string) => {
    const r = helmReleases(l).find((x) => x.name === name);
    assert.ok(r, `no Helm release ${name}`);
    return r;
};
const objectsOf = (l: Loaded, kind: string, namespace?: string) =>
    k8sObjects(l).filter((r) => r.inputs.kind === kind && (namespace === undefined || r.inputs.metadata?.namespace === namespace));

const twoTeams = ["team-alpha", "team-beta"];

const badCases: { what: string; patch: Record<string, unknown>; expect: RegExp }[] = [
    {
        what: "a MetalLB range that is not an address range",
        patch: { "lakehouse:metallb": { range: "172.18.255.200..250" } },
        expect: /lakehouse:metallb\.range: "172\.18\.255\.200\.\.250" is not valid; expected a CIDR .* or an IPv4 range/,
    },
    {
        what: "a MetalLB range whose start is after its end",
        patch: { "lakehouse:metallb": { range: "172.18.255.250-172.18.255.200" } },
        expect: /lakehouse:metallb\.range: .* is not valid; its start 172\.18\.255\.250 comes after its end 172\.18\.255\.200/,
    },
    {
        what: "a public MetalLB range",
        patch: { "lakehouse:metallb": { range: "8.8.8.0/24" } },
        expect: /lakehouse:metallb\.range: "8\.8\.8\.0\/24" is not valid; expected a range inside one private range/,
    },
    {
        what: "a MetalLB range spanning two private ranges",
        patch: { "lakehouse:metallb": { range: "10.255.255.250-11.0.0.5" } },
        expect: /lakehouse:metallb\.range: .* is not valid; expected a range inside one private range/,
    },
    {
        what: "a bad CIDR prefix",
        patch: { "lakehouse:metallb": { range: "192.168.1.0/33" } },
        expect: /lakehouse:metallb\.range: "192\.168\.1\.0\/33" is not valid; expected a CIDR/,
    },
    {
        what: "a team name that is not a DNS label",
        patch: { "lakehouse:teams": [{ name: "Team_Alpha" }] },
        expect: /lakehouse:teams\[0\]\.name: "Team_Alpha" is not valid; expected a DNS-1123 label/,
    },
    {
        what: "a team name longer than 63 characters",
        patch: { "lakehouse:teams": [{ name: `team-${"x".repeat(60)}` }] },
        expect: /lakehouse:teams\[0\]\.name: "team-x+" is not valid; expected a DNS-1123 label: .*at most 63 characters/,
    },
    {
        what: "a duplicate team",
        patch: { "lakehouse:teams": [{ name: "team-alpha" }, { name: "team-alpha" }] },
        expect: /lakehouse:teams\[1\]\.name: "team-alpha" is not valid; team names must be unique/,
    },
    {
        what: "a team named like the platform's namespace",
        patch: { "lakehouse:teams": [{ name: "lakehouse" }] },
        expect: /lakehouse:teams\[0\]\.name: "lakehouse" is not valid; a team can't use a namespace the platform or Kubernetes owns/,
    },
    {
        what: "a team without a name",
        patch: { "lakehouse:teams": [{ quota: { pods: 5 } }] },
        expect: /lakehouse:teams\[0\]\.name: .*every team needs a name/,
    },
    {
        what: "no team while the Spark Operator is on",
        patch: { "lakehouse:teams": [] },
        expect: /lakehouse:teams: \[\] is not valid; the Spark Operator watches the team namespaces: list at least one team/,
    },
    {
        what: "an operator image pinned by digest (the chart takes a tag)",
        patch: { "lakehouse:services": { sparkOperator: { image: `ghcr.io/kubeflow/spark-operator/controller@sha256:${"a".repeat(64)}` } } },
        expect: /lakehouse:services\.sparkOperator\.image: .* is not valid; the operator's chart takes an image tag, not a digest/,
    },
    {
        what: "teams that are not a list",
        patch: { "lakehouse:teams": { name: "team-alpha" } },
        expect: /lakehouse:teams: .* is not valid; expected a list of teams/,
    },
    {
        what: "a quota too small for the team's example applications (memory)",
        patch: { "lakehouse:teams": [{ name: "team-alpha", quota: { requests: { memory: "1Gi" } } }] },
        expect: /lakehouse:teams\[0\]\.quota\.requests\.memory: "1Gi" is not valid; the team's example applications need 3584Mi/,
    },
    {
        what: "a quota with too few pods for the examples",
        patch: { "lakehouse:teams": [{ name: "team-alpha", quota: { pods: 2 } }] },
        expect: /lakehouse:teams\[0\]\.quota\.pods: 2 is not valid; the team's example applications need 4/,
    },
    {
        what: "a quota whose request exceeds its limit",
        patch: { "lakehouse:teams": [{ name: "team-alpha", quota: { requests: { cpu: "16" } } }] },
        expect: /lakehouse:teams\[0\]\.quota\.requests\.cpu: "16" is not valid; must not exceed teams\[0\]\.quota\.limits\.cpu \(12\)/,
    },
    {
        what: "paused that is not a boolean",
        patch: { "lakehouse:paused": "yes" },
        expect: /lakehouse:paused: "yes" is not valid; expected true or false/,
    },
    {
        what: "an operator webhook request above its limit",
        patch: { "lakehouse:services": { sparkOperator: { webhookResources: { requests: { memory: "1Gi" } } } } },
        expect: /lakehouse:services\.sparkOperator\.webhookResources\.requests\.memory: "1Gi" is not valid; must not exceed/,
    },
];

describe("cluster layer: config", () => {
    for (const c of badCases) {
        it(`rejects ${c.what}, and registers nothing`, async () => {
            const problems = problemsOf(withOverrides("dev", c.patch));
            assert.ok(problems.some((m) => c.expect.test(m)), `no problem matched ${c.expect}; got:\n${problems.join("\n")}`);
            await assert.rejects(loadProgram("dev", withOverrides("dev", c.patch)), (e: Error) => e.name === "ConfigError");
            assert.deepStrictEqual(lastRegistered().map((r) => r.name), []);
        });
    }

    it("a small quota is fine when the team runs no examples", () => {
        const cfg = parseConfig(
            withOverrides("dev", {
                "lakehouse:teams": [{ name: "team-alpha", quota: { pods: 2 } }],
                "lakehouse:services": { sparkOperator: { examples: false }, pipeline: { launcher: "standalone" } },
            }),
            "dev",
        );
        assert.strictEqual(cfg.teams[0].quota.pods, 2);
    });

    it("defaults: two teams with the default quota, MetalLB's Kind range, not paused", () => {
        const cfg = parseConfig({}, "dev");
        assert.deepStrictEqual(cfg.teams.map((t) => t.name), twoTeams);
        assert.strictEqual(cfg.metallb.range, "172.18.255.200-172.18.255.250");
        assert.strictEqual(cfg.paused, false);
        assert.strictEqual(cfg.services.sparkOperator.examples, false, "examples are opt-in");
    });

    it("MetalLB is deployed only for LoadBalancer exposure on a cluster without a load balancer", () => {
        const deployed = (patch: Record<string, unknown>) => parseConfig(withOverrides("dev", patch), "dev").metallb.deployed;
        assert.strictEqual(deployed({}), true);
        assert.strictEqual(deployed({ "lakehouse:exposure": { loadBalancerController: true } }), false);
        assert.strictEqual(deployed({ "lakehouse:exposure": { type: "NodePort" } }), false);
        assert.strictEqual(deployed({ "lakehouse:metallb": { enabled: false } }), false);
        assert.strictEqual(parseConfig(stackConfig("prod"), "prod").metallb.deployed, false);
        // e2e/run.sh's override must stay valid and skip MetalLB.
        assert.strictEqual(deployed({ "lakehouse:exposure": { type: "ClusterIP", loadBalancerController: false } }), false);
    });

    it("accepts a CIDR range", () => {
        assert.strictEqual(parseConfig(withOverrides("dev", { "lakehouse:metallb": { range: "192.168.97.0/28" } }), "dev").metallb.range, "192.168.97.0/28");
    });
});

describe("cluster layer: pins", () => {
    it("charts are pinned to exact versions from their official repositories, with where they were confirmed", () => {
        for (const [name, c] of Object.entries(charts)) {
            assert.match(c.version, /^\d+\.\d+\.\d+$/, name);
            assert.match(c.repo, /^https:\/\/(metallb|kubeflow|traefik)\.github\.io\//, name);
            assert.ok(c.confirmed.length > 10, name);
        }
        assert.match(charts.sparkOperator.version, /^2\.5\./);
        assert.strictEqual(catalog.sparkOperator.tag, charts.sparkOperator.version, "the operator image is the chart's appVersion");
        assert.strictEqual(catalog.metallbController.tag, `v${charts.metallb.version}`);
        assert.strictEqual(rootCatalog.metallbSpeaker.tag, `v${charts.metallb.version}`);
        assert.strictEqual(catalog.traefik.tag, "v3.7.11", "chart traefik 41.3.0's appVersion");
    });

    it("root images are only the ones that must be, each saying where it was confirmed", () => {
        assert.deepStrictEqual(Object.keys(rootCatalog), ["metallbSpeaker"]);
        for (const pin of Object.values(rootCatalog)) {
            const tag: string = pin.tag;
            assert.ok(/^[\w][\w.-]*$/.test(tag) && tag !== "latest" && pin.confirmed.length > 10);
        }
    });
});

describe("cluster layer: MetalLB", () => {
    it("dev installs the pinned chart in plain L2 mode with the catalog's images", async () => {
        const r = release(await loadStack("dev"), "metallb").inputs;
        assert.strictEqual(r.chart, "metallb");
        assert.strictEqual(r.version, charts.metallb.version);
        assert.strictEqual(r.repositoryOpts.repo, "https://metallb.github.io/metallb");
        assert.strictEqual(r.namespace, "metallb-system");
        assert.strictEqual(r.values.frrk8s.enabled, false);
        assert.strictEqual(r.values.speaker.frr.enabled, false);
        assert.deepStrictEqual(r.values.controller.image, { repository: catalog.metallbController.image, tag: catalog.metallbController.tag });
        assert.deepStrictEqual(r.values.speaker.image, { repository: rootCatalog.metallbSpeaker.image, tag: rootCatalog.metallbSpeaker.tag });
        assert.ok(r.values.controller.resources.limits.memory && r.values.speaker.resources.requests.cpu);
    });

    it("the namespace is privileged (speakers use the host network) and still denies by default", async () => {
        const l = await loadStack("dev");
        const ns = objectsOf(l, "Namespace").find((r) => r.inputs.metadata.name === "metallb-system")!;
        assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        const names = objectsOf(l, "NetworkPolicy", "metallb-system").map((r) => r.inputs.metadata.name).sort();
        assert.deepStrictEqual(names, ["allow-apiserver-egress", "allow-dns-egress", "allow-internet-egress", "allow-webhook-ingress", "default-deny"]);
    });

    it("the pool and the L2 advertisement carry the configured range and wait for the release", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:metallb": { range: "172.19.255.200-172.19.255.250" } }));
        const pool = objectsOf(l, "IPAddressPool")[0];
        const adv = objectsOf(l, "L2Advertisement")[0];
        assert.strictEqual(pool.inputs.apiVersion, "metallb.io/v1beta1");
        assert.deepStrictEqual(pool.inputs.spec.addresses, ["172.19.255.200-172.19.255.250"]);
        assert.deepStrictEqual(adv.inputs.spec.ipAddressPools, [pool.inputs.metadata.name]);
        assert.ok(dependenciesOf(pool).includes("metallb"), `pool depends on ${dependenciesOf(pool)}`);
        assert.ok(dependenciesOf(adv).includes("metallb"), `advertisement depends on ${dependenciesOf(adv)}`);
        assert.strictEqual(l.outputs.metallbRange.value, "172.19.255.200-172.19.255.250");
    });

    it("with MetalLB deployed, LoadBalancer Services are awaited (an address will come)", async () => {
        const lbs = objectsOf(await loadStack("dev"), "Service").filter((r) => r.inputs.spec.type === "LoadBalancer");
        assert.ok(lbs.length > 0);
        for (const s of lbs) assert.strictEqual(s.inputs.metadata.annotations["pulumi.com/skipAwait"], undefined, s.inputs.metadata.name);
    });

    for (const [what, patch] of [
        ["prod (the cluster has a load balancer)", undefined],
        ["ClusterIP exposure (the e2e override)", { "lakehouse:exposure": { type: "ClusterIP", loadBalancerController: false } }],
        ["metallb.enabled false", { "lakehouse:metallb": { enabled: false } }],
    ] as const) {
        it(`is skipped for ${what}`, async () => {
            const l = patch ? await loadProgram("dev", withOverrides("dev", patch)) : await loadStack("prod");
            assert.ok(!helmReleases(l).some((r) => r.name === "metallb"));
            assert.deepStrictEqual(objectsOf(l, "IPAddressPool"), []);
            assert.ok(!objectsOf(l, "Namespace").some((r) => r.inputs.metadata.name === "metallb-system"));
            assert.strictEqual(l.outputs.metallbRange.value, null);
        });
    }
});

describe("cluster layer: Spark Operator", () => {
    it("installs the pinned 2.5.x chart watching exactly the team namespaces, after they exist", async () => {
        const l = await loadStack("dev");
        const r = release(l, "spark-operator");
        assert.strictEqual(r.inputs.chart, "spark-operator");
        assert.match(r.inputs.version, /^2\.5\.\d+$/);
        assert.strictEqual(r.inputs.repositoryOpts.repo, "https://kubeflow.github.io/spark-operator");
        assert.strictEqual(r.inputs.namespace, "spark-operator");
        assert.deepStrictEqual(r.inputs.values.spark.jobNamespaces, twoTeams);
        for (const t of twoTeams) assert.ok(dependenciesOf(r).includes(`${t}-namespace`), `release waits for ${t}'s namespace`);
        assert.deepStrictEqual(l.outputs.sparkOperator.value, { enabled: true, watchedNamespaces: twoTeams });
    });

    it("webhook and metrics on; the chart makes no Spark service account or RBAC (the tenants do)", async () => {
        const v = release(await loadStack("dev"), "spark-operator").inputs.values;
        assert.strictEqual(v.webhook.enable, true);
        assert.strictEqual(v.prometheus.metrics.enable, true);
        assert.strictEqual(v.spark.serviceAccount.create, false);
        assert.strictEqual(v.spark.rbac.create, false);
        assert.deepStrictEqual(v.image, { registry: "ghcr.io", repository: "kubeflow/spark-operator/controller", tag: catalog.sparkOperator.tag });
    });

    it("controller and webhook resources come from each stack's config", async () => {
        const dev = release(await loadStack("dev"), "spark-operator").inputs.values;
        const prod = release(await loadStack("prod"), "spark-operator").inputs.values;
        assert.deepStrictEqual(dev.controller.resources, { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
        assert.deepStrictEqual(prod.controller.resources, { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } });
        assert.deepStrictEqual(prod.webhook.resources.limits, { cpu: "1", memory: "512Mi" });
    });

    it("its pods meet PSA restricted, so its namespace enforces it", async () => {
        const l = await loadStack("dev");
        const v = release(l, "spark-operator").inputs.values;
        for (const part of [v.controller, v.webhook]) {
            assert.strictEqual(part.podSecurityContext.runAsNonRoot, true);
            assert.strictEqual(part.podSecurityContext.seccompProfile.type, "RuntimeDefault");
            assert.strictEqual(part.securityContext.allowPrivilegeEscalation, false);
            assert.deepStrictEqual(part.securityContext.capabilities.drop, ["ALL"]);
        }
        const ns = objectsOf(l, "Namespace").find((r) => r.inputs.metadata.name === "spark-operator")!;
        assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const pols = objectsOf(l, "NetworkPolicy", "spark-operator").map((r) => r.inputs);
        const webhook = pols.find((p) => p.metadata.name === "allow-webhook-ingress")!;
        assert.deepStrictEqual(webhook.spec.ingress[0].ports, [{ port: 9443, protocol: "TCP" }]);
    });

    it("Prometheus scrapes the controller: the metrics Services select exactly the pods the release labels", async () => {
        const l = await loadStack("dev");
        const v = release(l, "spark-operator").inputs.values;
        // The chart gives its pods app.kubernetes.io/name=<release>; controller.labels adds ours (not the webhook's).
        const controllerPod = { "app.kubernetes.io/name": "spark-operator", ...v.controller.labels };
        const webhookPod = { "app.kubernetes.io/name": "spark-operator", ...(v.webhook.labels ?? {}) };
        const svcs = objectsOf(l, "Service", "spark-operator").map((r) => r.inputs);
        assert.deepStrictEqual(svcs.map((s) => s.metadata.name).sort(), ["spark-operator", "spark-operator-headless"]);
        for (const s of svcs) {
            const selects = (labels: Record<string, string>) => Object.entries(s.spec.selector).every(([k, val]) => labels[k] === val);
            assert.ok(selects(controllerPod), `${s.metadata.name} selects the controller`);
            assert.ok(!selects(webhookPod), `${s.metadata.name} does not select the webhook`);
            assert.deepStrictEqual(s.spec.ports, [{ name: v.prometheus.metrics.portName, port: v.prometheus.metrics.port, targetPort: v.prometheus.metrics.portName, protocol: "TCP" }]);
        }
        const pols = objectsOf(l, "NetworkPolicy", "spark-operator").map((r) => r.inputs);
        const scrape = pols.find((p) => p.metadata.name === "allow-prometheus-to-spark-operator-metrics")!;
        assert.deepStrictEqual(scrape.spec.ingress[0].ports, [{ port: "metrics", protocol: "TCP" }]);
        assert.deepStrictEqual(scrape.spec.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "lakehouse" });
    });

    it("is off cleanly: no release, no example apps, and the output says so", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { sparkOperator: { enabled: false } } }));
        assert.ok(!helmReleases(l).some((r) => r.name === "spark-operator"));
        assert.deepStrictEqual(objectsOf(l, "SparkApplication"), []);
        assert.deepStrictEqual(l.outputs.sparkOperator.value, { enabled: false, watchedNamespaces: [] });
        assert.deepStrictEqual(l.outputs.teams.value.map((t: any) => t.name), twoTeams, "the tenants stay");
    });

    it("splits image references the way the chart takes them", () => {
        assert.deepStrictEqual(chartImage("ghcr.io/kubeflow/spark-operator/controller:2.5.2"), { registry: "ghcr.io", repository: "kubeflow/spark-operator/controller", tag: "2.5.2" });
        assert.deepStrictEqual(chartImage("kubeflow/spark-operator:2.1.0"), { registry: "docker.io", repository: "kubeflow/spark-operator", tag: "2.1.0" });
        assert.deepStrictEqual(chartImage("registry.local:5000/spark-operator:1.0"), { registry: "registry.local:5000", repository: "spark-operator", tag: "1.0" });
    });
});

describe("cluster layer: team tenants", () => {
    for (const team of twoTeams) {
        it(`${team}: a restricted namespace with default-deny, Spark peers and drivers' API access`, async () => {
            const l = await loadStack("dev");
            const ns = objectsOf(l, "Namespace").find((r) => r.inputs.metadata.name === team)!;
            assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            const pols = objectsOf(l, "NetworkPolicy", team).map((r) => r.inputs);
            assert.ok(pols.some((p) => p.metadata.name === "default-deny"));
            const api = pols.find((p) => p.metadata.name === "allow-apiserver-egress")!;
            assert.deepStrictEqual(api.spec.podSelector, { matchLabels: { "spark-role": "driver" } }, "only drivers reach the API server");
            assert.deepStrictEqual(api.spec.egress[0].ports.map((p: any) => p.port), [443, 6443]);
            const peers = pols.find((p) => p.metadata.name === "allow-spark-app-peers")!;
            assert.deepStrictEqual(peers.spec.ingress[0].from[0].podSelector, peers.spec.podSelector);
            assert.deepStrictEqual(peers.spec.egress[0].to[0].podSelector, peers.spec.podSelector);
            assert.deepStrictEqual(peers.spec.podSelector.matchExpressions, [{ key: "spark-role", operator: "Exists" }]);
        });
    }

    it("a service account bound to a Role with what Spark applications need", async () => {
        const l = await loadStack("dev");
        const sa = objectsOf(l, "ServiceAccount", "team-alpha")[0].inputs;
        const role = objectsOf(l, "Role", "team-alpha")[0].inputs;
        const binding = objectsOf(l, "RoleBinding", "team-alpha")[0].inputs;
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: "team-alpha" }]);
        assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
        const can = (group: string, resource: string, verb: string) =>
            role.rules.some((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
        for (const res of ["pods", "services", "configmaps", "persistentvolumeclaims"]) {
            for (const verb of ["create", "get", "list", "watch", "delete"]) assert.ok(can("", res, verb), `${verb} ${res}`);
        }
        assert.ok(can("", "pods/log", "get"));
        assert.ok(can("sparkoperator.k8s.io", "sparkapplications", "create"));
        assert.ok(!can("", "secrets", "get"), "drivers don't read the namespace's secrets through the API");
        assert.ok(!role.rules.some((r: any) => r.verbs.includes("*") || r.resources.includes("*")));
    });

    it("a ResourceQuota from config and a LimitRange whose defaults fit it", async () => {
        const l = await loadProgram(
            "dev",
            withOverrides("dev", { "lakehouse:teams": [{ name: "data-eng", quota: { requests: { cpu: "3" }, limits: { memory: "16Gi" }, pods: 12 } }] }),
        );
        const quota = objectsOf(l, "ResourceQuota", "data-eng")[0].inputs;
        assert.deepStrictEqual(quota.spec.hard, { "requests.cpu": "3", "requests.memory": "12Gi", "limits.cpu": "12", "limits.memory": "16Gi", pods: "12" });
        const lr = objectsOf(l, "LimitRange", "data-eng")[0].inputs.spec.limits[0];
        assert.strictEqual(lr.type, "Container");
        // A pod without limits gets these, so the quota (which needs limits) still admits it.
        assert.ok(lr.default.cpu && lr.default.memory && lr.defaultRequest.cpu && lr.defaultRequest.memory);
        assert.ok(parseCpu(lr.default.cpu)! <= parseCpu(quota.spec.hard["limits.cpu"])!);
        assert.ok(parseBytes(lr.defaultRequest.memory)! <= parseBytes(lr.default.memory)!);
        assert.deepStrictEqual(l.outputs.teams.value, [{ name: "data-eng", namespace: "data-eng", serviceAccount: "spark" }]);
    });

    it("the teams output names each team's namespace and service account", async () => {
        const l = await loadStack("prod");
        assert.deepStrictEqual(l.outputs.teams.value, twoTeams.map((t) => ({ name: t, namespace: t, serviceAccount: "spark" })));
    });
});

describe("cluster layer: example SparkApplications", () => {
    // The medallion pipeline's SparkApplications share the team namespaces (tests/operatorPipeline.test.ts).
    const examples = (l: Loaded) => objectsOf(l, "SparkApplication").filter((r) => r.inputs.metadata.labels["lakehouse.io/example"] === "true");

    it("dev: PySpark pi and SparkPi per team, on the Spark cluster's image and version, as the team's account", async () => {
        const l = await loadStack("dev");
        const apps = examples(l).map((r) => r.inputs);
        assert.deepStrictEqual(apps.map((a) => `${a.metadata.namespace}/${a.metadata.name}`).sort(), [
            "team-alpha/pyspark-pi",
            "team-alpha/spark-pi",
            "team-beta/pyspark-pi",
            "team-beta/spark-pi",
        ]);
        for (const a of apps) {
            assert.strictEqual(a.apiVersion, "sparkoperator.k8s.io/v1beta2");
            assert.strictEqual(a.spec.image, `${catalog.spark.image}:${catalog.spark.tag}`);
            assert.strictEqual(a.spec.sparkVersion, SPARK_VERSION);
            assert.strictEqual(a.spec.driver.serviceAccount, "spark");
            for (const pod of [a.spec.driver, a.spec.executor]) {
                assert.ok(pod.cores >= 1 && pod.coreLimit && pod.memory && pod.memoryOverhead);
                assert.strictEqual(pod.securityContext.runAsUser, catalog.spark.uid);
            }
        }
        const py = apps.find((a) => a.metadata.name === "pyspark-pi")!;
        assert.strictEqual(py.spec.type, "Python");
        assert.strictEqual(py.spec.mainApplicationFile, "local:///opt/spark/examples/src/main/python/pi.py");
        const scala = apps.find((a) => a.metadata.name === "spark-pi")!;
        assert.strictEqual(scala.spec.type, "Scala");
        assert.strictEqual(scala.spec.mainClass, "org.apache.spark.examples.SparkPi");
        assert.strictEqual(scala.spec.mainApplicationFile, `local:///opt/spark/examples/jars/spark-examples_2.13-${SPARK_VERSION}.jar`);
    });

    it("they wait for the operator's release (their CRD), and the notebook runtime runs them on its image", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { spark: { runtime: "notebook" } } }));
        for (const a of objectsOf(l, "SparkApplication")) {
            assert.ok(dependenciesOf(a).includes("spark-operator"), `${a.name} depends on ${dependenciesOf(a)}`);
            assert.strictEqual(a.inputs.spec.image, `${catalog.jupyter.image}:${catalog.jupyter.tag}`);
        }
        for (const a of examples(l)) {
            assert.ok(a.inputs.spec.mainApplicationFile.startsWith("local:///usr/local/spark/"));
        }
    });

    it("together they fit the default quota, which is what config checks", () => {
        const need = totalDemand(EXAMPLE_APPS);
        const cfg = parseConfig(stackConfig("dev"), "dev");
        for (const t of cfg.teams) {
            assert.ok(need.requestsCpu <= parseCpu(t.quota.requests.cpu)!);
            assert.ok(need.limitsCpu <= parseCpu(t.quota.limits.cpu)!);
            assert.ok(need.limitsMemory <= parseBytes(t.quota.limits.memory)!);
            assert.ok(need.pods <= t.quota.pods);
        }
        assert.deepStrictEqual(need, { pods: 4, requestsCpu: 1, limitsCpu: 4, requestsMemory: 4 * 896 * 2 ** 20, limitsMemory: 4 * 896 * 2 ** 20 });
    });

    it("are opt-in: prod has none", async () => {
        assert.deepStrictEqual(examples(await loadStack("prod")), []);
    });
});

describe("cluster layer: pause", () => {
    it("paused scales every workload and the operator to zero, keeping volumes", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:paused": true }));
        const workloads = k8sObjects(l).filter((r) => ["Deployment", "StatefulSet"].includes(r.inputs.kind));
        assert.ok(workloads.length >= 5);
        for (const w of workloads) assert.strictEqual(w.inputs.spec.replicas, 0, w.name);
        for (const s of workloads.filter((w) => w.inputs.kind === "StatefulSet")) {
            assert.ok(s.inputs.spec.volumeClaimTemplates.length > 0, "the claims stay declared");
            assert.strictEqual(s.inputs.spec.persistentVolumeClaimRetentionPolicy.whenScaled, "Retain", "scaling to zero keeps the data");
        }
        const v = release(l, "spark-operator").inputs.values;
        assert.strictEqual(v.controller.replicas, 0);
        assert.strictEqual(v.webhook.replicas, 0);
        // The same objects exist as when running: resuming is one update, nothing is recreated.
        const running = await loadStack("dev");
        const keys = (x: Loaded) => k8sObjects(x).map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(keys(l), keys(running));
    });

    it("not paused: configured replicas", async () => {
        const l = await loadStack("dev");
        const worker = k8sObjects(l).find((r) => r.inputs.kind === "Deployment" && r.inputs.metadata.name === "spark-worker")!;
        assert.strictEqual(worker.inputs.spec.replicas, 2);
        assert.strictEqual(release(l, "spark-operator").inputs.values.controller.replicas, 1);
    });
});

describe("cluster layer: outputs", () => {
    it("the LoadBalancer address of every exposed service", async () => {
        const l = await loadStack("dev");
        const addresses = l.outputs.loadBalancerAddresses.value as Record<string, string>;
        assert.deepStrictEqual(Object.keys(addresses).sort(), ["grafana", "jupyter", "kafkaUi", "objectStore", "prometheus", "spark", "sparkHistory"]);
        for (const ip of Object.values(addresses)) assert.match(ip, /^172\.18\.255\.\d+$/);
        const internal = await loadProgram("dev", withOverrides("dev", { "lakehouse:exposure": { type: "ClusterIP" } }));
        assert.deepStrictEqual(internal.outputs.loadBalancerAddresses.value, {});
    });
});
