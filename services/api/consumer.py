"""Materialiser: consume events.strike, events.statement and alerts (aiokafka), write to the store,
then commit offsets. Undecodable messages are dead-lettered and skipped; the consumer keeps going."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from services.api.feed import ChangeFeed, catch_up
from services.api.store import Store
from shared import secretbox
from shared.deadletter import DeadLetters
from shared.lag import LagMonitor
from shared.messages import DecodeError, decode, encode
from shared.metrics import END_TO_END_LATENCY, STORE_WRITES
from shared.schemas import Alert, StatementEvent, StrikeEvent, WebhookDelivery, WebhookSubscription
from shared.secretbox import SecretKeyError
from shared.stream.batching import fetch_tuning, poll_batch
from shared.stream.commits import IntervalCommitter
from shared.stream.processor import next_offsets
from shared.topics import DEADLETTER_MAX_MESSAGE_BYTES, WEBHOOK_SUBSCRIPTIONS, TopicNames

log = logging.getLogger(__name__)


class Materialiser:
    def __init__(
        self,
        bootstrap: list[str],
        names: TopicNames,
        group_id: str,
        store: Store,
        feed: ChangeFeed | None = None,
        lag_interval_s: float = 5.0,
        secret_key: bytes | None = None,
        deadletter_max_consecutive: int = 0,
        commit_interval_s: float = 1.0,
        linger_s: float = 0.0,
    ) -> None:
        # Batches, not single messages, once records arrive: a write transaction costs ~10 statements.
        self.linger_s = linger_s
        self.rebalances = 0
        self.secret_key = secret_key
        # Written batches are committed at most this often (a commit is a broker write; upserts absorb
        # the redelivery of at most this much after a crash), and at once on a revocation or a stop.
        self.committer = IntervalCommitter(commit_interval_s)
        self.dead = DeadLetters("api", names.deadletter, max_consecutive=deadletter_max_consecutive)
        self.names = names
        self.lag_interval_s = lag_interval_s
        self.store = store
        self.feed = feed
        self.models: dict[str, type[BaseModel]] = {
            names.events_strike: StrikeEvent,
            names.events_statement: StatementEvent,
            names.alerts: Alert,
            names.webhook_subscriptions: WebhookSubscription,
            names.webhook_deliveries: WebhookDelivery,
        }
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.running = False
        self._task: asyncio.Task[None] | None = None
        self._lag_task: asyncio.Task[None] | None = None
        self.consumer: AIOKafkaConsumer
        self.producer: AIOKafkaProducer

    async def start(self) -> None:
        # aiokafka clients bind to the running loop, so they are created here, not in __init__.
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="warwire-api",
            **fetch_tuning(self.linger_s),
        )
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
            client_id="warwire-api-dlq",
            max_request_size=DEADLETTER_MAX_MESSAGE_BYTES,
        )  # fmt: skip
        await self.producer.start()
        await self.consumer.start()
        self.consumer.subscribe(list(self.models), listener=_CommitOnRevoke(self))
        self._task = asyncio.create_task(self._run(), name="materialiser")
        monitor = LagMonitor(
            self.bootstrap,
            self.group_id,
            list(self.models),
            owned=lambda: {(tp.topic, tp.partition) for tp in self.consumer.assignment()},
            interval_s=self.lag_interval_s,
        )
        self._lag_task = asyncio.create_task(monitor.run(), name="consumer-lag")

    async def broker_reachable(self, timeout_s: float = 2.0) -> bool:
        """A metadata round trip to the broker, bounded in time (for /readyz)."""
        try:
            await asyncio.wait_for(self.consumer.topics(), timeout_s)
            return True
        except Exception:
            return False

    async def stop(self) -> None:
        for task in (self._task, self._lag_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(KafkaError):
            await self.commit_written(now=True)
        await self.consumer.stop()
        await self.producer.stop()

    async def _run(self) -> None:
        self.running = True
        try:
            while True:
                records = await poll_batch(
                    self.consumer, max_records=500, wait_s=0.5, linger_s=self.linger_s,
                    generation=lambda: self.rebalances,
                )  # fmt: skip
                if records:
                    await self._handle(records)
                    # The write is durable: stream clients get it now, not one broker round trip later.
                    if self.feed is not None:
                        await self._publish_changes(self.feed)
                    # Offsets only after the write: a crash re-delivers, and upserts absorb it.
                    self.committer.finished(next_offsets(records))
                # Also after an empty poll: the last writes before a lull are committed within the interval.
                await self.commit_written()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("materialiser stopped")
            raise
        finally:
            self.running = False

    async def commit_written(self, *, now: bool = False) -> None:
        """Commit the offsets of what is written, once the interval has passed (or ``now``)."""
        await self.committer.commit(self.consumer, now=now)

    async def _publish_changes(self, feed: ChangeFeed) -> None:
        """One store read per batch feeds every stream client (see services/api/feed.py)."""
        await catch_up(feed, self.store.changes_since)

    async def _handle(self, records: list[Any]) -> None:
        events: list[tuple[Any, StrikeEvent | StatementEvent]] = []
        alerts: list[tuple[Any, Alert]] = []
        deliveries: list[tuple[Any, WebhookDelivery]] = []
        for rec in records:
            try:
                if rec.topic == self.names.webhook_subscriptions and rec.value is None:
                    # A tombstone: the subscription was deleted.
                    await self.store.delete_webhook(_tombstone_key(rec.key))
                    continue
                msg = decode(self.models[rec.topic], rec.value)
            except DecodeError as exc:
                await self._dead_letter(rec, exc)  # the batch-mates are still written below
                continue
            self.dead.passed()
            if isinstance(msg, Alert):
                alerts.append((rec, msg))
            elif isinstance(msg, StrikeEvent | StatementEvent):
                events.append((rec, msg))
            elif isinstance(msg, WebhookSubscription):
                await self._write([(rec, msg)], lambda subs: self.store.upsert_webhook(subs[0]))
            elif isinstance(msg, WebhookDelivery):
                deliveries.append((rec, msg))
        if deliveries:
            await self._write(deliveries, self.store.upsert_deliveries)
        if events:
            n = await self._write(events, self.store.upsert_events)
            STORE_WRITES.labels("events", "written").inc(n)
            STORE_WRITES.labels("events", "stale").inc(len(events) - n)
            now = time.time()
            for _, ev in events:
                if ev.ingested_at is not None:
                    END_TO_END_LATENCY.labels("event_stored").observe(
                        max(0.0, now - ev.ingested_at.astimezone(UTC).timestamp())
                    )
        if alerts:
            n = await self._write(alerts, self.store.upsert_alerts)
            STORE_WRITES.labels("alerts", "written").inc(n)
            STORE_WRITES.labels("alerts", "stale").inc(len(alerts) - n)

    async def _write(self, items: list[tuple[Any, Any]], write: Callable[[list[Any]], Awaitable[Any]]) -> int:
        """Write a batch; if the database refuses it for its data (a value too long for a column, say),
        write it message by message and dead-letter only those still refused, so one bad value neither
        stops the materialiser nor drops its batch-mates. Other errors (the database is down) propagate:
        nothing is committed and the batch is re-delivered."""
        try:
            return int(await write([msg for _, msg in items]) or 0)
        except DBAPIError as exc:
            if not _refused_for_its_data(exc):
                raise
            log.warning("the store refused a batch of %d; writing it message by message", len(items))
        written = 0
        for rec, msg in items:
            try:
                written += int(await write([msg]) or 0)
            except DBAPIError as exc:
                if not _refused_for_its_data(exc):
                    raise
                await self._dead_letter(rec, DecodeError("store_refused", str(exc.orig)[:500]))
        return written

    async def publish_subscription(self, sub: WebhookSubscription) -> None:
        """Publish with the signing secret sealed (shared.secretbox): the topic never holds it in clear."""
        if self.secret_key is None:
            raise SecretKeyError(f"{secretbox.ENV} is not set; webhook subscriptions cannot be stored")
        sealed = secretbox.seal(self.secret_key, sub.secret, sub.subscription_id)
        enc = encode(WEBHOOK_SUBSCRIPTIONS, sub.model_copy(update={"secret": sealed}), source="/warwire/api")
        await self.producer.send_and_wait(
            self.names.webhook_subscriptions, enc.value, key=enc.key, headers=enc.headers
        )

    async def delete_subscription(self, subscription_id: str) -> None:
        # A tombstone: compaction removes the subscription (and its secret) from the topic.
        await self.producer.send_and_wait(
            self.names.webhook_subscriptions, None, key=subscription_id.encode()
        )

    async def _dead_letter(self, rec: Any, exc: DecodeError) -> None:
        out = self.dead.of_record(rec, exc.reason, exc.detail)
        await self.producer.send_and_wait(out.topic, out.value, key=out.key, headers=out.headers)


def _tombstone_key(key: bytes | None) -> str:
    try:
        return (key or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_key", "a tombstone's key is not UTF-8") from exc


def _refused_for_its_data(exc: DBAPIError) -> bool:
    """A data exception or constraint violation (SQLSTATE classes 22 and 23), not a lost connection.
    SQLAlchemy maps some of asyncpg's (value too long for a column) to the generic DBAPIError."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return not exc.connection_invalidated and sqlstate[:2] in {"22", "23"}


class _CommitOnRevoke(ConsumerRebalanceListener):
    """A replica that loses partitions commits what it wrote of them, so their new owner starts there."""

    def __init__(self, materialiser: Materialiser) -> None:
        self.materialiser = materialiser

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.materialiser.rebalances += 1
        await self.materialiser.commit_written(now=True)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass
