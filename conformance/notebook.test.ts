// The sample notebook Jupyter ships (components/compute/sampleNotebook.ts), its code cells run in order by
// the notebook pod's Python with the pod's env and its generated spark-defaults.conf, for each table format,
// against an S3 server (S3Proxy, lib/s3.ts) — twice, as a user re-running the notebook in a new kernel would.
//
// Rewritten: the image's paths (/usr/local/spark, the mounts, the Ivy cache under /tmp/.ivy2) to sandbox and
// cache folders; the object store's in-cluster name to the S3 server's loopback address. One thing more: the
// session runs in local mode (PYSPARK_SUBMIT_ARGS --master local[1]) instead of on the cluster's master, so
// what is checked is the driver's side (the catalog, the table format's reads and writes through S3A), not
// executors on the workers (the pipeline test runs those). The notebook image's Python 3.13 and Java 21 are
// this machine's 3.11 and 17, with pyspark at the cluster's Spark version.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { sandbox } from "./lib/downloads";
import { run } from "./lib/processes";
import { loadProgram, objectOf, withOverrides } from "./lib/program";
import { timed } from "./lib/report";
import { S3Server, startS3 } from "./lib/s3";
import { prepareSparkContainer, pyspark, sparkEnvironment, sparkWhat } from "./spark";

let s3: S3Server | undefined;
afterEach(async () => {
    await s3?.stop();
    s3 = undefined;
});

describe(`sample notebook: ${sparkWhat}`, function () {
    for (const [i, format] of (["delta", "iceberg"] as const).entries()) {
        it(`services.spark.tableFormat ${format}: every code cell runs, writing and reading back the sample table, and again in a new session`, async function () {
            await timed("jupyter", `${sparkWhat}: the sample notebook's code cells, tableFormat ${format}, local mode, S3A to S3Proxy`, async () => {
                const l = await loadProgram("dev", withOverrides("dev", { "lakehouse:services": { spark: { tableFormat: format } } }));
                const dir = sandbox(`notebook-${format}`);
                s3 = await startS3(l, `127.18.8.${i + 1}`);
                const sts = objectOf(l, "StatefulSet", "jupyter");
                const spark = await pyspark();
                const e = sparkEnvironment(spark, dir, s3.hosts, "/usr/local/spark");
                const pod = await prepareSparkContainer(l, sts, "notebook", { name: `${sts.metadata.name}-0`, namespace: sts.metadata.namespace, ip: `127.18.8.${10 + i}` }, e);
                assert.equal(pod.env.LAKEHOUSE_TABLE_FORMAT, format);
                const nbPath = Object.entries(pod.paths).find(([p]) => p.endsWith(".ipynb"));
                assert.ok(nbPath, "the notebook pod mounts no .ipynb");
                const nb = JSON.parse(fs.readFileSync(nbPath[1], "utf8"));
                const code = nb.cells.filter((c: any) => c.cell_type === "code").map((c: any) => c.source.join("")).join("\n\n");
                const script = path.join(dir, "cells.py");
                fs.writeFileSync(script, code);
                const env = { ...pod.env, PYSPARK_SUBMIT_ARGS: "--master local[1] pyspark-shell", PYSPARK_PYTHON: path.join(spark.venv, "bin", "python") };
                for (const session of ["first", "second"]) {
                    const r = run([path.join(spark.venv, "bin", "python"), script], { env, cleanEnv: true, timeoutMs: 600_000, cwd: dir });
                    assert.equal(r.code, 0, `${session} session: the notebook's cells failed (exit ${r.code}):\n${(r.stdout + r.stderr).split("\n").filter((x) => !/^\s+at /.test(x)).slice(-40).join("\n")}`);
                    assert.match(r.stdout, new RegExp(`wrote 3 rows to .* as ${format}`));
                    assert.match(r.stdout, /\|\s*car-1\|\s*car\|\s*81\|/);
                }
            });
        });
    }
});
