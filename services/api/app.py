"""The HTTP API (FastAPI): events, alerts, the live feed (SSE), webhook subscriptions, health, metrics
and the live page at ``/``. OpenAPI at /docs."""
# No "from __future__ import annotations" here: FastAPI must see the local Annotated aliases at runtime.

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response, Security
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from services.api.deps import Country, EventQuery, IsoDateTime, aware, bad
from services.api.feed import ChangeFeed
from services.api.responses import (
    ERRORS,
    AlertPage,
    DeliveryList,
    EventDetail,
    EventPage,
    Readiness,
    WebhookCreated,
    WebhookList,
)
from services.api.routers import exports
from services.api.store import CURSOR_PATTERN, AlertFilters, BadCursor, Page, Store
from shared import webhooks
from shared.http import BodySizeLimit, instrument, key_matches
from shared.schemas import Alert, AlertKind, Severity, WebhookSubscription
from shared.secretbox import SecretKeyError

STATIC = FilePath(__file__).resolve().parent / "static"
# Required for webhook management (and reads, when WARWIRE_API_READ_KEYS_REQUIRED is set).
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of WARWIRE_API_KEYS.")


class WebhookIn(BaseModel):
    """A new subscription. Filters are optional; an empty list means any."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=2000,
        pattern=r"^https?://[^/?#\s]+",
        description="http(s) URL; must resolve to a public address.",
    )
    kinds: list[AlertKind] = Field(default_factory=list, max_length=20)
    min_severity: Severity = Severity.LOW
    actors: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    theaters: list[Annotated[str, Field(pattern="^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=50
    )


_bad = bad


def create_app(
    store: Store,
    *,
    max_limit: int,
    materialiser: Any | None = None,
    api_keys: set[str] | None = None,
    read_keys_required: bool = False,
    allowed_networks: list[str] | None = None,
    feed: ChangeFeed | None = None,
    heartbeat_s: float = 15.0,
    max_body_bytes: int = 65536,
) -> FastAPI:
    """``materialiser`` (optional) is started and stopped with the app; tests may pass None."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.start()
        if feed is not None:
            feed.start_at(store.last_seq)
        if materialiser is not None:
            await materialiser.start()
        try:
            yield
        finally:
            if materialiser is not None:
                await materialiser.stop()
            await store.close()

    app = FastAPI(
        title="warwire API",
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        description="Conflict events extracted live from news, escalation alerts, a live feed and webhooks.",
    )
    app.state.store = store  # for the routers' StoreDep
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    instrument(app, "api")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Errors keep FastAPI's shape; a 405 lists every method the path supports in Allow."""
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"reason": _REASONS.get(exc.status_code, "error"), "detail": str(exc.detail)}
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods = {
                m
                for r in app.router.routes
                if r.matches(request.scope)[0] != Match.NONE
                for m in getattr(r, "methods", None) or ()
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    def require_key(x_api_key: Annotated[str | None, Security(API_KEY)] = None) -> None:
        if api_keys and not key_matches(x_api_key, api_keys):
            raise _bad(401, "unauthorized", "missing or wrong X-API-Key")

    def open_read() -> None:
        return None

    Writer = Annotated[None, Depends(require_key)]
    # Reads declare the key in the OpenAPI document only when this deployment requires it.
    Reader = Annotated[None, Depends(require_key if read_keys_required else open_read)]
    Limit = Annotated[int, Query(ge=1, le=max_limit, description=f"Page size, 1..{max_limit}.")]
    Cursor = Annotated[
        str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
    ]

    async def page(listing: Awaitable[Page]) -> JSONResponse:
        try:
            p = await listing
        except BadCursor as exc:  # the Query pattern refuses these first; kept for direct callers
            raise _bad(400, "bad_cursor", str(exc)) from exc
        return JSONResponse({"items": p.items, "next_cursor": p.next_cursor})

    def found(doc: dict[str, Any] | None, what: str, key: str) -> JSONResponse:
        if doc is None:
            raise _bad(404, "not_found", f"no {what} {key}")
        return JSONResponse(doc)

    @app.get("/v1/events", response_model=EventPage, responses=ERRORS, tags=["events"])
    async def list_events(
        _: Reader, filters: EventQuery, limit: Limit = 50, cursor: Cursor = None
    ) -> JSONResponse:
        """Newest first, in the order events were first stored, so pages stay stable while events are
        updated: pass ``next_cursor`` back as ``cursor``. An unknown cursor is a 400. A statement's
        ``related_event_ids`` are the ids of the strike events as merged (see ``merged_ids``)."""
        return await page(store.list_events(filters, limit=limit, cursor=cursor))

    @app.get("/v1/events/{event_id}", response_model=EventDetail, responses=ERRORS, tags=["events"])
    async def get_event(event_id: Annotated[str, Path(max_length=64)], _: Reader) -> JSONResponse:
        """The latest version with its evidence, sources and version history. The id of a strike report
        that was merged into another event (listed in that event's ``merged_ids``) answers with the
        event it merged into, whose ``event_id`` is then not the one asked for."""
        return found(await store.get_event(event_id), "event", event_id)

    @app.get("/v1/alerts", response_model=AlertPage, responses=ERRORS, tags=["alerts"])
    async def list_alerts(
        _: Reader,
        limit: Limit = 50,
        cursor: Cursor = None,
        kind: AlertKind | None = None,
        severity: Severity | None = None,
        min_severity: Severity | None = None,
        theater: Country = None,
        since: Annotated[
            IsoDateTime | None, Query(description="Raised at or after this time (ISO 8601).")
        ] = None,
    ) -> JSONResponse:
        """Newest first; same paging as /v1/events."""
        filters = AlertFilters(
            kind=kind.value if kind else None, severity=severity.value if severity else None,
            min_severity=min_severity.value if min_severity else None, theater=theater, since=_aware(since),
        )  # fmt: skip
        return await page(store.list_alerts(filters, limit=limit, cursor=cursor))

    @app.get("/v1/alerts/{alert_id}", response_model=Alert, responses=ERRORS, tags=["alerts"])
    async def get_alert(alert_id: Annotated[str, Path(max_length=64)], _: Reader) -> JSONResponse:
        return found(await store.get_alert(alert_id), "alert", alert_id)

    @app.post(
        "/v1/webhooks", status_code=201, response_model=WebhookCreated, responses=ERRORS, tags=["webhooks"]
    )
    async def create_webhook(body: WebhookIn, _: Writer) -> JSONResponse:
        """Subscribe a URL to alerts. The response carries the signing secret; it is shown only here."""
        try:
            await asyncio.to_thread(webhooks.check_url, body.url, allowed_networks or [])
        except webhooks.UnsafeURL as exc:
            raise _bad(422, "unsafe_url", str(exc)) from exc
        if materialiser is None:
            raise _bad(503, "no_broker", "subscriptions need Kafka")
        sub = WebhookSubscription(
            subscription_id="wh_" + secrets.token_hex(8), url=body.url, secret=webhooks.new_secret(), kinds=body.kinds,
            min_severity=body.min_severity, actors=body.actors, theaters=[t.upper() for t in body.theaters],
            created_at=datetime.now(UTC),
        )  # fmt: skip
        try:
            await materialiser.publish_subscription(sub)
        except SecretKeyError as exc:
            raise _bad(503, "no_secret_key", str(exc)) from exc
        await store.upsert_webhook(sub)
        return JSONResponse(json.loads(sub.model_dump_json()), status_code=201)

    @app.get("/v1/webhooks", response_model=WebhookList, responses=ERRORS, tags=["webhooks"])
    async def list_webhooks(_: Writer) -> JSONResponse:
        return JSONResponse({"items": await store.list_webhooks()})

    @app.delete("/v1/webhooks/{subscription_id}", status_code=204, responses=ERRORS, tags=["webhooks"])
    async def delete_webhook(subscription_id: Annotated[str, Path(max_length=64)], _: Writer) -> Response:
        if await store.get_webhook(subscription_id) is None:
            raise _bad(404, "not_found", f"no webhook {subscription_id}")
        if materialiser is not None:
            await materialiser.delete_subscription(subscription_id)
        await store.delete_webhook(subscription_id)
        return Response(status_code=204)

    @app.get(
        "/v1/webhooks/{subscription_id}/deliveries",
        response_model=DeliveryList,
        responses=ERRORS,
        tags=["webhooks"],
    )
    async def list_deliveries(
        subscription_id: Annotated[str, Path(max_length=64)], _: Writer, limit: Limit = 50
    ) -> JSONResponse:
        """Every delivery attempt, newest first: outcome, HTTP status, error, duration."""
        if await store.get_webhook(subscription_id) is None:
            raise _bad(404, "not_found", f"no webhook {subscription_id}")
        return JSONResponse({"items": await store.list_deliveries(subscription_id, limit=limit)})

    @app.get(
        "/v1/stream",
        response_class=StreamingResponse,
        responses={
            **ERRORS,
            200: {
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
                "description": "Server-Sent Events",
            },
        },
        tags=["live"],
    )
    async def stream(
        request: Request,
        _: Reader,
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
            cursor = store.last_seq
        elif raw.isascii() and raw.isdigit():
            cursor = int(raw)
        else:
            raise _bad(400, "bad_last_event_id", "Last-Event-ID must be a sequence number")
        wanted_types = set(types.split(","))
        floor = Severity(min_severity).rank if min_severity else 0

        def keep(kind_name: str, doc: dict[str, Any]) -> bool:
            if kind_name not in wanted_types:
                return False
            if kind_name == "event":
                if event_type and doc.get("event_type") != event_type:
                    return False
                places = doc.get("locations") or (doc.get("about") or {}).get("places") or []
                return not country or any(p.get("country_code") == country.upper() for p in places)
            if kind and doc.get("kind") != kind.value:
                return False
            if Severity(doc.get("severity", "low")).rank < floor:
                return False
            return not country or doc.get("theater") == country.upper()

        async def messages() -> AsyncIterator[bytes]:
            nonlocal cursor
            yield b"retry: 2000\n\n"
            while not await request.is_disconnected():
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

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["operations"])
    async def readyz() -> JSONResponse:
        """The database and Kafka are reachable and the consumer is running."""
        db = await store.ping()
        kafka = materialiser is None or await materialiser.broker_reachable()
        consumer = materialiser is None or bool(materialiser.running)
        ok = db and kafka and consumer
        return JSONResponse(
            {"database": db, "kafka": kafka, "consumer": consumer}, status_code=200 if ok else 503
        )

    app.include_router(
        exports.router, dependencies=[Depends(require_key if read_keys_required else open_read)]
    )

    @app.get("/", include_in_schema=False)
    async def live_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


_REASONS = {404: "not_found", 405: "method_not_allowed"}

_aware = aware
