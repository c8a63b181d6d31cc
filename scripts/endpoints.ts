// `npm run endpoints`: the stack's endpoints as a table. Reads `pulumi stack output --json` (or a file /
// stdin given as the first argument, for use without the CLI).

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { table } from "./footprintCalc";

export function renderEndpoints(outputs: { endpoints?: Record<string, Record<string, any>>; kubeContext?: string }): string {
    const rows: string[][] = [];
    for (const [service, eps] of Object.entries(outputs.endpoints ?? {})) {
        for (const [name, e] of Object.entries(eps)) {
            rows.push([`${service}.${name}`, e.url, e.external ?? "-", e.portForward]);
        }
    }
    if (rows.length === 0) return "no endpoints: is the stack deployed? (`pulumi stack output`)";
    return `${table(["ENDPOINT", "IN-CLUSTER URL", "EXTERNAL", "PORT-FORWARD"], rows)}\n\nCredentials: pulumi stack output credentials --show-secrets`;
}

/** The same local backend and dev passphrase `npm run up` uses, unless the user chose others. */
function pulumiEnv(): NodeJS.ProcessEnv {
    const root = path.resolve(__dirname, "..");
    const local = path.join(root, ".pulumi");
    return {
        ...process.env,
        ...(process.env.PULUMI_BACKEND_URL || !fs.existsSync(local) ? {} : { PULUMI_BACKEND_URL: `file://${local}` }),
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "lakehouse-dev",
    };
}

if (require.main === module) {
    const source = process.argv[2];
    const text = source
        ? fs.readFileSync(source === "-" ? 0 : source, "utf8")
        : execFileSync("pulumi", ["stack", "output", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: pulumiEnv() });
    console.log(renderEndpoints(JSON.parse(text)));
}
