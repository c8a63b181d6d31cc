import * as assert from "assert";
import { ConfigError, parseConfig } from "../components/config";

/** The problems a ConfigError lists for this raw config; fails the test when the config is accepted. */
export function problemsOf(raw: Record<string, string>): string[] {
    try {
        parseConfig(raw, "test");
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return (e as ConfigError).problems;
    }
    assert.fail("expected the config to be rejected");
}
