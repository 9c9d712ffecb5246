"""Fault injection on extract: SIGKILL the worker mid-stream, restart it, and every article's events are
in the API exactly once: no statement missing or invented, every article that yields a strike is a source
of a strike event, and on the topic each event's versions run 1..n without gaps, each published once
(extract re-delivers the candidates of work it had not committed; merge recognises them)."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Article, StatementEvent, StrikeEvent
from shared.topics import ARTICLES_RAW, TopicNames
from tests.conftest import ROOT, api_all, consume_all, make_producer, make_stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def devset_articles() -> list[Article]:
    now = datetime.now(UTC)
    docs = [json.loads(line) for line in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()]
    return [
        Article(
            article_id=f"kill-{d['id']}",
            title=d["title"],
            body=d["body"],
            source=d["source"],
            published_at=d["published_at"],
            ingested_at=now,
        )
        for d in docs
    ]


def produce(bootstrap: str, topic: str, articles: list[Article]) -> None:
    producer = make_producer(bootstrap)
    for a in articles:
        enc = encode(ARTICLES_RAW, a, source="/test")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)
    producer.close(timeout=30)


def test_sigkill_of_extract_mid_stream_loses_and_duplicates_no_event(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    from services.extract.nlp import default_extractor

    articles = devset_articles()
    offline = default_extractor().extract(articles)
    want_statements = {s.event_id for r in offline for s in r.statements}
    want_strike_articles = {r.article_id for r in offline if r.strikes}

    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_EXTRACT_BATCH_SIZE="4")
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    stack.start(("extract", "merge", "api"))
    try:
        stack.wait_healthy(timeout=120, services=("extract", "merge", "api"))
        api = stack.url("api")
        half = len(articles) // 2
        produce(kafka_bootstrap, names.articles_raw, articles[:half])
        wait_for(lambda: api_all(api), 60, "the first events in the API")
        assert stack.stop_one("extract", kill=True) == -9
        produce(kafka_bootstrap, names.articles_raw, articles[half:])
        restarted = time.monotonic()
        stack.start_one("extract")

        def complete() -> list[dict] | None:
            events = api_all(api)
            statements = {e["event_id"] for e in events if e["event_type"] == "statement"}
            sources = {s["article_id"] for e in events if e["event_type"] == "strike" for s in e["sources"]}
            return events if statements >= want_statements and sources >= want_strike_articles else None

        events = wait_for(complete, 180, "every article's events in the API after the restart")
        recovered_s = time.monotonic() - restarted
    finally:
        codes = stack.stop()
    assert set(codes.values()) == {0}, codes
    assert not stack.restarts, f"no worker may need a stall restart: {stack.restarts}"

    statements = [e for e in events if e["event_type"] == "statement"]
    assert {e["event_id"] for e in statements} == want_statements  # none missing, none invented
    strikes = [e for e in events if e["event_type"] == "strike"]
    for e in strikes:
        article_ids = [s["article_id"] for s in e["sources"]]
        assert len(article_ids) == len(set(article_ids)), f"{e['event_id']} cites an article twice"

    # On the topics: versions 1..n per id; a repeated (id, version) is the same record re-published
    # (only the processing timestamps differ).
    records = [
        decode(StrikeEvent, r.value) for r in consume_all(kafka_bootstrap, names.events_strike, expect=len(strikes))
    ] + [
        decode(StatementEvent, r.value)
        for r in consume_all(kafka_bootstrap, names.events_statement, expect=len(statements))
    ]  # fmt: skip
    copies: dict[tuple[str, int], set[str]] = defaultdict(set)
    for rec in records:
        copies[(rec.event_id, rec.version)].add(rec.model_dump_json(exclude={"ingested_at", "extracted_at"}))
    versions: dict[str, set[int]] = defaultdict(set)
    for event_id, version in copies:
        versions[event_id].add(version)
    gaps = {i: sorted(v) for i, v in versions.items() if sorted(v) != list(range(1, max(v) + 1))}
    assert not gaps, f"version gaps: {gaps}"
    differing = [k for k, v in copies.items() if len(v) > 1]
    assert not differing, f"one (event_id, version) with different contents: {differing[:5]}"
    # Extract re-delivers candidates of work it had not committed; merge, which was not killed, must
    # recognise every one (also of rows its retention window dropped) and publish none twice.
    twice = Counter((r.event_id, r.version) for r in records)
    assert all(n == 1 for n in twice.values()), f"re-published: {[k for k, n in twice.items() if n > 1][:5]}"
    api_versions = {e["event_id"]: e["version"] for e in events}
    assert api_versions == {i: max(v) for i, v in versions.items()}
    print(json.dumps({"articles": len(articles), "events": len(events), "records": len(records),
                      "republished": len(records) - len(copies), "lost": 0,
                      "restarts_after_stall": sum(stack.restarts.values()),
                      "recovered_s": round(recovered_s, 1)}))  # fmt: skip
