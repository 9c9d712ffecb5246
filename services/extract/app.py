"""The extract Faust app: articles.raw -> (extraction in a process pool) -> merge by event_id -> events.*.

Two agents, because merge state must be co-partitioned with its key:
- ``extract_articles`` reads articles (keyed by article_id), extracts, and re-keys strike candidates by
  merge block onto the internal ``extract.candidates`` topic, and statements (naming their article's
  strike candidates in ``related_event_ids``) by speaker and type onto ``extract.statement-candidates``.
- ``merge_candidates`` reads strike candidates (keyed by block: actor + strike class) and folds them into the
  ``strike-merge`` table (changelog-backed, so merges survive restarts), publishing a new version when sources grow.
  A candidate folded into an earlier event is listed in its ``merged_ids``, so a statement's ids still
  lead to it (the API resolves them; see services/api/store.py).
- ``merge_statements`` does the same for statements in the ``statement-merge`` table: one quote carried
  by two outlets is one statement with two sources.
Both tables hold rows of one block and one day (services/extract/merge_state.py), so a report reads the
three rows of its day and the days beside it, not its block's whole history.
Batches are acked only after every output is acknowledged by the broker (at-least-once); ids are
stable, so a re-delivered article yields the same events and no new version.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

import faust

from services.extract.merge import Block, block_key
from services.extract.merge_state import DayRows
from services.extract.pool import ExtractionPool, ExtractionTimeout
from services.extract.settings import ExtractSettings
from services.extract.statements import StatementBlock, statement_block_key
from services.extract.text import cut_body
from shared.faust_support import (
    DeadLetterPublisher,
    ack_only_processed,
    make_app,
    mark_processed,
    send_and_wait,
    working,
)
from shared.kafka_admin import InternalTopic
from shared.messages import DecodeError, decode, encode
from shared.metrics import (
    ARTICLES_CUT,
    ARTICLES_SKIPPED,
    END_TO_END_LATENCY,
    EVENTS_EMITTED,
    EXTRACTION_SECONDS,
    STRIKES,
    BoundedLabel,
)
from shared.schemas import Article, StatementEvent, StrikeEvent
from shared.schemas.events import theater_of
from shared.topics import ARTICLES_RAW, EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/extract"
MERGE_PARTITIONS = EVENTS_STRIKE.partitions
theater_label, actor_label = BoundedLabel(300), BoundedLabel(200)  # ~ countries; actors seen per process


def internal_topics(settings: ExtractSettings) -> list[InternalTopic]:
    """The repartition topic and the merge table's changelog, sized to match each other."""
    names = TopicNames(settings.topic_prefix)
    return [
        InternalTopic(f"{names.prefix}extract.candidates", MERGE_PARTITIONS),
        InternalTopic(
            f"{settings.group_prefix}-extract-strike-merge-changelog", MERGE_PARTITIONS, compacted=True
        ),
        InternalTopic(f"{names.prefix}extract.statement-candidates", MERGE_PARTITIONS),
        InternalTopic(
            f"{settings.group_prefix}-extract-statement-merge-changelog", MERGE_PARTITIONS, compacted=True
        ),
    ]


def build_app(settings: ExtractSettings, pool: ExtractionPool) -> faust.App:
    names = TopicNames(settings.topic_prefix)
    app = make_app(
        settings,
        "extract",
        web_host=settings.extract_http_host,
        web_port=settings.extract_http_port,
        data_dir=settings.extract_data_dir,
    )
    dead = DeadLetterPublisher(app, names, "extract")
    ack_only_processed({names.articles_raw})
    articles_topic = app.topic(names.articles_raw, partitions=ARTICLES_RAW.partitions)
    candidates_topic = app.topic(
        f"{names.prefix}extract.candidates", partitions=MERGE_PARTITIONS, internal=True
    )
    merge_table = app.Table("strike-merge", default=None, partitions=MERGE_PARTITIONS)
    statement_candidates_topic = app.topic(
        f"{names.prefix}extract.statement-candidates", partitions=MERGE_PARTITIONS, internal=True
    )
    statement_table = app.Table("statement-merge", default=None, partitions=MERGE_PARTITIONS)
    # Rows of one block and one day (services/extract/merge_state.py): a report reads three small rows.
    strike_rows = DayRows(merge_table, StrikeEvent.model_validate_json, lambda e: [e.event_id, *e.merged_ids])
    statement_rows = DayRows(statement_table, StatementEvent.model_validate_json, lambda e: [e.event_id])

    async def publish(topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await send_and_wait(app, topic, key, value, headers)

    async def accept(event: Any) -> Article | None:
        value = event.message.value
        if value is not None and len(value) > settings.extract_max_article_bytes:
            await dead.send("too_large", f"{len(value)} bytes > {settings.extract_max_article_bytes}", event)
            return None
        try:
            article = decode(Article, value)
        except DecodeError as exc:
            await dead.send(exc.reason, exc.detail, event)
            return None
        sentences = count_sentence_ends(article.body)
        if sentences > settings.extract_max_sentences:
            await dead.send(
                "too_many_sentences", f"{sentences} sentences > {settings.extract_max_sentences}", event
            )
            return None
        if article.language != "en":
            ARTICLES_SKIPPED.labels("unsupported_language").inc()
            return None
        if len(article.body) > settings.extract_max_chars:
            # Bounds the article's cost; a prefix keeps every evidence offset valid.
            body = cut_body(article.body, settings.extract_max_chars)
            log.warning(
                "article %s cut from %d to %d characters", article.article_id, len(article.body), len(body)
            )
            ARTICLES_CUT.inc()
            article = article.model_copy(update={"body": body})
        return article

    async def extract_batch(articles: list[Article], events: list[Any]) -> list[Any]:
        """Extract a batch; if the batch fails or overruns its time budget, retry one by one and
        dead-letter the culprits (an article over the budget alone: ``too_expensive``)."""
        try:
            results, per_article = await pool.extract(articles)
            EXTRACTION_SECONDS.observe(per_article)
            return results
        except ExtractionTimeout:
            if len(articles) == 1:
                await dead.send("too_expensive", too_expensive(articles[0]), events[0])
                return []
            log.warning(
                "batch of %d articles over its time budget; retrying article by article", len(articles)
            )
        except Exception:
            log.exception("batch extraction failed; retrying article by article")
        results = []
        for article, event in zip(articles, events, strict=True):
            try:
                one, _ = await pool.extract([article])
                results.extend(one)
            except ExtractionTimeout:
                await dead.send("too_expensive", too_expensive(article), event)
            except Exception as exc:
                await dead.send("extraction_error", repr(exc), event)
        return results

    def too_expensive(article: Article) -> str:
        return f"extraction of {len(article.body)} characters took over {settings.extract_timeout_s} s"

    async def publish_results(results: list[Any]) -> None:
        for result in results:
            for strike in result.strikes:
                enc = encode(EVENTS_STRIKE, strike, source=SOURCE)
                # Re-keyed by block, so every candidate that could merge meets the same table partition.
                await publish(candidates_topic.get_topic_name(), block_key(strike), enc.value, enc.headers)
            for statement in result.statements:
                enc = encode(EVENTS_STATEMENT, statement, source=SOURCE)
                key = statement_block_key(statement)
                await publish(statement_candidates_topic.get_topic_name(), key, enc.value, enc.headers)

    @app.agent(articles_topic, name="extract-articles")
    async def extract_articles(stream: Any) -> None:
        async for batch in stream.take_events(
            settings.extract_batch_size, within=settings.extract_batch_within_s
        ):
            articles, events = [], []
            for event in batch:
                article = await accept(event)
                if article is not None:
                    articles.append(article)
                    events.append(event)
            if articles:
                # The batch, then each article alone, and a pool replacement after each overrun: bounded.
                with working(app, 2 * settings.extract_timeout_s * (len(articles) + 1) + 60):
                    await publish_results(await extract_batch(articles, events))
            mark_processed(batch)  # only these may be acked (see ack_only_processed)

    @app.agent(candidates_topic, name="merge-candidates")
    async def merge_candidates(stream: Any) -> None:
        async for event in stream.events():
            try:
                candidate = decode(StrikeEvent, event.message.value)
            except DecodeError as exc:
                await dead.send(exc.reason, exc.detail, event)
                continue
            fold = strike_rows.fold(block_key(candidate), candidate, Block)
            if fold is None:
                continue  # a re-delivery, or a sentence of an article already merged in: nothing new
            merged = fold.event
            enc = encode(EVENTS_STRIKE, merged, source=SOURCE)
            # Publish before recording: a crash in between re-publishes the same version, never loses it.
            await publish(names.events_strike, merged.event_id, enc.value, enc.headers)
            fold.save()
            EVENTS_EMITTED.labels("strike", merged.strike_type.value).inc()
            if merged.version == 1:
                STRIKES.labels(
                    theater_label(theater_of(merged)),
                    actor_label(merged.actor.name if merged.actor else None),
                ).inc()
            _observe_latency(merged.ingested_at)

    @app.agent(statement_candidates_topic, name="merge-statements")
    async def merge_statements(stream: Any) -> None:
        async for event in stream.events():
            try:
                candidate = decode(StatementEvent, event.message.value)
            except DecodeError as exc:
                await dead.send(exc.reason, exc.detail, event)
                continue
            fold = statement_rows.fold(statement_block_key(candidate), candidate, StatementBlock)
            if fold is None:
                continue  # a re-delivery: nothing new
            enc = encode(EVENTS_STATEMENT, fold.event, source=SOURCE)
            await publish(names.events_statement, fold.event.event_id, enc.value, enc.headers)
            fold.save()
            merged = fold.event
            EVENTS_EMITTED.labels("statement", "").inc()
            _observe_latency(merged.ingested_at)

    return app


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def count_sentence_ends(text: str) -> int:
    """A cheap upper bound on the sentence count, checked before an article reaches spaCy."""
    return len(_SENTENCE_END.findall(text))


def _observe_latency(ingested_at: datetime | None) -> None:
    if ingested_at is not None:
        END_TO_END_LATENCY.labels("event_published").observe(
            max(0.0, time.time() - ingested_at.astimezone(UTC).timestamp())
        )
