"""Fault injection on the broker: the four services run on a broker of the test's own; a third of the
articles is pushed to ingest, the broker is shut down and started again on the same data, and articles are
pushed while it is down (ingest answers 503, the client retries, as a pushing client should) and after it
is back. The services reconnect by themselves: every article's events reach the API exactly once, and the
alert service raises a new_actor alert for every actor and theater among the strikes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.ingest.ingestor import ArticleIn, Ingestor
from services.ingest.seen import SeenStore
from services.runner import LocalBroker
from shared.kafka_admin import ensure_topics
from shared.schemas import Article, StrikeEvent
from shared.schemas.events import theater_of
from shared.topics import TopicNames
from tests.conftest import ROOT, api_all, make_stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults]


class _NoPublish:
    def publish(self, article: object) -> None:
        raise AssertionError("normalise only")


def devset_pushes() -> list[dict[str, str]]:
    docs = [json.loads(line) for line in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()]
    return [
        {"title": d["title"], "body": d["body"], "source": d["source"], "published_at": d["published_at"],
         "url": f"https://restart.example/{d['id']}"}
        for d in docs
    ]  # fmt: skip


def normalised(pushes: list[dict[str, str]]) -> list[Article]:
    """What ingest publishes for these pushes (same ids and text), for an offline extraction."""
    ingestor = Ingestor(_NoPublish(), SeenStore(":memory:"))
    return [ingestor.normalise(ArticleIn.model_validate(p)) for p in pushes]


class RetryingPusher(threading.Thread):
    """Pushes articles one by one, retrying each on 503 (or a time-out) until it is accepted."""

    def __init__(self, ingest: str, pushes: list[dict[str, str]], deadline_s: float) -> None:
        super().__init__(daemon=True)
        self.ingest, self.pushes, self.deadline = ingest, pushes, time.monotonic() + deadline_s
        self.statuses: list[int] = []
        self.error: str | None = None
        self.retry_after_s = 1.0
        self.pause = threading.Event()  # never set: a pushing client's back-off between retries

    def run(self) -> None:
        with httpx.Client(timeout=60) as client:
            for push in self.pushes:
                while True:
                    try:
                        response = client.post(f"{self.ingest}/v1/articles", json=push)
                        status = response.status_code
                        self.retry_after_s = float(response.headers.get("Retry-After", 1))
                    except httpx.HTTPError:
                        status = 0
                    self.statuses.append(status)
                    if status in (200, 202):
                        break
                    if status not in (0, 503) or time.monotonic() > self.deadline:
                        self.error = f"push answered {status}"
                        return
                    self.pause.wait(self.retry_after_s)  # the client's retry interval, as ingest asks


def test_broker_restart_mid_stream_loses_and_duplicates_nothing(tmp_path: Path, unique: str) -> None:
    from services.extract.nlp import default_extractor

    pushes = devset_pushes()
    offline = default_extractor().extract(normalised(pushes))
    want_statements = {s.event_id for r in offline for s in r.statements}
    want_strike_articles = {r.article_id for r in offline if r.strikes}

    broker = LocalBroker(tmp_path / "kafka")
    broker.start()
    stack = make_stack(broker.bootstrap, unique, tmp_path / "stack", WARWIRE_INGEST_PUBLISH_TIMEOUT_S="5")
    try:
        ensure_topics(broker.bootstrap, TopicNames(stack.topic_prefix))
        stack.start()
        stack.wait_healthy(timeout=180)
        api, ingest = stack.url("api"), stack.url("ingest")
        third = len(pushes) // 3
        first = RetryingPusher(ingest, pushes[:third], 60)
        first.run()
        assert first.error is None and set(first.statuses) == {202}, first.statuses
        wait_for(lambda: api_all(api), 90, "the first events in the API")

        broker.stop()
        down_at = time.monotonic()
        during = RetryingPusher(ingest, pushes[third : 2 * third], 240)
        during.start()
        wait_for(lambda: 503 in during.statuses or 0 in during.statuses, 60, "ingest refusing while down")
        assert httpx.get(f"{ingest}/readyz", timeout=5).status_code == 503
        broker.start()
        back_at = time.monotonic()
        during.join(timeout=240)
        assert during.error is None and not during.is_alive(), during.statuses
        after = RetryingPusher(ingest, pushes[2 * third :], 120)
        after.run()
        assert after.error is None, after.statuses

        def complete() -> list[dict[str, Any]] | None:
            events = api_all(api)
            statements = {e["event_id"] for e in events if e["event_type"] == "statement"}
            sources = {s["article_id"] for e in events if e["event_type"] == "strike" for s in e["sources"]}
            return events if statements >= want_statements and sources >= want_strike_articles else None

        events = wait_for(complete, 240, "every article's events in the API after the broker restart") or []
        recovered_s = time.monotonic() - back_at
        strikes = [e for e in events if e["event_type"] == "strike"]
        want_alerts = {
            (e["actor"]["name"], theater)
            for e in strikes
            if e.get("actor") and (theater := theater_of(StrikeEvent.model_validate(e))) is not None
        }

        def alerted() -> set[tuple[str, str]] | None:
            got = {(a["actor"]["name"], a["theater"]) for a in api_all(api, "alerts", kind="new_actor")}
            return got if got >= want_alerts else None

        wait_for(alerted, 120, "a new_actor alert for every actor and theater among the strikes")
    finally:
        codes = stack.stop()
        broker.stop()
    assert set(codes.values()) == {0}, codes

    statements = [e for e in events if e["event_type"] == "statement"]
    assert {e["event_id"] for e in statements} == want_statements  # none missing, none invented
    for e in strikes:
        cited = [s["article_id"] for s in e["sources"]]
        assert len(cited) == len(set(cited)), f"{e['event_id']} cites an article twice"
    retries = sum(1 for s in during.statuses if s != 202)
    print(json.dumps({"articles": len(pushes), "events": len(events), "strikes": len(strikes),
                      "statements": len(statements), "new_actor_alerts": len(want_alerts),
                      "pushes_refused_while_down": retries, "broker_down_s": round(back_at - down_at, 1),
                      "restarts_after_stall": dict(stack.restarts), "lost": 0, "duplicated": 0,
                      "recovered_s": round(recovered_s, 1)}))  # fmt: skip
