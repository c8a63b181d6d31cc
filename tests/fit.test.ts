import * as assert from "assert";
import { footprint } from "../scripts/footprintCalc";
import { CLUSTER_OVERHEAD, fitCheck, parseDockerInfo } from "../scripts/lib/fit";
import { k8sObjects, loadStack } from "./harness";

// Recorded `docker info --format '{{json .}}'` output of Docker Desktop on a 16 GB laptop with its default
// 8 GB VM (abridged to the fields read and a few around them).
const DESKTOP_8GB = JSON.stringify({ ID: "d1f3", Containers: 0, Driver: "overlayfs", KernelVersion: "6.10.14-linuxkit", OperatingSystem: "Docker Desktop", OSType: "linux", Architecture: "aarch64", NCPU: 4, MemTotal: 8217473024, ServerVersion: "28.4.0" });
const GiB = 2 ** 30;

describe("npm run up: the fit check", () => {
    it("reads MemTotal and NCPU from docker info, and says what is wrong otherwise", () => {
        assert.deepStrictEqual(parseDockerInfo(DESKTOP_8GB), { memory: 8217473024, cpus: 4 });
        assert.match(parseDockerInfo("Cannot connect to the Docker daemon") as string, /did not print JSON/);
        assert.match(parseDockerInfo("{}") as string, /no MemTotal\/NCPU/);
    });

    it("dev without the install's examples fits; a smaller Docker is told which services to switch off and how", async () => {
        const f = footprint(k8sObjects(await loadStack("dev")).map((r) => r.inputs));
        const running = f.running.reduce((n, r) => n + r.requestsMemory, 0);
        const jobs = f.jobs.reduce((n, r) => n + r.requestsMemory, 0);
        const big = fitCheck("dev", f, { memory: running + jobs + CLUSTER_OVERHEAD.memory, cpus: 16 });
        assert.strictEqual(big.fits, true, big.lines.join("\n"));
        const small = fitCheck("dev", f, { memory: running + jobs + CLUSTER_OVERHEAD.memory - 1, cpus: 16 });
        assert.strictEqual(small.fits, false);
        assert.match(small.lines[0], /^does not fit: stack dev asks .* Docker offers/);
        // The largest switch first: the example applications (3.5Gi each team pair) are one flag.
        assert.strictEqual(small.lines[2], "  pulumi config set --stack dev --path services.sparkOperator.examples false   # pyspark-pi, spark-pi: 7Gi");
        assert.strictEqual(small.lines.length, 4, "one switch is enough for a byte");
        // On Docker Desktop's default 8 GB, switching off the examples is named, then services until it fits.
        const desktop = fitCheck("dev", f, parseDockerInfo(DESKTOP_8GB) as any);
        const switched = desktop.lines.filter((l) => l.startsWith("  pulumi config set"));
        assert.ok(switched.length >= 1 && !switched.some((l) => /objectStore|kubeStateMetrics/.test(l)), desktop.lines.join("\n"));
        assert.ok(small.lines.at(-1)!.includes("Docker Desktop: Settings > Resources"));
        assert.ok(fitCheck("dev", f, { memory: 64 * GiB, cpus: 1 }).lines[0].startsWith("does not fit"), "CPUs count too");
    });
});
