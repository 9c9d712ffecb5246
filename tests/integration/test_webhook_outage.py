"""Fault injection on a subscriber: a steady flow of strike events (one new force a second, each raising
one new_actor alert) while the webhook receiver is up, then down for 60 s (its port closed), then up
again. With the production retry policy, every alert version on the alerts topic reaches the receiver
exactly once by webhook-id, with a valid signature, and nothing is dead-lettered."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Alert, DeadLetter, StrikeEvent
from shared.topics import EVENTS_STRIKE, TopicNames
from tests.conftest import consume_all, make_producer, make_stack, wait_for
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults]

RATE_PER_S = 1.0
UP_BEFORE_S, DOWN_S, UP_AFTER_S = 15.0, 60.0, 15.0
THEATERS = [("SY", "Aleppo", 36.2, 37.16), ("UA", "Kharkiv", 49.99, 36.23), ("YE", "Sanaa", 15.35, 44.21)]


def event(i: int) -> StrikeEvent:
    code, town, lat, lon = THEATERS[i % len(THEATERS)]
    return StrikeEvent(
        event_id=f"outage-{i:04d}",
        strike_type="shelling",
        actor={"name": f"Brigade {i}", "kind": "non_state_armed_group"},
        locations=[{"name": town, "matched_text": town, "country_code": code, "lat": lat, "lon": lon,
                    "geo_precision": 1}],
        occurred_on=date(2026, 11, 1),
        sources=[{"article_id": f"a{i}", "source": "Wire"}],
    )  # fmt: skip


class SteadyProducer(threading.Thread):
    def __init__(self, bootstrap: str, topic: str, count: int) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.count = bootstrap, topic, count
        self.sent = 0
        self.clock = threading.Event()  # never set: paces the sends

    def run(self) -> None:
        producer = make_producer(self.bootstrap)
        start = time.monotonic()
        for i in range(self.count):
            self.clock.wait(max(0.0, start + i / RATE_PER_S - time.monotonic()))
            enc = encode(EVENTS_STRIKE, event(i), source="/test")
            producer.send(self.topic, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)
            self.sent += 1
        producer.close(timeout=30)


def test_receiver_down_60s_under_steady_alerts_gets_each_exactly_once(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver()
    receiver.start()
    # The production retry policy (no WARWIRE_DELIVER_* overrides): it must outlast a 60 s outage.
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                       WARWIRE_API_KEYS="k")  # fmt: skip
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    stack.start(("detect", "alert", "deliver", "api"))
    count = int((UP_BEFORE_S + DOWN_S + UP_AFTER_S) * RATE_PER_S)
    try:
        stack.wait_healthy(timeout=120, services=("detect", "alert", "deliver", "api"))
        api = stack.url("api")
        r = httpx.post(
            f"{api}/v1/webhooks", json={"url": receiver.url}, headers={"X-API-Key": "k"}, timeout=10
        )
        assert r.status_code == 201, r.text
        receiver.secret = r.json()["secret"]
        sub_id = r.json()["subscription_id"]

        producer = SteadyProducer(kafka_bootstrap, names.events_strike, count)
        producer.start()
        wait_for(lambda: len(receiver.deliveries) >= 3, 60, "the first deliveries while the receiver is up")
        wait_for(lambda: producer.sent >= UP_BEFORE_S * RATE_PER_S, 60, "the first part of the flow")
        receiver.stop()
        down_at = time.monotonic()
        delivered_before = len(receiver.deliveries)
        wait_for(
            lambda: time.monotonic() - down_at >= DOWN_S, DOWN_S + 5, "the end of the outage", interval=1
        )
        receiver.start()
        up_at = time.monotonic()
        producer.join(timeout=UP_AFTER_S + 60)
        assert producer.sent == count

        def every_version_delivered() -> set[str] | None:
            alerts = [
                decode(Alert, x.value)
                for x in consume_all(kafka_bootstrap, names.alerts, expect=count, timeout=5)
            ]
            want = {f"{a.alert_id}:{a.version}" for a in alerts}
            return want if len(alerts) >= count and set(receiver.webhook_ids()) >= want else None

        want = wait_for(every_version_delivered, 180, "every alert delivered after the receiver came back")
        backlog_done = max(d.at for d in receiver.deliveries)
        log = httpx.get(
            f"{api}/v1/webhooks/{sub_id}/deliveries", params={"limit": 500}, headers={"X-API-Key": "k"}
        )
        failed = [d for d in log.json()["items"] if d["outcome"] == "failed"]
    finally:
        codes = stack.stop()
        receiver.stop()
    assert set(codes.values()) == {0}, codes

    ids = receiver.webhook_ids()
    twice = {k: n for k, n in Counter(ids).items() if n > 1}
    assert not twice, f"delivered more than once: {twice}"
    assert set(ids) == want and len(ids) == count  # one new_actor alert per event, nothing else
    assert receiver.bad_signatures == 0
    assert sorted(d.body["actor"]["name"] for d in receiver.deliveries) == sorted(
        f"Brigade {i}" for i in range(count)
    )
    dead = [
        decode(DeadLetter, x.value)
        for x in consume_all(kafka_bootstrap, names.deadletter, expect=1, timeout=3)
    ]
    assert not [d for d in dead if d.reason == "webhook_undeliverable"]
    assert failed, "the outage left no failed attempt in the delivery log"
    print(json.dumps({"alerts": count, "delivered_before_outage": delivered_before,
                      "raised_during_outage": int(DOWN_S * RATE_PER_S), "delivered": len(ids), "duplicated": 0,
                      "lost": 0, "failed_attempts": len(failed),
                      "recovery_s": round(backlog_done - up_at, 1)}))  # fmt: skip
