"""The merge stages' state in rows of one block and one day (services/extract/merge_state.py), over a
dict as the store: what the Faust table holds in the service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.extract.merge import Block
from services.extract.merge_state import DayRows
from shared.schemas import ActorRef, Place, SourceRef, StrikeEvent

DAY = date(2026, 3, 4)


def strike(eid: str, day: date | None, place: str, source: str = "One") -> StrikeEvent:
    return StrikeEvent(
        event_id=eid,
        strike_type="air_strike",
        actor=ActorRef(name="Russia"),
        occurred_on=day,
        locations=[Place(name=place, matched_text=place, country_code="SY")],
        sources=[SourceRef(article_id=f"art-{eid}", source=source)],
    )


def rows(store: dict[str, Any], **kw: Any) -> DayRows[StrikeEvent]:
    return DayRows(store, StrikeEvent.model_validate_json, lambda e: [e.event_id, *e.merged_ids], **kw)


def fold(state: DayRows[StrikeEvent], candidate: StrikeEvent) -> StrikeEvent | None:
    done = state.fold("Russia|air_strike", candidate, Block)
    if done is None:
        return None
    done.save()
    return done.event


def test_a_report_of_the_next_day_merges_with_the_event_in_the_row_before() -> None:
    store: dict[str, Any] = {}
    state = rows(store)
    first = fold(state, strike("a", DAY, "Saraqib"))
    second = fold(state, strike("b", DAY + timedelta(days=1), "Saraqib", source="Two"))
    assert first is not None and second is not None
    assert second.event_id == first.event_id and second.version == 2
    assert fold(state, strike("b", DAY + timedelta(days=1), "Saraqib", source="Two")) is None  # re-delivery


def test_one_row_per_day_and_a_report_reads_three_of_them() -> None:
    store: dict[str, Any] = {}
    state = rows(store)
    for d in range(30):
        fold(state, strike(f"e{d}", DAY + timedelta(days=d), f"Town {d}"))
    day_rows = [k for k in store if not k.endswith("|days")]
    assert len(day_rows) == 30
    assert all(len(store[k]["events"]) == 1 for k in day_rows)
    loaded = state.load("Russia|air_strike", DAY + timedelta(days=10))
    assert sorted(e.event_id for e in loaded.events) == ["e10", "e11", "e9"]


def test_rows_older_than_the_retention_window_are_deleted() -> None:
    store: dict[str, Any] = {}
    state = rows(store, retain_days=5)
    for d in range(12):
        fold(state, strike(f"e{d}", DAY + timedelta(days=d), f"Town {d}"))
    kept = sorted(k.rsplit("|", 1)[1] for k in store if not k.endswith(("|days", "|gone")))
    assert kept == [(DAY + timedelta(days=d)).isoformat() for d in range(6, 12)]
    assert store["Russia|air_strike|days"] == kept


def test_a_report_whose_row_fell_out_of_the_window_is_never_published_again_as_new() -> None:
    """What extraction re-delivers after a crash: candidates of work it had not committed, by then
    maybe older than the window of a block that has since reported a later day."""
    store: dict[str, Any] = {}
    state = rows(store, retain_days=5, evicted_max=3)
    assert fold(state, strike("old", DAY, "Saraqib")) is not None
    assert fold(state, strike("new", DAY + timedelta(days=30), "Homs")) is not None
    assert f"Russia|air_strike|{DAY}" not in store  # the old day's row is gone: state stays bounded
    assert fold(state, strike("old", DAY, "Saraqib")) is None  # re-delivered: not a new event
    for k in range(4):  # the ids kept of gone rows are bounded too
        fold(state, strike(f"x{k}", DAY - timedelta(days=k + 1), f"Town {k}"))
    assert sorted(store["Russia|air_strike|gone"]) == ["x1", "x2", "x3"]


def test_an_event_evicted_from_a_full_row_is_never_published_again_as_new() -> None:
    store: dict[str, Any] = {}
    state = rows(store, row_max=3)
    for k in range(5):
        assert fold(state, strike(f"e{k}", DAY, f"Town {k}")) is not None
    row = store[f"Russia|air_strike|{DAY.isoformat()}"]
    assert len(row["events"]) == 3 and set(row["evicted"]) == {"e0", "e1"}
    assert fold(state, strike("e0", DAY, "Town 0")) is None  # re-delivered after eviction
    assert fold(state, strike("e5", DAY, "Town 5")) is not None


def test_undated_reports_keep_a_row_of_their_own() -> None:
    store: dict[str, Any] = {}
    state = rows(store)
    assert fold(state, strike("u1", None, "Idlib")) is not None
    assert fold(state, strike("u1", None, "Idlib")) is None  # a re-delivery still finds it
    assert "Russia|air_strike|undated" in store


def test_a_fold_saves_what_it_changed_and_keeps_the_stored_text_of_the_rest() -> None:
    store: dict[str, Any] = {}
    state = rows(store)
    fold(state, strike("a", DAY, "Saraqib"))
    fold(state, strike("c", DAY, "Homs"))
    homs_text = next(t for t in store[f"Russia|air_strike|{DAY}"]["events"] if "Homs" in t)
    # A second source for the Saraqib event: unchanged events are saved as the text they were read
    # from, so this fails if the text read for the event merged into were saved instead of its new one.
    merged = fold(state, strike("b", DAY, "Saraqib", source="Two"))
    assert merged is not None and merged.version == 2
    texts = store[f"Russia|air_strike|{DAY}"]["events"]
    assert homs_text in texts
    saved = [StrikeEvent.model_validate_json(t) for t in texts if "Saraqib" in t]
    assert [(e.version, sorted(s.source for s in e.sources)) for e in saved] == [(2, ["One", "Two"])]
    again = state.load("Russia|air_strike", DAY)
    assert {e.event_id: e.version for e in again.events} == {"a": 2, "c": 1}
