"""The deliver service's HTTP side and lifecycle: the webhook supervisor runs while the app runs, and
/healthz, /readyz and /metrics report on it.

The supervisor is restarted after an error (the broker unreachable at start, say), so the process keeps
its port and its metrics; /readyz answers 503 until the supervisor is connected again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from services.deliver.webhooks import WebhookSupervisor
from shared.http import instrument
from shared.stream.service import keep_running
from shared.version import __version__

log = logging.getLogger(__name__)


def create_app(supervisor: WebhookSupervisor) -> FastAPI:
    task: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal task
        task = asyncio.create_task(keep_running(supervisor), name="webhook-supervisor")
        try:
            yield
        finally:
            # SIGTERM: deliveries in flight finish and are logged; unsettled alerts stay uncommitted.
            supervisor.stop()
            await task

    app = FastAPI(
        title="warwire deliver", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    instrument(app, "deliver")

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        alive = task is not None and not task.done()
        return JSONResponse({"status": "ok" if alive else "stopped"}, status_code=200 if alive else 503)

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        if not supervisor.running:
            return JSONResponse({"status": "broker_unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "subscriptions": len(supervisor.tasks)})

    return app
