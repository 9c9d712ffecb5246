"""Bulk exports of the event store: ACLED-style CSV, GeoJSON and NDJSON, streamed batch by batch
(``Store.iter_events``), so memory stays flat whatever the row count. Used by the exports router
(``GET /v1/events.csv|.geojson|.ndjson``) and by ``warwire export`` against the store.

Codes come from ``shared.coding`` (the one home of the mapping tables), computed from each stored
event as it is written out, so events stored before a table changed export with today's codes. A
column warwire has no value for is left empty.
"""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from shared import coding
from shared.schemas.events import theater_of_doc

# -- columns ---------------------------------------------------------------------------------------------
# ACLED's export columns, in ACLED's order, then warwire's own.
ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
WARWIRE_COLUMNS = [
    "warwire_event_id", "warwire_event_type", "strike_type", "bombing_kind", "weapon", "launch_platform",
    "launch_platform_count", "launch_location", "claim_status", "claimed_by", "statement_type", "version",
    "sources_count", "confidence", "injured", "background", "cameo_code", "cameo_root", "quad_class",
    "goldstein", "plover_type", "plover_mode", "actor1_type", "actor1_cameo", "actor2_type", "actor2_cameo",
    "country_code", "geonames_id", "place_kind",
]  # fmt: skip
CSV_COLUMNS = ACLED_COLUMNS + WARWIRE_COLUMNS

# The pandas dtype of every column (README documents them): read with
# ``pd.read_csv(f, dtype=CSV_DTYPES, parse_dates=["event_date"], keep_default_na=False, na_values=[""])``.
# CAMEO codes are strings: their leading zeros are part of the code ("010").
_INTEGER = {
    "year", "time_precision", "inter1", "inter2", "interaction", "iso", "geo_precision", "fatalities",
    "timestamp", "launch_platform_count", "version", "sources_count", "injured", "quad_class", "geonames_id",
}  # fmt: skip
_FLOAT = {"latitude", "longitude", "confidence", "goldstein"}
CSV_DTYPES: dict[str, str] = {
    c: "Int64"
    if c in _INTEGER
    else "Float64"
    if c in _FLOAT
    else "boolean"
    if c == "background"
    else "string"
    for c in CSV_COLUMNS
    if c != "event_date"
}
PARSE_DATES = ["event_date"]
_LOCATION_FIELDS = (
    "location", "admin1", "latitude", "longitude", "geo_precision", "geonames_id", "country_code", "place_kind",
)  # fmt: skip


def _places(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc.get("event_type") == "strike":
        return list(doc.get("locations") or [])
    return list((doc.get("about") or {}).get("places") or [])


def _primary(places: list[dict[str, Any]]) -> dict[str, Any] | None:
    """ACLED gives one location per event: the most precise resolved place (the first among equals)."""
    resolved = [p for p in places if p.get("geo_precision")]
    if resolved:
        return min(resolved, key=lambda p: p["geo_precision"])
    return places[0] if places else None


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _location(place: dict[str, Any] | None) -> dict[str, Any]:
    if place is None:
        return dict.fromkeys(_LOCATION_FIELDS)
    kind = place.get("kind")
    return {
        "location": place.get("name") if kind != "country" else None,
        "admin1": place.get("admin1") or (place.get("name") if kind == "admin_area" else None),
        "latitude": place.get("lat"),
        "longitude": place.get("lon"),
        "geo_precision": place.get("geo_precision"),
        "geonames_id": place.get("geonames_id"),
        "country_code": place.get("country_code"),
        "place_kind": kind,
    }


def _actor(ref: dict[str, Any] | None, theater: str | None) -> tuple[str | None, coding.ActorCodes]:
    if not ref:
        return None, coding.ActorCodes(None, None, None)
    codes = coding.actor_codes(
        ref.get("kind"), ref.get("country"), unit=ref.get("unit"), target_kind=ref.get("target_kind"),
        theater=theater,
    )  # fmt: skip
    return ref.get("name"), codes


def record(doc: dict[str, Any], updated_at: datetime | None = None) -> dict[str, Any]:
    """One event as a flat record of typed values (None: no value), keyed by CSV_COLUMNS."""
    strike = doc.get("event_type") == "strike"
    places = _places(doc)
    primary = _primary(places)
    loc = _location(primary)
    theater = theater_of_doc(doc)
    targets: list[dict[str, Any]] = []
    if strike:
        actor1, codes1 = _actor(doc.get("actor"), theater)
        assoc1: str | None = None
        targets = list(doc.get("targets") or [])
        sides = [_actor(t, theater) for t in targets]
        sides = [(name, c) for name, c in sides if c.actor_type]  # a bridge or a depot is no actor
        codes = coding.strike_codes(
            doc.get("strike_type") or "other", doc.get("bombing_kind"),
            [t.get("target_kind") or t.get("kind") for t in targets],
        )  # fmt: skip
        cameo: str | None = codes.cameo_code
        plover_type, plover_mode = codes.plover_type, codes.plover_mode
    else:
        speaker = doc.get("speaker") or {}
        actor1, codes1 = (
            speaker.get("name"),
            _actor(speaker.get("actor"), theater)[1],
        )  # the side it speaks for
        assoc1 = speaker.get("affiliation")
        sides = [_actor(a, theater) for a in (doc.get("about") or {}).get("actors") or []]
        codes = None
        cameo = doc.get("cameo_code")  # the statement's own code (services.extract.statements)
        plover_type, plover_mode = doc.get("plover_type"), None
    actor2, codes2 = sides[0] if sides else (None, coding.ActorCodes(None, None, None))
    country = coding.country_info(theater) if theater else None
    occurred = doc.get("occurred_on")
    quantities = doc.get("quantities") or {}
    platform = doc.get("launch_platform") or {}
    claim = doc.get("claim") or {}
    civilian = strike and any("civilians" in (t.get("target_kind"), t.get("kind")) for t in targets)
    return {
        "event_id_cnty": f"{country.iso3}-{doc['event_id']}" if country and country.iso3 else doc["event_id"],
        "event_date": occurred,
        "year": int(occurred[:4]) if occurred else None,
        "time_precision": coding.ACLED_TIME_PRECISION.get(doc.get("time_precision") or ""),
        "disorder_type": codes.disorder_type if codes else None,
        "event_type": codes.event_type if codes else None,
        "sub_event_type": codes.sub_event_type if codes else None,
        "actor1": actor1,
        "assoc_actor_1": assoc1,
        "inter1": codes1.inter,
        "actor2": actor2,
        "assoc_actor_2": "; ".join(_unique(name for name, _ in sides[1:])) or None,
        "inter2": codes2.inter,
        "interaction": coding.interaction(codes1.inter, codes2.inter),
        "civilian_targeting": "Civilian targeting" if civilian else None,
        "iso": country.iso_numeric if country else None,
        "region": country.region if country else None,
        "country": country.name if country else None,
        "admin2": None,
        "admin3": None,
        **loc,
        "country_code": theater,
        "source": "; ".join(_unique(s.get("source") for s in doc.get("sources") or [])) or None,
        "source_scale": None,
        "notes": " ".join(_unique(e.get("sentence") for e in doc.get("evidence") or [])) or None,
        "fatalities": quantities.get("killed"),
        "tags": "background" if doc.get("background") else None,
        "timestamp": int(updated_at.timestamp()) if updated_at else None,
        "warwire_event_id": doc["event_id"],
        "warwire_event_type": doc.get("event_type"),
        "strike_type": doc.get("strike_type"),
        "bombing_kind": doc.get("bombing_kind"),
        "weapon": doc.get("weapon"),
        "launch_platform": platform.get("name") or platform.get("kind"),
        "launch_platform_count": platform.get("count"),
        "launch_location": (doc.get("launch_location") or {}).get("name"),
        "claim_status": claim.get("status"),
        "claimed_by": claim.get("by"),
        "statement_type": doc.get("statement_type"),
        "version": doc.get("version"),
        "sources_count": len(doc.get("sources") or []),
        "confidence": doc.get("confidence"),
        "injured": quantities.get("injured"),
        "background": bool(doc.get("background")),
        "cameo_code": cameo,
        "cameo_root": coding.cameo_root(cameo),
        "quad_class": coding.quad_class(cameo),
        "goldstein": coding.goldstein(cameo),
        "plover_type": plover_type,
        "plover_mode": plover_mode,
        "actor1_type": codes1.actor_type,
        "actor1_cameo": codes1.cameo_code,
        "actor2_type": codes2.actor_type,
        "actor2_cameo": codes2.cameo_code,
    }


def features(doc: dict[str, Any], updated_at: datetime | None = None) -> list[dict[str, Any]]:
    """One GeoJSON Feature per located place of the event (hit places, then the launch place), with the
    event's record, that place's location fields and ``place_role`` (target or launch) as properties."""
    base = record(doc, updated_at)
    located = [("target", p) for p in _places(doc)]
    if doc.get("launch_location"):
        located.append(("launch", doc["launch_location"]))
    out = []
    for i, (role, place) in enumerate(
        p for p in located if p[1].get("lat") is not None and p[1].get("lon") is not None
    ):
        props = {**base, **_location(place), "place_role": role}
        out.append({
            "type": "Feature", "id": f"{doc['event_id']}:{i}",
            "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
            "properties": props,
        })  # fmt: skip
    return out


# -- streams -----------------------------------------------------------------------------------------------
Batches = AsyncIterator[Sequence[tuple[dict[str, Any], datetime | None]]]


_ROW = operator.itemgetter(*CSV_COLUMNS)


async def csv_stream(batches: Batches) -> AsyncIterator[bytes]:
    """The header, then one chunk per batch of rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buf.getvalue().encode()
    async for batch in batches:
        buf.seek(0)
        buf.truncate()
        # csv writes None as an empty field, and booleans as True/False (pandas' "boolean" reads them).
        writer.writerows(_ROW(record(doc, updated_at)) for doc, updated_at in batch)
        yield buf.getvalue().encode()


async def geojson_stream(batches: Batches) -> AsyncIterator[bytes]:
    """A FeatureCollection written feature by feature."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for batch in batches:
        parts = []
        for doc, updated_at in batch:
            for feature in features(doc, updated_at):
                parts.append(("" if first else ",") + json.dumps(feature, ensure_ascii=False))
                first = False
        if parts:
            yield "".join(parts).encode()
    yield b"]}\n"


async def ndjson_stream(batches: Batches) -> AsyncIterator[bytes]:
    """Each event's full JSON (its latest version, as ``GET /v1/events`` lists it), one per line."""
    async for batch in batches:
        yield "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc, _ in batch).encode()


FORMATS = {
    "csv": (csv_stream, "text/csv; charset=utf-8"),
    "geojson": (geojson_stream, "application/geo+json"),
    "ndjson": (ndjson_stream, "application/x-ndjson"),
}
