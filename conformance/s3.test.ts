// The object store's bucket Job against a real S3 server (S3Proxy, see lib/s3.ts) with the generated root
// credentials, then a real S3 client (boto3, AWS signature V4, path-style) lists, uploads in parts and is
// refused with a wrong key.

import { strict as assert } from "assert";
import * as path from "path";
import { pythonVenv, sandbox } from "./lib/downloads";
import { loadStack } from "./lib/program";
import { run } from "./lib/processes";
import { timed } from "./lib/report";
import { S3PROXY, S3Server, runBucketJob, startS3 } from "./lib/s3";

const IP = "127.28.0.10";
export const BOTO3 = "boto3==1.44.5";

// Multipart with 5 MiB parts (S3's minimum) of an 11 MiB object: three parts, the last one short.
const CLIENT = `
import json, os, sys, boto3, botocore
from boto3.s3.transfer import TransferConfig
def client(secret):
    return boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
        aws_access_key_id=os.environ["ACCESS_KEY"], aws_secret_access_key=secret,
        config=botocore.config.Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}))
s3 = client(os.environ["SECRET_KEY"])
bucket = os.environ["BUCKET"]
out = {"buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]]}
out["keys"] = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
data = os.urandom(11 * 1024 * 1024)
import io
s3.upload_fileobj(io.BytesIO(data), bucket, "conformance/multipart.bin",
    Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, use_threads=False))
head = s3.head_object(Bucket=bucket, Key="conformance/multipart.bin")
out["etag"] = head["ETag"]
out["roundtrip"] = s3.get_object(Bucket=bucket, Key="conformance/multipart.bin")["Body"].read() == data
try:
    client("wrong" + os.environ["SECRET_KEY"]).list_objects_v2(Bucket=bucket)
    out["wrongKey"] = "accepted"
except botocore.exceptions.ClientError as e:
    out["wrongKey"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;

describe("object store (S3Proxy standing in for RustFS)", function () {
    let s3: S3Server | undefined;
    after(async () => s3?.stop());

    it("the bucket Job creates the buckets and folders with the generated root credentials; a V4 client lists them, uploads in parts, and a wrong key is refused", async () => {
        const l = await loadStack("dev");
        const venv = await pythonVenv("s3client", [BOTO3]);
        await timed("object store", `s3proxy ${S3PROXY.split(":")[2]} (Maven Central, filesystem-nio2) + the bucket Job's script with curl 8.14.1 (Debian backports) + ${BOTO3} (PyPI)`, async () => {
            s3 = await startS3(l, IP);
            assert.match(s3.jobLog, /created bucket lakehouse/);
            // A second run (a config update re-runs the Job) finds the bucket and succeeds.
            assert.match(await runBucketJob(l, IP, s3.port, sandbox("s3-rerun")), /bucket lakehouse already exists/);

            const job = l.resources.find((r) => r.inputs.kind === "Job" && r.inputs.metadata?.labels?.["app.kubernetes.io/component"] === "objectStore")!;
            const folders: string[] = job.inputs.spec.template.spec.containers[0].env.find((e: any) => e.name === "FOLDERS").value.split(" ");
            const r = run([path.join(venv, "bin", "python"), "-c", CLIENT], {
                env: { ENDPOINT: s3.endpoint, ACCESS_KEY: s3.accessKey, SECRET_KEY: s3.secretKey, BUCKET: "lakehouse", NO_PROXY: "*" },
                timeoutMs: 120000,
            });
            assert.equal(r.code, 0, r.stderr);
            const out = JSON.parse(r.stdout);
            assert.deepEqual(out.buckets, ["lakehouse"]);
            assert.deepEqual(out.keys, folders.map((f) => f.replace(/^lakehouse\//, "")).sort(), "the folder markers the Job made");
            assert.match(out.etag, /-3"$/, "a multipart ETag of three parts");
            assert.equal(out.roundtrip, true);
            assert.equal(out.wrongKey, "SignatureDoesNotMatch");
        });
    });
});
