"""Two API replicas on one PostgreSQL, materialising in one consumer group while both serve the live
feed: their write sequences come from the database, so nothing collides, and a client of either
replica receives every event, including those the other replica wrote."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from services.runner import Stack, StackPorts
from shared.kafka_admin import ensure_topics
from shared.messages import encode
from shared.schemas import StrikeEvent
from shared.topics import EVENTS_STRIKE, TopicNames
from tests.conftest import create_postgres_database, make_producer, make_stack, wait_for
from tests.integration.test_api_stream import read

pytestmark = [pytest.mark.integration, pytest.mark.faults]
N = 120


@pytest.fixture
def replicas(
    kafka_bootstrap: str, unique: str, tmp_path: Path, postgres_server: str
) -> Iterator[list[Stack]]:
    url = create_postgres_database(postgres_server, unique)
    env = {"DATABASE_URL": url, "WARWIRE_API_SSE_HEARTBEAT_S": "0.5", "WARWIRE_API_FEED_POLL_S": "0.2"}
    # One topic prefix and group: the two are replicas of one API, each with its own port.
    stacks = [make_stack(kafka_bootstrap, unique, tmp_path / f"r{i}", **env) for i in range(2)]
    stacks[1].ports = StackPorts.free()
    ensure_topics(kafka_bootstrap, TopicNames(stacks[0].topic_prefix))
    for s in stacks:
        s.start(("api",))  # both at once: their migrations meet on one database
    try:
        for s in stacks:
            s.wait_healthy(timeout=90, services=("api",))
        yield stacks
    finally:
        codes = [s.stop().get("api") for s in stacks]
        assert codes == [0, 0], f"a replica did not shut down cleanly: {codes}"


def test_two_replicas_share_one_database_and_every_stream_misses_nothing(
    replicas: list[Stack], kafka_bootstrap: str
) -> None:
    names = TopicNames(replicas[0].topic_prefix)
    received: dict[int, list[str]] = {}

    def client(i: int) -> None:
        # From the start of the feed, so the test does not race the connection against the first event.
        got = read(f"{replicas[i].url('api')}/v1/stream?last_event_id=0", N, timeout=120)
        received[i] = [doc["event_id"] for _, _, doc in got]

    readers = [threading.Thread(target=client, args=(i,)) for i in range(2)]
    for t in readers:
        t.start()
    producer = make_producer(kafka_bootstrap)
    ids = [f"rep-{k:03d}" for k in range(N)]
    for eid in ids:  # keyed by id: spread over every partition, so both replicas write
        ev = StrikeEvent(event_id=eid, strike_type="shelling", occurred_on=date(2026, 1, 1))
        enc = encode(EVENTS_STRIKE, ev, source="/test")
        producer.send(names.events_strike, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()
    for t in readers:
        t.join(timeout=150)

    for i in range(2):
        assert sorted(received.get(i, [])) == ids, f"replica {i}'s stream missed or repeated events"

    def stored() -> int:
        page = httpx.get(f"{replicas[0].url('api')}/v1/events", params={"limit": 500}, timeout=10).json()
        return len(page["items"])

    wait_for(lambda: stored() == N, 30, "every event stored once")
    for s in replicas:  # both materialisers still running: no sequence collided
        health = httpx.get(f"{s.url('api')}/healthz", timeout=10)
        assert health.status_code == 200, health.text
    logs = [(s.workdir / "api.log").read_text(errors="replace") for s in replicas]
    assert not any("IntegrityError" in text for text in logs)
