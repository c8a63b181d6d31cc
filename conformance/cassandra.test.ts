// Cassandra as the program generates it (see cassandra.ts): the enable-auth init container's script on the
// image's conf, the node started with the container's env through the image's entrypoint, its probes, and the
// schema Job's script on the fresh node, which must succeed on its FIRST run (a Job retry is a failed pod).
//
// Rewritten, and nothing else: the image's and the volumes' paths (/etc/cassandra, /config, /var/lib/cassandra,
// /cql, and the Job's /tmp) to sandbox folders; the in-cluster names (cassandra.<ns>.svc for the Job,
// cassandra-0.cassandra-headless.<ns>.svc as the seed) to the pod's loopback address 127.18.3.1, on which
// the node's listen and rpc addresses (the image's default rpc_address 0.0.0.0) are narrowed.

import { strict as assert } from "assert";
import { CassandraNode, cassandraWhat, cql, schemaJob, startCassandra } from "./cassandra";
import { sandbox } from "./lib/downloads";
import { namedPorts, runProbe } from "./lib/probes";
import { container, loadStack } from "./lib/program";
import { timed } from "./lib/report";

let node: CassandraNode | undefined;
after(async () => {
    await node?.proc.stop();
});

describe(`Cassandra ${cassandraWhat}`, function () {
    it("dev: the node starts with password authentication on; the schema Job's first run creates the keyspace, the table and the pipeline's login", async function () {
        await timed("cassandra", `${cassandraWhat}; dev node, enable-auth init script, schema Job (first run, rerun, rotated password)`, async () => {
            const l = await loadStack("dev");
            const dir = sandbox("cassandra");
            node = await startCassandra(l, dir, "127.18.3.1");
            const c = container(node.sts, "cassandra");
            const live = await runProbe(c.livenessProbe, { ip: node.ip, env: node.env, ports: namedPorts(c) });
            assert.ok(live.ok, live.detail);

            // Password authentication is on: no login, no session.
            const anon = cql(node, dir, "SELECT release_version FROM system.local");
            assert.notEqual(anon.code, 0, "cqlsh without credentials got in");
            assert.match(anon.stdout + anon.stderr, /requires authentication/i, `exit ${anon.code}: ${anon.stdout}${anon.stderr}`);

            // The schema Job's container, run once, as the Job's first pod.
            const job = schemaJob(l, node, dir);
            const first = job.run();
            assert.equal(first.code, 0, `the schema Job's first run failed (exit ${first.code}):\n${first.stdout}${first.stderr}`);
            assert.match(first.stdout, /keyspace \S+ and role lakehouse are ready/);
            // A later run (a changed schema is a new Job) finds everything in place and succeeds too.
            const again = job.run();
            assert.equal(again.code, 0, `the schema Job's rerun failed (exit ${again.code}):\n${again.stdout}${again.stderr}`);

            // What the pipeline's sink does: log in as its role, write and read a row of the table.
            const { KEYSPACE: keyspace, APP_USER: user, APP_PASSWORD: password } = job.env;
            const w = cql(node, dir, `INSERT INTO ${keyspace}.positions (vehicle_id, event_time, type, latitude, longitude, battery) VALUES ('vehicle-001', '2026-12-01 10:00:00+0000', 'car', 52.5, 13.4, 80)`, { user, password });
            assert.equal(w.code, 0, w.stdout + w.stderr);
            const r = cql(node, dir, `SELECT vehicle_id, battery FROM ${keyspace}.positions WHERE vehicle_id = 'vehicle-001'`, { user, password });
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /vehicle-001 \|\s+80/);

            // A rotated Secret: the next run sets the role's new password (its last change is long past).
            const rotated = `${password}R2`;
            const rot = job.run({ APP_PASSWORD: rotated });
            assert.equal(rot.code, 0, `the schema Job with a rotated password failed (exit ${rot.code}):\n${rot.stdout}${rot.stderr}`);
            const login = cql(node, dir, "SELECT release_version FROM system.local", { user, password: rotated });
            assert.equal(login.code, 0, `the rotated password doesn't log in: ${login.stdout}${login.stderr}`);
            // The default superuser password is gone.
            const dflt = cql(node, dir, "SELECT release_version FROM system.local", { user: "cassandra", password: "cassandra" });
            assert.notEqual(dflt.code, 0, "the default superuser password still works");
        });
    });
});
