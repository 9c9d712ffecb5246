"""GET /v1/stream over the real broker and a real uvicorn server: events arrive live, and a client
that reconnects with Last-Event-ID receives exactly what it missed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from services.runner import Stack
from shared.kafka_admin import ensure_topics
from shared.messages import encode
from shared.schemas import StrikeEvent
from shared.topics import EVENTS_STRIKE, TopicNames
from tests.conftest import make_producer, make_stack

pytestmark = pytest.mark.integration


@pytest.fixture
def api(kafka_bootstrap: str, unique: str, tmp_path, database_url: str) -> Iterator[Stack]:
    stack = make_stack(
        kafka_bootstrap, unique, tmp_path, WARWIRE_API_SSE_HEARTBEAT_S="0.5", DATABASE_URL=database_url
    )
    ensure_topics(kafka_bootstrap, TopicNames(stack.topic_prefix))
    stack.start(("api",))
    try:
        stack.wait_healthy(timeout=60, services=("api",))
        yield stack
    finally:
        assert stack.stop()["api"] == 0


def send(bootstrap: str, names: TopicNames, *ids: str) -> None:
    producer = make_producer(bootstrap)
    for eid in ids:
        ev = StrikeEvent(event_id=eid, strike_type="shelling", occurred_on=date(2026, 1, 1))
        enc = encode(EVENTS_STRIKE, ev, source="/test")
        producer.send(names.events_strike, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)
    producer.close(timeout=30)


def read(
    url: str, want: int, *, headers: dict[str, str] | None = None, timeout: float = 30
) -> list[tuple[str, str, dict]]:
    """Read SSE messages until ``want`` data messages arrived (heartbeats keep the read from blocking)."""
    out: list[tuple[str, str, dict]] = []
    msg: dict[str, str] = {}
    with httpx.stream("GET", url, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(("id:", "event:", "data:")):
                field, _, value = line.partition(":")
                msg[field] = value.strip()
            elif line == "" and "data" in msg:
                out.append((msg["id"], msg["event"], json.loads(msg["data"])))
                msg = {}
                if len(out) >= want:
                    break
    return out


def test_live_events_and_resume_with_last_event_id(api: Stack, kafka_bootstrap: str) -> None:
    names = TopicNames(api.topic_prefix)
    url = f"{api.url('api')}/v1/stream?last_event_id=0"
    send(kafka_bootstrap, names, "e1", "e2")
    first = read(url, 2)
    assert [(kind, doc["event_id"]) for _, kind, doc in first] == [("event", "e1"), ("event", "e2")]
    last_id = first[-1][0]

    send(kafka_bootstrap, names, "e3", "e4")  # while no client is connected
    resumed = read(f"{api.url('api')}/v1/stream", 2, headers={"Last-Event-ID": last_id})
    assert [doc["event_id"] for _, _, doc in resumed] == ["e3", "e4"]  # exactly what was missed
    assert int(resumed[0][0]) > int(last_id)


def test_stream_filters_and_bad_input(api: Stack, kafka_bootstrap: str) -> None:
    base = f"{api.url('api')}/v1/stream"
    bad = httpx.get(base, headers={"Last-Event-ID": "yesterday"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["detail"]["reason"] == "bad_last_event_id"
    assert httpx.get(base, params={"types": "nothing"}, timeout=10).status_code == 422
    names = TopicNames(api.topic_prefix)
    send(kafka_bootstrap, names, "f1")
    with httpx.stream("GET", base, params={"types": "alert", "last_event_id": "0"}, timeout=10) as response:
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if sum(1 for x in lines if x.startswith(": heartbeat")) >= 2:
                break
    assert not any(x.startswith("data:") for x in lines)  # the event was filtered out on the server


def test_sigterm_ends_open_streams_instead_of_waiting_for_them(
    kafka_bootstrap: str, unique: str, tmp_path
) -> None:
    """A client that never hangs up must not hold the shutdown until uvicorn's 10 s drain timeout: the
    stream ends when the signal arrives, the client sees its end, and the service exits 0."""
    import threading
    import time

    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_API_SSE_HEARTBEAT_S="30")
    ensure_topics(kafka_bootstrap, TopicNames(stack.topic_prefix))
    stack.start(("api",))
    stack.wait_healthy(timeout=60, services=("api",))
    connected, ended = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{stack.url('api')}/v1/stream", timeout=60) as response:
            for _ in response.iter_lines():
                connected.set()  # the stream's first line ("retry: ...") arrived
        ended.set()

    client = threading.Thread(target=listen, daemon=True)
    client.start()
    assert connected.wait(30), "the stream did not open"
    started = time.monotonic()
    assert stack.stop_one("api") == 0
    took = time.monotonic() - started
    assert took < 8, f"shutdown took {took:.1f} s: the open stream held it"
    assert ended.wait(10), "the client's stream did not end"
