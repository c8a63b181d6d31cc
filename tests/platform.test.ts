import * as assert from "assert";
import { checkDeclaredLinks, checkReferences, checkSafeDefaults, checkServiceAddresses, checkServiceSelectors } from "./checks";
import { Loaded, STACKS, k8sObjects, loadProgram, loadStack, nameOf, ofKind, withOverrides } from "./harness";

const checks = {
    "Services select real pods on real ports": checkServiceSelectors,
    "secret, config map and volume references resolve": checkReferences,
    "service addresses in env, args and config name real Service ports": checkServiceAddresses,
    "safe defaults on every container": checkSafeDefaults,
    "every connection a pod makes is declared as a link, and every link names a real port": checkDeclaredLinks,
};

function objects(l: Loaded) {
    return k8sObjects(l).map((r) => r.inputs);
}

function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v));
}

function named(objs: any[], kind: string, name: string): any {
    const o = objs.find((x) => x.kind === kind && nameOf(x) === name);
    assert.ok(o, `no ${kind} ${name}`);
    return o;
}

function container(objs: any[], kind: string, name: string, containerName: string): any {
    const c = named(objs, kind, name).spec.template.spec.containers.find((x: any) => x.name === containerName);
    assert.ok(c, `no container ${containerName} in ${kind} ${name}`);
    return c;
}

describe("platform objects", () => {
    for (const stack of STACKS) {
        for (const [what, check] of Object.entries(checks)) {
            it(`${stack}: ${what}`, async () => {
                assert.deepStrictEqual(check(objects(await loadStack(stack))), []);
            });
        }
    }

    for (const stack of STACKS) {
        it(`${stack}: no two Kubernetes objects share a kind, namespace and name`, async () => {
            const keys = objects(await loadStack(stack)).map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
            assert.deepStrictEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
        });
    }

    // Each check must catch the fault it exists for: break a copy of the dev objects and look.
    describe("the checks catch what they check", () => {
        const broken: { what: string; check: (o: any[]) => string[]; breakIt: (objs: any[]) => void; expect: RegExp }[] = [
            {
                what: "a Service whose selector matches no pod",
                check: checkServiceSelectors,
                breakIt: (o) => (named(o, "Service", "spark-master").spec.selector["app.kubernetes.io/name"] = "spark-mastr"),
                expect: /Service lakehouse\/spark-master selects no pods/,
            },
            {
                what: "a Service targeting a port the pod lacks",
                check: checkServiceSelectors,
                breakIt: (o) => (container(o, "StatefulSet", "object-store", "rustfs").ports = []),
                expect: /Service lakehouse\/object-store port s3 targets s3/,
            },
            {
                what: "a secretKeyRef to a missing key",
                check: checkReferences,
                breakIt: (o) => (container(o, "StatefulSet", "jupyter", "notebook").env.find((e: any) => e.name === "JUPYTER_TOKEN").valueFrom.secretKeyRef.key = "tokn"),
                expect: /JUPYTER_TOKEN names key tokn, which Secret jupyter-token lacks/,
            },
            {
                what: "a secretKeyRef to a missing Secret",
                check: checkReferences,
                breakIt: (o) => (named(o, "Secret", "object-store-root").metadata.name = "renamed"),
                expect: /names Secret object-store-root, which does not exist/,
            },
            {
                what: "a mount of an undeclared volume",
                check: checkReferences,
                breakIt: (o) => (named(o, "Deployment", "spark-worker").spec.template.spec.volumes = []),
                expect: /mounts conf, which is neither a volume/,
            },
            {
                what: "a subPath key missing from its ConfigMap",
                check: checkReferences,
                breakIt: (o) => delete named(o, "ConfigMap", "jupyter-files").data["lakehouse-sample.ipynb"],
                expect: /names key lakehouse-sample.ipynb, which ConfigMap jupyter-files-[0-9a-f]{10} lacks/,
            },
            {
                what: "an env URL with the wrong port",
                check: checkServiceAddresses,
                breakIt: (o) => (container(o, "StatefulSet", "jupyter", "notebook").env.find((e: any) => e.name === "SPARK_MASTER_URL").value = "spark://spark-master.lakehouse.svc:7177"),
                expect: /uses port 7177, which Service lakehouse\/spark-master does not offer/,
            },
            {
                what: "a config URL naming a missing Service",
                check: checkServiceAddresses,
                breakIt: (o) => {
                    const cm = named(o, "ConfigMap", "spark-defaults");
                    cm.data["spark-defaults.conf"] = cm.data["spark-defaults.conf"].replace("object-store.lakehouse", "objectstore.lakehouse");
                },
                expect: /names Service lakehouse\/objectstore, which does not exist/,
            },
            {
                what: "a connection made but not declared",
                check: checkDeclaredLinks,
                breakIt: (o) => {
                    const t = named(o, "Deployment", "spark-worker").spec.template;
                    t.metadata.annotations["lakehouse.io/connects-to"] = "lakehouse/spark-master:cluster";
                },
                expect: /spark-worker connects to lakehouse\/object-store:s3 without declaring it/,
            },
            {
                what: "a declared link to a port that does not exist",
                check: checkDeclaredLinks,
                breakIt: (o) => {
                    const t = named(o, "Job", "object-store-buckets").spec.template;
                    t.metadata.annotations["lakehouse.io/connects-to"] += ",lakehouse/spark-master:admin";
                },
                expect: /object-store-buckets declares lakehouse\/spark-master:admin, which no Service port matches/,
            },
            {
                what: "a container allowed to escalate privileges",
                check: checkSafeDefaults,
                breakIt: (o) => (container(o, "Deployment", "spark-worker", "worker").securityContext.allowPrivilegeEscalation = true),
                expect: /spark-worker container worker: allowPrivilegeEscalation must be false/,
            },
            {
                what: "a container running as root",
                check: checkSafeDefaults,
                breakIt: (o) => {
                    const d = named(o, "Deployment", "spark-master");
                    d.spec.template.spec.securityContext.runAsUser = 0;
                    delete container(o, "Deployment", "spark-master", "master").securityContext.runAsUser;
                },
                expect: /spark-master container master: must run as a non-root UID/,
            },
            {
                what: "a container without a memory limit",
                check: checkSafeDefaults,
                breakIt: (o) => delete container(o, "StatefulSet", "object-store", "rustfs").resources.limits.memory,
                expect: /object-store container rustfs: needs a memory limit/,
            },
            {
                what: "an image tagged latest",
                check: checkSafeDefaults,
                breakIt: (o) => (container(o, "StatefulSet", "jupyter", "notebook").image = "quay.io/jupyter/pyspark-notebook:latest"),
                expect: /image quay.io\/jupyter\/pyspark-notebook:latest is not pinned/,
            },
            {
                what: "a long-running container without probes",
                check: checkSafeDefaults,
                breakIt: (o) => delete container(o, "Deployment", "spark-worker", "worker").readinessProbe,
                expect: /spark-worker container worker: needs readiness and liveness probes/,
            },
            {
                what: "capabilities not dropped",
                check: checkSafeDefaults,
                breakIt: (o) => (container(o, "StatefulSet", "object-store", "rustfs").securityContext.capabilities = { drop: [] }),
                expect: /capabilities must drop ALL/,
            },
        ];
        for (const b of broken) {
            it(`catches ${b.what}`, async () => {
                const objs = clone(objects(await loadStack("dev")));
                assert.deepStrictEqual(b.check(objs), [], "the unbroken objects must pass first");
                b.breakIt(objs);
                const problems = b.check(objs);
                assert.ok(problems.some((p) => b.expect.test(p)), `expected ${b.expect}; got:\n${problems.join("\n")}`);
            });
        }
    });

    it("dev inventory: every service and its parts, each service a component of its layer", async () => {
        const l = await loadStack("dev");
        const names = (kind: string) => ofKind(l, kind).map((r) => nameOf(r.inputs)).sort();
        assert.deepStrictEqual(names("Namespace"), ["lakehouse", "lakehouse-ingress", "metallb-system", "spark-operator", "team-alpha", "team-beta"]);
        assert.deepStrictEqual(names("StatefulSet"), ["cassandra", "jupyter", "kafka", "object-store", "prometheus"]);
        assert.deepStrictEqual(names("Deployment"), [
            "grafana",
            "kafka-ui",
            "kube-state-metrics",
            "schema-registry",
            "spark-history",
            "spark-master",
            "spark-worker",
        ]);
        const jobs = names("Job");
        assert.deepStrictEqual(jobs.map((j) => j.replace(/-[0-9a-f]{8}$/, "-<hash>")), [
            "cassandra-schema-<hash>",
            "kafka-topics-<hash>",
            "object-store-buckets",
            "vehicle-producer",
        ]);
        // The pipeline's SparkApplications run in team-alpha, which gets copies of the two Secrets they read.
        assert.deepStrictEqual(names("Secret"), ["cassandra-users", "cassandra-users", "grafana-admin", "jupyter-token", "kafka-ui-login", "object-store-root", "object-store-root"]);
        assert.deepStrictEqual(names("ConfigMap"), [
            "cassandra-schema",
            "grafana-dashboards",
            "grafana-provisioning",
            "jupyter-files",
            "kafka-jmx",
            "prometheus-config",
            "spark-defaults",
            "spark-history-conf",
            "vehicle-producer-code",
            "vehicles-code",
        ]);
        assert.deepStrictEqual(names("Service"), [
            "cassandra",
            "cassandra-headless",
            "grafana",
            "jupyter",
            "jupyter-headless",
            "kafka",
            "kafka-headless",
            "kafka-ui",
            "kube-state-metrics",
            "kube-state-metrics-headless",
            "object-store",
            "object-store-headless",
            "prometheus",
            "prometheus-headless",
            "schema-registry",
            "spark-history",
            "spark-master",
            "spark-master-headless",
            "spark-operator",
            "spark-operator-headless",
            "spark-worker",
            "spark-worker-headless",
            "vehicles-gold",
        ]);
        const components = l.resources.filter((r) => r.type.startsWith("lakehouse:")).map((r) => r.type).sort();
        assert.deepStrictEqual(components, [
            "lakehouse:access:LocalIngressController",
            "lakehouse:access:UiIngress",
            "lakehouse:cluster:MetalLb",
            "lakehouse:cluster:SparkExamples",
            "lakehouse:cluster:SparkExamples",
            "lakehouse:cluster:SparkOperator",
            "lakehouse:cluster:Team",
            "lakehouse:cluster:Team",
            "lakehouse:compute:Jupyter",
            "lakehouse:compute:SparkCluster",
            "lakehouse:compute:SparkHistory",
            "lakehouse:core:Namespaces",
            "lakehouse:index:DataPlatform",
            "lakehouse:lib:Credential",
            "lakehouse:lib:Credential",
            "lakehouse:lib:Credential",
            "lakehouse:lib:Credential",
            "lakehouse:lib:Credential",
            "lakehouse:observability:Grafana",
            "lakehouse:observability:KubeStateMetrics",
            "lakehouse:observability:Prometheus",
            "lakehouse:storage:ObjectStore",
            "lakehouse:streaming:Cassandra",
            "lakehouse:streaming:Kafka",
            "lakehouse:streaming:KafkaUi",
            "lakehouse:streaming:SchemaRegistry",
            "lakehouse:streaming:VehiclePipeline",
            "lakehouse:streaming:VehicleProducer",
        ]);
        assert.strictEqual(l.resources.filter((r) => r.type === "pulumi:providers:kubernetes").length, 1, "one explicit provider");
        assert.strictEqual(l.resources.find((r) => r.type === "pulumi:providers:kubernetes")!.inputs.context, "k3d-lakehouse");
    });

    it("dev is small and disposable; prod has more workers, bigger volumes and protected data", async () => {
        const dev = await loadStack("dev");
        const prod = await loadStack("prod");
        const workers = (l: Loaded) => ofKind(l, "Deployment").find((r) => r.inputs.metadata.name === "spark-worker")!.inputs.spec.replicas;
        assert.strictEqual(workers(dev), 2);
        assert.strictEqual(workers(prod), 4);
        const storeSize = (l: Loaded) =>
            ofKind(l, "StatefulSet").find((r) => r.inputs.metadata.name === "object-store")!.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage;
        assert.strictEqual(storeSize(dev), "5Gi");
        assert.strictEqual(storeSize(prod), "200Gi");
        const retention = (l: Loaded) => ofKind(l, "StatefulSet").map((r) => r.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted);
        assert.deepStrictEqual(retention(dev), ["Delete", "Delete", "Delete", "Delete", "Delete"]);
        // prod also keeps PostgreSQL's, Redis's and ClickHouse's volumes.
        assert.deepStrictEqual(retention(prod), Array(8).fill("Retain"));
        assert.deepStrictEqual(dev.protectedNames, []);
        assert.deepStrictEqual(
            prod.protectedNames.sort(),
            ["cassandra", "clickhouse", "jupyter", "kafka", "lakehouse-namespaces-platform", "object-store", "postgres", "prometheus", "redis"],
        );
    });

    it("exposure: LoadBalancer Services share one MetalLB address and skip the wait without a controller", async () => {
        // dev deploys MetalLB, which assigns addresses; without it nothing would, and Pulumi must not wait.
        const dev = await loadProgram("dev", withOverrides("dev", { "lakehouse:metallb": { enabled: false } }));
        const prod = await loadStack("prod");
        const lbs = (l: Loaded) => ofKind(l, "Service").filter((r) => r.inputs.spec.type === "LoadBalancer");
        assert.deepStrictEqual(lbs(dev).map((r) => r.inputs.metadata.name).sort(), [
            "grafana",
            "jupyter",
            "kafka-ui",
            "object-store",
            "prometheus",
            "spark-history",
            "spark-master",
        ]);
        for (const s of lbs(dev)) {
            assert.strictEqual(s.inputs.metadata.annotations["metallb.io/allow-shared-ip"], "lakehouse");
            assert.strictEqual(s.inputs.metadata.annotations["metallb.universe.tf/allow-shared-ip"], "lakehouse");
            assert.strictEqual(s.inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
        }
        for (const s of lbs(prod)) assert.strictEqual(s.inputs.metadata.annotations["pulumi.com/skipAwait"], undefined);
        const ports = lbs(dev).flatMap((s) => s.inputs.spec.ports.map((p: any) => p.port));
        assert.strictEqual(new Set(ports).size, ports.length, `shared address needs distinct ports: ${ports}`);
        const internal = ofKind(dev, "Service").filter((r) => r.inputs.metadata.name === "spark-worker");
        assert.strictEqual(internal[0].inputs.spec.type, "ClusterIP");
    });

    for (const stack of STACKS) {
        it(`${stack}: multi-replica workloads have a disruption budget and spread across nodes; single ones don't`, async () => {
            const l = await loadStack(stack);
            const pdbs = ofKind(l, "PodDisruptionBudget").map((r) => r.inputs);
            const workloads = [...ofKind(l, "Deployment"), ...ofKind(l, "StatefulSet")].map((r) => r.inputs);
            const multi = workloads.filter((w) => w.spec.replicas > 1);
            assert.ok(multi.length > 0, "expected a multi-replica workload (the Spark workers)");
            for (const w of workloads) {
                const pdb = pdbs.find((p) => p.metadata.name === w.metadata.name);
                const anti = w.spec.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
                if (w.spec.replicas > 1) {
                    assert.ok(pdb, `${w.metadata.name} has no PodDisruptionBudget`);
                    assert.strictEqual(pdb.spec.maxUnavailable, 1);
                    assert.deepStrictEqual(pdb.spec.selector.matchLabels, w.spec.selector.matchLabels);
                    assert.strictEqual(anti?.topologyKey, "kubernetes.io/hostname");
                    assert.deepStrictEqual(anti?.labelSelector.matchLabels, w.spec.selector.matchLabels);
                } else {
                    assert.strictEqual(pdb, undefined, `${w.metadata.name}: a budget on one replica would block node drains`);
                }
            }
        });
    }

    it("namespaces enforce the restricted Pod Security Standard (MetalLB's speakers need privileged)", async () => {
        for (const stack of STACKS) {
            for (const ns of ofKind(await loadStack(stack), "Namespace")) {
                const expected = ns.inputs.metadata.name === "metallb-system" ? "privileged" : "restricted";
                assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], expected);
            }
        }
    });
});

describe("spark runtime", () => {
    it("runtime notebook runs master and workers on the notebook image, so executors' Python matches Jupyter's", async () => {
        const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { spark: { runtime: "notebook" } } }));
        const objs = k8sObjects(l).map((r) => r.inputs);
        const notebookImage = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "jupyter")!.spec.template.spec.containers[0].image;
        for (const name of ["spark-master", "spark-worker"]) {
            const pod = objs.find((o) => o.kind === "Deployment" && o.metadata.name === name)!.spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(c.image, notebookImage, name);
            assert.match(c.command[0], /^\/usr\/local\/spark\/bin\/spark-class$/);
            assert.ok(c.volumeMounts.every((m: any) => m.mountPath === "/tmp" || m.mountPath.startsWith("/usr/local/spark/conf/")), name);
            assert.strictEqual(pod.securityContext.runAsUser, 1000);
        }
        for (const check of Object.values(checks)) assert.deepStrictEqual(check(objs), []);
    });
});
