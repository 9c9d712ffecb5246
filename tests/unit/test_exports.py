"""The export formats (services.api.exports): ACLED's columns in ACLED's order, every column of a strike
and of a statement, empty where warwire has no value, GeoJSON features per located place, NDJSON."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from services.api import exports
from shared.schemas import ActorRef, Place, Quantities, SourceRef, StatementEvent, StrikeEvent, StrikeType

ACLED = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
STORED = datetime(2015, 10, 8, 9, 30, tzinfo=UTC)


def _doc(event: StrikeEvent | StatementEvent) -> dict[str, Any]:
    return json.loads(event.model_dump_json())


STRIKE = StrikeEvent(
    event_id="stk_a", version=2, strike_type=StrikeType.AIR_STRIKE,
    actor=ActorRef(name="Russia", kind="state_military", country="RU", unit="air force"),
    targets=[
        ActorRef(name="civilians", kind="civilians", target_kind="civilians", country="SY"),
        ActorRef(name="a hospital", target_kind="infrastructure", country="SY"),
        ActorRef(name="rebels", kind="non_state_armed_group"),
    ],
    weapon="guided bomb",
    locations=[
        Place(name="Idlib Governorate", matched_text="Idlib province", admin1="Idlib Governorate",
              country_code="SY", kind="admin_area", geo_precision=3, geonames_id=169388),
        Place(name="Khan Shaykhun", matched_text="Khan Sheikhoun", lat=35.44, lon=36.65, admin1="Idlib Governorate",
              country_code="SY", geo_precision=1, geonames_id=169577),
        Place(name="Kafr Nabudah", matched_text="Kafr Nabudah"),
    ],
    launch_location=Place(name="Hmeimim", matched_text="Hmeimim", lat=35.41, lon=35.95, country_code="SY",
                          geo_precision=1),
    quantities=Quantities(killed=12, injured=30),
    occurred_on="2015-10-07", time_precision="day",
    sources=[SourceRef(article_id="a1", source="Reuters"), SourceRef(article_id="a2", source="AFP"),
             SourceRef(article_id="a3", source="Reuters", syndicated=True)],
    evidence=[{"article_id": "a1", "sentence": "Russian jets struck Khan Shaykhun.", "char_start": 0, "char_end": 34}],
    confidence=0.8,
)  # fmt: skip
STATEMENT = StatementEvent(
    event_id="stm_b", speaker={"name": "Ahmet Davutoglu", "role": "prime minister", "affiliation": "Turkey"},
    statement_type="accusation", cameo_code="112", plover_type="ACCUSE", content="Russia is hitting civilians.",
    about={"actors": [ActorRef(name="Russia", kind="state_military", country="RU")]},
    occurred_on="2015-10-07", time_precision="week",
)  # fmt: skip


def test_acled_columns_come_first_in_acleds_order_then_warwires() -> None:
    assert exports.CSV_COLUMNS[: len(ACLED)] == ACLED
    own = exports.CSV_COLUMNS[len(ACLED) :]
    for col in ("strike_type", "weapon", "launch_platform", "claim_status", "version", "sources_count"):
        assert col in own
    assert len(set(exports.CSV_COLUMNS)) == len(exports.CSV_COLUMNS)
    assert set(exports.CSV_DTYPES) == set(exports.CSV_COLUMNS) - {"event_date"}
    assert exports.CSV_DTYPES["cameo_code"] == "string" and exports.CSV_DTYPES["fatalities"] == "Int64"


def test_a_strikes_record() -> None:
    r = exports.record(_doc(STRIKE), STORED)
    assert set(r) == set(exports.CSV_COLUMNS)
    assert r["event_id_cnty"] == "SYR-stk_a" and r["warwire_event_id"] == "stk_a"
    assert (r["event_date"], r["year"], r["time_precision"]) == ("2015-10-07", 2015, 1)
    assert (r["disorder_type"], r["event_type"], r["sub_event_type"]) == (
        "Political violence", "Explosions/Remote violence", "Air/drone strike",
    )  # fmt: skip
    # Russia abroad (8) against civilians (7); the hospital is no actor; the rebels are associated.
    assert (r["actor1"], r["inter1"], r["actor1_type"], r["actor1_cameo"]) == (
        "Russia",
        8,
        "state_forces",
        "RUSMIL",
    )
    assert (r["actor2"], r["inter2"], r["assoc_actor_2"], r["interaction"]) == ("civilians", 7, "rebels", 78)
    assert r["assoc_actor_1"] is None
    assert r["civilian_targeting"] == "Civilian targeting"
    # The most precise place is the event's location.
    assert (r["iso"], r["region"], r["country"], r["country_code"]) == (760, "Middle East", "Syria", "SY")
    assert (r["location"], r["admin1"], r["latitude"], r["longitude"], r["geo_precision"], r["geonames_id"]) == (
        "Khan Shaykhun", "Idlib Governorate", 35.44, 36.65, 1, 169577,
    )  # fmt: skip
    assert r["admin2"] is None and r["admin3"] is None and r["source_scale"] is None
    assert r["source"] == "Reuters; AFP" and r["sources_count"] == 3
    assert r["notes"] == "Russian jets struck Khan Shaykhun."
    assert (r["fatalities"], r["injured"]) == (12, 30)
    assert r["timestamp"] == int(STORED.timestamp()) and r["tags"] is None
    assert (r["strike_type"], r["weapon"], r["launch_location"], r["claim_status"], r["version"]) == (
        "air_strike", "guided bomb", "Hmeimim", "reported", 2,
    )  # fmt: skip
    assert (r["cameo_code"], r["cameo_root"], r["quad_class"], r["goldstein"]) == ("195", "19", 4, -10.0)
    assert (r["plover_type"], r["plover_mode"]) == ("ASSAULT", "heavy-weapons")


def test_a_statements_record_leaves_acleds_event_types_empty() -> None:
    r = exports.record(_doc(STATEMENT), STORED)
    assert r["event_type"] is None and r["disorder_type"] is None and r["fatalities"] is None
    assert (r["actor1"], r["assoc_actor_1"], r["actor2"], r["inter2"]) == (
        "Ahmet Davutoglu",
        "Turkey",
        "Russia",
        1,
    )
    assert r["inter1"] is None and r["interaction"] is None  # a speaker of no known side
    assert (r["time_precision"], r["statement_type"]) == (2, "accusation")
    assert (r["cameo_code"], r["cameo_root"], r["quad_class"], r["goldstein"], r["plover_type"]) == (
        "112", "11", 3, -2.0, "ACCUSE",
    )  # fmt: skip
    assert r["event_id_cnty"] == "stm_b" and r["country"] is None and r["location"] is None


def test_a_statements_speaker_side_is_actor1s_coding() -> None:
    turkey = ActorRef(name="Turkey", kind="government", country="TR")
    speaker = STATEMENT.speaker.model_copy(update={"actor": turkey})
    r = exports.record(_doc(STATEMENT.model_copy(update={"speaker": speaker})), STORED)
    assert (r["actor1"], r["inter1"], r["actor1_type"], r["actor1_cameo"]) == (
        "Ahmet Davutoglu", 1, "state_forces", "TURGOV",
    )  # fmt: skip
    assert r["interaction"] == 11  # the Turkish government about Russia's forces


def test_a_year_precise_date_and_a_country_only_place() -> None:
    doc = _doc(STRIKE.model_copy(update={
        "time_precision": "year", "locations": [Place(name="Syria", matched_text="", country_code="SY", kind="country",
                                                      geo_precision=3, geonames_id=163843)],
    }))  # fmt: skip
    r = exports.record(doc)
    assert r["time_precision"] is None and r["timestamp"] is None
    assert (r["location"], r["admin1"], r["latitude"], r["geo_precision"], r["country"]) == (
        None,
        None,
        None,
        3,
        "Syria",
    )
    assert exports.features(doc) == [exports.features(doc)[0]]  # only the launch place has coordinates


def test_geojson_features_one_per_located_place() -> None:
    feats = exports.features(_doc(STRIKE), STORED)
    assert [(f["properties"]["location"], f["properties"]["place_role"]) for f in feats] == [
        ("Khan Shaykhun", "target"), ("Hmeimim", "launch"),
    ]  # fmt: skip
    assert feats[0]["geometry"] == {"type": "Point", "coordinates": [36.65, 35.44]}
    assert all(not isinstance(v, dict | list) for f in feats for v in f["properties"].values())
    assert feats[0]["properties"]["event_type"] == "Explosions/Remote violence"


async def _batches(rows: list[tuple[dict[str, Any], datetime | None]]) -> Any:
    yield rows[:1]
    yield rows[1:]


def _collect(stream: Any) -> bytes:
    async def run() -> bytes:
        return b"".join([chunk async for chunk in stream])

    return asyncio.run(run())


def test_the_streams() -> None:
    rows = [(_doc(STRIKE), STORED), (_doc(STATEMENT), STORED)]
    text = _collect(exports.csv_stream(_batches(rows))).decode()
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == exports.CSV_COLUMNS and len(table) == 3
    assert table[2][exports.CSV_COLUMNS.index("cameo_code")] == "112"
    assert table[1][exports.CSV_COLUMNS.index("admin2")] == ""
    collection = json.loads(_collect(exports.geojson_stream(_batches(rows))))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 2
    lines = _collect(exports.ndjson_stream(_batches(rows))).decode().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == ["stk_a", "stm_b"]
    empty = json.loads(_collect(exports.geojson_stream(_batches([]))))
    assert empty == {"type": "FeatureCollection", "features": []}
