import * as k8s from "@pulumi/kubernetes";
import { charts, catalog, rootCatalog } from "../catalog";
import { CLUSTER_NAMESPACES } from "../config";
import { allowApiServer, allowWebhook } from "../lib/clusterNetwork";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { securedNamespace } from "./securedNamespace";

export interface MetalLbArgs {
    /** The address pool (validated by config): a CIDR or an `a-b` range. */
    range: string;
    egress: "restricted" | "open";
}

/** Pods of the chart (controller and speakers), by the label the chart puts on them. */
const CHART_PODS = { matchLabels: { "app.kubernetes.io/name": "metallb" } };

/** MetalLB's controller serves its validating webhooks here (chart default). */
const WEBHOOK_PORT = 9443;

/** Small and fixed: MetalLB's controller and speakers idle at a few MiB on a laptop and on a real cluster. */
const SMALL = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } };

/** The chart's values: plain L2 (no FRR, FRR-K8s off, the 0.16 default), images from the catalog. */
export function metallbValues(): Record<string, unknown> {
    return {
        controller: { image: { repository: catalog.metallbController.image, tag: catalog.metallbController.tag }, resources: SMALL },
        speaker: {
            image: { repository: rootCatalog.metallbSpeaker.image, tag: rootCatalog.metallbSpeaker.tag },
            resources: SMALL,
            frr: { enabled: false },
        },
        frrk8s: { enabled: false },
    };
}

/**
 * MetalLB in L2 mode, so LoadBalancer Services on a laptop's Kind or k3d cluster get an address from the
 * docker network. The speakers answer ARP on the host network, so the namespace is `privileged`; the pool
 * and its advertisement wait for the release (and so for the webhook that validates them: metallb#1597).
 */
export class MetalLb extends LakehouseComponent {
    readonly range: string;
    readonly namespace = CLUSTER_NAMESPACES.metallb;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetalLbArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:cluster:MetalLb", name, opts);
        this.range = args.range;
        const ns = securedNamespace(`${name}-namespace`, { name: this.namespace, level: "privileged", egress: args.egress }, this.child());
        const inNs = this.child({ dependsOn: [ns] });
        allowApiServer(name, this.namespace, CHART_PODS, inNs);
        allowWebhook(name, this.namespace, { matchLabels: { ...CHART_PODS.matchLabels, "app.kubernetes.io/component": "controller" } }, WEBHOOK_PORT, inNs);

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: "metallb",
                chart: charts.metallb.chart,
                version: charts.metallb.version,
                repositoryOpts: { repo: charts.metallb.repo },
                namespace: this.namespace,
                values: metallbValues(),
            },
            inNs,
        );
        const afterRelease = this.child({ dependsOn: [this.release] });
        const poolName = "lakehouse";
        new k8s.apiextensions.CustomResource(
            `${name}-pool`,
            {
                apiVersion: "metallb.io/v1beta1",
                kind: "IPAddressPool",
                metadata: { name: poolName, namespace: this.namespace },
                spec: { addresses: [args.range], autoAssign: true },
            },
            afterRelease,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-l2`,
            {
                apiVersion: "metallb.io/v1beta1",
                kind: "L2Advertisement",
                metadata: { name: poolName, namespace: this.namespace },
                spec: { ipAddressPools: [poolName] },
            },
            afterRelease,
        );
        this.registerOutputs({ range: this.range, namespace: this.namespace });
    }
}
