"""Alerts: the newest-first listing and one alert.
No "from __future__ import annotations": FastAPI reads the Annotated dependencies at runtime."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from services.api.deps import Country, Cursor, IsoDateTime, Limit, StoreDep, aware, found, page
from services.api.responses import ERRORS, AlertPage
from services.api.store import AlertFilters
from shared.schemas import Alert, AlertKind, Severity

router = APIRouter(tags=["alerts"])


@router.get("/v1/alerts", response_model=AlertPage, responses=ERRORS)
async def list_alerts(
    store: StoreDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: AlertKind | None = None,
    severity: Severity | None = None,
    min_severity: Severity | None = None,
    theater: Country = None,
    since: Annotated[
        IsoDateTime | None, Query(description="Raised at or after this time (ISO 8601).")
    ] = None,
    updated_since: Annotated[
        IsoDateTime | None,
        Query(description="Stored or updated at or after this time (ISO 8601): what a client missed."),
    ] = None,
) -> JSONResponse:
    """Newest first; same paging as /v1/events."""
    filters = AlertFilters(
        kind=kind.value if kind else None, severity=severity.value if severity else None,
        min_severity=min_severity.value if min_severity else None, theater=theater, since=aware(since),
        updated_since=aware(updated_since),
    )  # fmt: skip
    return await page(store.list_alerts(filters, limit=limit, cursor=cursor))


@router.get("/v1/alerts/{alert_id}", response_model=Alert, responses=ERRORS)
async def get_alert(store: StoreDep, alert_id: Annotated[str, Path(max_length=64)]) -> JSONResponse:
    return found(await store.get_alert(alert_id), "alert", alert_id)
