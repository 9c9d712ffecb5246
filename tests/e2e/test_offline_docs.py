"""/docs and /redoc render in a real headless Chromium with every request to another host blocked
(issue #17 item 3): Swagger UI shows the operations and ReDoc the API's title, from vendored assets only.
The API and ingest apps run under uvicorn in this process on free ports; no broker is needed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from services.api.app import create_app as create_api
from services.api.store import Store
from services.ingest.app import create_app as create_ingest
from services.ingest.ingestor import Ingestor
from services.ingest.seen import SeenStore
from services.runner import free_port
from tests.conftest import wait_for
from tests.e2e.test_live_page import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e]


class _NoPublish:
    def publish(self, article: object) -> None:
        raise AssertionError("not publishing")


def _api(tmp_path: Path) -> FastAPI:
    return create_api(Store(f"sqlite+aiosqlite:///{tmp_path / 'api.sqlite'}"), max_limit=100)


def _ingest(tmp_path: Path) -> FastAPI:
    ingestor = Ingestor(_NoPublish(), SeenStore(":memory:"))  # type: ignore[arg-type]
    return create_ingest(ingestor, api_keys=set(), health=lambda: True, max_bytes=1000)


@pytest.fixture(params=[_api, _ingest], ids=["api", "ingest"])
def origin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a thread; yields its origin (http://127.0.0.1:PORT)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(request.param(tmp_path), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 30, "uvicorn to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_docs_and_redoc_render_with_no_network(origin: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it as root)")
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            browser.route("**/*", only_the_app)
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(origin + "/docs")
            page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
            assert page.locator(".swagger-ui .opblock").count() >= 1
            assert "warwire" in page.locator(".swagger-ui .info .title").inner_text()
            page.screenshot(path=str(tmp_path / "docs.png"))

            page.goto(origin + "/redoc")
            # ReDoc renders the title and one menu entry per operation once it has read the schema.
            page.wait_for_selector("redoc h1", timeout=20_000)
            assert "warwire" in page.locator("redoc h1").first.inner_text()
            page.wait_for_selector("redoc [role=menuitem], redoc li[data-item-id]", timeout=20_000)
            page.screenshot(path=str(tmp_path / "redoc.png"))
            assert not errors, errors
        finally:
            browser.close()
    assert not blocked, f"the docs reached outside the app: {blocked}"
