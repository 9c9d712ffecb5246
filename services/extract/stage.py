"""The extract stage: articles.raw -> (extraction in a process pool) -> candidates for the merge stage.

A plain consumer step (shared/stream): each polled batch is checked at the edge (size, JSON, sentence
count, language), extracted in one pool process, and its candidates re-keyed so every report that could
merge meets the same merge-table partition (services/merge):
- strike candidates by merge block (actor and strike class) onto ``extract.candidates``;
- statements (naming their article's strike candidates in ``related_event_ids``) by speaker and type
  onto ``extract.statement-candidates``.
A batch that fails or overruns its time budget is retried article by article; an article that fails
alone is dead-lettered, and the stage goes on.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC
from typing import Any

from services.extract.merge import block_key
from services.extract.pool import ExtractionPool, ExtractionTimeout
from services.extract.settings import ExtractSettings
from services.extract.statements import statement_block_key
from services.extract.text import cut_body
from shared.deadletter import DeadLetters
from shared.kafka_admin import InternalTopic
from shared.messages import DecodeError, Outgoing, decode, encode
from shared.metrics import ARTICLES_CUT, ARTICLES_SKIPPED, END_TO_END_LATENCY, EXTRACTION_SECONDS
from shared.schemas import Article
from shared.topics import EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/extract"
MERGE_PARTITIONS = EVENTS_STRIKE.partitions


def candidate_topics(prefix: str) -> tuple[str, str]:
    """The repartition topics between extract and merge: strike candidates, statement candidates."""
    return f"{prefix}extract.candidates", f"{prefix}extract.statement-candidates"


def internal_topics(settings: ExtractSettings) -> list[InternalTopic]:
    strikes, statements = candidate_topics(TopicNames(settings.topic_prefix).prefix)
    return [InternalTopic(strikes, MERGE_PARTITIONS), InternalTopic(statements, MERGE_PARTITIONS)]


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def count_sentence_ends(text: str) -> int:
    """A cheap upper bound on the sentence count, checked before an article reaches spaCy."""
    return len(_SENTENCE_END.findall(text))


class ExtractStep:
    """Records of articles.raw in, candidates and dead letters out (see the module docstring)."""

    def __init__(self, settings: ExtractSettings, pool: ExtractionPool, dead: DeadLetters) -> None:
        self.settings = settings
        self.pool = pool
        self.dead = dead
        self.strike_topic, self.statement_topic = candidate_topics(TopicNames(settings.topic_prefix).prefix)

    async def __call__(self, records: list[Any]) -> list[Outgoing]:
        out: list[Outgoing] = []
        articles, accepted = [], []
        for rec in records:
            article = self.accept(rec, out)
            if article is not None:
                articles.append(article)
                accepted.append(rec)
        if articles:
            out.extend(self.candidates(await self.extract(articles, accepted, out)))
            now = time.time()
            for article in articles:
                END_TO_END_LATENCY.labels("extracted").observe(
                    max(0.0, now - article.ingested_at.astimezone(UTC).timestamp())
                )
        return out

    def accept(self, rec: Any, out: list[Outgoing]) -> Article | None:
        """The edge: an article worth extracting, or None (dead-lettered into ``out``, or skipped)."""
        s = self.settings
        value = rec.value
        if value is not None and len(value) > s.extract_max_article_bytes:
            out.append(
                self.dead.of_record(rec, "too_large", f"{len(value)} bytes > {s.extract_max_article_bytes}")
            )
            return None
        try:
            article = decode(Article, value)
        except DecodeError as exc:
            out.append(self.dead.of_record(rec, exc.reason, exc.detail))
            return None
        sentences = count_sentence_ends(article.body)
        if sentences > s.extract_max_sentences:
            detail = f"{sentences} sentences > {s.extract_max_sentences}"
            out.append(self.dead.of_record(rec, "too_many_sentences", detail))
            return None
        self.dead.passed()
        if article.language != "en":
            ARTICLES_SKIPPED.labels("unsupported_language").inc()
            return None
        if len(article.body) > s.extract_max_chars:
            # Bounds the article's cost; a prefix keeps every evidence offset valid.
            body = cut_body(article.body, s.extract_max_chars)
            log.warning(
                "article %s cut from %d to %d characters", article.article_id, len(article.body), len(body)
            )
            ARTICLES_CUT.inc()
            article = article.model_copy(update={"body": body})
        return article

    async def extract(self, articles: list[Article], records: list[Any], out: list[Outgoing]) -> list[Any]:
        """The batch in one pool call; if it fails or overruns its budget, article by article, and the
        culprits are dead-lettered (an article over the budget alone: ``too_expensive``)."""
        try:
            results, per_article = await self.pool.extract(articles, split=False)
            EXTRACTION_SECONDS.observe(per_article)
            return results
        except ExtractionTimeout:
            if len(articles) == 1:
                out.append(self.dead.of_record(records[0], "too_expensive", self.too_expensive(articles[0])))
                return []
            log.warning(
                "batch of %d articles over its time budget; retrying article by article", len(articles)
            )
        except Exception:
            log.exception("batch extraction failed; retrying article by article")
        results = []
        for article, rec in zip(articles, records, strict=True):
            try:
                one, _ = await self.pool.extract([article], split=False)
                results.extend(one)
            except ExtractionTimeout:
                out.append(self.dead.of_record(rec, "too_expensive", self.too_expensive(article)))
            except Exception as exc:
                out.append(self.dead.of_record(rec, "extraction_error", repr(exc)))
        return results

    def too_expensive(self, article: Article) -> str:
        return f"extraction of {len(article.body)} characters took over {self.settings.extract_timeout_s} s"

    def candidates(self, results: list[Any]) -> list[Outgoing]:
        out = []
        for result in results:
            for strike in result.strikes:
                enc = encode(EVENTS_STRIKE, strike, source=SOURCE)
                out.append(Outgoing.of(self.strike_topic, enc, key=block_key(strike)))
            for statement in result.statements:
                enc = encode(EVENTS_STATEMENT, statement, source=SOURCE)
                out.append(Outgoing.of(self.statement_topic, enc, key=statement_block_key(statement)))
        return out
