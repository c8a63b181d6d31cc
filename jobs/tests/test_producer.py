import json
import os
import subprocess
import sys

import producer

REQUIRED = {"vehicleId", "type", "latitude", "longitude", "battery", "timestamp"}


def valid(e):
    return (
        REQUIRED <= e.keys()
        and e["type"] in producer.VEHICLE_TYPES
        and 0 <= e["battery"] <= 100
        and -90 <= e["latitude"] <= 90
        and -180 <= e["longitude"] <= 180
    )


def test_exact_invalid_fraction_spread_over_every_kind():
    events = list(producer.events(count=100, invalid_fraction=0.1, seed=1, now_ms=0))
    bad = [e for e in events if not valid(e)]
    assert len(events) == 100 and len(bad) == 10
    assert any(not 0 <= e.get("battery", 50) <= 100 for e in bad)
    assert any(abs(e.get("latitude", 0)) > 90 for e in bad)
    assert any(not REQUIRED <= e.keys() for e in bad)


def test_no_invalid_events_when_the_fraction_is_zero():
    assert all(valid(e) for e in producer.events(count=50, invalid_fraction=0.0, seed=2, now_ms=0))


def test_every_event_when_the_fraction_is_one_is_invalid():
    assert not any(valid(e) for e in producer.events(count=9, invalid_fraction=1.0, seed=3, now_ms=0))


def test_same_seed_same_events():
    a = list(producer.events(count=5, invalid_fraction=0.2, seed=9, now_ms=0))
    assert a == list(producer.events(count=5, invalid_fraction=0.2, seed=9, now_ms=0))


def test_main_writes_json_lines_to_a_named_pipe_at_the_configured_rate(tmp_path):
    fifo = tmp_path / "events"
    env = {**os.environ, "EVENT_COUNT": "20", "EVENTS_PER_SECOND": "200", "INVALID_FRACTION": "0.5", "SEED": "4", "OUTPUT": str(fifo)}
    proc = subprocess.Popen([sys.executable, producer.__file__], env=env, stderr=subprocess.PIPE)
    # The producer makes the pipe; a reader (kafka-console-producer in the cluster) opens it.
    for _ in range(100):
        if fifo.exists():
            break
        import time
        time.sleep(0.05)
    with open(fifo) as f:
        lines = f.read().splitlines()
    assert proc.wait(timeout=30) == 0
    events = [json.loads(line) for line in lines]
    assert len(events) == 20
    assert sum(1 for e in events if not valid(e)) == 10
