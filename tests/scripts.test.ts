import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { INGRESS_NODE_PORTS } from "../components/access/ingressController";
import { DEV_PASSPHRASE, explainPulumiFailure, pulumiEnv, resolveBackend } from "../scripts/lib/pulumi";
import { installHint, missingPrerequisites, parseClusterTool, requiredTools } from "../scripts/lib/prereqs";
import { stackArgumentProblem } from "../scripts/footprintCalc";
import { FakeMachine } from "./fakeMachine";
import { ROOT } from "./harness";

const machine = (installed: string[], dockerRunning = true) => ({ has: (c: string) => installed.includes(c), dockerRunning: () => dockerRunning });
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");

/** One line, and not a Node stack trace. */
function assertOneLine(stderr: string, expect: RegExp): void {
    const lines = stderr.trim().split("\n");
    assert.strictEqual(lines.length, 1, `expected one line, got:\n${stderr}`);
    assert.match(lines[0], expect);
    assert.doesNotMatch(stderr, /^\s+at |Error:|ENOENT|command not found/m);
}

describe("bootstrap scripts", () => {
    it("prerequisites: names exactly what each script is missing, with where to get it", () => {
        assert.deepStrictEqual(missingPrerequisites("up", "k3d", machine(["docker", "k3d", "pulumi", "kubectl"])), []);
        const missing = missingPrerequisites("up", "kind", machine(["docker", "k3d", "kubectl"]));
        assert.deepStrictEqual(missing.map((m) => m.split(" ")[1]), ["kind", "pulumi"]);
        assert.match(missing[0], /^missing: kind — install it: https:\/\/kind\.sigs\.k8s\.io/);
        assert.deepStrictEqual(missingPrerequisites("up", "k3d", machine(["docker", "k3d", "pulumi", "kubectl"], false)), [
            "docker is installed but its daemon does not answer (`docker info`): start Docker and run again",
        ]);
        assert.deepStrictEqual(requiredTools("up", "kind"), ["docker", "kind", "pulumi", "kubectl"]);
        // pause and resume only update the stack; reset also deletes claims; down also deletes the cluster.
        assert.deepStrictEqual(requiredTools("pause", "k3d"), ["pulumi"]);
        assert.deepStrictEqual(requiredTools("resume", "k3d"), ["pulumi"]);
        assert.deepStrictEqual(requiredTools("reset", "k3d"), ["pulumi", "kubectl"]);
        assert.deepStrictEqual(requiredTools("down", "kind"), ["docker", "kind", "pulumi"]);
        assert.deepStrictEqual(missingPrerequisites("pause", "k3d", machine([], false)), [installHint("pulumi")], "no docker check where docker isn't used");
    });

    it("a missing cluster tool names the other one", () => {
        assert.match(installHint("k3d"), /^missing: k3d — install it: https:\/\/k3d\.io\/#installation — or use Kind instead: LAKEHOUSE_CLUSTER=kind npm run up$/);
        assert.match(installHint("kind"), /or use k3d, the default: unset LAKEHOUSE_CLUSTER$/);
    });

    it("LAKEHOUSE_CLUSTER: k3d by default, kind on request, anything else a clear error", () => {
        assert.strictEqual(parseClusterTool(undefined), "k3d");
        assert.strictEqual(parseClusterTool(""), "k3d");
        assert.strictEqual(parseClusterTool("kind"), "kind");
        assert.strictEqual(parseClusterTool("minikube"), "LAKEHOUSE_CLUSTER=minikube is not supported; use kind or k3d (default k3d)");
    });

    it("the CLI the scripts call prints the MetalLB pool for a docker network (IPv6 subnets skipped)", () => {
        const out = execFileSync(TS_NODE, ["--transpile-only", "scripts/lib/cli.ts", "metallb-range", "fc00:f853:ccd:e793::/64 172.18.0.0/16 "], { cwd: ROOT });
        assert.strictEqual(out.toString().trim(), "172.18.255.200-172.18.255.250");
        const bad = spawnSync(TS_NODE, ["--transpile-only", "scripts/lib/cli.ts", "metallb-range", "172.18.0.0/30"], { cwd: ROOT });
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

    it("clusters/kind.yaml: one control plane, two workers, a fixed API port, 127.0.0.1:80/443 to the Ingress controller's NodePorts", () => {
        const kind = yaml.load(fs.readFileSync(path.join(ROOT, "clusters/kind.yaml"), "utf8")) as any;
        assert.strictEqual(kind.name, "lakehouse");
        assert.deepStrictEqual(kind.nodes.map((n: any) => n.role), ["control-plane", "worker", "worker"]);
        assert.ok(Number.isInteger(kind.networking.apiServerPort) && kind.networking.apiServerPort > 1024);
        assert.deepStrictEqual(kind.nodes[0].extraPortMappings, [
            { containerPort: INGRESS_NODE_PORTS.http, hostPort: 80, listenAddress: "127.0.0.1", protocol: "TCP" },
            { containerPort: INGRESS_NODE_PORTS.https, hostPort: 443, listenAddress: "127.0.0.1", protocol: "TCP" },
        ]);
    });

    it("clusters/k3d.yaml: one server, two agents, servicelb and k3s's Traefik off, a fixed API port, 127.0.0.1:80/443 to the Ingress NodePorts", () => {
        const k3d = yaml.load(fs.readFileSync(path.join(ROOT, "clusters/k3d.yaml"), "utf8")) as any;
        assert.strictEqual(k3d.metadata.name, "lakehouse");
        assert.strictEqual(k3d.servers, 1);
        assert.strictEqual(k3d.agents, 2);
        assert.ok(/^\d+$/.test(k3d.kubeAPI.hostPort));
        for (const off of ["--disable=servicelb", "--disable=traefik"]) {
            assert.ok(k3d.options.k3s.extraArgs.some((a: any) => a.arg === off && a.nodeFilters.includes("server:*")), off);
        }
        // k3d's load balancer proxies its ports to the same port on the server node, where every NodePort is served.
        assert.deepStrictEqual(k3d.ports, [
            { port: `127.0.0.1:80:${INGRESS_NODE_PORTS.http}`, nodeFilters: ["loadbalancer"] },
            { port: `127.0.0.1:443:${INGRESS_NODE_PORTS.https}`, nodeFilters: ["loadbalancer"] },
        ]);
    });
});

describe("the README's pulumi commands reach the stack npm run up made", () => {
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as any;

    it("Pulumi.yaml keeps the state in .pulumi/ at the repository root, which git ignores", () => {
        assert.strictEqual(project.backend.url, "file://.pulumi");
        // Resolved as the CLI does (against the working directory), from the repository root, with nothing exported.
        assert.strictEqual(resolveBackend(project.backend.url, ROOT, {}), `file://${ROOT}/.pulumi`);
        assert.ok(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").includes(".pulumi/"));
        // PULUMI_BACKEND_URL still wins (the e2e test and users with their own backend).
        assert.strictEqual(resolveBackend(project.backend.url, ROOT, { PULUMI_BACKEND_URL: "s3://b" }), "s3://b");
    });

    it("the scripts export no backend of their own, and default only the passphrase the user didn't give", () => {
        const show = (env: Record<string, string>) =>
            execFileSync("bash", ["-c", `source ${ROOT}/scripts/lib/common.sh; echo "$PWD|\${PULUMI_BACKEND_URL-unset}|\${PULUMI_CONFIG_PASSPHRASE-unset}"`], {
                cwd: os.tmpdir(),
                env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
                encoding: "utf8",
            }).trim();
        assert.strictEqual(show({}), `${ROOT}|unset|${DEV_PASSPHRASE}`);
        assert.strictEqual(show({ PULUMI_CONFIG_PASSPHRASE: "mine" }), `${ROOT}|unset|mine`);
        assert.strictEqual(show({ PULUMI_CONFIG_PASSPHRASE_FILE: "/tmp/p" }), `${ROOT}|unset|unset`, "a passphrase file must not be hidden");
        assert.ok(fs.statSync(path.join(ROOT, ".pulumi")).isDirectory(), "the file backend's directory exists");
        // The endpoints script's env follows the same rule.
        assert.strictEqual(pulumiEnv({}).PULUMI_CONFIG_PASSPHRASE, DEV_PASSPHRASE);
        assert.strictEqual(pulumiEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "/tmp/p" }).PULUMI_CONFIG_PASSPHRASE, undefined);
        assert.strictEqual(pulumiEnv({ PULUMI_CONFIG_PASSPHRASE: "" }).PULUMI_CONFIG_PASSPHRASE, "");
    });

    it("npm run pause runs pulumi at the repository root, so it uses the project's backend like the user's shell", () => {
        const m = new FakeMachine({ pulumi: {} });
        try {
            const r = spawnSync("bash", [path.join(ROOT, "scripts/lifecycle.sh"), "pause"], { cwd: os.tmpdir(), env: m.env(), encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            const calls = m.calls("pulumi");
            assert.deepStrictEqual(calls.map((c) => c.args.join(" ")), ["config set --stack dev paused true", "up --yes --stack dev"]);
            for (const c of calls) {
                assert.strictEqual(c.cwd, ROOT);
                assert.strictEqual(c.env.PULUMI_BACKEND_URL, undefined);
                assert.strictEqual(c.env.PULUMI_CONFIG_PASSPHRASE, DEV_PASSPHRASE);
                assert.strictEqual(resolveBackend(project.backend.url, c.cwd, c.env), resolveBackend(project.backend.url, ROOT, {}));
            }
        } finally {
            m.remove();
        }
    });
});

/** Runs a file of the repository with a sandboxed PATH; bash scripts through bash, TypeScript through ts-node. */
function script(file: string, args: string[] = [], m?: FakeMachine, env: Record<string, string> = {}) {
    const cmd = file.endsWith(".ts") ? [TS_NODE, "--transpile-only", file] : ["bash", file];
    return spawnSync(cmd[0], [...cmd.slice(1), ...args], { cwd: ROOT, env: m ? m.env(env) : { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
}

describe("every script says in one line what it can't do", () => {
    for (const command of ["pause", "resume", "reset"]) {
        it(`npm run ${command} without the Pulumi CLI names it before running anything`, () => {
            const m = new FakeMachine({ kubectl: {} });
            try {
                const r = script("scripts/lifecycle.sh", [command], m);
                assert.strictEqual(r.status, 1);
                assertOneLine(r.stderr, /^missing: pulumi — install it: https:\/\/www\.pulumi\.com\/docs\/install\//);
                assert.deepStrictEqual(m.calls(), []);
            } finally {
                m.remove();
            }
        });
    }

    it("npm run down without k3d names it and Kind as the other way", () => {
        const m = new FakeMachine({ pulumi: {}, docker: {} });
        try {
            const r = script("scripts/down.sh", [], m);
            assert.strictEqual(r.status, 1);
            assertOneLine(r.stderr, /^missing: k3d — install it: .* — or use Kind instead: LAKEHOUSE_CLUSTER=kind npm run up$/);
            assert.deepStrictEqual(m.calls("pulumi"), [], "nothing destroyed before the check");
        } finally {
            m.remove();
        }
    });

    it("npm run up on an old Node.js says which version it needs", () => {
        const m = new FakeMachine({ node: { stdout: "v18.19.0\n" }, npm: {} });
        try {
            const r = script("scripts/up.sh", [], m);
            assert.strictEqual(r.status, 1);
            assertOneLine(r.stderr, /^Node\.js 18\.19\.0 is too old: lakehouse needs Node\.js 20 or newer \(package\.json "engines"\); install it: https:\/\/nodejs\.org\/$/);
        } finally {
            m.remove();
        }
        const ok = spawnSync("bash", ["-c", "source scripts/lib/common.sh && need_node"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(ok.status, 0, `this machine's Node ${process.version} passes: ${ok.stderr}`);
    });

    it("npm run endpoints without the Pulumi CLI names it, without a stack trace", () => {
        const m = new FakeMachine();
        try {
            const r = script("scripts/endpoints.ts", [], m);
            assert.strictEqual(r.status, 1);
            assertOneLine(r.stderr, /^missing: pulumi — install it: https:\/\/www\.pulumi\.com\/docs\/install\//);
        } finally {
            m.remove();
        }
    });

    it("npm run endpoints without a selected stack says to run npm run up", () => {
        const m = new FakeMachine({ pulumi: { status: 255, stderr: "error: no stack selected; please use `pulumi stack select` to choose one\n" } });
        try {
            const r = script("scripts/endpoints.ts", [], m);
            assert.strictEqual(r.status, 1);
            assertOneLine(r.stderr, /^no stack selected: run `npm run up` first \(it creates and selects the dev stack\), or `pulumi stack select dev`$/);
            const [call] = m.calls("pulumi");
            assert.deepStrictEqual(call.args, ["stack", "output", "--json"]);
            assert.strictEqual(call.cwd, ROOT, "run where Pulumi.yaml's relative backend resolves to .pulumi/");
        } finally {
            m.remove();
        }
    });

    it("pulumi's other failures are one line too", () => {
        // The messages as the Pulumi CLI 3.248.0 prints them.
        const locked = 'error: constructing secrets manager of type "passphrase": constructing secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n';
        assert.match(explainPulumiFailure({ notFound: false, stderr: locked }, "/r/.pulumi"), /^the stack's secrets are locked: export PULUMI_CONFIG_PASSPHRASE=lakehouse-dev/);
        const elsewhere = "error: unable to open bucket file:///r/x/.pulumi?no_tmp_dir=true: stat /r/x/.pulumi: no such file or directory\n";
        assert.match(explainPulumiFailure({ notFound: false, stderr: elsewhere }, "/r/x/.pulumi"), /^no Pulumi state at \/r\/x\/\.pulumi: run `npm run up` first, and run pulumi from the repository root$/);
        assert.strictEqual(explainPulumiFailure({ notFound: false, stderr: "warning: a\nerror: something else\n\n" }, undefined), "pulumi stack output failed: error: something else");
    });

    it("npm run footprint with an unknown stack names the stacks there are", () => {
        assert.strictEqual(stackArgumentProblem("dev:all", ["dev", "prod"]), undefined);
        const r = script("scripts/footprint.ts", ["staging"]);
        assert.strictEqual(r.status, 1);
        assertOneLine(r.stderr, /^unknown stack "staging": there is no Pulumi\.staging\.yaml; stacks: dev, prod \(add :all to switch every service on, e\.g\. dev:all\)$/);
    });

    it("npm run test:e2e without the Pulumi plugins says so before building anything", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-e2e-cache-"));
        try {
            const t0 = Date.now();
            // timeout(1) ends the whole process group, so a build the script started would stop too.
            const r = spawnSync("timeout", ["30", "bash", "e2e/run.sh"], { cwd: ROOT, env: { ...process.env, LAKEHOUSE_E2E_CACHE: cache, LAKEHOUSE_E2E_PLUGIN_DIR: "" }, encoding: "utf8" });
            assert.strictEqual(r.status, 2, r.stderr);
            assert.match(r.stderr, /cannot deploy, so nothing was built: no pulumi-language-nodejs pulumi-resource-kubernetes \S+ pulumi-resource-random \S+/);
            assert.doesNotMatch(r.stderr, /\[toolchain\]/, "the toolchain build never started");
            assert.deepStrictEqual(fs.readdirSync(cache), []);
            assert.ok(Date.now() - t0 < 30_000);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});
