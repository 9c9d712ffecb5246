"""The live feed: events and alerts as Server-Sent Events, resumable with ``Last-Event-ID``.
No "from __future__ import annotations": FastAPI reads the Annotated dependencies at runtime."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.api.deps import ConfigDep, Country, StoreDep, bad
from services.api.responses import ERRORS
from shared.schemas import AlertKind, Severity
from shared.schemas.events import theater_of_doc

router = APIRouter(tags=["live"])
SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
        "description": "Server-Sent Events",
    }
}


@router.get("/v1/stream", response_class=StreamingResponse, responses={**ERRORS, **SSE})
async def stream(
    request: Request,
    store: StoreDep,
    config: ConfigDep,
    types: Annotated[str, Query(pattern="^(event|alert)(,(event|alert))?$")] = "event,alert",
    event_type: Annotated[str | None, Query(pattern="^(strike|statement)$")] = None,
    kind: AlertKind | None = None,
    min_severity: Severity | None = None,
    country: Country = None,
    last_event_id: Annotated[str | None, Query(max_length=20)] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    """Live feed of events and alerts as they are stored. Each message has ``event: event|alert``,
    ``id: <sequence>`` and the JSON document; reconnect with ``Last-Event-ID`` (header or query) to
    receive what was missed. Comment lines are heartbeats. Filters apply on the server."""
    raw = last_event_id_header if last_event_id_header is not None else last_event_id
    if raw is None or raw == "":
        cursor = await store.last_seq()
    elif raw.isascii() and raw.isdigit():
        cursor = int(raw)
    else:
        raise bad(400, "bad_last_event_id", "Last-Event-ID must be a sequence number")
    wanted_types = set(types.split(","))
    floor = Severity(min_severity).rank if min_severity else 0
    feed, heartbeat_s = config.feed, config.heartbeat_s

    def keep(kind_name: str, doc: dict[str, Any]) -> bool:
        if kind_name not in wanted_types:
            return False
        if kind_name == "event":
            if event_type and doc.get("event_type") != event_type:
                return False
            return not country or theater_of_doc(doc) == country.upper()  # as ?country= on /v1/events
        if kind and doc.get("kind") != kind.value:
            return False
        if Severity(doc.get("severity", "low")).rank < floor:
            return False
        return not country or doc.get("theater") == country.upper()

    async def messages() -> AsyncIterator[bytes]:
        nonlocal cursor
        yield b"retry: 2000\n\n"
        while not await request.is_disconnected() and not (feed is not None and feed.closed):
            # From the shared in-memory buffer; from the store when the client is further behind.
            rows = feed.since(cursor) if feed is not None else None
            if rows is None:
                rows = await store.changes_since(cursor)
            for c in rows:
                cursor = c.seq
                if keep(c.kind, c.doc):
                    yield c.message
            if rows:
                continue
            if feed is None or not await feed.wait_past(cursor, heartbeat_s):
                yield b": heartbeat\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(messages(), media_type="text/event-stream", headers=headers)
