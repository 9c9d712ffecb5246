"""Topic administration with kafka-python: create warwire's topics with their contract settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.config import CommonSettings
from shared.topics import ALL_TOPICS, TopicNames, TopicSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InternalTopic:
    name: str
    partitions: int
    compacted: bool = False

    def topic_configs(self) -> dict[str, str]:
        return {"cleanup.policy": "compact"} if self.compacted else {}


def min_insync_replicas(replication_factor: int) -> int:
    """A majority of the replicas (2 of 3): an acks=all write is then on a majority before it counts,
    and writes go on while a minority of the brokers is down."""
    return replication_factor // 2 + 1


def replicated_configs(replication_factor: int) -> dict[str, str]:
    """The topic configs that go with ``replication_factor``; none on one broker, whose default it keeps."""
    if replication_factor == 1:
        return {}
    return {"min.insync.replicas": str(min_insync_replicas(replication_factor))}


def ensure_topics(
    bootstrap_servers: list[str] | str,
    names: TopicNames,
    specs: Iterable[TopicSpec] = ALL_TOPICS,
    *,
    internal: Iterable[InternalTopic] = (),
    replication_factor: int = 1,
    client_id: str = "warwire-admin",
) -> list[str]:
    """Create any missing topic of ``specs`` (public contracts) and ``internal`` (a service's own
    repartition and changelog topics, created up front so its consumers never subscribe to a topic that
    does not exist yet), each with ``replication_factor`` replicas. Returns the names that were created.
    Idempotent: an existing topic is left as it is."""
    durability = replicated_configs(replication_factor)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id=client_id, request_timeout_ms=30000
    )
    try:
        existing = set(admin.list_topics())
        planned = [(names.of(s), s.partitions, s.topic_configs() | durability) for s in specs] + [
            (t.name, t.partitions, t.topic_configs() | durability) for t in internal
        ]
        wanted = [
            NewTopic(
                name, num_partitions=partitions, replication_factor=replication_factor, topic_configs=configs
            )
            for name, partitions, configs in planned
            if name not in existing
        ]
        created: list[str] = []
        for topic in wanted:
            try:
                admin.create_topics([topic], wait_for_metadata=True)
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # another service won the race; that is fine
        if created:
            log.info("created topics: %s", ", ".join(created))
        return created
    finally:
        admin.close()


def ensure_service_topics(settings: CommonSettings, *, internal: Iterable[InternalTopic] = ()) -> list[str]:
    """What every service does at start: ensure the public topics (and its own internal ones) with the
    deployment's replication factor. One call, so no service can create a topic with the default."""
    return ensure_topics(
        settings.bootstrap_list,
        TopicNames(settings.topic_prefix),
        internal=internal,
        replication_factor=settings.topic_replication_factor,
    )
