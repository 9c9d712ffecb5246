"""Statements and strikes linked (issue #14, item 3): a statement's ``related_event_ids``, as the API
serves them, are strike events that exist after merging.

- The store (SQLite and PostgreSQL): aliases from ``merged_ids`` resolve statements whichever of the
  statement and the merged strike is stored first, re-deliveries change nothing, and every read path
  (pages, one event, the live feed's changes) serves the resolved ids.
- The pipeline over the real broker: extract and api as processes; two outlets report one strike, the
  second with a statement about it; the statement's ids are followed to strike events in the API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.api.store import EventFilters, Store
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Article, StatementEvent, StrikeEvent
from shared.topics import ARTICLES_RAW, TopicNames
from tests.conftest import api_all, consume_all, make_producer, make_stack, wait_for
from tests.unit.test_statement_links import FIRST_REPORT, PUBLISHED, SECOND_REPORT

pytestmark = pytest.mark.integration
on_session_loop = pytest.mark.asyncio(loop_scope="session")


def strike(eid: str, *, version: int = 1, merged_ids: tuple[str, ...] = ()) -> StrikeEvent:
    return StrikeEvent(
        event_id=eid, version=version, strike_type="missile_strike", occurred_on=date(2015, 10, 7),
        actor={"name": "Russia", "kind": "state_military"}, merged_ids=list(merged_ids),
        sources=[{"article_id": f"{eid}-a{v}", "source": f"Outlet {v}"} for v in range(version)],
    )  # fmt: skip


def statement(eid: str, related: list[str]) -> StatementEvent:
    return StatementEvent(
        event_id=eid, speaker={"name": "Ahmet Davutoglu", "affiliation": "Turkey"}, statement_type="criticism",
        content="a grave mistake", related_event_ids=related, occurred_on=date(2015, 10, 7),
    )  # fmt: skip


async def served(store: Store, event_id: str) -> dict[str, Any]:
    """The statement as every read path serves it; they must agree."""
    page = await store.list_events(EventFilters(type="statement"), limit=100)
    (listed,) = [e for e in page.items if e["event_id"] == event_id]
    one = await store.get_event(event_id)
    changed = [c.doc for c in await store.changes_since(0) if c.doc.get("event_id") == event_id]
    assert one is not None and changed
    assert listed["related_event_ids"] == one["related_event_ids"] == changed[-1]["related_event_ids"]
    return listed


@on_session_loop
@pytest.mark.parametrize("statement_first", [True, False], ids=["statement-first", "strike-first"])
async def test_statement_ids_resolve_to_the_merged_strike_in_either_order(
    store: Store, statement_first: bool
) -> None:
    # The first outlet's report fixed stk_a; the second outlet's report stk_b merged into it (version 2),
    # and the second outlet's statement names stk_b, as extract publishes it.
    first, merged = strike("stk_a"), strike("stk_a", version=2, merged_ids=("stk_b",))
    said = statement("stm_1", ["stk_b", "stk_other"])
    if statement_first:
        await store.upsert_events([first, said])
        assert (await served(store, "stm_1"))["related_event_ids"] == ["stk_b", "stk_other"]  # not yet merged
        await store.upsert_events([merged])
    else:
        for event in (first, merged, said):
            await store.upsert_events([event])
    assert (await served(store, "stm_1"))["related_event_ids"] == ["stk_a", "stk_other"]

    # Re-deliveries write nothing and change no link; a later claim on the same report id loses.
    assert await store.upsert_events([first, merged, said]) == 0
    assert await store.upsert_events([strike("stk_c", merged_ids=("stk_b",))]) == 1
    assert (await served(store, "stm_1"))["related_event_ids"] == ["stk_a", "stk_other"]

    # The merged report's id still finds its event; an id never seen is a 404.
    via_alias = await store.get_event("stk_b")
    assert via_alias is not None and via_alias["event_id"] == "stk_a" and via_alias["version"] == 2
    assert [h["version"] for h in via_alias["history"]] == [1, 2]
    assert await store.get_event("stk_other") is None


@on_session_loop
async def test_many_statements_and_aliases_in_one_batch(store: Store) -> None:
    """More ids than one IN (...) holds: the lookups are chunked."""
    merged_ids = tuple(f"stk_r{i:05d}" for i in range(2500))
    await store.upsert_events([strike("stk_big", version=2, merged_ids=merged_ids)])
    await store.upsert_events([statement(f"stm_{i}", [merged_ids[i * 5]]) for i in range(500)])
    page = await store.list_events(EventFilters(type="statement"), limit=500)
    assert len(page.items) == 500
    assert {i for e in page.items for i in e["related_event_ids"]} == {"stk_big"}


# -- the pipeline --------------------------------------------------------------------------------------------
def _article(aid: str, body: str, source: str) -> Article:
    return Article(
        article_id=aid,
        title="",
        body=body,
        source=source,
        published_at=PUBLISHED,
        ingested_at=datetime.now(UTC),
    )


def test_statement_related_ids_lead_to_strike_events_in_the_api(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    stack = make_stack(kafka_bootstrap, unique, tmp_path)
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    producer = make_producer(kafka_bootstrap)

    def send(article: Article) -> None:
        enc = encode(ARTICLES_RAW, article, source="/test")
        producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)

    def strikes() -> list[dict[str, Any]]:
        return api_all(api, type="strike")

    stack.start(("extract", "merge", "api"))
    try:
        stack.wait_healthy(timeout=180, services=("extract", "merge", "api"))
        api = stack.url("api")
        # The first outlet's report is merged first, so it fixes the event id; the second outlet's report
        # (the one its statement names) is folded into it and its own id disappears.
        send(_article("caspian-1", FIRST_REPORT, "Interfax"))
        (first,) = wait_for(strikes, 120, "the first outlet's strike in the API")
        send(_article("caspian-2", SECOND_REPORT, "Hurriyet"))

        def merged_and_said() -> tuple[dict[str, Any], dict[str, Any]] | None:
            merged = [e for e in strikes() if len(e["sources"]) == 2]
            said = api_all(api, type="statement")
            return (merged[0], said[0]) if merged and said else None

        merged, said = wait_for(merged_and_said, 120, "the merged strike and the statement in the API")
        assert merged["event_id"] == first["event_id"] and merged["version"] == 2
        assert said["speaker"]["name"] == "Ahmet Davutoglu"
        assert said["statement_type"] == "criticism"

        # Follow the statement's links: each is a strike event the API holds, under that very id.
        strike_ids = {e["event_id"] for e in strikes()}
        detail = httpx.get(f"{api}/v1/events/{said['event_id']}", timeout=10).json()
        assert detail["related_event_ids"] == said["related_event_ids"] == [merged["event_id"]]
        for event_id in said["related_event_ids"]:
            assert event_id in strike_ids
            r = httpx.get(f"{api}/v1/events/{event_id}", timeout=10)
            assert r.status_code == 200, r.text
            event = r.json()
            assert event["event_type"] == "strike" and event["event_id"] == event_id
            assert {s["source"] for s in event["sources"]} == {"Interfax", "Hurriyet"}

        # What extract published names the second outlet's own report, which is no strike event in the
        # API (served as is, the link above would fail); the merged event lists it.
        (raw,) = [
            decode(StatementEvent, r.value)
            for r in consume_all(kafka_bootstrap, names.events_statement, expect=1, timeout=30)
        ]
        assert raw.related_event_ids and not set(raw.related_event_ids) & strike_ids
        assert set(raw.related_event_ids) <= set(merged["merged_ids"])
        for report_id in raw.related_event_ids:  # an id held from the topic or the live feed still resolves
            r = httpx.get(f"{api}/v1/events/{report_id}", timeout=10)
            assert r.status_code == 200 and r.json()["event_id"] == merged["event_id"]
    finally:
        producer.close(timeout=30)
        codes = stack.stop()
    assert set(codes.values()) == {0}, codes
