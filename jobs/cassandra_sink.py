"""Streams silver events into Cassandra (keyspace and table made by the schema Job)."""

import argparse

from pyspark.sql import SparkSession

from medallion import SILVER_SCHEMA, cassandra_rows

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--keyspace", required=True)
p.add_argument("--table", required=True)
p.add_argument("--checkpoint", required=True)
a = p.parse_args()

spark = SparkSession.builder.appName("vehicles-cassandra").getOrCreate()


def write(batch, _batch_id):
    (
        cassandra_rows(batch).write.format("org.apache.spark.sql.cassandra")
        .options(keyspace=a.keyspace, table=a.table)
        .mode("append")
        .save()
    )


(
    spark.readStream.schema(SILVER_SCHEMA).parquet(a.input).writeStream
    .foreachBatch(write)
    .option("checkpointLocation", a.checkpoint)
    .trigger(processingTime="15 seconds")
    .start()
    .awaitTermination()
)
