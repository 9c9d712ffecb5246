"""Alert service settings."""

from __future__ import annotations

from pydantic import Field

from shared.config import CommonSettings


class AlertSettings(CommonSettings):
    alert_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    alert_http_port: int = Field(default=8083, description="Port of /healthz and /metrics.")
    alert_data_dir: str = Field(default=".cache/faust/alert", description="Faust data directory.")
    alert_webhook_max_attempts: int = Field(
        default=100,
        ge=1,
        description="Delivery attempts before a dead letter (the time budget usually ends first).",
    )
    alert_webhook_max_elapsed_s: float = Field(
        default=900.0, gt=0, description="Time budget of one delivery's retries."
    )
    alert_webhook_backoff_base_s: float = Field(
        default=0.5, gt=0, description="First retry delay (exponential, jittered)."
    )
    alert_webhook_backoff_max_s: float = Field(default=30.0, gt=0, description="Largest retry delay.")
    alert_webhook_dedupe_window_s: float = Field(
        default=86400.0,
        ge=0,
        description="How far back a restarted deliverer reads the delivery log, so an alert version it "
        "already delivered (and that a crashed alert worker re-published) is not sent again.",
    )
    alert_webhook_timeout_s: float = Field(default=5.0, gt=0, description="Timeout of one webhook request.")
    alert_rules_path: str = Field(
        default="config/alerts.yaml", description="Detector thresholds, baseline and custom rules (YAML)."
    )
