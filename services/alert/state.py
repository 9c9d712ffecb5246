"""Folding signals into alerts, one state per signal key (a Faust table row in the service).

- The first signal for a key raises the alert (unless the rules' baseline lists the key: a cold start
  does not flood). Later signals add events and independent sources; crossing to two or more
  independent sources changes the status to ``confirmed`` and publishes a new version.
- A key unseen for longer than its detector's lookback raises a fresh alert (a new epoch, a new id).
- Tempo signals count strikes per day and raise once per window when the window spikes.
Every step is idempotent: an event already folded in changes nothing, so re-delivery re-raises nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from services.alert.detectors import Signal
from services.alert.rules import AlertRules
from shared.ids import stable_id
from shared.schemas import Alert, AlertStatus, Evidence, StatementEvent, StrikeEvent
from shared.schemas.alert import MAX_ALERT_EVENT_IDS, AlertKind
from shared.topics import ALERTS

CONFIRMING_SOURCES = 2
# Partitions of alert.signals and of the state table's changelog (co-partitioned).
STATE_PARTITIONS = ALERTS.partitions
MAX_REMEMBERED_EVENTS = 500


class SignalSpec(BaseModel):
    """A detector's signal, without its event."""

    kind: AlertKind
    key: str
    severity: str
    title: str
    summary: str
    theater: str | None
    lookback_days: int | None = None
    rule: str | None = None
    tempo: bool = False

    @classmethod
    def of(cls, signal: Signal) -> SignalSpec:
        return cls(
            kind=signal.kind, key=signal.key, severity=signal.severity.value, title=signal.title,
            summary=signal.summary, theater=signal.theater, lookback_days=signal.lookback_days, rule=signal.rule,
            tempo=signal.tempo,
        )  # fmt: skip

    @property
    def state_key(self) -> str:
        return f"{self.kind.value}|{self.key}"


class SignalEnvelope(SignalSpec):
    """A detector's signal with the event that raised it: what ``process`` folds into a key's state."""

    strike: StrikeEvent | None = None
    statement: StatementEvent | None = None

    @classmethod
    def of(cls, signal: Signal, event: StrikeEvent | StatementEvent) -> SignalEnvelope:  # type: ignore[override]
        return cls.with_event(SignalSpec.of(signal), event)

    @classmethod
    def with_event(cls, spec: SignalSpec, event: StrikeEvent | StatementEvent) -> SignalEnvelope:
        return cls(
            **dict(spec), strike=event if isinstance(event, StrikeEvent) else None,
            statement=event if isinstance(event, StatementEvent) else None,
        )  # fmt: skip

    @property
    def event(self) -> StrikeEvent | StatementEvent:
        event = self.strike or self.statement
        assert event is not None
        return event


class SignalBatch(BaseModel):
    """Internal (alert.signals topic): the signals of one event whose state keys share a partition, with
    the event once (services/detect/stage.py sends it to that partition)."""

    signals: list[SignalSpec]
    strike: StrikeEvent | None = None
    statement: StatementEvent | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_signal(cls, data: Any) -> Any:
        """A message of the release before batches (one signal and its event) reads as a batch of one,
        so the signals in flight during an upgrade are still processed."""
        if isinstance(data, dict) and "signals" not in data and "kind" in data:
            signal = {k: v for k, v in data.items() if k not in ("strike", "statement")}
            event = {k: v for k, v in data.items() if k in ("strike", "statement")}
            return {"signals": [signal], **event}
        return data

    @classmethod
    def of(cls, signals: list[Signal], event: StrikeEvent | StatementEvent) -> SignalBatch:
        return cls(
            signals=[SignalSpec.of(s) for s in signals], strike=event if isinstance(event, StrikeEvent) else None,
            statement=event if isinstance(event, StatementEvent) else None,
        )  # fmt: skip

    def envelopes(self) -> list[SignalEnvelope]:
        event = self.strike or self.statement
        assert event is not None
        return [SignalEnvelope.with_event(spec, event) for spec in self.signals]


class KeyState(BaseModel):
    alert: Alert | None = None
    sources: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list, description="event_id:version already folded in")
    epoch: int = 0
    last_seen: date | None = None
    baseline: bool = False
    counts: dict[str, int] = Field(default_factory=dict)
    fired_windows: list[str] = Field(default_factory=list)


def _independent(event: StrikeEvent | StatementEvent) -> set[str]:
    return {s.source for s in event.sources if not s.syndicated}


def _when(event: StrikeEvent | StatementEvent) -> date:
    if event.occurred_on is not None:
        return event.occurred_on
    return (event.ingested_at or datetime.now(UTC)).date()


def _first_report(event: StrikeEvent | StatementEvent) -> datetime | None:
    return min((s.published_at for s in event.sources if s.published_at), default=event.ingested_at)


def process(state: KeyState, env: SignalEnvelope, rules: AlertRules) -> tuple[KeyState, list[Alert]]:
    """Returns the new state and the alerts (new or new versions) to publish."""
    event = env.event
    stamp = f"{event.event_id}:{event.version}"
    if stamp in state.events:
        return state, []  # re-delivery
    # A shallow copy: every field below is replaced, never changed in place (counts is copied for
    # _tempo's update). A deep copy of the alert and its evidence was two thirds of the cost per signal.
    state = state.model_copy(update={"counts": dict(state.counts)})
    state.events = [*state.events, stamp][-MAX_REMEMBERED_EVENTS:]
    if env.tempo:
        return _tempo(state, env, rules)
    when = _when(event)
    if state.alert is None and not state.baseline and f"{env.kind.value}:{env.key}" in rules.baseline:
        state.baseline = True  # known before the service's state began: not new
    expired = (
        env.lookback_days is not None
        and state.last_seen is not None
        and (when - state.last_seen).days > env.lookback_days
    )
    state.last_seen = max(filter(None, [state.last_seen, when]))
    if expired:
        state.epoch += 1
        state.alert, state.sources, state.baseline = None, [], False
    if state.baseline:
        return state, []
    sources = set(state.sources) | _independent(event)
    status = AlertStatus.CONFIRMED if len(sources) >= CONFIRMING_SOURCES else AlertStatus.PROVISIONAL
    state.sources = sorted(sources)
    if state.alert is None:
        state.alert = _new_alert(
            env, event, stable_id("alr", env.kind.value, env.key, state.epoch), status, len(sources)
        )
        return state, [state.alert]
    previous = state.alert
    evidence = {(e.article_id, e.char_start): e for e in [*previous.evidence, *event.evidence]}
    changed = status != previous.status
    state.alert = previous.model_copy(
        update={
            "event_ids": list(dict.fromkeys([*previous.event_ids, event.event_id]))[:MAX_ALERT_EVENT_IDS],
            "evidence": list(evidence.values())[:10],
            "source_count": len(sources),
            "status": status,
            "version": previous.version + (1 if changed else 0),
            "raised_at": datetime.now(UTC) if changed else previous.raised_at,
            "ingested_at": event.ingested_at if changed else previous.ingested_at,
        }
    )
    return state, [state.alert] if changed else []


def _tempo(state: KeyState, env: SignalEnvelope, rules: AlertRules) -> tuple[KeyState, list[Alert]]:
    rule = rules.tempo_spike
    event = env.event
    day = _when(event)
    state.counts[day.isoformat()] = state.counts.get(day.isoformat(), 0) + 1
    horizon = day - timedelta(days=rule.window_days * (rule.baseline_days + 1) + 1)
    state.counts = {d: n for d, n in state.counts.items() if date.fromisoformat(d) > horizon}
    window_start = day - timedelta(days=rule.window_days - 1)

    def in_range(start: date, days: int) -> int:
        return sum(
            n
            for d, n in state.counts.items()
            if start <= date.fromisoformat(d) < start + timedelta(days=days)
        )

    current = in_range(window_start, rule.window_days)
    previous = [
        in_range(window_start - timedelta(days=rule.window_days * (i + 1)), rule.window_days)
        for i in range(max(1, rule.baseline_days // rule.window_days))
    ]
    mean = sum(previous) / len(previous)
    key = window_start.isoformat()
    if current < rule.min_count or current < rule.ratio * (mean + 1) or key in state.fired_windows:
        return state, []
    state.fired_windows = [*state.fired_windows, key][-50:]
    alert = _new_alert(
        env,
        event,
        stable_id("alr", env.kind.value, env.key, key),
        AlertStatus.CONFIRMED,
        len(_independent(event)),
    ).model_copy(
        update={
            "summary": f"{current} strikes in the {rule.window_days}-day window from {key}, against a mean of "
            f"{mean:.1f} per window over the previous {rule.baseline_days} days (threshold {rule.ratio}x, "
            f"minimum {rule.min_count}).",
            "event_ids": [event.event_id],
        }
    )
    return state, [alert]


def _new_alert(
    env: SignalEnvelope, event: StrikeEvent | StatementEvent, alert_id: str, status: AlertStatus, sources: int
) -> Alert:
    actor: Any = getattr(event, "actor", None)
    evidence: list[Evidence] = list(event.evidence[:5])
    return Alert(
        alert_id=alert_id,
        kind=env.kind,
        rule=env.rule,
        severity=env.severity,
        title=env.title,
        summary=env.summary,
        theater=env.theater,
        actor=actor,
        event_ids=[event.event_id],
        evidence=evidence,
        first_report_at=_first_report(event),
        source_count=sources,
        status=status,
        raised_at=datetime.now(UTC),
        ingested_at=event.ingested_at,
    )
