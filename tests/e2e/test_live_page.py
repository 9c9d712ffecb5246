"""The live page in a real headless Chromium (Debian's, driven by Playwright): an article posted to ingest
becomes an event that appears in the feed over SSE and as a point on the offline map; clicking it shows
its evidence and sources. The page loads nothing from outside the API."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.runner import Stack
from tests.conftest import make_stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, Chromium needs --no-sandbox; the rest keep it from reaching for the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ARTICLE = {
    "title": "Gunboats shell harbour",
    "url": "https://example.org/live-page/1",
    "source": "Page Test Wire",
    "published_at": "2026-06-03T09:00:00Z",
    "body": "Two gunboats in the Black Sea fired 8 cruise missiles at the port of Odesa on Tuesday, "
    "the regional governor said.",
}


@pytest.fixture
def stack(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Stack]:
    s = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_EXTRACT_WORKERS="0")
    s.start(("ingest", "extract", "api"))
    try:
        s.wait_healthy(timeout=180, services=("ingest", "extract", "api"))
        yield s
    finally:
        s.stop()


def test_posted_article_appears_on_the_live_page(stack: Stack, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it as root)")
    from playwright.sync_api import sync_playwright

    api = stack.url("api")
    outside: list[str] = []
    with sync_playwright() as p:
        # A fresh profile per run: Playwright passes it as --user-data-dir.
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 800},
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: None if r.url.startswith(api) else outside.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(api + "/")
            page.wait_for_selector("#status.live", timeout=20_000)
            page.wait_for_function(
                "document.querySelectorAll('#countries path').length > 100", timeout=20_000
            )
            assert page.locator("#feed li").count() == 0

            r = httpx.post(stack.url("ingest") + "/v1/articles", json=ARTICLE, timeout=30)
            assert r.status_code == 202, r.text

            item = page.locator("#feed li[data-kind=event][data-event-type=strike]").first
            item.wait_for(timeout=90_000)
            assert "Odesa" in item.inner_text()
            point = page.locator("#points circle.strike")
            wait_for(lambda: point.count() >= 1, 10, "the event's point on the map")
            assert point.first.get_attribute("class") is not None and "p1" in (
                point.first.get_attribute("class") or ""
            )

            item.click()
            page.wait_for_selector("#detail:not([hidden]) blockquote", timeout=10_000)
            detail = page.locator("#detail").inner_text()
            assert "fired 8 cruise missiles" in detail  # the evidence sentence
            assert "Page Test Wire" in detail  # the source
            assert "v1 stored" in detail  # the version history
            page.screenshot(path=str(Path(stack.workdir) / "live-page.png"))
            assert not errors, errors
        finally:
            browser.close()
    assert not outside, f"the page reached outside the API: {outside}"
