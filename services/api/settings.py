"""API service settings."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.config import CommonSettings


class ApiSettings(CommonSettings):
    api_http_host: str = Field(default="127.0.0.1", description="Bind address.")
    api_http_port: int = Field(default=8080, description="Port of the HTTP API.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///.cache/api/warwire.sqlite",
        validation_alias=AliasChoices("DATABASE_URL", "WARWIRE_DATABASE_URL"),
        description="SQLAlchemy async URL: SQLite file by default, postgresql+asyncpg://... in production.",
    )
    api_keys: str = Field(
        default="",
        description="Comma-separated API keys (X-API-Key) required for webhook management; empty: open (development only).",
    )
    api_read_keys_required: bool = Field(
        default=False,
        description="Require an X-API-Key from WARWIRE_API_KEYS on reads too (production); false: reads are open.",
    )
    api_max_body_bytes: int = Field(default=65536, ge=1024, description="Larger request bodies get 413.")
    api_sse_heartbeat_s: float = Field(
        default=15.0, gt=0, description="Seconds between SSE heartbeat comments."
    )
    api_max_limit: int = Field(default=500, description="Upper bound of the limit query parameter.")
    api_feed_poll_s: float = Field(
        default=1.0,
        gt=0,
        description="Seconds between reads of changes other API replicas wrote, for this replica's live feed.",
    )

    @property
    def api_key_set(self) -> set[str]:
        return {k.strip() for k in self.api_keys.split(",") if k.strip()}
