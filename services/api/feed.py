"""The live feed behind GET /v1/stream.

After each write the materialiser reads the new changes from the store once and publishes them here;
they are kept, already encoded as SSE messages, in a bounded buffer. Every stream client wakes up and
sends what it has not sent yet from that buffer, so 200 clients cost one database read per batch, not
200, and one JSON encoding per change, not 200. A client whose Last-Event-ID is older than the buffer
reads from the store instead, so a reconnect still replays exactly what was missed. A slow client
cannot grow memory: the buffer is shared and bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
CATCH_UP_BATCH = 500


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str  # "event" | "alert"
    doc: dict[str, Any]
    message: bytes  # the SSE message, ready to send


def change(seq: int, kind: str, doc: dict[str, Any]) -> Change:
    return Change(seq, kind, doc, f"id: {seq}\nevent: {kind}\ndata: {json.dumps(doc)}\n\n".encode())


class ChangeFeed:
    def __init__(self, capacity: int = 5000) -> None:
        self.latest = 0
        # Every change after ``floor`` is in the buffer; earlier ones must come from the store.
        self.floor = 0
        self._buffer: deque[Change] = deque()
        self._capacity = capacity
        # Set (and replaced) on every publish. An Event, not a Condition: 200 waiters need not re-take a
        # lock one by one, and a client cancelled while waiting (it disconnected) cannot leave a lock
        # half-held, which asyncio.Condition under wait_for could on Python 3.11.
        self._published = asyncio.Event()
        self.closed = False

    def close(self) -> None:
        """The service is stopping: every stream ends now, so the shutdown need not wait for clients
        that never hang up (they reconnect to another replica, or to this one restarted, with
        Last-Event-ID and miss nothing)."""
        self.closed = True
        published, self._published = self._published, asyncio.Event()
        published.set()

    def start_at(self, seq: int) -> None:
        """Called once the store is open: changes up to ``seq`` predate this process."""
        self.latest = self.floor = seq
        self._buffer.clear()

    async def publish(self, changes: list[Change]) -> None:
        for c in changes:
            if c.seq <= self.latest:
                continue
            self._buffer.append(c)
            self.latest = c.seq
        while len(self._buffer) > self._capacity:
            self.floor = self._buffer.popleft().seq
        published, self._published = self._published, asyncio.Event()
        published.set()

    def since(self, seq: int) -> list[Change] | None:
        """Changes after ``seq`` from memory, or None when the buffer no longer reaches back that far."""
        if seq < self.floor:
            return None
        # From the newest end: a live client is a few changes behind, so this costs what it sends, not
        # the buffer's length (200 clients x 5,000 buffered changes on every wake-up otherwise).
        newer: list[Change] = []
        for c in reversed(self._buffer):
            if c.seq <= seq:
                break
            newer.append(c)
        newer.reverse()
        return newer

    async def wait_past(self, seq: int, heartbeat_s: float) -> bool:
        """True when something newer than ``seq`` was published, False on timeout (time for a heartbeat)."""
        deadline = asyncio.get_running_loop().time() + heartbeat_s
        while self.latest <= seq and not self.closed:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published.wait(), left)
        return True


ReadChanges = Callable[[int], Awaitable[list[Change]]]  # changes after a sequence number, oldest first


async def catch_up(feed: ChangeFeed, read: ReadChanges) -> None:
    """Publish everything stored after what the feed has seen: one store read per ``CATCH_UP_BATCH``."""
    while True:
        changes = await read(feed.latest)
        await feed.publish(changes)
        if len(changes) < CATCH_UP_BATCH:
            return


async def follow(feed: ChangeFeed, read: ReadChanges, interval_s: float) -> None:
    """Replicas share one database and each materialises only its own partitions: the changes the others
    write reach this replica's feed by reading the store every ``interval_s``."""
    while True:
        try:
            await catch_up(feed, read)
        except Exception:  # the database is away for a moment: the next round catches up
            log.warning("live feed could not read the store", exc_info=True)
        await asyncio.sleep(interval_s)
