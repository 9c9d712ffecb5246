"""The API under load, on PostgreSQL: 200 SSE clients (in a process of their own) and eight threads of
filtered queries, each sending its next query as soon as the last is answered, while strike events flow
from Kafka. No request gets a 5xx, and no stream client misses or repeats an event. The first half of the
events reaches the streams without the query load: the baseline for the stream latency under it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.kafka_admin import ensure_topics
from shared.messages import encode
from shared.schemas import StrikeEvent
from shared.topics import EVENTS_STRIKE, TopicNames
from tests.conftest import ROOT, create_postgres_database, make_producer, make_stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults]

CLIENTS, EVENTS, RATE_PER_S, QUERY_THREADS = 200, 200, 10.0, 8
PLACES = [("UA", "Kharkiv", 49.99, 36.23), ("SY", "Aleppo", 36.2, 37.16), ("YE", "Sanaa", 15.35, 44.21)]
ACTORS = ["Russia", "Syria", "Houthis", "Ukraine"]
QUERIES = [
    "/v1/events?limit=50",
    "/v1/events?country=UA",
    "/v1/events?actor=russia&limit=20",
    "/v1/events?strike_type=shelling&country=SY",
    "/v1/events?bbox=34,30,40,40",
    "/v1/events?q=shelling%20market",
    "/v1/events?min_confidence=0.5&since=2026-01-01",
    "/v1/alerts?limit=20",
    BY_ID := "/v1/events/load-0000",
]


def event(i: int) -> StrikeEvent:
    code, town, lat, lon = PLACES[i % len(PLACES)]
    return StrikeEvent(
        event_id=f"load-{i:04d}",  # fresh topics and database per test
        strike_type="shelling",
        actor={"name": ACTORS[i % len(ACTORS)], "kind": "state_military"},
        locations=[{"name": town, "matched_text": town, "country_code": code, "lat": lat, "lon": lon,
                    "geo_precision": 1}],
        occurred_on=date(2026, 10, 1 + i % 28),
        evidence=[{"article_id": f"a{i}", "sentence": f"Shelling hit a market in {town}.", "char_start": 0,
                   "char_end": 20}],
        sources=[{"article_id": f"a{i}", "source": "Wire"}],
    )  # fmt: skip


class QueryLoad(threading.Thread):
    def __init__(self, api: str, offset: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.api, self.offset, self.halt = api, offset, stop
        self.statuses: list[tuple[str, int]] = []
        self.ms: list[float] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.api, timeout=30) as client:
            i = self.offset
            while not self.halt.is_set():
                started = time.perf_counter()
                query = QUERIES[i % len(QUERIES)]
                status = client.get(query).status_code
                self.ms.append((time.perf_counter() - started) * 1000)
                self.statuses.append((query, status))
                i += 1


def test_200_streams_and_concurrent_queries_while_events_flow(
    kafka_bootstrap: str, unique: str, tmp_path: Path, postgres_server: str
) -> None:
    stack = make_stack(kafka_bootstrap, unique, tmp_path, DATABASE_URL=create_postgres_database(postgres_server, unique),
                       WARWIRE_API_SSE_HEARTBEAT_S="2")  # fmt: skip
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    stack.start(("api",))
    ready, out = tmp_path / "clients-ready", tmp_path / "arrivals.json"
    clients = None
    halt = threading.Event()
    loads = []
    try:
        stack.wait_healthy(timeout=120, services=("api",))
        api = stack.url("api")
        timeout = EVENTS / RATE_PER_S + 90
        clients = subprocess.Popen(
            [sys.executable, "-m", "bench.stream_clients", "--url", f"{api}/v1/stream?types=event",
             "--clients", str(CLIENTS), "--events", str(EVENTS), "--timeout", str(timeout),
             "--ready-file", str(ready), "--out", str(out)],
            cwd=ROOT,
        )  # fmt: skip
        wait_for(lambda: ready.exists() or clients.poll() is not None, 60, "every stream client connected")
        assert clients.poll() is None, "the stream clients exited before connecting"
        loads = [QueryLoad(api, n, halt) for n in range(QUERY_THREADS)]

        # The first half of the events flows to the streams alone (the baseline), the second half while
        # the query threads run as fast as the API answers them.
        producer = make_producer(kafka_bootstrap)
        sent: dict[str, float] = {}
        pace = threading.Event()  # never set: paces the sends
        start = time.monotonic()
        for i in range(EVENTS):
            if i == EVENTS // 2:
                for load in loads:
                    load.start()
            pace.wait(max(0.0, start + i / RATE_PER_S - time.monotonic()))
            ev = event(i)
            enc = encode(EVENTS_STRIKE, ev, source="/test")
            sent[ev.event_id] = time.time()
            producer.send(names.events_strike, key=enc.key, value=enc.value, headers=enc.headers).get(
                timeout=30
            )
        producer.close(timeout=30)
        clients.wait(timeout=timeout + 30)
    finally:
        halt.set()
        for load in loads:
            load.join(timeout=60)
        if clients is not None and clients.poll() is None:
            clients.kill()
        codes = stack.stop()
    assert codes["api"] == 0

    got = json.loads(out.read_text())
    assert not got["errors"], got["errors"][:5]
    missing = {i: EVENTS - len(a) for i, a in enumerate(got["arrivals"]) if set(a) != set(sent)}
    assert not missing, f"stream clients missed events: {dict(list(missing.items())[:5])}"
    assert got["duplicates"] == 0
    statuses = [s for load in loads for s in load.statuses]
    server_errors = [s for s in statuses if s[1] >= 500]
    assert not server_errors, f"{len(server_errors)} 5xx answers: {sorted(set(server_errors))}"
    # Every answer is a 200, but for the one event looked up by id before it was stored.
    unexpected = {s for s in statuses if s[1] != 200 and s != (BY_ID, 404)}
    assert not unexpected, sorted(unexpected)
    ms = [m for load in loads for m in load.ms]
    loaded = {event(i).event_id for i in range(EVENTS // 2, EVENTS)}
    sse_alone = [(a[e] - sent[e]) * 1000 for a in got["arrivals"] for e in a if e not in loaded]
    sse_loaded = [(a[e] - sent[e]) * 1000 for a in got["arrivals"] for e in a if e in loaded]
    print(json.dumps({"stream_clients": CLIENTS, "events": EVENTS, "deliveries": len(sse_alone) + len(sse_loaded),
                      "missed": 0, "duplicated": 0, "queries": len(ms), "query_5xx": 0,
                      "queries_per_s": round(len(ms) / (EVENTS / 2 / RATE_PER_S), 1),
                      "query_ms": quantiles(ms), "sse_ms_streams_alone": quantiles(sse_alone),
                      "sse_ms_with_queries": quantiles(sse_loaded)}))  # fmt: skip


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    at = lambda q: round(ordered[int(q * (len(ordered) - 1))], 1)  # noqa: E731
    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)}
