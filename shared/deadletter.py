"""Build dead-letter records that keep the original message byte-exact, with the reason."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from shared.schemas import DeadLetter
from shared.topics import ARTICLE_MAX_MESSAGE_BYTES

# The largest original a dead letter keeps whole: base64 of it still fits the dead-letter topic.
ORIGINAL_MAX_BYTES = ARTICLE_MAX_MESSAGE_BYTES


def _raw(data: bytes | str | None) -> bytes | None:
    if data is None:
        return None
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _b64(data: bytes | str | None) -> str | None:
    raw = _raw(data)
    return None if raw is None else base64.b64encode(raw).decode("ascii")


def make_dead_letter(
    *,
    service: str,
    reason: str,
    detail: str = "",
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | str | None = None,
    value: bytes | str | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> DeadLetter:
    raw = _raw(value)
    return DeadLetter(
        service=service,
        reason=reason,
        detail=detail[:2000],
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        original_key=_b64(key),
        original_value=_b64(raw[:ORIGINAL_MAX_BYTES] if raw is not None else None),
        original_size=len(raw) if raw is not None else None,
        original_truncated=raw is not None and len(raw) > ORIGINAL_MAX_BYTES,
        original_headers={name: _b64(val) or "" for name, val in (headers or [])},
        failed_at=datetime.now(UTC),
    )


def original_value(record: DeadLetter) -> bytes | None:
    """The original message value, as the failing service received it."""
    return base64.b64decode(record.original_value) if record.original_value is not None else None
