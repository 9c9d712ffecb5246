"""Feeds configured through the environment are polled by the real ingest process: a local HTTP server
serves an Atom feed (one entry with its text, one with only a summary whose article page ingest fetches),
the whole stack runs as separate processes (services.runner.Stack, its default services), and the
entries' strike reaches the API, citing both feed items. The poller stops with the service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from tests.conftest import make_stack, wait_for

pytestmark = pytest.mark.integration

FEED_NAME = "localwire"
PAGE = """<html><head><title>Frigates fire missiles</title></head><body>
<nav>Home | World | Sport</nav><article><h1>Frigates fire missiles</h1>
<p>Two frigates in the Baltic Sea fired 12 cruise missiles at radar sites in Latvia on Tuesday, the Russian
defence ministry said.</p>
<p>Officials in Riga said the radar sites were damaged and that the strikes were being assessed.</p>
</article><footer>Copyright Example</footer></body></html>"""
CONTENT = (
    "Russian warships launched cruise missiles at radar installations in Latvia on Tuesday, officials said."
)


def atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Local wire</title><id>{base}/feed</id>
<updated>2026-06-03T11:00:00Z</updated>
<entry><title>Frigates fire missiles</title><id>{base}/articles/1</id><link href="{base}/articles/1.html"/>
<updated>2026-06-03T09:00:00Z</updated><summary>Frigates fired missiles.</summary></entry>
<entry><title>Missiles hit radar sites</title><id>{base}/articles/2</id><link href="{base}/articles/2"/>
<updated>2026-06-03T11:00:00Z</updated><content type="html">&lt;p&gt;{CONTENT}&lt;/p&gt;</content></entry>
</feed>"""


class FeedServer(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str | None]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        FeedServer.requests.append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/feed.atom":
            if self.headers.get("If-None-Match") == '"f1"':
                self.send_response(304)
                self.end_headers()
                return
            self._send(atom(base), "application/atom+xml", {"ETag": '"f1"'})
        elif self.path == "/articles/1.html":
            self._send(PAGE, "text/html")
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: str, ctype: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def feed_url() -> Iterator[str]:
    FeedServer.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.atom"
    httpd.shutdown()


def test_a_configured_feed_reaches_the_api(
    kafka_bootstrap: str, unique: str, tmp_path: Path, feed_url: str
) -> None:
    feeds = [{"name": FEED_NAME, "url": feed_url, "interval_s": 1}]
    stack = make_stack(
        kafka_bootstrap, unique, tmp_path,
        WARWIRE_INGEST_FEEDS=json.dumps(feeds),
        WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",  # the feed server is on loopback
        WARWIRE_INGEST_MIN_CONTENT_CHARS="60",  # the summary-only entry gets its page fetched
    )  # fmt: skip
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        api, ingest = stack.url("api"), stack.url("ingest")

        def strike_from_the_feed() -> dict[str, Any] | None:
            items = httpx.get(f"{api}/v1/events", params={"type": "strike"}, timeout=5).json()["items"]
            return next((e for e in items if len(e["sources"]) == 2), None)

        event = wait_for(strike_from_the_feed, 180, "the feed's strike in the API, citing both entries")
        assert {s["source"] for s in event["sources"]} == {FEED_NAME}
        base = feed_url.rsplit("/", 1)[0]
        assert {s["url"] for s in event["sources"]} == {f"{base}/articles/1.html", f"{base}/articles/2"}
        assert event["actor"]["name"] == "Russia" and event["strike_type"] == "missile_strike"
        assert ("/articles/1.html", None) in FeedServer.requests  # the page of the summary-only entry

        # The service keeps polling, conditionally: a later poll sends the ETag and gets 304.
        wait_for(lambda: ("/feed.atom", '"f1"') in FeedServer.requests, 30, "a conditional re-poll")
        status = httpx.get(f"{ingest}/v1/feeds", timeout=5).json()[FEED_NAME]
        assert status["failures"] == 0 and status["etag"] == '"f1"', status
        metrics = httpx.get(f"{ingest}/metrics", timeout=5).text
        assert f'warwire_feed_up{{feed="{FEED_NAME}"}} 1.0' in metrics
        assert (
            f'warwire_articles_ingested_total{{outcome="published",source="feed:{FEED_NAME}"}} 2.0' in metrics
        )
    finally:
        codes = stack.stop()
    assert set(codes.values()) == {0}, f"unclean shutdown: {codes}"
