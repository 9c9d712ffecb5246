"""``warwire extract`` streams (issue #17 item 5): an article's events are printed before the next
article is extracted, merged events once no later article can join them, and the whole output is the
batch merge's (``events_of``) as a set; ``--no-merge`` prints each article's own events. The real-text
dev sets (tests/data/realdev) are extracted once; the merge is replayed on them in several orders."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services import cli
from services.extract.dates import dates_in_any_case, resolve_date
from services.extract.extractor import ExtractionResult, events_of
from services.extract.nlp import default_extractor
from services.extract.streaming import Lookahead, StreamingMerge, stream_events
from shared.schemas import Article, StatementEvent, StrikeEvent

REALDEV = Path(__file__).resolve().parents[1] / "data" / "realdev"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _realdev_articles() -> list[Article]:
    out = []
    for name in ("strikes.jsonl", "statements.jsonl"):
        for line in (REALDEV / name).read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            published = datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
            out.append(
                Article(article_id=d["doc_id"], title=d.get("title") or "", body=d["text"],
                        url=f"https://realdev.corpus.test/{d['doc_id']}", source=d.get("source") or d["corpus"],
                        published_at=published, ingested_at=NOW)
            )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def extractor() -> Any:
    return default_extractor()


@pytest.fixture(scope="module")
def realdev(extractor: Any) -> tuple[list[Article], list[ExtractionResult]]:
    articles = _realdev_articles()
    assert any(a.published_at is None for a in articles)  # undated articles are part of the test
    return articles, extractor.extract(articles)


def _as_set(events: Sequence[StrikeEvent | StatementEvent]) -> list[str]:
    return sorted(e.model_dump_json() for e in events)


@pytest.mark.parametrize(
    "sentence",
    [
        "ON 3 JAN 90 GUERRILLAS ATTACKED THE POST, AND ON FEBRUARY 30 AND MARCH 4 THEY RETURNED.",
        "THE ARMY SAID ON MONDAY THAT IN MAY IT MAY HAVE SHELLED THE TOWN ON 12 JUNE.",
        "Rebels shelled the town on June 12, two days after the May 30 raid.",
        "THE STRIKE WAS CARRIED OUT LAST WEEK, IN DECEMBER, NOT IN OCT.",
    ],
)
def test_dates_in_any_case_hold_every_casing_of_the_months(sentence: str) -> None:
    published = date(1990, 6, 20)
    allowed = dates_in_any_case(sentence, published)
    words = sentence.split(" ")
    rng = random.Random(sentence)
    for _ in range(200):  # each word upper, lower or capitalised at random, as a truecaser might leave it
        variant = " ".join(rng.choice([w.upper(), w.lower(), w.capitalize()]) for w in words)
        assert resolve_date(variant, published)[0] in allowed, (variant, sorted(allowed))


def test_report_dates_hold_every_date_extraction_gives(realdev: Any, extractor: Any) -> None:
    articles, results = realdev
    for article, result in zip(articles, results, strict=True):
        dates = extractor.report_dates(article)
        for event in [*result.strikes, *result.statements]:
            if dates is None:
                assert event.occurred_on is None
            else:
                assert event.occurred_on in dates, (article.article_id, event.occurred_on, sorted(dates))


@pytest.mark.parametrize("order", ["as given", "reversed", "shuffled"])
def test_the_streamed_merge_is_the_batch_merge_and_closes_events_early(
    realdev: Any, extractor: Any, order: str
) -> None:
    pairs = list(zip(*realdev, strict=True))
    if order == "reversed":
        pairs.reverse()
    elif order == "shuffled":
        random.Random(17).shuffle(pairs)
    articles, results = [a for a, _ in pairs], [r for _, r in pairs]
    merger = StreamingMerge(Lookahead(articles, extractor.report_dates))
    streamed, early = [], 0
    for result in results[:-1]:
        closed = merger.add(result)
        early += len(closed)
        streamed.extend(closed)
    streamed.extend(merger.add(results[-1]))
    assert merger.finish() == []
    batch = events_of(results)
    assert any(len(e.sources) > 1 for e in batch)  # the set has merges across articles to get right
    assert _as_set(streamed) == _as_set(batch)
    assert early > len(batch) / 3, (early, len(batch))  # most are printed before the input ends


def _article(aid: str, body: str, published: str) -> dict[str, str]:
    return {"title": aid, "body": body, "url": f"https://example.org/{aid}", "source": f"Wire {aid}",
            "published_at": published}  # fmt: skip


STATEMENT = "The French foreign ministry condemned the strike on the hospital in Idlib."
STRIKE = "Two gunboats in the Black Sea fired 8 cruise missiles at the port of Odesa on Tuesday."


def test_an_articles_statements_are_printed_before_the_next_article_is_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], extractor: Any
) -> None:
    path = tmp_path / "two.jsonl"
    rows = [_article("a1", STATEMENT, "2024-03-01T10:00:00Z"), _article("a2", STRIKE, "2024-06-20T10:00:00Z")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    printed_before: dict[str, str] = {}

    class Watching:
        """The real extractor; notes what was on stdout when each article's extraction started."""

        report_dates = staticmethod(extractor.report_dates)

        def extract(self, articles: list[Article]) -> list[ExtractionResult]:
            printed_before[articles[0].title] = capsys.readouterr().out
            print(capsys.readouterr().out, end="")
            return list(extractor.extract(articles))

    monkeypatch.setattr("services.extract.nlp.default_extractor", lambda: Watching())
    assert cli.main(["extract", str(path)]) == 0
    assert printed_before["a1"] == ""
    first = [json.loads(line) for line in printed_before["a2"].splitlines()]
    assert [e["event_type"] for e in first] == ["statement"], first
    assert first[0]["speaker"]["name"] and first[0]["sources"][0]["url"].endswith("/a1")


def test_no_merge_prints_each_articles_own_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "same-strike.jsonl"
    rows = [_article("a1", STRIKE, "2024-06-20T10:00:00Z"), _article("a2", STRIKE, "2024-06-20T12:00:00Z")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def strikes(*flags: str) -> list[dict[str, Any]]:
        assert cli.main(["extract", *flags, str(path)]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [e for e in events if e["event_type"] == "strike"]

    merged = strikes()
    assert len(merged) == 1 and len(merged[0]["sources"]) == 2 and merged[0]["version"] == 2
    apart = strikes("--no-merge")
    assert len(apart) == 2 and [len(e["sources"]) for e in apart] == [1, 1]
    assert {e["sources"][0]["url"][-2:] for e in apart} == {"a1", "a2"}
    assert all(e["version"] == 1 and e["merged_ids"] == [] for e in apart)


def test_the_progress_bar_is_on_stderr_only_when_asked_for_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "six.jsonl"
    rows = [_article(f"a{i}", STATEMENT, f"2024-03-0{i}T10:00:00Z") for i in range(1, 7)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli.main(["extract", str(path)]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""  # stderr is not a terminal here: scripts get no bar
    assert cli.main(["extract", "--progress", str(path)]) == 0
    shown = capsys.readouterr()
    assert "6/6" in shown.err and "article" in shown.err
    assert _as_lines(shown.out) == _as_lines(quiet.out)  # the bar never reaches stdout


def _as_lines(out: str) -> list[str]:
    drop = ("extracted_at", "ingested_at")
    return sorted(
        json.dumps({k: v for k, v in json.loads(x).items() if k not in drop}) for x in out.splitlines()
    )


def test_undated_lookahead_keeps_statements_open() -> None:
    when = datetime(2024, 3, 1, tzinfo=UTC)
    articles = [
        Article(article_id="a", title="", body="x", source="s", published_at=when, ingested_at=when),
        Article(article_id="b", title="", body="y", source="s", published_at=None, ingested_at=when),
    ]
    look = Lookahead(articles, lambda a: None if a.published_at is None else {date(2024, 3, 1)})
    assert look.may_date(date(2024, 3, 2)) and not look.may_date(date(2024, 3, 3))
    look.advance()
    assert not look.may_date(date(2024, 3, 1)) and look.any_undated() and look.holds(["b"])
    look.advance()
    assert look.exhausted and not look.any_undated() and not look.holds(["a", "b"])
    assert list(stream_events([], [], lambda a: None)) == []


def _report(aid: str, day: date) -> StrikeEvent:
    return StrikeEvent(
        event_id=f"stk_{aid}",
        strike_type="air_strike",
        actor={"name": "Russia", "kind": "state_military", "country": "RU"},
        occurred_on=day,
        sources=[{"article_id": aid, "source": f"Wire {aid}"}],
    )


@pytest.mark.parametrize("gap_days", [1, 2])
def test_an_event_stays_open_for_a_report_a_day_away_and_no_longer(gap_days: int) -> None:
    first, later = date(2024, 6, 20), date(2024, 6, 20 + gap_days)
    when = datetime(2024, 6, 22, tzinfo=UTC)
    articles = [
        Article(article_id=a, title="", body=a, source="s", published_at=when, ingested_at=when)
        for a in "abc"
    ]
    days = {"a": first, "b": later, "c": date(2024, 1, 1)}
    results = [ExtractionResult(a, strikes=[_report(a, days[a])]) for a in "abc"]
    merger = StreamingMerge(Lookahead(articles, lambda a: {days[a.article_id]}))
    after_a = merger.add(results[0])
    streamed = after_a + merger.add(results[1]) + merger.add(results[2])
    assert _as_set(streamed) == _as_set(events_of(results))
    assert len(streamed) == (2 if gap_days == 1 else 3)  # a day apart they merge, two days apart they do not
    assert [e.event_id for e in after_a] == ([] if gap_days == 1 else ["stk_a"])  # closed at once when it can
