"""Silver: the bronze files, validated and deduplicated, appended to s3a://<bucket>/silver/vehicles."""

from pyspark.sql import SparkSession

from medallion import BRONZE_SCHEMA, job_args, run_stream, silver

a = job_args("input", "output", "checkpoint")
spark = SparkSession.builder.appName("vehicles-silver").getOrCreate()
bronze = spark.readStream.schema(BRONZE_SCHEMA).parquet(a.input)
run_stream(silver(bronze).writeStream.format("parquet").option("path", a.output).outputMode("append"), a.checkpoint, "15 seconds")
