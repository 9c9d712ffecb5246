"""Dependencies shared by the API's routers: the store, query types, errors, and the event filters that
``GET /v1/events`` and every export (``/v1/events.csv`` ...) take, parsed once here.
No "from __future__ import annotations": FastAPI reads these Annotated aliases at runtime."""

import re
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from pydantic import BeforeValidator

from services.api.store import BBox, EventFilters, Store
from shared.schemas import StrikeType

_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
BBOX_PATTERN = f"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"


def bad(status: int, reason: str, detail: str) -> HTTPException:
    return HTTPException(status, detail={"reason": reason, "detail": detail})


def _iso_only(value: object) -> object:
    """Query times are ISO 8601 strings, as documented; pydantic alone would also take Unix numbers."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2015-10-07T12:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
IsoDate = Annotated[date, BeforeValidator(_iso_only)]
Country = Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2.")]


def aware(moment: datetime | None) -> datetime | None:
    """Query times without a zone are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def get_store(request: Request) -> Store:
    """The app's store (``create_app`` puts it on ``app.state``); tests may override this dependency."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def event_filters(
    type: Annotated[str | None, Query(pattern="^(strike|statement)$")] = None,
    strike_type: StrikeType | None = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200, description="Attacker or speaker, case-insensitive.")] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=200, description="A target (or, for statements, an actor spoken about).")] = None,
    country: Country = None,
    place: Annotated[str | None, Query(min_length=1, max_length=200, description="A place hit or named: town, province or the text as written.")] = None,
    bbox: Annotated[str | None, Query(pattern=BBOX_PATTERN, description="minLon,minLat,maxLon,maxLat (WGS84); minLon > maxLon crosses the antimeridian.")] = None,
    since: Annotated[IsoDate | None, Query(description="Occurred on or after this date.")] = None,
    until: Annotated[IsoDate | None, Query(description="Occurred on or before this date.")] = None,
    updated_since: Annotated[IsoDateTime | None, Query(description="Stored or updated at or after this time (ISO 8601).")] = None,
    min_confidence: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Full-text search: every word must match.")] = None,
) -> EventFilters:  # fmt: skip
    """Every filter of the event listing; the exports take the same."""
    try:
        box = BBox.parse(bbox) if bbox else None
    except ValueError as exc:
        raise bad(422, "invalid_bbox", str(exc)) from exc
    if since and until and since > until:
        raise bad(422, "invalid_range", "since is after until")
    return EventFilters(
        type=type, strike_type=strike_type.value if strike_type else None, actor=actor, target=target,
        country=country, place=place, bbox=box, since=since, until=until,
        updated_since=aware(updated_since), min_confidence=min_confidence, q=q,
    )  # fmt: skip


EventQuery = Annotated[EventFilters, Depends(event_filters)]
