"""The extract service (Faust) over the real broker: events out, poison messages dead-lettered,
offsets committed by its consumer group, merges of strikes and of statements across two articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kafka.admin import KafkaAdminClient

from services.runner import Stack
from shared.deadletter import original_value
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode, headers_dict
from shared.schemas import Article, DeadLetter, StatementEvent, StrikeEvent
from shared.topics import ARTICLES_RAW, TopicNames
from tests.conftest import consume_all, make_producer, make_stack, wait_for

pytestmark = pytest.mark.integration


def _article(aid: str, body: str, source: str) -> Article:
    return Article(
        article_id=aid,
        title="",
        body=body,
        source=source,
        published_at=datetime(2026, 3, 4, 10, tzinfo=UTC),
        ingested_at=datetime.now(UTC),
    )


@pytest.fixture
def extract_stack(kafka_bootstrap: str, unique: str, tmp_path):
    stack = make_stack(kafka_bootstrap, unique, tmp_path)
    ensure_topics(kafka_bootstrap, TopicNames(stack.topic_prefix))
    stack.start(("extract", "merge"))
    try:
        stack.wait_healthy(timeout=120, services=("extract", "merge"))
        yield stack
    finally:
        codes = stack.stop()
        assert codes["extract"] == 0, "extract did not shut down cleanly on SIGTERM"


def test_extract_service_end_to_end_over_kafka(extract_stack: Stack, kafka_bootstrap: str) -> None:
    names = TopicNames(extract_stack.topic_prefix)
    producer = make_producer(kafka_bootstrap)
    arts = [
        _article("a1", "Israeli jets bombed a weapons depot in Gaza on Monday.", "One"),
        _article("a2", "Israeli warplanes struck targets in Gaza on Monday, officials said.", "Two"),
        _article(
            "a3",
            "The Russian Defence Ministry denied that its jets had struck the hospital in Idlib.",
            "Three",
        ),
    ]
    for art in [arts[0], arts[2]]:
        enc = encode(ARTICLES_RAW, art, source="/test")
        producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
    # Poison: not JSON, and JSON of the wrong shape. Both must be dead-lettered, the agent must go on.
    producer.send(names.articles_raw, key=b"bad1", value=b"\x00\x01 not json")
    producer.send(names.articles_raw, key=b"bad2", value=b'{"article_id": 5}')
    enc = encode(ARTICLES_RAW, arts[1], source="/test")
    producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)

    strikes = consume_all(kafka_bootstrap, names.events_strike, expect=2, timeout=90)
    versions = [decode(StrikeEvent, r.value) for r in strikes]
    assert len({v.event_id for v in versions}) == 1, "both reports describe one strike"
    latest = max(versions, key=lambda v: v.version)
    assert latest.version == 2
    assert {s.source for s in latest.sources} == {"One", "Two"}
    assert latest.actor is not None and latest.actor.name == "Israel"
    assert headers_dict(strikes[0].headers)["ce_type"] == "io.warwire.event.strike.v1"

    # Statements are published coded: the side their speaker speaks for (shared.coding.code_statement).
    published = consume_all(kafka_bootstrap, names.events_statement, expect=1, timeout=60)
    denial = next(
        d for d in (decode(StatementEvent, r.value) for r in published) if d.sources[0].source == "Three"
    )
    side = denial.speaker.actor
    assert side is not None and (side.name, side.acled_inter, side.cameo_actor_code) == (
        "Russia",
        8,
        "RUSMIL",
    )

    dead = [
        decode(DeadLetter, r.value)
        for r in consume_all(kafka_bootstrap, names.deadletter, expect=2, timeout=30)
    ]
    assert sorted(d.reason for d in dead) == ["invalid_json", "schema"]
    assert {original_value(d) for d in dead} == {b"\x00\x01 not json", b'{"article_id": 5}'}

    # The Faust consumer group committed its offsets past all five messages.
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:

        def committed() -> int:
            group = f"{extract_stack.group_prefix}-extract"
            offsets = admin.list_group_offsets(group)[group]
            return sum(o.offset for tp, o in offsets.items() if tp.topic == names.articles_raw)

        wait_for(lambda: committed() >= 5, 30, "committed offsets on articles.raw")
    finally:
        admin.close()


def test_merge_state_survives_a_restart(extract_stack: Stack, kafka_bootstrap: str) -> None:
    """The merge table is changelog-backed: a report arriving after a restart still joins its event."""
    names = TopicNames(extract_stack.topic_prefix)
    producer = make_producer(kafka_bootstrap)

    def send(article: Article) -> None:
        enc = encode(ARTICLES_RAW, article, source="/test")
        producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
        producer.flush(timeout=30)

    send(_article("r1", "Russian warplanes bombed the town of Saraqib in Syria on Monday.", "One"))
    (first,) = [
        decode(StrikeEvent, r.value) for r in consume_all(kafka_bootstrap, names.events_strike, expect=1)
    ]
    assert first.version == 1

    assert extract_stack.stop_one("extract") == 0
    extract_stack.start_one("extract")
    extract_stack.wait_healthy(timeout=120, services=("extract", "merge"))

    send(_article("r2", "Russian jets struck Saraqib in Syria on Monday, a monitor said.", "Two"))
    send(
        _article("r1", "Russian warplanes bombed the town of Saraqib in Syria on Monday.", "One")
    )  # redelivery
    records = consume_all(kafka_bootstrap, names.events_strike, expect=2, timeout=90)
    events = [decode(StrikeEvent, r.value) for r in records]
    assert {e.event_id for e in events} == {first.event_id}
    assert [e.version for e in events] == [1, 2]
    assert {s.source for s in events[-1].sources} == {"One", "Two"}
    producer.close()


def test_one_quote_from_two_outlets_is_one_statement(extract_stack: Stack, kafka_bootstrap: str) -> None:
    """Statements merge across sources like strikes: the second outlet's copy of a quote raises the
    version of the first's statement, and a re-delivered article adds nothing."""
    names = TopicNames(extract_stack.topic_prefix)
    producer = make_producer(kafka_bootstrap)
    quote = [
        _article(
            "q1",
            '"Israel will pay a heavy price for this aggression," Iranian Foreign Minister Abbas '
            "Araghchi warned on Tuesday.",
            "One",
        ),
        _article(
            "q2",
            "Iran's foreign minister, Abbas Araghchi, warned on Tuesday that Israel will pay a heavy "
            "price for this aggression.",
            "Two",
        ),
    ]
    for art in [*quote, quote[0]]:  # the last is a re-delivery
        enc = encode(ARTICLES_RAW, art, source="/test")
        producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()

    records = consume_all(kafka_bootstrap, names.events_statement, expect=2, timeout=90)
    versions = [decode(StatementEvent, r.value) for r in records]
    assert len({v.event_id for v in versions}) == 1, "one quote, one statement"
    assert [v.version for v in versions] == [1, 2]
    assert {s.source for s in versions[-1].sources} == {"One", "Two"}
    assert versions[-1].speaker.name == "Abbas Araghchi"
    # Nothing more arrives: the re-delivered article's copy joined the statement it already was.
    assert len(consume_all(kafka_bootstrap, names.events_statement, expect=3, timeout=10)) == 2
