import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { missingPrerequisites, parseClusterTool, requiredTools } from "../scripts/lib/prereqs";
import { ROOT } from "./harness";

const machine = (installed: string[], dockerRunning = true) => ({ has: (c: string) => installed.includes(c), dockerRunning: () => dockerRunning });

describe("bootstrap scripts", () => {
    it("prerequisites: names exactly what is missing, with where to get it", () => {
        assert.deepStrictEqual(missingPrerequisites("k3d", machine(["docker", "k3d", "pulumi", "kubectl"])), []);
        const missing = missingPrerequisites("kind", machine(["docker", "k3d", "kubectl"]));
        assert.deepStrictEqual(missing.map((m) => m.split(" ")[1]), ["kind", "pulumi"]);
        assert.match(missing[0], /^missing: kind — install it: https:\/\/kind\.sigs\.k8s\.io/);
        assert.deepStrictEqual(missingPrerequisites("k3d", machine(["docker", "k3d", "pulumi", "kubectl"], false)), [
            "docker is installed but its daemon does not answer (`docker info`): start Docker and run again",
        ]);
        assert.deepStrictEqual(requiredTools("kind"), ["docker", "kind", "pulumi", "kubectl"]);
    });

    it("LAKEHOUSE_CLUSTER: k3d by default, kind on request, anything else a clear error", () => {
        assert.strictEqual(parseClusterTool(undefined), "k3d");
        assert.strictEqual(parseClusterTool(""), "k3d");
        assert.strictEqual(parseClusterTool("kind"), "kind");
        assert.strictEqual(parseClusterTool("minikube"), "LAKEHOUSE_CLUSTER=minikube is not supported; use kind or k3d (default k3d)");
    });

    it("the CLI the scripts call prints the MetalLB pool for a docker network (IPv6 subnets skipped)", () => {
        const cli = path.join(ROOT, "node_modules/.bin/ts-node");
        const out = execFileSync(cli, ["--transpile-only", "scripts/lib/cli.ts", "metallb-range", "fc00:f853:ccd:e793::/64 172.18.0.0/16 "], { cwd: ROOT });
        assert.strictEqual(out.toString().trim(), "172.18.255.200-172.18.255.250");
        const bad = spawnSync(cli, ["--transpile-only", "scripts/lib/cli.ts", "metallb-range", "172.18.0.0/30"], { cwd: ROOT });
        assert.strictEqual(bad.status, 1);
        assert.match(bad.stderr.toString(), /no IPv4 subnet with room for a LoadBalancer pool in: 172\.18\.0\.0\/30/);
    });

    it("every script parses, and npm runs up, down, pause, resume and reset", () => {
        const scripts = ["up.sh", "down.sh", "lifecycle.sh", "shellcheck.sh", "lib/common.sh"];
        for (const s of scripts) assert.strictEqual(spawnSync("bash", ["-n", path.join(ROOT, "scripts", s)]).status, 0, s);
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        for (const cmd of ["up", "down", "pause", "resume", "reset"]) assert.ok(pkg.scripts[cmd], cmd);
        assert.strictEqual(pkg.scripts.pause, "bash scripts/lifecycle.sh pause");
    });

    it("clusters/kind.yaml: one control plane, two workers, a fixed API port", () => {
        const kind = yaml.load(fs.readFileSync(path.join(ROOT, "clusters/kind.yaml"), "utf8")) as any;
        assert.strictEqual(kind.name, "lakehouse");
        assert.deepStrictEqual(kind.nodes.map((n: any) => n.role), ["control-plane", "worker", "worker"]);
        assert.ok(Number.isInteger(kind.networking.apiServerPort) && kind.networking.apiServerPort > 1024);
    });

    it("clusters/k3d.yaml: one server, two agents, servicelb off for MetalLB, a fixed API port", () => {
        const k3d = yaml.load(fs.readFileSync(path.join(ROOT, "clusters/k3d.yaml"), "utf8")) as any;
        assert.strictEqual(k3d.metadata.name, "lakehouse");
        assert.strictEqual(k3d.servers, 1);
        assert.strictEqual(k3d.agents, 2);
        assert.ok(/^\d+$/.test(k3d.kubeAPI.hostPort));
        assert.ok(k3d.options.k3s.extraArgs.some((a: any) => a.arg === "--disable=servicelb" && a.nodeFilters.includes("server:*")));
    });
});
