"""Webhook delivery (the deliver service): every subscription gets its own deliverer, reading ``alerts`` in
its own consumer group, so one slow or dead receiver never delays the others, and a restart resumes where
each left off. It runs in its own process, so restarting the alert worker never cuts a delivery short.

- Subscriptions come from the compacted ``webhooks.subscriptions`` topic (written by the API); the
  registry reads it from the beginning and follows it, so new ones start without a restart.
- A deliverer sends each matching alert version once it is on the topic: Standard Webhooks headers
  (``webhook-id`` = ``<alert_id>:<version>``), retries with exponential backoff and full jitter up to
  a number of attempts and a time budget, then a dead letter. It commits the alert's offset only after
  the alert was delivered or given up (at-least-once; receivers dedupe on ``webhook-id``). On SIGTERM
  a deliverer finishes the request in flight, logs it, and stops before the next one or the next retry
  wait; what it did not settle stays uncommitted and is delivered after the restart.
- Every attempt is logged on ``webhooks.deliveries``; the API serves that log.
- URLs are checked at delivery time too, on every connection, against the address connected to (DNS may
  change; see shared.egress): only public addresses unless allow-listed, no redirects followed; requests
  have timeouts and responses a size limit; secrets are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from shared import egress, secretbox
from shared import webhooks as wh
from shared.deadletter import DeadLetters
from shared.messages import DecodeError, decode, encode
from shared.metrics import WEBHOOK_DELIVERIES, WEBHOOK_OUTCOMES
from shared.schemas import Alert, Severity, WebhookDelivery, WebhookSubscription
from shared.topics import DEADLETTER_MAX_MESSAGE_BYTES, TopicNames
from shared.topics import WEBHOOK_DELIVERIES as DELIVERIES_SPEC

log = logging.getLogger(__name__)
FINAL_OUTCOMES = frozenset({"delivered", "gave_up"})
SOURCE = "/warwire/deliver"


class Interrupted(Exception):
    """The service is stopping: the alert being delivered is neither delivered nor given up."""


@dataclass(frozen=True)
class DeliveryPolicy:
    # The time budget ends retries; the attempt cap only guards against a zero backoff. With full jitter
    # a low cap ran out after about 100 s, so a receiver down for a few minutes lost alerts.
    max_attempts: int = 100
    max_elapsed_s: float = 900.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 5.0
    max_response_bytes: int = 65536
    allowed_networks: tuple[str, ...] = ()
    dedupe_window_s: float = 86400.0
    dedupe_capacity: int = 100_000

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^attempt)]."""
        # The exponent is capped: a float overflows past 2**1023, and the cap is reached long before.
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** min(attempt, 64)))

    @property
    def longest_delivery_ms(self) -> int:
        """The longest one delivery may hold up its consumer: the time budget, one more wait and request."""
        return int((self.max_elapsed_s + self.backoff_max_s + 2 * self.timeout_s) * 1000)


def wanted(sub: WebhookSubscription, alert: Alert) -> bool:
    if sub.kinds and alert.kind not in sub.kinds:
        return False
    if Severity(alert.severity).rank < Severity(sub.min_severity).rank:
        return False
    if sub.actors and (alert.actor is None or alert.actor.name not in sub.actors):
        return False
    return not sub.theaters or alert.theater in sub.theaters


class Deliverer:
    def __init__(
        self,
        sub: WebhookSubscription,
        *,
        bootstrap: list[str],
        names: TopicNames,
        group_prefix: str,
        producer: AIOKafkaProducer,
        policy: DeliveryPolicy,
        stopping: asyncio.Event | None = None,
    ) -> None:
        self.sub = sub
        self.stopping = stopping or asyncio.Event()
        self.bootstrap = bootstrap
        self.names = names
        self.group = f"{group_prefix}-webhook-{sub.subscription_id}"
        self.producer = producer
        self.policy = policy
        # webhook-ids already delivered or given up: a worker killed after publishing an alert but before
        # recording it re-publishes the same version, and the receiver must not get it twice.
        self.done: OrderedDict[str, None] = OrderedDict()
        # Attempts logged for versions not yet settled, so a restarted deliverer numbers on from there:
        # a delivery_id (<webhook-id>:<attempt>) used twice is stored once by the API, and the record of
        # the successful attempt after a restart was dropped as a repeat of the first failed one.
        self.attempted: dict[str, int] = {}

    def _remember(self, webhook_id: str) -> None:
        self.done[webhook_id] = None
        while len(self.done) > self.policy.dedupe_capacity:
            self.done.popitem(last=False)

    async def load_done(self) -> None:
        """Seed ``done`` from the durable delivery log (``webhooks.deliveries``, keyed by subscription)."""
        if self.policy.dedupe_window_s <= 0:
            return
        key = self.sub.subscription_id.encode()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
            client_id=f"warwire-webhook-log-{self.sub.subscription_id}",
        )  # fmt: skip
        await consumer.start()
        try:
            # The topic contract fixes the partition count; a consumer's own metadata cache knows only
            # subscribed topics, and stopping an unassigned group-less consumer raises CancelledError.
            tps = [
                TopicPartition(self.names.webhook_deliveries, p) for p in range(DELIVERIES_SPEC.partitions)
            ]
            consumer.assign(tps)
            since = int((time.time() - self.policy.dedupe_window_s) * 1000)
            starts = await consumer.offsets_for_times({tp: since for tp in tps})
            ends = await consumer.end_offsets(tps)
            for tp in tps:
                found = starts.get(tp)
                consumer.seek(tp, found.offset if found is not None else ends[tp])
            while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in records:
                        if record.key != key or record.value is None:
                            continue
                        try:
                            entry = decode(WebhookDelivery, record.value)
                        except DecodeError:
                            continue
                        if entry.outcome in FINAL_OUTCOMES:
                            self._remember(entry.webhook_id)
                            self.attempted.pop(entry.webhook_id, None)
                        elif entry.webhook_id not in self.done:
                            previous = self.attempted.get(entry.webhook_id, 0)
                            self.attempted[entry.webhook_id] = max(previous, entry.attempt)
        finally:
            await consumer.stop()
        log.info(
            "subscription %s: %d delivered alert versions remembered",
            self.sub.subscription_id,
            len(self.done),
        )

    async def run(self) -> None:
        await self.load_done()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False,
            auto_offset_reset="latest", client_id=f"warwire-webhook-{self.sub.subscription_id}",
            # Deliveries are sequential: one retried for its whole budget must not get the deliverer
            # expelled from its group (aiokafka's default allows 5 minutes between fetches).
            max_poll_interval_ms=self.policy.longest_delivery_ms + 60_000,
        )  # fmt: skip
        await consumer.start()
        consumer.subscribe([self.names.alerts], listener=_StartAtCreation(consumer, self.sub.created_at))
        try:
            async with self.client() as client:
                while not self.stopping.is_set():
                    batches = await consumer.getmany(timeout_ms=1000, max_records=50)
                    for tp, records in batches.items():
                        for record in records:
                            try:
                                await self._handle(record, client)
                            except Interrupted:
                                return  # not committed: delivered after the restart
                            # Settled (delivered, given up, or not wanted): only now is it committed.
                            await consumer.commit({tp: record.offset + 1})
        finally:
            await consumer.stop()

    def client(self) -> httpx.AsyncClient:
        """Connects only to public (or allow-listed) addresses, checked as it connects; no redirects."""
        return egress.guarded_client(self.policy.allowed_networks, timeout=self.policy.timeout_s)

    async def _handle(self, record: Any, client: httpx.AsyncClient) -> None:
        try:
            alert = decode(Alert, record.value)
        except DecodeError as exc:
            # The API's materialiser dead-letters this record (it reads every alert); one more dead letter
            # per subscription would only repeat it. Skipped, logged, and the deliverer goes on.
            log.warning("subscription %s: skipping undecodable alert at %s:%s:%s (%s)",
                        self.sub.subscription_id, record.topic, record.partition, record.offset, exc.reason)  # fmt: skip
            return
        if wanted(self.sub, alert):
            await self.deliver(alert, record.value, client)

    async def deliver(self, alert: Alert, body: bytes, client: httpx.AsyncClient) -> bool:
        webhook_id = f"{alert.alert_id}:{alert.version}"
        if webhook_id in self.done:
            WEBHOOK_DELIVERIES.labels("skipped_duplicate").inc()
            return True
        started = time.monotonic()
        first = self.attempted.pop(webhook_id, 0) + 1
        attempt = first - 1
        for attempt in range(first, max(first, self.policy.max_attempts) + 1):
            if self.stopping.is_set():
                raise Interrupted
            outcome, status, error, ms = await self._attempt(webhook_id, body, client)
            await self._log(webhook_id, alert, attempt, outcome, status, error, ms)
            if outcome == "delivered":
                self._remember(webhook_id)
                return True
            if outcome == "refused":
                break
            if attempt >= self.policy.max_attempts or time.monotonic() - started > self.policy.max_elapsed_s:
                break
            # The retry wait ends early when the service stops (then the loop raises Interrupted).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.policy.delay(attempt))
        await self._give_up(webhook_id, alert, body, attempt)
        return False

    async def _attempt(
        self, webhook_id: str, body: bytes, client: httpx.AsyncClient
    ) -> tuple[str, int | None, str | None, float]:
        started = time.perf_counter()
        headers = wh.headers(self.sub.secret, webhook_id, int(time.time()), body)
        try:
            async with client.stream("POST", self.sub.url, content=body, headers=headers) as response:
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.policy.max_response_bytes:
                        break  # the body is not used; do not let a receiver make us read it all
                ok = 200 <= response.status_code < 300
                ms = (time.perf_counter() - started) * 1000
                return (
                    ("delivered" if ok else "failed"),
                    response.status_code,
                    None if ok else f"HTTP {response.status_code}",
                    ms,
                )
        except egress.UnsafeURL as exc:  # raised as the client connects, on the address it resolved
            return "refused", None, str(exc), (time.perf_counter() - started) * 1000
        except httpx.UnsupportedProtocol as exc:
            return "refused", None, str(exc), (time.perf_counter() - started) * 1000
        except httpx.HTTPError as exc:
            return "failed", None, exc.__class__.__name__, (time.perf_counter() - started) * 1000

    async def _log(self, webhook_id: str, alert: Alert, attempt: int, outcome: str, status: int | None,
                   error: str | None, ms: float) -> None:  # fmt: skip
        # The give-up record has an id of its own: it follows the last failed attempt, of the same number.
        suffix = ":gave_up" if outcome == "gave_up" else ""
        record = WebhookDelivery(
            delivery_id=f"{webhook_id}:{attempt}{suffix}", subscription_id=self.sub.subscription_id, webhook_id=webhook_id,
            alert_id=alert.alert_id, attempt=attempt, outcome=outcome,
            status_code=status, error=error, duration_ms=round(ms, 1), attempted_at=datetime.now(UTC),
        )  # fmt: skip
        enc = encode(DELIVERIES_SPEC, record, source=SOURCE)
        await self.producer.send_and_wait(
            self.names.webhook_deliveries, enc.value, key=enc.key, headers=enc.headers
        )
        WEBHOOK_DELIVERIES.labels(outcome).inc()

    async def _give_up(self, webhook_id: str, alert: Alert, body: bytes, attempts: int) -> None:
        await self._log(webhook_id, alert, attempts, "gave_up", None, "retries exhausted", 0.0)
        self._remember(webhook_id)
        out = DeadLetters("deliver", self.names.deadletter).letter(
            "webhook_undeliverable", key=webhook_id.encode(), value=body,
            detail=f"subscription {self.sub.subscription_id}: {attempts} attempts to the receiver failed",
        )  # fmt: skip
        await self.producer.send_and_wait(out.topic, out.value, key=out.key, headers=out.headers)
        log.warning("gave up delivering %s to subscription %s", webhook_id, self.sub.subscription_id)


class _StartAtCreation(ConsumerRebalanceListener):
    """A new subscription receives alerts from its creation time on, not the whole history."""

    def __init__(self, consumer: AIOKafkaConsumer, created_at: datetime) -> None:
        self.consumer = consumer
        self.created_ms = int(created_at.timestamp() * 1000)

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        fresh = [tp for tp in assigned if await self.consumer.committed(tp) is None]
        if not fresh:
            return
        # The end offsets are read first and sought as numbers: seek_to_end would be resolved lazily at
        # the next fetch, skipping an alert published in between. Whatever arrives after this snapshot
        # has an offset at or past it.
        ends = await self.consumer.end_offsets(fresh)
        offsets = await self.consumer.offsets_for_times({tp: self.created_ms for tp in fresh})
        for tp in fresh:
            found = offsets.get(tp)
            self.consumer.seek(tp, found.offset if found is not None else ends[tp])


class WebhookSupervisor:
    """Follows the subscriptions topic and keeps one Deliverer task per live subscription."""

    def __init__(
        self,
        bootstrap: list[str],
        names: TopicNames,
        group_prefix: str,
        policy: DeliveryPolicy,
        secret_key: bytes | None = None,
    ) -> None:
        self.secret_key = secret_key
        self.stopping = asyncio.Event()
        self.running = False  # connected to the broker and following the subscriptions
        self.bootstrap = bootstrap
        self.names = names
        self.group_prefix = group_prefix
        self.policy = policy
        self.tasks: dict[str, tuple[WebhookSubscription, asyncio.Task[None]]] = {}
        for outcome in WEBHOOK_OUTCOMES:  # exported at 0 from the start: the first give-up is an increase
            WEBHOOK_DELIVERIES.labels(outcome)

    def stop(self) -> None:
        """Graceful: deliverers finish their request in flight and stop; ``run`` then returns."""
        self.stopping.set()

    async def run(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
            client_id="warwire-webhooks",
            max_request_size=DEADLETTER_MAX_MESSAGE_BYTES,
        )  # fmt: skip
        await producer.start()
        registry = AIOKafkaConsumer(
            self.names.webhook_subscriptions, bootstrap_servers=self.bootstrap, group_id=None,
            auto_offset_reset="earliest", enable_auto_commit=False, client_id="warwire-webhook-registry",
        )  # fmt: skip
        try:
            await registry.start()
            self.running = True
            while not self.stopping.is_set():
                batches = await registry.getmany(timeout_ms=1000)
                for records in batches.values():
                    for record in records:
                        self._apply(record, producer)
                if self.stopping.is_set():
                    break  # deliverers that ended because of the stop are not restarted
                for sub_id, (_, task) in list(self.tasks.items()):
                    # Tasks the supervisor cancels itself are removed first; any other end is a failure
                    # (a library's CancelledError included), so the deliverer is restarted.
                    if task.done():
                        why = "cancelled" if task.cancelled() else repr(task.exception())
                        log.error("deliverer for %s ended (%s); restarting", sub_id, why)
                        sub = self.tasks.pop(sub_id)[0]
                        self._start(sub, producer)
        finally:
            self.running = False
            tasks = [t for _, t in self.tasks.values()]
            self.tasks.clear()
            if tasks and self.stopping.is_set():
                # A graceful stop: each deliverer finishes its request in flight (bounded by its timeout).
                await asyncio.wait(tasks, timeout=self.policy.timeout_s + 1.0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await registry.stop()
            with contextlib.suppress(Exception):
                await producer.stop()

    def _apply(self, record: Any, producer: AIOKafkaProducer) -> None:
        sub_id = record.key.decode("utf-8", "replace") if record.key else None
        if sub_id is None:
            return
        current = self.tasks.pop(sub_id, None)
        if current is not None:
            current[1].cancel()
        if record.value is None:
            log.info("webhook subscription %s deleted", sub_id)
            return
        try:
            sub = decode(WebhookSubscription, record.value)
        except DecodeError as exc:
            # Skipped, not dead-lettered here: the API's materialiser reads this topic too and dead-letters it.
            log.warning("ignoring malformed webhook subscription %s (%s)", sub_id[:100], exc.reason)
            return
        try:
            if self.secret_key is None:
                raise secretbox.SealedSecretError(f"{secretbox.ENV} is not set")
            secret = secretbox.unseal(self.secret_key, sub.secret, sub.subscription_id)
        except secretbox.SealedSecretError as exc:
            log.error("not delivering to webhook subscription %s: its secret %s", sub_id[:100], exc)
            return
        self._start(sub.model_copy(update={"secret": secret}), producer)

    def _start(self, sub: WebhookSubscription, producer: AIOKafkaProducer) -> None:
        deliverer = Deliverer(
            sub, bootstrap=self.bootstrap, names=self.names, group_prefix=self.group_prefix, producer=producer,
            policy=self.policy, stopping=self.stopping,
        )  # fmt: skip
        self.tasks[sub.subscription_id] = (
            sub,
            asyncio.create_task(deliverer.run(), name=f"webhook:{sub.subscription_id}"),
        )
        log.info("delivering to webhook subscription %s", sub.subscription_id)
