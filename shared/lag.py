"""Consumer lag, measured from outside the consumer: committed offsets of a group against the topics'
end offsets, read with the monitor's own clients (the worker's consumer may be the thing that is stuck).

Sets ``warwire_consumer_lag_messages`` for the partitions this worker owns, and
``warwire_consumer_stalled_seconds`` (how long each has been behind with its committed offset standing
still), and reports a *stall*: lag
above zero while the committed offset has not moved for ``stall_after_s``. Faust workers treat a stall as
fatal and exit with ``EXIT_STALLED`` so their supervisor restarts them; a rebalance that leaves the
fetcher wedged (faust-streaming issues #175/#523) then costs a restart instead of a silent halt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.metrics import CONSUMER_LAG, CONSUMER_STALLED

log = logging.getLogger(__name__)

EXIT_STALLED = 75  # EX_TEMPFAIL: "try again"; docker compose and services.runner restart on it

Partition = tuple[str, int]


@dataclass
class Stall:
    partition: Partition
    committed: int
    end: int
    stuck_for_s: float


@dataclass
class StallDetector:
    """Pure bookkeeping: when did each partition's committed offset last move, and is it behind?"""

    stall_after_s: float
    _since: dict[Partition, tuple[int, float]] = field(default_factory=dict)
    # Seconds each partition of the last observation has been behind without its offset moving (0: moving
    # or caught up): the warwire_consumer_stalled_seconds gauge, which alerts before the worker exits.
    stuck: dict[Partition, float] = field(default_factory=dict)

    def observe(self, now: float, committed: dict[Partition, int], end: dict[Partition, int]) -> list[Stall]:
        stalls = []
        self.stuck = {}
        for tp, end_offset in end.items():
            position = committed.get(tp, -1)
            last = self._since.get(tp)
            if last is None or last[0] != position or position >= end_offset:
                self._since[tp] = (position, now)  # moved, new, or caught up: the clock restarts
                self.stuck[tp] = 0.0
                continue
            self.stuck[tp] = now - last[1]
            if now - last[1] >= self.stall_after_s:
                stalls.append(Stall(tp, position, end_offset, now - last[1]))
        for tp in set(self._since) - set(end):
            del self._since[tp]  # no longer ours (rebalanced away)
        return stalls


def lag_by_partition(committed: dict[Partition, int], start: dict[Partition, int], end: dict[Partition, int]) -> dict[Partition, int]:  # fmt: skip
    """Messages not yet committed; a partition never committed counts from its log start."""
    return {tp: max(0, e - committed.get(tp, start.get(tp, 0))) for tp, e in end.items()}


class LagMonitor:
    """Polls a group's offsets every ``interval_s``; ``owned`` says which partitions this worker holds
    (so two workers of one group neither double-count the gauge nor restart for each other)."""

    def __init__(
        self,
        bootstrap: list[str],
        group: str,
        topics: Iterable[str],
        *,
        owned: Callable[[], set[Partition]] | None = None,
        interval_s: float = 5.0,
        stall_after_s: float = 60.0,
        on_stall: Callable[[list[Stall]], Awaitable[None]] | None = None,
        check_timeout_s: float | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topics = list(topics)
        self.owned = owned
        self.interval_s = interval_s
        self.detector = StallDetector(stall_after_s)
        self.on_stall = on_stall
        # A check hung inside a client would leave the stall watchdog blind: it is cut off and retried.
        self.check_timeout_s = check_timeout_s or max(10.0, 2 * interval_s)
        self._reported: set[Partition] = set()

    async def run(self) -> None:
        """Until cancelled. Clients are created here, on the running loop; errors are logged and retried."""
        clients: tuple[Any, Any] | None = None
        try:
            while True:
                try:
                    if clients is None:
                        # Bounded too: a worker that starts while the broker is away must not leave its
                        # watchdog waiting on a client's start for good (seen after a broker restart).
                        clients = await asyncio.wait_for(self._start_clients(), timeout=self.check_timeout_s)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the broker is away, say: new clients next round
                    log.warning("consumer lag of %s not measured: %r", self.group, exc)
                else:
                    await self.measure(*clients)
                await asyncio.sleep(self.interval_s)
        finally:
            if clients is not None:
                await _close(*clients)

    async def _start_clients(self) -> tuple[Any, Any]:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=f"{self.group}-lag")
        reader = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, client_id=f"{self.group}-lag")
        try:
            await admin.start()
            await reader.start()
        except BaseException:  # a failure or the timeout's cancellation: nothing half-started is kept
            await _close(admin, reader)
            raise
        return admin, reader

    async def measure(self, admin: Any, reader: Any) -> None:
        """One bounded check; a failure or a timeout is logged and the next round measures again."""
        try:
            await asyncio.wait_for(self.check(admin, reader), timeout=self.check_timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broker restart, a request that never returns
            log.warning("consumer lag of %s not measured: %r", self.group, exc)

    async def check(self, admin: Any, reader: Any) -> dict[Partition, int]:
        from aiokafka.structs import TopicPartition

        described = await admin.describe_topics(self.topics)
        partitions = [
            TopicPartition(d["topic"], p["partition"])
            for d in described
            if d["error_code"] == 0
            for p in sorted(d["partitions"], key=lambda p: p["partition"])
        ]
        owns_some = True
        if self.owned is not None:
            mine = self.owned()
            owned = [tp for tp in partitions if (tp.topic, tp.partition) in mine]
            # A worker that owns nothing watches the whole group: one that joined while the broker was
            # away got an empty assignment and was never given its partitions again (faust-streaming,
            # after a broker restart), and idled for good. If another worker processes them, their
            # offsets move and nothing stalls.
            owns_some = bool(owned)
            partitions = owned or partitions
        if not partitions:
            self._publish({}, {})
            return {}
        offsets = await admin.list_consumer_group_offsets(self.group, partitions=partitions)
        committed = {(tp.topic, tp.partition): m.offset for tp, m in offsets.items() if m.offset >= 0}
        end = {(tp.topic, tp.partition): o for tp, o in (await reader.end_offsets(partitions)).items()}
        start = {
            (tp.topic, tp.partition): o for tp, o in (await reader.beginning_offsets(partitions)).items()
        }
        lag = lag_by_partition(committed, start, end)
        stalls = self.detector.observe(
            time.monotonic(), {tp: committed.get(tp, start[tp]) for tp in end}, end
        )
        if owns_some:
            self._publish(lag, self.detector.stuck)
        else:
            self._publish({}, {})  # the gauges are per owner: another worker reports these
        if stalls and self.on_stall is not None:
            await self.on_stall(stalls)
        return lag

    def _publish(self, lag: dict[Partition, int], stuck: dict[Partition, float]) -> None:
        for topic, partition in self._reported - set(lag):
            CONSUMER_LAG.remove(self.group, topic, str(partition))
            CONSUMER_STALLED.remove(self.group, topic, str(partition))
        for (topic, partition), n in lag.items():
            CONSUMER_LAG.labels(self.group, topic, str(partition)).set(n)
            CONSUMER_STALLED.labels(self.group, topic, str(partition)).set(stuck.get((topic, partition), 0.0))
        self._reported = set(lag)


async def _close(admin: Any, reader: Any) -> None:
    with contextlib.suppress(Exception):
        await reader.stop()
    with contextlib.suppress(Exception):
        await admin.close()
