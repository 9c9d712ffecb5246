"""Generate the published contracts from the Pydantic models: JSON Schema per message type and an
AsyncAPI 3 catalogue of the topics. ``warwire contracts --write`` refreshes contracts/;
tests/unit/test_contracts.py fails when the committed files drift from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.topics import ALL_TOPICS, TopicSpec
from shared.version import __version__

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
SCHEMA_ID_BASE = "https://warwire.io/schemas/"
ASYNCAPI_VERSION = __version__  # the package's: one version number for the code and its contracts


def schema_filename(spec: TopicSpec) -> str:
    model = spec.value_model
    version = model.model_fields["schema_version"].default
    return f"{model.__name__}.v{version}.schema.json"


def json_schema(spec: TopicSpec) -> dict[str, Any]:
    schema = spec.value_model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID_BASE + schema_filename(spec),
        **schema,
    }


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in ALL_TOPICS:
        model = spec.value_model.__name__
        channel_id = spec.name.replace(".", "_")
        schemas[model] = {"$ref": f"./jsonschema/{schema_filename(spec)}"}
        messages[model] = {
            "name": model,
            "title": model,
            "contentType": "application/json",
            "summary": (spec.value_model.__doc__ or "").strip().splitlines()[0],
            "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
            "payload": {"$ref": f"#/components/schemas/{model}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": f"The {spec.key}."}}},
            "x-ce-type": spec.ce_type,
        }
        channels[channel_id] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {model: {"$ref": f"#/components/messages/{model}"}},
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "replicas": 1,
                    "topicConfiguration": {
                        "cleanup.policy": ["compact" if spec.compacted else "delete"],
                        **({"max.message.bytes": spec.max_message_bytes} if spec.max_message_bytes else {}),
                        **dict(spec.extra_configs),
                    },
                }
            },
        }
        # AsyncAPI 3 describes the application: warwire publishes every one of these topics.
        operations[f"send_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"warwire publishes on {spec.name}; subscribe to it from your own system.",
        }
    schemas["CloudEventsHeaders"] = {
        "type": "object",
        "description": "CloudEvents 1.0 Kafka binary-mode headers (UTF-8 values).",
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_id": {
                "type": "string",
                "description": "<key>:<version> for versioned messages, else the key.",
            },
            "ce_type": {"type": "string"},
            "ce_source": {"type": "string", "description": "/warwire/<service>"},
            "ce_time": {"type": "string", "format": "date-time"},
            "content-type": {"type": "string", "const": "application/json"},
        },
        "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "warwire topics",
            "version": ASYNCAPI_VERSION,
            "description": "Kafka topics published by warwire. Keys are stable ids (UTF-8); values are JSON "
            "documents validated by the linked JSON Schemas; each message carries CloudEvents headers.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "scripts/kafka.sh"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render_all() -> dict[str, str]:
    """Relative path under contracts/ -> file text."""
    files = {
        f"jsonschema/{schema_filename(spec)}": json.dumps(json_schema(spec), indent=2, sort_keys=True) + "\n"
        for spec in ALL_TOPICS
    }
    files["asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, width=110, allow_unicode=True)
    return files


def write_all(root: Path = CONTRACTS_DIR) -> list[Path]:
    written = []
    for rel, text in render_all().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(root: Path = CONTRACTS_DIR) -> list[str]:
    """Files under contracts/ that differ from what the models generate (empty when in sync)."""
    out = []
    for rel, text in render_all().items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out
