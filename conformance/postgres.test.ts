// The platform's PostgreSQL from Debian's packages, started from the program's StatefulSet (lib/postgres.ts):
// first start with every consumer's database, its probes, a stop while the consumers are connected, a
// restart on the same volume, and a password rotation.

import { strict as assert } from "assert";
import * as fs from "fs";
import { Loaded, container, loadAllOn, objectOf, secretRefOf, withSecretValue } from "./lib/program";
import { Proc, start } from "./lib/processes";
import { timed } from "./lib/report";
import { POSTGRES_PACKAGES, PostgresServer, postgresBinaries, startPostgres } from "./lib/postgres";

const IP = "127.28.0.20";
const WHAT = `postgres 15 (Debian 12: ${POSTGRES_PACKAGES.join(", ")}) for the postgres:18 image, the program's start script`;

// What PostgreSQL logs when it starts on a data folder that was not shut down cleanly (xlog.c, StartupXLOG).
const CRASH_RECOVERY = /database system was not properly shut down|automatic recovery in progress|database system was interrupted/;

describe("postgres", function () {
    let l: Loaded;
    let pg: PostgresServer | undefined;
    const clients: Proc[] = [];
    before(async () => {
        l = await loadAllOn("dev");
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop("SIGKILL", 1000);
    });
    after(async () => {
        await pg?.stop("SIGKILL");
    });

    /** The server, started again on its volume if an earlier test left it stopped. */
    async function running(): Promise<PostgresServer> {
        assert.ok(pg, "the first test started the server");
        if (pg.proc.child.exitCode !== null || pg.proc.child.signalCode !== null) pg = await startPostgres(l, IP, { data: pg.data, name: "postgres-again" });
        return pg;
    }

    /** One session per consumer with a query in flight, as their connection pools keep sessions open. */
    async function connectConsumers(server: PostgresServer): Promise<void> {
        const { bin, lib } = await postgresBinaries();
        for (const [role, password] of Object.entries(server.consumers)) {
            clients.push(
                start(`client-${role}`, [`${bin}/psql`, "-X", "-h", server.ip, "-U", role, "-d", role, "-c", "SELECT pg_sleep(600)"], {
                    env: { PGPASSWORD: password, LD_LIBRARY_PATH: lib },
                    logDir: fs.mkdtempSync("/tmp/lakehouse-pg-clients-"),
                }),
            );
        }
        const deadline = Date.now() + 20000;
        for (;;) {
            const r = server.psql(server.admin.user, server.admin.password, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'", "postgres");
            if (Number(r.stdout.trim()) === Object.keys(server.consumers).length) return;
            if (Date.now() > deadline) throw new Error(`consumers' sessions not all active: ${r.stdout}${r.stderr}`);
            await new Promise((res) => setTimeout(res, 300));
        }
    }

    it("starts from the StatefulSet's script, is ready and live per its own probes, and every consumer logs in to its own database", async () => {
        await timed("postgres", `${WHAT}: first start, probes, consumers' logins`, async () => {
            pg = await startPostgres(l, IP);
            assert.ok((await pg.probe("livenessProbe")).ok);
            assert.deepEqual(Object.keys(pg.consumers).sort(), ["airflow", "nessie", "superset"]);
            for (const [role, password] of Object.entries(pg.consumers)) {
                const r = pg.psql(role, password, "SELECT current_user || ' ' || current_database() || ' ' || (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())");
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stdout.trim(), `${role} ${role} ${role}`);
            }
        });
    });

    // The runtime sends the image's STOPSIGNAL (SIGINT for postgres) to the container's main process, our
    // start script; SIGTERM is what it sends for an image without one. Either must end in a fast shutdown
    // well inside the pod's grace period, with the consumers' sessions open, and the next start must find
    // a cleanly shut down database.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        it(`stops cleanly on ${signal} with every consumer connected, within the pod's grace period; the restart runs no crash recovery`, async () => {
            await timed("postgres", `${WHAT}: ${signal} with 3 sessions open, restart on the same volume`, async () => {
                pg = await running();
                pg.psql(pg.admin.user, pg.admin.password, `CREATE TABLE IF NOT EXISTS kept (signal text); INSERT INTO kept VALUES ('${signal}')`, "postgres");
                await connectConsumers(pg);
                const grace = pg.graceSeconds;
                const stopped = await pg.stop(signal);
                const log = fs.readFileSync(pg.proc.log, "utf8");
                assert.equal(stopped.killed, false, `still running after the pod's ${grace} s grace period, so the kubelet killed it:\n${log.split("\n").slice(-15).join("\n")}`);
                assert.match(log, /received fast shutdown request/);
                assert.match(log, /database system is shut down/);
                assert.ok(stopped.seconds < 10, `shutdown took ${stopped.seconds} s`);

                pg = await startPostgres(l, IP, { data: pg.data, name: `postgres-after-${signal}` });
                const restart = fs.readFileSync(pg.proc.log, "utf8");
                assert.doesNotMatch(restart, CRASH_RECOVERY);
                assert.match(restart, /database system was shut down at/);
                assert.match(pg.psql(pg.admin.user, pg.admin.password, "SELECT string_agg(signal, ',') FROM kept", "postgres").stdout, new RegExp(signal));
            });
        });
    }

    it("a rotated consumer password (a new value in its Secret) works after the restart, and the old one no longer does", async () => {
        await timed("postgres", `${WHAT}: password rotation and restart`, async () => {
            pg = await running();
            const old = pg.consumers.airflow;
            const sts = objectOf(l, "StatefulSet", "postgres");
            const ref = secretRefOf(container(sts, "postgres"), "DB_PASSWORD_airflow");
            const rotated = withSecretValue(l, sts.metadata.namespace, ref.name, ref.key, "RotatedAirflowPassword0123456789");
            await pg.stop("SIGINT");
            pg = await startPostgres(rotated, IP, { data: pg.data, name: "postgres-rotated" });
            assert.equal(pg.consumers.airflow, "RotatedAirflowPassword0123456789");
            const now = pg.psql("airflow", pg.consumers.airflow, "SELECT current_user");
            assert.equal(now.code, 0, now.stderr);
            const before = pg.psql("airflow", old, "SELECT current_user");
            assert.notEqual(before.code, 0);
            assert.match(before.stderr, /password authentication failed for user "airflow"/);
            // The other consumers keep theirs.
            assert.equal(pg.psql("nessie", pg.consumers.nessie, "SELECT 1").code, 0);
        });
    });
});
