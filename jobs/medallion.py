"""The medallion transformations of the vehicle-events pipeline, as pure DataFrame -> DataFrame functions.

The streaming entry points (bronze.py, silver.py, gold.py, cassandra_sink.py) only wire sources and sinks
around these, so the tests run exactly this code in Spark local mode. The same functions work on batch
and streaming DataFrames (the watermark is a no-op on a batch one).
"""

import os

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DoubleType, IntegerType, LongType, StringType, StructField, StructType, TimestampType,
)

VEHICLE_TYPES = ("car", "bike", "scooter")

# The producer's JSON, read leniently: a value of the wrong type or a missing key becomes null, which the
# silver rules then reject, rather than failing the whole micro-batch.
EVENT_SCHEMA = StructType([
    StructField("vehicleId", StringType()),
    StructField("type", StringType()),
    StructField("latitude", DoubleType()),
    StructField("longitude", DoubleType()),
    StructField("battery", IntegerType()),
    StructField("timestamp", LongType()),
])

# Bronze keeps the raw value as text plus where it came from, so silver can be rebuilt from it.
BRONZE_SCHEMA = StructType([
    StructField("value", StringType()),
    StructField("topic", StringType()),
    StructField("partition", IntegerType()),
    StructField("offset", LongType()),
    StructField("kafka_timestamp", TimestampType()),
])

# What silver writes: the event fields plus the event time the dedupe watermark runs on. Streams reading
# silver use it, so they can start before silver has written its first file.
SILVER_SCHEMA = StructType(EVENT_SCHEMA.fields + [StructField("event_time", TimestampType())])

# How late a duplicate may arrive and still be recognised; bounds the streaming dedupe state.
DEDUPE_WATERMARK = "10 minutes"


def decode_bronze(kafka: DataFrame) -> DataFrame:
    """Kafka records (binary value + metadata) -> bronze rows: the value as UTF-8 text, nothing dropped."""
    return kafka.select(
        F.col("value").cast("string").alias("value"),
        F.col("topic"),
        F.col("partition"),
        F.col("offset"),
        F.col("timestamp").alias("kafka_timestamp"),
    )


def parse_events(bronze: DataFrame) -> DataFrame:
    """Bronze rows -> one typed column per event field (null where the JSON lacks it or is not JSON)."""
    parsed = bronze.select(F.from_json(F.col("value"), EVENT_SCHEMA).alias("e"))
    return parsed.select("e.*")


def silver(bronze: DataFrame) -> DataFrame:
    """Valid, deduplicated events: every field present, a known type, battery 0-100, real coordinates."""
    events = parse_events(bronze)
    valid = events.where(
        F.col("vehicleId").isNotNull()
        & (F.length("vehicleId") > 0)
        & F.col("type").isin(*VEHICLE_TYPES)
        & F.col("battery").between(0, 100)
        & F.col("latitude").between(-90.0, 90.0)
        & F.col("longitude").between(-180.0, 180.0)
        & F.col("timestamp").isNotNull()
    )
    with_time = valid.withColumn("event_time", F.timestamp_millis(F.col("timestamp")))
    # The producer (or Kafka's at-least-once delivery) can send an event twice: same vehicle, same instant.
    # event_time (derived from timestamp, so it changes nothing in the key) lets a stream drop the dedupe
    # state once the watermark passes it; on a batch DataFrame the watermark does nothing.
    return with_time.withWatermark("event_time", DEDUPE_WATERMARK).dropDuplicates(["vehicleId", "timestamp", "event_time"])


def gold(silver_events: DataFrame) -> DataFrame:
    """Per vehicle type: how many events, and the average, lowest and highest battery."""
    return (
        silver_events.groupBy("type")
        .agg(
            F.count(F.lit(1)).alias("events"),
            F.round(F.avg("battery"), 2).alias("avg_battery"),
            F.min("battery").alias("min_battery"),
            F.max("battery").alias("max_battery"),
        )
        .orderBy("type")
    )


def cassandra_rows(silver_events: DataFrame) -> DataFrame:
    """Silver events in the column names of the Cassandra table (see the schema Job's CQL)."""
    return silver_events.select(
        F.col("vehicleId").alias("vehicle_id"),
        F.col("event_time"),
        F.col("type"),
        F.col("latitude"),
        F.col("longitude"),
        F.col("battery"),
    )


# Names of the gauges the gold job serves for Prometheus; Grafana's vehicle dashboard queries them.
GOLD_METRICS = {
    "events": "lakehouse_vehicle_events",
    "avg_battery": "lakehouse_vehicle_battery_avg",
    "min_battery": "lakehouse_vehicle_battery_min",
    "max_battery": "lakehouse_vehicle_battery_max",
}


def render_metrics(rows) -> str:
    """Prometheus text exposition of the latest gold rows (dicts with type and the GOLD_METRICS keys)."""
    lines = []
    for key, name in GOLD_METRICS.items():
        lines.append(f"# TYPE {name} gauge")
        for r in rows:
            lines.append(f'{name}{{type="{r["type"]}"}} {float(r[key])}')
    return "\n".join(lines) + "\n"


# --- what every entry point shares: its command line and how its stream runs -----------------------------


def job_args(*flags: str, **defaults):
    """Parses `--flag value` options: each of `flags` required, each of `defaults` optional."""
    import argparse

    p = argparse.ArgumentParser()
    for f in flags:
        p.add_argument(f"--{f}", required=True)
    for f, v in defaults.items():
        p.add_argument(f"--{f.replace('_', '-')}", type=type(v), default=v)
    return p.parse_args()


def secret_conf(env=None) -> dict:
    """Spark settings whose values are env vars, from LAKEHOUSE_SECRET_CONF (`key=VAR,...`, names only).

    Under the Spark Operator a secret reaches the driver only as env from a Secret, never as a conf value.
    """
    env = os.environ if env is None else env
    pairs = [p.split("=", 1) for p in env.get("LAKEHOUSE_SECRET_CONF", "").split(",") if p]
    return {key: env[var] for key, var in pairs}


def apply_secret_conf(spark) -> None:
    """Sets the secret settings on the session (connectors read the session's conf when they connect)."""
    for key, value in secret_conf().items():
        spark.conf.set(key, value)


def run_stream(writer, checkpoint: str, every: str) -> None:
    """Starts a stream writer with its checkpoint and trigger interval, and blocks while it runs."""
    writer.option("checkpointLocation", checkpoint).trigger(processingTime=every).start().awaitTermination()
