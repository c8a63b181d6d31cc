// Config rules of the pipeline's launcher: which launcher `auto` means, which team runs the jobs under the
// Spark Operator, and whether the team's quota holds them. Run by config.ts before any resource exists, so
// a pipeline that could never be scheduled is a config error, not SparkApplications pending forever.

import { EXAMPLE_APPS } from "../cluster/exampleApps";
import { type PipelineConfig, type ServicesConfig, type TeamConfig, checkQuotaFits } from "../config";
import { Problems } from "../lib/fields";
import { SparkAppSizes, totalDemand } from "../lib/sparkApplication";
import { pipelineJobCount } from "./configRules";
import type { ClusterLayer } from "../cluster/layer";
import type { SparkAccess } from "../compute/spark";
import type { SparkJobLauncher } from "./sparkJob";

export type PipelineLauncher = "operator" | "standalone";

/**
 * Non-heap memory of each pipeline pod under the operator: explicit because Spark's default depends on the
 * language (40% for Python), and the quota check needs the real figure. Matches the standalone driver's room.
 */
export const PIPELINE_POD_OVERHEAD = "384m";

/** Driver and executor of one pipeline job under the operator, sized from the pipeline's config. */
export function operatorJobSizes(p: PipelineConfig): SparkAppSizes {
    const common = { coreRequest: p.resources.requests.cpu, memoryOverhead: PIPELINE_POD_OVERHEAD };
    return {
        driver: { ...common, cores: 1, coreLimit: p.resources.limits.cpu ?? "1", memory: p.driverMemory },
        executor: { ...common, cores: p.coresPerJob, coreLimit: String(p.coresPerJob), memory: p.executorMemory, instances: 1 },
    };
}

/**
 * Replaces `auto` with the launcher used and an empty team with the first team, and reports a launcher or
 * team that cannot work. Sets a new `s.pipeline` (the old one may be the shared defaults object).
 */
export function resolvePipelineLauncher(s: ServicesConfig, teams: TeamConfig[], p: Problems): void {
    const raw = s.pipeline.launcher as string;
    const pipeline: PipelineConfig = {
        ...s.pipeline,
        launcher: raw === "auto" ? (s.sparkOperator.enabled && teams.length > 0 ? "operator" : "standalone") : s.pipeline.launcher,
        team: s.pipeline.team || (teams[0]?.name ?? ""),
    };
    s.pipeline = pipeline;
    if (!pipeline.enabled || pipeline.launcher !== "operator") return;
    if (!s.sparkOperator.enabled) {
        p.add(
            "services.pipeline.launcher",
            raw,
            "the operator launcher runs the jobs as SparkApplications, but lakehouse:services.sparkOperator.enabled is false; " +
                "enable the operator or use launcher standalone (or auto)",
        );
        return;
    }
    const index = teams.findIndex((t) => t.name === pipeline.team);
    if (index < 0) {
        p.add("services.pipeline.team", pipeline.team, `expected one of the teams in lakehouse:teams (${teams.map((t) => t.name).join(", ") || "none"})`);
        return;
    }
    // The examples run in the same namespace, so they count against the same quota.
    const jobs = pipelineJobCount(s);
    const apps = [...(s.sparkOperator.examples ? EXAMPLE_APPS : []), ...Array.from({ length: jobs }, () => operatorJobSizes(pipeline))];
    checkQuotaFits(
        `teams[${index}]`,
        teams[index].quota,
        totalDemand(apps),
        `the medallion pipeline's ${jobs} SparkApplications${s.sparkOperator.examples ? " and the example applications" : ""}`,
        "raise the quota, lower lakehouse:services.pipeline sizes, or pick another lakehouse:services.pipeline.team",
        p,
    );
}

/** The launcher the config chose, with what it needs: the team and the operator's release under the operator. */
export function launcherFor(settings: PipelineConfig, spark: SparkAccess, cluster: ClusterLayer): SparkJobLauncher {
    const tenant = cluster.tenants.find((t) => t.name === settings.team);
    // Config validation guarantees both exist under the operator launcher.
    if (settings.launcher !== "operator" || !cluster.operator || !tenant) return { kind: "standalone", spark };
    return { kind: "operator", spark, tenant, sizes: operatorJobSizes(settings), operatorReady: cluster.operator.release };
}
