"""The committed JSON Schemas and AsyncAPI document must match the models."""

from __future__ import annotations

import json

import yaml

from shared.contracts import CONTRACTS_DIR, asyncapi, drift, json_schema, render_all
from shared.topics import ALL_TOPICS


def test_committed_contracts_match_models() -> None:
    assert drift() == [], "run `warwire contracts` and commit contracts/"


def test_drift_is_detected(tmp_path) -> None:
    for rel, text in render_all().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert drift(tmp_path) == []
    schema = tmp_path / "jsonschema" / "StrikeEvent.v1.schema.json"
    doc = json.loads(schema.read_text())
    del doc["properties"]["event_id"]
    schema.write_text(json.dumps(doc))
    assert drift(tmp_path) == ["jsonschema/StrikeEvent.v1.schema.json"]


def test_every_topic_is_catalogued_with_schema_version() -> None:
    doc = yaml.safe_load((CONTRACTS_DIR / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {s.name for s in ALL_TOPICS}
    for spec in ALL_TOPICS:
        schema = json_schema(spec)
        assert schema["properties"]["schema_version"]["const"] == 1
        assert (
            "schema_version" in schema.get("required", [])
            or schema["properties"]["schema_version"]["default"] == 1
        )
    assert asyncapi()["components"]["schemas"]["CloudEventsHeaders"]["required"][0] == "ce_specversion"
