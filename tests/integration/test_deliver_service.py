"""The deliver service on the real broker: webhook deliveries run in their own process, so restarting
the alert worker (SIGTERM, then SIGKILL) while the receiver is down cuts nothing short. Alerts raised
before, between and after the restarts are all retried by the same deliver process and, once the
receiver is back, arrive exactly once by webhook-id. A SIGTERM of deliver itself mid-retry stops it
cleanly and quickly, and the restarted service delivers what it had not settled."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Alert
from shared.topics import EVENTS_STRIKE, TopicNames
from tests.conftest import consume_all, make_producer, make_stack, wait_for
from tests.integration.test_webhook_outage import event
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults]

PER_STEP = 3  # strike events (each one new_actor alert) produced before each restart


def produce(bootstrap: str, topic: str, first: int, count: int) -> None:
    producer = make_producer(bootstrap)
    for i in range(first, first + count):
        enc = encode(EVENTS_STRIKE, event(i), source="/test")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)
    producer.close(timeout=30)


def alert_versions(bootstrap: str, topic: str, expect: int) -> set[str] | None:
    """The webhook-ids of the alerts on the topic, once there are at least ``expect`` of them."""
    records = consume_all(bootstrap, topic, expect=expect, timeout=5)
    versions = {f"{a.alert_id}:{a.version}" for a in (decode(Alert, r.value) for r in records)}
    return versions if len(versions) >= expect else None


@pytest.mark.timeout(600)  # two restarts of the Faust alert worker take up to a minute each
def test_restarting_alert_while_the_receiver_is_down_cuts_no_delivery(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver()
    receiver.start()
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                       WARWIRE_API_KEYS="k", WARWIRE_DELIVER_BACKOFF_BASE_S="0.2",
                       WARWIRE_DELIVER_BACKOFF_MAX_S="1.0", WARWIRE_DELIVER_MAX_ATTEMPTS="100000",
                       WARWIRE_DELIVER_MAX_ELAPSED_S="900")  # fmt: skip
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    services = ("detect", "alert", "deliver", "api")
    stack.start(services)
    try:
        stack.wait_healthy(timeout=120, services=services)
        api, headers = stack.url("api"), {"X-API-Key": "k"}
        r = httpx.post(f"{api}/v1/webhooks", json={"url": receiver.url}, headers=headers, timeout=10)
        assert r.status_code == 201, r.text
        receiver.secret, sub_id = r.json()["secret"], r.json()["subscription_id"]
        wait_for(lambda: httpx.get(stack.url("deliver") + "/readyz").json().get("subscriptions") == 1,
                 60, "the deliver service following the subscription")  # fmt: skip
        receiver.stop()  # down: connections refused from now on
        deliver = stack.procs["deliver"]

        def failed_since(moment: datetime) -> bool:
            """A failed attempt logged after ``moment``: the deliverer is retrying now."""
            log = httpx.get(f"{api}/v1/webhooks/{sub_id}/deliveries", params={"limit": 1}, headers=headers)
            newest = log.json()["items"]
            return (
                bool(newest)
                and newest[0]["outcome"] == "failed"
                and (datetime.fromisoformat(newest[0]["attempted_at"]) > moment)
            )

        def attempts_between(start: datetime, end: datetime) -> int:
            log = httpx.get(f"{api}/v1/webhooks/{sub_id}/deliveries", params={"limit": 500}, headers=headers)
            times = [datetime.fromisoformat(d["attempted_at"]) for d in log.json()["items"]]
            return sum(1 for t in times if start < t < end)

        produced, while_alert_down = 0, []
        for kill in (False, True):  # SIGTERM, then SIGKILL of the alert worker
            produce(kafka_bootstrap, names.events_strike, produced, PER_STEP)
            produced += PER_STEP
            n = produced
            wait_for(lambda: alert_versions(kafka_bootstrap, names.alerts, n), 60, f"{n} alerts")  # noqa: B023
            now = datetime.now(UTC)
            wait_for(lambda: failed_since(now), 60, "deliveries being retried")  # noqa: B023
            down_at = datetime.now(UTC)
            assert stack.stop_one("alert", kill=kill) == (-9 if kill else 0)
            stack.start_one("alert")
            stack.wait_healthy(timeout=120, services=("alert",))
            up_at = datetime.now(UTC)
            assert deliver.poll() is None and stack.procs["deliver"] is deliver  # never restarted
            # Deliveries went on while alert was down and starting (with alert delivering, none could).
            while_alert_down.append(
                wait_for(lambda: attempts_between(down_at, up_at), 30, "attempts while alert was down")  # noqa: B023
            )
        produce(kafka_bootstrap, names.events_strike, produced, PER_STEP)
        produced += PER_STEP
        want = wait_for(lambda: alert_versions(kafka_bootstrap, names.alerts, produced), 60, "every alert")
        now = datetime.now(UTC)
        wait_for(lambda: failed_since(now), 60, "deliveries still retried after the restarts")
        assert deliver.poll() is None and stack.procs["deliver"] is deliver
        assert not receiver.deliveries

        # deliver itself, SIGTERMed mid-retry: it stops at once (no waiting out a backoff) and cleanly.
        started = time.monotonic()
        assert stack.stop_one("deliver") == 0
        deliver_stop_s = time.monotonic() - started
        assert deliver_stop_s < 10
        stack.start_one("deliver")
        stack.wait_healthy(timeout=120, services=("deliver",))

        receiver.start()  # back, on the same port
        back_at = time.monotonic()
        wait_for(lambda: set(receiver.webhook_ids()) >= want, 120, "every alert version delivered")

        def logged_delivered() -> set[str]:
            log = httpx.get(f"{api}/v1/webhooks/{sub_id}/deliveries", params={"limit": 500}, headers=headers)
            return {d["webhook_id"] for d in log.json()["items"] if d["outcome"] == "delivered"}

        # Every delivery logged, so no deliverer is still between sending and recording one.
        wait_for(lambda: logged_delivered() >= want, 60, "every delivery in the delivery log")
        # A worker its supervisor just restarted (exit 75) is up before the stop, whose exit codes count.
        stack.wait_healthy(timeout=120, services=services)
    finally:
        codes = stack.stop()
        receiver.stop()
    assert set(codes.values()) == {0}, codes
    ids = receiver.webhook_ids()
    twice = {k: n for k, n in Counter(ids).items() if n > 1}
    assert not twice, f"delivered more than once: {twice}"
    assert set(ids) == want and len(want) == produced  # one new_actor alert per event
    assert receiver.bad_signatures == 0
    print(json.dumps({"alerts": len(want), "delivered": len(ids), "duplicated": 0, "lost": 0,
                      "attempts_while_alert_down": while_alert_down, "deliver_stop_s": round(deliver_stop_s, 1),
                      "recovery_s": round(max(d.at for d in receiver.deliveries) - back_at, 1)}))  # fmt: skip
