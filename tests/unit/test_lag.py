"""Lag arithmetic and stall detection: a partition is stalled only while it is behind and its committed
offset stands still for the whole timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.lag import LagMonitor, StallDetector, lag_by_partition

TP = ("events.strike", 0)


def test_lag_counts_from_log_start_when_nothing_is_committed() -> None:
    assert lag_by_partition({}, {TP: 5}, {TP: 12}) == {TP: 7}
    assert lag_by_partition({TP: 10}, {TP: 5}, {TP: 12}) == {TP: 2}
    assert lag_by_partition({TP: 12}, {TP: 0}, {TP: 12}) == {TP: 0}


def test_a_partition_behind_and_not_moving_stalls_after_the_timeout() -> None:
    d = StallDetector(stall_after_s=20)
    assert d.observe(0, {TP: 3}, {TP: 9}) == []
    assert d.observe(19, {TP: 3}, {TP: 9}) == []
    (stall,) = d.observe(20, {TP: 3}, {TP: 9})
    assert (stall.partition, stall.committed, stall.end, stall.stuck_for_s) == (TP, 3, 9, 20)


def test_progress_or_being_caught_up_restarts_the_clock() -> None:
    d = StallDetector(stall_after_s=20)
    d.observe(0, {TP: 3}, {TP: 9})
    assert d.observe(15, {TP: 4}, {TP: 9}) == []  # moved
    assert d.observe(30, {TP: 4}, {TP: 9}) == []  # 15 s since it moved
    assert d.observe(35, {TP: 4}, {TP: 9}) != []
    idle = StallDetector(stall_after_s=20)
    assert idle.observe(0, {TP: 9}, {TP: 9}) == []
    assert idle.observe(100, {TP: 9}, {TP: 9}) == []  # idle, not stalled
    assert idle.observe(101, {TP: 9}, {TP: 10}) == []  # new data: the clock starts now
    assert idle.observe(122, {TP: 9}, {TP: 10}) != []


def test_a_partition_rebalanced_away_and_back_starts_afresh() -> None:
    d = StallDetector(stall_after_s=20)
    d.observe(0, {TP: 3}, {TP: 9})
    d.observe(10, {}, {})  # no longer ours
    assert d.observe(25, {TP: 3}, {TP: 9}) == []


def test_the_stalled_seconds_follow_a_partition_behind_and_standing_still() -> None:
    """What warwire_consumer_stalled_seconds shows: it grows while the offset stands still behind the end,
    and falls to 0 when the offset moves or the partition is caught up."""
    d = StallDetector(stall_after_s=60)
    d.observe(0, {TP: 3}, {TP: 9})
    assert d.stuck == {TP: 0.0}
    d.observe(25, {TP: 3}, {TP: 9})
    assert d.stuck == {TP: 25.0}
    d.observe(30, {TP: 5}, {TP: 9})  # moved
    assert d.stuck == {TP: 0.0}
    d.observe(40, {TP: 9}, {TP: 9})
    d.observe(90, {TP: 9}, {TP: 9})  # idle and caught up: not stalled
    assert d.stuck == {TP: 0.0}


@pytest.mark.timeout(10)
def test_a_check_that_never_returns_is_cut_off_so_the_next_round_measures_again() -> None:
    """A client call that hangs must not leave the stall watchdog blind for good."""

    class Hanging(LagMonitor):
        calls = 0

        async def check(self, admin: Any, reader: Any) -> dict[tuple[str, int], int]:
            self.calls += 1
            await asyncio.Event().wait()  # a request that is never answered
            return {}

    monitor = Hanging(["127.0.0.1:1"], "g", ["t"], check_timeout_s=0.05)

    async def two_rounds() -> None:
        await monitor.measure(None, None)
        await monitor.measure(None, None)

    asyncio.run(two_rounds())
    assert monitor.calls == 2


@pytest.mark.timeout(10)
def test_a_client_start_that_never_returns_is_cut_off_and_tried_again() -> None:
    """A worker started while the broker was away once kept its watchdog waiting for good."""

    class Measured(Exception):
        pass

    class HangsOnce(LagMonitor):
        starts = 0

        async def _start_clients(self) -> tuple[Any, Any]:
            self.starts += 1
            if self.starts == 1:
                await asyncio.Event().wait()  # a start that never completes
            return object(), object()

        async def measure(self, admin: Any, reader: Any) -> None:
            raise Measured

    monitor = HangsOnce(["127.0.0.1:1"], "g", ["t"], interval_s=0.01, check_timeout_s=0.05)
    with pytest.raises(Measured):
        asyncio.run(monitor.run())
    assert monitor.starts == 2


def test_a_worker_that_owns_nothing_watches_the_whole_group() -> None:
    """A Faust worker that joined while the broker was away got no partitions and idled for good."""
    from aiokafka.structs import OffsetAndMetadata, TopicPartition

    behind, caught_up = TopicPartition("t", 0), TopicPartition("t", 1)
    committed, end = {behind: 3, caught_up: 9}, {behind: 9, caught_up: 9}

    class Admin:
        async def describe_topics(self, topics: list[str]) -> list[dict[str, Any]]:
            return [{"topic": "t", "error_code": 0, "partitions": [{"partition": 0}, {"partition": 1}]}]

        async def list_consumer_group_offsets(self, group: str, partitions: list[Any]) -> dict[Any, Any]:
            return {tp: OffsetAndMetadata(committed[tp], "") for tp in partitions}

    class Reader:
        async def end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
            return {tp: end[tp] for tp in partitions}

        async def beginning_offsets(self, partitions: list[Any]) -> dict[Any, int]:
            return dict.fromkeys(partitions, 0)

    stalls: list[Any] = []

    async def on_stall(found: list[Any]) -> None:
        stalls.extend(found)

    def watch(owned: set[tuple[str, int]]) -> list[Any]:
        stalls.clear()
        monitor = LagMonitor(["b"], "g", ["t"], owned=lambda: owned, stall_after_s=0, on_stall=on_stall)

        async def twice() -> None:
            await monitor.check(Admin(), Reader())
            await monitor.check(Admin(), Reader())

        asyncio.run(twice())
        return [s.partition for s in stalls]

    assert watch(set()) == [("t", 0)]  # nobody processes it: the idle worker restarts
    assert watch({("t", 0)}) == [("t", 0)]  # its own partition, stalled
    assert watch({("t", 1)}) == []  # owns t[1], caught up: t[0] is another worker's to report
