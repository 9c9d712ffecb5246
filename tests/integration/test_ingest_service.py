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
    ],
)
def test_bad_input_gets_a_precise_4xx(ingest, content: bytes, ctype: str, status: int, reason: str) -> None:
    client, _ = ingest
    r = client.post("/v1/articles", content=content, headers={"X-API-Key": KEY, "Content-Type": ctype})
    assert r.status_code == status, r.text
    assert r.json()["reason"] == reason


def test_api_key_required(ingest) -> None:
    client, _ = ingest
    r = client.post("/v1/articles", json={"body": "x"})
    assert r.status_code == 401
