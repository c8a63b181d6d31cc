"""Gold: per vehicle type count and average/min/max battery, rewritten to s3a://<bucket>/gold/stats whenever
silver grows, and served as Prometheus gauges for Grafana.

Why a stream that recomputes from all of silver: a file sink cannot take a streaming aggregation's updates
(append only), and recomputing a few aggregates over silver is cheap next to keeping a second copy of the
state. The silver stream is only the trigger.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyspark.sql import SparkSession

from medallion import SILVER_SCHEMA, gold, job_args, render_metrics, run_stream

a = job_args("input", "output", "checkpoint", metrics_port=9108)

latest = {"text": render_metrics([])}


class Metrics(BaseHTTPRequestHandler):
    def do_GET(self):
        body = latest["text"].encode()
        self.send_response(200 if self.path in ("/metrics", "/") else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


threading.Thread(target=ThreadingHTTPServer(("0.0.0.0", a.metrics_port), Metrics).serve_forever, daemon=True).start()

spark = SparkSession.builder.appName("vehicles-gold").getOrCreate()


def refresh(_batch, _batch_id):
    stats = gold(spark.read.parquet(a.input))
    stats.write.mode("overwrite").parquet(a.output)
    latest["text"] = render_metrics([r.asDict() for r in stats.collect()])


run_stream(spark.readStream.schema(SILVER_SCHEMA).parquet(a.input).writeStream.foreachBatch(refresh), a.checkpoint, "30 seconds")
