// Cassandra as the program generates it (see cassandra.ts): the enable-auth init container's script on the
// image's conf, the node started with the container's env through the image's entrypoint, its probes, and the
// schema Job's script on the fresh node, which must succeed on its FIRST run (a Job retry is a failed pod).
//
// Rewritten, and nothing else: the image's and the volumes' paths (/etc/cassandra, /config, /var/lib/cassandra,
// /cql, and the Job's /tmp) to sandbox folders; the in-cluster names (cassandra.<ns>.svc for the Job,
// cassandra-0.cassandra-headless.<ns>.svc as the seed) to the pod's loopback address 127.18.3.1, on which
// the node's listen and rpc addresses (the image's default rpc_address 0.0.0.0) are narrowed.

import { strict as assert } from "assert";
import * as path from "path";
import { cassandraArgv, cassandraJars, cassandraWhat, cqlshBin, imageConf, imageEntrypoint } from "./cassandra";
import { sandbox } from "./lib/downloads";
import { Proc, run, start } from "./lib/processes";
import { namedPorts, runProbe, untilProbe } from "./lib/probes";
import { PodFacts, commandLine, container, containerEnv, findObject, loadStack, mountVolumes, object, rewrite, rewritePaths, serviceNames } from "./lib/program";
import { timed } from "./lib/report";

const NS = "lakehouse";
const IP = "127.18.3.1";

const procs: Proc[] = [];
after(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
});

describe(`Cassandra ${cassandraWhat}`, function () {
    it("dev: the node starts with password authentication on; the schema Job's first run creates the keyspace, the table and the pipeline's login", async function () {
        await timed("cassandra", `${cassandraWhat}; dev node, enable-auth init script, schema Job (first run)`, async () => {
            const [jars, cqlsh, l] = await Promise.all([cassandraJars(), cqlshBin(), loadStack("dev")]);
            const dir = sandbox("cassandra");
            const sts = object(l, "StatefulSet", "cassandra", NS);
            const pod: PodFacts = { name: "cassandra-0", namespace: NS, ip: IP };
            const root = path.join(dir, pod.name);
            const hosts: Record<string, string> = {};
            for (const h of [...serviceNames("cassandra-headless", NS).map((n) => `cassandra-0.${n}`), ...serviceNames("cassandra", NS)]) hosts[h] = IP;

            // The init container: the image's /etc/cassandra copied to the config volume with auth switched on.
            const image = imageConf(path.join(root, "image/etc/cassandra"));
            const init = container(sts, "enable-auth");
            const initPaths = { "/etc/cassandra": image, ...mountVolumes(l, sts, init, root) };
            const initEnv = containerEnv(l, init, pod);
            const i = run(commandLine(init, initEnv).map((a) => rewritePaths(a, initPaths)), { env: initEnv, timeoutMs: 30_000 });
            assert.equal(i.code, 0, `enable-auth failed: ${i.stdout}${i.stderr}`);

            // The node: the container's env through the image's entrypoint, then bin/cassandra's command line.
            const c = container(sts, "cassandra");
            const paths = mountVolumes(l, sts, c, root);
            const env = containerEnv(l, c, pod);
            const conf = paths["/etc/cassandra"];
            imageEntrypoint(conf, env, IP, hosts);
            const node = start(pod.name, cassandraArgv(jars, conf, paths["/var/lib/cassandra"], path.join(root, "logs"), env), { env, logDir: dir });
            procs.push(node);
            const ctx = { ip: IP, env, ports: namedPorts(c) };
            await untilProbe("cassandra-0 readiness", c.readinessProbe, ctx, 240_000, [node]);
            const live = await runProbe(c.livenessProbe, ctx);
            assert.ok(live.ok, live.detail);

            // Password authentication is on: no login, no session.
            const anon = run([path.join(cqlsh, "cqlsh"), IP, "-e", "SELECT release_version FROM system.local"], { timeoutMs: 60_000, env: { HOME: dir }, input: "" });
            assert.notEqual(anon.code, 0, "cqlsh without credentials got in");
            assert.match(anon.stdout + anon.stderr, /requires authentication/i, `exit ${anon.code} ${anon.error ?? ""}: ${anon.stdout}${anon.stderr}`);

            // The schema Job's container, run once, as the Job's first pod.
            const job = findObject(l, "Job", "cassandra-schema-*", (o) => o.metadata.namespace === NS && /^cassandra-schema-/.test(o.metadata.name));
            const jc = container(job, "schema");
            const jobRoot = path.join(dir, job.metadata.name);
            const jobPaths = { ...mountVolumes(l, job, jc, jobRoot), "/tmp": path.join(jobRoot, ".volumes", "tmp") };
            run(["mkdir", "-p", jobPaths["/tmp"]]);
            const jobEnv = Object.fromEntries(Object.entries(containerEnv(l, jc, { name: `${job.metadata.name}-x`, namespace: NS, ip: "127.0.0.1" })).map(([k, v]) => [k, rewrite(v, hosts)]));
            const argv = commandLine(jc, jobEnv).map((a) => rewritePaths(a, jobPaths));
            const first = run(argv, { env: { ...jobEnv, PATH: `${cqlsh}:${process.env.PATH}` }, timeoutMs: 240_000 });
            assert.equal(first.code, 0, `the schema Job's first run failed (exit ${first.code}):\n${first.stdout}${first.stderr}`);
            assert.match(first.stdout, /keyspace \S+ and role lakehouse are ready/);
            // A later run (a changed schema is a new Job) finds everything in place and succeeds too.
            const again = run(argv, { env: { ...jobEnv, PATH: `${cqlsh}:${process.env.PATH}` }, timeoutMs: 240_000 });
            assert.equal(again.code, 0, `the schema Job's rerun failed (exit ${again.code}):\n${again.stdout}${again.stderr}`);

            // What the pipeline's sink does: log in as its role, write and read a row of the table.
            const keyspace = jobEnv.KEYSPACE;
            const user = jobEnv.APP_USER;
            const app = (cql: string) => run([path.join(cqlsh, "cqlsh"), IP, "-u", user, "-p", jobEnv.APP_PASSWORD, "-e", cql], { timeoutMs: 60_000, env: { HOME: dir } });
            const w = app(`INSERT INTO ${keyspace}.positions (vehicle_id, event_time, type, latitude, longitude, battery) VALUES ('vehicle-001', '2026-12-01 10:00:00+0000', 'car', 52.5, 13.4, 80)`);
            assert.equal(w.code, 0, w.stdout + w.stderr);
            const r = app(`SELECT vehicle_id, battery FROM ${keyspace}.positions WHERE vehicle_id = 'vehicle-001'`);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /vehicle-001 \|\s+80/);
            // A rotated Secret: the next run sets the role's new password (its last change is long past).
            const rotated = `${jobEnv.APP_PASSWORD}R2`;
            const rot = run(argv, { env: { ...jobEnv, APP_PASSWORD: rotated, PATH: `${cqlsh}:${process.env.PATH}` }, timeoutMs: 240_000 });
            assert.equal(rot.code, 0, `the schema Job with a rotated password failed (exit ${rot.code}):\n${rot.stdout}${rot.stderr}`);
            const login = run([path.join(cqlsh, "cqlsh"), IP, "-u", user, "-p", rotated, "-e", "SELECT release_version FROM system.local"], { timeoutMs: 60_000, env: { HOME: dir } });
            assert.equal(login.code, 0, `the rotated password doesn't log in: ${login.stdout}${login.stderr}`);
            // The default superuser password is gone.
            const dflt = run([path.join(cqlsh, "cqlsh"), IP, "-u", "cassandra", "-p", "cassandra", "-e", "SELECT release_version FROM system.local"], { timeoutMs: 60_000, env: { HOME: dir } });
            assert.notEqual(dflt.code, 0, "the default superuser password still works");
        });
    });
});
