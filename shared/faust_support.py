"""What every Faust service in warwire shares: app configuration, /healthz and /metrics pages,
dead-letter publishing and the worker entry point with graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faust
from faust.transport.consumer import Consumer as FaustConsumer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.config import CommonSettings
from shared.deadletter import make_dead_letter
from shared.lag import EXIT_STALLED, LagMonitor, Partition, Stall
from shared.logging import json_logs
from shared.messages import encode
from shared.metrics import DEAD_LETTERS
from shared.topics import ALL_TOPICS, DEADLETTER, DEADLETTER_MAX_MESSAGE_BYTES, TopicNames

log = logging.getLogger(__name__)


def make_app(
    settings: CommonSettings, service: str, *, web_host: str, web_port: int, data_dir: str
) -> faust.App:
    """A Faust app configured for warwire. Creating it connects to nothing; it makes ``data_dir``, which
    Faust needs to exist (a fresh clone has no .cache/faust)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    names = TopicNames(settings.topic_prefix)
    refuse_gaps_outside(frozenset(names.of(spec) for spec in ALL_TOPICS if spec.compacted))
    refuse_acks_of_skipped_messages()
    app = faust.App(
        f"{settings.group_prefix}-{service}",
        broker=[f"kafka://{s}" for s in settings.bootstrap_list],
        value_serializer="raw",
        key_serializer="raw",
        # Topics Faust declares itself (its assignor's) get ours; the rest are made by ensure_topics.
        topic_replication_factor=settings.topic_replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # Dead letters of the largest input messages must fit (see shared.topics).
        producer_max_request_size=DEADLETTER_MAX_MESSAGE_BYTES,
        # Commit often: a crash then re-processes little, and idempotent ids absorb the repeats.
        broker_commit_every=100,
        broker_commit_interval=1.0,
        # A killed worker's partitions move to the survivors after this, not after the 60 s default.
        broker_session_timeout=10.0,
        # Static membership: a worker restarted after a crash rejoins as itself and gets its partitions
        # back at once, instead of waiting for the dead member to expire and a second rebalance.
        consumer_group_instance_id=f"{settings.instance_id}-{service}" if settings.instance_id else None,
        broker_heartbeat_interval=3.0,
        web_enabled=True,
        web_host=web_host,
        web_port=web_port,
        web_bind=web_host,
        web_in_thread=False,
        datadir=data_dir,
        store="memory://",
        table_standby_replicas=0,
        stream_wait_empty=False,
        logging_config=None,
    )

    @app.task
    async def watch_lag() -> None:
        await _lag_monitor(app, settings).run()

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "ok", "service": service})

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    return app


_GAP_TOLERANT_TOPICS: set[str] = set()


def gap_can_be_real(topic: str, first_delivered: int, earliest: int | None, compacted: set[str]) -> bool:
    """Whether offsets before ``first_delivered`` may really be missing from the partition: compaction
    removes records from compacted topics, and retention deletes everything before the earliest offset.
    Anything else (warwire uses no transactions) is messages that were fetched but never processed."""
    return topic in compacted or (earliest is not None and first_delivered <= earliest)


def refuse_gaps_outside(compacted: frozenset[str]) -> None:
    """Commit past an undelivered offset only where the offsets can really be missing.

    faust-streaming treats offsets it never delivered to a stream as a "gap" and counts them as
    processed, so that a commit can pass offsets that compaction removed. After a restart it sometimes
    delivers a partition from further on than the committed offset (a SIGKILL test run: committed 3,
    first delivered 9), and the gap rule then committed past six articles that nobody had extracted.
    Such a gap is refused: the commit stops at the first message not processed, the stall watchdog
    restarts the worker, and the new one reads again from there. A delay instead of a loss."""
    _GAP_TOLERANT_TOPICS.update(compacted)
    if getattr(FaustConsumer._add_gap, "warwire_guard", False):
        return
    tolerant_add_gap = FaustConsumer._add_gap

    async def add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        # Faust passes the offset after the last one read and the offset just delivered.
        try:
            earliest = (await self.earliest_offsets(tp)).get(tp)
        except Exception:  # the broker is away: assume the worst, the commit just waits
            earliest = None
        if gap_can_be_real(tp.topic, offset_to, earliest, _GAP_TOLERANT_TOPICS):
            await tolerant_add_gap(self, tp, offset_from, offset_to)
            return
        log.error(
            "%s[%d]: offsets from %d to %d were never delivered to the stream; not committing past them",
            tp.topic, tp.partition, offset_from, offset_to - 1,
        )  # fmt: skip

    add_gap.warwire_guard = True  # type: ignore[attr-defined]
    FaustConsumer._add_gap = add_gap  # type: ignore[method-assign]


def refuse_acks_of_skipped_messages() -> None:
    """Never mark a message processed while its stream could not have processed it.

    faust-streaming skips (never hands to the agent) a message that arrives while flow control is off
    (during a rebalance or a recovery) or that was fetched in an earlier consumer generation, and then
    acks it "so that the lag does not grow", which lets the commit pass it. After a restart that
    committed past articles nobody extracted (a SIGKILL test run: committed to the end of a partition,
    six articles never processed, no gap involved). An ack in those states is refused instead: the
    message stays uncommitted and is read again after the seek to the committed offset or, if Faust
    does not fetch it again, after the stall watchdog's restart."""
    if getattr(faust.Event.ack, "warwire_guard", False):
        return
    plain_ack = faust.Event.ack

    def ack(self: Any) -> bool:
        if not ack_allowed(self.app.flow_control.is_active(), self.message.generation_id,
                           self.app.consumer_generation_id):  # fmt: skip
            log.warning(
                "%s[%d]@%d: not acked, it arrived while the stream could not process it",
                self.message.topic, self.message.partition, self.message.offset,
            )  # fmt: skip
            return False
        return bool(plain_ack(self))

    ack.warwire_guard = True  # type: ignore[attr-defined]
    faust.Event.ack = ack  # type: ignore[method-assign]


_MARKED_TOPICS: set[str] = set()
PROCESSED = "warwire_processed"  # set on an event by the agent once every output of it is acknowledged


def ack_only_processed(topics: set[str]) -> None:
    """On ``topics``, a stream acks only events that the agent marked processed (``mark_processed``).

    faust-streaming's ``take_events`` acks, after each batch, every event in its buffer list, not the
    events it handed out; an event that reaches the list but not a batch would be acked, committed and
    dropped without the agent ever seeing it. The SIGKILL test lost single articles that no worker had
    processed, with no gap and no skipped message involved. An unmarked event is left unacked instead:
    the commit stops there and the stall watchdog's restart reads it again."""
    _MARKED_TOPICS.update(topics)
    if getattr(faust.Stream.ack, "warwire_guard", False):
        return
    plain_ack = faust.Stream.ack

    async def ack(self: Any, event: Any) -> bool:
        message = event.message
        if message.topic in _MARKED_TOPICS and not getattr(event, PROCESSED, False):
            log.error(
                "%s[%d]@%d: acked by the take buffer but never handed to the agent; left unacked",
                message.topic, message.partition, message.offset,
            )  # fmt: skip
            return False
        return bool(await plain_ack(self, event))

    ack.warwire_guard = True  # type: ignore[attr-defined]
    faust.Stream.ack = ack  # type: ignore[method-assign]


def mark_processed(events: list[Any]) -> None:
    for event in events:
        setattr(event, PROCESSED, True)


def ack_allowed(flow_active: bool, message_generation: int, consumer_generation: int) -> bool:
    return flow_active and message_generation == consumer_generation


_BUSY_UNTIL = "warwire_busy_until"


@contextmanager
def working(app: faust.App, up_to_s: float) -> Iterator[None]:
    """The agent is inside work that takes long but is bounded (each step under a time budget): the
    stall watchdog, which sees no commit meanwhile, must not restart the worker for up to ``up_to_s``.
    A restart would only redo the same work, and again."""
    setattr(app, _BUSY_UNTIL, time.monotonic() + up_to_s)
    try:
        yield
    finally:
        setattr(app, _BUSY_UNTIL, 0.0)


def _lag_monitor(app: faust.App, settings: CommonSettings) -> LagMonitor:
    """Lag of the topics the app's agents read (not changelogs: the group commits no offsets for those)."""
    topics = {t for agent in app.agents.values() for t in getattr(agent.channel, "topics", ())}

    def owned() -> set[Partition]:
        return {(tp.topic, tp.partition) for tp in app.consumer.assignment()}

    async def on_stall(stalls: list[Stall]) -> None:
        if time.monotonic() < getattr(app, _BUSY_UNTIL, 0.0):
            log.warning(
                "no commit for %.0f s, but the agent is inside bounded work (see working()); not exiting",
                max(s.stuck_for_s for s in stalls),
            )
            return
        consumer: Any = app.consumer  # Faust's Consumer: flow and pause state are not in its interface
        for s in stalls:
            log.error(
                "consumer stalled: %s[%d] committed %d of %d, unchanged for %.0f s",
                *s.partition, s.committed, s.end, s.stuck_for_s,
            )  # fmt: skip
        # Seen so far (faust-streaming 0.15.3): flow active, nothing paused, the agent waiting on its stream.
        stuck = {s.partition for s in stalls}
        read = {f"{tp.topic}[{tp.partition}]": o for tp, o in consumer._read_offset.items() if (tp.topic, tp.partition) in stuck}  # fmt: skip
        log.error(
            "flow active %s; paused %s; read offsets of the stalled partitions %s",
            consumer.flow_active, sorted(consumer._paused_partitions), read,
        )  # fmt: skip
        if settings.consumer_stall_timeout_s > 0:
            _log_task_stacks()
            log.error("exiting with %d so the supervisor restarts this worker", EXIT_STALLED)
            logging.shutdown()
            os._exit(EXIT_STALLED)  # crash-only: offsets are committed after the work, so nothing is lost

    return LagMonitor(
        settings.bootstrap_list,
        app.conf.id,
        sorted(topics),
        owned=owned,
        interval_s=settings.consumer_lag_interval_s,
        stall_after_s=settings.consumer_stall_timeout_s or float("inf"),
        on_stall=on_stall,
    )


def _log_task_stacks() -> None:
    """Where every coroutine is waiting (the whole await chain), for the post-mortem of a stall."""
    for task in asyncio.all_tasks():
        chain: list[str] = []
        coro: Any = task.get_coro()
        while coro is not None and len(chain) < 40:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
            if frame is not None:
                chain.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
        log.error("task %s waits in %s", task.get_name()[:60], " > ".join(chain))


async def send_and_wait(
    app: faust.App, topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]] | None = None
) -> None:
    """Publish and wait for the broker's ack: agents ack their input only after their output is durable."""
    await app.producer.send_and_wait(
        topic, key=key.encode(), value=value, partition=None, timestamp=None, headers=headers
    )


class DeadLetterPublisher:
    """Sends a DeadLetter for a message the service gave up on, and waits for the broker's ack."""

    def __init__(self, app: faust.App, names: TopicNames, service: str) -> None:
        self.app = app
        self.topic = names.deadletter
        self.service = service

    async def send(
        self, reason: str, detail: str, event: Any | None = None, *, value: bytes | None = None
    ) -> None:
        message = event.message if event is not None else None
        record = make_dead_letter(
            service=self.service,
            reason=reason,
            detail=detail,
            topic=message.topic if message else None,
            partition=message.partition if message else None,
            offset=message.offset if message else None,
            key=message.key if message else None,
            value=message.value if message else value,
            headers=list(message.headers or []) if message else None,
        )
        enc = encode(DEADLETTER, record, source=f"/warwire/{self.service}")
        await self.app.producer.send_and_wait(
            self.topic, key=enc.key, value=enc.value, partition=None, timestamp=None, headers=enc.headers
        )
        DEAD_LETTERS.labels(self.service, reason).inc()
        log.warning("dead-lettered message (%s): %s", reason, detail[:200])


def run_worker(app: faust.App, *, loglevel: str, on_shutdown: Callable[[], None] | None = None) -> None:
    """Run the Faust worker until SIGTERM/SIGINT, then stop the app cleanly and run ``on_shutdown``."""
    worker = faust.Worker(app, loglevel=loglevel.lower(), quiet=True, redirect_stdouts=False,
                          override_logging=not json_logs())  # JSON: keep configure_logging's handler  # fmt: skip
    try:
        worker.execute_from_commandline()
    finally:
        if on_shutdown is not None:
            on_shutdown()
