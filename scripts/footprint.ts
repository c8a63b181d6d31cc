// `npm run footprint`: what each stack asks of the cluster, per service, computed by running the real
// program under the same mocks as the tests (no cluster needed).

import * as fs from "fs";
import * as path from "path";
import { footprint, renderFootprint, stackArgumentProblem } from "./footprintCalc";

async function main(): Promise<void> {
    const root = path.resolve(__dirname, "..");
    const known = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
    const problems = process.argv.slice(2).map((a) => stackArgumentProblem(a, known)).filter((m) => m !== undefined);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    // Loaded only now: they bring up the whole program under mocks.
    const { loadAllOn } = await import("../tests/allServices");
    const { STACKS, k8sObjects, loadStack } = await import("../tests/harness");
    const stacks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : STACKS;
    for (const stack of stacks) {
        // `<stack>:all` switches every service on (the platform services are off in dev by default).
        const loaded = stack.endsWith(":all") ? await loadAllOn(stack.slice(0, -":all".length)) : await loadStack(stack);
        console.log(renderFootprint(stack, footprint(k8sObjects(loaded).map((r) => r.inputs))));
    }
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
