"""Streams silver events into Cassandra (keyspace and table made by the schema Job)."""

from pyspark.sql import SparkSession

from medallion import SILVER_SCHEMA, apply_secret_conf, cassandra_rows, job_args, run_stream

a = job_args("input", "keyspace", "table", "checkpoint")

spark = SparkSession.builder.appName("vehicles-cassandra").getOrCreate()
# The Cassandra login (operator launcher); the standalone launcher passes it to spark-submit instead.
apply_secret_conf(spark)


def write(batch, _batch_id):
    (
        cassandra_rows(batch).write.format("org.apache.spark.sql.cassandra")
        .options(keyspace=a.keyspace, table=a.table)
        .mode("append")
        .save()
    )


run_stream(spark.readStream.schema(SILVER_SCHEMA).parquet(a.input).writeStream.foreachBatch(write), a.checkpoint, "15 seconds")
