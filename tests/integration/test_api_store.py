"""The API store on SQLite and on a real PostgreSQL: every filter, idempotent upserts, version history,
stable cursor paging, and a restart that continues the write sequence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import pytest

from services.api.store import AlertFilters, BadCursor, BBox, EventFilters, Store, decode_cursor
from shared.messages import decode
from shared.schemas import Alert, StatementEvent, StrikeEvent

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def place(
    name: str, cc: str, lat: float | None, lon: float | None, admin1: str | None = None, prec: int = 1
) -> dict:
    return {"name": name, "matched_text": name, "country_code": cc, "admin1": admin1, "lat": lat, "lon": lon,
            "geo_precision": prec if lat is not None else None}  # fmt: skip


def strike(eid: str, *, version: int = 1, actor: str = "Russia", targets: tuple[str, ...] = (), places: tuple[dict, ...] = (),
           strike_type: str = "air_strike", day: date = date(2015, 10, 7), confidence: float = 0.7,
           sentence: str = "Jets struck the town.") -> StrikeEvent:  # fmt: skip
    return StrikeEvent(
        event_id=eid, version=version, strike_type=strike_type, occurred_on=day, confidence=confidence,
        actor={"name": actor, "kind": "state_military"}, targets=[{"name": t} for t in targets], locations=list(places),
        sources=[{"article_id": f"{eid}-a{v}", "source": f"Outlet {v}"} for v in range(version)],
        evidence=[{"article_id": f"{eid}-a0", "sentence": sentence, "char_start": 0, "char_end": len(sentence)}],
    )  # fmt: skip


HAMA = place("Hama", "SY", 35.13, 36.75, "Hama")
IDLIB = place("Idlib", "SY", 35.93, 36.63, "Idlib")
GAZA = place("Gaza", "PS", 31.5, 34.47, prec=3)
MOSUL = place("Mosul", "IQ", 36.34, 43.13, "Nineveh")
FIJI = place("Suva", "FJ", -18.14, 178.44)
NOWHERE = place("Kafr Nabudah", "SY", None, None)

EVENTS: list[StrikeEvent | StatementEvent] = [
    strike("e1", actor="Russia", targets=("Islamic State",), places=(HAMA,), sentence="Russian warships fired cruise missiles."),
    strike("e2", actor="Israel", places=(GAZA,), strike_type="missile_strike", day=date(2024, 1, 3), confidence=0.9),
    strike("e3", actor="Syrian government forces", places=(IDLIB, NOWHERE), strike_type="ground_assault",
           targets=("rebels",), day=date(2015, 10, 8), confidence=0.4, sentence="Troops stormed the villages."),
    strike("e4", actor="United States", places=(MOSUL,), strike_type="drone_strike", day=date(2016, 5, 1)),
    strike("e5", actor="France", places=(FIJI,), day=date(2020, 2, 2)),
    StatementEvent(
        event_id="s1", speaker={"name": "Sergei Shoigu", "affiliation": "Russia"}, statement_type="claim",
        content="The missiles hit all their targets.", about={"actors": [{"name": "Islamic State"}], "places": [HAMA]},
        occurred_on=date(2015, 10, 7), confidence=0.8,
    ),
]  # fmt: skip


async def ids(store: Store, **filters: Any) -> set[str]:
    page = await store.list_events(EventFilters(**filters), limit=100)
    return {e["event_id"] for e in page.items}


async def test_every_filter(store: Store) -> None:
    assert await store.upsert_events(EVENTS) == len(EVENTS)
    assert await ids(store) == {"e1", "e2", "e3", "e4", "e5", "s1"}
    assert await ids(store, type="statement") == {"s1"}
    assert await ids(store, strike_type="ground_assault") == {"e3"}
    assert await ids(store, actor="RUSSIA") == {"e1"}
    assert await ids(store, actor="sergei shoigu") == {"s1"}
    assert await ids(store, target="islamic state") == {"e1", "s1"}
    assert await ids(store, country="sy") == {"e1", "e3", "s1"}
    assert await ids(store, place="hama") == {"e1", "s1"}
    assert await ids(store, place="Kafr Nabudah") == {"e3"}  # not geocoded, still findable by name
    assert await ids(store, place="Nineveh") == {"e4"}  # by province
    assert await ids(store, bbox=BBox.parse("36,35,37,36")) == {"e1", "e3", "s1"}
    assert await ids(store, bbox=BBox.parse("170,-30,-170,0")) == {"e5"}  # across the antimeridian
    assert await ids(store, since=date(2016, 1, 1)) == {"e2", "e4", "e5"}
    assert await ids(store, until=date(2015, 10, 7)) == {"e1", "s1"}
    assert await ids(store, since=date(2015, 10, 8), until=date(2016, 5, 1)) == {"e3", "e4"}
    assert await ids(store, min_confidence=0.75) == {"e2", "s1"}
    assert await ids(store, q="cruise missiles") == {"e1"}
    assert await ids(store, q="stormed villages") == {"e3"}
    assert await ids(store, q="missiles", type="statement") == {"s1"}
    assert await ids(store, q="100% _wild_") == set()  # LIKE wildcards are literal
    assert await ids(store, country="SY", strike_type="air_strike", actor="russia", place="Hama") == {"e1"}
    future = datetime.now(UTC) + timedelta(hours=1)
    assert await ids(store, updated_since=future) == set()
    assert await ids(store, updated_since=datetime.now(UTC) - timedelta(hours=1)) == {
        e.event_id for e in EVENTS
    }


async def test_upserts_are_idempotent_and_keep_history(store: Store) -> None:
    await store.upsert_events(EVENTS)
    assert await store.upsert_events(EVENTS) == 0  # re-delivery writes nothing
    v2 = strike(
        "e1",
        version=2,
        places=(HAMA, IDLIB),
        targets=("Islamic State",),
        sentence="Russian warships fired again.",
    )
    assert await store.upsert_events([v2]) == 1
    assert await store.upsert_events([strike("e1", version=1, actor="Someone else")]) == 0  # older: ignored
    assert await ids(store, actor="someone else") == set()
    assert await ids(store, place="idlib") == {"e1", "e3"}  # the new version's places are indexed
    doc = await store.get_event("e1")
    assert doc is not None and doc["version"] == 2 and len(doc["sources"]) == 2
    assert [h["version"] for h in doc["history"]] == [1, 2]
    assert [s["article_id"] for s in doc["history"][1]["added_sources"]] == ["e1-a1"]
    assert doc["evidence"][0]["sentence"].startswith("Russian warships")
    # A batch holding two versions of one id keeps the newest.
    assert await store.upsert_events([strike("e9", version=3), strike("e9", version=2)]) == 1
    assert (await store.get_event("e9") or {})["version"] == 3
    assert await store.get_event("missing") is None


async def test_cursor_pages_are_stable_while_events_update(store: Store) -> None:
    await store.upsert_events([strike(f"p{i:02d}") for i in range(25)])
    first = await store.list_events(EventFilters(), limit=10)
    assert [e["event_id"] for e in first.items] == [f"p{i:02d}" for i in range(24, 14, -1)]
    # An update to an event on a later page neither moves it nor duplicates it.
    await store.upsert_events([strike("p03", version=2)])
    second = await store.list_events(EventFilters(), limit=10, cursor=first.next_cursor)
    third = await store.list_events(EventFilters(), limit=10, cursor=second.next_cursor)
    seen = [e["event_id"] for e in first.items + second.items + third.items]
    assert sorted(seen) == [f"p{i:02d}" for i in range(25)] and third.next_cursor is None
    assert first.next_cursor == "v1.16"  # order numbers start at 1: p15 is the 16th
    # The same walk driven by a name filter's own index (every p.. event has the actor Russia).
    walked, cursor = [], None
    while True:
        page = await store.list_events(EventFilters(actor="russia", country=None), limit=7, cursor=cursor)
        walked += [e["event_id"] for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert walked == [f"p{i:02d}" for i in range(24, -1, -1)]
    for bad in ("x", "v1.-1", "v2.5", "", "v1.", "v1.1e3", "v1.1234567890123456789"):
        with pytest.raises(BadCursor):
            decode_cursor(bad)


async def test_alert_filters_and_restart_continues_the_sequence(store: Store, database_url: str) -> None:
    now = datetime.now(UTC)
    alerts = [
        Alert(alert_id="a1", kind="ground_offensive", severity="high", title="t", summary="s", theater="SY", raised_at=now),
        Alert(alert_id="a2", kind="tempo_spike", severity="medium", title="t", summary="s", theater="UA",
              raised_at=now - timedelta(days=3)),
    ]  # fmt: skip
    assert await store.upsert_alerts(alerts) == 2
    assert await store.upsert_alerts(alerts) == 0

    async def alert_ids(**f: Any) -> set[str]:
        return {a["alert_id"] for a in (await store.list_alerts(AlertFilters(**f), limit=10)).items}

    assert await alert_ids(kind="tempo_spike") == {"a2"}
    assert await alert_ids(min_severity="high") == {"a1"}
    assert await alert_ids(severity="medium", theater="ua") == {"a2"}
    assert await alert_ids(since=now - timedelta(days=1)) == {"a1"}
    # What a client that was away since a moment ago missed: both were stored just now.
    assert await alert_ids(updated_since=datetime.now(UTC) - timedelta(minutes=5)) == {"a1", "a2"}
    assert await alert_ids(updated_since=datetime.now(UTC) + timedelta(minutes=5)) == set()
    await store.upsert_events(EVENTS[:2])
    last = await store.last_seq()
    await store.close()

    again = Store(database_url)
    await again.start()  # migrations are a no-op the second time
    try:
        assert await again.last_seq() == last
        await again.upsert_events([strike("late")])
        changes = await again.changes_since(last)
        assert [(c.kind, c.doc["event_id"]) for c in changes] == [("event", "late")]
        assert changes[0].message.startswith(f"id: {changes[0].seq}\nevent: event\ndata: ".encode())
    finally:
        await again.close()


async def test_nul_and_lone_surrogates_never_stop_the_store(store: Store) -> None:
    """Text straight from Kafka may hold NUL or lone surrogates (other producers skip ingest); PostgreSQL
    refused the batch (asyncpg CharacterNotInRepertoireError) and the API never wrote again."""
    dirty = strike("nul\x00id", actor="Rus\x00sia", targets=("ta\ud800rget",), places=(place("Ha\x00ma", "SY", 35.1, 36.7),),
                   sentence="Jets\x00 struck \udc00the town.")  # fmt: skip
    dirty.sources[0].source = "Out\x00let"
    dirty.sources[0].url = "https://e.org/\x00a"
    statement = StatementEvent(event_id="s\x00", speaker={"name": "Sp\x00eaker"}, statement_type="claim",
                               content="Said \ud83d\ude00 \x00.", about={"actors": [], "places": []})  # fmt: skip
    alert = Alert(alert_id="a\x00", kind="tempo_spike", severity="high", title="t\x00", summary="s\ud800",
                  theater="SY", raised_at=datetime.now(UTC))  # fmt: skip
    assert await store.upsert_events([dirty, statement, strike("clean")]) == 3
    assert await store.upsert_alerts([alert]) == 1

    stored = await store.get_event("nulid")
    assert stored is not None and stored["actor"]["name"] == "Russia"
    assert stored["sources"][0]["source"] == "Outlet" and stored["sources"][0]["url"] == "https://e.org/a"
    assert stored["targets"][0]["name"] == "ta\ufffdrget"
    assert stored["evidence"][0]["sentence"] == "Jets struck \ufffdthe town."
    assert (await store.get_event("s"))["content"] == "Said \U0001f600 ."  # type: ignore[index]
    assert await store.get_event("nul\x00id") is not None  # lookups are cleaned the same way
    assert await ids(store, actor="rus\x00sia", place="ha\x00ma", q="jets\x00") == {"nulid"}
    assert (await store.get_alert("a"))["summary"] == "s\ufffd"  # type: ignore[index]
    assert await ids(store) == {"nulid", "s", "clean"}


async def test_a_message_the_database_refuses_is_dead_lettered_alone(store: Store) -> None:
    """A value PostgreSQL refuses (an id longer than its column) failed the whole batch and stopped the
    materialiser; now the batch is written message by message and only that message is dead-lettered."""
    from services.api.consumer import Materialiser
    from shared.messages import encode
    from shared.schemas import DeadLetter
    from shared.topics import EVENTS_STRIKE, TopicNames

    class Producer:
        sent: ClassVar[list[bytes]] = []

        async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> None:
            self.sent.append(value)

    class Record:
        def __init__(self, offset: int, event: StrikeEvent) -> None:
            self.topic, self.partition, self.offset = names.events_strike, 0, offset
            self.key, self.headers = event.event_id.encode(), []
            self.value = encode(EVENTS_STRIKE, event, source="/t").value

    names = TopicNames("")
    materialiser = Materialiser([], names, "g", store)
    materialiser.producer = Producer()  # type: ignore[assignment]
    too_long = strike("x" * 65, actor="A" * 300, places=(place("Hama", "SYR", 35.1, 36.7),))
    await materialiser._handle([Record(0, strike("before")), Record(1, too_long), Record(2, strike("after"))])
    stored = await ids(store)
    assert {"before", "after"} <= stored
    if store.dialect == "postgresql":
        assert stored == {"before", "after"}
        (dead,) = [decode(DeadLetter, v) for v in Producer.sent]
        assert dead.reason == "store_refused" and dead.source_offset == 1
    else:  # SQLite does not enforce column widths: stored, nothing dead-lettered
        assert Producer.sent == []
