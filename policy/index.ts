// The lakehouse policy pack: `pulumi preview --policy-pack policy`. The enforcement level comes from
// LAKEHOUSE_POLICY_LEVEL (mandatory, the default; advisory; disabled) or, per policy, from
// `--policy-pack-config`.

import { EnforcementLevel, PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled"];
const level = (process.env.LAKEHOUSE_POLICY_LEVEL ?? "mandatory") as EnforcementLevel;
if (!LEVELS.includes(level)) {
    throw new Error(`LAKEHOUSE_POLICY_LEVEL: "${level}" is not valid; allowed: ${LEVELS.join(" | ")}`);
}

new PolicyPack("lakehouse", { enforcementLevel: level, policies: rules });
