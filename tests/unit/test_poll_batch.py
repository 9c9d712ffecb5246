"""The batch step of the plain consumers (shared/stream/batching.py): collect for the linger once records
arrive, never past the batch size, nothing when a rebalance happens meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from shared.stream.batching import poll_batch


class Rec(NamedTuple):
    topic: str
    partition: int
    offset: int
    timestamp: int


class Trickle:
    """getmany as a consumer sees a topic that gets one record every ``every_s`` (after ``idle_polls``
    empty polls): a poll returns what has arrived, or waits for the next record within its timeout."""

    def __init__(self, every_s: float, idle_polls: int = 0) -> None:
        self.every_s, self.idle_polls, self.next, self.polls = every_s, idle_polls, 0, 0

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[str, list[Any]]:
        self.polls += 1
        if self.polls <= self.idle_polls:
            return {}
        await asyncio.sleep(min(self.every_s, timeout_ms / 1000))
        self.next += 1
        return {"tp": [Rec("t", 0, self.next, self.next)]}


def run(consumer: Any, generation: Any = lambda: 0, **kw: Any) -> list[Any]:
    args = {"max_records": 100, "wait_s": 0.5, "linger_s": 0.2} | kw
    return [rec.offset for rec in asyncio.run(poll_batch(consumer, generation=generation, **args))]


def test_records_arriving_within_the_linger_make_one_batch() -> None:
    batch = run(Trickle(every_s=0.01))
    assert 5 <= len(batch) <= 25 and batch == sorted(batch)


def test_without_a_linger_each_poll_is_a_batch() -> None:
    assert run(Trickle(every_s=0.01), linger_s=0) == [1]


def test_a_batch_never_exceeds_its_size() -> None:
    assert run(Trickle(every_s=0.001), max_records=3) == [1, 2, 3]


def test_an_idle_poll_does_not_linger() -> None:
    consumer = Trickle(every_s=0.01, idle_polls=1)
    assert run(consumer) == [] and consumer.polls == 1


def test_a_rebalance_while_collecting_drops_the_batch() -> None:
    calls = iter(range(100))
    # The second look at the generation (after the first poll of the linger) sees a rebalance.
    assert run(Trickle(every_s=0.01), generation=lambda: 0 if next(calls) < 1 else 1) == []


class TwoPartitions:
    """One poll returns two partitions' records grouped by partition, as aiokafka does."""

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[str, list[Any]]:
        return {
            "p1": [
                Rec("t", 1, 10, 2),
                Rec("t", 1, 11, 4),
                Rec("t", 1, 12, 3),
            ],  # a producer's clock went back
            "p0": [Rec("t", 0, 20, 1), Rec("t", 0, 21, 5)],
        }


def test_partitions_interleave_by_timestamp_and_keep_their_own_order() -> None:
    batch = asyncio.run(
        poll_batch(TwoPartitions(), max_records=100, wait_s=0.1, linger_s=0, generation=lambda: 0)
    )
    assert [(r.partition, r.offset) for r in batch] == [(0, 20), (1, 10), (1, 11), (1, 12), (0, 21)]
