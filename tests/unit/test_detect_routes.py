"""The detect stage's messages to the alert service: a signal goes to the partition its state key hashes
to, as when each signal was its own message keyed by its state key, and the signals of one event bound
for one partition go as one message."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from aiokafka.partitioner import DefaultPartitioner

from services.alert.detectors import signals_for
from services.alert.state import STATE_PARTITIONS, SignalBatch, SignalEnvelope
from services.detect.stage import DetectStep, state_partition
from shared.deadletter import DeadLetters
from shared.messages import encode
from shared.schemas import StatementEvent
from shared.topics import EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames
from tests.unit.test_alert_detectors import CASPIAN, HAMA, RULES, SYRIA, deployment, strike

NAMES = TopicNames("t.")
DEPLOYMENT = deployment("st9", "hundreds of Russian troops have arrived", "Russia", "RU")
EVENTS = [
    strike("a", launch_platform={"kind": "warship"}, launch_location=CASPIAN, strike_type="missile_strike",
           locations=[SYRIA, HAMA], weapon="cruise missile"),
    strike("b", locations=[HAMA], launch_platform={"kind": "aircraft"}),
    strike("c", actor={"name": "Iran", "kind": "state_military", "country": "IR"}),
    DEPLOYMENT,
]  # fmt: skip


def test_a_state_key_is_sent_where_kafkas_partitioner_puts_it() -> None:
    """Where one signal per message, keyed by its state key, put it: state stays in its partition."""
    partitioner = DefaultPartitioner()
    parts = list(range(STATE_PARTITIONS))
    keys = {s.state_key for event in EVENTS for s in signals_for(event, RULES)}
    assert len(keys) >= 6
    for key in keys:
        assert state_partition(key) == partitioner(key.encode(), parts, parts)
    assert len({state_partition(k) for k in keys}) > 1  # the keys spread over the partitions


def test_signals_of_one_event_bound_for_one_partition_go_as_one_message() -> None:
    for event in EVENTS:
        enc = encode(
            EVENTS_STATEMENT if isinstance(event, StatementEvent) else EVENTS_STRIKE, event, source="/t"
        )
        topic = NAMES.events_statement if isinstance(event, StatementEvent) else NAMES.events_strike
        record = SimpleNamespace(
            topic=topic, partition=0, offset=0, key=b"k", value=enc.value, headers=enc.headers
        )
        out = asyncio.run(DetectStep(NAMES, RULES, DeadLetters("detect", NAMES.deadletter))([record]))
        signals = signals_for(event, RULES)
        assert len(out) == len({state_partition(s.state_key) for s in signals})
        envelopes = []
        for message in out:
            batch = SignalBatch.model_validate_json(message.value)
            assert {state_partition(s.state_key) for s in batch.signals} == {message.partition}
            envelopes.extend(batch.envelopes())
        # Every signal once, each with its event.
        assert sorted(e.state_key for e in envelopes) == sorted(s.state_key for s in signals)
        assert all(e.event == event for e in envelopes)
    assert len(signals_for(EVENTS[0], RULES)) > STATE_PARTITIONS  # so its messages are fewer than its signals


def test_a_signal_of_the_release_before_batches_reads_as_a_batch_of_one() -> None:
    (signal, *_) = signals_for(EVENTS[1], RULES)
    old = SignalEnvelope.of(signal, EVENTS[1]).model_dump_json()
    batch = SignalBatch.model_validate(json.loads(old))
    (env,) = batch.envelopes()
    assert env == SignalEnvelope.of(signal, EVENTS[1])
