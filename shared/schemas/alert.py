"""Alert: an escalation signal raised by the alert service on ``alerts``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from shared.schemas.base import Message
from shared.schemas.events import ActorRef, Evidence


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ["low", "medium", "high", "critical"].index(self.value)


class AlertStatus(StrEnum):
    PROVISIONAL = "provisional"
    CONFIRMED = "confirmed"


class AlertKind(StrEnum):
    NEW_LAUNCH_PLATFORM = "new_launch_platform"
    GROUND_OFFENSIVE = "ground_offensive"
    NEW_ACTOR = "new_actor"
    GEOGRAPHIC_EXPANSION = "geographic_expansion"
    TEMPO_SPIKE = "tempo_spike"
    LONG_RANGE_STRIKE = "long_range_strike"
    CUSTOM = "custom"


# An alert keeps the events that raised and confirmed it, not every later event of its key: the alert
# service re-reads and re-writes its state at every signal, so an unbounded list grew without end.
MAX_ALERT_EVENT_IDS = 50


class Alert(Message):
    """Key: ``alert_id``. Derived from the signal, so one signal never alerts twice."""

    schema_version: Literal[1] = 1
    alert_id: str
    version: int = Field(default=1, ge=1, description="Grows when the status or sources change.")
    kind: AlertKind
    rule: str | None = Field(default=None, description="Name of the custom rule, for kind=custom.")
    severity: Severity
    title: str
    summary: str
    theater: str | None = Field(default=None, description="ISO country code where the effects are.")
    actor: ActorRef | None = None
    event_ids: list[str] = Field(
        default_factory=list,
        description=f"The events behind the alert, in the order they reached it: the first "
        f"{MAX_ALERT_EVENT_IDS} (query /v1/events for the rest).",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    first_report_at: datetime | None = None
    source_count: int = Field(default=1, ge=0, description="Independent sources behind the signal.")
    status: AlertStatus = AlertStatus.PROVISIONAL
    raised_at: datetime
    ingested_at: datetime | None = Field(default=None, description="Ingest time of the triggering article.")
