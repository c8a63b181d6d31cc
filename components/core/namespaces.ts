import * as k8s from "@pulumi/kubernetes";
import { namespacePolicies } from "../lib/network";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";

export interface PlatformNamespacesArgs {
    platform: string;
    /** Egress policy of the namespace (see `network.egress` in config). */
    egress: "restricted" | "open";
    /** Keep the namespace (and so every volume in it) from being deleted by `pulumi destroy`. */
    protect: boolean;
}

/**
 * The platform's own namespace. Pod Security Admission enforces `restricted` there: every workload we
 * deploy already meets it, and anything that doesn't is refused by the API server.
 */
export class PlatformNamespaces extends LakehouseComponent {
    readonly platform: string;

    constructor(name: string, args: PlatformNamespacesArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:core:Namespaces", name, opts);
        const ns = new k8s.core.v1.Namespace(
            `${name}-platform`,
            {
                metadata: {
                    name: args.platform,
                    labels: {
                        "app.kubernetes.io/part-of": "lakehouse",
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            this.child({ protect: args.protect }),
        );
        namespacePolicies(`${name}-platform`, args.platform, args.egress, this.child({ dependsOn: [ns] }));
        // Dependents take the name from here, so they are created after the namespace.
        this.platform = args.platform;
        this.ready = ns;
        this.registerOutputs({ platform: ns.metadata.name });
    }

    /** The namespace resource, for dependsOn. */
    readonly ready: k8s.core.v1.Namespace;
}
