"""Dependencies shared by the API's routers (``services/api/routers/``), all ``Annotated`` so that tests
can override them (``app.dependency_overrides[get_store] = ...``): the store and the deployment's
settings (``create_app`` puts both on ``app.state``), the API keys, paging, query types and errors,
and the event filters that ``GET /v1/events`` and every export (``/v1/events.csv`` ...) take, parsed
once here.
No "from __future__ import annotations": FastAPI reads these Annotated aliases at runtime."""

import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BeforeValidator

from services.api.feed import ChangeFeed
from services.api.store import CURSOR_PATTERN, BadCursor, BBox, EventFilters, Page, Store
from shared.http import key_matches
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


@dataclass
class ApiConfig:
    """What one deployment of the API is set up with (``create_app``'s arguments)."""

    max_limit: int = 500
    api_keys: set[str] = field(default_factory=set)
    read_keys_required: bool = False
    allowed_networks: list[str] = field(default_factory=list)
    materialiser: Any | None = None  # the Kafka materialiser; None: no broker (tests, read-only)
    feed: ChangeFeed | None = None
    heartbeat_s: float = 15.0


def get_store(request: Request) -> Store:
    """The app's store (``create_app`` puts it on ``app.state``); tests may override this dependency."""
    store: Store = request.app.state.store
    return store


def get_config(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.config
    return config


StoreDep = Annotated[Store, Depends(get_store)]
ConfigDep = Annotated[ApiConfig, Depends(get_config)]

# Required for webhook management (and reads, when WARWIRE_API_READ_KEYS_REQUIRED is set).
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of WARWIRE_API_KEYS.")


def require_key(config: ConfigDep, x_api_key: Annotated[str | None, Security(API_KEY)] = None) -> None:
    if config.api_keys and not key_matches(x_api_key, config.api_keys):
        raise bad(401, "unauthorized", "missing or wrong X-API-Key")


def open_read() -> None:
    """Reads of a deployment that does not require keys: no key declared, none checked."""
    return None


Writer = Annotated[None, Depends(require_key)]


def page_limit(
    config: ConfigDep,
    limit: Annotated[int, Query(ge=1, description="Page size, 1..WARWIRE_API_MAX_LIMIT.")] = 50,
) -> int:
    """The page size, bounded by the deployment's ``max_limit`` (a 422 like any other bound; the OpenAPI
    document states the deployment's maximum, see ``create_app``)."""
    if limit > config.max_limit:
        raise RequestValidationError([{
            "type": "less_than_equal", "loc": ("query", "limit"), "input": limit, "ctx": {"le": config.max_limit},
            "msg": f"Input should be less than or equal to {config.max_limit}",
        }])  # fmt: skip
    return limit


Limit = Annotated[int, Depends(page_limit)]
Cursor = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]


async def page(listing: Awaitable[Page]) -> JSONResponse:
    try:
        p = await listing
    except BadCursor as exc:  # the Query pattern refuses these first; kept for direct callers
        raise bad(400, "bad_cursor", str(exc)) from exc
    return JSONResponse({"items": p.items, "next_cursor": p.next_cursor})


def found(doc: dict[str, Any] | None, what: str, key: str) -> JSONResponse:
    if doc is None:
        raise bad(404, "not_found", f"no {what} {key}")
    return JSONResponse(doc)


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
