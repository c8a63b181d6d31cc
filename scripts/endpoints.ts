// `npm run endpoints`: the stack's endpoints as a table. Reads `pulumi stack output --json` (or a file /
// stdin given as the first argument, for use without the CLI). Failures are one line, never a stack trace.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { table } from "./footprintCalc";
import { explainPulumiFailure, pulumiEnv, resolveBackend } from "./lib/pulumi";

export function renderEndpoints(outputs: { endpoints?: Record<string, Record<string, any>>; kubeContext?: string }): string {
    const rows: string[][] = [];
    for (const [service, eps] of Object.entries(outputs.endpoints ?? {})) {
        for (const [name, e] of Object.entries(eps)) {
            rows.push([`${service}.${name}`, e.url, e.external ?? "-", e.ingressUrl ?? "-", e.portForward]);
        }
    }
    if (rows.length === 0) return "no endpoints: is the stack deployed? (`pulumi stack output`)";
    return [
        table(["ENDPOINT", "IN-CLUSTER URL", "EXTERNAL", "INGRESS", "PORT-FORWARD"], rows),
        "",
        // Which way in works where (README, "Reaching the platform").
        "INGRESS URLs and PORT-FORWARD commands work on Linux, macOS and Windows; EXTERNAL (MetalLB) addresses only from a Linux host.",
        "Credentials: pulumi stack output credentials --show-secrets",
    ].join("\n");
}

/** The project's `backend.url` (Pulumi.yaml), where `npm run up` keeps the state. */
function projectBackendUrl(root: string): string | undefined {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } };
    return project.backend?.url;
}

/** The stack outputs as JSON, from a file or stdin, or from `pulumi stack output` run at the repository root. */
function readOutputs(source: string | undefined): { ok: true; text: string } | { ok: false; message: string } {
    if (source) {
        try {
            return { ok: true, text: fs.readFileSync(source === "-" ? 0 : source, "utf8") };
        } catch (e) {
            return { ok: false, message: `cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
        }
    }
    const root = path.resolve(__dirname, "..");
    const run = spawnSync("pulumi", ["stack", "output", "--json"], { cwd: root, encoding: "utf8", env: pulumiEnv(process.env) });
    if (run.error || run.status !== 0) {
        const backend = resolveBackend(projectBackendUrl(root), root, process.env);
        const stateDir = backend?.startsWith("file://") ? backend.slice("file://".length) : undefined;
        const notFound = (run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
        return { ok: false, message: explainPulumiFailure({ notFound, stderr: run.stderr ?? "" }, stateDir) };
    }
    return { ok: true, text: run.stdout };
}

if (require.main === module) {
    const read = readOutputs(process.argv[2]);
    let outputs: unknown;
    try {
        outputs = read.ok ? JSON.parse(read.text) : undefined;
    } catch {
        console.error("the stack outputs are not JSON (expected what `pulumi stack output --json` prints)");
        process.exit(1);
    }
    if (!read.ok) {
        console.error(read.message);
        process.exit(1);
    }
    console.log(renderEndpoints(outputs as Parameters<typeof renderEndpoints>[0]));
}
