// Airflow 3.3.2 from PyPI, each part started from the program's own Deployment or Job: the container's env
// with its Secrets filled in, its command line, its DAG ConfigMap laid out as the kubelet lays it out, in a
// UTS namespace whose hostname is the pod's name.
//
// The image's entrypoint (apache/airflow scripts/docker/entrypoint_prod.sh) waits for `airflow db check`
// and then runs `airflow <args>` (dropping a leading "airflow"); here the database is up before anything
// starts, and the args are run as they are. The image's ENV AIRFLOW_HOME=/opt/airflow (apache/airflow
// Dockerfile) is set here too, since the container spec relies on it.
//
// What is rewritten, and why:
//   - container paths (/opt/airflow and the volumes under it) → a sandbox folder per pod;
//   - in-cluster Service names and ports (PostgreSQL, the object store, the api-server's execution API)
//     → the loopback address and container port of the process standing in for that pod;
//   - the api-server's and the scheduler's health listeners (all interfaces in the pod) are narrowed to
//     the pod's address with AIRFLOW__API__HOST and AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST.
// Airflow's own log servers (8793, 8794) always listen on all interfaces; one Airflow runs at a time.

import * as fs from "fs";
import * as path from "path";
import { pythonVenv } from "./lib/downloads";
import { httpGet, namedPorts, runProbe } from "./lib/probes";
import { Proc, run, start } from "./lib/processes";
import { Loaded, commandLine, container, containerEnv, mountVolumes, rewrite } from "./lib/program";

export const AIRFLOW_VERSION = "3.3.2";

/**
 * apache-airflow at the image's version with the providers the image carries that our config uses (FAB auth
 * manager, PostgreSQL, the amazon provider for remote logging, Celery). Pinned by hand: Airflow's constraint
 * files are not on a package registry. celery 5.6.3 with providers-celery 3.26.0: the newest celery (5.7)
 * does not start a worker with that provider here.
 */
export const AIRFLOW_REQUIREMENTS = [
    `apache-airflow==${AIRFLOW_VERSION}`,
    "apache-airflow-providers-fab==3.10.2",
    "apache-airflow-providers-postgres==7.1.1",
    "apache-airflow-providers-amazon==9.39.0",
    "apache-airflow-providers-celery==3.26.0",
    "celery[redis]==5.6.3",
];

export function airflowVenv(): Promise<string> {
    return pythonVenv("airflow", AIRFLOW_REQUIREMENTS);
}

export interface AirflowPod {
    name: string;
    ip: string;
    /** The pod's name, also its hostname. */
    hostname: string;
    env: Record<string, string>;
    container: any;
    /** Container paths → this pod's sandbox folders. */
    paths: Record<string, string>;
    proc?: Proc;
}

/**
 * One Airflow pod's container (`containerName`, or the first), ready to start: its env rewritten as the file
 * header says, its volumes laid out under `root`.
 */
export function airflowPod(l: Loaded, workload: any, ip: string, hosts: Record<string, string>, root: string, venv: string, containerName?: string): AirflowPod {
    const c = container(workload, containerName);
    const hostname = `${workload.metadata.name}-0`;
    const home = path.join(root, "opt", "airflow");
    fs.mkdirSync(home, { recursive: true });
    const mounts = mountVolumes(l, workload, c, root);
    const paths = { ...mounts, "/opt/airflow": home };
    const raw = containerEnv(l, c, { name: hostname, namespace: workload.metadata.namespace, ip });
    const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, rewrite(v, { ...paths, ...hosts })]));
    Object.assign(env, {
        AIRFLOW_HOME: home,
        HOME: root,
        PATH: `${path.join(venv, "bin")}:${process.env.PATH}`,
        AIRFLOW__API__HOST: ip,
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST: ip,
    });
    return { name: workload.metadata.name, ip, hostname, env, container: c, paths };
}

export function startPod(pod: AirflowPod, logDir: string): Proc {
    const argv = commandLine(pod.container, pod.env).map((a) => rewrite(a, pod.paths));
    pod.proc = start(pod.name, argv, { env: pod.env, logDir, hostname: pod.hostname, cwd: pod.paths["/opt/airflow"] });
    return pod.proc;
}

/** Runs a Job's (or init container's) command to completion, as its pod would. */
export function runToCompletion(pod: AirflowPod, timeoutMs: number) {
    const argv = commandLine(pod.container, pod.env).map((a) => rewrite(a, pod.paths));
    return run(argv, { env: pod.env, timeoutMs, cleanEnv: true });
}

export function probe(pod: AirflowPod, which: "readinessProbe" | "livenessProbe") {
    return runProbe(pod.container[which], { ip: pod.ip, env: pod.env, hostname: pod.hostname, ports: namedPorts(pod.container), paths: pod.paths, pathDirs: [pod.env.PATH] });
}

/** A client of the api-server's REST API, logged in as the admin the init Job made (FAB's /auth/token). */
export async function apiClient(ip: string, user: string, password: string) {
    const base = `http://${ip}:8080`;
    const login = await fetch(`${base}/auth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: user, password }),
        signal: AbortSignal.timeout(20000),
    });
    if (login.status >= 300) throw new Error(`POST /auth/token: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as any).access_token;
    const call = async (method: string, p: string, body?: unknown): Promise<any> => {
        const r = await fetch(`${base}${p}`, {
            method,
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30000),
        });
        const text = await r.text();
        if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
    };
    return { call, get: (p: string) => call("GET", p), version: () => httpGet(`${base}/api/v2/version`) };
}
