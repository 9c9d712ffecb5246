"""Arroyo's batch step for a plain consumer: once a poll has returned records, keep polling for up to a
linger (or until the batch is full) before the batch goes to work.

A consumer that keeps up otherwise polls one or two messages at a time, and every stage pays per batch,
not per message: a database transaction of about ten statements in the API, a produce request and its
ack in every stage, a process-pool round trip and a smaller ``nlp.pipe`` batch in extraction. On a shared
machine the stages that loop fastest take the CPU the bottleneck stage needs. The linger bounds the
added latency. An idle consumer polls as before, but its fetches, answered at 64 KiB or the linger
(``fetch_tuning``), come back empty every linger instead of every 500 ms.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer


async def poll_batch(
    consumer: AIOKafkaConsumer,
    *,
    max_records: int,
    wait_s: float,
    linger_s: float,
    generation: Callable[[], int],
) -> list[Any]:
    """Up to ``max_records`` records: the first poll waits up to ``wait_s`` for any, then more are
    collected for up to ``linger_s``. The records come in broker-timestamp order across partitions, each
    partition's own order kept, so a batch keeps the order a one-message poll would have seen (the
    API numbers its live feed in this order). ``generation`` counts the consumer's rebalances: if one happens
    while collecting, what was collected is dropped, because the rebalance reset every position to its
    committed offset and those records will be polled again (by this consumer or the new owner)."""
    records = _flat(await consumer.getmany(timeout_ms=int(wait_s * 1000), max_records=max_records))
    if not records or linger_s <= 0:
        return _in_time_order(records)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + linger_s
    started = generation()
    while len(records) < max_records and (left := deadline - loop.time()) > 0:
        more = await consumer.getmany(
            timeout_ms=max(1, int(left * 1000)), max_records=max_records - len(records)
        )
        if generation() != started:
            return []
        records += _flat(more)
    return _in_time_order(records)


def _flat(polled: dict[Any, list[Any]]) -> list[Any]:
    return [rec for recs in polled.values() for rec in recs]


def _in_time_order(records: list[Any]) -> list[Any]:
    """Interleave the partitions by timestamp; ``heapq.merge`` keeps each partition's order as it is."""
    partitions: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for rec in records:
        partitions[(rec.topic, rec.partition)].append(rec)
    if len(partitions) < 2:
        return records
    return list(heapq.merge(*partitions.values(), key=lambda rec: rec.timestamp))


def fetch_tuning(linger_s: float) -> dict[str, int]:
    """The broker's side of the linger, for the consumer's constructor: a fetch is answered once 64 KiB
    are there or after the linger, so a consumer that keeps up gets a response per batch, not per
    message (each response is a request to the broker and a decode in the client)."""
    if linger_s <= 0:
        return {}
    return {"fetch_max_wait_ms": max(1, int(linger_s * 1000)), "fetch_min_bytes": 64 * 1024}
