// S3A with the program's packages: a PySpark 4.0.1 session (the Spark release of the cluster image, from
// PyPI) in local mode, with the Spark cluster's own session defaults (the spark-defaults ConfigMap: the S3A
// settings, spark.jars.packages and spark.jars.excludes, resolved by Spark's Ivy from Maven Central as a
// pod does at start), writes a table to s3a:// and reads it back against the S3 server of lib/s3.ts.
// What is rewritten, and why:
//   - fs.s3a.endpoint's in-cluster Service name -> the S3 server's loopback address;
//   - spark.master -> local[1] (no cluster here), spark.jars.ivy -> a cache folder (the pod's /tmp/.ivy2);
//   - the event log and the table format's extensions are left out: they are not S3A's concern.
// The AWS_* credentials are the container env the program gives the Spark pods (the object store's keys).

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { s3aPackages } from "../components/catalog";
import { CACHE, pythonVenv, sandbox } from "./lib/downloads";
import { configMapValue, container, containerEnv, loadStack, object, rewrite } from "./lib/program";
import { run } from "./lib/processes";
import { timed } from "./lib/report";
import { S3Server, startS3 } from "./lib/s3";

const IP = "127.13.0.10";

const SESSION = `
import json, os, sys
from pyspark.sql import SparkSession
b = SparkSession.builder.master("local[1]").appName("s3a-conformance").config("spark.ui.enabled", "false")
for k, v in json.loads(os.environ["CONF"]).items():
    b = b.config(k, v)
spark = b.getOrCreate()
path = "s3a://" + os.environ["BUCKET"] + "/conformance/s3a"
spark.range(0, 1000).selectExpr("id", "id % 7 AS k").write.mode("overwrite").parquet(path)
back = spark.read.parquet(path)
print(json.dumps({"rows": back.count(), "sum": back.groupBy().sum("id").first()[0], "jars": spark.conf.get("spark.jars", "")}))
spark.stop()
`;

function requirements(): string[] {
    const text = fs.readFileSync(path.join(__dirname, "..", "jobs", "requirements.txt"), "utf8");
    return text.split("\n").map((s) => s.trim()).filter((s) => s && !s.startsWith("#"));
}

describe("S3A (hadoop-aws with the AWS SDK's s3 modules, not its bundle)", function () {
    let s3: S3Server | undefined;
    after(async () => s3?.stop());

    it("a PySpark session with the cluster's defaults resolves only the S3 modules and writes and reads s3a://", async () => {
        const l = await loadStack("dev");
        const defaults = Object.fromEntries(
            configMapValue(l, "lakehouse", "spark-defaults", "spark-defaults.conf")
                .split("\n")
                .filter((line) => line && !line.startsWith("#"))
                .map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1).trim()]),
        );
        assert.strictEqual(defaults["spark.jars.excludes"], s3aPackages.excludes.join(","));
        const venv = await pythonVenv("pyspark", requirements());
        s3 = await startS3(l, IP);
        const server = s3;
        const master = object(l, "Deployment", "spark-master", "lakehouse");
        const env = containerEnv(l, container(master), { name: "spark-master-0", namespace: "lakehouse", ip: IP });
        const keep = (k: string) => k.startsWith("spark.hadoop.fs.s3a.") || k === "spark.jars.packages" || k === "spark.jars.excludes";
        const conf: Record<string, string> = Object.fromEntries(Object.entries(defaults).filter(([k]) => keep(k)));
        conf["spark.jars.packages"] = conf["spark.jars.packages"].split(",").filter((p) => s3aPackages.packages.includes(p as never)).join(",");
        conf["spark.hadoop.fs.s3a.endpoint"] = rewrite(conf["spark.hadoop.fs.s3a.endpoint"], Object.fromEntries(Object.entries(server.hosts).map(([h, ip]) => [`${h}:${server.port}`, `${ip}:${server.port}`])));
        assert.strictEqual(conf["spark.hadoop.fs.s3a.endpoint"], server.endpoint, "the endpoint names the store's Service");
        const ivy = path.join(CACHE, "ivy-s3a");
        conf["spark.jars.ivy"] = ivy;
        const dir = sandbox("s3a");
        fs.writeFileSync(path.join(dir, "session.py"), SESSION);
        const out = await timed("S3A", `pyspark 4.0.1 (PyPI) local session + ${conf["spark.jars.packages"]} excluding ${conf["spark.jars.excludes"]} (Maven Central, Spark's Ivy)`, async () => {
            const r = run([path.join(venv, "bin", "python"), path.join(dir, "session.py")], {
                env: {
                    PATH: process.env.PATH ?? "",
                    HOME: dir,
                    JAVA_HOME: process.env.JAVA_HOME ?? "",
                    CONF: JSON.stringify(conf),
                    BUCKET: "lakehouse",
                    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
                    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
                    SPARK_LOCAL_IP: IP,
                },
                timeoutMs: 15 * 60 * 1000,
            });
            assert.strictEqual(r.code, 0, (r.stdout + r.stderr).slice(-4000));
            return JSON.parse(r.stdout.trim().split("\n").pop()!);
        });
        assert.deepStrictEqual([out.rows, out.sum], [1000, 499500]);
        assert.ok(fs.readdirSync(path.join(server.dataDir, "lakehouse", "conformance", "s3a")).some((f) => f.endsWith(".parquet")), "the files are in the bucket");
        const jars: string[] = out.jars.split(",").map((j: string) => path.basename(j));
        assert.ok(!jars.some((j) => j.startsWith("software.amazon.awssdk_bundle")), `no SDK bundle: ${jars}`);
        assert.ok(jars.includes("software.amazon.awssdk_s3-2.24.6.jar") && jars.includes("org.apache.hadoop_hadoop-aws-3.4.1.jar"), `${jars}`);
        const bytes = jars.reduce((n, j) => n + fs.statSync(path.join(ivy, "jars", j)).size, 0);
        console.log(`      S3A jars: ${jars.length}, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
        assert.ok(bytes < 40 * 2 ** 20, `S3A's jars stay small (${bytes} bytes)`);
    });
});
