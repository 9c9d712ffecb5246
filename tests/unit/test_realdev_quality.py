"""The extractor against our real-text development set (tests/data/realdev/strikes.jsonl: MUC-4 wire and
radio copy, CENTCOM, US State Department and UK Government excerpts, our annotations).

Scored with the corpora's own sentence-level scorer (../shared/corpora/score.py, the same code the
held-out evaluation's metrics follow); the floors sit a little under today's figures so that a change
that loses ground on real text fails here, whatever it does on our self-written set."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from services.extract.extractor import events_of
from services.extract.gazetteer import default_gazetteer
from services.extract.nlp import default_extractor
from shared.geo import haversine_km
from shared.schemas import Article, StrikeEvent

ROOT = Path(__file__).resolve().parents[2]
REALDEV = ROOT / "tests" / "data" / "realdev" / "strikes.jsonl"
SCORER = ROOT.parent / "shared" / "corpora" / "score.py"


def _scorer() -> ModuleType:
    if not SCORER.exists():
        pytest.skip(f"{SCORER} is not beside the repository")
    spec = importlib.util.spec_from_file_location("corpora_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run() -> tuple[list[dict[str, Any]], list[StrikeEvent]]:
    from datetime import UTC, datetime

    docs = [json.loads(line) for line in REALDEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    now = datetime.now(UTC)
    articles = [
        Article(
            article_id=d["doc_id"],
            title=d.get("title") or "",
            body=d["text"],
            url=f"https://realdev.corpus.test/{d['doc_id']}",
            source="realdev",
            published_at=datetime.fromisoformat(d.get("published_at") or "2016-01-01T00:00:00Z"),
            ingested_at=now,
        )
        for d in docs
    ]
    events = [e for e in events_of(default_extractor().extract(articles)) if isinstance(e, StrikeEvent)]
    return docs, events


def test_sentence_level_scores_hold(run) -> None:
    docs, events = run
    scores = _scorer().score_sentences(docs, [json.loads(e.model_dump_json()) for e in events])
    report = {k: round(v, 3) for k, v in scores.items() if isinstance(v, float)}
    assert scores["recall"] >= 0.77, report
    assert scores["precision"] >= 0.90, report
    assert scores["attacker"] >= 0.45, report
    assert scores["place"] >= 0.68, report


def _gold_places(doc: dict[str, Any], start: int, end: int) -> set[str]:
    return {
        a["text"].lower()
        for ev in doc.get("events") or []
        if ev.get("trigger") and start <= ev["trigger"]["start"] < end
        for a in ev.get("arguments") or []
        if a.get("role") == "Place"
    }


def _nested(gazetteer: Any, pa: set[str], pb: set[str]) -> bool:
    """One annotated place inside or beside the other: 'Lima' and its district 'Miraflores'."""
    a = [gazetteer.resolve(p) for p in pa]
    b = [gazetteer.resolve(p) for p in pb]
    for x, y in itertools.product(a, b):
        located = x.lat is not None and y.lat is not None and x.lon is not None and y.lon is not None
        if located and haversine_km(x.lat, x.lon, y.lat, y.lon) <= 30:  # type: ignore[arg-type]
            return True
        if x.kind in {"admin_area", "country"} and (
            x.name in {y.admin1, y.name} or x.country_code == y.country_code
        ):
            return True
        if y.kind in {"admin_area", "country"} and (
            y.name in {x.admin1, x.name} or y.country_code == x.country_code
        ):
            return True
    return False


def test_merges_join_only_compatible_places(run) -> None:
    """Merge precision: every pair of sentences merged into one event names compatible places (the same
    annotated place, or one side names none)."""
    docs, events = run
    by_id = {d["doc_id"]: d for d in docs}
    gazetteer = default_gazetteer()
    pairs = ok = 0
    for event in events:
        spans = [(by_id[e.article_id], e.char_start, e.char_end) for e in event.evidence]
        for (da, sa, ea), (db, sb, eb) in itertools.combinations(spans, 2):
            pa, pb = _gold_places(da, sa, ea), _gold_places(db, sb, eb)
            pairs += 1
            ok += not pa or not pb or bool(pa & pb) or _nested(gazetteer, pa, pb)
    assert pairs >= 10, "too few merges to measure"
    assert ok / pairs >= 0.95, f"merge precision {ok}/{pairs}"
