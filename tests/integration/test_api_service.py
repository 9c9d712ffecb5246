"""The API over the real broker: events produced to Kafka become queryable; redelivery and stale
versions create no duplicates; malformed messages are dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bench.scale_bench import committed_total, end_total
from services.api.app import create_app
from services.api.consumer import Materialiser
from services.api.store import Store
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Alert, DeadLetter, StrikeEvent, WebhookSubscription
from shared.secretbox import new_key, parse_key
from shared.topics import ALERTS, EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames
from tests.conftest import consume_all, make_producer, wait_for
from tests.integration.test_api_store import EVENTS, strike

pytestmark = pytest.mark.integration


@pytest.fixture
def api(kafka_bootstrap: str, unique: str, database_url: str):
    names = TopicNames(f"{unique}.")
    ensure_topics(kafka_bootstrap, names)
    store = Store(database_url)
    materialiser = Materialiser(
        [kafka_bootstrap], names, f"{unique}-api", store, secret_key=parse_key(new_key())
    )
    app = create_app(
        store, max_limit=100, materialiser=materialiser, api_keys={"key"}, allowed_networks=["127.0.0.0/8"],
        max_body_bytes=4096,
    )  # fmt: skip
    with TestClient(app) as client:
        yield client, names


def _send(bootstrap: str, topic: str, spec, *messages) -> None:
    producer = make_producer(bootstrap)
    for message in messages:
        enc = encode(spec, message, source="/test")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()


def _ids(client: TestClient, **params) -> set[str]:
    r = client.get("/v1/events", params=params)
    assert r.status_code == 200, r.text
    return {e["event_id"] for e in r.json()["items"]}


def test_events_from_kafka_are_queryable_with_every_filter(api, kafka_bootstrap: str) -> None:
    client, names = api
    strikes = [e for e in EVENTS if isinstance(e, StrikeEvent)]
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, *strikes)
    _send(kafka_bootstrap, names.events_statement, EVENTS_STATEMENT, *[e for e in EVENTS if e not in strikes])
    wait_for(lambda: len(_ids(client)) == len(EVENTS), 30, "every event in the API")

    assert _ids(client, type="statement") == {"s1"}
    assert _ids(client, strike_type="ground_assault") == {"e3"}
    assert _ids(client, actor="russia") == {"e1"}
    assert _ids(client, target="Islamic State") == {"e1", "s1"}
    assert _ids(client, country="SY") == {"e1", "e3", "s1"}
    assert _ids(client, place="idlib") == {"e3"}
    assert _ids(client, bbox="36,35,37,36") == {"e1", "e3", "s1"}
    assert _ids(client, since="2016-01-01") == {"e2", "e4", "e5"}
    assert _ids(client, until="2015-10-07") == {"e1", "s1"}
    assert _ids(client, updated_since="2000-01-01T00:00:00Z") == {e.event_id for e in EVENTS}
    assert _ids(client, updated_since="2999-01-01T00:00:00") == set()
    assert _ids(client, min_confidence=0.75) == {"e2", "s1"}
    assert _ids(client, q="cruise missiles") == {"e1"}
    assert _ids(client, q="missiles", type="strike", country="SY", actor="Russia") == {"e1"}

    # Cursor pagination walks every event once, newest first.
    first = client.get("/v1/events", params={"limit": 4}).json()
    second = client.get("/v1/events", params={"limit": 4, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 4 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert {e["event_id"] for e in first["items"] + second["items"]} == {e.event_id for e in EVENTS}


def test_redelivery_and_stale_versions_create_no_duplicates(api, kafka_bootstrap: str) -> None:
    client, names = api
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, strike("x1"), strike("x2"))
    wait_for(lambda: _ids(client) == {"x1", "x2"}, 30, "two events")
    # The same messages again, a newer version, an older one, then a marker to know all were read.
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, strike("x1"), strike("x2"),
          strike("x1", version=2), strike("x1", version=1), strike("marker"))  # fmt: skip
    wait_for(lambda: "marker" in _ids(client), 30, "marker event")
    items = client.get("/v1/events").json()["items"]
    assert sorted(e["event_id"] for e in items) == ["marker", "x1", "x2"]
    detail = client.get("/v1/events/x1").json()
    assert detail["version"] == 2 and [h["version"] for h in detail["history"]] == [1, 2]
    assert len(detail["sources"]) == 2 and detail["evidence"]


def test_written_offsets_are_committed_before_a_lull(api, kafka_bootstrap: str, unique: str) -> None:
    """Commits come at most once a second; the writes just before traffic stops must still be committed,
    or a restart would redo them and the group's lag would never read zero."""
    client, names = api
    first, second = [e for e in EVENTS if isinstance(e, StrikeEvent)][:2]
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, first)
    wait_for(lambda: _ids(client) == {first.event_id}, 30, "the first event in the API")
    # Within a second of the first commit: this write's commit is deferred, and nothing follows it.
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, second)
    wait_for(lambda: len(_ids(client)) == 2, 30, "the second event in the API")
    wait_for(
        lambda: (
            committed_total(kafka_bootstrap, f"{unique}-api", names.events_strike)
            == end_total(kafka_bootstrap, names.events_strike)
        ),
        30,
        "both writes committed",
    )


def test_alerts_and_bad_messages(api, kafka_bootstrap: str) -> None:
    client, names = api
    now = datetime.now(UTC)
    alert = Alert(alert_id="alr_1", kind="ground_offensive", severity="high", title="t", summary="s", theater="SY",
                  raised_at=now)  # fmt: skip
    producer = make_producer(kafka_bootstrap)
    producer.send(names.alerts, key=b"junk", value=b"{broken")
    producer.flush(timeout=30)
    producer.close()
    _send(kafka_bootstrap, names.alerts, ALERTS, alert)
    wait_for(lambda: client.get("/v1/alerts").json()["items"], 30, "the alert in the API")
    assert client.get("/v1/alerts", params={"theater": "SY"}).json()["items"][0]["alert_id"] == "alr_1"
    assert client.get("/v1/alerts", params={"min_severity": "critical"}).json()["items"] == []
    assert client.get("/v1/alerts", params={"since": "2999-01-01T00:00:00Z"}).json()["items"] == []
    assert client.get("/v1/alerts/alr_1").json()["kind"] == "ground_offensive"
    (dead,) = consume_all(kafka_bootstrap, names.deadletter, expect=1, timeout=30)
    assert decode(DeadLetter, dead.value).reason == "invalid_json"
    assert client.get("/readyz").json() == {"database": True, "kafka": True, "consumer": True}


@pytest.mark.parametrize(
    ("path", "params", "status", "reason"),
    [
        ("/v1/events", {"limit": 0}, 422, None),
        ("/v1/events", {"limit": 101}, 422, None),
        ("/v1/events", {"limit": -5}, 422, None),
        ("/v1/events", {"limit": "x"}, 422, None),
        ("/v1/events", {"cursor": "-1"}, 422, None),
        ("/v1/events", {"cursor": "v2.17"}, 422, None),
        ("/v1/events", {"type": "other"}, 422, None),
        ("/v1/events", {"strike_type": "nuke"}, 422, None),
        ("/v1/events", {"bbox": "1,2,3"}, 422, None),
        ("/v1/events", {"bbox": "0,80,10,70"}, 422, "invalid_bbox"),
        ("/v1/events", {"bbox": "0,0,200,10"}, 422, "invalid_bbox"),
        ("/v1/events", {"bbox": "a,b,c,d"}, 422, None),
        ("/v1/events", {"since": "yesterday"}, 422, None),
        ("/v1/events", {"since": "2020-01-02", "until": "2020-01-01"}, 422, "invalid_range"),
        ("/v1/events", {"min_confidence": 2}, 422, None),
        ("/v1/events", {"country": "Syria"}, 422, None),
        ("/v1/events", {"q": "x" * 201}, 422, None),
        ("/v1/alerts", {"severity": "extreme"}, 422, None),
        ("/v1/alerts", {"kind": "party"}, 422, None),
        ("/v1/alerts", {"cursor": "zz"}, 422, None),
    ],
)
def test_bad_queries_get_4xx_with_a_reason(
    api, path: str, params: dict, status: int, reason: str | None
) -> None:
    client, _ = api
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    if reason:
        assert r.json()["detail"]["reason"] == reason


def test_request_size_limit(api) -> None:
    client, _ = api
    big = {"url": "http://127.0.0.1:9/x", "actors": ["a" * 150] * 40}
    r = client.post("/v1/webhooks", json=big, headers={"X-API-Key": "key"})
    assert r.status_code == 413 and r.json()["detail"]["reason"] == "too_large"


def test_unknown_ids_get_404(api) -> None:
    client, _ = api
    assert client.get("/v1/events/nope").status_code == 404
    assert client.get("/v1/alerts/nope").status_code == 404


def test_webhook_management(api, kafka_bootstrap: str) -> None:
    client, names = api
    key = {"X-API-Key": "key"}
    assert client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}).status_code == 401
    unsafe = client.post("/v1/webhooks", json={"url": "http://10.0.0.5/x"}, headers=key)
    assert unsafe.status_code == 422 and unsafe.json()["detail"]["reason"] == "unsafe_url"
    assert (
        client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "min_severity": "extreme"}, headers=key
        ).status_code
        == 422
    )
    created = client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "kinds": ["tempo_spike"]}, headers=key
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    sub_id = created.json()["subscription_id"]
    # On the topic the secret is sealed (#18): any reader of the broker used to see it in clear.
    [record] = consume_all(kafka_bootstrap, names.webhook_subscriptions, expect=1, timeout=30)
    assert created.json()["secret"].encode() not in record.value
    assert decode(WebhookSubscription, record.value).secret.startswith("sealed.v1.")
    listed = client.get("/v1/webhooks", headers=key).json()["items"]
    assert [w["subscription_id"] for w in listed] == [sub_id] and "secret" not in listed[0]
    assert client.get(f"/v1/webhooks/{sub_id}/deliveries", headers=key).json() == {"items": []}
    assert client.delete(f"/v1/webhooks/{sub_id}", headers=key).status_code == 204
    assert client.delete(f"/v1/webhooks/{sub_id}", headers=key).status_code == 404
    assert client.get(f"/v1/webhooks/{sub_id}/deliveries", headers=key).status_code == 404
