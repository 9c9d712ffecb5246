"""Ingest normalisation, ids and bad input (no broker: a recording publisher stands in for Kafka)."""

from __future__ import annotations

import pytest

from services.ingest.ingestor import ArticleIn, IngestError, Ingestor
from services.ingest.normalize import article_id_for, canonical_url, clean_text, strip_boilerplate
from services.ingest.seen import SeenStore
from shared.schemas import Article


class Recorder:
    def __init__(self) -> None:
        self.published: list[Article] = []

    def publish(self, article: Article) -> None:
        self.published.append(article)


def test_canonical_url_strips_tracking_and_fragment() -> None:
    assert (
        canonical_url("HTTPS://Example.org/a/b/?utm_source=x&id=3&fbclid=y#top")
        == "https://example.org/a/b?id=3"
    )


def test_article_id_is_stable_across_tracking_variants() -> None:
    a = article_id_for("https://example.org/x?utm_medium=rss", "T", "one")
    b = article_id_for("https://example.org/x", "Other", "two")
    assert a == b and a.startswith("art_")
    assert article_id_for(None, "T", "Body  text") == article_id_for(None, "t", "body text")


def test_clean_text_nfc_and_whitespace() -> None:
    assert clean_text("Cafe\u0301  \t bar\r\n\n\n\nnext") == "Café bar\n\nnext"


def test_boilerplate_removed_reversibly() -> None:
    body, removed = strip_boilerplate(
        "Strike hit the town.\nREAD MORE\nPhotograph: Someone/Agency\nMore text."
    )
    assert body == "Strike hit the town.\nMore text."
    assert removed == ["READ MORE", "Photograph: Someone/Agency"]


def test_ingest_publishes_once_then_reports_duplicate() -> None:
    rec = Recorder()
    ing = Ingestor(rec, SeenStore(":memory:"))
    item = ArticleIn(title="T", body="Jets struck a depot.", url="https://e.org/1", published_at="2026-01-02")
    first, new1 = ing.ingest(item, channel="push")
    second, new2 = ing.ingest(item, channel="push")
    assert (new1, new2) == (True, False)
    assert first.article_id == second.article_id
    assert len(rec.published) == 1
    assert rec.published[0].published_at is not None and rec.published[0].published_at.year == 2026


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (ArticleIn(body="   "), "empty_body"),
        (ArticleIn(), "empty_body"),
        (ArticleIn(body="a\x00b"), "binary"),
        (ArticleIn(body="x" * 2_000_001), "too_large"),
        (ArticleIn(body="text", published_at="not a date at all"), "bad_date"),
        (ArticleIn(html="<html><body><script>x()</script></body></html>"), "no_article_text"),
    ],
)
def test_bad_input_is_refused_with_a_reason(item: ArticleIn, reason: str) -> None:
    rec = Recorder()
    with pytest.raises(IngestError) as err:
        Ingestor(rec, SeenStore(":memory:")).ingest(item, channel="push")
    assert err.value.reason == reason
    assert rec.published == []


def test_seen_state_survives_reopen(tmp_path) -> None:
    path = str(tmp_path / "seen.sqlite")
    store = SeenStore(path)
    store.add("art_x")
    store.close()
    assert SeenStore(path).contains("art_x")
