"""Poison on articles.raw: invalid JSON, JSON of the wrong schema, binary data, a 5 MB article (over
extract's size limit) and one of 10,000 one-word sentences each end on the dead-letter topic with their reason,
while the good articles around them are all extracted. A first round of other good articles alone is
the baseline for the throughput of good articles with poison between them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.deadletter import original_value
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Article, DeadLetter, StatementEvent
from shared.topics import ARTICLE_MAX_MESSAGE_BYTES, ARTICLES_RAW, TopicNames
from tests.conftest import ROOT, consume_all, make_producer, make_stack, wait_for

pytestmark = pytest.mark.integration


def article(aid: str, body: str) -> Article:
    return Article(article_id=aid, body=body, source="poison-test", published_at=datetime(2026, 3, 4, tzinfo=UTC),
                   ingested_at=datetime.now(UTC))  # fmt: skip


def statement_sources(bootstrap: str, topic: str) -> set[str]:
    return {
        s.article_id
        for r in consume_all(bootstrap, topic, expect=1, timeout=5)
        for s in decode(StatementEvent, r.value).sources
    }


def test_poison_is_dead_lettered_and_good_articles_flow(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    from services.extract.nlp import default_extractor

    docs = [json.loads(x) for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()]
    good = [article(f"good-{d['id']}", d["body"]) for d in docs[:20]]
    baseline = [article(f"base-{d['id']}", d["body"]) for d in docs[20:40]]
    poison: dict[str, bytes] = {
        "invalid_json": b'{"article_id": "x", "body": ',
        "schema": json.dumps({"article_id": 7, "text": "no body"}).encode(),
        "invalid_utf8": bytes(range(256)) * 16,
        # 5 MB: over extract's default 1 MB limit, within the 8 MiB that articles.raw accepts.
        "too_large": encode(
            ARTICLES_RAW, article("big", "Shelling was reported. " * 230_000), source="/t"
        ).value,
        "too_many_sentences": encode(ARTICLES_RAW, article("words", "Word. " * 10_000), source="/t").value,
    }
    assert len(poison["too_large"]) > 5_000_000
    # Every good article that states something is extracted, as an offline run of the same extractor says.
    expect_baseline = {r.article_id for r in default_extractor().extract(baseline) if r.statements}
    expect_good = {r.article_id for r in default_extractor().extract(good) if r.statements}
    stack = make_stack(kafka_bootstrap, unique, tmp_path)
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    stack.start(("extract", "merge"))
    try:
        stack.wait_healthy(timeout=120, services=("extract", "merge"))
        producer = make_producer(kafka_bootstrap, max_request_size=ARTICLE_MAX_MESSAGE_BYTES)

        def send(articles: list[Article], bad: dict[str, bytes]) -> float:
            started = time.monotonic()
            between = iter(bad.items())
            for i, a in enumerate(articles):
                enc = encode(ARTICLES_RAW, a, source="/t")
                producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
                if i % 4 == 0 and (item := next(between, None)) is not None:
                    producer.send(names.articles_raw, key=item[0].encode(), value=item[1])
            producer.flush(timeout=30)
            return started

        started = send(baseline, {})
        wait_for(lambda: statement_sources(kafka_bootstrap, names.events_statement) >= expect_baseline, 90,
                 "statements from the baseline articles", interval=0.05)  # fmt: skip
        baseline_s = time.monotonic() - started

        started = send(good, poison)
        found = wait_for(
            lambda: (f := statement_sources(kafka_bootstrap, names.events_statement) - expect_baseline) >= expect_good and f,
            90, "statements from the good articles between the poison", interval=0.05,
        )  # fmt: skip
        good_s = time.monotonic() - started
        producer.close(timeout=30)
        assert found == expect_good  # the service kept going past each poison message

        def dead_letters() -> list | None:
            records = consume_all(kafka_bootstrap, names.deadletter, expect=len(poison), timeout=5)
            return records if len(records) >= len(poison) else None

        records = wait_for(dead_letters, 90, "every poison message dead-lettered")
        dead = [decode(DeadLetter, r.value) for r in records]
        assert sorted(d.reason for d in dead) == sorted(poison)
        by_reason = {d.reason: d for d in dead}
        for reason, value in poison.items():
            assert original_value(by_reason[reason]) == value, reason  # the original bytes, for a replay
            assert not by_reason[reason].original_truncated
            assert (
                by_reason[reason].service == "extract"
                and by_reason[reason].source_topic == names.articles_raw
            )
        print(json.dumps({"good": len(good), "poison": len(poison), "dead_lettered": len(dead),
                          "good_articles_with_statements": len(found), "baseline_s": round(baseline_s, 2),
                          "with_poison_s": round(good_s, 2),
                          "baseline_articles_per_s": round(len(baseline) / baseline_s, 1),
                          "with_poison_articles_per_s": round(len(good) / good_s, 1)}))  # fmt: skip
    finally:
        codes = stack.stop()
    assert codes["extract"] == 0
