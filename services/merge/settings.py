"""Merge service settings (environment, prefix WARWIRE_MERGE_ for service-specific values)."""

from __future__ import annotations

from pydantic import Field

from shared.config import CommonSettings


class MergeSettings(CommonSettings):
    merge_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    merge_http_port: int = Field(default=8085, description="Port of /healthz and /metrics.")
    merge_data_dir: str = Field(default=".cache/faust/merge", description="Faust data directory.")
