import datetime as dt
import json

from pyspark.sql import Row

from medallion import GOLD_METRICS, SILVER_SCHEMA, cassandra_rows, decode_bronze, gold, render_metrics, silver
import producer

T0 = 1_700_000_000_000


def ev(vid="v1", type_="car", lat=52.5, lon=13.4, battery=50, ts=T0, drop=()):
    e = {"vehicleId": vid, "type": type_, "latitude": lat, "longitude": lon, "battery": battery, "timestamp": ts}
    for k in drop:
        del e[k]
    return json.dumps(e)


def bronze_df(spark, values):
    rows = [Row(value=v, topic="vehicle-events", partition=0, offset=i, kafka_timestamp=None) for i, v in enumerate(values)]
    return spark.createDataFrame(rows, "value string, topic string, partition int, offset long, kafka_timestamp timestamp")


def test_bronze_decodes_kafka_values_as_text_and_keeps_their_origin(spark):
    kafka = spark.createDataFrame(
        [
            (bytearray(ev().encode()), "vehicle-events", 0, 7, dt.datetime(2023, 11, 14, 22, 13, 20)),
            (bytearray(b"not json \xc3\xa9"), "vehicle-events", 1, 3, dt.datetime(2023, 11, 14, 22, 13, 21)),
        ],
        "value binary, topic string, partition int, offset long, timestamp timestamp",
    )
    rows = [r.asDict() for r in decode_bronze(kafka).orderBy("partition").collect()]
    assert rows == [
        {"value": ev(), "topic": "vehicle-events", "partition": 0, "offset": 7, "kafka_timestamp": dt.datetime(2023, 11, 14, 22, 13, 20)},
        {"value": "not json é", "topic": "vehicle-events", "partition": 1, "offset": 3, "kafka_timestamp": dt.datetime(2023, 11, 14, 22, 13, 21)},
    ]


def test_silver_keeps_exactly_the_valid_events_once(spark):
    values = [
        ev("v1", "car", battery=80, ts=T0),
        ev("v1", "car", battery=80, ts=T0),  # duplicate delivery
        ev("v2", "bike", lat=-90.0, lon=180.0, battery=0, ts=T0 + 1),  # edges are valid
        ev("v3", "scooter", battery=100, ts=T0 + 2),
        ev("v4", battery=101, ts=T0 + 3),
        ev("v5", battery=-1, ts=T0 + 4),
        ev("v6", lat=90.5, ts=T0 + 5),
        ev("v7", lon=-180.1, ts=T0 + 6),
        ev("v8", type_="truck", ts=T0 + 7),
        ev("v9", drop=("battery",), ts=T0 + 8),
        ev("v10", drop=("vehicleId",), ts=T0 + 9),
        ev("v11", drop=("timestamp",)),
        ev("", ts=T0 + 10),
        "not json",
    ]
    out = silver(bronze_df(spark, values)).orderBy("timestamp").collect()
    assert [tuple(r) for r in out] == [
        ("v1", "car", 52.5, 13.4, 80, T0, dt.datetime(2023, 11, 14, 22, 13, 20)),
        ("v2", "bike", -90.0, 180.0, 0, T0 + 1, dt.datetime(2023, 11, 14, 22, 13, 20, 1000)),
        ("v3", "scooter", 52.5, 13.4, 100, T0 + 2, dt.datetime(2023, 11, 14, 22, 13, 20, 2000)),
    ]
    assert silver(bronze_df(spark, values)).schema == SILVER_SCHEMA


def test_silver_keeps_two_events_of_one_vehicle_at_different_times(spark):
    out = silver(bronze_df(spark, [ev("v1", ts=T0), ev("v1", ts=T0 + 1000)])).count()
    assert out == 2


def silver_rows(spark, rows):
    return spark.createDataFrame(
        [(vid, t, 52.5, 13.4, b, T0 + i, dt.datetime(2023, 11, 14)) for i, (vid, t, b) in enumerate(rows)], SILVER_SCHEMA
    )


def test_gold_counts_and_battery_stats_per_type(spark):
    df = silver_rows(spark, [("a", "car", 10), ("b", "car", 20), ("c", "car", 35), ("d", "bike", 99), ("e", "scooter", 0), ("f", "scooter", 1)])
    assert [r.asDict() for r in gold(df).collect()] == [
        {"type": "bike", "events": 1, "avg_battery": 99.0, "min_battery": 99, "max_battery": 99},
        {"type": "car", "events": 3, "avg_battery": 21.67, "min_battery": 10, "max_battery": 35},
        {"type": "scooter", "events": 2, "avg_battery": 0.5, "min_battery": 0, "max_battery": 1},
    ]


def test_cassandra_rows_match_the_table_columns(spark):
    df = silver_rows(spark, [("a", "car", 10)])
    assert cassandra_rows(df).columns == ["vehicle_id", "event_time", "type", "latitude", "longitude", "battery"]
    assert tuple(cassandra_rows(df).first()) == ("a", dt.datetime(2023, 11, 14), "car", 52.5, 13.4, 10)


def test_metrics_render_one_gauge_per_type_and_stat():
    text = render_metrics([{"type": "car", "events": 3, "avg_battery": 21.67, "min_battery": 10, "max_battery": 35}])
    assert 'lakehouse_vehicle_events{type="car"} 3.0' in text.splitlines()
    assert 'lakehouse_vehicle_battery_avg{type="car"} 21.67' in text.splitlines()
    assert all(f"# TYPE {name} gauge" in text for name in GOLD_METRICS.values())


def test_producer_events_pass_silver_except_the_invalid_fraction(spark):
    events = list(producer.events(count=40, invalid_fraction=0.25, seed=7, now_ms=T0))
    assert len(events) == 40
    kept = silver(bronze_df(spark, [json.dumps(e) for e in events])).count()
    assert kept == 30


def test_job_args_reads_required_flags_and_typed_defaults(monkeypatch):
    from medallion import job_args

    monkeypatch.setattr("sys.argv", ["gold.py", "--input", "s3a://b/silver", "--metrics-port", "9200"])
    a = job_args("input", metrics_port=9108)
    assert (a.input, a.metrics_port) == ("s3a://b/silver", 9200)
    monkeypatch.setattr("sys.argv", ["gold.py"])
    import pytest

    with pytest.raises(SystemExit):
        job_args("input")


def test_run_stream_sets_the_checkpoint_and_trigger_then_waits():
    from medallion import run_stream

    calls = []

    class Writer:
        def option(self, k, v):
            calls.append(("option", k, v))
            return self

        def trigger(self, **kw):
            calls.append(("trigger", kw))
            return self

        def start(self):
            calls.append(("start",))
            return self

        def awaitTermination(self):
            calls.append(("await",))

    run_stream(Writer(), "s3a://b/checkpoints/x", "15 seconds")
    assert calls == [("option", "checkpointLocation", "s3a://b/checkpoints/x"), ("trigger", {"processingTime": "15 seconds"}), ("start",), ("await",)]


def test_secret_conf_maps_settings_to_env_values_and_sets_them_on_the_session(monkeypatch):
    from medallion import apply_secret_conf, secret_conf

    env = {"LAKEHOUSE_SECRET_CONF": "spark.cassandra.auth.username=U,spark.cassandra.auth.password=P", "U": "lakehouse", "P": "s3cret"}
    assert secret_conf(env) == {"spark.cassandra.auth.username": "lakehouse", "spark.cassandra.auth.password": "s3cret"}
    assert secret_conf({}) == {}

    class Conf:
        values = {}

        def set(self, k, v):
            self.values[k] = v

    class Session:
        conf = Conf()

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    apply_secret_conf(Session())
    assert Session.conf.values == {"spark.cassandra.auth.username": "lakehouse", "spark.cassandra.auth.password": "s3cret"}
