// The interface between Airflow and the medallion pipeline (built in parallel, issue 4), and the DAG that
// runs it. Airflow never reaches into the pipeline: platform.ts hands it a MedallionPipeline, and the DAG
// reads the jobs from a JSON file beside it, so the DAG code itself never changes with the pipeline.

/**
 * What the pipeline gives Airflow when it runs on the Spark Operator (VehiclePipeline.medallion): its
 * SparkApplications in a team namespace, in start order; the DAG runs them by name, in that order.
 */
export interface MedallionPipeline {
    /** Namespace the SparkApplications live in (the Spark Operator must watch it). */
    namespace: string;
    /** The jobs in run order, by name (e.g. bronze, silver, gold), each with its complete SparkApplication manifest. */
    jobs: {
        name: string;
        sparkApplication: Record<string, unknown>;
        /** A stream never reaches COMPLETED: its task is done once the application is RUNNING. */
        streaming?: boolean;
    }[];
}

export const MEDALLION_DAG_ID = "lakehouse_medallion";

/** jobs.json for the DAG: names, namespace and manifests; no secrets (the manifests carry secretKeyRefs). */
export function medallionJobsJson(p: MedallionPipeline): string {
    return JSON.stringify({ namespace: p.namespace, jobs: p.jobs.map((j) => ({ name: j.name, streaming: j.streaming ?? false, manifest: j.sparkApplication })) }, null, 2) + "\n";
}

/**
 * The DAG: one task per job, chained in the given order. Each task replaces the SparkApplication of that
 * name (an application object runs once, so a rerun needs a fresh one) and waits until the operator reports
 * COMPLETED (a batch job) or RUNNING (a stream, which never completes: once it runs, the next job may start
 * reading its output), failing on FAILED or SUBMISSION_FAILED. Rerunning the DAG restarts the streams,
 * which resume from their checkpoints. It talks to the Kubernetes API with the pod's
 * service account through the `kubernetes` client that ships with the image's cncf.kubernetes provider.
 */
export const MEDALLION_DAG = `"""Runs the medallion pipeline's Spark jobs (bronze -> silver -> gold) by name, in order.

The jobs come from medallion_jobs.json beside this file (written by the lakehouse Pulumi program).
"""
import json
import os
import time

import pendulum
from airflow.sdk import DAG, task

JOBS = json.load(open(os.path.join(os.path.dirname(__file__), "medallion_jobs.json")))
GROUP, VERSION, PLURAL = "sparkoperator.k8s.io", "v1beta2", "sparkapplications"


def run_spark_application(name: str) -> None:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    job = next(j for j in JOBS["jobs"] if j["name"] == name)
    config.load_incluster_config()
    api = client.CustomObjectsApi()
    ns = JOBS["namespace"]
    try:
        api.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
        while True:
            api.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
            time.sleep(2)
    except ApiException as e:
        if e.status != 404:
            raise
    api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, job["manifest"])
    while True:
        app = api.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
        state = app.get("status", {}).get("applicationState", {}).get("state", "")
        print(f"{name}: {state or 'PENDING'}")
        if state == "COMPLETED" or (job["streaming"] and state == "RUNNING"):
            return
        if state in ("FAILED", "SUBMISSION_FAILED"):
            raise RuntimeError(f"SparkApplication {ns}/{name} ended {state}")
        time.sleep(10)


with DAG(
    dag_id="${MEDALLION_DAG_ID}",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # Unscheduled, so unpaused it runs only when triggered: a hand-triggered run starts at once.
    is_paused_upon_creation=False,
    tags=["lakehouse", "medallion"],
) as dag:
    previous = None
    for job in JOBS["jobs"]:
        step = task(task_id=job["name"])(run_spark_application)(job["name"])
        if previous is not None:
            previous >> step
        previous = step
`;

/** A DAG that always works, so a fresh Airflow shows that scheduling, the executor and logs are wired. */
export const SMOKE_DAG = `"""Smoke test: proves the scheduler, the executor and task logs work."""
import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="lakehouse_smoke",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["lakehouse"],
) as dag:
    BashOperator(task_id="hello", bash_command="echo lakehouse airflow works on $(hostname)")
`;

/**
 * The DAG folder is a ConfigMap volume, which the kubelet lays out as a `..<timestamp>/` folder, a `..data`
 * link to it and one link per file. Airflow 3's walk of the DAG folder follows links and stops with "Detected
 * recursive loop when walking DAG directory" when it meets that folder a second time (through `..data`);
 * ignoring the kubelet's `..*` folders leaves it the per-file links. Unlike subPath mounts, the volume still
 * receives ConfigMap updates. Glob syntax, Airflow 3's default (`[core] dag_ignore_file_syntax`).
 */
export const DAG_IGNORE = "# the kubelet's ConfigMap volume folders (..data, ..<timestamp>)\n..*/\n";

/** The DAG folder's files: the smoke DAG always, the medallion DAG and its jobs when a pipeline is wired. */
export function dagFiles(pipeline: MedallionPipeline | undefined): Record<string, string> {
    return {
        ".airflowignore": DAG_IGNORE,
        "lakehouse_smoke.py": SMOKE_DAG,
        ...(pipeline ? { "lakehouse_medallion.py": MEDALLION_DAG, "medallion_jobs.json": medallionJobsJson(pipeline) } : {}),
    };
}
