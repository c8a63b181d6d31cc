"""Vehicle GPS event producer: writes one JSON event per line, at a given rate, with a given fraction of
deliberately invalid events so the silver layer has something to reject.

Standard library only: it runs with any Python 3. In the cluster it writes to a named pipe that
kafka-console-producer reads (the Kafka image has the client, the Spark image has Python), so no Kafka
client library has to be downloaded at start.

Config from the environment: EVENT_COUNT (0 = forever), EVENTS_PER_SECOND, INVALID_FRACTION, SEED, OUTPUT.
"""

import json
import os
import random
import sys
import time

VEHICLE_TYPES = ("car", "bike", "scooter")
# How an invalid event is broken, in turn: each one must be rejected by a different silver rule.
INVALID_KINDS = ("battery", "coordinates", "missing")


def is_invalid(i: int, fraction: float) -> bool:
    """Spreads exactly floor(n * fraction) invalid events evenly over the first n."""
    return int((i + 1) * fraction) > int(i * fraction)


def make_event(rng: random.Random, i: int, now_ms: int, fleet: int = 50) -> dict:
    return {
        "vehicleId": f"vehicle-{rng.randrange(fleet):03d}",
        "type": rng.choice(VEHICLE_TYPES),
        "latitude": round(rng.uniform(52.3, 52.7), 6),
        "longitude": round(rng.uniform(13.2, 13.6), 6),
        "battery": rng.randint(0, 100),
        # Unique per event even when two share a millisecond, so deduplication only removes true repeats.
        "timestamp": now_ms + i,
    }


def spoil(event: dict, kind: str, rng: random.Random) -> dict:
    bad = dict(event)
    if kind == "battery":
        bad["battery"] = rng.choice([-5, 101, 250])
    elif kind == "coordinates":
        bad["latitude"] = rng.choice([-91.0, 95.5])
        bad["longitude"] = rng.choice([-181.0, 200.0])
    else:
        del bad[rng.choice(["vehicleId", "type", "battery", "timestamp"])]
    return bad


def events(count: int, invalid_fraction: float, seed: int, now_ms: int):
    """The event stream: `count` events (forever when 0)."""
    rng = random.Random(seed)
    i = 0
    invalid_seen = 0
    while count == 0 or i < count:
        e = make_event(rng, i, now_ms)
        if is_invalid(i, invalid_fraction):
            e = spoil(e, INVALID_KINDS[invalid_seen % len(INVALID_KINDS)], rng)
            invalid_seen += 1
        yield e
        i += 1


def main() -> int:
    count = int(os.environ.get("EVENT_COUNT", "1000"))
    rate = float(os.environ.get("EVENTS_PER_SECOND", "10"))
    fraction = float(os.environ.get("INVALID_FRACTION", "0.1"))
    seed = int(os.environ.get("SEED", str(int(time.time()))))
    output = os.environ.get("OUTPUT", "-")
    if output != "-" and not os.path.exists(output):
        os.mkfifo(output)
    out = sys.stdout if output == "-" else open(output, "w", buffering=1)
    sent = 0
    start = time.monotonic()
    for e in events(count, fraction, seed, int(time.time() * 1000)):
        out.write(json.dumps(e, separators=(",", ":")) + "\n")
        sent += 1
        # Sleep to the schedule rather than a fixed pause, so the rate holds whatever writing costs.
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    out.close()
    print(f"produced {sent} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
