"""DeadLetter: a message a service could not process, with the reason and the original bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.schemas.base import Message


class DeadLetter(Message):
    """A record on the dead-letter topic. Key: the original key (or null)."""

    schema_version: Literal[1] = 1
    service: str = Field(description="Service that gave up: ingest, extract, alert or api.")
    reason: str = Field(
        description="Machine-readable reason code, e.g. 'invalid_json', 'schema', 'too_large'."
    )
    detail: str = Field(default="", description="Human-readable explanation.")
    source_topic: str | None = Field(default=None, description="Topic the message came from, if any.")
    source_partition: int | None = None
    source_offset: int | None = None
    original_key: str | None = Field(default=None, description="Original key, base64.")
    original_value: str | None = Field(
        default=None,
        description="Original value, base64 (byte-exact), or its first bytes when original_truncated.",
    )
    original_size: int | None = Field(default=None, description="Size of the original value in bytes.")
    original_truncated: bool = Field(
        default=False,
        description="True when the original value was larger than the dead-letter topic can carry "
        "(8 MiB) and only its first 8 MiB are kept.",
    )
    original_headers: dict[str, str] = Field(
        default_factory=dict, description="Original headers, base64 values."
    )
    failed_at: datetime
