"""The one path every article takes into warwire: validate -> normalise -> dedup -> publish."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from dateutil import parser as dateparser
from pydantic import BaseModel, Field

from services.ingest.neardup import simhash
from services.ingest.normalize import article_id_for, canonical_url, clean_text, strip_boilerplate
from services.ingest.pages import extract_page
from services.ingest.seen import SeenStore
from shared.metrics import ARTICLES_INGESTED
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


class Publisher(Protocol):
    def publish(self, article: Article) -> None: ...


class Ingestor:
    def __init__(self, publisher: Publisher, seen: SeenStore, *, max_bytes: int = 1_000_000) -> None:
        self.publisher = publisher
        self.seen = seen
        self.max_bytes = max_bytes

    def normalise(self, item: ArticleIn) -> Article:
        raw = item.body if item.body is not None else item.html
        if raw is None or not raw.strip():
            raise IngestError("empty_body", "the article has no body or html text")
        if len(raw.encode("utf-8", "surrogatepass")) > self.max_bytes:
            raise IngestError("too_large", f"article exceeds {self.max_bytes} bytes", status=413)
        if "\x00" in raw:
            raise IngestError("binary", "the body contains NUL bytes: binary data is not an article")
        title, published_text = item.title, item.published_at
        if item.body is None and item.html is not None:
            page = extract_page(item.html, item.url)
            if page is None:
                raise IngestError("no_article_text", "the HTML page has no article text")
            text = page.text
            title = title or page.title or ""
            published_text = published_text or page.date
        else:
            text = raw
        body, removed = strip_boilerplate(clean_text(text))
        if not body:
            raise IngestError("no_text", "no article text left after normalisation")
        title = clean_text(title)
        published = _parse_date(published_text)
        url = canonical_url(item.url) if item.url else None
        return Article(
            article_id=article_id_for(url, title, body),
            title=title,
            body=body,
            url=url,
            source=item.source,
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
        if self.seen.contains(article.article_id):
            ARTICLES_INGESTED.labels(channel, "duplicate").inc()
            return article, False
        # Syndicated copies are kept as sources but marked, so they never count as independent corroboration.
        fingerprint = simhash(article.title + "\n" + article.body)
        original = self.seen.near_duplicate(fingerprint)
        if original is not None:
            article = article.model_copy(update={"duplicate_of": original})
        self.publisher.publish(article)
        # Recorded only after the broker acked: a crash in between re-publishes (same key), never drops.
        self.seen.add(article.article_id, fingerprint)
        ARTICLES_INGESTED.labels(channel, "syndicated" if original else "published").inc()
        return article, True


def _parse_date(value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = dateparser.parse(value)
    except (ValueError, OverflowError) as exc:
        raise IngestError("bad_date", f"cannot parse published_at {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def detect_language(text: str) -> str:
    """ISO 639-1 code; English when the text is too short to tell."""
    if len(text) < 40:
        return "en"
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # deterministic answers
    try:
        return str(detect(text))
    except LangDetectException:
        return "en"
