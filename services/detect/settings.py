"""Detect service settings (environment, prefix WARWIRE_DETECT_ for service-specific values)."""

from __future__ import annotations

from pydantic import Field

from services.alert.settings import AlertRulesSettings


class DetectSettings(AlertRulesSettings):
    detect_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    detect_http_port: int = Field(default=8086, description="Port of /healthz and /metrics.")
    detect_batch_size: int = Field(default=200, ge=1, description="Events per polled batch.")
