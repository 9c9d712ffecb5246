"""Article: a normalised news report, as ingest publishes it on ``articles.raw``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.schemas.base import Message


class Article(Message):
    """One news report, normalised and de-duplicated by ingest. Key: ``article_id``."""

    schema_version: Literal[1] = 1
    article_id: str = Field(description="Stable id: hash of the canonical URL, or of the text without one.")
    title: str = Field(default="", description="Headline.")
    body: str = Field(description="Normalised plain text of the article.")
    url: str | None = Field(default=None, description="Canonical URL, tracking parameters stripped.")
    source: str = Field(default="unknown", description="Publisher or feed name.")
    published_at: datetime | None = Field(default=None, description="Publication time (UTC) if known.")
    language: str = Field(default="en", description="ISO 639-1 language code, detected when not given.")
    ingested_at: datetime = Field(
        description="When ingest accepted the article (UTC); starts latency clocks."
    )
    removed_lines: list[str] = Field(
        default_factory=list,
        description="Boilerplate lines (captions, 'READ MORE', bylines) removed from body; kept so the step is reversible.",
    )
    duplicate_of: str | None = Field(
        default=None,
        description="article_id of the earlier copy when this is a syndicated near-duplicate; "
        "extraction does not count it as independent corroboration.",
    )
