"""Folding signals into alerts: the first signal with a key raises the alert; later ones add events
and sources, and a status change (provisional -> confirmed) publishes a new version."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from services.alert.detectors import Signal
from services.extract.extractor import stable_id
from shared.schemas import Alert, AlertStatus, StrikeEvent


class SignalEnvelope(BaseModel):
    """Internal (alert.signals topic): a detector's signal with the event that raised it."""

    kind: str
    key: str
    severity: str
    title: str
    summary: str
    theater: str | None
    event: StrikeEvent

    @classmethod
    def of(cls, signal: Signal, event: StrikeEvent) -> SignalEnvelope:
        return cls(
            kind=signal.kind.value,
            key=signal.key,
            severity=signal.severity.value,
            title=signal.title,
            summary=signal.summary,
            theater=signal.theater,
            event=event,
        )

    @property
    def alert_id(self) -> str:
        return stable_id("alr", self.kind, self.key)


CONFIRMING_SOURCES = 2


def _independent_sources(event: StrikeEvent) -> set[str]:
    return {s.source for s in event.sources if not s.syndicated}


def fold(previous: Alert | None, env: SignalEnvelope, sources_seen: set[str]) -> tuple[Alert, bool]:
    """Returns the alert after ``env`` and whether it must be (re)published."""
    sources = sources_seen | _independent_sources(env.event)
    status = AlertStatus.CONFIRMED if len(sources) >= CONFIRMING_SOURCES else AlertStatus.PROVISIONAL
    if previous is None:
        alert = Alert(
            alert_id=env.alert_id,
            kind=env.kind,
            severity=env.severity,
            title=env.title,
            summary=env.summary,
            theater=env.theater,
            actor=env.event.actor,
            event_ids=[env.event.event_id],
            evidence=env.event.evidence[:5],
            first_report_at=min((s.published_at for s in env.event.sources if s.published_at), default=None),
            source_count=len(sources),
            status=status,
            raised_at=datetime.now(UTC),
            ingested_at=env.event.ingested_at,
        )
        return alert, True
    event_ids = list(dict.fromkeys([*previous.event_ids, env.event.event_id]))
    evidence = {(e.article_id, e.char_start): e for e in [*previous.evidence, *env.event.evidence]}
    changed_status = status != previous.status
    alert = previous.model_copy(
        update={
            "event_ids": event_ids,
            "evidence": list(evidence.values())[:10],
            "source_count": len(sources),
            "status": status,
            "version": previous.version + (1 if changed_status else 0),
            "raised_at": datetime.now(UTC) if changed_status else previous.raised_at,
            "ingested_at": env.event.ingested_at if changed_status else previous.ingested_at,
        }
    )
    return alert, changed_status
