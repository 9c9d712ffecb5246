"""Events: the newest-first listing with every filter, and one event with its history.
No "from __future__ import annotations": FastAPI reads the Annotated dependencies at runtime."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from services.api.deps import Cursor, EventQuery, Limit, StoreDep, found, page
from services.api.responses import ERRORS, EventDetail, EventPage

router = APIRouter(tags=["events"])


@router.get("/v1/events", response_model=EventPage, responses=ERRORS)
async def list_events(
    store: StoreDep, filters: EventQuery, limit: Limit = 50, cursor: Cursor = None
) -> JSONResponse:
    """Newest first, in the order events were first stored, so pages stay stable while events are
    updated: pass ``next_cursor`` back as ``cursor``. An unknown cursor is a 400. A statement's
    ``related_event_ids`` are the ids of the strike events as merged (see ``merged_ids``)."""
    return await page(store.list_events(filters, limit=limit, cursor=cursor))


@router.get("/v1/events/{event_id}", response_model=EventDetail, responses=ERRORS)
async def get_event(store: StoreDep, event_id: Annotated[str, Path(max_length=64)]) -> JSONResponse:
    """The latest version with its evidence, sources and version history. The id of a strike report
    that was merged into another event (listed in that event's ``merged_ids``) answers with the
    event it merged into, whose ``event_id`` is then not the one asked for."""
    return found(await store.get_event(event_id), "event", event_id)
