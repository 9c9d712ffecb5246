"""Standard Webhooks signatures, the outbound URL check, subscription filters and a deliverer's stop."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from services.deliver.webhooks import Deliverer, DeliveryPolicy, Interrupted, wanted
from services.runner import free_port
from shared import webhooks as wh
from shared.messages import decode
from shared.schemas import Alert, WebhookDelivery, WebhookSubscription
from shared.topics import TopicNames


def test_signature_round_trip_and_tamper() -> None:
    secret = wh.new_secret()
    body = b'{"alert_id": "a"}'
    h = wh.headers(secret, "a:1", 1_700_000_000, body)
    assert h["webhook-signature"].startswith("v1,")
    assert wh.verify(secret, "a:1", h["webhook-timestamp"], h["webhook-signature"], body, now=1_700_000_010)
    assert not wh.verify(
        secret, "a:1", h["webhook-timestamp"], h["webhook-signature"], body + b" ", now=1_700_000_010
    )
    assert not wh.verify(
        secret, "a:2", h["webhook-timestamp"], h["webhook-signature"], body, now=1_700_000_010
    )
    assert not wh.verify(
        wh.new_secret(), "a:1", h["webhook-timestamp"], h["webhook-signature"], body, now=1_700_000_010
    )
    assert not wh.verify(
        secret, "a:1", h["webhook-timestamp"], h["webhook-signature"], body, now=1_700_009_999
    )  # stale


def test_known_vector() -> None:
    # HMAC-SHA256 over "id.timestamp.body" with the base64-decoded secret, base64 encoded.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    sig = wh.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        ("http://127.0.0.1:8000/hook", [], False),
        ("http://127.0.0.1:8000/hook", ["127.0.0.0/8"], True),
        ("http://10.1.2.3/hook", ["127.0.0.0/8"], False),
        ("http://169.254.169.254/latest", [], False),
        ("http://[::1]:9000/", [], False),
        ("ftp://example.org/x", [], False),
        ("http:///nohost", [], False),
    ],
)
def test_check_url(url: str, allowed: list[str], ok: bool) -> None:
    if ok:
        wh.check_url(url, allowed)
    else:
        with pytest.raises(wh.UnsafeURL):
            wh.check_url(url, allowed)


def test_subscription_filters() -> None:
    alert = Alert(alert_id="a", kind="new_launch_platform", severity="high", title="t", summary="s", theater="SY",
                  actor={"name": "Russia"}, raised_at=datetime.now(UTC))  # fmt: skip
    sub = WebhookSubscription(
        subscription_id="s", url="http://x", secret=wh.new_secret(), created_at=datetime.now(UTC)
    )
    assert wanted(sub, alert)
    assert not wanted(sub.model_copy(update={"min_severity": "critical"}), alert)
    assert not wanted(sub.model_copy(update={"kinds": ["tempo_spike"]}), alert)
    assert wanted(sub.model_copy(update={"actors": ["Russia"], "theaters": ["SY"]}), alert)
    assert not wanted(sub.model_copy(update={"theaters": ["UA"]}), alert)


def test_backoff_is_jittered_and_capped() -> None:
    policy = DeliveryPolicy(backoff_base_s=0.5, backoff_max_s=4)
    delays = [policy.delay(n) for n in range(1, 12) for _ in range(20)]
    assert all(0 <= d <= 4 for d in delays) and len(set(delays)) > 50


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> None:
        self.sent.append((topic, value))


async def test_a_stopping_deliverer_ends_its_retry_wait_without_giving_up() -> None:
    """SIGTERM mid-retry: the deliverer does not wait out its backoff, nor log a give-up or dead-letter
    the alert; it raises Interrupted, so the alert stays uncommitted for the restarted service. Its
    attempts are numbered on from those a previous run logged."""
    sub = WebhookSubscription(subscription_id="s", url=f"http://127.0.0.1:{free_port()}/hook",  # nothing listens
                              secret=wh.new_secret(), created_at=datetime.now(UTC))  # fmt: skip
    alert = Alert(alert_id="a", kind="new_actor", severity="high", title="t", summary="s", theater="SY",
                  raised_at=datetime.now(UTC))  # fmt: skip
    producer, stopping = RecordingProducer(), asyncio.Event()
    policy = DeliveryPolicy(
        backoff_base_s=60, backoff_max_s=60, timeout_s=2, allowed_networks=("127.0.0.0/8",)
    )
    deliverer = Deliverer(sub, bootstrap=[], names=TopicNames(""), group_prefix="t", producer=producer,  # type: ignore[arg-type]
                          policy=policy, stopping=stopping)  # fmt: skip
    deliverer.attempted["a:1"] = 3  # as load_done finds in the log of a deliverer stopped before
    asyncio.get_running_loop().call_later(0.5, stopping.set)
    started = time.monotonic()
    async with deliverer.client() as client:
        with pytest.raises(Interrupted):
            await deliverer.deliver(alert, alert.model_dump_json().encode(), client)
    assert time.monotonic() - started < 5  # not the 60 s backoff
    logged = [decode(WebhookDelivery, v) for t, v in producer.sent if t == "webhooks.deliveries"]
    assert [d.outcome for d in logged] and {d.outcome for d in logged} == {"failed"}
    # Numbered on from the attempts logged before the restart: every delivery_id is new to the API.
    assert [d.attempt for d in logged] == list(range(4, 4 + len(logged)))
    assert logged[0].delivery_id == "a:1:4"
    assert all(t == "webhooks.deliveries" for t, _ in producer.sent)  # no dead letter
    assert "a:1" not in deliverer.done  # not settled: delivered again after the restart


def test_backoff_of_a_long_retried_delivery_does_not_overflow() -> None:
    assert 0 <= DeliveryPolicy(backoff_max_s=30).delay(5000) <= 30
