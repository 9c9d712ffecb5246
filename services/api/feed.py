"""The live feed behind GET /v1/stream: the materialiser announces each write's sequence number, and
every stream client wakes up and reads what it has not sent yet from the store. Reading from the store
(not from a per-client queue) means a slow client cannot grow memory, and a reconnect with
Last-Event-ID replays exactly what was missed."""

from __future__ import annotations

import asyncio
import contextlib


class ChangeFeed:
    def __init__(self) -> None:
        self.latest = 0
        self._changed = asyncio.Condition()

    async def announce(self, seq: int) -> None:
        async with self._changed:
            if seq > self.latest:
                self.latest = seq
                self._changed.notify_all()

    async def wait_past(self, seq: int, heartbeat_s: float) -> bool:
        """True when something newer than ``seq`` was written, False on timeout (time for a heartbeat)."""
        async with self._changed:
            if self.latest > seq:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.latest > seq), heartbeat_s)
            return self.latest > seq
