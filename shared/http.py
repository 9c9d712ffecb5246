"""What every FastAPI service shares: /metrics, request-duration metric, uvicorn run with graceful shutdown."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

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
