import type { RunAs } from "../lib/workload";
import { LakehouseComponent, LakehouseComponentOptions } from "../lib/component";
import { sparkApplication } from "../lib/sparkApplication";
import { EXAMPLE_APPS } from "./exampleApps";
import type { Tenant } from "./team";

/** The Spark image the examples run on: the Spark cluster's, so versions match. */
export interface ExampleImage {
    image: string;
    sparkVersion: string;
    /** Where Spark (and its examples) live in the image. */
    sparkHome: string;
    runAs: RunAs;
}

export interface SparkExamplesArgs {
    tenant: Tenant;
    image: ExampleImage;
}

/**
 * A team's example SparkApplications (PySpark pi and SparkPi), run by the Spark Operator as the team's
 * service account; a quick proof that a tenant works. Created after the operator's release (its CRD).
 */
export class SparkExamples extends LakehouseComponent {
    readonly names: string[];

    constructor(name: string, args: SparkExamplesArgs, opts: LakehouseComponentOptions) {
        super("lakehouse:cluster:SparkExamples", name, opts);
        const { tenant, image } = args;
        for (const app of EXAMPLE_APPS) {
            sparkApplication(
                `${name}-${app.name}`,
                {
                    name: app.name,
                    type: app.type,
                    mainClass: app.mainClass,
                    arguments: app.arguments,
                    driver: app.driver,
                    executor: app.executor,
                    namespace: tenant.namespace,
                    serviceAccount: tenant.serviceAccount,
                    image: image.image,
                    sparkVersion: image.sparkVersion,
                    runAs: image.runAs,
                    mainApplicationFile: `local://${image.sparkHome}/${app.file}`,
                    labels: { "app.kubernetes.io/part-of": "lakehouse", "lakehouse.io/team": tenant.name, "lakehouse.io/example": "true" },
                },
                this.child(),
            );
        }
        this.names = EXAMPLE_APPS.map((a) => a.name);
        this.registerOutputs({ names: this.names });
    }
}
