"""Build dead-letter records that keep the original message byte-exact, with the reason."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from shared.schemas import DeadLetter


def _b64(data: bytes | str | None) -> str | None:
    if data is None:
        return None
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return base64.b64encode(raw).decode("ascii")


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
    return DeadLetter(
        service=service,
        reason=reason,
        detail=detail[:2000],
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        original_key=_b64(key),
        original_value=_b64(value),
        original_headers={name: _b64(val) or "" for name, val in (headers or [])},
        failed_at=datetime.now(UTC),
    )


def original_value(record: DeadLetter) -> bytes | None:
    """The original message value, as the failing service received it."""
    return base64.b64decode(record.original_value) if record.original_value is not None else None
