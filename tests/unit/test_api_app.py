"""The API assembled from its routers (services/api/routers/, issue #17 item 4): dependencies a test can
override, the deployment's page size in the OpenAPI document and in the answers, read keys where the
deployment requires them, and 405s that list the methods a path supports. SQLite stores, no broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.deps import ApiConfig, get_config, get_store
from services.api.store import Store
from shared.schemas import StrikeEvent, StrikeType


def _store(path: Path) -> Store:
    return Store(f"sqlite+aiosqlite:///{path}")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(_store(tmp_path / "a.sqlite"), max_limit=100, api_keys={"key"})
    with TestClient(app) as c:
        yield c


def test_the_store_and_the_settings_are_dependencies_a_test_can_override(
    client: TestClient, tmp_path: Path
) -> None:
    other = _store(tmp_path / "b.sqlite")

    async def fill() -> None:
        await other.start()
        await other.upsert_events([StrikeEvent(event_id="stk_other", strike_type=StrikeType.SHELLING)])

    client.portal.call(fill)
    assert client.get("/v1/events").json()["items"] == []
    client.app.dependency_overrides[get_store] = lambda: other  # type: ignore[attr-defined]
    try:
        assert [e["event_id"] for e in client.get("/v1/events").json()["items"]] == ["stk_other"]
        assert "stk_other" in client.get("/v1/events.ndjson").text
        assert client.get("/v1/events/stk_other").json()["cameo_code"] is None  # stored as given
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
        client.portal.call(other.close)
    client.app.dependency_overrides[get_config] = lambda: ApiConfig(max_limit=3)  # type: ignore[attr-defined]
    assert client.get("/v1/events", params={"limit": 4}).status_code == 422
    assert client.get("/v1/webhooks").status_code == 200  # this config has no keys
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_the_page_size_is_the_deployments(client: TestClient) -> None:
    r = client.get("/v1/events", params={"limit": 101})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "limit"] and r.json()["detail"][0]["ctx"] == {"le": 100}
    assert client.get("/v1/alerts", params={"limit": 100}).status_code == 200
    assert client.get("/v1/alerts", params={"limit": 0}).status_code == 422
    doc = client.get("/openapi.json").json()
    for path in ("/v1/events", "/v1/alerts"):
        (limit,) = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
        assert limit["description"] == "Page size, 1..100."


def test_read_keys_only_where_the_deployment_requires_them(client: TestClient, tmp_path: Path) -> None:
    doc = client.get("/openapi.json").json()
    assert "security" not in doc["paths"]["/v1/events"]["get"]
    assert doc["paths"]["/v1/webhooks"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert client.get("/v1/events.csv").status_code == 200
    assert client.get("/v1/webhooks").status_code == 401
    assert client.get("/v1/webhooks", headers={"X-API-Key": "key"}).status_code == 200

    app = create_app(_store(tmp_path / "c.sqlite"), max_limit=100, api_keys={"key"}, read_keys_required=True)
    with TestClient(app) as locked:
        doc = locked.get("/openapi.json").json()
        for path in ("/v1/events", "/v1/events.csv", "/v1/alerts", "/v1/stream"):
            assert doc["paths"][path]["get"]["security"] == [{"APIKeyHeader": []}], path
            assert locked.get(path).status_code == 401, path
        assert locked.get("/v1/events.geojson", headers={"X-API-Key": "key"}).status_code == 200
        assert locked.get("/healthz").status_code == 200 and locked.get("/").status_code == 200


def test_a_405_lists_the_methods_of_the_path(client: TestClient) -> None:
    for path, allow in [
        ("/v1/events", "GET"), ("/v1/events.csv", "GET"), ("/v1/webhooks", "GET, POST"),
        ("/v1/webhooks/wh_1", "DELETE"), ("/healthz", "GET"),
    ]:  # fmt: skip
        r = client.request("PUT", path)
        assert r.status_code == 405, path
        assert r.headers["allow"] == allow, path
        assert r.json()["detail"]["reason"] == "method_not_allowed"
    assert client.get("/nowhere").json()["detail"]["reason"] == "not_found"


def test_every_resource_has_its_router() -> None:
    from services.api import routers

    names = {p.stem for p in Path(routers.__file__).parent.glob("*.py")} - {"__init__"}
    assert names >= {"events", "alerts", "stream", "webhooks", "exports", "page"}
