// The platform's Redis from Debian's packages, started from the program's StatefulSet (lib/redis.ts).

import { strict as assert } from "assert";
import { loadAllOn } from "./lib/program";
import { timed } from "./lib/report";
import { REDIS_PACKAGES, RedisServer, startRedis } from "./lib/redis";

const IP = "127.28.0.30";
const WHAT = `redis-server 7.0 (Debian 12: ${REDIS_PACKAGES.join(", ")}) for the redis:8 image, the container's own command`;

describe("redis", function () {
    const servers: RedisServer[] = [];
    after(async () => {
        for (const s of servers) await s.stop("SIGKILL");
    });

    it("starts from the StatefulSet's command, is ready and live per its own probes, needs its password and keeps data in its append-only file", async () => {
        const l = await loadAllOn("dev");
        await timed("redis", `${WHAT}: start, probes, auth, AOF`, async () => {
            const r = await startRedis(l, IP);
            servers.push(r);
            assert.ok((await r.probe("livenessProbe")).ok);
            assert.equal(r.cli(r.password, "SET", "k", "v").stdout.trim(), "OK");
            assert.match(r.cli("", "GET", "k").stdout, /NOAUTH/);
            assert.equal(r.cli(r.password, "CONFIG", "GET", "appendonly").stdout.trim().split("\n")[1], "yes");
        });
    });
});
