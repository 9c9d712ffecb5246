"""The deliver service's lifecycle without a broker: /healthz and /readyz follow the supervisor, a failed
supervisor is started again, and the app's shutdown stops it gracefully."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient

from services.deliver.app import create_app, keep_running
from tests.conftest import wait_for


class FakeSupervisor:
    """Fails its first ``failures`` runs (the broker unreachable), then follows until stopped."""

    def __init__(self, failures: int = 0) -> None:
        self.stopping = asyncio.Event()
        self.running = False
        self.tasks: dict[str, Any] = {"wh_1": None}
        self.failures, self.runs = failures, 0
        self.started = asyncio.Event()

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise ConnectionError("no broker")
        self.running = True
        self.started.set()
        try:
            await self.stopping.wait()
        finally:
            self.running = False


def test_health_follows_the_supervisor_and_shutdown_stops_it() -> None:
    supervisor = FakeSupervisor()
    with TestClient(create_app(supervisor)) as client:  # type: ignore[arg-type]
        assert client.get("/healthz").status_code == 200
        ready = wait_for(lambda: (r := client.get("/readyz")).status_code == 200 and r, 5, "ready")
        assert ready.json() == {"status": "ready", "subscriptions": 1}
        assert "warwire_http_request_duration_seconds" in client.get("/metrics").text
    assert supervisor.stopping.is_set() and not supervisor.running  # the lifespan's shutdown stopped it


async def test_a_failed_supervisor_is_started_again() -> None:
    supervisor = FakeSupervisor(failures=2)
    task = asyncio.create_task(keep_running(supervisor, retry_s=0.01))  # type: ignore[arg-type]
    await asyncio.wait_for(supervisor.started.wait(), 5)
    assert supervisor.running and supervisor.runs == 3
    supervisor.stop()
    await asyncio.wait_for(task, 5)
