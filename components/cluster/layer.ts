// The cluster layer, built for the DataPlatform: MetalLB (when the platform must provide LoadBalancer
// addresses), the team tenants, and the Spark Operator watching them. A function, not a component: each
// piece is its own component, and the platform keeps one place where services are wired.

import * as pulumi from "@pulumi/pulumi";
import { SPARK_VERSION } from "../catalog";
import { sparkRuntimes } from "../compute/spark";
import type { PlatformConfig } from "../config";
import type { LakehouseComponentOptions } from "../lib/component";
import type { Endpoint } from "../lib/endpoint";
import { MetalLb } from "./metallb";
import { SparkExamples } from "./sparkExamples";
import { SparkOperator } from "./sparkOperator";
import { Team, Tenant } from "./team";

export interface ClusterLayer {
    metallb?: MetalLb;
    operator?: SparkOperator;
    tenants: Tenant[];
}

export function buildClusterLayer(cfg: PlatformConfig, opts: LakehouseComponentOptions & { dependsOn: pulumi.Resource[] }): ClusterLayer {
    const metallb = cfg.metallb.deployed ? new MetalLb("metallb", { range: cfg.metallb.range, egress: cfg.network.egress }, opts) : undefined;
    const op = cfg.services.sparkOperator;
    const runtime = sparkRuntimes[cfg.services.spark.runtime];
    const exampleImage = {
        image: cfg.services.spark.image ?? `${runtime.pin.image}:${runtime.pin.tag}`,
        sparkVersion: SPARK_VERSION,
        sparkHome: runtime.sparkHome,
        runAs: { uid: runtime.pin.uid, gid: runtime.pin.gid },
    };
    const teams = cfg.teams.map((team) => new Team(team.name, { team, egress: cfg.network.egress }, opts));
    // The operator's release is created after the team namespaces (the chart needs them), and the
    // example applications after the release (it brings their CRD).
    const operator = op.enabled
        ? new SparkOperator(
              "spark-operator",
              { settings: op, jobNamespaces: teams.map((t) => t.tenant.namespace), egress: cfg.network.egress, paused: cfg.paused },
              { ...opts, dependsOn: [...opts.dependsOn, ...teams.map((t) => t.namespaceResource)] },
          )
        : undefined;
    if (operator && op.examples) {
        for (const t of teams) {
            new SparkExamples(`${t.tenant.name}-examples`, { tenant: t.tenant, image: exampleImage }, { ...opts, dependsOn: [...opts.dependsOn, operator.release] });
        }
    }
    return { metallb, operator, tenants: teams.map((t) => t.tenant) };
}

/** The LoadBalancer address of every exposed service, read from the endpoints' external URLs. */
export function loadBalancerAddresses(endpoints: Record<string, Record<string, Endpoint>>): pulumi.Output<Record<string, string>> {
    const entries = Object.entries(endpoints).flatMap(([svc, eps]) => Object.values(eps).map((e) => pulumi.output(e.external).apply((u) => [svc, u] as const)));
    return pulumi.all(entries).apply((list) => {
        const out: Record<string, string> = {};
        for (const [svc, url] of list) {
            // NodePort endpoints read `<any-node-ip>:port`; only a LoadBalancer's has a real host.
            const host = url ? /^[a-z0-9+.-]+:\/\/([^/:<>]+)/i.exec(url)?.[1] : undefined;
            if (host) out[svc] ??= host;
        }
        return out;
    });
}
