"""Bronze: every record of the vehicle-events topic, as received, appended to s3a://<bucket>/bronze/vehicles."""

import argparse

from pyspark.sql import SparkSession

from medallion import decode_bronze

p = argparse.ArgumentParser()
p.add_argument("--bootstrap", required=True)
p.add_argument("--topic", required=True)
p.add_argument("--output", required=True)
p.add_argument("--checkpoint", required=True)
a = p.parse_args()

spark = SparkSession.builder.appName("vehicles-bronze").getOrCreate()
kafka = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", a.bootstrap)
    .option("subscribe", a.topic)
    # Start from the beginning: events produced before this job started belong in bronze too.
    .option("startingOffsets", "earliest")
    .load()
)
(
    decode_bronze(kafka).writeStream.format("parquet")
    .option("path", a.output)
    .option("checkpointLocation", a.checkpoint)
    .trigger(processingTime="10 seconds")
    .start()
    .awaitTermination()
)
