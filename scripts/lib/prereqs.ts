// What each npm script needs on the machine, and how to say exactly what is missing. Pure: the caller
// passes how to probe (so tests can fake a machine).

export type ClusterTool = "kind" | "k3d";

/** The scripts that act on the cluster or the stack: `npm run up`, `down`, `pause`, `resume`, `reset`. */
export type ScriptCommand = "up" | "down" | "pause" | "resume" | "reset";

export const SCRIPT_COMMANDS: ScriptCommand[] = ["up", "down", "pause", "resume", "reset"];

export interface Probe {
    /** Whether a command is on PATH. */
    has(command: string): boolean;
    /** Whether the docker daemon answers (`docker info`). */
    dockerRunning(): boolean;
}

const INSTALL: Record<string, string> = {
    docker: "https://docs.docker.com/engine/install/ (or Docker Desktop / Podman with the docker CLI)",
    kind: "https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. `go install sigs.k8s.io/kind@latest`)",
    k3d: "https://k3d.io/#installation",
    pulumi: "https://www.pulumi.com/docs/install/ (no account needed: state stays in .pulumi/)",
    kubectl: "https://kubernetes.io/docs/tasks/tools/#kubectl",
};

/** The other cluster tool, for a user who has it rather than the one asked for. */
const OTHER_TOOL: Record<ClusterTool, string> = {
    k3d: "or use Kind instead: LAKEHOUSE_CLUSTER=kind npm run up",
    kind: "or use k3d, the default: unset LAKEHOUSE_CLUSTER",
};

/** Where to get a tool, in one line. */
export function installHint(tool: string): string {
    const other = tool === "kind" || tool === "k3d" ? ` — ${OTHER_TOOL[tool]}` : "";
    return `missing: ${tool} — install it: ${INSTALL[tool]}${other}`;
}

export function parseClusterTool(value: string | undefined): ClusterTool | string {
    const v = value === undefined || value === "" ? "k3d" : value;
    return v === "kind" || v === "k3d" ? v : `LAKEHOUSE_CLUSTER=${v} is not supported; use kind or k3d (default k3d)`;
}

/**
 * The tools a script uses, in the order it needs them: up creates the cluster (docker, kind/k3d) and
 * deploys (pulumi) and lists endpoints (kubectl for port-forwards); down destroys and deletes the cluster;
 * pause and resume only update the stack; reset also deletes volume claims with kubectl.
 */
export function requiredTools(command: ScriptCommand, tool: ClusterTool): string[] {
    switch (command) {
        case "up":
            return ["docker", tool, "pulumi", "kubectl"];
        case "down":
            return ["docker", tool, "pulumi"];
        case "reset":
            return ["pulumi", "kubectl"];
        default:
            return ["pulumi"];
    }
}

/** One line per problem, naming the tool and where to get it; empty when everything is there. */
export function missingPrerequisites(command: ScriptCommand, tool: ClusterTool, probe: Probe): string[] {
    const tools = requiredTools(command, tool);
    const missing = tools.filter((t) => !probe.has(t)).map(installHint);
    if (tools.includes("docker") && probe.has("docker") && !probe.dockerRunning()) {
        missing.push("docker is installed but its daemon does not answer (`docker info`): start Docker and run again");
    }
    return missing;
}
