"""Wire format: key = stable id (UTF-8), value = JSON, CloudEvents binary-mode headers.

Every producer in warwire goes through :func:`encode`, every consumer through :func:`decode`,
so the conventions live in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from shared.topics import TopicSpec

M = TypeVar("M", bound=BaseModel)

CE_SPECVERSION = "1.0"
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Encoded:
    key: bytes | None
    value: bytes
    headers: Headers


class DecodeError(ValueError):
    """A message that cannot be parsed; ``reason`` is the dead-letter reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def message_key(spec: TopicSpec, message: BaseModel) -> str | None:
    value = getattr(message, spec.key, None)
    return str(value) if value is not None else None


def ce_headers(spec: TopicSpec, *, ce_id: str, source: str, time: datetime | None = None) -> Headers:
    when = (time or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    return [
        ("ce_specversion", CE_SPECVERSION.encode()),
        ("ce_id", ce_id.encode()),
        ("ce_type", spec.ce_type.encode()),
        ("ce_source", source.encode()),
        ("ce_time", when.encode()),
        ("content-type", b"application/json"),
    ]


def encode(spec: TopicSpec, message: BaseModel, *, source: str, key: str | None = None) -> Encoded:
    """Serialise ``message`` for ``spec``'s topic. ``source`` is the CloudEvents source, e.g. ``/warwire/ingest``."""
    if not isinstance(message, spec.value_model):
        raise TypeError(f"{spec.name} carries {spec.value_model.__name__}, not {type(message).__name__}")
    key = key if key is not None else message_key(spec, message)
    version = getattr(message, "version", None)
    ce_id = f"{key}:{version}" if version is not None else (key or "")
    value = message.model_dump_json(exclude_none=False).encode()
    return Encoded(
        key=key.encode() if key is not None else None,
        value=value,
        headers=ce_headers(spec, ce_id=ce_id, source=source),
    )


def decode(model: type[M], value: bytes | str | None) -> M:
    """Parse a message value; raises :class:`DecodeError` with a dead-letter reason."""
    if value is None:
        raise DecodeError("empty", "message has no value")
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("invalid_utf8", str(exc)) from exc
    else:
        text = value
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecodeError("invalid_json", str(exc)) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DecodeError("schema", _short_validation(exc)) from exc


def headers_dict(headers: Headers | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, val in headers or []:
        out[name] = val.decode("utf-8", "replace") if isinstance(val, bytes | bytearray) else str(val)
    return out


def _short_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
