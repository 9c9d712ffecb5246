"""Topic contracts: names, partition counts, key and value schema of every public topic."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from shared.schemas import (
    Alert,
    Article,
    DeadLetter,
    StatementEvent,
    StrikeEvent,
    WebhookDelivery,
    WebhookSubscription,
)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    value_model: type[BaseModel]
    key: str
    partitions: int
    description: str
    ce_type: str
    compacted: bool = False
    # The topic's max.message.bytes; None keeps the broker's default (about 1 MB).
    max_message_bytes: int | None = None
    # Further topic configs (name, value), e.g. how soon compaction removes superseded records.
    extra_configs: tuple[tuple[str, int], ...] = ()

    def topic_configs(self) -> dict[str, str]:
        configs = {"cleanup.policy": "compact" if self.compacted else "delete"}
        if self.max_message_bytes is not None:
            configs["max.message.bytes"] = str(self.max_message_bytes)
        configs.update((name, str(value)) for name, value in self.extra_configs)
        return configs


MiB = 1024 * 1024
HOUR_MS = 3_600_000
# Producers may put articles of up to 8 MiB on articles.raw (extract dead-letters those over its own limit).
ARTICLE_MAX_MESSAGE_BYTES = 8 * MiB
# A dead letter carries the original value base64-encoded (4/3 of its size) plus the envelope, so the
# dead-letter topic must take more than any topic whose messages can end on it.
DEADLETTER_MAX_MESSAGE_BYTES = 12 * MiB


ARTICLES_RAW = TopicSpec(
    name="articles.raw",
    value_model=Article,
    key="article_id",
    # Extract scales by consumer-group members; 6 partitions allow up to 6 workers.
    partitions=6,
    description="Normalised, de-duplicated news articles published by ingest (or by any producer "
    "following this schema).",
    ce_type="io.warwire.article.v1",
    max_message_bytes=ARTICLE_MAX_MESSAGE_BYTES,
)
EVENTS_STRIKE = TopicSpec(
    name="events.strike",
    value_model=StrikeEvent,
    key="event_id",
    partitions=3,
    description="Strike events. Keyed by event_id; a merged update re-publishes the same key with a "
    "higher version, so log compaction keeps the latest.",
    ce_type="io.warwire.event.strike.v1",
    compacted=True,
)
EVENTS_STATEMENT = TopicSpec(
    name="events.statement",
    value_model=StatementEvent,
    key="event_id",
    partitions=3,
    description="Statement events (claims, denials, accusations, ...) attributed to a speaker.",
    ce_type="io.warwire.event.statement.v1",
    compacted=True,
)
ALERTS = TopicSpec(
    name="alerts",
    value_model=Alert,
    key="alert_id",
    partitions=3,
    description="Escalation alerts. Keyed by alert_id; status changes re-publish with a higher version.",
    ce_type="io.warwire.alert.v1",
    compacted=True,
)
DEADLETTER = TopicSpec(
    name="deadletter",
    value_model=DeadLetter,
    key="original key",
    partitions=1,
    description="Messages a service could not process, with the reason and the original bytes.",
    ce_type="io.warwire.deadletter.v1",
    max_message_bytes=DEADLETTER_MAX_MESSAGE_BYTES,
)

WEBHOOK_SUBSCRIPTIONS = TopicSpec(
    name="webhooks.subscriptions",
    value_model=WebhookSubscription,
    key="subscription_id",
    partitions=1,
    description="Webhook subscriptions written by the API and read by the deliver service; a null value "
    "deletes. Internal: carries signing secrets sealed with AES-256-GCM (WARWIRE_WEBHOOK_SECRET_KEY); "
    "restrict with ACLs. Segments roll hourly and are compacted within the hour, and tombstones are "
    "kept an hour, so a deleted subscription's record leaves the topic within about two hours.",
    ce_type="io.warwire.webhook.subscription.v1",
    compacted=True,
    # Compaction never touches the active segment: without these a deleted subscription's secret stayed
    # for the default 7-day segment time, and its tombstone for a day after that.
    extra_configs=(
        ("segment.ms", HOUR_MS),
        ("max.compaction.lag.ms", HOUR_MS),
        ("delete.retention.ms", HOUR_MS),
    ),
)
WEBHOOK_DELIVERIES = TopicSpec(
    name="webhooks.deliveries",
    value_model=WebhookDelivery,
    key="subscription_id",
    partitions=3,
    description="Every webhook delivery attempt and its outcome (the delivery log the API serves).",
    ce_type="io.warwire.webhook.delivery.v1",
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    ARTICLES_RAW,
    EVENTS_STRIKE,
    EVENTS_STATEMENT,
    ALERTS,
    DEADLETTER,
    WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_DELIVERIES,
)


@dataclass(frozen=True)
class TopicNames:
    """The concrete topic names for one deployment (an optional prefix isolates pipelines)."""

    prefix: str = ""

    def of(self, spec: TopicSpec) -> str:
        return f"{self.prefix}{spec.name}"

    @property
    def articles_raw(self) -> str:
        return self.of(ARTICLES_RAW)

    @property
    def events_strike(self) -> str:
        return self.of(EVENTS_STRIKE)

    @property
    def events_statement(self) -> str:
        return self.of(EVENTS_STATEMENT)

    @property
    def alerts(self) -> str:
        return self.of(ALERTS)

    @property
    def deadletter(self) -> str:
        return self.of(DEADLETTER)

    @property
    def webhook_subscriptions(self) -> str:
        return self.of(WEBHOOK_SUBSCRIPTIONS)

    @property
    def webhook_deliveries(self) -> str:
        return self.of(WEBHOOK_DELIVERIES)
