// The stacks with every service switched on, for the tests and `npm run footprint -- dev:all`.

import { Loaded, loadProgram, withOverrides } from "./harness";

/** Every platform service on; each stack keeps its own sizes and Airflow executor. */
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

/** A committed stack with every service on, loaded once per run. */
export function loadAllOn(stack: string): Promise<Loaded> {
    if (!cache.has(stack)) cache.set(stack, loadProgram(stack, withOverrides(stack, ALL_ON)));
    return cache.get(stack)!;
}
