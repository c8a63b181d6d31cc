"""Bronze: every record of the vehicle-events topic, as received, appended to s3a://<bucket>/bronze/vehicles."""

from pyspark.sql import SparkSession

from medallion import decode_bronze, job_args, run_stream

a = job_args("bootstrap", "topic", "output", "checkpoint")
spark = SparkSession.builder.appName("vehicles-bronze").getOrCreate()
kafka = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", a.bootstrap)
    .option("subscribe", a.topic)
    # Start from the beginning: events produced before this job started belong in bronze too.
    .option("startingOffsets", "earliest")
    .load()
)
run_stream(decode_bronze(kafka).writeStream.format("parquet").option("path", a.output), a.checkpoint, "10 seconds")
