"""What every Faust service in warwire (the stateful stages: merge, alert) shares: app configuration,
/healthz and /metrics pages, publishing with acks, the guards on Faust's acks and the worker entry
point with graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust
from faust.transport.consumer import Consumer as FaustConsumer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.config import CommonSettings
from shared.lag import EXIT_STALLED, LagMonitor, Partition, Stall
from shared.logging import json_logs
from shared.messages import Outgoing
from shared.topics import ALL_TOPICS, DEADLETTER_MAX_MESSAGE_BYTES, TopicNames

log = logging.getLogger(__name__)


def make_app(
    settings: CommonSettings, service: str, *, web_host: str, web_port: int, data_dir: str
) -> faust.App:
    """A Faust app configured for warwire. Creating it connects to nothing; it makes ``data_dir``, which
    Faust needs to exist (a fresh clone has no .cache/faust)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    names = TopicNames(settings.topic_prefix)
    refuse_gaps_outside(
        frozenset(names.of(spec) for spec in ALL_TOPICS if spec.compacted),
        on_refused=_exit_for_restart if settings.consumer_stall_timeout_s > 0 else None,
    )
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
        broker_session_timeout=settings.consumer_session_timeout_s,
        # No static membership here (the plain consumers have it): a Faust worker that joined while the
        # broker was away got an empty assignment, and as a static member every restart was handed that
        # cached empty assignment back, for good. A restarted worker now joins as a new member; after a
        # crash the dead one's partitions move once the session timeout has passed.
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
HEAD_RECHECK_S = 1.0  # Faust's commit interval: by then a fresh assignment's committed offsets are read
# What a refused gap does next (module-wide, like the patch itself): None only logs it.
_ON_REFUSED_GAP: list[Callable[[], None] | None] = [None]


def gap_can_be_real(topic: str, first_delivered: int, earliest: int | None, compacted: set[str]) -> bool:
    """Whether offsets before ``first_delivered`` may really be missing from the partition: compaction
    removes records from compacted topics, and retention deletes everything before the earliest offset.
    Anything else (warwire uses no transactions) is messages that were fetched but never processed."""
    return topic in compacted or (earliest is not None and first_delivered <= earliest)


def refuse_gaps_outside(compacted: frozenset[str], on_refused: Callable[[], None] | None = None) -> None:
    """Commit past an undelivered offset only where the offsets can really be missing.

    faust-streaming treats offsets it never delivered to a stream as a "gap" and counts them as
    processed, so that a commit can pass offsets that compaction removed. After a restart it sometimes
    delivers a partition from further on than the committed offset (a SIGKILL test run: committed 3,
    first delivered 9), and the gap rule then committed past six articles that nobody had extracted.
    Such a gap is refused: the commit stops at the first message not processed. Faust's fetch
    position is already past it and nothing will deliver it, so ``on_refused`` (the worker's restart,
    see ``_exit_for_restart``) runs at once: the new worker reads again from the committed offset. A
    delay of one restart instead of a loss, and instead of a stall until the watchdog's timeout."""
    _GAP_TOLERANT_TOPICS.update(compacted)
    _ON_REFUSED_GAP[0] = on_refused
    if getattr(FaustConsumer._add_gap, "warwire_guard", False):
        return
    tolerant_add_gap = FaustConsumer._add_gap
    plain_new_offset = FaustConsumer._new_offset
    checking: dict[Any, Any] = {}  # partitions whose unprocessed head is being looked into: the task

    async def add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        # Faust passes the offset after the last one read and the offset just delivered.
        if await _can_be_missing(self, tp, offset_to):
            await tolerant_add_gap(self, tp, offset_from, offset_to)
            return
        _refused(tp, offset_from, offset_to - 1)

    def new_offset(self: Any, tp: Any) -> int | None:
        """Faust's next commit, unless the first message after the committed offset was never acked.

        Faust tests for that with ``min(acked) - committed > 1``, but its committed offset is the next
        one to read, so it commits past exactly one unprocessed message. After a restart that is the
        one message its fetcher can drop (at the seek to the committed offsets), and its drain loop's
        gap test misses it for the same reason: the alert test in a loop lost a signal, and its alert,
        that way. Recorded gaps (``add_gap`` let them through) are Faust's to handle."""
        acked, committed = self._acked[tp], self._committed_offset[tp]
        if acked and committed is not None and not self._gap[tp] and min(acked) > committed:
            if tp not in checking:
                checking[tp] = asyncio.ensure_future(unprocessed_head(self, tp))
            return None
        return plain_new_offset(self, tp)

    async def unprocessed_head(self: Any, tp: Any) -> None:
        try:
            # Look again after a moment: right after an assignment the committed offset Faust holds can
            # be an old one until its recovery seeks the partition (another worker committed since).
            await asyncio.sleep(HEAD_RECHECK_S)
            acked, committed = self._acked[tp], self._committed_offset[tp]
            if not acked or committed is None or self._gap[tp] or min(acked) <= committed:
                return
            first_acked = min(acked)
            if await _can_be_missing(self, tp, first_acked):
                self._gap[tp].addi(committed, first_acked)  # Faust's add_gap starts after `committed`
            else:
                _refused(tp, committed, first_acked - 1)
        finally:
            checking.pop(tp, None)

    add_gap.warwire_guard = True  # type: ignore[attr-defined]
    FaustConsumer._add_gap = add_gap  # type: ignore[method-assign]
    FaustConsumer._new_offset = new_offset  # type: ignore[method-assign]


async def _can_be_missing(consumer: Any, tp: Any, first_delivered: int) -> bool:
    try:
        earliest = (await consumer.earliest_offsets(tp)).get(tp)
    except Exception:  # the broker is away: assume the worst, the commit just waits
        earliest = None
    return gap_can_be_real(tp.topic, first_delivered, earliest, _GAP_TOLERANT_TOPICS)


def _refused(tp: Any, first: int, last: int) -> None:
    log.error(
        "%s[%d]: offsets from %d to %d were never delivered to the stream; not committing past them",
        tp.topic, tp.partition, first, last,
    )  # fmt: skip
    restart = _ON_REFUSED_GAP[0]
    if restart is not None:
        restart()


def _exit_for_restart() -> None:
    """Crash-only recovery: offsets are committed after the work, so the restarted worker loses nothing."""
    log.error("exiting with %d so the supervisor restarts this worker", EXIT_STALLED)
    logging.shutdown()
    os._exit(EXIT_STALLED)


def refuse_acks_of_skipped_messages() -> None:
    """Never mark a message processed while its stream could not have processed it.

    faust-streaming skips (never hands to the agent) a message that arrives while flow control is off
    (during a rebalance or a recovery) or that was fetched in an earlier consumer generation, and then
    acks it "so that the lag does not grow", which lets the commit pass it. After a restart that
    committed past articles nobody extracted (a SIGKILL test run: committed to the end of a partition,
    six articles never processed, no gap involved). An ack in those states is refused instead: the
    message stays uncommitted and is read again after the seek to the committed offset or, if Faust
    does not fetch it again, after the stall watchdog's restart. The acking comes from faust-streaming's
    pure-Python stream iterator (used with ``NO_CYTHON``); its Cython iterator, the default, acks
    processed messages inline and does not ack skipped ones."""
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


def ack_allowed(flow_active: bool, message_generation: int, consumer_generation: int) -> bool:
    return flow_active and message_generation == consumer_generation


def _lag_monitor(app: faust.App, settings: CommonSettings) -> LagMonitor:
    """Lag of the topics the app's agents read (not changelogs: the group commits no offsets for those)."""
    topics = {t for agent in app.agents.values() for t in getattr(agent.channel, "topics", ())}

    def owned() -> set[Partition]:
        return {(tp.topic, tp.partition) for tp in app.consumer.assignment()}

    async def on_stall(stalls: list[Stall]) -> None:
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
            _exit_for_restart()

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


async def send_outgoing(app: faust.App, out: Outgoing) -> None:
    """Publish a prepared message (a dead letter, say) and wait for the broker's ack."""
    await app.producer.send_and_wait(
        out.topic, key=out.key, value=out.value, partition=None, timestamp=None, headers=out.headers
    )


def run_worker(app: faust.App, *, loglevel: str, on_shutdown: Callable[[], None] | None = None) -> None:
    """Run the Faust worker until SIGTERM/SIGINT, then stop the app cleanly and run ``on_shutdown``."""
    worker = faust.Worker(app, loglevel=loglevel.lower(), quiet=True, redirect_stdouts=False,
                          override_logging=not json_logs())  # JSON: keep configure_logging's handler  # fmt: skip
    try:
        worker.execute_from_commandline()
    except BaseException as exc:
        if not broker_unavailable(exc):
            raise
        # Started while the broker was away (Faust's start-up does not retry): exit so that the
        # supervisor starts it again, as for a stall, instead of leaving the stage down.
        log.error("the broker was not reachable while the worker started (%r)", exc)
        _exit_for_restart()
    finally:
        if on_shutdown is not None:
            on_shutdown()


def broker_unavailable(exc: BaseException) -> bool:
    """A Kafka client error or a refused connection: worth a restart, unlike a bug or a bad setting."""
    from aiokafka.errors import KafkaError

    return isinstance(exc, (KafkaError, ConnectionError))
