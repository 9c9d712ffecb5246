"""End to end: articles posted to ingest travel ingest -> Kafka -> extract -> alert -> API and a signed
webhook (sent by deliver), as seven separate processes on the real broker; every service shuts down cleanly on SIGTERM."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.runner import SERVICES, Stack
from tests.conftest import make_stack, wait_for
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ARTICLES = [
    {
        "title": "Frigates fire missiles",
        "url": "https://example.org/e2e/1",
        "source": "Wire A",
        "published_at": "2026-06-03T09:00:00Z",
        "body": "Two frigates in the Baltic Sea fired 12 cruise missiles at radar sites in Latvia on Tuesday, "
        "the Russian defence ministry said.",
    },
    {
        "title": "Missiles hit radar sites",
        "url": "https://example.org/e2e/2",
        "source": "Wire B",
        "published_at": "2026-06-03T11:00:00Z",
        "body": "Russian warships launched cruise missiles at radar installations in Latvia on Tuesday, officials said.",
    },
    {
        "title": "Talks",
        "url": "https://example.org/e2e/3",
        "source": "Wire A",
        "published_at": "2026-06-03T12:00:00Z",
        "body": "Trade ministers met in Geneva to discuss grain exports.",
    },
]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def stack(kafka_bootstrap: str, unique: str, tmp_path):
    s = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8")
    s.start()
    try:
        s.wait_healthy(timeout=180)
        yield s
    finally:
        codes = s.stop()
        assert codes == dict.fromkeys(SERVICES, 0), f"unclean shutdown: {codes}"


def test_articles_flow_through_all_seven_services(stack: Stack, receiver: WebhookReceiver) -> None:
    ingest, api = stack.url("ingest"), stack.url("api")
    sub = httpx.post(
        f"{api}/v1/webhooks", json={"url": receiver.url, "kinds": ["new_launch_platform"]}, timeout=10
    )
    assert sub.status_code == 201, sub.text
    receiver.secret = sub.json()["secret"]
    ids = []
    for art in ARTICLES:
        r = httpx.post(f"{ingest}/v1/articles", json=art, timeout=30)
        assert r.status_code == 202, r.text
        ids.append(r.json()["article_id"])
    assert httpx.post(f"{ingest}/v1/articles", json=ARTICLES[0], timeout=30).status_code == 200  # duplicate

    def merged_strike() -> dict | None:
        items = httpx.get(f"{api}/v1/events", params={"type": "strike"}, timeout=5).json()["items"]
        return next((e for e in items if len(e["sources"]) == 2), None)

    event = wait_for(merged_strike, 120, "one strike event citing both reports")
    assert event["strike_type"] == "missile_strike"
    assert event["actor"]["name"] == "Russia"
    assert event["weapon"] == "cruise missile"
    assert event["version"] == 2
    assert {s["article_id"] for s in event["sources"]} == set(ids[:2])
    assert event["occurred_on"] == "2026-06-02"

    alerts = wait_for(
        lambda: httpx.get(f"{api}/v1/alerts", params={"kind": "new_launch_platform"}, timeout=5).json()[
            "items"
        ],
        60,
        "a new_launch_platform alert",
    )
    assert alerts[0]["actor"]["name"] == "Russia"
    assert event["event_id"] in alerts[0]["event_ids"]

    delivered = wait_for(lambda: receiver.deliveries, 60, "the alert at the webhook receiver")
    webhook_id, body = delivered[0].webhook_id, delivered[0].body
    assert receiver.bad_signatures == 0  # the receiver checks every signature
    assert body["kind"] == "new_launch_platform" and webhook_id == f"{body['alert_id']}:{body['version']}"
    assert body["actor"]["name"] == "Russia"

    metrics = httpx.get(f"{stack.url('merge')}/metrics", timeout=5).text
    assert 'warwire_events_emitted_total{strike_type="missile_strike",type="strike"}' in metrics
