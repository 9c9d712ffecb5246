"""The alert Faust app: events.strike -> detectors -> (re-keyed by alert id) -> alert state -> alerts.

As in extract, state is co-partitioned with its key: ``detect`` re-keys signals by alert_id onto the
internal ``alert.signals`` topic, and ``raise_alerts`` owns the changelog-backed ``alert-state`` table,
so a restarted worker re-raises nothing it already published.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC
from typing import Any

import faust

from services.alert.detectors import signals_for
from services.alert.settings import AlertSettings
from services.alert.state import SignalEnvelope, fold
from shared.faust_support import DeadLetterPublisher, make_app
from shared.kafka_admin import InternalTopic
from shared.messages import DecodeError, decode, encode
from shared.metrics import ALERTS_RAISED, END_TO_END_LATENCY
from shared.schemas import Alert, StrikeEvent
from shared.topics import ALERTS, EVENTS_STRIKE, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/alert"
STATE_PARTITIONS = ALERTS.partitions


def internal_topics(settings: AlertSettings) -> list[InternalTopic]:
    names = TopicNames(settings.topic_prefix)
    return [
        InternalTopic(f"{names.prefix}alert.signals", STATE_PARTITIONS),
        InternalTopic(
            f"{settings.group_prefix}-alert-alert-state-changelog", STATE_PARTITIONS, compacted=True
        ),
    ]


def build_app(settings: AlertSettings) -> faust.App:
    names = TopicNames(settings.topic_prefix)
    app = make_app(
        settings,
        "alert",
        web_host=settings.alert_http_host,
        web_port=settings.alert_http_port,
        data_dir=settings.alert_data_dir,
    )
    dead = DeadLetterPublisher(app, names, "alert")
    strikes_topic = app.topic(names.events_strike, partitions=EVENTS_STRIKE.partitions)
    signals_topic = app.topic(f"{names.prefix}alert.signals", partitions=STATE_PARTITIONS, internal=True)
    state = app.Table("alert-state", default=None, partitions=STATE_PARTITIONS)

    async def send(
        topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        await app.producer.send_and_wait(
            topic, key=key.encode(), value=value, partition=None, timestamp=None, headers=headers
        )

    @app.agent(strikes_topic, name="detect")
    async def detect(stream: Any) -> None:
        async for event in stream.events():
            try:
                strike = decode(StrikeEvent, event.message.value)
            except DecodeError as exc:
                await dead.send(exc.reason, exc.detail, event)
                continue
            for signal in signals_for(strike):
                env = SignalEnvelope.of(signal, strike)
                await send(signals_topic.get_topic_name(), env.alert_id, env.model_dump_json().encode())

    @app.agent(signals_topic, name="raise-alerts")
    async def raise_alerts(stream: Any) -> None:
        async for event in stream.events():
            try:
                env = SignalEnvelope.model_validate_json(event.message.value)
            except ValueError as exc:
                await dead.send("schema", str(exc)[:500], event)
                continue
            stored = state.get(env.alert_id)
            previous = Alert.model_validate_json(stored["alert"]) if stored else None
            sources_seen = set(stored["sources"]) if stored else set()
            alert, publish = fold(previous, env, sources_seen)
            if publish:
                enc = encode(ALERTS, alert, source=SOURCE)
                await send(names.alerts, alert.alert_id, enc.value, enc.headers)
                ALERTS_RAISED.labels(alert.kind.value, alert.severity.value).inc()
                if alert.ingested_at is not None:
                    END_TO_END_LATENCY.labels("alert_published").observe(
                        max(0.0, time.time() - alert.ingested_at.astimezone(UTC).timestamp())
                    )
            sources = sorted(sources_seen | {s.source for s in env.event.sources if not s.syndicated})
            state[env.alert_id] = {"alert": alert.model_dump_json(), "sources": sources}

    return app
