// Mocha root hooks for the conformance suite: every process still running stopped at the end (test files stop
// their own in their after hooks),
// scratch folders removed, and the table of what ran printed last.

import * as fs from "fs";
import { sandboxes } from "./downloads";
import { stopAll } from "./processes";
import { ran, table } from "./report";

export const mochaHooks = {
    async afterAll(this: unknown) {
        await stopAll();
    },
};

export function mochaGlobalTeardown() {
    if (!process.env.LAKEHOUSE_KEEP_SANDBOX) for (const d of sandboxes) fs.rmSync(d, { recursive: true, force: true });
    if (ran.length) console.log(`\nWhat ran:\n${table()}\n`);
}
