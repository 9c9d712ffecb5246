"""Wire format: key = stable id (UTF-8), value = JSON, CloudEvents binary-mode headers.

Every producer in warwire goes through :func:`encode`, every consumer through :func:`decode`,
so the conventions live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from shared.topics import TopicSpec

M = TypeVar("M", bound=BaseModel)

CE_SPECVERSION = "1.0"
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Encoded:
    key: bytes | None
    value: bytes
    headers: Headers


@dataclass(frozen=True)
class Outgoing:
    """One message a stage produces: where to, and its bytes (a tombstone has no value)."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers
    partition: int | None = None  # None: the producer's partitioner picks it from the key

    @classmethod
    def of(cls, topic: str, enc: Encoded, *, key: str | None = None) -> Outgoing:
        """``enc`` to ``topic``; ``key`` re-keys it (a repartition by merge block, say)."""
        return cls(topic, key.encode() if key is not None else enc.key, enc.value, enc.headers)


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
    """Parse a message value; raises :class:`DecodeError` with a dead-letter reason, and nothing else.

    Consumers dead-letter on DecodeError and keep going, so every way a value can fail (deep nesting,
    a 5,000-digit number, lone surrogates, a validator that raises) must end up here as one."""
    if value is None:
        raise DecodeError("empty", "message has no value")
    try:
        # pydantic's JSON parser (jiter): a nesting limit instead of RecursionError, no int-digit limit
        # ValueError escaping, and lone surrogate escapes refused (they break every later re-encoding).
        raw = from_json(value, allow_inf_nan=False)
    except ValueError as exc:
        reason = "invalid_utf8" if _bad_utf8(value) else "invalid_json"
        raise DecodeError(reason, str(exc)[:500]) from exc
    except Exception as exc:  # whatever the parser raises: a message never stops a consumer
        raise DecodeError("invalid_json", f"{exc.__class__.__name__}: {str(exc)[:500]}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DecodeError("schema", _short_validation(exc)) from exc
    except Exception as exc:  # e.g. RecursionError or OverflowError in a validator
        raise DecodeError("schema", f"{exc.__class__.__name__}: {str(exc)[:500]}") from exc


def _bad_utf8(value: bytes | str) -> bool:
    if isinstance(value, str):
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


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
