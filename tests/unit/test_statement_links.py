"""Statements and strikes linked (issue #14, item 3): a statement's ``related_event_ids`` lead to the
strike events as merged. Merging keeps the ids of the reports it folds in (``merged_ids``); the API's
store resolves statements through them (``resolve_related``), whichever arrived first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.api.store import _aliases_of, resolve_related
from services.extract.merge import Block, block_key, merge_strikes
from services.extract.nlp import default_extractor
from shared.schemas import Article, StatementEvent, StrikeEvent

# Two outlets report the Caspian Sea launch of 7 October 2015; the second adds a Turkish criticism in
# the sentence that reports the strike (the extractor links a statement to the strikes of its sentence).
PUBLISHED = datetime(2015, 10, 7, 12, tzinfo=UTC)
FIRST_REPORT = (
    "Russian warships in the Caspian Sea fired 26 cruise missiles at targets in Syria on Wednesday, "
    "the Russian defence ministry said."
)
SECOND_REPORT = (
    "Russian warships in the Caspian Sea fired 26 cruise missiles at targets in Syria on Wednesday "
    "in what Turkish Prime Minister Ahmet Davutoglu called a grave mistake."
)


def article(aid: str, body: str, source: str) -> Article:
    return Article(
        article_id=aid, title="", body=body, source=source, published_at=PUBLISHED, ingested_at=PUBLISHED
    )


def report(eid: str, article_id: str, *, place: str | None = None, **update: Any) -> StrikeEvent:
    sentence = "Russian jets struck the town."
    return StrikeEvent(
        event_id=eid,
        strike_type="air_strike",
        actor={"name": "Russia", "kind": "state_military", "country": "RU"},
        locations=[{"name": place, "matched_text": place, "country_code": "SY", "geo_precision": 1}]
        if place
        else [],
        occurred_on=date(2015, 10, 7),
        time_precision="day",
        evidence=[
            {"article_id": article_id, "sentence": sentence, "char_start": 0, "char_end": len(sentence)}
        ],
        sources=[{"article_id": article_id, "source": f"outlet of {article_id}"}],
        **update,
    )


# -- merging keeps the ids it folds in ---------------------------------------------------------------------
def test_a_merge_across_articles_keeps_the_later_reports_ids() -> None:
    block = Block()
    first, _ = block.add(report("stk_a", "a1"))
    merged, grew = block.add(report("stk_b", "a2"))
    assert grew and merged.event_id == first.event_id == "stk_a"
    assert merged.merged_ids == ["stk_b"]
    merged, grew = block.add(report("stk_c", "a3", merged_ids=["stk_d"]))
    assert merged.event_id == "stk_a" and merged.merged_ids == ["stk_b", "stk_c", "stk_d"]
    assert merged.version == 3


def test_a_re_delivered_first_report_adds_no_id() -> None:
    block = Block()
    block.add(report("stk_a", "a1"))
    block.add(report("stk_b", "a2"))
    merged, grew = block.add(report("stk_a", "a1"))
    assert not grew and merged.merged_ids == ["stk_b"] and merged.version == 2


def test_sentences_of_one_article_keep_no_ids() -> None:
    """Within an article (bump=False) a sentence's report is never published: nothing to keep."""
    merged = merge_strikes(report("stk_a", "a1"), report("stk_s2", "a1"), bump=False)
    assert merged.merged_ids == [] and merged.version == 1


def test_a_re_delivered_report_joins_the_event_holding_its_id() -> None:
    """Redelivery after other merges: the report goes back to the event that listed it, not to the
    first event it happens to be compatible with, so the API's alias never changes."""
    ftireh = report("stk_f", "a1", place="Ftireh")
    kafr_amma = report("stk_k", "a2", place="Kafr Amma", merged_ids=["stk_x"])
    kafr_amma = kafr_amma.model_copy(
        update={"sources": [*kafr_amma.sources, *report("stk_x", "a3").sources], "version": 2}
    )
    block = Block([ftireh, kafr_amma])
    again = report("stk_x", "a3")  # no place: compatible with both events
    merged, grew = block.add(again)
    assert merged.event_id == "stk_k" and not grew
    assert block.events[0] == ftireh and merged.merged_ids == ["stk_x"]


# -- the store resolves statements through the aliases ------------------------------------------------------
def test_resolve_related_maps_merged_report_ids_in_order_without_repeats() -> None:
    doc = {"event_type": "statement", "related_event_ids": ["stk_b", "stk_z", "stk_a", "stk_c"]}
    aliases = {"stk_b": "stk_a", "stk_c": "stk_a"}
    assert resolve_related(doc, aliases)["related_event_ids"] == ["stk_a", "stk_z"]
    assert doc["related_event_ids"] == ["stk_b", "stk_z", "stk_a", "stk_c"], "the stored document is kept"
    unchanged = {"event_type": "statement", "related_event_ids": ["stk_a"]}
    assert resolve_related(unchanged, aliases) is unchanged
    strike = {"event_type": "strike", "event_id": "stk_a", "merged_ids": ["stk_b"]}
    assert resolve_related(strike, aliases) is strike


def test_aliases_come_from_strikes_only_and_fit_the_id_column() -> None:
    strike = report("stk_a", "a1", merged_ids=["stk_b", "stk_a", "x" * 65])
    statement = StatementEvent(
        event_id="stm_1", speaker={"name": "X"}, content="c", related_event_ids=["stk_b"]
    )
    assert _aliases_of([strike, statement]) == {"stk_b": "stk_a"}


# -- the extractor's output, merged as the service merges it ------------------------------------------------
@pytest.fixture(scope="module")
def extractor():
    return default_extractor()


def test_the_service_merge_keeps_the_statements_link_to_the_published_strike(extractor) -> None:
    """The merge agent's steps without the broker: candidates folded in arrival order (the first
    outlet's first), the statement published as extracted, resolved through the merged event."""
    first, second = extractor.extract(
        [article("a1", FIRST_REPORT, "Interfax"), article("a2", SECOND_REPORT, "Hurriyet")]
    )
    (statement,) = second.statements
    assert statement.speaker.name == "Ahmet Davutoglu" and statement.statement_type.value == "criticism"
    assert statement.related_event_ids == [s.event_id for s in second.strikes]

    blocks: dict[str, Block] = {}
    published: dict[str, StrikeEvent] = {}
    for candidate in [*first.strikes, *second.strikes]:
        merged, grew = blocks.setdefault(block_key(candidate), Block()).add(candidate)
        if grew:
            published[merged.event_id] = merged
    (event,) = published.values()
    assert {s.source for s in event.sources} == {"Interfax", "Hurriyet"}
    # As published, the statement names the second outlet's own report, which no longer exists ...
    assert not set(statement.related_event_ids) & set(published)
    # ... which the merged event lists, so the link resolves to it.
    doc = statement.model_dump(mode="json")
    resolved = resolve_related(doc, _aliases_of(published.values()))
    assert resolved["related_event_ids"] == [event.event_id]
