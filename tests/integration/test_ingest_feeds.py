"""Ingest from feeds, files and push over the real broker, with a local HTTP server that serves an RSS
feed (with ETag), an article page, garbage and a feed that never answers in time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from services.ingest.feeds import FeedConfig, FeedPoller
from services.ingest.ingestor import ArticleIn, Ingestor
from services.ingest.producer import ArticlePublisher
from services.ingest.seen import SeenStore
from shared.deadletter import original_value
from shared.kafka_admin import ensure_topics
from shared.messages import decode
from shared.schemas import Article, DeadLetter
from shared.topics import TopicNames
from tests.conftest import ROOT, consume_all

pytestmark = pytest.mark.integration

FULL_TEXT = (
    "Artillery units shelled the outskirts of the northern town on Monday, local officials said. "
    "Residents reported damage to several houses and a school near the main road. " * 4
)
PAGE = """<html><head><title>Drones hit depot</title><meta name="author" content="A. Writer"></head>
<body><nav>Home | World | Sport</nav><article><h1>Drones hit depot</h1>
<p>Drones struck a fuel depot outside the port city overnight, the regional governor said on Tuesday.</p>
<p>Firefighters worked through the night to contain the blaze, which sent black smoke over the harbour.</p>
<p>No casualties were reported, according to the emergency services.</p></article>
<footer>Copyright Example</footer></body></html>"""


def rss(base: str) -> str:
    return f"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Test wire</title><link>{base}</link><description>t</description>
<item><title>Shelling in the north</title><link>{base}/articles/1</link>
<pubDate>Mon, 04 May 2026 10:00:00 GMT</pubDate><content:encoded><![CDATA[<p>{FULL_TEXT}</p>]]></content:encoded></item>
<item><title>Drones hit depot</title><link>{base}/articles/2.html?utm_source=rss</link>
<pubDate>Tue, 05 May 2026 08:00:00 GMT</pubDate><description>Drones struck a depot.</description></item>
</channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    release = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self._send(200, rss(base), "application/rss+xml", {"ETag": '"v1"'})
        elif self.path.startswith("/articles/2.html"):
            self._send(200, PAGE, "text/html")
        elif self.path == "/moved.xml":
            self._send(301, "", "text/plain", {"Location": f"{base}/feed.xml"})
        elif self.path == "/garbage.xml":
            self._send(200, "this is {not} a feed <<< at all", "text/plain")
        elif self.path == "/slow.xml":
            Handler.release.wait(5)  # hold the connection past the poller's timeout
            self._send(200, "late", "text/plain")
        else:
            self._send(404, "missing", "text/plain")

    def _send(self, status: int, body: str, ctype: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()


@pytest.fixture
def pipeline(kafka_bootstrap: str, unique: str, tmp_path):
    names = TopicNames(f"{unique}.")
    ensure_topics(kafka_bootstrap, names)
    publisher = ArticlePublisher([kafka_bootstrap], names, timeout_s=20)
    seen_path = str(tmp_path / "seen.sqlite")
    yield names, publisher, seen_path
    publisher.close()


def poller(feeds: list[FeedConfig], publisher: ArticlePublisher, seen_path: str) -> FeedPoller:
    # The feed server is on loopback: allow-listed, as an operator would (WARWIRE_WEBHOOK_ALLOWED_NETWORKS).
    return FeedPoller(
        feeds, Ingestor(publisher, SeenStore(seen_path)), publisher, timeout_s=1.0, min_content_chars=200,
        allowed_networks=["127.0.0.0/8"],
    )  # fmt: skip


async def test_feed_items_published_once_and_restart_republishes_nothing(
    server: str, pipeline, kafka_bootstrap
) -> None:
    names, publisher, seen_path = pipeline
    feed = FeedConfig(name="testwire", url=f"{server}/feed.xml", interval_s=60)
    first = poller([feed], publisher, seen_path)
    result = await first.poll_once(feed)
    assert (result.status, result.published, result.rejected) == ("ok", 2, 0)

    again = await first.poll_once(feed)  # conditional GET: the server answers 304
    assert (again.status, again.published) == ("not_modified", 0)

    restarted = poller([feed], publisher, seen_path)  # no ETag in memory; the durable seen-state dedups
    after = await restarted.poll_once(feed)
    assert (after.status, after.published, after.duplicates) == ("ok", 0, 2)

    records = consume_all(kafka_bootstrap, names.articles_raw, expect=2, timeout=30)
    articles = {a.title: a for a in (decode(Article, r.value) for r in records)}
    assert len(records) == 2
    depot = articles["Drones hit depot"]
    assert "Firefighters worked through the night" in depot.body  # fetched and extracted from the page
    assert "Home | World" not in depot.body and "Copyright" not in depot.body
    assert depot.url == f"{server}/articles/2.html" and depot.source == "testwire"
    assert depot.published_at is not None and depot.published_at.isoformat().startswith("2026-05-05T08:00")
    assert "Artillery units shelled" in articles["Shelling in the north"].body


async def test_bad_feeds_are_dead_lettered(server: str, pipeline, kafka_bootstrap) -> None:
    names, publisher, seen_path = pipeline
    garbage = FeedConfig(name="garbage", url=f"{server}/garbage.xml")
    slow = FeedConfig(name="slow", url=f"{server}/slow.xml")
    p = poller([garbage, slow], publisher, seen_path)
    assert (await p.poll_once(garbage)).status == "error"
    assert (await p.poll_once(slow)).status == "error"
    assert p.state["slow"].failures == 1
    dead = [
        decode(DeadLetter, r.value)
        for r in consume_all(kafka_bootstrap, names.deadletter, expect=2, timeout=30)
    ]
    reasons = {d.reason: d for d in dead}
    assert set(reasons) == {"feed_unparseable", "feed_timeout"}
    assert original_value(reasons["feed_unparseable"]) == b"this is {not} a feed <<< at all"


async def test_feeds_never_reach_internal_addresses_nor_follow_redirects(
    server: str, pipeline, kafka_bootstrap
) -> None:
    names, publisher, seen_path = pipeline
    moved = FeedConfig(name="moved", url=f"{server}/moved.xml")
    assert (await poller([moved], publisher, seen_path).poll_once(moved)).status == "error"
    internal = FeedConfig(name="internal", url=f"{server}/feed.xml")
    not_allowed = FeedPoller([internal], Ingestor(publisher, SeenStore(seen_path)), publisher, timeout_s=1.0)
    assert (await not_allowed.poll_once(internal)).status == "error"  # loopback, not allow-listed
    dead = {
        d.reason: d
        for d in (decode(DeadLetter, r.value) for r in consume_all(kafka_bootstrap, names.deadletter, expect=2, timeout=30))
    }  # fmt: skip
    assert set(dead) == {"feed_redirect", "feed_unsafe_url"}
    assert "not followed" in dead["feed_redirect"].detail and "127.0.0.1" in dead["feed_unsafe_url"].detail
    assert consume_all(kafka_bootstrap, names.articles_raw, expect=1, timeout=3) == []


def test_near_duplicate_and_language_are_marked(pipeline, kafka_bootstrap) -> None:
    names, publisher, seen_path = pipeline
    ing = Ingestor(publisher, SeenStore(seen_path))
    body = (
        "Rebels attacked an army post near the border on Friday and destroyed two vehicles, officials said. "
        * 3
    )
    first, _ = ing.ingest(
        ArticleIn(title="Post attacked", body=body, url="https://a.example/1", source="A"), channel="push"
    )
    copy, new = ing.ingest(
        ArticleIn(title="Post attacked", body=body + " (AP)", url="https://b.example/x", source="B"),
        channel="push",
    )
    assert new and copy.duplicate_of == first.article_id
    french, _ = ing.ingest(
        ArticleIn(
            body="Des frappes aériennes ont touché plusieurs villages du nord du pays mardi, selon des témoins locaux."
        ),
        channel="push",
    )
    assert french.language == "fr"
    records = [
        decode(Article, r.value)
        for r in consume_all(kafka_bootstrap, names.articles_raw, expect=3, timeout=30)
    ]
    marks = {r.article_id: r.duplicate_of for r in records}
    assert marks == {first.article_id: None, copy.article_id: first.article_id, french.article_id: None}


def test_files_land_with_metadata_and_bad_files_are_dead_lettered(
    pipeline, kafka_bootstrap, unique, tmp_path: Path
) -> None:
    names, _, _ = pipeline
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Jets strike bridge\nJets struck a bridge on Monday, the army said.\n")
    (src / "sub" / "b.jsonl").write_text(
        json.dumps(
            {
                "title": "Clashes",
                "body": "Rival militias clashed in the capital.",
                "url": "https://x.example/c",
                "source": "Wire",
                "published_at": "2026-02-01T10:00:00Z",
            }
        )
        + "\n"
    )
    (src / "bad.json").write_text("{not json")
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, WARWIRE_TOPIC_PREFIX=names.prefix,
               WARWIRE_INGEST_STATE_PATH=str(tmp_path / "cli-seen.sqlite"))  # fmt: skip
    cmd = [
        sys.executable,
        "-m",
        "services.cli",
        "ingest",
        str(src),
        "--published-at",
        "2026-03-02T08:00:00Z",
        "--source",
        "Files",
    ]
    run = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr  # one file was rejected
    lines = [json.loads(x) for x in run.stdout.splitlines()]
    assert sorted(x["status"] for x in lines) == ["published", "published", "rejected"]
    again = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert sorted(json.loads(x)["status"] for x in again.stdout.splitlines()) == [
        "duplicate",
        "duplicate",
        "rejected",
    ]

    arts = {
        a.title: a
        for a in (
            decode(Article, r.value) for r in consume_all(kafka_bootstrap, names.articles_raw, expect=2)
        )
    }
    assert arts["Jets strike bridge"].source == "Files"
    assert (
        arts["Jets strike bridge"].published_at is not None
        and arts["Jets strike bridge"].published_at.day == 2
    )
    assert arts["Clashes"].url == "https://x.example/c"
    dead = [
        decode(DeadLetter, r.value)
        for r in consume_all(kafka_bootstrap, names.deadletter, expect=2, timeout=30)
    ]
    assert {d.reason for d in dead} == {"malformed_json"} and original_value(dead[0]) == b"{not json"
