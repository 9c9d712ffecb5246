"""Ingest service settings."""

from __future__ import annotations

from pydantic import Field

from services.ingest.feeds import FeedConfig
from shared.config import CommonSettings


class IngestSettings(CommonSettings):
    ingest_http_host: str = Field(default="127.0.0.1", description="Bind address of the push API.")
    ingest_http_port: int = Field(default=8081, description="Port of the push API, /healthz and /metrics.")
    ingest_api_keys: str = Field(
        default="",
        description="Comma-separated API keys for POST /v1/articles (X-API-Key). Empty: open (dev only).",
    )
    ingest_state_path: str = Field(
        default=".cache/ingest/seen.sqlite", description="Durable seen-state (dedup)."
    )
    ingest_max_article_bytes: int = Field(default=1_000_000, description="Larger articles are refused (413).")
    ingest_publish_timeout_s: float = Field(
        default=30.0, description="Max wait for the broker to ack a publish."
    )

    ingest_feeds: list[FeedConfig] = Field(
        default_factory=list,
        description='RSS/Atom feeds to poll, JSON: [{"name": "...", "url": "...", "interval_s": 300}].',
    )
    ingest_feed_timeout_s: float = Field(default=10.0, description="Timeout of one feed or page request.")
    ingest_feed_max_backoff_s: float = Field(
        default=600.0, description="Upper bound of a failing feed's backoff."
    )
    ingest_min_content_chars: int = Field(
        default=400, description="Feed entries with less text than this get their article page fetched."
    )

    @property
    def api_keys(self) -> set[str]:
        return {k.strip() for k in self.ingest_api_keys.split(",") if k.strip()}
