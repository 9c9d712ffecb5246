"""The HTTP API (FastAPI): /v1/events, /v1/alerts, health and metrics. OpenAPI at /docs."""
# No "from __future__ import annotations" here: FastAPI must see the local Annotated aliases at runtime.

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse

from services.api.store import Page, Store
from shared.http import instrument
from shared.schemas import StrikeType


def create_app(store: Store, *, max_limit: int, materialiser: Any | None = None) -> FastAPI:
    """``materialiser`` (optional) is started and stopped with the app; tests may pass None."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.start()
        if materialiser is not None:
            await materialiser.start()
        try:
            yield
        finally:
            if materialiser is not None:
                await materialiser.stop()
            await store.close()

    app = FastAPI(title="warwire API", version="1.0.0", lifespan=lifespan, docs_url="/docs")
    instrument(app, "api")
    Limit = Annotated[int, Query(ge=1, le=max_limit, description=f"Page size, 1..{max_limit}.")]
    Cursor = Annotated[int | None, Query(ge=0, description="next_cursor from the previous page.")]

    @app.get("/v1/events")
    async def list_events(
        limit: Limit = 50,
        cursor: Cursor = None,
        type: Annotated[str | None, Query(pattern="^(strike|statement)$")] = None,
        strike_type: StrikeType | None = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    ) -> dict[str, Any]:
        """Newest first. Pages are stable: pass ``next_cursor`` back as ``cursor``."""
        page = await store.list_events(
            limit=limit,
            cursor=cursor,
            type=type,
            strike_type=strike_type.value if strike_type else None,
            actor=actor,
            country=country,
        )
        return _page(page)

    @app.get("/v1/events/{event_id}")
    async def get_event(event_id: str) -> dict[str, Any]:
        found = await store.get_event(event_id)
        if found is None:
            raise HTTPException(404, detail={"reason": "not_found", "detail": f"no event {event_id}"})
        return found

    @app.get("/v1/alerts")
    async def list_alerts(
        limit: Limit = 50,
        cursor: Cursor = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
        severity: Annotated[str | None, Query(pattern="^(low|medium|high|critical)$")] = None,
        theater: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    ) -> dict[str, Any]:
        return _page(
            await store.list_alerts(limit=limit, cursor=cursor, kind=kind, severity=severity, theater=theater)
        )

    @app.get("/v1/alerts/{alert_id}")
    async def get_alert(alert_id: str) -> dict[str, Any]:
        found = await store.get_alert(alert_id)
        if found is None:
            raise HTTPException(404, detail={"reason": "not_found", "detail": f"no alert {alert_id}"})
        return found

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        db = await store.ping()
        consumer = materialiser is None or bool(materialiser.running)
        ok = db and consumer
        return JSONResponse({"database": db, "consumer": consumer}, status_code=200 if ok else 503)

    return app


def _page(page: Page) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}
