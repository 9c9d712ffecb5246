"""The alert rules file: detector thresholds, baseline and custom rules. The defaults ship inside the
package (services/alert/rules.yaml, package data); ``WARWIRE_ALERT_RULES_PATH`` names another file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import Severity


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    severity: Severity = Severity.MEDIUM


class NewLaunchPlatformRule(_Rule):
    severity: Severity = Severity.HIGH
    lookback_days: int = Field(default=180, ge=1)


class GroundOffensiveRule(_Rule):
    severity: Severity = Severity.HIGH
    combined_severity: Severity = Severity.CRITICAL
    min_localities: int = Field(default=3, ge=1)


class NewActorRule(_Rule):
    lookback_days: int = Field(default=180, ge=1)


class GeographicExpansionRule(_Rule):
    new_country_severity: Severity = Severity.HIGH
    lookback_days: int = Field(default=180, ge=1)


class TempoSpikeRule(_Rule):
    severity: Severity = Severity.HIGH
    window_days: int = Field(default=1, ge=1)
    baseline_days: int = Field(default=14, ge=1)
    min_count: int = Field(default=5, ge=1)
    ratio: float = Field(default=3.0, gt=1)


class LongRangeStrikeRule(_Rule):
    severity: Severity = Severity.HIGH
    min_km: float = Field(default=1000, gt=0)


Operator = Literal["eq", "ne", "gte", "lte", "in", "contains"]


class CustomRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    severity: Severity = Severity.MEDIUM
    event_type: Literal["strike", "statement"] = "strike"
    match: dict[str, dict[Operator, Any]]


class AlertRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    baseline: list[str] = Field(default_factory=list)
    new_launch_platform: NewLaunchPlatformRule = Field(default_factory=NewLaunchPlatformRule)
    ground_offensive: GroundOffensiveRule = Field(default_factory=GroundOffensiveRule)
    new_actor: NewActorRule = Field(default_factory=NewActorRule)
    geographic_expansion: GeographicExpansionRule = Field(default_factory=GeographicExpansionRule)
    tempo_spike: TempoSpikeRule = Field(default_factory=TempoSpikeRule)
    long_range_strike: LongRangeStrikeRule = Field(default_factory=LongRangeStrikeRule)
    custom_rules: list[CustomRule] = Field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None = None) -> AlertRules:
        """The rules of the file at ``path``; without one (or an empty one), the packaged defaults."""
        text = Path(path).read_text(encoding="utf-8") if path else default_rules_text()
        return cls.model_validate(yaml.safe_load(text) or {})


def default_rules_text() -> str:
    """The packaged default rules file, found through importlib.resources (any working directory, any
    install: a wheel, the image, a checkout)."""
    return files("services.alert").joinpath("rules.yaml").read_text(encoding="utf-8")


def field_value(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def matches(rule: CustomRule, doc: dict[str, Any]) -> bool:
    for path, ops in rule.match.items():
        value = field_value(doc, path)
        for op, want in ops.items():
            if op == "eq" and value != want:
                return False
            if op == "ne" and value == want:
                return False
            if op in {"gte", "lte"}:
                if not isinstance(value, int | float):
                    return False
                if (op == "gte" and value < want) or (op == "lte" and value > want):
                    return False
            if op == "in" and value not in want:
                return False
            if op == "contains" and (not isinstance(value, str | list) or want not in value):
                return False
    return True
