"""The HTTP API (FastAPI): events, alerts, the live feed (SSE), webhook subscriptions, exports, health,
metrics and the live page at ``/``. OpenAPI at /docs and /redoc (self-hosted: ``shared.api_docs``).

One router per resource in ``services/api/routers/``; their shared dependencies (store, settings, keys,
paging, filters) are ``Annotated`` in ``services/api/deps.py``, so tests can override any of them.
``create_app`` only assembles: the deployment's settings and store on ``app.state``, middleware, error
shape, and which routers need a read key."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from services.api.deps import ApiConfig, open_read, require_key
from services.api.feed import ChangeFeed, follow
from services.api.routers import alerts, events, exports, operations, page, stream, webhooks
from services.api.routers.page import STATIC
from services.api.store import Store
from shared.api_docs import serve_docs
from shared.http import BodySizeLimit, instrument
from shared.version import __version__

__all__ = ["STATIC", "create_app"]
_REASONS = {404: "not_found", 405: "method_not_allowed"}


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
    feed_poll_s: float = 1.0,
) -> FastAPI:
    """``materialiser`` (optional) is started and stopped with the app; tests may pass None. The feed
    also follows what other replicas write to the store, every ``feed_poll_s``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.start()
        follower = None
        if feed is not None:
            feed.start_at(await store.last_seq())
            follower = asyncio.create_task(follow(feed, store.changes_since, feed_poll_s))
        if materialiser is not None:
            await materialiser.start()
        try:
            yield
        finally:
            if materialiser is not None:
                await materialiser.stop()
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            await store.close()

    app = FastAPI(
        title="warwire API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # shared.api_docs serves /docs and /redoc from vendored assets
        redoc_url=None,
        description="Conflict events extracted live from news, escalation alerts, a live feed and webhooks.",
    )
    app.state.store = store
    app.state.config = ApiConfig(
        max_limit=max_limit, api_keys=set(api_keys or ()), read_keys_required=read_keys_required,
        allowed_networks=list(allowed_networks or []), materialiser=materialiser, feed=feed, heartbeat_s=heartbeat_s,
    )  # fmt: skip
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    instrument(app, "api")
    app.add_exception_handler(StarletteHTTPException, _http_error)

    # Reads declare the key in the OpenAPI document only when this deployment requires it.
    read = [Depends(require_key if read_keys_required else open_read)]
    for router in (events.router, exports.router, alerts.router, stream.router):
        app.include_router(router, dependencies=read)
    for router in (webhooks.router, operations.router, page.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    serve_docs(app)
    _document_page_size(app, max_limit)
    return app


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Errors keep FastAPI's shape; a 405 lists every method the path supports in Allow."""
    assert isinstance(exc, StarletteHTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, dict)
        else {"reason": _REASONS.get(exc.status_code, "error"), "detail": str(exc.detail)}
    )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = {
            m
            for r in _leaves(request.app.router.routes)
            if r.matches(request.scope)[0] != Match.NONE
            for m in getattr(r, "methods", None) or ()
        }
        headers["Allow"] = ", ".join(sorted(methods))
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def _leaves(routes: list[Any]) -> Iterator[Any]:
    """Every route, those of included routers too (FastAPI keeps an included router as one entry; the
    routers here have no prefix, so their routes match the request's path as they are)."""
    for r in routes:
        included = getattr(r, "original_router", None)
        yield from _leaves(included.routes) if included is not None else (r,)


def _document_page_size(app: FastAPI, max_limit: int) -> None:
    """The OpenAPI document states this deployment's largest page (``deps.page_limit`` enforces it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operation in (op for item in schema.get("paths", {}).values() for op in item.values()):
                for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                    if param.get("in") == "query" and param.get("name") == "limit":
                        param["schema"]["maximum"] = max_limit
                        param["description"] = f"Page size, 1..{max_limit}."
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
