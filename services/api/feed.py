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
from collections import deque
from dataclasses import dataclass
from typing import Any


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
        self._changed = asyncio.Condition()

    def start_at(self, seq: int) -> None:
        """Called once the store is open: changes up to ``seq`` predate this process."""
        self.latest = self.floor = seq
        self._buffer.clear()

    async def publish(self, changes: list[Change]) -> None:
        async with self._changed:
            for c in changes:
                if c.seq <= self.latest:
                    continue
                self._buffer.append(c)
                self.latest = c.seq
            while len(self._buffer) > self._capacity:
                self.floor = self._buffer.popleft().seq
            self._changed.notify_all()

    def since(self, seq: int) -> list[Change] | None:
        """Changes after ``seq`` from memory, or None when the buffer no longer reaches back that far."""
        if seq < self.floor:
            return None
        return [c for c in self._buffer if c.seq > seq] if seq < self.latest else []

    async def wait_past(self, seq: int, heartbeat_s: float) -> bool:
        """True when something newer than ``seq`` was published, False on timeout (time for a heartbeat)."""
        async with self._changed:
            if self.latest > seq:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.latest > seq), heartbeat_s)
            return self.latest > seq
