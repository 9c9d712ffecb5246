"""A stateless stage as a plain Kafka consumer, the arroyo way: a chain of small explicit steps.

    poll a batch -> process it (a step: records in, messages out) -> produce every message and wait for
    the broker's acks -> commit the batch's offsets

Several batches may be in flight at once (extraction keeps one per pool process), but offsets are
committed strictly in poll order: a batch is committed only when it and every batch polled before it
are done, so a crash re-delivers work and never skips it. Outputs carry stable ids, so the re-delivery
downstream of a crash is absorbed as a duplicate, not counted twice.

On a rebalance the finished prefix is committed and everything else in flight is dropped: the
partitions' new owner reads it again from the committed offsets.

A step refuses a bad record by returning a dead letter for it (``shared.deadletter.DeadLetters``) among
its outputs, so dead letters are produced and acknowledged like any output before the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from shared.config import CommonSettings
from shared.messages import Outgoing
from shared.stream.batching import fetch_tuning, poll_batch
from shared.stream.commits import IntervalCommitter
from shared.topics import DEADLETTER_MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)

Step = Callable[[list[Any]], Awaitable[list[Outgoing]]]


@dataclass(frozen=True)
class ConsumerConfig:
    bootstrap: list[str]
    group_id: str
    topics: Sequence[str]
    client_id: str
    batch_size: int = 100
    batch_wait_s: float = 0.2  # an idle poll waits this long for a first record
    # Once records arrive, more are collected for up to this long (shared/stream/batching.py).
    linger_s: float = 0.0
    in_flight: int = 1
    # Static membership: a restarted worker takes its partitions straight back (no wait for the dead
    # member's session to expire, no second rebalance).
    group_instance_id: str | None = None
    session_timeout_s: float = 10.0
    max_poll_interval_s: float = 300.0
    # On SIGTERM the batches in flight get this long to finish and be committed; the rest is dropped
    # (uncommitted, so redone after the restart): a stop must not wait on one slow article.
    shutdown_grace_s: float = 5.0
    # Finished batches are committed at most this often (arroyo's commit policy): a commit is a broker
    # write, and committing every small batch of a stage that keeps up costs the broker more than the
    # work. A crash redoes at most this much; ids absorb the redo. Revocation and shutdown commit at once.
    commit_interval_s: float = 1.0

    @classmethod
    def of_service(
        cls, settings: CommonSettings, service: str, topics: Sequence[str], **tuning: Any
    ) -> ConsumerConfig:
        """The consumer of ``service``'s stage as every stage names it: group ``<prefix>-<service>``,
        client ``warwire-<service>``, this worker's static member id, the common session timeout and
        linger."""
        return cls(
            bootstrap=settings.bootstrap_list, group_id=f"{settings.group_prefix}-{service}", topics=topics,
            client_id=f"warwire-{service}", group_instance_id=settings.member_id(service),
            session_timeout_s=settings.consumer_session_timeout_s,
            linger_s=settings.consumer_linger_ms / 1000, **tuning,
        )  # fmt: skip


@dataclass
class Batch:
    offsets: dict[TopicPartition, int]  # the next offset to read, per partition: what a commit records
    size: int
    task: asyncio.Task[None]


def next_offsets(records: list[Any]) -> dict[TopicPartition, int]:
    out: dict[TopicPartition, int] = {}
    for rec in records:
        tp = TopicPartition(rec.topic, rec.partition)
        out[tp] = max(out.get(tp, 0), rec.offset + 1)
    return out


def done_prefix(batches: deque[Batch]) -> list[Batch]:
    """The batches that may be committed: succeeded, with every batch polled before them succeeded too
    (a failed or dropped batch stops the prefix: committing a later one would skip its records)."""
    out: list[Batch] = []
    for batch in batches:
        if not batch.task.done() or batch.task.cancelled() or batch.task.exception() is not None:
            break
        out.append(batch)
    return out


@dataclass
class StreamProcessor:
    """Runs ``step`` over the topics until ``stop()``; see the module docstring for the guarantees."""

    config: ConsumerConfig
    step: Step
    producer: AIOKafkaProducer | None = None  # made in run() (aiokafka binds clients to the running loop)
    consumer: AIOKafkaConsumer | None = None
    processed: int = 0
    committed_batches: int = 0
    rebalances: int = 0
    running: bool = False
    _batches: deque[Batch] = field(default_factory=deque)
    _committer: IntervalCommitter | None = None
    _stopping: asyncio.Event | None = None

    @property
    def stopping(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    async def run(self) -> None:
        cfg = self.config
        self.producer = AIOKafkaProducer(
            bootstrap_servers=cfg.bootstrap, client_id=cfg.client_id, acks="all", enable_idempotence=True,
            max_request_size=DEADLETTER_MAX_MESSAGE_BYTES, linger_ms=5,
        )  # fmt: skip
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=cfg.bootstrap, group_id=cfg.group_id, client_id=cfg.client_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            group_instance_id=cfg.group_instance_id,
            session_timeout_ms=int(cfg.session_timeout_s * 1000),
            heartbeat_interval_ms=int(cfg.session_timeout_s * 1000 / 3),
            max_poll_interval_ms=int(cfg.max_poll_interval_s * 1000),
            max_partition_fetch_bytes=DEADLETTER_MAX_MESSAGE_BYTES, **fetch_tuning(cfg.linger_s),
        )  # fmt: skip
        await self.producer.start()
        try:
            await self.consumer.start()
            self.consumer.subscribe(list(cfg.topics), listener=_OnRevoke(self))
            self.running = True
            await self._loop()
        finally:
            self.running = False
            await self._shutdown()

    def stop(self) -> None:
        self.stopping.set()

    async def _loop(self) -> None:
        assert self.consumer is not None
        while not self.stopping.is_set():
            await self._commit_done()
            self._raise_failed()
            working = [b.task for b in self._batches if not b.task.done()]
            if len(working) >= self.config.in_flight or len(self._batches) >= 4 * self.config.in_flight:
                # Full: wait for a batch to finish, or for a stop (the broker keeps the records meanwhile).
                stop = asyncio.ensure_future(self.stopping.wait())
                try:
                    await asyncio.wait([*(working or [self._batches[0].task]), stop],
                                       return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                finally:
                    stop.cancel()
                continue
            records = await poll_batch(
                self.consumer, max_records=self.config.batch_size, wait_s=self.config.batch_wait_s,
                linger_s=self.config.linger_s, generation=lambda: self.rebalances,
            )  # fmt: skip
            if records:
                task = asyncio.create_task(self._work(records), name="stage-batch")
                self._batches.append(Batch(next_offsets(records), len(records), task))

    async def _work(self, records: list[Any]) -> None:
        outputs = await self.step(records)
        assert self.producer is not None
        # Send all, then wait for every ack: the sends are pipelined, the commit waits for durability.
        futures = [
            await self.producer.send(o.topic, o.value, key=o.key, headers=o.headers, partition=o.partition)
            for o in outputs
        ]
        if futures:
            await asyncio.gather(*futures)

    def _raise_failed(self) -> None:
        """A batch that failed stops the stage (uncommitted: its records are read again after a restart)."""
        for batch in self._batches:
            if batch.task.done() and not batch.task.cancelled() and batch.task.exception() is not None:
                raise batch.task.exception()  # type: ignore[misc]

    async def _commit_done(self, *, now: bool = False) -> None:
        """Move the finished prefix out of flight; commit its offsets once the interval has passed (or
        ``now``, on a revocation or a stop)."""
        if self._committer is None:
            self._committer = IntervalCommitter(self.config.commit_interval_s)
        for batch in done_prefix(self._batches):
            self._batches.popleft()
            self._committer.finished(batch.offsets)
            self.processed += batch.size
            self.committed_batches += 1
        assert self.consumer is not None
        await self._committer.commit(self.consumer, now=now)

    async def on_revoked(self, revoked: set[TopicPartition]) -> None:
        """Commit what is done; drop what is not (its records are read again from the committed offset)."""
        self.rebalances += 1
        await self._commit_done(now=True)
        dropped = [b for b in self._batches if not b.task.done()]
        for batch in self._batches:
            batch.task.cancel()
        for batch in self._batches:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await batch.task
        self._batches.clear()
        if dropped:
            log.info("rebalance: dropped %d batch(es) in flight; they will be read again", len(dropped))

    async def _shutdown(self) -> None:
        """A clean stop: let the batches in flight finish (within the grace), commit them, close the clients."""
        deadline = time.monotonic() + self.config.shutdown_grace_s
        while True:
            with contextlib.suppress(KafkaError, AssertionError):
                await self._commit_done(now=True)
            pending = [b.task for b in self._batches if not b.task.done()]
            if not pending or (self._batches and self._batches[0].task.done()):
                break  # all committed, or a failed head: nothing after it may be committed
            if time.monotonic() >= deadline:
                break
            await asyncio.wait(pending, timeout=max(0.1, deadline - time.monotonic()))
        for batch in self._batches:
            batch.task.cancel()
        self._batches.clear()
        if self.consumer is not None:
            with contextlib.suppress(KafkaError):
                await self.consumer.stop()
        if self.producer is not None:
            with contextlib.suppress(KafkaError):
                await self.producer.stop()


class _OnRevoke(ConsumerRebalanceListener):
    def __init__(self, processor: StreamProcessor) -> None:
        self.processor = processor

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.processor.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("assigned %d partition(s) of %s", len(assigned), sorted({tp.topic for tp in assigned}))
