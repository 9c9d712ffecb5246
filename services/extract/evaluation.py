"""Field-level precision, recall and F1 of the extractor against an annotated set (``warwire eval``).

Each record is one short report with the strikes and statements a careful reader finds in it. Fields
are compared per article as (multi)sets and summed over articles (micro-average):
strike_type, actor, weapon, platform, places, date, statement_type, speaker.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from services.extract.gazetteer import ADMIN_SUFFIX, normalise_name
from shared.schemas import Article, StatementEvent, StrikeEvent

FIELDS = ("strike_type", "actor", "weapon", "platform", "places", "date", "statement_type", "speaker")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    errors: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> str:
        lines = [f"{'field':<15}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"]
        for name, s in self.scores.items():
            lines.append(
                f"{name:<15}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.tp:>6}{s.fp:>6}{s.fn:>6}"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            n: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "tp": s.tp, "fp": s.fp, "fn": s.fn}
            for n, s in self.scores.items()
        }


def load(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def to_article(record: dict[str, Any]) -> Article:
    return Article(
        article_id=record["id"],
        title=record.get("title", ""),
        body=record["body"],
        source=record.get("source", "dev"),
        published_at=record.get("published_at"),
        ingested_at=datetime.fromisoformat(record["published_at"]),
    )


def _norm(text: str | None) -> str:
    text = re.sub(r"^(?:the|a|an)\s+", "", (text or "").lower().strip())
    return re.sub(r"['’]s\b", "", text)


def _same_speaker(expected: str, predicted: str) -> bool:
    e, p = _norm(expected), _norm(predicted)
    return bool(e and p) and (e == p or e in p or p in e)


def _place_keys(name: str) -> set[str]:
    key = normalise_name(name)
    return {key, ADMIN_SUFFIX.sub("", key)}


def _match(expected: list[str], predicted: list[Any], same: Callable[[str, Any], bool]) -> Score:
    left = list(predicted)
    tp = 0
    for e in expected:
        hit = next((p for p in left if same(e, p)), None)
        if hit is not None:
            left.remove(hit)
            tp += 1
    return Score(tp, len(left), len(expected) - tp)


def _multiset(expected: Iterable[str], predicted: Iterable[str]) -> Score:
    e, p = Counter(expected), Counter(predicted)
    tp = sum((e & p).values())
    return Score(tp, sum(p.values()) - tp, sum(e.values()) - tp)


def score_article(
    record: dict[str, Any], strikes: list[StrikeEvent], statements: list[StatementEvent]
) -> dict[str, Score]:
    exp_s, exp_t = record["strikes"], record["statements"]
    places_pred = [p for s in strikes for p in s.locations]
    scores = {
        "strike_type": _multiset((s["strike_type"] for s in exp_s), (s.strike_type.value for s in strikes)),
        "actor": _multiset(
            {_norm(s["actor"]) for s in exp_s if s["actor"]},
            {_norm(s.actor.name) for s in strikes if s.actor},
        ),
        "weapon": _multiset(
            {s["weapon"] for s in exp_s if s["weapon"]}, {s.weapon for s in strikes if s.weapon}
        ),
        "platform": _multiset(
            {s["platform"] for s in exp_s if s["platform"]},
            {s.launch_platform.kind for s in strikes if s.launch_platform},
        ),
        "date": _multiset(
            {s["date"] for s in exp_s if s["date"]}, {str(s.occurred_on) for s in strikes if s.occurred_on}
        ),
        "statement_type": _multiset(
            (t["statement_type"] for t in exp_t), (t.statement_type.value for t in statements)
        ),
        "speaker": _match([t["speaker"] for t in exp_t], [t.speaker.name for t in statements], _same_speaker),
    }
    # Places: several mentions of one place count once.
    seen: set[str] = set()
    unique_pred = []
    for p in places_pred:
        k = normalise_name(p.name)
        if k not in seen:
            seen.add(k)
            unique_pred.append(p)
    scores["places"] = _match(
        sorted({p for s in exp_s for p in s["places"]}),
        unique_pred,
        lambda e, p: bool(_place_keys(e) & (_place_keys(p.name) | _place_keys(p.matched_text))),
    )
    return scores


def evaluate(extract: Callable[[list[Article]], list[Any]], records: list[dict[str, Any]]) -> Report:
    """``extract`` maps articles to ExtractionResults (e.g. ``Extractor.extract``)."""
    report = Report()
    results = extract([to_article(r) for r in records])
    for record, result in zip(records, results, strict=True):
        per = score_article(record, result.strikes, result.statements)
        for name, s in per.items():
            total = report.scores[name]
            total.tp += s.tp
            total.fp += s.fp
            total.fn += s.fn
            if s.fp or s.fn:
                report.errors.append({"id": record["id"], "field": name, "fp": s.fp, "fn": s.fn})
    return report
