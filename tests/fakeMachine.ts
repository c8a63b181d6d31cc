// A machine for the scripts' tests: a PATH holding only the basic tools the scripts use plus fakes of
// the ones a test wants present (pulumi, docker, k3d, ...), each fake logging how it was called. So a
// test decides exactly what is installed, whatever this machine has.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What the scripts themselves run besides the tools under test. */
const BASICS = ["bash", "sh", "env", "node", "npm", "sed", "mkdir", "dirname", "cat", "grep", "tr", "head", "tail", "rm", "ls", "basename", "readlink", "uname", "date", "sleep", "mktemp", "sort", "cut"];

export interface FakeCall {
    tool: string;
    args: string[];
    cwd: string;
    env: Record<string, string | undefined>;
}

export interface FakeTool {
    /** Exit status; a function of the arguments when it depends on them. */
    status?: number | ((args: string[]) => number);
    stdout?: string;
    stderr?: string;
}

export class FakeMachine {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-fake-"));
    private readonly bin = path.join(this.dir, "bin");
    private readonly log = path.join(this.dir, "calls.jsonl");

    constructor(tools: Record<string, FakeTool> = {}) {
        fs.mkdirSync(this.bin);
        for (const b of BASICS) {
            const real = spawnSync("sh", ["-c", `command -v ${b}`], { encoding: "utf8" }).stdout.trim();
            if (real.startsWith("/")) fs.symlinkSync(real, path.join(this.bin, b));
        }
        for (const [name, t] of Object.entries(tools)) this.fake(name, t);
    }

    /** Installs (or replaces) a fake tool that logs its calls and answers as told. */
    fake(name: string, t: FakeTool): void {
        const file = path.join(this.bin, name);
        const spec = JSON.stringify({ name, log: this.log, ...t, status: undefined });
        const status = typeof t.status === "function" ? t.status.toString() : `() => ${t.status ?? 0}`;
        const script = [
            `#!${process.execPath}`,
            `const t = ${spec};`,
            `const args = process.argv.slice(2);`,
            `const env = Object.fromEntries(["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"].map((k) => [k, process.env[k]]));`,
            `require("fs").appendFileSync(t.log, JSON.stringify({ tool: t.name, args, cwd: process.cwd(), env }) + "\\n");`,
            `if (t.stdout) process.stdout.write(t.stdout);`,
            `if (t.stderr) process.stderr.write(t.stderr);`,
            `process.exitCode = (${status})(args);`,
        ].join("\n");
        if (fs.existsSync(file)) fs.rmSync(file);
        fs.writeFileSync(file, script, { mode: 0o755 });
    }

    /** Env for a script run on this machine: only its PATH, HOME in the sandbox, and what the test adds. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        return { PATH: this.bin, HOME: this.dir, ...extra };
    }

    calls(tool?: string): FakeCall[] {
        if (!fs.existsSync(this.log)) return [];
        const all = fs.readFileSync(this.log, "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as FakeCall);
        return tool ? all.filter((c) => c.tool === tool) : all;
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
