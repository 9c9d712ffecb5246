"""The live page in a real headless Chromium (Debian's, driven by Playwright) over the real stack (ingest,
extract, api and the broker). Articles posted to ingest become events that appear in the feed over SSE and
on the Leaflet map; alerts published to Kafka appear in the pinned alert lane and on the map. The test
drives what an analyst does: the filter bar (kept in the URL) and the timeline's brush, with the map and
the feed following; zoom; a link to one event; keyboard operation; a 390 px phone; and an API restart,
after which an event stored during the outage appears without a reload. The page loads nothing from
outside the API. Screenshots of each step are kept in .cache/artifacts/live-page/ (git-ignored); what
each shows is checked on the DOM."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.runner import Stack
from shared.messages import encode
from shared.schemas import Alert
from shared.topics import ALERTS, TopicNames
from tests.conftest import consume_all, make_producer, make_stack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".cache" / "artifacts" / "live-page"
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


def article(n: int, title: str, published: str, body: str) -> dict[str, str]:
    return {
        "title": title,
        "url": f"https://example.org/live-page/{n}",
        "source": "Page Test Wire",
        "published_at": published,
        "body": body,
    }


# Three strikes on three days, in two countries: a town (Odesa, launched from the Black Sea), a town in
# Syria (Idlib), and a country-level strike launched from the Caspian Sea (a shaded Syria and an arc).
ODESA = article(
    1, "Gunboats shell harbour", "2026-06-03T09:00:00Z",
    "Two gunboats in the Black Sea fired 8 cruise missiles at the port of Odesa on Tuesday, "
    "the regional governor said.",
)  # fmt: skip
IDLIB = article(
    2, "Jets strike Idlib", "2026-05-20T09:00:00Z",
    "Russian warplanes carried out air strikes on the town of Idlib on Monday, a monitoring group said.",
)  # fmt: skip
CASPIAN = article(
    3, "Warships fire missiles from the Caspian", "2026-05-27T09:00:00Z",
    "Four Russian warships in the Caspian Sea fired 26 cruise missiles at targets in Syria on Tuesday, "
    "the defence minister said.",
)  # fmt: skip
# Posted while the API is down.
BELGOROD = article(
    4, "Drone attack on fuel depot", "2026-06-04T09:00:00Z",
    "Ukrainian drones struck a fuel depot in Belgorod overnight, the regional governor said on Thursday.",
)  # fmt: skip


@pytest.fixture
def stack(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Stack]:
    s = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_EXTRACT_WORKERS="0")
    s.start(("ingest", "extract", "merge", "api"))
    try:
        s.wait_healthy(timeout=180, services=("ingest", "extract", "merge", "api"))
        yield s
    finally:
        s.stop()


def post(stack: Stack, doc: dict[str, str]) -> None:
    r = httpx.post(stack.url("ingest") + "/v1/articles", json=doc, timeout=30)
    assert r.status_code == 202, r.text


def publish_alerts(bootstrap: str, names: TopicNames, *alerts: Alert) -> None:
    producer = make_producer(bootstrap)
    for al in alerts:
        enc = encode(ALERTS, al, source="/test")
        producer.send(names.alerts, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()


def strikes(api: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(
        api + "/v1/events", params={"type": "strike", **params}, timeout=10
    ).json()["items"]
    return items


def where(ev: dict[str, Any]) -> str:
    return " ".join(p["name"] for p in ev["locations"])


CONTRAST = """(node) => {
  const rgb = (s) => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(node);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_live_page(stack: Stack, kafka_bootstrap: str, unique: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh installs it as root)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def shot(page: Any, name: str) -> None:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    api = stack.url("api")
    names = TopicNames(f"{unique}.")
    outside: list[str] = []
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        # A fresh profile per run: Playwright passes it as --user-data-dir.
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = browser.new_page()

            def on_request(r: Any) -> None:
                requests.append(r.url)
                if not r.url.startswith((api + "/", "data:")):
                    outside.append(r.url)

            page.on("request", on_request)
            page.on("pageerror", lambda e: errors.append(str(e)))

            # -- empty state, then live arrivals ---------------------------------------------------------
            page.goto(api + "/")
            expect(page.locator("#status")).to_have_class(re.compile(r"\blive\b"), timeout=20_000)
            expect(page.locator("#map")).to_have_attribute("data-countries", "177", timeout=20_000)
            expect(page.locator("#feed-empty")).to_be_visible()
            assert page.locator("#feed li").count() == 0
            assert page.locator("link[rel=icon]").count() == 1

            for doc in (ODESA, IDLIB, CASPIAN):
                post(stack, doc)
            feed = page.locator("#feed li[data-kind=event][data-event-type=strike]")
            expect(feed).to_have_count(3, timeout=120_000)
            expect(page.locator("#feed-empty")).to_be_hidden()
            wait_for(lambda: len(strikes(api)) == 3, 30, "three strikes stored")
            evs = strikes(api)
            by_place = {where(e): e for e in evs}
            odesa, idlib, caspian = by_place["Odesa"], by_place["Idlib"], by_place["Syria"]
            # Newest first, as the API lists them; cards carry confidence and claim chips.
            assert [li.get_attribute("data-id") for li in feed.all()] == [e["event_id"] for e in evs]
            card = page.locator(f"#feed li[data-id='{odesa['event_id']}']")
            expect(card.locator(".chip.conf-high, .chip.conf-mid, .chip.conf-low")).to_have_count(1)
            expect(card.locator(".chip[class*=claim-]")).to_contain_text("claimed")
            # The map: one marker per located strike, the country-level one as a shaded Syria with a
            # badge, and launch arcs (Black Sea -> Odesa, Caspian Sea -> Syria).
            expect(page.locator(".ev-marker")).to_have_count(2, timeout=10_000)
            expect(page.locator(".ev-marker .mk.t-missile_strike")).to_have_count(1)
            expect(page.locator(".ev-marker .mk.t-air_strike")).to_have_count(1)
            expect(page.locator(".ev-area[data-country=SY]")).to_contain_text("Syria · 1")
            expect(page.locator("#map")).to_have_attribute("data-arcs", "2")
            # One spoken summary for the arrivals, not one announcement per item.
            expect(page.locator("#announcer")).to_contain_text("new event")
            assert page.locator("[aria-live]").count() == 1
            # The timeline: one bar per strike day.
            expect(page.locator("#timeline rect.bar")).to_have_count(3)
            shot(page, "01-events")

            # -- alerts: pinned lane, readable kinds, distinct severities, on the map ----------------------
            raised = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)
            publish_alerts(
                kafka_bootstrap, names,
                Alert(alert_id=f"{unique}-hi", kind="long_range_strike", severity="high",
                      title="Cruise missiles from the Caspian Sea", summary="A first launch from the Caspian.",
                      theater="SY", event_ids=[caspian["event_id"]], raised_at=raised),
                Alert(alert_id=f"{unique}-med", kind="geographic_expansion", severity="medium",
                      title="Strikes reach Odesa", summary="A new area.", theater="UA",
                      event_ids=[odesa["event_id"]], raised_at=datetime(2026, 6, 2, 12, 0, tzinfo=UTC)),
            )  # fmt: skip
            lane = page.locator("#alerts li")
            expect(lane).to_have_count(2, timeout=30_000)
            expect(lane.first).to_contain_text("Geographic expansion")  # newest first, kind readable
            expect(lane.nth(1)).to_contain_text("Long-range strike")
            expect(lane.nth(1)).to_contain_text("27 May 2026, 10:00 UTC")  # a human date
            assert "geographic_expansion" not in page.locator("#alert-lane").inner_text()
            medium, high = page.locator(".badge.sev-medium").first, page.locator(".badge.sev-high").first
            colours = [b.evaluate("n => getComputedStyle(n).backgroundColor") for b in (medium, high)]
            assert colours[0] != colours[1], colours
            assert medium.locator("path").get_attribute("d") != high.locator("path").get_attribute("d")
            for badge in page.locator(".badge").all():  # WCAG AA
                assert badge.evaluate(CONTRAST) >= 4.5, badge.inner_text()
            expect(page.locator(".alert-marker")).to_have_count(2)
            expect(page.locator("#timeline line.tick-alert")).to_have_count(2)
            # Clicking an alert flies the map to its theater, and its events are linked by title.
            lane.nth(1).click()
            detail = page.locator("#detail")
            expect(detail).to_be_visible()
            expect(detail.locator("a[data-event-id]")).to_contain_text("missile strike")
            page.wait_for_function(
                """() => { const c = window.warwireMap.getCenter();
                   return c.lat > 32 && c.lat < 38 && c.lng > 35 && c.lng < 43; }""",
                timeout=10_000,
            )
            shot(page, "02-alert-flies-to-syria")
            page.keyboard.press("Escape")
            expect(detail).to_be_hidden()

            # -- the filter bar, kept in the URL ---------------------------------------------------------
            page.fill("#f-country", "SY")
            expect(feed).to_have_count(2)
            assert {li.get_attribute("data-id") for li in feed.all()} == {
                idlib["event_id"],
                caspian["event_id"],
            }
            expect(page.locator(".ev-marker")).to_have_count(1)
            expect(page.locator(f".ev-marker[data-id='{idlib['event_id']}']")).to_have_count(1)
            expect(page.locator(".alert-marker")).to_have_count(1)  # the Ukrainian alert is filtered out
            expect(lane).to_have_count(1)
            page.wait_for_function("location.search.includes('country=SY')")
            page.reload()
            expect(page.locator("#f-country")).to_have_value("SY")
            expect(feed).to_have_count(2, timeout=20_000)
            shot(page, "03-filter-theater-SY")
            page.click("#f-reset")
            expect(feed).to_have_count(3)
            page.select_option("#f-min-severity", "high")  # severity: the alert lane (and its markers)
            expect(lane).to_have_count(1)
            expect(lane.first).to_have_attribute("data-severity", "high")
            expect(page.locator(".alert-marker")).to_have_count(1)
            page.wait_for_function("location.search.includes('min_severity=high')")
            page.click("#f-reset")
            expect(lane).to_have_count(2)
            page.wait_for_function("!location.search.includes('country=')")

            # -- the timeline brush narrows the map and the feed -----------------------------------------
            bar = page.locator("#timeline rect.bar[data-day='2026-06-02']")
            box = bar.bounding_box()
            assert box is not None
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + 1, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2, y, steps=3)
            page.mouse.move(box["x"] + box["width"] - 1, y, steps=3)
            page.mouse.up()
            expect(page.locator("#timeline rect.brush")).to_have_count(1)
            expect(page.locator("#brush-label")).to_have_text("2 Jun 2026 – 2 Jun 2026")
            expect(feed).to_have_count(1)
            expect(feed.first).to_have_attribute("data-id", odesa["event_id"])
            expect(page.locator(".ev-marker")).to_have_count(1)
            expect(page.locator(f".ev-marker[data-id='{odesa['event_id']}']")).to_have_count(1)
            expect(page.locator(".ev-area")).to_have_count(0)
            expect(page.locator("#map")).to_have_attribute("data-arcs", "1")
            assert "range=2026-06-02..2026-06-02" in page.url
            shot(page, "04-brush")
            page.click("#brush-clear")
            expect(feed).to_have_count(3)
            # The same by keyboard: an arrow picks the last day, Escape clears the range.
            page.locator("#timeline").focus()
            page.keyboard.press("ArrowLeft")
            expect(page.locator("#brush-label")).to_have_text("2 Jun 2026 – 2 Jun 2026")
            expect(feed).to_have_count(1)
            page.keyboard.press("Escape")
            expect(feed).to_have_count(3)
            expect(page.locator("#brush-clear")).to_be_hidden()

            # -- zoom: the wheel over Odesa, down to where place labels show ---------------------------------
            zoom = float(page.locator("#map").get_attribute("data-zoom") or 0)
            assert page.locator("#map.no-labels").count() == 1
            odesa_marker = page.locator(f".ev-marker[data-id='{odesa['event_id']}']")
            for _ in range(8):
                current = page.locator("#map").get_attribute("data-zoom")
                if float(current or 0) >= 6:
                    break
                at = odesa_marker.bounding_box()
                assert at is not None
                page.mouse.move(at["x"] + at["width"] / 2, at["y"] + at["height"] / 2)
                page.mouse.wheel(0, -300)
                page.wait_for_function(f"document.getElementById('map').dataset.zoom !== '{current}'")
            assert float(page.locator("#map").get_attribute("data-zoom") or 0) >= max(6, zoom + 1)
            expect(page.locator("#map.no-labels")).to_have_count(0)
            expect(page.locator(".leaflet-tooltip.lbl", has_text="Odesa")).to_be_visible()
            expect(page.locator(".country-lbl", has_text="Ukraine")).to_be_visible()
            shot(page, "05-zoomed")
            page.click("#fit")

            # -- a link to one event opens its detail -----------------------------------------------------
            page.goto(f"{api}/?event={idlib['event_id']}")
            expect(detail).to_be_visible(timeout=20_000)
            expect(page.locator("#detail-body")).to_have_attribute("data-event-id", idlib["event_id"])
            expect(detail).to_contain_text("air strikes on the town of Idlib")
            shot(page, "06-event-link")

            # -- keyboard: skip link, Tab to a feed item, Enter opens it, Escape closes it ------------------
            page.goto(api + "/")
            expect(feed).to_have_count(3, timeout=20_000)
            # After a reload, too, events and alerts are newest first, each in their own list.
            assert [li.get_attribute("data-id") for li in feed.all()] == [e["event_id"] for e in evs]
            expect(lane.first).to_contain_text("Geographic expansion")
            page.keyboard.press("Tab")
            expect(page.locator("a.skip")).to_be_focused()
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            expect(feed.first).to_be_focused()
            page.keyboard.press("Enter")
            expect(detail).to_be_visible()
            expect(page.locator("#detail-body")).to_have_attribute("data-event-id", evs[0]["event_id"])
            page.keyboard.press("Escape")
            expect(detail).to_be_hidden()
            expect(feed.first).to_be_focused()
            # Markers are buttons in the tab order too.
            marker = page.locator(f".ev-marker[data-id='{odesa['event_id']}']")
            assert marker.get_attribute("tabindex") == "0"
            marker.focus()
            page.keyboard.press("Enter")
            expect(page.locator("#detail-body")).to_have_attribute("data-event-id", odesa["event_id"])
            shot(page, "07-keyboard")
            page.keyboard.press("Escape")

            # -- a 390 px phone: stacked layout, the detail as a visible bottom sheet -----------------------
            page.set_viewport_size({"width": 390, "height": 844})
            map_box, feed_box = page.locator("#map").bounding_box(), page.locator("#feed").bounding_box()
            assert map_box and feed_box and map_box["width"] > 300 and feed_box["width"] > 300
            feed.nth(1).click()
            expect(detail).to_be_visible()
            expect(detail).to_be_in_viewport()
            sheet = detail.bounding_box()
            assert sheet and sheet["width"] >= 380 and sheet["y"] + sheet["height"] <= 844 + 1, sheet
            expect(detail.locator("blockquote").first).to_be_in_viewport()
            shot(page, "08-phone-detail")
            page.click("#close-detail")
            page.set_viewport_size({"width": 1400, "height": 900})

            # -- an API outage: a stale banner, no uncaught errors, then catch-up without a reload ----------
            # This page was loaded after the three strikes were stored and has had no live message since,
            # so it has no Last-Event-ID to resume from. Its stream stays refused (as by a proxy still
            # starting) until the restarted API has stored the event posted during the outage: only the
            # catch-up can bring that event, since a stream without Last-Event-ID starts from now.
            page.evaluate("window.notReloaded = true")
            page.route(re.compile(r".*/v1/stream.*"), lambda route: route.abort())
            stack.stop_one("api")
            expect(page.locator("#stale")).to_be_visible(timeout=20_000)
            expect(page.locator("#status")).to_have_class(re.compile(r"\bdown\b"))
            feed.first.click()  # the API is down: the page shows its own copy, and throws nothing
            expect(detail).to_contain_text("unreachable")
            lane.first.click()
            expect(page.locator("#detail-body")).to_have_attribute("data-alert-id", f"{unique}-med")
            shot(page, "09-outage")
            post(stack, BELGOROD)
            consume_all(kafka_bootstrap, names.events_strike, expect=4, timeout=90)  # extracted
            stack.start_one("api")
            stack.wait_healthy(timeout=60, services=("api",))
            wait_for(
                lambda: len(strikes(api)) == 4, 60, "the API to store the strike posted during the outage"
            )
            expect(page.locator("#stale")).to_be_visible()
            assert page.locator("#feed li", has_text="Belgorod").count() == 0
            page.unroute(re.compile(r".*/v1/stream.*"))
            belgorod = page.locator("#feed li[data-kind=event]", has_text="Belgorod")
            expect(belgorod).to_have_count(1, timeout=30_000)
            expect(page.locator("#stale")).to_be_hidden()
            expect(page.locator("#status")).to_have_class(re.compile(r"\blive\b"))
            assert page.evaluate("window.notReloaded") is True
            assert any("updated_since=" in u for u in requests), "no catch-up read after the reconnect"
            expect(feed.first).to_contain_text("Belgorod")  # newest first
            expect(page.locator(".ev-marker .mk.t-drone_strike")).to_have_count(1)
            shot(page, "10-caught-up")
            assert not errors, errors
        finally:
            browser.close()
    assert not outside, f"the page reached outside the API: {outside}"
    assert all(s.stat().st_size > 10_000 for s in shots)
