"""Topic administration with kafka-python: create warwire's topics with their contract settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.topics import ALL_TOPICS, TopicNames, TopicSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InternalTopic:
    name: str
    partitions: int
    compacted: bool = False

    def topic_configs(self) -> dict[str, str]:
        return {"cleanup.policy": "compact"} if self.compacted else {}


def ensure_topics(
    bootstrap_servers: list[str] | str,
    names: TopicNames,
    specs: Iterable[TopicSpec] = ALL_TOPICS,
    *,
    internal: Iterable[InternalTopic] = (),
    client_id: str = "warwire-admin",
) -> list[str]:
    """Create any missing topic of ``specs`` (public contracts) and ``internal`` (a service's own
    repartition and changelog topics, created up front so its consumers never subscribe to a topic that
    does not exist yet). Returns the names that were created. Idempotent."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id=client_id, request_timeout_ms=30000
    )
    try:
        existing = set(admin.list_topics())
        planned = [(names.of(s), s.partitions, s.topic_configs()) for s in specs] + [
            (t.name, t.partitions, t.topic_configs()) for t in internal
        ]
        wanted = [
            NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)
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
