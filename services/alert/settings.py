"""Alert service settings; the rules path is shared with the detect stage."""

from __future__ import annotations

from pydantic import Field

from shared.config import CommonSettings


class AlertRulesSettings(CommonSettings):
    """The rules file, read by both alert stages (detect and alert)."""

    alert_rules_path: str = Field(
        default="",
        description="Detector thresholds, baseline and custom rules (YAML). Empty: the defaults shipped in "
        "the package (services/alert/rules.yaml).",
    )


class AlertSettings(AlertRulesSettings):
    alert_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    alert_http_port: int = Field(default=8083, description="Port of /healthz and /metrics.")
    alert_data_dir: str = Field(default=".cache/faust/alert", description="Faust data directory.")
