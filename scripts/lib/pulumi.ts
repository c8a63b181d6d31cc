// How the scripts, and the `pulumi` commands a user types, find the stack's state and unlock its secrets.
// The state's place is in Pulumi.yaml (`backend.url: file://.pulumi`), so nothing has to be exported in
// the user's shell for `pulumi stack output` to find what `npm run up` made. Pure functions, tested.

import * as path from "path";

/** The passphrase of the dev stack's secrets when the user gives none (README, "Where everything is"). */
export const DEV_PASSPHRASE = "lakehouse-dev";

/**
 * The backend a `pulumi` command uses, as the Pulumi CLI picks it (pkg/workspace/creds.go,
 * GetCurrentCloudURL): PULUMI_BACKEND_URL, else the project's `backend.url`, else the `pulumi login` one
 * (undefined here). A relative `file://` path is made absolute against the working directory, not the
 * project's (pkg/backend/diy/backend.go, massageBlobPath: filepath.Abs), so commands run from the
 * repository root find `.pulumi/` there.
 */
export function resolveBackend(projectBackendUrl: string | undefined, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
    const url = env.PULUMI_BACKEND_URL || projectBackendUrl;
    if (!url || !url.startsWith("file://")) return url;
    const local = url.slice("file://".length).split("?")[0];
    if (local.startsWith("~")) return url;
    return `file://${path.resolve(cwd, local)}`;
}

/**
 * The env the scripts run `pulumi` with: the dev passphrase unless the user gave one, either way.
 * PULUMI_CONFIG_PASSPHRASE wins over PULUMI_CONFIG_PASSPHRASE_FILE in the CLI
 * (pkg/secrets/passphrase/manager.go, readPassphrase), so setting a default next to a file would hide it.
 */
export function pulumiEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE) return { ...env };
    return { ...env, PULUMI_CONFIG_PASSPHRASE: DEV_PASSPHRASE };
}

/** What went wrong running `pulumi`, in one line a user can act on. */
export function explainPulumiFailure(failure: { notFound: boolean; stderr: string }, stateDir: string | undefined): string {
    if (failure.notFound) return "missing: pulumi — install it: https://www.pulumi.com/docs/install/ (no account needed: state stays in .pulumi/)";
    const err = failure.stderr;
    if (/no stack selected|no stack named/i.test(err)) {
        return "no stack selected: run `npm run up` first (it creates and selects the dev stack), or `pulumi stack select dev`";
    }
    if (/unable to open bucket|no such file or directory/i.test(err) && stateDir) {
        return `no Pulumi state at ${stateDir}: run \`npm run up\` first, and run pulumi from the repository root`;
    }
    if (/passphrase/i.test(err)) {
        return `the stack's secrets are locked: export PULUMI_CONFIG_PASSPHRASE=${DEV_PASSPHRASE} (the dev stack's), or the passphrase you chose`;
    }
    const last = err.split("\n").map((l) => l.trim()).filter((l) => l !== "").pop();
    return `pulumi stack output failed: ${last ?? "no message"}`;
}
