"""The guards on faust-streaming's acks: offsets a stream never saw count as processed only where they
can really be missing (compacted topics; below the earliest retained offset), and a message that the
stream skipped (flow control off, an earlier generation) is not acked. A refused gap restarts the
worker at once: Faust's fetch position is past the undelivered offsets, so only a re-read delivers them. Runs Faust's own gap bookkeeping
on a stand-in for its consumer."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

from faust.transport.consumer import Consumer as FaustConsumer
from faust.types import TP
from intervaltree import IntervalTree

from shared import faust_support
from shared.faust_support import gap_can_be_real, refuse_gaps_outside


def test_which_gaps_can_be_real() -> None:
    compacted = {"events.strike"}
    assert gap_can_be_real("events.strike", 9, 0, compacted)  # compaction removes records
    assert gap_can_be_real("articles.raw", 9, 9, compacted)  # retention deleted everything before 9
    assert not gap_can_be_real("articles.raw", 9, 0, compacted)  # fetched but never processed
    assert not gap_can_be_real("articles.raw", 9, None, compacted)  # unknown: the commit waits


def gaps_after(topic: str, earliest: int) -> tuple[list[tuple[int, int]], int]:
    """The gaps Faust records when offsets 4-8 were never delivered, and how often the worker restarted."""
    restarts: list[None] = []
    refuse_gaps_outside(frozenset({"g.events.strike"}), on_refused=lambda: restarts.append(None))
    tp = TP(topic, 1)

    async def earliest_offsets(*tps: TP) -> dict[TP, int]:
        return {t: earliest for t in tps}

    consumer = SimpleNamespace(_committed_offset={tp: 3}, _gap=defaultdict(IntervalTree),
                               earliest_offsets=earliest_offsets)  # fmt: skip
    # Faust's drain loop: offset 3 was the next to read, offset 9 is what arrived.
    asyncio.run(FaustConsumer._add_gap(consumer, tp, 4, 9))  # type: ignore[arg-type]
    return sorted((i.begin, i.end) for i in consumer._gap[tp]), len(restarts)


def test_undelivered_articles_are_not_committed_past_and_the_worker_restarts_to_read_them() -> None:
    assert gaps_after("g.articles.raw", earliest=0) == ([], 1)


def test_compacted_and_expired_offsets_still_are() -> None:
    assert gaps_after("g.events.strike", earliest=0) == ([(4, 10)], 0)
    assert gaps_after("g.articles.raw", earliest=9) == ([(4, 10)], 0)


def test_a_message_the_stream_skipped_is_not_acked() -> None:
    import faust

    from shared.faust_support import ack_allowed, refuse_acks_of_skipped_messages

    assert ack_allowed(True, 3, 3)
    assert not ack_allowed(False, 3, 3)  # flow control off: a rebalance or recovery is under way
    assert not ack_allowed(True, 2, 3)  # fetched in an earlier consumer generation
    refuse_acks_of_skipped_messages()
    acks: list[object] = []

    def event(flow_active: bool, generation: int) -> SimpleNamespace:
        flow = SimpleNamespace(is_active=lambda: flow_active)
        app = SimpleNamespace(flow_control=flow, consumer_generation_id=3, consumer=object())
        message = SimpleNamespace(topic="g.articles.raw", partition=0, offset=7, generation_id=generation,
                                  ack=lambda consumer: acks.append(consumer) or True)  # fmt: skip
        return SimpleNamespace(app=app, message=message)

    assert faust.Event.ack(event(False, 3)) is False  # type: ignore[arg-type]
    assert faust.Event.ack(event(True, 2)) is False  # type: ignore[arg-type]
    assert acks == []
    assert faust.Event.ack(event(True, 3)) is True  # type: ignore[arg-type]
    assert len(acks) == 1


async def guard_checks_done() -> None:
    """Until the looks the guard scheduled (every other task on the loop) are over."""
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t is not asyncio.current_task()))


def commit_after(acked: list[int], committed: int | None, earliest: int) -> tuple[list[int | None], int]:
    """What Faust's commit computes, twice (before and after the guard has looked into the partition),
    for a partition whose ``acked`` offsets follow ``committed``; and how often the worker restarted."""
    restarts: list[None] = []
    refuse_gaps_outside(frozenset({"g.events.strike"}), on_refused=lambda: restarts.append(None))
    faust_support.HEAD_RECHECK_S = 0.0
    tp = TP("g.alert.signals", 0)

    async def earliest_offsets(*tps: TP) -> dict[TP, int]:
        return {t: earliest for t in tps}

    consumer = SimpleNamespace(_committed_offset={tp: committed}, _acked={tp: list(acked)},
                               _acked_index={tp: set(acked)}, _gap=defaultdict(IntervalTree),
                               earliest_offsets=earliest_offsets)  # fmt: skip

    async def commits() -> list[int | None]:
        first = FaustConsumer._new_offset(consumer, tp)  # type: ignore[arg-type]
        await guard_checks_done()  # the guard's look at the partition's earliest offset
        return [first, FaustConsumer._new_offset(consumer, tp)]  # type: ignore[arg-type]

    return asyncio.run(commits()), len(restarts)


def test_one_unprocessed_message_at_the_committed_offset_is_not_committed_past() -> None:
    # Faust alone commits 6 here: its test is min(acked) - committed > 1, and its committed offset is
    # the next one to read, so offset 3, never processed, would be lost.
    assert commit_after([4, 5], committed=3, earliest=0) == ([None, None], 1)


def test_commits_go_on_when_the_head_was_processed_or_retention_removed_it() -> None:
    assert commit_after([3, 4, 5], committed=3, earliest=0) == ([6, None], 0)
    assert commit_after([4, 5], committed=3, earliest=4) == ([None, 6], 0)  # offset 3 expired
    assert commit_after([0, 1], committed=None, earliest=0) == ([2, None], 0)  # nothing committed yet


def test_an_old_committed_offset_that_recovery_then_replaces_restarts_nothing() -> None:
    """Right after an assignment Faust may still hold the offset it committed long ago; its recovery
    then reads the group's (another worker committed since) before the guard looks again."""
    restarts: list[None] = []
    refuse_gaps_outside(frozenset(), on_refused=lambda: restarts.append(None))
    faust_support.HEAD_RECHECK_S = 0.05
    tp = TP("g.alert.signals", 0)

    async def earliest_offsets(*tps: TP) -> dict[TP, int]:
        return {t: 0 for t in tps}

    consumer = SimpleNamespace(_committed_offset={tp: 3}, _acked={tp: [20, 21]}, _acked_index={tp: {20, 21}},
                               _gap=defaultdict(IntervalTree), earliest_offsets=earliest_offsets)  # fmt: skip

    async def run() -> int | None:
        assert FaustConsumer._new_offset(consumer, tp) is None  # type: ignore[arg-type]
        consumer._committed_offset[tp] = 20  # the recovery's seek to the group's committed offsets
        await guard_checks_done()
        return FaustConsumer._new_offset(consumer, tp)  # type: ignore[arg-type]

    assert asyncio.run(run()) == 22
    assert restarts == []


def test_a_worker_that_could_not_reach_the_broker_at_start_is_restarted() -> None:
    from aiokafka.errors import NodeNotReadyError

    from shared.faust_support import broker_unavailable

    assert broker_unavailable(NodeNotReadyError("node 1 not ready"))  # the crash seen in a CI run
    assert broker_unavailable(ConnectionRefusedError())
    assert not broker_unavailable(ValueError("a bad setting"))
