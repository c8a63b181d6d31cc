// Airflow 3.3.2 from PyPI with what the program generates (see airflow.ts for what is rewritten): the init
// Job's script, then the stack's Deployments (dev: LocalExecutor; prod: CeleryExecutor with its Celery
// worker) against the platform's PostgreSQL (and Redis in prod) and an S3 server standing in for the object
// store; each pod in its own sandbox folder (its own emptyDirs) and under its own hostname, as pods are.
// One stack at a time: Airflow's log servers (8793, 8794) listen on all interfaces.

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { AIRFLOW_VERSION, AirflowPod, airflowPod, airflowVenv, apiClient, probe, runToCompletion, startPod } from "./airflow";
import { sandbox } from "./lib/downloads";
import { PostgresServer, startPostgres } from "./lib/postgres";
import { stopAll, terminate, waitFor } from "./lib/processes";
import { Loaded, graceSeconds, loadAllOn, objectOf, secretValue, serviceRewrites } from "./lib/program";
import { RedisServer, startRedis } from "./lib/redis";
import { timed } from "./lib/report";
import { S3Server, startS3 } from "./lib/s3";

const WHAT = `apache-airflow ${AIRFLOW_VERSION} (PyPI)`;

function admin(l: Loaded): { user: string; password: string } {
    const job = objectOf(l, "Job", "airflow");
    const env = job.spec.template.spec.containers[0].env;
    const ref = (name: string) => env.find((e: any) => e.name === name).valueFrom.secretKeyRef;
    const ns = job.metadata.namespace;
    return { user: secretValue(l, ns, ref("ADMIN_USER").name, ref("ADMIN_USER").key), password: secretValue(l, ns, ref("ADMIN_PASSWORD").name, ref("ADMIN_PASSWORD").key) };
}

const STACKS = {
    // 127.38.2.x and 127.38.3.x: this file's pods.
    dev: { net: "127.38.2", parts: ["api-server", "scheduler", "dag-processor", "triggerer"], taskPod: "scheduler", dags: ["lakehouse_smoke"] },
    prod: { net: "127.38.3", parts: ["api-server", "scheduler", "dag-processor", "triggerer", "worker"], taskPod: "worker", dags: ["lakehouse_medallion", "lakehouse_smoke"] },
} as const;

for (const [stack, s] of Object.entries(STACKS)) {
    const ip = (n: number) => `${s.net}.${n}`;
    describe(`Airflow ${AIRFLOW_VERSION} (PyPI), ${stack} stack: ${stack === "dev" ? "LocalExecutor" : "CeleryExecutor and its worker"}`, function () {
        let l: Loaded;
        let venv: string;
        let pg: PostgresServer | undefined;
        let redis: RedisServer | undefined;
        let s3: S3Server | undefined;
        let hosts: Record<string, string> = {};
        const pods: Record<string, AirflowPod> = {};
        let dir: string;

        before(async function () {
            l = await loadAllOn(stack);
            venv = await airflowVenv();
            dir = sandbox(`airflow-${stack}`);
            pg = await startPostgres(l, ip(1));
            s3 = await startS3(l, ip(2));
            const celery = objectOf(l, "Deployment", "airflow", "airflow-scheduler").spec.template.spec.containers[0].env.some((e: any) => e.name === "AIRFLOW__CELERY__BROKER_URL");
            if (celery) redis = await startRedis(l, ip(9));
            hosts = {
                ...serviceRewrites(l, objectOf(l, "StatefulSet", "postgres"), pg.ip),
                ...(redis ? serviceRewrites(l, objectOf(l, "StatefulSet", "redis"), redis.ip) : {}),
                ...s3.hosts,
                ...serviceRewrites(l, objectOf(l, "Deployment", "airflow", "airflow-api-server"), ip(3)),
            };
        });
        after(async () => {
            await stopAll();
            await s3?.stop();
            await redis?.stop();
            await pg?.stop();
        });

        it("the init Job's script migrates the fresh database and creates the admin", () =>
            timed("airflow", `${WHAT} ${stack}: the init Job's script (db migrate, users create)`, async () => {
                const init = airflowPod(l, objectOf(l, "Job", "airflow"), ip(8), hosts, path.join(dir, "init"), venv);
                const r = runToCompletion(init, 10 * 60 * 1000);
                assert.strictEqual(r.code, 0, (r.stdout + r.stderr).slice(-3000));
            }));

        it(`${s.parts.join(", ")} start from their Deployments and their readiness and liveness probes pass`, () =>
            timed("airflow", `${WHAT} ${stack}: ${s.parts.join(", ")} + their probes`, async () => {
                s.parts.forEach((part, i) => {
                    const dep = objectOf(l, "Deployment", "airflow", `airflow-${part}`);
                    pods[part] = airflowPod(l, dep, ip(3 + i), hosts, path.join(dir, part), venv);
                    startPod(pods[part], dir);
                });
                const procs = Object.values(pods).map((p) => p.proc!);
                await Promise.all(
                    Object.values(pods).flatMap((pod) => {
                        const c = pod.container;
                        // The CLI probes run the same command for both: once is enough to show it passes.
                        const kinds = JSON.stringify(c.readinessProbe) === JSON.stringify(c.livenessProbe) ? ["readinessProbe"] : ["readinessProbe", "livenessProbe"];
                        return kinds.map((which) =>
                            waitFor(`airflow ${pod.name} ${which}`, async () => {
                                const r = await probe(pod, which as "readinessProbe");
                                if (!r.ok) throw new Error(r.detail);
                                return true;
                            }, 300000, procs),
                        );
                    }),
                );
                const version = await (await apiClient(ip(3), admin(l).user, admin(l).password)).version();
                assert.strictEqual(JSON.parse(version.body).version, AIRFLOW_VERSION);
            }));

        it(`the dag-processor parses ${s.dags.join(" and ")} from the DAG ConfigMap as the kubelet lays it out (..data links), without import errors`, () =>
            timed("airflow", `${WHAT} ${stack}: dag-processor over the kubelet's ConfigMap layout`, async () => {
                assert.ok(fs.lstatSync(path.join(pods["dag-processor"].paths["/opt/airflow/dags"], "..data")).isSymbolicLink(), "the DAG folder is laid out as the kubelet does");
                const api = await apiClient(ip(3), admin(l).user, admin(l).password);
                const dags = await waitFor(`${s.dags.join(", ")} in the DAG bag`, async () => {
                    const r = await api.get("/api/v2/dags");
                    const ids = r.dags.map((d: any) => d.dag_id).sort();
                    return ids.length >= s.dags.length && r.dags;
                }, 180000, [pods["dag-processor"].proc!]);
                assert.deepStrictEqual(dags.map((d: any) => d.dag_id).sort(), [...s.dags]);
                const errors = await api.get("/api/v2/importErrors");
                assert.strictEqual(errors.total_entries, 0, JSON.stringify(errors.import_errors));
            }));

        let runId = "";
        it(`a run triggered through the API starts and succeeds on the ${s.taskPod} without unpausing the DAG`, () =>
            timed("airflow", `${WHAT} ${stack}: trigger lakehouse_smoke through the REST API; the ${s.taskPod} runs it`, async () => {
                const api = await apiClient(ip(3), admin(l).user, admin(l).password);
                const run = await api.call("POST", "/api/v2/dags/lakehouse_smoke/dagRuns", { logical_date: null });
                runId = run.dag_run_id;
                const state = await waitFor("the triggered run to finish", async () => {
                    const r = await api.get(`/api/v2/dags/lakehouse_smoke/dagRuns/${encodeURIComponent(runId)}`);
                    if (!["success", "failed"].includes(r.state)) throw new Error(`the run is ${r.state}`);
                    return r.state;
                }, 180000, [pods.scheduler.proc!, pods[s.taskPod].proc!]);
                assert.strictEqual(state, "success");
            }));

        it(`its task log is read through the api-server from the object store, after the ${s.taskPod} pod that ran it is gone`, () =>
            timed("airflow", `${WHAT} ${stack}: task log through the api-server once the ${s.taskPod} pod is gone`, async () => {
                assert.ok(runId, "needs the triggered run");
                // The pod that ran the task goes away with its emptyDir of logs, as a rescheduled pod's do: the
                // kubelet's stop (SIGTERM to the main process, the grace period, then SIGKILL).
                const ran = pods[s.taskPod];
                const grace = graceSeconds(objectOf(l, "Deployment", "airflow", `airflow-${s.taskPod}`));
                await terminate(ran.proc!, "SIGTERM", grace);
                fs.rmSync(ran.paths["/opt/airflow/logs"], { recursive: true, force: true });
                const api = await apiClient(ip(3), admin(l).user, admin(l).password);
                const log = await api.get(`/api/v2/dags/lakehouse_smoke/dagRuns/${encodeURIComponent(runId)}/taskInstances/hello/logs/1?full_content=true`);
                const text = JSON.stringify(log.content);
                assert.match(text, new RegExp(`lakehouse airflow works on ${ran.hostname}`), `the log as the api-server shows it:\n${text.slice(0, 3000)}`);
            }));
    });
}
