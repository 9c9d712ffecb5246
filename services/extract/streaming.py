"""The CLI's merge, incremental: ``warwire extract`` prints an event as soon as no later article can
change it, and ends with exactly the events ``extractor.events_of`` gives for the same articles.

A strike joins an event only within a day of its date (``merge.compatible``), and a statement joins one
only within a day of its date when both are dated (``statements.same_statement``). The CLI reads every
article before it extracts any, and ``Extractor.report_dates`` tells, without a parse, every date each
article's reports can carry. An event whose date no article still to come can come near is closed:
printed and dropped from the merge state. Dropping it changes no later merge, because the merges are
first-fit over the events in order and a closed event can fit nothing still to come.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta

from services.extract import statements as stm
from services.extract.extractor import ExtractionResult
from services.extract.merge import Block, block_key
from shared.schemas import Article, StatementEvent, StrikeEvent

Event = StrikeEvent | StatementEvent
# Both merges accept reports up to this many days apart.
MERGE_SLACK = timedelta(days=1)


class Lookahead:
    """The articles not yet extracted (always the rest of the input, in order): the dates their reports
    can carry, whether any is undated, and their ids (a repeated article re-joins its own events)."""

    def __init__(
        self, articles: Sequence[Article], report_dates: Callable[[Article], set[date] | None]
    ) -> None:
        self._dates = [report_dates(a) for a in articles]
        self._ids = [a.article_id for a in articles]
        self._pending_dates = Counter(d for ds in self._dates for d in ds or ())
        self._pending_ids = Counter(self._ids)
        self._undated = sum(ds is None for ds in self._dates)
        self._next = 0

    def advance(self) -> None:
        """The next article has been extracted."""
        dates = self._dates[self._next]
        if dates is None:
            self._undated -= 1
        else:
            self._pending_dates.subtract(dates)
        self._pending_ids[self._ids[self._next]] -= 1
        self._next += 1

    @property
    def exhausted(self) -> bool:
        return self._next >= len(self._ids)

    def may_date(self, day: date) -> bool:
        """Some article still to come can carry a date within MERGE_SLACK of ``day``."""
        return any(
            self._pending_dates[day + k * timedelta(days=1)] > 0
            for k in range(-MERGE_SLACK.days, MERGE_SLACK.days + 1)
        )

    def any_undated(self) -> bool:
        return self._undated > 0

    def holds(self, article_ids: Iterable[str]) -> bool:
        return any(self._pending_ids[i] > 0 for i in article_ids)


class StreamingMerge:
    """``add`` one article's result at a time, in input order; each call returns the events it closed.
    ``finish`` returns the rest. Together they are ``events_of`` of the same results, as a set."""

    def __init__(self, lookahead: Lookahead) -> None:
        self.lookahead = lookahead
        self.blocks: dict[str, Block] = {}
        self.statements = stm.StatementBlock()  # one block: the CLI merges statements over the whole input

    def add(self, result: ExtractionResult) -> list[Event]:
        aliases: dict[str, str] = {}  # candidate strike id -> the event it was merged into (final at once)
        for s in result.strikes:
            merged, _ = self.blocks.setdefault(block_key(s), Block()).add(s)
            aliases[s.event_id] = merged.event_id
        for statement in result.statements:
            self.statements.add(stm.remap_related(statement, aliases))
        self.lookahead.advance()
        return self._close()

    def finish(self) -> list[Event]:
        rest: list[Event] = [e for b in self.blocks.values() for e in b.events]
        rest.extend(self.statements.events)
        self.blocks, self.statements = {}, stm.StatementBlock()
        return rest

    def _close(self) -> list[Event]:
        if self.lookahead.exhausted:
            return self.finish()
        closed: list[Event] = []
        for key, block in list(self.blocks.items()):
            keep: list[StrikeEvent] = []
            for event in block.events:
                (keep if self._strike_open(event) else closed).append(event)
            if keep:
                block.events = keep
            else:
                del self.blocks[key]
        still: list[StatementEvent] = []
        for statement in self.statements.events:
            (still if self._statement_open(statement) else closed).append(statement)
        self.statements.events = still
        return closed

    def _strike_open(self, event: StrikeEvent) -> bool:
        # merge.compatible: both dated, within a day; undated articles' reports carry no date.
        if self.lookahead.holds(s.article_id for s in event.sources):
            return True
        return event.occurred_on is not None and self.lookahead.may_date(event.occurred_on)

    def _statement_open(self, statement: StatementEvent) -> bool:
        # statements.same_statement: dates must agree only when both statements have one.
        if self.lookahead.holds(s.article_id for s in statement.sources):
            return True
        if statement.occurred_on is None or self.lookahead.any_undated():
            return True
        return self.lookahead.may_date(statement.occurred_on)


def stream_events(
    articles: Sequence[Article],
    results: Iterable[ExtractionResult],
    report_dates: Callable[[Article], set[date] | None],
    *,
    merge: bool = True,
) -> Iterator[Event]:
    """The events of ``results`` (one per article of ``articles``, in order), each yielded as soon as it
    is final: with ``merge``, when its merge closes; without, as its article's own events.
    ``report_dates`` is ``Extractor.report_dates`` (the dates an article's reports can carry)."""
    if not merge:
        for result in results:
            yield from result.strikes
            yield from result.statements
        return
    merger = StreamingMerge(Lookahead(articles, report_dates))
    for result in results:
        yield from merger.add(result)
    yield from merger.finish()
