// What `npm run up` needs on the machine, and how to say exactly what is missing. Pure: the caller
// passes how to probe (so tests can fake a machine).

export type ClusterTool = "kind" | "k3d";

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

export function parseClusterTool(value: string | undefined): ClusterTool | string {
    const v = value === undefined || value === "" ? "k3d" : value;
    return v === "kind" || v === "k3d" ? v : `LAKEHOUSE_CLUSTER=${v} is not supported; use kind or k3d (default k3d)`;
}

/** The tools `up` uses for this cluster tool, in the order they are needed. */
export function requiredTools(tool: ClusterTool): string[] {
    return ["docker", tool, "pulumi", "kubectl"];
}

/** One line per problem, naming the tool and where to get it; empty when everything is there. */
export function missingPrerequisites(tool: ClusterTool, probe: Probe): string[] {
    const missing = requiredTools(tool)
        .filter((t) => !probe.has(t))
        .map((t) => `missing: ${t} — install it: ${INSTALL[t]}`);
    if (probe.has("docker") && !probe.dockerRunning()) {
        missing.push("docker is installed but its daemon does not answer (`docker info`): start Docker and run again");
    }
    return missing;
}
