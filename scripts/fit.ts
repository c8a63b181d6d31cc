// `npm run up`'s fit check: exits 1 with what to switch off when the stack doesn't fit Docker's memory
// and CPUs. The footprint is computed from the program under the test mocks, as `npm run footprint` does.

import { spawnSync } from "child_process";
import { k8sObjects, loadStack } from "../tests/harness";
import { footprint } from "./footprintCalc";
import { fitCheck, parseDockerInfo } from "./lib/fit";

async function main(stack: string): Promise<number> {
    const info = spawnSync("docker", ["info", "--format", "{{json .}}"], { encoding: "utf8" });
    const docker = parseDockerInfo(info.stdout ?? "");
    if (typeof docker === "string") {
        console.error(docker);
        return 1;
    }
    const fit = fitCheck(stack, footprint(k8sObjects(await loadStack(stack)).map((r) => r.inputs)), docker);
    for (const line of fit.lines) (fit.fits ? console.log : console.error)(line);
    return fit.fits ? 0 : 1;
}

main(process.argv[2] ?? "dev").then(
    (code) => (process.exitCode = code),
    (e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exitCode = 1;
    },
);
