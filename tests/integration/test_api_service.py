"""The API over the real broker: events produced to Kafka become queryable; redelivery and stale
versions create no duplicates; malformed messages are dead-lettered."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.consumer import Materialiser
from services.api.store import Store
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Alert, DeadLetter, StrikeEvent
from shared.topics import ALERTS, EVENTS_STRIKE, TopicNames
from tests.conftest import consume_all, make_producer, wait_for

pytestmark = pytest.mark.integration


def _strike(eid: str, version: int, actor: str, country: str) -> StrikeEvent:
    return StrikeEvent(
        event_id=eid,
        version=version,
        strike_type="air_strike",
        occurred_on=date(2026, 3, 2),
        actor={"name": actor, "kind": "state_military", "country": None},
        locations=[
            {
                "name": "Gaza",
                "matched_text": "Gaza",
                "country_code": country,
                "kind": "region",
                "geo_precision": 3,
            }
        ],
        sources=[{"article_id": f"a{v}", "source": f"S{v}"} for v in range(version)],
    )


@pytest.fixture
def api(kafka_bootstrap: str, unique: str, tmp_path):
    names = TopicNames(f"{unique}.")
    ensure_topics(kafka_bootstrap, names)
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'api.sqlite'}")
    materialiser = Materialiser([kafka_bootstrap], names, f"{unique}-api", store)
    app = create_app(
        store, max_limit=100, materialiser=materialiser, api_keys={"key"}, allowed_networks=["127.0.0.0/8"]
    )
    with TestClient(app) as client:
        yield client, names


def _send(bootstrap: str, topic: str, spec, message) -> None:
    producer = make_producer(bootstrap)
    enc = encode(spec, message, source="/test")
    producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()


def test_events_become_queryable_and_upserts_are_idempotent(api, kafka_bootstrap: str) -> None:
    client, names = api
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_a", 1, "Israel", "PS"))
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_b", 1, "Russia", "SY"))
    wait_for(lambda: len(client.get("/v1/events").json()["items"]) == 2, 30, "two events in the API")

    assert [e["event_id"] for e in client.get("/v1/events", params={"country": "SY"}).json()["items"]] == [
        "stk_b"
    ]
    assert [e["event_id"] for e in client.get("/v1/events", params={"actor": "israel"}).json()["items"]] == [
        "stk_a"
    ]
    assert client.get("/v1/events", params={"strike_type": "shelling"}).json()["items"] == []

    # Newer version replaces; re-delivered and older versions change nothing.
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_a", 2, "Israel", "PS"))
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_a", 1, "Israel", "PS"))
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_a", 2, "Israel", "PS"))
    _send(kafka_bootstrap, names.events_strike, EVENTS_STRIKE, _strike("stk_c", 1, "Iran", "IQ"))  # marker
    wait_for(lambda: len(client.get("/v1/events").json()["items"]) == 3, 30, "marker event")
    items = client.get("/v1/events").json()["items"]
    assert sorted(e["event_id"] for e in items) == ["stk_a", "stk_b", "stk_c"]
    assert client.get("/v1/events/stk_a").json()["version"] == 2

    # Cursor pagination walks every event once, newest first.
    first = client.get("/v1/events", params={"limit": 2}).json()
    second = client.get("/v1/events", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    assert {e["event_id"] for e in first["items"] + second["items"]} == {"stk_a", "stk_b", "stk_c"}


def test_alerts_and_bad_messages(api, kafka_bootstrap: str) -> None:
    client, names = api
    alert = Alert(
        alert_id="alr_1",
        kind="ground_offensive",
        severity="high",
        title="t",
        summary="s",
        theater="SY",
        raised_at=datetime.now(UTC),
    )
    producer = make_producer(kafka_bootstrap)
    producer.send(names.alerts, key=b"junk", value=b"{broken")
    producer.flush(timeout=30)
    producer.close()
    _send(kafka_bootstrap, names.alerts, ALERTS, alert)
    wait_for(lambda: client.get("/v1/alerts").json()["items"], 30, "the alert in the API")
    assert client.get("/v1/alerts", params={"theater": "SY"}).json()["items"][0]["alert_id"] == "alr_1"
    assert client.get("/v1/alerts/alr_1").json()["kind"] == "ground_offensive"
    (dead,) = consume_all(kafka_bootstrap, names.deadletter, expect=1, timeout=30)
    assert decode(DeadLetter, dead.value).reason == "invalid_json"
    assert client.get("/readyz").json() == {"database": True, "consumer": True}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/events", {"limit": 0}),
        ("/v1/events", {"limit": 101}),
        ("/v1/events", {"limit": "x"}),
        ("/v1/events", {"cursor": -1}),
        ("/v1/events", {"type": "other"}),
        ("/v1/events", {"strike_type": "nuke"}),
        ("/v1/alerts", {"severity": "extreme"}),
    ],
)
def test_bad_queries_get_422(api, path: str, params: dict) -> None:
    client, _ = api
    assert client.get(path, params=params).status_code == 422


def test_unknown_ids_get_404(api) -> None:
    client, _ = api
    assert client.get("/v1/events/nope").status_code == 404
    assert client.get("/v1/alerts/nope").status_code == 404


def test_webhook_management(api) -> None:
    client, _ = api
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
    listed = client.get("/v1/webhooks", headers=key).json()["items"]
    assert [w["subscription_id"] for w in listed] == [sub_id] and "secret" not in listed[0]
    assert client.get(f"/v1/webhooks/{sub_id}/deliveries", headers=key).json() == {"items": []}
    assert client.delete(f"/v1/webhooks/{sub_id}", headers=key).status_code == 204
    assert client.delete(f"/v1/webhooks/{sub_id}", headers=key).status_code == 404
    assert client.get(f"/v1/webhooks/{sub_id}/deliveries", headers=key).status_code == 404
