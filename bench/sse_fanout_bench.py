"""SSE fan-out: latency from an event reaching Kafka to its arrival at every connected GET /v1/stream
client, with 1 client (baseline) and 200 clients, in one run.

    .venv/bin/python bench/sse_fanout_bench.py [--clients 200] [--events 100] [--rate 10] [--out docs/bench/sse_fanout.json]

- A local broker (scripts/kafka.sh) and PostgreSQL (scripts/postgres.sh) and the real API service as
  its own process; the clients run in another process (asyncio + httpx streams), so they do not share
  the API's CPU time slices with the producer's Python.
- The producer publishes ``--events`` strike events at ``--rate`` per second to events.strike and
  stamps each with the wall-clock time just before the send; a client stamps each event id when its
  ``data:`` line arrives. Latency = arrival - send (one machine, one clock).
- Counted: deliveries expected (clients x events), received, duplicated, missing; p50/p95/p99/max.
- The clients are ``bench/stream_clients.py``, which the API load fault test uses too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_round(api_url: str, bootstrap: str, topic: str, clients: int, events: int, rate: float, tag: str,
              workdir: Path) -> dict[str, Any]:  # fmt: skip
    from kafka import KafkaProducer

    from shared.messages import encode
    from shared.schemas import StrikeEvent
    from shared.topics import EVENTS_STRIKE

    ready, out = workdir / f"ready-{tag}", workdir / f"arrivals-{tag}.json"
    run_id = int(time.time())
    ready.unlink(missing_ok=True)
    timeout = events / rate + 60
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.stream_clients", "--url", f"{api_url}/v1/stream?types=event", "--clients", str(clients),
         "--events", str(events), "--timeout", str(timeout), "--ready-file", str(ready), "--out", str(out)],
        cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("stream clients did not connect")
        time.sleep(0.1)
    time.sleep(1.0)  # let the last connections reach their first read
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    sent: dict[str, float] = {}
    start = time.monotonic()
    for i in range(events):
        target = start + i / rate
        while (now := time.monotonic()) < target:
            time.sleep(min(0.01, target - now))
        eid = f"fan-{run_id}-{tag}-{i:05d}"  # unique per run: the store ignores ids it already holds
        ev = StrikeEvent(event_id=eid, strike_type="shelling", occurred_on=date(2026, 1, 1),
                         locations=[{"name": "Kharkiv", "matched_text": "Kharkiv", "country_code": "UA", "lat": 49.99,
                                     "lon": 36.23, "geo_precision": 1}])  # fmt: skip
        enc = encode(EVENTS_STRIKE, ev, source="/bench")
        sent[eid] = time.time()
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers)
        producer.flush()
    producer.close()
    proc.wait(timeout=timeout + 30)
    got = json.loads(out.read_text())
    latencies = [(arr[eid] - sent[eid]) * 1000 for arr in got["arrivals"] for eid in arr if eid in sent]
    expected = clients * events
    return {
        "clients": clients, "events": events, "rate_per_s": rate, "deliveries_expected": expected,
        "received": len(latencies), "missing": expected - len(latencies), "duplicated": got["duplicates"],
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies), 1),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--pg-port", type=int, default=15435)
    ap.add_argument("--kafka-port", type=int, default=19492)
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "sse_fanout.json"))
    args = ap.parse_args()

    from services.runner import Stack, StackPorts
    from shared.kafka_admin import ensure_topics
    from shared.topics import TopicNames

    workdir = ROOT / ".cache" / "bench" / "sse_fanout"
    workdir.mkdir(parents=True, exist_ok=True)
    pg_env = dict(os.environ, PG_PORT=str(args.pg_port), PG_DATA_DIR=str(ROOT / ".cache" / "postgres" / "bench-sse"),
                  PG_DATABASE="warwire_sse")  # fmt: skip
    kafka_env = dict(
        os.environ, KAFKA_PORT=str(args.kafka_port), KAFKA_CONTROLLER_PORT=str(args.kafka_port + 1)
    )
    subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], env=pg_env, check=True)
    subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "start"], env=kafka_env, check=True)
    bootstrap = f"127.0.0.1:{args.kafka_port}"
    prefix = f"bench-sse-{int(time.time())}."
    names = TopicNames(prefix)
    ensure_topics([bootstrap], names)
    url = f"postgresql+asyncpg://warwire@127.0.0.1:{args.pg_port}/warwire_sse"
    stack = Stack(bootstrap=bootstrap, workdir=workdir, topic_prefix=prefix, group_prefix=prefix.rstrip("."),
                  ports=StackPorts(api=18490), extra_env={"DATABASE_URL": url, "WARWIRE_API_SSE_HEARTBEAT_S": "5"})  # fmt: skip
    rounds = []
    try:
        stack.start(("api",))
        stack.wait_healthy(timeout=120, services=("api",))
        for clients, tag in ((1, "baseline"), (args.clients, "fanout")):
            row = run_round(
                stack.url("api"),
                bootstrap,
                names.events_strike,
                clients,
                args.events,
                args.rate,
                tag,
                workdir,
            )
            rounds.append(row)
            print(json.dumps(row), flush=True)
    finally:
        stack.stop()
        subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "stop"], env=kafka_env, check=False)
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop"], env=pg_env, check=False)
    report = {
        "command": f"bench/sse_fanout_bench.py --clients {args.clients} --events {args.events} --rate {args.rate}",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "store": "postgresql", "rounds": rounds, "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
