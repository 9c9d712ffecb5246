"""The detect stage: events.strike + events.statement -> detectors -> signals on alert.signals.

A plain consumer step (shared/stream). Detection is stateless: each event is checked against the rules
alone. Its signals are re-keyed by their state key, so each signal's state lives in one partition of
the alert service's table (services/alert), which decides whether a signal is new and raises alerts.
"""

from __future__ import annotations

from typing import Any

from services.alert.detectors import signals_for
from services.alert.rules import AlertRules
from services.alert.state import SignalEnvelope
from shared.deadletter import DeadLetters
from shared.messages import DecodeError, Outgoing, decode
from shared.schemas import StatementEvent, StrikeEvent
from shared.topics import TopicNames


def signals_topic(names: TopicNames) -> str:
    return f"{names.prefix}alert.signals"


class DetectStep:
    def __init__(self, names: TopicNames, rules: AlertRules, dead: DeadLetters) -> None:
        self.names = names
        self.rules = rules
        self.dead = dead
        self.topic = signals_topic(names)

    async def __call__(self, records: list[Any]) -> list[Outgoing]:
        out: list[Outgoing] = []
        for rec in records:
            parsed: StrikeEvent | StatementEvent
            try:
                if rec.topic == self.names.events_statement:
                    parsed = decode(StatementEvent, rec.value)
                else:
                    parsed = decode(StrikeEvent, rec.value)
            except DecodeError as exc:
                out.append(self.dead.of_record(rec, exc.reason, exc.detail))
                continue
            self.dead.passed()
            for signal in signals_for(parsed, self.rules):
                env = SignalEnvelope.of(signal, parsed)
                out.append(Outgoing(self.topic, env.state_key.encode(), env.model_dump_json().encode(), []))
        return out
