"""The exports over the real API on a real PostgreSQL: the same filtered set as CSV, GeoJSON and NDJSON
has as many rows as ``GET /v1/events`` lists, pandas reads the CSV with the documented dtypes, the
GeoJSON validates against the GeoJSON schema, and ``warwire export`` writes the same bytes from the
API and from the store. The API is the app served by uvicorn on a local port (HTTP, chunked streaming);
the events are the seed reports' (as extracted) and the store tests' hand-made ones."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pandas as pd
import pytest
import uvicorn

from services.api import exports
from services.api.app import create_app
from services.api.routers import exports as exports_router
from services.api.store import Store
from services.runner import free_port
from tests.conftest import ROOT, api_all, create_postgres_database, wait_for
from tests.integration.test_api_store import EVENTS

pytestmark = pytest.mark.integration
SCHEMA = json.loads((ROOT / "tests" / "data" / "geojson" / "FeatureCollection.schema.json").read_text())
FILTERS: list[dict[str, Any]] = [
    {},
    {"type": "strike", "country": "SY"},
    {"actor": "Russia", "since": "2015-10-01", "until": "2015-10-31"},
    {"q": "missiles"},
    {"bbox": "35,34,38,37", "min_confidence": 0.3},
    {"strike_type": "ground_assault"},
    {"type": "statement"},
]


@pytest.fixture(scope="module")
def database(postgres_server: str, seed_events: list[Any]) -> str:
    url = create_postgres_database(postgres_server, "exports_" + uuid.uuid4().hex[:10])

    async def load() -> None:
        store = Store(url)
        await store.start()
        try:
            await store.upsert_events([*seed_events, *EVENTS])
        finally:
            await store.close()

    asyncio.run(load())
    return url


@pytest.fixture(scope="module")
def api(database: str) -> Iterator[str]:
    """The API served over HTTP; batches of 7 rows, so every export crosses several keyset pages."""
    saved, exports_router.BATCH = exports_router.BATCH, 7
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Store(database), max_limit=500), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 30, "the API on its port")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        exports_router.BATCH = saved


def _get(url: str, **params: Any) -> httpx.Response:
    r = httpx.get(url, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r


def _located(doc: dict[str, Any]) -> int:
    places = doc.get("locations") if doc["event_type"] == "strike" else doc["about"]["places"]
    places = [*places, *([doc["launch_location"]] if doc.get("launch_location") else [])]
    return sum(1 for p in places if p.get("lat") is not None and p.get("lon") is not None)


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: ",".join(p) or "all")
def test_the_same_filtered_set_in_every_format(api: str, params: dict[str, Any]) -> None:
    listed = api_all(api, **params)
    ids = [e["event_id"] for e in listed]
    assert listed or params in ({"type": "statement"},), "the filter selects something"

    r = _get(f"{api}/v1/events.csv", **params)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="events.csv"'
    frame = pd.read_csv(
        io.BytesIO(r.content), dtype=exports.CSV_DTYPES, parse_dates=exports.PARSE_DATES,
        keep_default_na=False, na_values=[""],
    )  # fmt: skip
    assert list(frame.columns) == exports.CSV_COLUMNS
    assert len(frame) == len(listed)
    assert frame["warwire_event_id"].tolist() == ids
    for column, dtype in exports.CSV_DTYPES.items():
        assert str(frame[column].dtype) == dtype, column
    assert pd.api.types.is_datetime64_any_dtype(frame["event_date"])

    nd = _get(f"{api}/v1/events.ndjson", **params)
    assert nd.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in nd.text.splitlines()] == listed

    geo = _get(f"{api}/v1/events.geojson", **params)
    assert geo.headers["content-type"].startswith("application/geo+json")
    collection = geo.json()
    jsonschema.validate(collection, SCHEMA)
    assert len(collection["features"]) == sum(_located(e) for e in listed)
    assert {f["id"].split(":")[0] for f in collection["features"]} <= set(ids)
    for f in collection["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert (lat, lon) == (f["properties"]["latitude"], f["properties"]["longitude"])
        assert all(not isinstance(v, dict | list) for v in f["properties"].values())


def test_csv_values_of_the_caspian_launch_and_a_statement(api: str) -> None:
    frame = pd.read_csv(
        io.BytesIO(_get(f"{api}/v1/events.csv", type="strike", actor="Russia").content),
        dtype=exports.CSV_DTYPES, parse_dates=exports.PARSE_DATES, keep_default_na=False, na_values=[""],
    )  # fmt: skip
    caspian = frame[frame["launch_location"] == "Caspian Sea"]
    assert len(caspian) >= 1
    row = caspian.iloc[0]
    assert (row["event_type"], row["sub_event_type"], row["disorder_type"]) == (
        "Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence",
    )  # fmt: skip
    assert (row["cameo_code"], row["cameo_root"], row["quad_class"], row["goldstein"]) == (
        "195",
        "19",
        4,
        -10.0,
    )
    assert (row["actor1"], row["inter1"], row["actor1_cameo"]) == ("Russia", 8, "RUSMIL")
    assert (row["country"], row["iso"], row["region"], row["year"]) == ("Syria", 760, "Middle East", 2015)
    assert row["event_id_cnty"] == "SYR-" + row["warwire_event_id"]
    assert pd.isna(row["admin2"]) and pd.isna(row["source_scale"])

    statements = pd.read_csv(
        io.BytesIO(_get(f"{api}/v1/events.csv", type="statement").content),
        dtype=exports.CSV_DTYPES, keep_default_na=False, na_values=[""],
    )  # fmt: skip
    assert statements["event_type"].isna().all()
    codes = set(statements["cameo_code"].dropna())
    assert codes and all(len(c) == 3 for c in codes)  # "010" keeps its leading zero


def test_bad_filters_are_refused_as_on_the_listing(api: str) -> None:
    for fmt in ("csv", "geojson", "ndjson"):
        r = httpx.get(f"{api}/v1/events.{fmt}", params={"since": "2016-01-01", "until": "2015-01-01"})
        assert r.status_code == 422 and r.json()["detail"]["reason"] == "invalid_range"
        assert httpx.get(f"{api}/v1/events.{fmt}", params={"bbox": "1,2,3"}).status_code == 422


def test_the_cli_writes_the_same_bytes_from_the_api_and_the_store(api: str, database: str) -> None:
    """``warwire export`` (the real command, its output on stdout) from the API and from the store."""
    for fmt in ("csv", "geojson", "ndjson"):
        filters = ["--country", "SY", "--since", "2015-10-01"]
        outputs = [
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "warwire"), "export", "--format", fmt, *source, *filters],
                capture_output=True, check=True, timeout=120,
            ).stdout
            for source in (["--api", api], ["--database-url", database])
        ]  # fmt: skip
        assert outputs[0] and outputs[0] == outputs[1], fmt
        assert outputs[0] == _get(f"{api}/v1/events.{fmt}", country="SY", since="2015-10-01").content
    refused = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "warwire"), "export", "--api", api, "--since", "2016-01-01", "--until", "2015-01-01"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and b"invalid_range" in refused.stderr
