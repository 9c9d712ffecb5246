"""The plain-consumer stage (shared/stream/processor.py) over the real broker: several batches in flight
are committed in poll order only; a failed batch is never committed past; outputs are acknowledged
before their inputs are committed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from shared.messages import Outgoing
from shared.stream.processor import ConsumerConfig, StreamProcessor
from tests.conftest import make_producer

pytestmark = pytest.mark.integration


def make_topics(bootstrap: str, *names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names])
    admin.close()


def produce(bootstrap: str, topic: str, n: int) -> None:
    producer = make_producer(bootstrap)
    for i in range(n):
        producer.send(topic, key=str(i).encode(), value=str(i).encode())
    producer.flush(timeout=30)
    producer.close(timeout=30)


async def committed(bootstrap: str, group: str, topic: str) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def until(condition: Any, within_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.1)


def test_batches_in_flight_commit_in_poll_order(kafka_bootstrap: str, unique: str) -> None:
    src, out, group = f"{unique}.in", f"{unique}.out", f"{unique}-g"
    make_topics(kafka_bootstrap, src, out)
    produce(kafka_bootstrap, src, 30)

    async def scenario() -> None:
        release = asyncio.Event()
        batches: list[list[int]] = []

        async def step(records: list[Any]) -> list[Outgoing]:
            offsets = [r.offset for r in records]
            batches.append(offsets)
            if offsets[0] == 0:
                await release.wait()  # the first batch is slow: the later ones finish before it
            return [Outgoing(out, r.key, r.value, []) for r in records]

        cfg = ConsumerConfig(
            [kafka_bootstrap], group, [src], "t", batch_size=10, batch_wait_s=0.1, in_flight=3
        )
        processor = StreamProcessor(cfg, step)
        task = asyncio.create_task(processor.run())
        await until(lambda: _true(len(batches) == 3), 60, "three batches in flight")
        await asyncio.sleep(1.0)  # the later two are done; a commit now would pass the first's records
        assert await committed(kafka_bootstrap, group, src) is None, "committed past a batch in flight"
        release.set()
        await until(lambda: _is(committed(kafka_bootstrap, group, src), 30), 60, "all committed")
        processor.stop()
        await task
        outputs = await _read_all(kafka_bootstrap, out, 30)
        assert sorted(int(v) for v in outputs) == list(range(30))  # acknowledged before the commit

    asyncio.run(scenario())


def test_a_failed_first_batch_commits_nothing_after_it(kafka_bootstrap: str, unique: str) -> None:
    src, group = f"{unique}.in", f"{unique}-g"
    make_topics(kafka_bootstrap, src)
    produce(kafka_bootstrap, src, 20)

    async def scenario() -> None:
        second_done = asyncio.Event()

        async def step(records: list[Any]) -> list[Outgoing]:
            if records[0].offset == 0:
                await second_done.wait()  # the second batch succeeds first
                raise RuntimeError("boom")
            second_done.set()  # its task ends in this same step of the loop: it has no outputs to wait on
            return []

        cfg = ConsumerConfig(
            [kafka_bootstrap], group, [src], "t", batch_size=10, batch_wait_s=0.1, in_flight=2
        )
        with pytest.raises(RuntimeError, match="boom"):
            await asyncio.wait_for(StreamProcessor(cfg, step).run(), 60)
        assert await committed(kafka_bootstrap, group, src) is None  # not the second batch's offsets

    asyncio.run(scenario())


def test_a_failed_batch_stops_the_stage_uncommitted(kafka_bootstrap: str, unique: str) -> None:
    src, group = f"{unique}.in", f"{unique}-g"
    make_topics(kafka_bootstrap, src)
    produce(kafka_bootstrap, src, 20)

    async def scenario() -> None:
        async def step(records: list[Any]) -> list[Outgoing]:
            if any(r.offset >= 10 for r in records):
                raise RuntimeError("boom")
            return []

        cfg = ConsumerConfig(
            [kafka_bootstrap], group, [src], "t", batch_size=10, batch_wait_s=0.1, in_flight=2
        )
        with pytest.raises(RuntimeError, match="boom"):
            await asyncio.wait_for(StreamProcessor(cfg, step).run(), 60)
        assert await committed(kafka_bootstrap, group, src) == 10  # the good batch, and not one record more

    asyncio.run(scenario())


def _thirty_records(bootstrap: str, unique: str) -> tuple[str, str]:
    src, group = f"{unique}.in", f"{unique}-g"
    make_topics(bootstrap, src)
    produce(bootstrap, src, 30)
    return src, group


def _idle_stage(bootstrap: str, src: str, group: str, commit_interval_s: float) -> StreamProcessor:
    """A stage whose step does nothing: only its commits are under test."""

    async def step(records: list[Any]) -> list[Outgoing]:
        return []

    return StreamProcessor(
        ConsumerConfig([bootstrap], group, [src], "t", batch_size=10, batch_wait_s=0.1,
                       commit_interval_s=commit_interval_s),
        step,
    )  # fmt: skip


def test_finished_batches_are_committed_once_per_interval_and_on_stop(
    kafka_bootstrap: str, unique: str
) -> None:
    src, group = _thirty_records(kafka_bootstrap, unique)

    async def scenario() -> None:
        processor = _idle_stage(kafka_bootstrap, src, group, commit_interval_s=3600)
        task = asyncio.create_task(processor.run())
        # The first finished batch is committed at once; the rest wait for the interval ...
        await until(lambda: _true(processor.processed == 30), 60, "all processed")
        first = await committed(kafka_bootstrap, group, src)
        assert first is not None and first < 30, first
        # ... or for the stop, which commits everything finished.
        processor.stop()
        await task
        assert await committed(kafka_bootstrap, group, src) == 30

    asyncio.run(scenario())


def test_the_last_batches_before_a_lull_are_committed_within_the_interval(
    kafka_bootstrap: str, unique: str
) -> None:
    src, group = _thirty_records(kafka_bootstrap, unique)

    async def scenario() -> None:
        processor = _idle_stage(kafka_bootstrap, src, group, commit_interval_s=0.5)
        task = asyncio.create_task(processor.run())
        await until(lambda: _is(committed(kafka_bootstrap, group, src), 30), 30, "all committed, no stop")
        processor.stop()
        await task

    asyncio.run(scenario())


async def _true(value: bool) -> bool:
    return value


async def _is(value: Any, want: Any) -> bool:
    return bool(await value == want)


async def _read_all(bootstrap: str, topic: str, expect: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    got: list[bytes] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(got) < expect and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                got.extend(r.value for r in records)
    finally:
        await consumer.stop()
    return got
