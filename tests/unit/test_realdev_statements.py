"""Statement quality on the real-text set (tests/data/realdev/statements.jsonl), with floors just under
the figures in docs/BENCHMARKS.md, so a change that loses real statements fails here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report() -> dict:
    sys.path.insert(0, str(ROOT))
    from bench.statement_eval import DATA, evaluate
    from services.extract.nlp import default_extractor

    records = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    return evaluate(records, default_extractor())


def test_types_by_meaning(report: dict) -> None:
    summary = {k: v for k, v in report.items() if k != "errors"}
    assert report["macro_f1"] >= 0.80, summary
    assert report["detection"]["p"] >= 0.88, summary


def test_speakers(report: dict) -> None:
    summary = {k: v for k, v in report.items() if k != "errors"}
    assert report["speaker_acc_paired"] >= 0.93, summary
    assert report["speaker_acc"] >= 0.84, summary
