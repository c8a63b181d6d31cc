// `npm run footprint`: what each stack asks of the cluster, per service, computed by running the real
// program under the same mocks as the tests (no cluster needed).

import { loadAllOn } from "../tests/allServices";
import { STACKS, k8sObjects, loadStack } from "../tests/harness";
import { footprint, renderFootprint } from "./footprintCalc";

async function main(): Promise<void> {
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
