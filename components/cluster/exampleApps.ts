// The example SparkApplications every team gets when `services.sparkOperator.examples` is on: Spark's own
// pi examples in Python and Scala, shipped inside the Spark image, so they need nothing but the operator.
// Pure data: config validation checks each team's quota against these sizes.

import { SPARK_VERSION } from "../catalog";
import type { SparkAppSizes, SparkApplicationArgs } from "../lib/sparkApplication";

export interface ExampleApp extends SparkAppSizes {
    name: string;
    type: SparkApplicationArgs["type"];
    /** Path inside the image's Spark home. */
    file: string;
    mainClass?: string;
    arguments: string[];
}

// A quarter core requested, one allowed: the examples run on a laptop next to the whole platform.
const POD = { cores: 1, coreRequest: "250m", coreLimit: "1", memory: "512m", memoryOverhead: "384m" };
const SIZES: SparkAppSizes = { driver: POD, executor: { ...POD, instances: 1 } };

export const EXAMPLE_APPS: ExampleApp[] = [
    { name: "pyspark-pi", type: "Python", file: "examples/src/main/python/pi.py", arguments: ["10"], ...SIZES },
    {
        name: "spark-pi",
        type: "Scala",
        file: `examples/jars/spark-examples_2.13-${SPARK_VERSION}.jar`,
        mainClass: "org.apache.spark.examples.SparkPi",
        arguments: ["100"],
        ...SIZES,
    },
];
