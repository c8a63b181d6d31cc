import * as assert from "assert";
import { checkDeclaredLinks, checkReferences, checkSafeDefaults, checkServiceAddresses, checkServiceSelectors } from "./checks";
import { Loaded, k8sObjects, loadProgram, withOverrides } from "./harness";

/** Every platform service on (each stack keeps its own sizes and Airflow executor). */
export const ALL_ON = {
    "lakehouse:services": {
        postgres: { enabled: true },
        redis: { enabled: true },
        nessie: { enabled: true },
        trino: { enabled: true },
        flink: { enabled: true },
        clickhouse: { enabled: true },
        airflow: { enabled: true },
        superset: { enabled: true },
    },
};

const cache = new Map<string, Promise<Loaded>>();
/** dev and prod with every service on, loaded once per run. */
export function loadAllOn(stack: string): Promise<Loaded> {
    if (!cache.has(stack)) cache.set(stack, loadProgram(stack, withOverrides(stack, ALL_ON)));
    return cache.get(stack)!;
}

export function objectsOf(l: Loaded): any[] {
    return k8sObjects(l).map((r) => r.inputs);
}

describe("platform services, every one enabled", () => {
    const checks = { checkServiceSelectors, checkReferences, checkServiceAddresses, checkSafeDefaults, checkDeclaredLinks };
    for (const stack of ["dev", "prod"]) {
        for (const [what, check] of Object.entries(checks)) {
            it(`${stack}: ${what} finds nothing`, async () => {
                assert.deepStrictEqual(check(objectsOf(await loadAllOn(stack))), []);
            });
        }
    }
});
