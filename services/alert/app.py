"""The alert Faust app: signals (from the detect stage, services/detect) -> per-signal state -> alerts.

State is co-partitioned with its key: the detect stage sends each signal to the partition of the
internal ``alert.signals`` topic that its state key hashes to (several of one event in one message),
and ``raise_alerts`` owns the changelog-backed ``alert-state`` table (first-seen keys, epochs, tempo
windows, folded events), so a restarted worker re-raises nothing it already published.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC
from typing import Any

import faust

from services.alert.rules import AlertRules
from services.alert.settings import AlertSettings
from services.alert.state import STATE_PARTITIONS, KeyState, SignalBatch, process
from shared.config import CommonSettings
from shared.deadletter import DeadLetters
from shared.faust_support import make_app, send_and_wait, send_outgoing
from shared.kafka_admin import InternalTopic
from shared.messages import DecodeError, decode, encode
from shared.metrics import ALERTS_RAISED, END_TO_END_LATENCY
from shared.topics import ALERTS, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/alert"


def internal_topics(settings: CommonSettings) -> list[InternalTopic]:
    names = TopicNames(settings.topic_prefix)
    return [
        InternalTopic(f"{names.prefix}alert.signals", STATE_PARTITIONS),
        InternalTopic(
            f"{settings.group_prefix}-alert-alert-state-changelog", STATE_PARTITIONS, compacted=True
        ),
    ]


def build_app(settings: AlertSettings, rules: AlertRules) -> faust.App:
    names = TopicNames(settings.topic_prefix)
    app = make_app(
        settings,
        "alert",
        web_host=settings.alert_http_host,
        web_port=settings.alert_http_port,
        data_dir=settings.alert_data_dir,
    )
    dead = DeadLetters("alert", names.deadletter, max_consecutive=settings.deadletter_max_consecutive)
    signals_topic = app.topic(f"{names.prefix}alert.signals", partitions=STATE_PARTITIONS, internal=True)
    state = app.Table("alert-state", default=None, partitions=STATE_PARTITIONS)

    async def send(
        topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        await send_and_wait(app, topic, key, value, headers)

    @app.agent(signals_topic, name="raise-alerts")
    async def raise_alerts(stream: Any) -> None:
        async for event in stream.events():
            try:
                batch = decode(SignalBatch, event.message.value)
            except DecodeError as exc:
                await send_outgoing(app, dead.of_record(event.message, exc.reason, exc.detail))
                continue
            dead.passed()
            for env in batch.envelopes():
                stored = state.get(env.state_key)
                current = KeyState.model_validate_json(stored) if stored else KeyState()
                updated, alerts = process(current, env, rules)
                for alert in alerts:
                    enc = encode(ALERTS, alert, source=SOURCE)
                    # Publish before recording: a crash in between re-publishes the same version, never loses it.
                    await send(names.alerts, alert.alert_id, enc.value, enc.headers)
                    ALERTS_RAISED.labels(alert.kind.value, alert.severity.value).inc()
                    if alert.ingested_at is not None:
                        END_TO_END_LATENCY.labels("alert_published").observe(
                            max(0.0, time.time() - alert.ingested_at.astimezone(UTC).timestamp())
                        )
                if updated != current:
                    state[env.state_key] = updated.model_dump_json()

    return app
