"""The HTTP API (FastAPI): /v1/events, /v1/alerts, health and metrics. OpenAPI at /docs."""
# No "from __future__ import annotations" here: FastAPI must see the local Annotated aliases at runtime.

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.api.feed import ChangeFeed
from services.api.store import Page, Store
from shared import webhooks
from shared.http import instrument
from shared.schemas import AlertKind, Severity, StrikeType, WebhookSubscription


class WebhookIn(BaseModel):
    """A new subscription. Filters are optional; an empty list means any."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="http(s) URL; must resolve to a public address.")
    kinds: list[AlertKind] = Field(default_factory=list, max_length=20)
    min_severity: Severity = Severity.LOW
    actors: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    theaters: list[Annotated[str, Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=50
    )


def create_app(
    store: Store,
    *,
    max_limit: int,
    materialiser: Any | None = None,
    api_keys: set[str] | None = None,
    allowed_networks: list[str] | None = None,
    feed: ChangeFeed | None = None,
    heartbeat_s: float = 15.0,
) -> FastAPI:
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

    def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if api_keys and x_api_key not in api_keys:
            raise HTTPException(
                401, detail={"reason": "unauthorized", "detail": "missing or wrong X-API-Key"}
            )

    Authorized = Annotated[None, Depends(require_key)]

    @app.post("/v1/webhooks", status_code=201)
    async def create_webhook(body: WebhookIn, _: Authorized) -> dict[str, Any]:
        """Subscribe a URL to alerts. The response carries the signing secret; it is shown only here."""
        try:
            await asyncio.to_thread(webhooks.check_url, body.url, allowed_networks or [])
        except webhooks.UnsafeURL as exc:
            raise HTTPException(422, detail={"reason": "unsafe_url", "detail": str(exc)}) from exc
        if materialiser is None:
            raise HTTPException(503, detail={"reason": "no_broker", "detail": "subscriptions need Kafka"})
        sub = WebhookSubscription(
            subscription_id="wh_" + secrets.token_hex(8), url=body.url, secret=webhooks.new_secret(), kinds=body.kinds,
            min_severity=body.min_severity, actors=body.actors, theaters=[t.upper() for t in body.theaters],
            created_at=datetime.now(UTC),
        )  # fmt: skip
        await materialiser.publish_subscription(sub)
        await store.upsert_webhook(sub)
        return json.loads(sub.model_dump_json())

    @app.get("/v1/webhooks")
    async def list_webhooks(_: Authorized) -> dict[str, Any]:
        return {"items": await store.list_webhooks()}

    @app.delete("/v1/webhooks/{subscription_id}", status_code=204)
    async def delete_webhook(subscription_id: str, _: Authorized) -> Response:
        if await store.get_webhook(subscription_id) is None:
            raise HTTPException(
                404, detail={"reason": "not_found", "detail": f"no webhook {subscription_id}"}
            )
        if materialiser is not None:
            await materialiser.delete_subscription(subscription_id)
        await store.delete_webhook(subscription_id)
        return Response(status_code=204)

    @app.get("/v1/webhooks/{subscription_id}/deliveries")
    async def list_deliveries(subscription_id: str, _: Authorized, limit: Limit = 50) -> dict[str, Any]:
        """Every delivery attempt, newest first: outcome, HTTP status, error, duration."""
        if await store.get_webhook(subscription_id) is None:
            raise HTTPException(
                404, detail={"reason": "not_found", "detail": f"no webhook {subscription_id}"}
            )
        return {"items": await store.list_deliveries(subscription_id, limit=limit)}

    @app.get(
        "/v1/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
    )
    async def stream(
        request: Request,
        types: Annotated[str, Query(pattern="^(event|alert)(,(event|alert))?$")] = "event,alert",
        event_type: Annotated[str | None, Query(pattern="^(strike|statement)$")] = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
        min_severity: Severity | None = None,
        country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
        last_event_id: Annotated[str | None, Query(max_length=20)] = None,
        last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    ) -> StreamingResponse:
        """Live feed of events and alerts as they are stored. Each message has ``event: event|alert``,
        ``id: <sequence>`` and the JSON document; reconnect with ``Last-Event-ID`` (header or query) to
        receive what was missed. Comment lines are heartbeats. Filters apply on the server."""
        raw = last_event_id_header if last_event_id_header is not None else last_event_id
        if raw is None or raw == "":
            cursor = store.last_seq
        elif raw.isdigit():
            cursor = int(raw)
        else:
            raise HTTPException(
                400,
                detail={"reason": "bad_last_event_id", "detail": "Last-Event-ID must be a sequence number"},
            )
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
            if kind and doc.get("kind") != kind:
                return False
            if Severity(doc.get("severity", "low")).rank < floor:
                return False
            return not country or doc.get("theater") == country.upper()

        async def messages() -> AsyncIterator[bytes]:
            nonlocal cursor
            yield b"retry: 2000\n\n"
            while not await request.is_disconnected():
                rows = await store.changes_since(cursor)
                for seq, kind_name, doc in rows:
                    cursor = seq
                    if keep(kind_name, doc):
                        yield f"id: {seq}\nevent: {kind_name}\ndata: {json.dumps(doc)}\n\n".encode()
                if rows:
                    continue
                if feed is None or not await feed.wait_past(cursor, heartbeat_s):
                    yield b": heartbeat\n\n"

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(messages(), media_type="text/event-stream", headers=headers)

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
