"""Arroyo's commit policy: offsets of finished work are committed at most once per interval, or at once.

A commit is a broker write. Committing every small batch of a consumer that keeps up cost the broker
a third of its CPU under load (docs/BENCHMARKS.md); committing once a second means a crash redoes at
most that second, which stable ids absorb. A revocation or a stop commits at once, so the partitions'
next owner starts where this one finished.
"""

from __future__ import annotations

import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)


class IntervalCommitter:
    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._finished: dict[TopicPartition, int] = {}  # the next offset to read, per partition
        self._last = 0.0

    def finished(self, offsets: dict[TopicPartition, int]) -> None:
        """Record work done up to these offsets (later calls hold later offsets of a partition)."""
        self._finished.update(offsets)

    async def commit(self, consumer: AIOKafkaConsumer, *, now: bool = False) -> None:
        """Commit what is finished of the partitions still owned, if the interval has passed or ``now``."""
        if not self._finished or (not now and time.monotonic() - self._last < self.interval_s):
            return
        assignment = consumer.assignment()
        owned = {tp: OffsetAndMetadata(o, "") for tp, o in self._finished.items() if tp in assignment}
        self._finished.clear()
        self._last = time.monotonic()
        try:
            if owned:
                await consumer.commit(owned)
        except (CommitFailedError, IllegalStateError) as exc:
            # The group moved on (a rebalance): the new owner reads these again; ids make that harmless.
            log.warning(
                "commit of %d partition offset(s) refused (%s); they will be read again", len(owned), exc
            )
