// The sample notebook shipped to Jupyter: it writes a small table to the lakehouse bucket through the
// Spark cluster and reads it back. It uses only the DataFrame API, which runs in the executors' JVMs, so
// it works even though the notebook's Python (3.13) differs from the workers' (3.10); see the README.

const cells: { kind: "markdown" | "code"; source: string }[] = [
    {
        kind: "markdown",
        source: `# Lakehouse sample
Writes a small table to the object store through the Spark cluster, then reads it back.
Connection settings (master, S3 endpoint, table format) come from \`spark-defaults.conf\`; the object-store
credentials come from the \`AWS_*\` environment variables, which Kubernetes fills from a Secret.`,
    },
    {
        kind: "code",
        source: `import os
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("lakehouse-sample").getOrCreate()
bucket = os.environ["LAKEHOUSE_BUCKET"]
table_format = os.environ.get("LAKEHOUSE_TABLE_FORMAT", "none")
print("Spark", spark.version, "on", spark.sparkContext.master, "- table format:", table_format)`,
    },
    {
        kind: "code",
        source: `vehicles = spark.createDataFrame(
    [("car-1", "car", 81), ("bike-7", "bike", 42), ("scooter-3", "scooter", 17)],
    ["vehicle_id", "type", "battery"],
)
fmt = {"delta": "delta", "iceberg": "iceberg"}.get(table_format, "parquet")
if fmt == "iceberg":
    # An Iceberg table has a name, not a path: spark_catalog keeps it in the warehouse (s3a://<bucket>/warehouse).
    where = "default.vehicles_sample"
    vehicles.writeTo(where).using("iceberg").createOrReplace()
else:
    where = f"s3a://{bucket}/samples/vehicles"
    vehicles.write.mode("overwrite").format(fmt).save(where)
print("wrote", vehicles.count(), "rows to", where, "as", fmt)`,
    },
    {
        kind: "code",
        source: `back = (spark.table(where) if fmt == "iceberg" else spark.read.format(fmt).load(where)).orderBy("vehicle_id")
back.show()
assert back.count() == 3, "expected the 3 rows written above"`,
    },
];

export function sampleNotebook(): string {
    const notebook = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
            kernelspec: { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" },
            language_info: { name: "python" },
        },
        cells: cells.map((c, i) => ({
            id: `cell-${i}`,
            cell_type: c.kind,
            metadata: {},
            source: c.source.split("\n").map((line, j, all) => (j < all.length - 1 ? `${line}\n` : line)),
            ...(c.kind === "code" ? { execution_count: null, outputs: [] } : {}),
        })),
    };
    return JSON.stringify(notebook, null, 1);
}
