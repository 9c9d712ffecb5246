"""Ingest normalisation, ids and bad input (no broker: a recording publisher stands in for Kafka)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.ingest.ingestor import ArticleIn, IngestError, Ingestor, detect_language
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


@pytest.mark.parametrize(
    "published_at",
    ["0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-01-01T00:00+99:00", "-1", "12", "1899-12-31",
     "2999-01-01", "99999999999999999999", "0"],
)  # fmt: skip
def test_dates_out_of_range_or_without_a_year_are_refused(published_at: str) -> None:
    with pytest.raises(IngestError) as err:
        Ingestor(Recorder(), SeenStore(":memory:")).normalise(
            ArticleIn(body="text", published_at=published_at)
        )
    assert err.value.reason == "bad_date" and err.value.status == 422
    assert err.value.detail.startswith("published_at:")


def test_dates_in_range_are_kept_in_utc() -> None:
    norm = Ingestor(Recorder(), SeenStore(":memory:")).normalise
    assert norm(ArticleIn(body="t", published_at="1900-01-01T00:00:00Z")).published_at is not None
    published = norm(ArticleIn(body="t", published_at="Mon, 04 May 2026 10:00:00 +0200")).published_at
    assert published is not None and published.isoformat() == "2026-05-04T08:00:00+00:00"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://e.org/x", "data:text/html,x", "http:///nohost",
            "//e.org/x", "http://e.org:99999/x", "http://[::1/x"],
)  # fmt: skip
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(IngestError) as err:
        Ingestor(Recorder(), SeenStore(":memory:")).normalise(ArticleIn(body="text", url=url))
    assert err.value.reason == "bad_url" and err.value.status == 422


def test_control_characters_are_stripped_from_every_field() -> None:
    item = ArticleIn(title="Ti\x00tle\x1b", body="Jets\x07 struck\x0ca depot.\tThen\r\nleft.", url="https://e.org/\x00a",
                     source="Wi\x00re\x7f", language="e\x00n", published_at="2026-01-02\x00")  # fmt: skip
    article = Ingestor(Recorder(), SeenStore(":memory:")).normalise(item)
    assert (article.title, article.url, article.source, article.language) == (
        "Title",
        "https://e.org/a",
        "Wire",
        "en",
    )
    assert article.body == "Jets struck\na depot. Then\nleft."
    article.model_dump_json()  # encodable


@pytest.mark.parametrize("field", ["body", "html", "published_at", "language"])
def test_a_lone_surrogate_names_its_field(field: str) -> None:
    # (pydantic itself refuses them in the fields with a max_length: title, url, source)
    item = ArticleIn.model_validate({"body": "text", field: "x\ud800y"})
    with pytest.raises(IngestError) as err:
        Ingestor(Recorder(), SeenStore(":memory:")).ingest(item, channel="push")
    assert err.value.reason == "invalid_fields" and err.value.detail.startswith(f"{field}:")


def test_concurrent_identical_articles_are_published_once() -> None:
    """Check, publish and record are one step per article id: 50 threads pushing the same article
    publish it once, and no copy names itself as its own duplicate_of."""

    all_submitted = threading.Event()

    class Slow(Recorder):
        def publish(self, article: Article) -> None:
            # The broker round trip, held open until every push is in flight: the window the race needed.
            assert all_submitted.wait(timeout=10)
            super().publish(article)

    rec = Slow()
    ing = Ingestor(rec, SeenStore(":memory:"))
    item = ArticleIn(title="T", body="Jets struck a depot near the port on Monday.", url="https://e.org/race")
    with ThreadPoolExecutor(50) as pool:
        futures = [pool.submit(ing.ingest, item, channel="push") for _ in range(50)]
        all_submitted.set()
        results = [f.result(timeout=30) for f in futures]
    assert sum(new for _, new in results) == 1 and len(rec.published) == 1
    assert rec.published[0].duplicate_of is None
    assert ing._busy == {}  # no lock left behind


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Officials said the convoy was hit by artillery fire near the border crossing on Tuesday.", "en"),
        # Wire copy in capitals (langdetect, used before, read two MUC-4 documents like this as German).
        (
            "LIMA, 3 MAR 91 -- POLICE SOURCES SAID THAT A CAR BOMB EXPLODED TONIGHT OUTSIDE A BANK "
            "IN THE CAPITAL, WOUNDING FOUR PEOPLE.",
            "en",
        ),
        ("Les autorités ont déclaré que le convoi avait été touché par des tirs d'artillerie.", "fr"),
        ("Власти заявили, что колонна попала под артиллерийский обстрел у пограничного перехода.", "ru"),
        (
            "Las autoridades dijeron que el convoy fue alcanzado por fuego de artillería cerca de la frontera.",
            "es",
        ),
        ("short", "en"),  # too short to tell
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language
