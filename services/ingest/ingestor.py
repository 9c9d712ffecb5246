"""The one path every article takes into warwire: validate -> normalise -> dedup -> publish."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from dateutil import parser as dateparser
from pydantic import BaseModel, Field

from services.ingest.neardup import simhash
from services.ingest.normalize import article_id_for, canonical_url, clean_text, strip_boilerplate
from services.ingest.pages import extract_page
from services.ingest.seen import SeenStore
from shared.metrics import ARTICLES_INGESTED, INGEST_PUBLISH_ERRORS
from shared.sanitize import has_lone_surrogate, strip_controls
from shared.schemas import Article


class ArticleIn(BaseModel):
    """What a client pushes (POST /v1/articles) or a file holds."""

    title: str = Field(default="", max_length=2000)
    body: str | None = Field(default=None, description="Plain text. One of body or html is required.")
    html: str | None = Field(default=None, description="An HTML page; its main text is extracted.")
    url: str | None = Field(default=None, max_length=4000)
    source: str = Field(default="unknown", max_length=200)
    published_at: str | None = Field(default=None, description="ISO 8601 or RFC 2822 date.")
    language: str | None = Field(default=None, description="ISO 639-1; detected when absent.")


class IngestError(ValueError):
    """Bad input; ``reason`` is a stable code, ``status`` the HTTP status to answer."""

    def __init__(self, reason: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.status = status


class PublishFailed(Exception):
    """The broker did not take the article (unreachable, timed out); it was not recorded as seen."""


# Dates outside this range are typos, placeholders or hostile input, not publication dates.
EARLIEST_PUBLISHED = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_PUBLISHED_AHEAD = timedelta(days=2)


class Publisher(Protocol):
    def publish(self, article: Article) -> None: ...


class Ingestor:
    def __init__(self, publisher: Publisher, seen: SeenStore, *, max_bytes: int = 1_000_000) -> None:
        self.publisher = publisher
        self.seen = seen
        self.max_bytes = max_bytes
        # Article ids being checked and published right now: identical concurrent pushes wait for the
        # first one, so exactly one is published and the others see it as a duplicate.
        self._busy: dict[str, tuple[threading.Lock, int]] = {}
        self._busy_guard = threading.Lock()

    def normalise(self, item: ArticleIn) -> Article:
        raw = item.body if item.body is not None else item.html
        if raw is None or not raw.strip():
            raise IngestError("empty_body", "the article has no body or html text")
        if len(raw.encode("utf-8", "surrogatepass")) > self.max_bytes:
            raise IngestError("too_large", f"article exceeds {self.max_bytes} bytes", status=413)
        if "\x00" in raw:
            raise IngestError("binary", "the body contains NUL bytes: binary data is not an article")
        item = _clean_fields(item)
        raw = item.body if item.body is not None else item.html
        title, published_text = item.title, item.published_at
        url = _checked_url(item.url)
        if item.body is None and item.html is not None:
            try:
                page = extract_page(item.html, url)
            except Exception as exc:  # lxml and trafilatura raise on some malformed markup
                raise IngestError(
                    "no_article_text", f"the HTML page cannot be parsed: {exc!r}"[:500]
                ) from exc
            if page is None:
                raise IngestError("no_article_text", "the HTML page has no article text")
            text = page.text
            title = title or page.title or ""
            published_text = published_text or page.date
        else:
            text = raw or ""
        body, removed = strip_boilerplate(clean_text(text))
        if not body:
            raise IngestError("no_text", "no article text left after normalisation")
        title = clean_text(title)
        published = _parse_date(published_text)
        url = canonical_url(url) if url else None
        return Article(
            article_id=article_id_for(url, title, body),
            title=title,
            body=body,
            url=url,
            source=item.source or "unknown",
            published_at=published,
            language=(item.language or detect_language(title + "\n" + body)).lower()[:2],
            ingested_at=datetime.now(UTC),
            removed_lines=removed,
        )

    def ingest(self, item: ArticleIn, *, channel: str) -> tuple[Article, bool]:
        """Returns (article, is_new). Publishes only new articles; raises IngestError on bad input."""
        try:
            article = self.normalise(item)
        except IngestError as exc:
            ARTICLES_INGESTED.labels(channel, f"rejected_{exc.reason}").inc()
            raise
        # Check, publish and record are one step per article id: checked apart, concurrent identical
        # pushes all passed the check and were all published (one even named itself as its duplicate_of).
        with self._exclusive(article.article_id):
            if self.seen.contains(article.article_id):
                ARTICLES_INGESTED.labels(channel, "duplicate").inc()
                return article, False
            # Syndicated copies are kept as sources but marked, so they never count as independent corroboration.
            fingerprint = simhash(article.title + "\n" + article.body)
            original = self.seen.near_duplicate(fingerprint)
            if original is not None and original != article.article_id:
                article = article.model_copy(update={"duplicate_of": original})
            else:
                original = None
            try:
                self.publisher.publish(article)
            except Exception as exc:
                INGEST_PUBLISH_ERRORS.inc()
                raise PublishFailed(f"could not publish: {exc.__class__.__name__}") from exc
            # Recorded only after the broker acked: a crash in between re-publishes (same key), never drops.
            self.seen.add(article.article_id, fingerprint)
        ARTICLES_INGESTED.labels(channel, "syndicated" if original else "published").inc()
        return article, True

    @contextmanager
    def _exclusive(self, article_id: str) -> Iterator[None]:
        """A lock per article id, dropped when nobody holds or waits for it (ingest runs in threads)."""
        with self._busy_guard:
            lock, users = self._busy.get(article_id, (threading.Lock(), 0))
            self._busy[article_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._busy_guard:
                lock, users = self._busy[article_id]
                if users == 1:
                    del self._busy[article_id]
                else:
                    self._busy[article_id] = (lock, users - 1)


def _clean_fields(item: ArticleIn) -> ArticleIn:
    """Control characters (but tab, newline, carriage return) stripped from every field; a lone
    surrogate (a JSON escape such as \\ud800) names its field: no UTF-8 can carry it downstream."""
    updates: dict[str, str] = {}
    for name, value in item:
        if not isinstance(value, str):
            continue
        if has_lone_surrogate(value):
            raise IngestError("invalid_fields", f"{name}: contains an unpaired UTF-16 surrogate")
        cleaned = strip_controls(value)
        if cleaned != value:
            updates[name] = cleaned
    return item.model_copy(update=updates) if updates else item


def _checked_url(url: str | None) -> str | None:
    """Only http(s) URLs with a host: ``javascript:``, ``file:`` and the like are refused."""
    if url is None or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except ValueError as exc:
        raise IngestError("bad_url", f"url: not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise IngestError("bad_url", f"url: must be an http(s) URL with a host, not {url[:100]!r}")
    return url.strip()


_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_BARE_NUMBER = re.compile(r"^\s*[+-]?\d+(?:\.\d*)?\s*$")


def _parse_date(value: str | None) -> datetime | None:
    """ISO 8601 or RFC 2822, with a four-digit year, between 1900-01-01 and two days from now."""
    if value is None or not value.strip():
        return None
    if _BARE_NUMBER.match(value) or not _YEAR.search(value):
        # dateutil reads "-1" or "12" as a day of the current month: not a publication date.
        raise IngestError("bad_date", f"published_at: {value[:100]!r} is not a date with a year")
    try:
        parsed = dateparser.parse(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)  # OverflowError at year 1 or 9999, ValueError for offsets of 24 h+
    except Exception as exc:  # dateutil raises ValueError, OverflowError, TypeError... all bad input
        raise IngestError("bad_date", f"published_at: cannot parse {value[:100]!r}") from exc
    latest = datetime.now(UTC) + LATEST_PUBLISHED_AHEAD
    if not EARLIEST_PUBLISHED <= parsed <= latest:
        raise IngestError(
            "bad_date",
            f"published_at: {parsed.isoformat()} is outside {EARLIEST_PUBLISHED.date()} .. now + 2 days",
        )
    return parsed


def detect_language(text: str) -> str:
    """ISO 639-1 code; English when the text is too short to tell.

    py3langid (langid.py: naive Bayes over byte n-grams, 97 languages) takes ~1 ms an article where
    langdetect took ~10, and reads all-capital wire copy as English where langdetect said German."""
    if len(text) < 40:
        return "en"
    from py3langid.langid import classify

    return str(classify(text)[0])


def load_language_model() -> None:
    """Load the model now (~1 s) rather than in the first article's request."""
    detect_language("Load the language identification model before the first article arrives.")
