"""A stage's process around its StreamProcessor: /healthz, /readyz and /metrics over HTTP, the consumer
lag gauge, restarts after errors, and a halt when the dead-letter limit is reached.

The process stays up after an error (the broker away at start, say): it keeps its port and its metrics
and starts the stage again. A dead-letter limit is not retried: the same records would be refused
again, so the stage halts, /healthz says why, and an operator decides (see docs/OPERATIONS.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.deadletter import DeadLetterLimitExceeded
from shared.http import instrument
from shared.lag import LagMonitor
from shared.stream.processor import StreamProcessor

log = logging.getLogger(__name__)


class Runnable(Protocol):
    @property
    def stopping(self) -> asyncio.Event: ...

    async def run(self) -> None: ...


async def keep_running(
    runnable: Runnable, retry_s: float = 5.0, on_halt: Callable[[str], None] | None = None
) -> None:
    """Run until stopped; after an error, log it and run again. A dead-letter limit halts instead."""
    while not runnable.stopping.is_set():
        try:
            await runnable.run()
        except DeadLetterLimitExceeded as exc:
            log.error("halted: %s", exc)
            if on_halt is not None:
                on_halt(str(exc))
            return
        except Exception:
            log.exception("%s failed; starting it again in %.0f s", type(runnable).__name__, retry_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runnable.stopping.wait(), retry_s)


def stage_app(
    service: str,
    processor: StreamProcessor,
    *,
    lag_interval_s: float = 5.0,
    on_stop: Callable[[], Awaitable[None] | None] | None = None,
) -> FastAPI:
    task: asyncio.Task[None] | None = None
    halted: list[str] = []
    cfg = processor.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal task
        task = asyncio.create_task(keep_running(processor, on_halt=halted.append), name=f"{service}-stage")
        monitor = LagMonitor(
            cfg.bootstrap, cfg.group_id, cfg.topics, interval_s=lag_interval_s,
            owned=lambda: {(tp.topic, tp.partition) for tp in processor.consumer.assignment()}
            if processor.consumer is not None else set(),
        )  # fmt: skip
        lag = asyncio.create_task(monitor.run(), name="consumer-lag")
        try:
            yield
        finally:
            # SIGTERM: batches in flight finish and are committed (bounded), then the clients close.
            processor.stop()
            await task
            lag.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag
            if on_stop is not None:
                result = on_stop()
                if result is not None:
                    await result

    app = FastAPI(title=f"warwire {service}", version="1", docs_url=None, redoc_url=None, lifespan=lifespan)
    instrument(app, service)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        if halted:
            return JSONResponse({"status": "halted", "reason": halted[0]}, status_code=503)
        alive = task is not None and not task.done()
        return JSONResponse({"status": "ok" if alive else "stopped", "service": service},
                            status_code=200 if alive else 503)  # fmt: skip

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        if not processor.running:
            return JSONResponse({"status": "not_consuming"}, status_code=503)
        return JSONResponse({"status": "ready", "processed": processor.processed})

    return app
