"""The broker is real: produce and consume in consumer groups with kafka-python and aiokafka."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient

from shared.kafka_admin import ensure_topics
from shared.topics import ALL_TOPICS, ARTICLES_RAW, TopicNames
from tests.conftest import make_producer, wait_for

pytestmark = pytest.mark.integration


def test_ensure_topics_creates_contract_topics_idempotently(kafka_bootstrap: str, unique: str) -> None:
    names = TopicNames(f"{unique}.")
    created = ensure_topics(kafka_bootstrap, names)
    assert sorted(created) == sorted(names.of(s) for s in ALL_TOPICS)
    assert ensure_topics(kafka_bootstrap, names) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        (desc,) = admin.describe_topics([names.articles_raw])
        assert len(desc["partitions"]) == ARTICLES_RAW.partitions
    finally:
        admin.close()


def test_kafka_python_group_commits_and_resumes(kafka_bootstrap: str, unique: str) -> None:
    topic = f"{unique}.kp"
    producer = make_producer(kafka_bootstrap)
    for i in range(10):
        producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode())
    producer.flush(timeout=30)
    producer.close()

    def read(group: str, n: int) -> list[bytes]:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        got: list[bytes] = []
        try:
            wait_for(
                lambda: got.extend(r.value for b in consumer.poll(500).values() for r in b) or len(got) >= n,
                30,
                f"{n} records",
            )
            consumer.commit()
        finally:
            consumer.close()
        return got

    first = read(f"{unique}-g", 10)
    assert sorted(first) == sorted(f"v{i}".encode() for i in range(10))
    # Same group again: the committed offsets mean nothing is re-read.
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{unique}-g",
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    assert list(consumer) == []
    consumer.close()


async def test_aiokafka_group_consumes(kafka_bootstrap: str, unique: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = f"{unique}.aio"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, value=f"m{i}".encode(), key=b"same-key")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{unique}-aio",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        got: list[bytes] = []
        while len(got) < 5:
            batches = await consumer.getmany(timeout_ms=10000)
            assert batches, "no records within 10 s"
            got.extend(r.value for recs in batches.values() for r in recs)
        await consumer.commit()
        assert got == [f"m{i}".encode() for i in range(5)]  # one key, one partition: order kept
    finally:
        await consumer.stop()
