"""What every FastAPI service shares: /metrics, request-duration metric, uvicorn run with graceful shutdown."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.metrics import HTTP_REQUEST_DURATION


def instrument(app: FastAPI, service: str) -> None:
    """Adds GET /metrics and times every request by route template (low cardinality)."""

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def timed(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = "5xx"
        try:
            response = await call_next(request)
            status = f"{response.status_code // 100}xx"
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_REQUEST_DURATION.labels(service, request.method, template, status).observe(
                time.perf_counter() - started
            )


class BodySizeLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 with a reason, whether it declares its
    length or streams it (chunked), before the handler reads it all."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        body = json.dumps(
            {"detail": {"reason": "too_large", "detail": f"request body over {self.max_bytes} bytes"}}
        ).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def serve(app: FastAPI, host: str, port: int, log_level: str) -> None:
    """Run uvicorn; it handles SIGTERM/SIGINT by draining requests and running the lifespan shutdown."""
    import signal

    import uvicorn

    # uvicorn re-raises the signal after its graceful shutdown, restoring the previous handler first;
    # a no-op handler lets the caller's own clean-up run and the process exit 0 after a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: None)

    uvicorn.run(
        app, host=host, port=port, log_level=log_level.lower(), access_log=False, timeout_graceful_shutdown=10
    )
