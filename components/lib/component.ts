import * as pulumi from "@pulumi/pulumi";

type Deps = pulumi.Resource | pulumi.Resource[] | undefined;

function toArray(d: Deps): pulumi.Resource[] {
    return d === undefined ? [] : Array.isArray(d) ? d : [d];
}

/**
 * Base of every lakehouse component. Pulumi does not pass a component's `dependsOn` down to its children,
 * so a service given `dependsOn: [namespace]` would still race its namespace; `child()` hands the
 * component's dependencies to each child it creates.
 */
export abstract class LakehouseComponent extends pulumi.ComponentResource {
    private readonly inherited: pulumi.Resource[];

    constructor(type: string, name: string, opts: LakehouseComponentOptions) {
        super(type, name, {}, opts);
        this.inherited = toArray(opts.dependsOn);
    }

    /** Options for a child: parented here, after everything this component waits for. */
    protected child(extra: { dependsOn?: pulumi.Resource[]; protect?: boolean } = {}): ChildOptions {
        return { ...extra, parent: this, dependsOn: [...this.inherited, ...toArray(extra.dependsOn)] };
    }
}

export interface LakehouseComponentOptions extends pulumi.ComponentResourceOptions {
    dependsOn?: pulumi.Resource[];
}

/** Fits both custom and component resources. */
export interface ChildOptions {
    parent: pulumi.Resource;
    dependsOn: pulumi.Resource[];
    protect?: boolean;
}
