"""Raw poison bytes straight onto articles.raw and events.strike (deep nesting, a 5,000-digit number,
invalid UTF-8, NUL bytes, a lone surrogate): every consumer (extract, detect, the API's materialiser on
PostgreSQL) dead-letters each one with the original and the reason, keeps running, and processes the
good messages produced after them, including a valid event whose text carries NUL characters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.deadletter import original_value
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Article, DeadLetter, StatementEvent, StrikeEvent
from shared.topics import ARTICLES_RAW, EVENTS_STRIKE, TopicNames
from tests.conftest import ROOT, consume_all, create_postgres_database, make_producer, make_stack, wait_for

pytestmark = pytest.mark.integration

POISON: dict[str, bytes] = {
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    "5000-digits": b'{"event_id": ' + b"9" * 5000 + b', "article_id": 1}',
    "invalid-utf8": b'{"event_id": "\xff\xfe\xfd", "article_id": "\xc3\x28"}',
    "raw-nul": b'{"event_id": "a\x00b", "article_id": "a\x00b"}',
    "nul-bytes": b"\x00" * 64,
    "lone-surrogate": b'{"event_id": "\\ud800", "article_id": "\\udc00"}',
}


def strike(event_id: str, actor: str, source: str = "Wire", url: str | None = None) -> StrikeEvent:
    place = {"name": "Hama", "matched_text": "Hama", "kind": "populated_place", "country_code": "SY",
             "lat": 35.13, "lon": 36.75, "geo_precision": 1}  # fmt: skip
    return StrikeEvent(
        event_id=event_id, strike_type="air_strike", actor={"name": actor, "kind": "state_military"},
        locations=[place], occurred_on=date(2026, 3, 4), confidence=0.8,
        sources=[{"article_id": f"{event_id}-a", "source": source, "url": url}],
        evidence=[{"article_id": f"{event_id}-a", "sentence": f"{actor} jets struck Hama.", "char_start": 0, "char_end": 10}],
    )  # fmt: skip


def dead_letters(bootstrap: str, topic: str, expect: int) -> list[DeadLetter] | None:
    dead = [decode(DeadLetter, r.value) for r in consume_all(bootstrap, topic, expect=expect, timeout=5)]
    return dead if len(dead) >= expect else None


def api_get(api: str, path: str) -> Any:
    r = httpx.get(api + path, timeout=5)
    return r.json() if r.status_code == 200 else None


def test_every_consumer_dead_letters_poison_and_keeps_going(
    kafka_bootstrap: str, unique: str, tmp_path: Path, postgres_server: str
) -> None:
    from services.extract.nlp import default_extractor

    docs = [json.loads(x) for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()]
    good = [
        Article(article_id=f"good-{d['id']}", body=d["body"], source="poison-test",
                published_at=datetime(2026, 3, 4, tzinfo=UTC), ingested_at=datetime.now(UTC))
        for d in docs[:8]
    ]  # fmt: skip
    expect_statements = {r.article_id for r in default_extractor().extract(good) if r.statements}
    assert expect_statements
    nul_event = strike("stk_nul\x00", "Nul\x00land", source="Out\x00let", url="https://e.org/\x00a")
    clean_event = strike("stk_clean", "Freedonia")

    database = create_postgres_database(postgres_server, unique)
    stack = make_stack(kafka_bootstrap, unique, tmp_path, DATABASE_URL=database)
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    services = ("extract", "merge", "detect", "alert", "api")
    stack.start(services)
    try:
        stack.wait_healthy(timeout=180, services=services)
        producer = make_producer(kafka_bootstrap)
        for key, value in POISON.items():  # poison first, good messages after it
            producer.send(names.articles_raw, key=key.encode(), value=value)
            producer.send(names.events_strike, key=key.encode(), value=value)
        for event in (nul_event, clean_event):
            enc = encode(EVENTS_STRIKE, event, source="/t")
            producer.send(names.events_strike, key=enc.key, value=enc.value, headers=enc.headers)
        for a in good:
            enc = encode(ARTICLES_RAW, a, source="/t")
            producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
        producer.flush(timeout=30)
        producer.close(timeout=30)

        # Each poison message: one dead letter from extract (articles.raw), one from detect and one from the
        # API (both read events.strike), each with the original bytes and a reason.
        expected = 3 * len(POISON)
        dead = wait_for(lambda: dead_letters(kafka_bootstrap, names.deadletter, expected), 120,
                        "every poison message dead-lettered by every consumer")  # fmt: skip
        by_service: dict[tuple[str, str | None], set[bytes | None]] = {}
        for d in dead:
            assert d.reason in {"invalid_json", "invalid_utf8", "schema"} and d.detail, d
            by_service.setdefault((d.service, d.source_topic), set()).add(original_value(d))
        assert by_service == {
            ("extract", names.articles_raw): set(POISON.values()),
            ("detect", names.events_strike): set(POISON.values()),
            ("api", names.events_strike): set(POISON.values()),
        }

        # The good messages after the poison are processed: statements from the articles...
        def statement_sources() -> set[str] | None:
            found = {
                s.article_id
                for r in consume_all(kafka_bootstrap, names.events_statement, expect=1, timeout=5)
                for s in decode(StatementEvent, r.value).sources
            }
            return found if found >= expect_statements else None

        wait_for(statement_sources, 180, "statements from the good articles after the poison")
        # ...both events in the API on PostgreSQL, the NUL-carrying one with NUL stripped...
        api = stack.url("api")
        stored = wait_for(lambda: api_get(api, "/v1/events/stk_nul"), 60, "the event with NUL text stored")
        assert stored["actor"]["name"] == "Nulland" and stored["sources"][0]["source"] == "Outlet"
        wait_for(lambda: api_get(api, "/v1/events/stk_clean"), 60, "the clean event stored")
        # ...and the alert service raised the new-actor alerts, which the API stored too.
        alerts = wait_for(
            lambda: (items := api_get(api, "/v1/alerts?kind=new_actor")) and len(items["items"]) >= 2 and items,
            90, "new-actor alerts for both good events",
        )  # fmt: skip
        assert {a["actor"]["name"] for a in alerts["items"]} >= {"Nulland", "Freedonia"}
        assert httpx.get(api + "/readyz", timeout=5).json()["consumer"] is True
    finally:
        codes = stack.stop()
    assert codes == dict.fromkeys(services, 0) and not stack.restarts, stack.log_tails()
