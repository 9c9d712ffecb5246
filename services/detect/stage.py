"""The detect stage: events.strike + events.statement -> detectors -> signals on alert.signals.

A plain consumer step (shared/stream). Detection is stateless: each event is checked against the rules
alone. Each signal's state lives in the alert service's table (services/alert), which decides whether
a signal is new and raises alerts, in the partition of alert.signals that Kafka's partitioner gives
its state key. The signals of one event bound for one partition go as one message to that partition.
"""

from __future__ import annotations

from typing import Any

from aiokafka.partitioner import murmur2

from services.alert.detectors import Signal, signals_for
from services.alert.rules import AlertRules
from services.alert.state import STATE_PARTITIONS, SignalBatch
from shared.deadletter import DeadLetters
from shared.messages import DecodeError, Outgoing, decode
from shared.schemas import StatementEvent, StrikeEvent
from shared.topics import TopicNames


def signals_topic(names: TopicNames) -> str:
    return f"{names.prefix}alert.signals"


def state_partition(state_key: str, partitions: int = STATE_PARTITIONS) -> int:
    """The partition of alert.signals that holds ``state_key``'s state: the one Kafka's default
    partitioner gives the key (murmur2), so keys stay where one signal per message put them."""
    return (murmur2(state_key.encode()) & 0x7FFFFFFF) % partitions


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
            bound: dict[int, list[Signal]] = {}
            for signal in signals_for(parsed, self.rules):
                bound.setdefault(state_partition(signal.state_key), []).append(signal)
            for partition, signals in bound.items():
                batch = SignalBatch.of(signals, parsed)
                key = signals[0].state_key.encode()
                out.append(Outgoing(self.topic, key, batch.model_dump_json().encode(), [], partition))
        return out
