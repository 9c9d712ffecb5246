"""The merge Faust app: candidates from the extract stage -> merged events on events.strike and
events.statement, across sources.

State lives here, so Faust does too: each table is changelog-backed and co-partitioned with its
candidates' topic, so it moves with its partitions and survives restarts.
- ``merge_candidates`` reads strike candidates (keyed by block: actor + strike class) and folds them into
  the ``strike-merge`` table, publishing a new version when sources grow. A candidate folded into an
  earlier event is listed in its ``merged_ids``, so a statement's ids still lead to it (the API resolves
  them; see services/api/store.py).
- ``merge_statements`` does the same for statements in the ``statement-merge`` table: one quote carried
  by two outlets is one statement with two sources.
Both tables hold rows of one block and one day (services/extract/merge_state.py), so a report reads the
three rows of its day and the days beside it, not its block's whole history. Each event is published
and acknowledged before its row is saved and its input acked: a crash in between re-publishes the same
version, and the ids make that a duplicate downstream, never a loss.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import faust

from services.extract.merge import Block, block_key
from services.extract.merge_state import DayRows
from services.extract.stage import MERGE_PARTITIONS, SOURCE, candidate_topics
from services.extract.statements import StatementBlock, statement_block_key
from services.merge.settings import MergeSettings
from shared.deadletter import DeadLetters
from shared.faust_support import make_app, send_and_wait, send_outgoing
from shared.kafka_admin import InternalTopic
from shared.messages import DecodeError, decode, encode
from shared.metrics import END_TO_END_LATENCY, EVENTS_EMITTED, STRIKES, BoundedLabel
from shared.schemas import StatementEvent, StrikeEvent
from shared.schemas.events import theater_of
from shared.topics import EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames

log = logging.getLogger(__name__)
theater_label, actor_label = BoundedLabel(300), BoundedLabel(200)  # ~ countries; actors seen per process


def internal_topics(settings: MergeSettings) -> list[InternalTopic]:
    """The candidates' topics and the tables' changelogs, sized to match each other."""
    strikes, statements = candidate_topics(TopicNames(settings.topic_prefix).prefix)
    changelog = f"{settings.group_prefix}-merge-{{}}-changelog"
    return [
        InternalTopic(strikes, MERGE_PARTITIONS),
        InternalTopic(changelog.format("strike-merge"), MERGE_PARTITIONS, compacted=True),
        InternalTopic(statements, MERGE_PARTITIONS),
        InternalTopic(changelog.format("statement-merge"), MERGE_PARTITIONS, compacted=True),
    ]


def build_app(settings: MergeSettings) -> faust.App:
    names = TopicNames(settings.topic_prefix)
    app = make_app(
        settings, "merge", web_host=settings.merge_http_host, web_port=settings.merge_http_port,
        data_dir=settings.merge_data_dir,
    )  # fmt: skip
    dead = DeadLetters("merge", names.deadletter, max_consecutive=settings.deadletter_max_consecutive)
    strike_name, statement_name = candidate_topics(names.prefix)
    candidates_topic = app.topic(strike_name, partitions=MERGE_PARTITIONS, internal=True)
    statement_candidates_topic = app.topic(statement_name, partitions=MERGE_PARTITIONS, internal=True)
    merge_table = app.Table("strike-merge", default=None, partitions=MERGE_PARTITIONS)
    statement_table = app.Table("statement-merge", default=None, partitions=MERGE_PARTITIONS)
    # Rows of one block and one day (services/extract/merge_state.py): a report reads three small rows.
    strike_rows = DayRows(merge_table, StrikeEvent.model_validate_json, lambda e: [e.event_id, *e.merged_ids])
    statement_rows = DayRows(statement_table, StatementEvent.model_validate_json, lambda e: [e.event_id])

    @app.agent(candidates_topic, name="merge-candidates")
    async def merge_candidates(stream: Any) -> None:
        async for event in stream.events():
            try:
                candidate = decode(StrikeEvent, event.message.value)
            except DecodeError as exc:
                await send_outgoing(app, dead.of_record(event.message, exc.reason, exc.detail))
                continue
            dead.passed()
            fold = strike_rows.fold(block_key(candidate), candidate, Block)
            if fold is None:
                continue  # a re-delivery, or a sentence of an article already merged in: nothing new
            merged = fold.event
            enc = encode(EVENTS_STRIKE, merged, source=SOURCE)
            # Publish before recording: a crash in between re-publishes the same version, never loses it.
            await send_and_wait(app, names.events_strike, merged.event_id, enc.value, enc.headers)
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
                await send_outgoing(app, dead.of_record(event.message, exc.reason, exc.detail))
                continue
            dead.passed()
            fold = statement_rows.fold(statement_block_key(candidate), candidate, StatementBlock)
            if fold is None:
                continue  # a re-delivery: nothing new
            enc = encode(EVENTS_STATEMENT, fold.event, source=SOURCE)
            await send_and_wait(app, names.events_statement, fold.event.event_id, enc.value, enc.headers)
            fold.save()
            EVENTS_EMITTED.labels("statement", "").inc()
            _observe_latency(fold.event.ingested_at)

    return app


def _observe_latency(ingested_at: datetime | None) -> None:
    if ingested_at is not None:
        END_TO_END_LATENCY.labels("event_published").observe(
            max(0.0, time.time() - ingested_at.astimezone(UTC).timestamp())
        )
