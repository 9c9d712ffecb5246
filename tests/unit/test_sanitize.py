"""shared.sanitize: text every store and encoder accepts."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.sanitize import has_lone_surrogate, safe_model, safe_text, strip_controls
from shared.schemas import Article


def test_safe_text_drops_nul_and_replaces_lone_surrogates() -> None:
    assert safe_text("a\x00b\ud800c\udc00") == "ab\ufffdc\ufffd"
    assert safe_text("\ud83d\ude00") == "\U0001f600"  # a pair split over two code points is joined
    clean = "plain text\twith\nlines"
    assert safe_text(clean) is clean


def test_strip_controls_keeps_tab_newline_carriage_return() -> None:
    assert strip_controls("a\x01b\x1bc\x7fd\x9fe\t\r\n") == "abcde\t\r\n"
    assert strip_controls("page\x0cbreak") == "page\nbreak"
    assert has_lone_surrogate("x\udfff") and not has_lone_surrogate("x\U0001f600")


def test_safe_model_cleans_every_string_and_keeps_clean_models() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    dirty = Article(article_id="a\x00", title="t\ud800", body="b", ingested_at=now, removed_lines=["x\x00"])
    cleaned = safe_model(dirty)
    assert (cleaned.article_id, cleaned.title, cleaned.removed_lines) == ("a", "t\ufffd", ["x"])
    cleaned.model_dump_json()  # encodable again
    clean = Article(article_id="a", title="t", body="b", ingested_at=now)
    assert safe_model(clean) is clean


def test_safe_model_finds_a_lone_nul_or_surrogate_and_keeps_escaped_text() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert safe_model(Article(article_id="a", title="t", body="b\x00", ingested_at=now)).body == "b"
    assert safe_model(Article(article_id="a", title="t", body="b\udc00", ingested_at=now)).body == "b\ufffd"
    # The six characters \u0000 written out are text, not a NUL: kept as they are.
    written_out = Article(article_id="a", title="t", body="b\\u0000", ingested_at=now)
    assert safe_model(written_out).body == "b\\u0000"
