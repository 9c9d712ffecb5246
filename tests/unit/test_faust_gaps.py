"""The guard on faust-streaming's gap rule: offsets a stream never saw count as processed only where
they can really be missing (compacted topics; below the earliest retained offset). Runs Faust's own
gap bookkeeping on a stand-in for its consumer."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

from faust.transport.consumer import Consumer as FaustConsumer
from faust.types import TP
from intervaltree import IntervalTree

from shared.faust_support import gap_can_be_real, refuse_gaps_outside


def test_which_gaps_can_be_real() -> None:
    compacted = {"events.strike"}
    assert gap_can_be_real("events.strike", 9, 0, compacted)  # compaction removes records
    assert gap_can_be_real("articles.raw", 9, 9, compacted)  # retention deleted everything before 9
    assert not gap_can_be_real("articles.raw", 9, 0, compacted)  # fetched but never processed
    assert not gap_can_be_real("articles.raw", 9, None, compacted)  # unknown: the commit waits


def gaps_after(topic: str, earliest: int) -> list[tuple[int, int]]:
    refuse_gaps_outside(frozenset({"g.events.strike"}))
    tp = TP(topic, 1)

    async def earliest_offsets(*tps: TP) -> dict[TP, int]:
        return {t: earliest for t in tps}

    consumer = SimpleNamespace(_committed_offset={tp: 3}, _gap=defaultdict(IntervalTree),
                               earliest_offsets=earliest_offsets)  # fmt: skip
    # Faust's drain loop: offset 3 was the next to read, offset 9 is what arrived.
    asyncio.run(FaustConsumer._add_gap(consumer, tp, 4, 9))  # type: ignore[arg-type]
    return sorted((i.begin, i.end) for i in consumer._gap[tp])


def test_undelivered_articles_are_not_committed_past() -> None:
    assert gaps_after("g.articles.raw", earliest=0) == []


def test_compacted_and_expired_offsets_still_are() -> None:
    assert gaps_after("g.events.strike", earliest=0) == [(4, 10)]
    assert gaps_after("g.articles.raw", earliest=9) == [(4, 10)]
