"""RSS/Atom polling: each feed on its own interval, conditional GET (ETag, Last-Modified),
exponential backoff with jitter on errors, per-feed status in the metrics. Entries that carry only a
summary get their article page fetched and its main text extracted.

Everything bad that comes from a feed (time-outs, garbage, unreadable entries) becomes a dead-letter
record with its reason; the poller keeps polling.

Feed and page requests go through shared.egress: only public addresses (or the operator's allow-listed
networks, ``WARWIRE_WEBHOOK_ALLOWED_NETWORKS``), checked on the address connected to, and redirects are
not followed (a feed's links are chosen by whoever writes the feed).
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import feedparser
import httpx
from pydantic import BaseModel, Field, ValidationError

from services.ingest.ingestor import ArticleIn, IngestError, Ingestor
from shared import egress
from shared.metrics import FEED_LAST_SUCCESS, FEED_POLLS, FEED_UP

log = logging.getLogger(__name__)
USER_AGENT = "warwire-ingest/1 (+https://github.com/warwire)"


class FeedConfig(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    url: str
    interval_s: float = Field(default=300.0, gt=0)


class DeadLetters(Protocol):
    def dead_letter(self, reason: str, detail: str, value: bytes | str | None) -> None: ...


@dataclass
class PollResult:
    status: str  # ok | not_modified | error
    published: int = 0
    duplicates: int = 0
    rejected: int = 0
    detail: str = ""


@dataclass
class FeedState:
    etag: str | None = None
    modified: str | None = None
    failures: int = 0
    last: PollResult | None = None
    history: list[str] = field(default_factory=list)


class FeedPoller:
    def __init__(
        self,
        feeds: list[FeedConfig],
        ingestor: Ingestor,
        dead_letters: DeadLetters,
        *,
        timeout_s: float = 10.0,
        max_backoff_s: float = 600.0,
        min_content_chars: int = 400,
        max_page_bytes: int = 2_000_000,
        allowed_networks: list[str] | None = None,
        client_factory: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        self.feeds = feeds
        self.ingestor = ingestor
        self.dead_letters = dead_letters
        self.timeout_s = timeout_s
        self.max_backoff_s = max_backoff_s
        self.min_content_chars = min_content_chars
        self.max_page_bytes = max_page_bytes
        self.state: dict[str, FeedState] = {f.name: FeedState() for f in feeds}
        self._client_factory = client_factory or (
            lambda: egress.guarded_client(
                allowed_networks or [], timeout=timeout_s, headers={"User-Agent": USER_AGENT}
            )
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = self._client_factory()
        self._tasks = [asyncio.create_task(self._loop(f), name=f"feed:{f.name}") for f in self.feeds]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    async def _loop(self, feed: FeedConfig) -> None:
        while True:
            try:
                result = await self.poll_once(feed)
            except Exception:  # the broker down while publishing, say: back off and poll again
                log.exception("feed %s: poll failed", feed.name)
                self.state[feed.name].failures += 1
                result = PollResult("error", detail="poll_failed")
            state = self.state[feed.name]
            delay = feed.interval_s
            if result.status == "error":
                # Exponential backoff with full jitter, so failing feeds do not hammer their hosts.
                delay = min(self.max_backoff_s, feed.interval_s * 2 ** min(state.failures, 10))
                delay = random.uniform(feed.interval_s, max(feed.interval_s, delay))
            await asyncio.sleep(delay)

    async def poll_once(self, feed: FeedConfig) -> PollResult:
        client = self._client or self._client_factory()
        state = self.state.setdefault(feed.name, FeedState())
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.modified:
            headers["If-Modified-Since"] = state.modified
        try:
            response = await client.get(feed.url, headers=headers, timeout=self.timeout_s)
        except httpx.TimeoutException as exc:
            return self._failed(
                feed, "feed_timeout", f"{feed.url}: timed out ({exc.__class__.__name__})", None
            )
        except egress.UnsafeURL as exc:
            return self._failed(feed, "feed_unsafe_url", f"{feed.url}: {exc}", None)
        except httpx.HTTPError as exc:
            return self._failed(feed, "feed_unreachable", f"{feed.url}: {exc!r}", None)
        if response.status_code == 304:
            return self._done(feed, PollResult("not_modified"))
        if response.is_redirect:
            where = response.headers.get("Location", "")[:500]
            return self._failed(feed, "feed_redirect", f"{feed.url}: HTTP {response.status_code} to {where} (not followed)", None)  # fmt: skip
        if response.status_code >= 400:
            return self._failed(
                feed, "feed_http_error", f"{feed.url}: HTTP {response.status_code}", response.content
            )
        parsed = await asyncio.to_thread(feedparser.parse, response.content)  # CPU-bound: off the loop
        if parsed.bozo and not parsed.entries:
            detail = f"{feed.url}: not a feed ({parsed.get('bozo_exception')!r})"
            return self._failed(feed, "feed_unparseable", detail[:500], response.content)
        result = PollResult("ok")
        for entry in parsed.entries:
            await self._ingest_entry(feed, entry, result, client)
        state.etag = response.headers.get("ETag") or state.etag
        state.modified = response.headers.get("Last-Modified") or state.modified
        return self._done(feed, result)

    async def _ingest_entry(
        self, feed: FeedConfig, entry: Any, result: PollResult, client: httpx.AsyncClient
    ) -> None:
        link = entry.get("link")
        content = " ".join(c.get("value", "") for c in entry.get("content", []) if c.get("value"))
        summary = entry.get("summary", "")
        markup = content or summary
        fields = {"title": entry.get("title", ""), "url": link, "source": feed.name,
                  "published_at": entry.get("published") or entry.get("updated")}  # fmt: skip
        if len(_plain_text(markup)) < self.min_content_chars and link:
            page = await self._fetch_page(link, client)
            if page is None:
                result.rejected += 1
                return
            fields["html"] = page
        else:
            # Feed content is already the article (an HTML fragment, not a page): keep its text.
            fields["body"] = _plain_text(markup) or None
        try:
            item = ArticleIn.model_validate(fields)
        except ValidationError as exc:  # a 3,000-character title, say: this entry, not the feed, is bad
            result.rejected += 1
            self.dead_letters.dead_letter("invalid_fields", f"{feed.name}: {link}: {exc.error_count()} invalid field(s)", markup[:100_000])  # fmt: skip
            return
        try:
            _, is_new = await asyncio.to_thread(self.ingestor.ingest, item, channel=f"feed:{feed.name}")
        except IngestError as exc:
            result.rejected += 1
            self.dead_letters.dead_letter(exc.reason, f"{feed.name}: {link}: {exc.detail}", markup[:100_000])
            return
        if is_new:
            result.published += 1
        else:
            result.duplicates += 1

    async def _fetch_page(self, url: str, client: httpx.AsyncClient) -> str | None:
        try:
            response = await client.get(url, timeout=self.timeout_s)
        except egress.UnsafeURL as exc:
            self.dead_letters.dead_letter("page_unsafe_url", f"{url}: {exc}", None)
            return None
        except httpx.HTTPError as exc:
            self.dead_letters.dead_letter("page_unreachable", f"{url}: {exc!r}", None)
            return None
        if response.status_code >= 300 or len(response.content) > self.max_page_bytes:  # 3xx: not followed
            self.dead_letters.dead_letter("page_http_error", f"{url}: HTTP {response.status_code}", None)
            return None
        return response.text

    def _failed(self, feed: FeedConfig, reason: str, detail: str, body: bytes | None) -> PollResult:
        state = self.state[feed.name]
        state.failures += 1
        self.dead_letters.dead_letter(reason, detail, body[:100_000] if body else None)
        log.warning("feed %s failed (%s): %s", feed.name, reason, detail[:200])
        result = PollResult("error", detail=reason)
        FEED_POLLS.labels(feed.name, reason).inc()
        FEED_UP.labels(feed.name).set(0)
        state.last = result
        return result

    def _done(self, feed: FeedConfig, result: PollResult) -> PollResult:
        state = self.state[feed.name]
        state.failures = 0
        state.last = result
        FEED_POLLS.labels(feed.name, result.status).inc()
        FEED_UP.labels(feed.name).set(1)
        FEED_LAST_SUCCESS.labels(feed.name).set(time.time())
        return result

    def status(self) -> dict[str, dict[str, Any]]:
        return {
            name: {"failures": s.failures, "last": s.last.__dict__ if s.last else None, "etag": s.etag}
            for name, s in self.state.items()
        }


def _plain_text(fragment: str) -> str:
    text = re.sub(r"(?i)<\s*(?:br|/p|/div|/li|/h\d)\s*/?>", "\n", fragment)
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).strip()
