"""Topic administration with kafka-python: create warwire's topics with their contract settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.topics import ALL_TOPICS, TopicNames, TopicSpec

log = logging.getLogger(__name__)


def ensure_topics(
    bootstrap_servers: list[str] | str,
    names: TopicNames,
    specs: Iterable[TopicSpec] = ALL_TOPICS,
    *,
    client_id: str = "warwire-admin",
) -> list[str]:
    """Create any missing topic of ``specs``; returns the names that were created. Idempotent."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id=client_id, request_timeout_ms=30000)
    try:
        existing = set(admin.list_topics())
        wanted = []
        for spec in specs:
            name = names.of(spec)
            if name in existing:
                continue
            configs = {"cleanup.policy": "compact"} if spec.compacted else {}
            wanted.append(NewTopic(name, num_partitions=spec.partitions, replication_factor=1, topic_configs=configs))
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
