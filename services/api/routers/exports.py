"""Bulk exports: every event the filters of ``GET /v1/events`` select, streamed, not paged.
No "from __future__ import annotations": FastAPI reads the Annotated dependencies at runtime."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.api.deps import EventQuery, StoreDep
from services.api.exports import FORMATS
from services.api.responses import ERRORS

router = APIRouter(tags=["exports"])
BATCH = 1000


def _export(fmt: str, store: Any, filters: Any) -> StreamingResponse:
    stream, media_type = FORMATS[fmt]
    headers = {"Content-Disposition": f'attachment; filename="events.{fmt}"', "Cache-Control": "no-store"}
    return StreamingResponse(
        stream(store.iter_events(filters, batch=BATCH)), media_type=media_type, headers=headers
    )


TEXT: dict[str, Any] = {"type": "string"}
FEATURE_COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def _doc(media_type: str, description: str, schema: dict[str, Any] = TEXT) -> dict[int | str, dict[str, Any]]:
    return {**ERRORS, 200: {"content": {media_type: {"schema": schema}}, "description": description}}


@router.get(
    "/v1/events.csv",
    response_class=StreamingResponse,
    responses=_doc("text/csv", "ACLED-compatible columns, then warwire's own (README: Exports)."),
)
async def export_csv(store: StoreDep, filters: EventQuery) -> StreamingResponse:
    """Every matching event as one CSV row, newest first: ACLED's columns (``event_id_cnty`` ...
    ``timestamp``), then warwire's (strike type, weapon, launch platform, claim, version, sources,
    CAMEO and PLOVER codes). Empty where warwire has no value. Streamed: any number of rows."""
    return _export("csv", store, filters)


@router.get(
    "/v1/events.geojson",
    response_class=StreamingResponse,
    responses=_doc(
        "application/geo+json",
        "A FeatureCollection: one Point feature per located place.",
        FEATURE_COLLECTION,
    ),
)
async def export_geojson(store: StoreDep, filters: EventQuery) -> StreamingResponse:
    """A FeatureCollection with one Point per located place of each matching event (places hit, and the
    launch place with ``place_role`` launch); flat properties: the event's CSV record with that place's
    location. Events with no coordinates (a country only) have no feature."""
    return _export("geojson", store, filters)


@router.get(
    "/v1/events.ndjson",
    response_class=StreamingResponse,
    responses=_doc("application/x-ndjson", "One event's full JSON per line."),
)
async def export_ndjson(store: StoreDep, filters: EventQuery) -> StreamingResponse:
    """The full JSON of every matching event (as ``GET /v1/events`` lists it), one per line."""
    return _export("ndjson", store, filters)
