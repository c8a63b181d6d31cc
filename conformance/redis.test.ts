// The platform's Redis from Debian's packages, started from the program's StatefulSet (lib/redis.ts): its
// probes and password, a stop with clients connected, a restart on the same volume, a password rotation.

import { strict as assert } from "assert";
import * as fs from "fs";
import { Loaded, container, loadAllOn, objectOf, secretRefOf, withSecretValue } from "./lib/program";
import { Proc, start } from "./lib/processes";
import { timed } from "./lib/report";
import { REDIS_PACKAGES, RedisServer, startRedis } from "./lib/redis";

const IP = "127.28.0.30";
const WHAT = `redis-server 7.0 (Debian 12: ${REDIS_PACKAGES.join(", ")}) for the redis:8 image, the container's own command`;

describe("redis", function () {
    let l: Loaded;
    let r: RedisServer | undefined;
    const clients: Proc[] = [];
    before(async () => {
        l = await loadAllOn("dev");
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) await c.stop("SIGKILL", 1000);
    });
    after(async () => {
        await r?.stop("SIGKILL");
    });

    async function running(): Promise<RedisServer> {
        assert.ok(r, "the first test started the server");
        if (r.proc.child.exitCode !== null || r.proc.child.signalCode !== null) r = await startRedis(l, IP, { data: r.data, name: "redis-again" });
        return r;
    }

    it("starts from the StatefulSet's command, is ready and live per its own probes, needs its password and keeps an append-only file", async () => {
        await timed("redis", `${WHAT}: start, probes, auth, AOF`, async () => {
            r = await startRedis(l, IP);
            assert.ok((await r.probe("livenessProbe")).ok);
            assert.equal(r.cli(r.password, "SET", "k", "v").stdout.trim(), "OK");
            assert.match(r.cli("", "GET", "k").stdout, /NOAUTH/);
            const wrong = r.cli("wrong", "GET", "k");
            assert.match(wrong.stdout + wrong.stderr, /WRONGPASS/);
            assert.doesNotMatch(wrong.stdout, /^v$/m);
            assert.equal(r.cli(r.password, "CONFIG", "GET", "appendonly").stdout.trim().split("\n")[1], "yes");
        });
    });

    // The image sets no STOPSIGNAL, so the runtime sends SIGTERM to the container's main process, which
    // the command's `exec` makes redis-server itself.
    it("stops on SIGTERM with Celery-style blocking clients connected, within the pod's grace period, and the restart has the data", async () => {
        await timed("redis", `${WHAT}: SIGTERM with 2 blocked clients, restart on the same volume`, async () => {
            const server = await running();
            assert.equal(server.cli(server.password, "RPUSH", "celery", "task-1").code, 0);
            const logDir = fs.mkdtempSync("/tmp/lakehouse-redis-clients-");
            for (const n of [1, 2]) {
                clients.push(start(`redis-client-${n}`, [server.cliPath, "BLPOP", `queue-${n}`, "0"], { env: { ...server.hostEnv, REDISCLI_AUTH: server.password }, logDir }));
            }
            const deadline = Date.now() + 10000;
            while (!/blocked_clients:2/.test(server.cli(server.password, "INFO", "clients").stdout)) {
                assert.ok(Date.now() < deadline, "the two clients never blocked");
                await new Promise((res) => setTimeout(res, 200));
            }
            const stopped = await server.stop("SIGTERM");
            const log = fs.readFileSync(server.proc.log, "utf8");
            assert.equal(stopped.killed, false, `killed after ${server.graceSeconds} s:\n${log.split("\n").slice(-10).join("\n")}`);
            assert.match(log, /Received SIGTERM scheduling shutdown/);
            assert.match(log, /ready to exit, bye bye/);

            r = await startRedis(l, IP, { data: server.data, name: "redis-after-sigterm" });
            assert.equal(r.cli(r.password, "LRANGE", "celery", "0", "-1").stdout.trim(), "task-1");
            assert.equal(r.cli(r.password, "GET", "k").stdout.trim(), "v");
        });
    });

    it("a rotated password (a new value in its Secret) works after the restart, and the old one no longer does", async () => {
        await timed("redis", `${WHAT}: password rotation and restart`, async () => {
            const server = await running();
            const old = server.password;
            const sts = objectOf(l, "StatefulSet", "redis");
            const c = container(sts, "redis");
            // The server and its probe read the same Secret key.
            const ref = secretRefOf(c, "REDIS_PASSWORD");
            assert.deepEqual(secretRefOf(c, "REDISCLI_AUTH"), ref);
            const rotated = withSecretValue(l, sts.metadata.namespace, ref.name, ref.key, "RotatedRedisPassword0123456789ab");
            await server.stop("SIGTERM");
            r = await startRedis(rotated, IP, { data: server.data, name: "redis-rotated" });
            assert.equal(r.password, "RotatedRedisPassword0123456789ab");
            assert.equal(r.cli(r.password, "GET", "k").stdout.trim(), "v");
            const before = r.cli(old, "GET", "k");
            assert.match(before.stdout + before.stderr, /WRONGPASS/);
            assert.doesNotMatch(before.stdout, /^v$/m);
        });
    });
});
