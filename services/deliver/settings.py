"""Deliver service settings. The retry policy was the alert service's until delivery moved here: its old
names (WARWIRE_ALERT_WEBHOOK_*) are still accepted, so existing deployments keep their policy."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.config import CommonSettings


def _env(name: str) -> AliasChoices:
    """The new name first (the documented one), then the alert service's old name."""
    return AliasChoices(f"WARWIRE_DELIVER_{name}", f"WARWIRE_ALERT_WEBHOOK_{name}")


class DeliverSettings(CommonSettings):
    deliver_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    deliver_http_port: int = Field(default=8084, description="Port of /healthz and /metrics.")
    deliver_max_attempts: int = Field(
        default=100,
        ge=1,
        validation_alias=_env("MAX_ATTEMPTS"),
        description="Delivery attempts before a dead letter (the time budget usually ends first).",
    )
    deliver_max_elapsed_s: float = Field(
        default=900.0,
        gt=0,
        validation_alias=_env("MAX_ELAPSED_S"),
        description="Time budget of one delivery's retries.",
    )
    deliver_backoff_base_s: float = Field(
        default=0.5,
        gt=0,
        validation_alias=_env("BACKOFF_BASE_S"),
        description="First retry delay (exponential, jittered).",
    )
    deliver_backoff_max_s: float = Field(
        default=30.0, gt=0, validation_alias=_env("BACKOFF_MAX_S"), description="Largest retry delay."
    )
    deliver_dedupe_window_s: float = Field(
        default=86400.0,
        ge=0,
        validation_alias=_env("DEDUPE_WINDOW_S"),
        description="How far back a (re)started deliverer reads the delivery log, so an alert version it "
        "already delivered (and that a crashed alert worker re-published) is not sent again.",
    )
    deliver_timeout_s: float = Field(
        default=5.0, gt=0, validation_alias=_env("TIMEOUT_S"), description="Timeout of one webhook request."
    )
