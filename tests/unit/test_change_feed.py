"""The live feed's shared buffer: clients read recent changes from memory, and fall back to the store
(None) when their cursor is older than what the bounded buffer still holds."""

from __future__ import annotations

import asyncio

from services.api.feed import ChangeFeed, change


def test_buffer_serves_recent_changes_and_hands_older_cursors_to_the_store() -> None:
    async def run() -> None:
        feed = ChangeFeed(capacity=3)
        feed.start_at(10)  # the store already held changes up to 10 when this process started
        assert feed.since(10) == [] and feed.since(9) is None  # 10 and older: from the store
        await feed.publish([change(s, "event", {"event_id": f"e{s}"}) for s in (11, 12)])
        assert [c.seq for c in feed.since(10) or []] == [11, 12]
        assert [c.seq for c in feed.since(11) or []] == [12]
        await feed.publish([change(12, "event", {}), change(13, "alert", {}), change(14, "event", {})])
        # Capacity 3: 11 was evicted, so a client at 10 must read from the store; one at 11 need not.
        assert feed.since(10) is None
        assert [c.seq for c in feed.since(11) or []] == [12, 13, 14]
        assert feed.since(14) == []
        message = (feed.since(13) or [])[0].message
        assert message == b"id: 14\nevent: event\ndata: {}\n\n"

    asyncio.run(run())


def test_waiters_wake_on_publish_and_time_out_for_heartbeats() -> None:
    async def run() -> None:
        feed = ChangeFeed()
        feed.start_at(0)
        assert await feed.wait_past(0, 0.05) is False  # nothing new: heartbeat time
        waiter = asyncio.create_task(feed.wait_past(0, 5))
        for _ in range(3):  # let the waiter run until it blocks on the condition
            await asyncio.sleep(0)
        assert not waiter.done()
        await feed.publish([change(1, "event", {})])
        assert await asyncio.wait_for(waiter, 1) is True

    asyncio.run(run())


def test_clients_cancelled_while_waiting_leave_the_feed_working() -> None:
    """A stream client that disconnects is cancelled inside wait_past; the others must still wake."""

    async def run() -> None:
        feed = ChangeFeed()
        feed.start_at(0)
        waiters = [asyncio.create_task(feed.wait_past(0, 5)) for _ in range(200)]
        for _ in range(3):
            await asyncio.sleep(0)
        for w in waiters[::2]:
            w.cancel()
        await feed.publish([change(1, "event", {})])
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert sum(r is True for r in results) == 100
        assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 100
        assert await asyncio.wait_for(feed.wait_past(0, 5), 1) is True
        late = asyncio.create_task(feed.wait_past(1, 5))
        await asyncio.sleep(0)
        await feed.publish([change(2, "event", {})])
        assert await asyncio.wait_for(late, 1) is True

    asyncio.run(run())
