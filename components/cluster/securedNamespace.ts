import * as k8s from "@pulumi/kubernetes";
import type { ChildOptions } from "../lib/component";
import { podSecurityLabels } from "../lib/clusterNetwork";
import { namespacePolicies } from "../lib/network";

/**
 * A namespace the cluster layer owns, secured like the platform's: a Pod Security Admission level and the
 * default-deny NetworkPolicies (then DNS and the internet, with restricted egress).
 */
export function securedNamespace(
    resourceName: string,
    args: { name: string; level: "restricted" | "privileged"; egress: "restricted" | "open"; labels?: Record<string, string> },
    opts: ChildOptions,
): k8s.core.v1.Namespace {
    const ns = new k8s.core.v1.Namespace(
        resourceName,
        { metadata: { name: args.name, labels: { "app.kubernetes.io/part-of": "lakehouse", ...args.labels, ...podSecurityLabels(args.level) } } },
        opts,
    );
    namespacePolicies(resourceName, args.name, args.egress, { ...opts, dependsOn: [...opts.dependsOn, ns] });
    return ns;
}
