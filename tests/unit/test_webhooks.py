"""Standard Webhooks signatures, the outbound URL check and subscription filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.alert.webhooks import DeliveryPolicy, wanted
from shared import webhooks as wh
from shared.schemas import Alert, WebhookSubscription


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
