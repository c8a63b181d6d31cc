import * as assert from "assert";
import { formatIpv4, parseIpv4, parseRange, poolForSubnet, poolRangeProblem } from "../components/lib/ipRange";
import { SparkApplicationArgs, sparkAppDemand, sparkApplicationManifest } from "../components/lib/sparkApplication";
import { sparkApplicationSchema, violations } from "./crdSchemas";

const base: SparkApplicationArgs = {
    name: "bronze",
    namespace: "team-alpha",
    serviceAccount: "spark",
    image: "apache/spark:4.0.1-scala2.13-java17-python3-ubuntu",
    sparkVersion: "4.0.1",
    runAs: { uid: 185, gid: 185 },
    type: "Python",
    mainApplicationFile: "local:///opt/app/bronze.py",
    driver: { cores: 1, coreLimit: "1", memory: "1g", memoryOverhead: "512m" },
    executor: { cores: 2, coreRequest: "500m", coreLimit: "2", memory: "2g", memoryOverhead: "512m", instances: 3 },
};

describe("SparkApplication builder", () => {
    it("sets every field the v1beta2 CRD requires, and the manifest passes the CRD schema", () => {
        const m = sparkApplicationManifest(base);
        assert.strictEqual(m.apiVersion, "sparkoperator.k8s.io/v1beta2");
        assert.strictEqual(m.kind, "SparkApplication");
        for (const f of ["type", "sparkVersion", "mainApplicationFile", "driver", "executor"]) assert.ok(m.spec[f] !== undefined, f);
        assert.deepStrictEqual(violations(sparkApplicationSchema, m), []);
        assert.strictEqual(m.spec.mode, "cluster");
        assert.deepStrictEqual(m.spec.restartPolicy, { type: "Never" });
        assert.strictEqual(m.spec.driver.serviceAccount, "spark");
        assert.strictEqual(m.spec.executor.instances, 3);
        assert.strictEqual(m.spec.executor.coreRequest, "500m");
        assert.strictEqual(m.spec.driver.coreRequest, undefined);
    });

    it("the schema check fails a manifest missing a required field (it can fail)", () => {
        const m = sparkApplicationManifest(base);
        delete m.spec.sparkVersion;
        m.spec.executor.instances = 0;
        const v = violations(sparkApplicationSchema, m);
        assert.ok(v.includes(".spec.sparkVersion: required"), v.join("\n"));
        assert.ok(v.some((x) => x.startsWith(".spec.executor.instances")), v.join("\n"));
    });

    it("driver and executors run with the platform's safe defaults", () => {
        const m = sparkApplicationManifest(base);
        for (const pod of [m.spec.driver, m.spec.executor]) {
            assert.deepStrictEqual(pod.securityContext, {
                runAsNonRoot: true,
                runAsUser: 185,
                runAsGroup: 185,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.strictEqual(pod.podSecurityContext.seccompProfile.type, "RuntimeDefault");
            assert.strictEqual(pod.podSecurityContext.fsGroup, 185);
        }
    });

    it("secrets only by secretKeyRef, plain env as values, ConfigMaps mounted read-only in both pods", () => {
        const m = sparkApplicationManifest({
            ...base,
            env: { AWS_ACCESS_KEY_ID: { secretKeyRef: { name: "object-store-root", key: "accessKey" } }, TOPIC: "orders" },
            configMaps: [{ name: "pipeline-conf", mountPath: "/opt/app/conf" }],
        });
        for (const pod of [m.spec.driver, m.spec.executor]) {
            assert.deepStrictEqual(pod.env, [
                { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "object-store-root", key: "accessKey" } } },
                { name: "TOPIC", value: "orders" },
            ]);
            assert.deepStrictEqual(pod.volumeMounts, [{ name: "config-0", mountPath: "/opt/app/conf", readOnly: true }]);
        }
        assert.deepStrictEqual(m.spec.volumes, [{ name: "config-0", configMap: { name: "pipeline-conf" } }]);
    });

    it("passes Scala/Java specifics, conf, packages, arguments, labels and restart policy through", () => {
        const m = sparkApplicationManifest({
            ...base,
            type: "Scala",
            mainClass: "com.example.Gold",
            mainApplicationFile: "s3a://lakehouse/jobs/gold.jar",
            arguments: ["--date", "2026-11-23"],
            sparkConf: { "spark.sql.shuffle.partitions": "8" },
            packages: ["io.delta:delta-spark_2.13:4.0.1"],
            labels: { pipeline: "orders" },
            annotations: { owner: "data-eng" },
            restartPolicy: { type: "OnFailure", onFailureRetries: 3, onFailureRetryInterval: 10 },
        });
        assert.strictEqual(m.spec.mainClass, "com.example.Gold");
        assert.strictEqual(m.spec.pythonVersion, undefined);
        assert.deepStrictEqual(m.spec.arguments, ["--date", "2026-11-23"]);
        assert.deepStrictEqual(m.spec.deps, { packages: ["io.delta:delta-spark_2.13:4.0.1"] });
        assert.strictEqual(m.spec.sparkConf["spark.sql.shuffle.partitions"], "8");
        assert.deepStrictEqual(m.spec.restartPolicy, { type: "OnFailure", onFailureRetries: 3, onFailureRetryInterval: 10 });
        assert.strictEqual(m.metadata.labels.pipeline, "orders");
        assert.strictEqual(m.spec.driver.labels.pipeline, "orders");
        assert.strictEqual(m.metadata.annotations.owner, "data-eng");
        assert.deepStrictEqual(violations(sparkApplicationSchema, m), []);
    });

    it("a Scala or Java application without mainClass is an error naming it", () => {
        assert.throws(() => sparkApplicationManifest({ ...base, type: "Java" }), /team-alpha\/bronze: a Java application needs mainClass/);
    });

    it("pods of an application with links carry the labels its NetworkPolicies select", () => {
        const link = { namespace: "lakehouse", server: "object-store", portName: "s3", port: 9000, containerPort: "s3", containerPortNumber: 9000 };
        const m = sparkApplicationManifest({ ...base, connectsTo: [link] });
        assert.strictEqual(m.spec.driver.labels["app.kubernetes.io/name"], "bronze");
        assert.strictEqual(m.spec.executor.labels["app.kubernetes.io/part-of"], "lakehouse");
    });

    it("demand: driver plus every executor, memory plus overhead, CPU requests from coreRequest or cores", () => {
        const d = sparkAppDemand(base);
        assert.strictEqual(d.pods, 4);
        assert.strictEqual(d.requestsCpu, 1 + 3 * 0.5);
        assert.strictEqual(d.limitsCpu, 1 + 3 * 2);
        assert.strictEqual(d.requestsMemory, (1536 + 3 * 2560) * 2 ** 20);
        assert.strictEqual(d.limitsMemory, d.requestsMemory);
    });
});

describe("IPv4 ranges (MetalLB pool)", () => {
    it("parses and formats addresses", () => {
        assert.strictEqual(parseIpv4("172.18.0.1"), ((172 * 256 + 18) * 256 + 0) * 256 + 1);
        assert.strictEqual(formatIpv4(parseIpv4("10.1.2.3")!), "10.1.2.3");
        for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "a.b.c.d"]) assert.strictEqual(parseIpv4(bad), undefined, bad);
    });

    it("accepts CIDRs and a-b ranges inside one private range", () => {
        assert.strictEqual(poolRangeProblem("172.18.255.200-172.18.255.250"), undefined);
        assert.strictEqual(poolRangeProblem("192.168.97.0/28"), undefined);
        assert.strictEqual(poolRangeProblem("10.0.0.5-10.0.0.5"), undefined);
        assert.deepStrictEqual(parseRange("192.168.1.7/30"), { start: parseIpv4("192.168.1.4"), end: parseIpv4("192.168.1.7") });
        assert.match(poolRangeProblem("172.32.0.1-172.32.0.9")!, /inside one private range/);
        assert.match(poolRangeProblem("10.0.0.9-10.0.0.1")!, /comes after its end/);
    });

    it("picks a pool near the top of a docker network's subnet", () => {
        assert.strictEqual(poolForSubnet("172.18.0.0/16"), "172.18.255.200-172.18.255.250");
        assert.strictEqual(poolForSubnet("192.168.97.0/24"), "192.168.97.200-192.168.97.250");
        assert.strictEqual(poolForSubnet("172.19.0.0/25"), "172.19.0.72-172.19.0.122");
        assert.strictEqual(poolForSubnet("172.19.0.0/26"), undefined, "too small");
        assert.strictEqual(poolForSubnet("fc00:f853:ccd:e793::/64"), undefined, "IPv6");
        assert.strictEqual(poolForSubnet("8.8.0.0/16"), undefined, "public");
    });
});
