// Small commands the shell scripts call (through ts-node), so their logic lives in tested TypeScript:
//   prereqs <up|down|pause|resume|reset>   exit 1 and name what that script needs and is missing
//   cluster-tool                           print kind|k3d from LAKEHOUSE_CLUSTER, or exit 2 naming the bad value
//   metallb-range <subnet>…                print the pool for the first IPv4 subnet that has room for one

import { spawnSync } from "child_process";
import { poolForSubnet } from "../../components/lib/ipRange";
import { ClusterTool, SCRIPT_COMMANDS, ScriptCommand, missingPrerequisites, parseClusterTool } from "./prereqs";

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

const machine = {
    has: (command: string) => ok("sh", ["-c", `command -v "$0" >/dev/null 2>&1`, command]),
    dockerRunning: () => ok("docker", ["info"]),
};

function main(argv: string[]): number {
    const [command, ...rest] = argv;
    if (command === "cluster-tool" || command === "prereqs") {
        const script = rest[0] as ScriptCommand;
        if (command === "prereqs" && !SCRIPT_COMMANDS.includes(script)) {
            console.error(`usage: cli.ts prereqs ${SCRIPT_COMMANDS.join("|")}`);
            return 2;
        }
        const tool = parseClusterTool(process.env.LAKEHOUSE_CLUSTER);
        if (tool !== "kind" && tool !== "k3d") {
            console.error(tool);
            return 2;
        }
        if (command === "cluster-tool") {
            console.log(tool);
            return 0;
        }
        const missing = missingPrerequisites(script, tool as ClusterTool, machine);
        for (const m of missing) console.error(m);
        return missing.length > 0 ? 1 : 0;
    }
    if (command === "metallb-range") {
        const range = rest.flatMap((s) => s.split(/\s+/)).filter((s) => s).map(poolForSubnet).find((r) => r !== undefined);
        if (!range) {
            console.error(`no IPv4 subnet with room for a LoadBalancer pool in: ${rest.join(" ") || "(none given)"}`);
            return 1;
        }
        console.log(range);
        return 0;
    }
    console.error(`usage: cli.ts prereqs ${SCRIPT_COMMANDS.join("|")} | cluster-tool | metallb-range <subnet>...`);
    return 2;
}

process.exitCode = main(process.argv.slice(2));
