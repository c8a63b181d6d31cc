"""The vehicle-events medallion pipeline as one Spark application: bronze, silver, gold and (with a keyspace)
the Cassandra sink are streaming queries of one session, which ends when any of them fails.

- bronze: every record of the topic, as received, appended to s3a://<bucket>/bronze/vehicles;
- silver: the bronze files, validated and deduplicated, appended to s3a://<bucket>/silver/vehicles;
- gold: per vehicle type count and average/min/max battery, rewritten to s3a://<bucket>/gold/stats whenever
  silver grows, and served as Prometheus gauges for Grafana;
- cassandra: silver events streamed into the table the schema Job made.

One session rather than four applications: one driver and one executor instead of four of each, and the
packages resolved once. The queries still read each other's output from the object store, so each keeps
its own checkpoint and any one can be rebuilt from the layer below it.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyspark.sql import SparkSession

from medallion import (
    BRONZE_SCHEMA, SILVER_SCHEMA, apply_secret_conf, cassandra_rows, configure, decode_bronze, gold, job_args,
    render_metrics, silver, start_stream,
)


def start_bronze(spark, bootstrap: str, topic: str, output: str, checkpoint: str):
    kafka = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        # Start from the beginning: events produced before the pipeline started belong in bronze too.
        .option("startingOffsets", "earliest")
        .load()
    )
    return start_stream(decode_bronze(kafka).writeStream.format("parquet").option("path", output), "bronze", checkpoint, "10 seconds")


def start_silver(spark, bronze: str, output: str, checkpoint: str):
    events = silver(spark.readStream.schema(BRONZE_SCHEMA).parquet(bronze))
    return start_stream(events.writeStream.format("parquet").option("path", output).outputMode("append"), "silver", checkpoint, "15 seconds")


def start_gold(spark, silver_path: str, output: str, checkpoint: str, latest: dict):
    """Recomputes gold from all of silver whenever silver grows: a file sink cannot take a streaming
    aggregation's updates (append only), and a few aggregates over silver are cheap next to a second copy
    of the state. The silver stream is only the trigger. `latest["text"]` gets the metrics to serve."""

    def refresh(_batch, _batch_id):
        stats = gold(spark.read.parquet(silver_path))
        stats.write.mode("overwrite").parquet(output)
        latest["text"] = render_metrics([r.asDict() for r in stats.collect()])

    trigger = spark.readStream.schema(SILVER_SCHEMA).parquet(silver_path)
    return start_stream(trigger.writeStream.foreachBatch(refresh), "gold", checkpoint, "30 seconds")


def start_cassandra(spark, silver_path: str, keyspace: str, table: str, checkpoint: str):
    def write(batch, _batch_id):
        cassandra_rows(batch).write.format("org.apache.spark.sql.cassandra").options(keyspace=keyspace, table=table).mode("append").save()

    events = spark.readStream.schema(SILVER_SCHEMA).parquet(silver_path)
    return start_stream(events.writeStream.foreachBatch(write), "cassandra", checkpoint, "15 seconds")


def serve_metrics(port: int, latest: dict) -> None:
    """Serves latest["text"] on /metrics (and /) from a daemon thread."""

    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self):
            body = latest["text"].encode()
            self.send_response(200 if self.path in ("/metrics", "/") else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    threading.Thread(target=ThreadingHTTPServer(("0.0.0.0", port), Metrics).serve_forever, daemon=True).start()


def main() -> None:
    a = job_args("bootstrap", "topic", "bronze", "silver", "gold", "checkpoints", metrics_port=9108, cassandra_keyspace="", cassandra_table="")
    latest = {"text": render_metrics([])}
    serve_metrics(a.metrics_port, latest)
    spark = configure(SparkSession.builder.appName("vehicles-pipeline")).getOrCreate()
    # The Cassandra login (operator launcher); the standalone launcher passes it to spark-submit instead.
    apply_secret_conf(spark)
    cp = a.checkpoints.rstrip("/")
    start_bronze(spark, a.bootstrap, a.topic, a.bronze, f"{cp}/bronze")
    start_silver(spark, a.bronze, a.silver, f"{cp}/silver")
    start_gold(spark, a.silver, a.gold, f"{cp}/gold", latest)
    if a.cassandra_keyspace:
        start_cassandra(spark, a.silver, a.cassandra_keyspace, a.cassandra_table, f"{cp}/cassandra")
    # Any query failing ends the application, so its launcher (Deployment or SparkApplication) restarts all
    # of them from their checkpoints rather than leaving the pipeline half running.
    spark.streams.awaitAnyTermination()


if __name__ == "__main__":
    main()
