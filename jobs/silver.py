"""Silver: the bronze files, validated and deduplicated, appended to s3a://<bucket>/silver/vehicles."""

import argparse

from pyspark.sql import SparkSession

from medallion import BRONZE_SCHEMA, silver

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--output", required=True)
p.add_argument("--checkpoint", required=True)
a = p.parse_args()

spark = SparkSession.builder.appName("vehicles-silver").getOrCreate()
bronze = spark.readStream.schema(BRONZE_SCHEMA).parquet(a.input)
(
    silver(bronze).writeStream.format("parquet")
    .option("path", a.output)
    .option("checkpointLocation", a.checkpoint)
    .outputMode("append")
    .trigger(processingTime="15 seconds")
    .start()
    .awaitTermination()
)
