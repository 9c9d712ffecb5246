"""Ingest over the real broker: pushed articles land on articles.raw once, with metadata and headers."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.ingest.app import create_app
from services.ingest.ingestor import Ingestor
from services.ingest.producer import ArticlePublisher
from services.ingest.seen import SeenStore
from shared.kafka_admin import ensure_topics
from shared.messages import decode, headers_dict
from shared.schemas import Article
from shared.topics import TopicNames
from tests.conftest import consume_all

pytestmark = pytest.mark.integration
KEY = "test-key"


@pytest.fixture
def ingest(kafka_bootstrap: str, unique: str, tmp_path):
    names = TopicNames(f"{unique}.")
    ensure_topics(kafka_bootstrap, names)
    publisher = ArticlePublisher([kafka_bootstrap], names, timeout_s=20)
    ingestor = Ingestor(publisher, SeenStore(str(tmp_path / "seen.sqlite")), max_bytes=100_000)
    app = create_app(ingestor, api_keys={KEY}, health=publisher.healthy, max_bytes=100_000)
    with TestClient(app) as client:
        yield client, names
    publisher.close()


def test_push_lands_once_on_articles_raw(ingest, kafka_bootstrap: str) -> None:
    client, names = ingest
    body = {
        "title": "Jets strike depot",
        "body": "Jets struck a fuel depot on Monday.",
        "url": "https://e.org/a?utm_source=x",
        "source": "Example",
        "published_at": "2026-05-04T08:00:00+02:00",
    }
    r1 = client.post("/v1/articles", json=body, headers={"X-API-Key": KEY})
    r2 = client.post("/v1/articles", json=body, headers={"X-API-Key": KEY})
    assert r1.status_code == 202 and r1.json()["status"] == "accepted"
    assert r2.status_code == 200 and r2.json() == {
        "article_id": r1.json()["article_id"],
        "status": "duplicate",
    }
    records = consume_all(kafka_bootstrap, names.articles_raw, expect=1, timeout=30)
    assert len(records) == 1
    rec = records[0]
    article = decode(Article, rec.value)
    assert rec.key.decode() == article.article_id == r1.json()["article_id"]
    assert article.url == "https://e.org/a" and article.source == "Example"
    assert article.published_at is not None and article.published_at.hour == 6  # normalised to UTC
    assert headers_dict(rec.headers)["ce_type"] == "io.warwire.article.v1"
    assert client.get("/readyz").status_code == 200


def test_push_html_extracts_text(ingest, kafka_bootstrap: str) -> None:
    client, names = ingest
    html = (
        "<html><head><title>Shelling</title></head><body><nav>Home | World</nav><article><h1>Shelling</h1>"
        "<p>Artillery shelled the eastern district on Tuesday, officials said, damaging several homes and a school."
        "</p><p>Residents said the bombardment lasted for two hours before it stopped in the evening.</p>"
        "</article></body></html>"
    )
    r = client.post(
        "/v1/articles?title=Shelling&source=Page",
        content=html,
        headers={"X-API-Key": KEY, "Content-Type": "text/html"},
    )
    assert r.status_code == 202, r.text
    (rec,) = consume_all(kafka_bootstrap, names.articles_raw, expect=1, timeout=30)
    article = decode(Article, rec.value)
    assert "Artillery shelled the eastern district" in article.body
    assert "Home | World" not in article.body


@pytest.mark.parametrize(
    ("content", "ctype", "status", "reason"),
    [
        (b"{not json", "application/json", 400, "malformed_json"),
        (b"\xff\xfe\x00bad", "application/json", 400, "invalid_utf8"),
        (json.dumps({"title": "x", "body": ""}).encode(), "application/json", 422, "empty_body"),
        (json.dumps({"body": "a\u0000b"}).encode(), "application/json", 422, "binary"),
        (json.dumps({"body": "x" * 200_000}).encode(), "application/json", 413, "too_large"),
        (
            json.dumps({"body": "ok text", "published_at": "someday"}).encode(),
            "application/json",
            422,
            "bad_date",
        ),
        (json.dumps({"body": 5}).encode(), "application/json", 422, "invalid_fields"),
        (b"<html><body></body></html>", "text/html", 422, "no_article_text"),
        (b"plain", "text/plain", 415, "unsupported_media_type"),
        # Hardening (#18): none of these may answer 500 or 503.
        (b"[" * 50_000 + b"]" * 50_000, "application/json", 400, "malformed_json"),
        (b'{"body": "text", "title": ' + b"7" * 5000 + b"}", "application/json", 400, "malformed_json"),
        (b"[]", "application/json", 422, "invalid_fields"),
        (b'{"body": "x\\ud800"}', "application/json", 422, "invalid_fields"),
        (b'{"body": "text", "title": "x\\udc00"}', "application/json", 422, "invalid_fields"),
        (b'{"body": "text", "published_at": "x\\ud800 2026"}', "application/json", 422, "invalid_fields"),
        *[
            (json.dumps({"body": "text", "published_at": d}).encode(), "application/json", 422, "bad_date")
            for d in ["0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-01-01T00:00+99:00", "-1"]
        ],
        *[
            (json.dumps({"body": "text", "url": u}).encode(), "application/json", 422, "bad_url")
            for u in ["javascript:alert(1)", "file:///etc/passwd", "ftp://e.org/a", "http://e.org:0x50/"]
        ],
        (b"<p>x</p>", "text/html", 422, "bad_url"),  # url=javascript:... in the query string, below
    ],
)
def test_bad_input_gets_a_precise_4xx(ingest, content: bytes, ctype: str, status: int, reason: str) -> None:
    client, _ = ingest
    query = "?url=javascript:alert(1)" if content == b"<p>x</p>" else ""
    r = client.post(
        "/v1/articles" + query, content=content, headers={"X-API-Key": KEY, "Content-Type": ctype}
    )
    assert r.status_code == status, r.text
    assert r.json()["reason"] == reason
    if reason in {"bad_date", "bad_url"}:  # the detail names the field
        assert r.json()["detail"].startswith("published_at:" if reason == "bad_date" else "url:"), r.json()
    if reason == "invalid_fields" and b"\\ud" in content:
        field = "published_at" if b"published_at" in content else "title" if b"title" in content else "body"
        assert r.json()["detail"].startswith(field), r.json()


def test_control_characters_are_stripped_not_refused(ingest, kafka_bootstrap: str) -> None:
    client, names = ingest
    body = {"title": "Jets\u0000 strike", "body": "Jets struck\u0007 a depot.", "url": "https://e.org/\u0000n",
            "source": "Wi\u0000re\u001b", "published_at": "2026-05-04T08:00:00Z"}  # fmt: skip
    r = client.post("/v1/articles", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 202, r.text
    (rec,) = consume_all(kafka_bootstrap, names.articles_raw, expect=1, timeout=30)
    article = decode(Article, rec.value)
    assert (article.title, article.body, article.url, article.source) == (
        "Jets strike",
        "Jets struck a depot.",
        "https://e.org/n",
        "Wire",
    )


def test_a_chunked_body_over_the_limit_is_refused_while_streaming(ingest) -> None:
    client, _ = ingest
    sent = 0

    def chunks():  # no Content-Length: the size is only known by counting
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b"x" * 10_000

    r = client.post(
        "/v1/articles", content=chunks(), headers={"X-API-Key": KEY, "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["reason"] == "too_large"
    r = client.post("/v1/articles", content=b"{}", headers={"X-API-Key": KEY, "Content-Length": "999999999"})
    assert r.status_code == 413


async def test_fifty_identical_concurrent_pushes_publish_once(ingest, kafka_bootstrap: str) -> None:
    """Check, publish and record were separate steps: identical pushes in parallel were all accepted."""
    import asyncio

    import httpx

    client, names = ingest
    body = {"title": "Race", "body": "Artillery shelled the northern town on Monday, officials said.",
            "url": "https://e.org/race", "source": "Example", "published_at": "2026-05-04T08:00:00Z"}  # fmt: skip
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
        responses = await asyncio.gather(
            *(http.post("/v1/articles", json=body, headers={"X-API-Key": KEY}) for _ in range(50))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 49 + [202], statuses
    ids = {r.json()["article_id"] for r in responses}
    assert len(ids) == 1
    records = consume_all(kafka_bootstrap, names.articles_raw, expect=2, timeout=10)
    assert len(records) == 1
    assert decode(Article, records[0].value).duplicate_of is None  # never its own duplicate


def test_api_key_required(ingest) -> None:
    client, _ = ingest
    r = client.post("/v1/articles", json={"body": "x"})
    assert r.status_code == 401
