// The platform's PostgreSQL from Debian's packages, started from the program's StatefulSet (lib/postgres.ts).

import { strict as assert } from "assert";
import { loadAllOn } from "./lib/program";
import { timed } from "./lib/report";
import { POSTGRES_PACKAGES, PostgresServer, startPostgres } from "./lib/postgres";

const IP = "127.28.0.20";
const WHAT = `postgres 15 (Debian 12: ${POSTGRES_PACKAGES.join(", ")}) for the postgres:18 image, the program's start script`;

describe("postgres", function () {
    const servers: PostgresServer[] = [];
    after(async () => {
        for (const s of servers) await s.stop("SIGKILL");
    });

    it("starts from the StatefulSet's script, is ready and live per its own probes, and every consumer logs in to its own database", async () => {
        const l = await loadAllOn("dev");
        await timed("postgres", `${WHAT}: first start, probes, consumers' logins`, async () => {
            const pg = await startPostgres(l, IP);
            servers.push(pg);
            assert.ok((await pg.probe("livenessProbe")).ok);
            assert.ok(Object.keys(pg.consumers).length >= 3, `consumers: ${Object.keys(pg.consumers)}`);
            for (const [role, password] of Object.entries(pg.consumers)) {
                const r = pg.psql(role, password, "SELECT current_user || ' ' || current_database() || ' ' || (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())");
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stdout.trim(), `${role} ${role} ${role}`);
            }
        });
    });
});
