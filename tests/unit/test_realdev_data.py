"""Integrity of the real-text development set in tests/data/realdev (MUC-4 and re3d excerpts with our own
mention-level annotations): offsets, label sets, licences and size. Pure JSON checks, no NLP models."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

REALDEV = Path(__file__).resolve().parents[1] / "data" / "realdev"
STRIKES = REALDEV / "strikes.jsonl"
STATEMENTS = REALDEV / "statements.jsonl"

STRIKE_TYPES = {
    "air_strike",
    "drone_strike",
    "missile_strike",
    "shelling",
    "ground_assault",
    "armed_clash",
    "bombing",
    "other",
}
BOMBING_KINDS = {"ied", "landmine", "vehicle_borne", "suicide", "grenade", "other"}
ROLES = {"Attacker", "Place", "Weapon", "Target"}
STATEMENT_TYPES = {
    "denial",
    "accusation",
    "criticism",
    "warning",
    "appeal",
    "proposal",
    "confirmation",
    "claim",
    "refusal",
}
# corpus -> allowed re3d source folders (None: not a re3d line) and the licence text each must carry
SOURCES = {
    ("muc4", None): "public domain",
    ("re3d", "CENTCOM"): "public domain",
    ("re3d", "US State Department"): "public domain",
    ("re3d", "UK Government"): "Open Government Licence v3.0",
}


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def strikes() -> list[dict]:
    return _load(STRIKES)


@pytest.fixture(scope="module")
def statements() -> list[dict]:
    return _load(STATEMENTS)


def _check_span(text: str, span: dict, where: str) -> None:
    start, end = span["start"], span["end"]
    assert isinstance(start, int) and isinstance(end, int), where
    assert 0 <= start < end <= len(text), f"{where}: bad offsets {start}..{end}"
    assert text[start:end] == span["text"], f"{where}: {text[start:end]!r} != {span['text']!r}"


def _check_source(rec: dict) -> None:
    where = rec["doc_id"]
    key = (rec["corpus"], rec.get("source"))
    assert key in SOURCES, f"{where}: corpus/source {key} not allowed"
    assert SOURCES[key] in rec["licence"], f"{where}: licence {rec['licence']!r}"
    blob = json.dumps(rec).lower()
    assert "wikipedia" not in blob and "cc by-sa" not in blob, where
    assert rec["doc_id"].startswith(f"{rec['corpus']}-{rec['source_doc_id']}-"), where
    assert rec["text"].strip(), where


def test_strike_records(strikes: list[dict]) -> None:
    for rec in strikes:
        where = rec["doc_id"]
        _check_source(rec)
        assert isinstance(rec["non_violent"], bool), where
        attacks = [e for e in rec["events"] if e["type"] == "Conflict.Attack"]
        assert rec["non_violent"] == (not attacks), f"{where}: non_violent flag disagrees with events"
        ids = [e["id"] for e in rec["events"]]
        assert len(ids) == len(set(ids)), where
        for ev in rec["events"]:
            ew = f"{where}/{ev['id']}"
            _check_span(rec["text"], ev["trigger"], f"{ew} trigger")
            if ev["type"] != "Conflict.Attack":
                continue
            assert ev["strike_type"] in STRIKE_TYPES, ew
            if ev["strike_type"] == "bombing":
                assert ev["bombing_kind"] in BOMBING_KINDS, ew
            else:
                assert "bombing_kind" not in ev, ew
            for arg in ev["arguments"]:
                assert arg["role"] in ROLES, ew
                _check_span(rec["text"], arg, f"{ew} {arg['role']}")
                for other in arg.get("coref", []):
                    assert other in rec["text"], f"{ew}: coref {other!r} not in text"
            for key in ("killed", "injured"):
                if key in ev:
                    assert isinstance(ev[key], int) and ev[key] >= 0, ew


def test_statement_records(statements: list[dict]) -> None:
    for rec in statements:
        where = rec["doc_id"]
        _check_source(rec)
        for st in rec["statements"]:
            assert st["type"] in STATEMENT_TYPES, where
            assert st["speaker"].strip(), where
            _check_span(rec["text"], st["trigger"], f"{where} trigger")
            speaker = {"text": st["speaker_text"], "start": st["speaker_start"], "end": st["speaker_end"]}
            _check_span(rec["text"], speaker, f"{where} speaker")


def test_ids_unique(strikes: list[dict], statements: list[dict]) -> None:
    ids = [r["doc_id"] for r in strikes] + [r["doc_id"] for r in statements]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes


def test_sizes_and_variety(strikes: list[dict], statements: list[dict]) -> None:
    assert len(strikes) >= 100
    assert len(statements) >= 50
    assert sum(r["non_violent"] for r in strikes) >= 10
    assert sum(not r["statements"] for r in statements) >= 8
    per_doc = Counter((r["corpus"], r["source_doc_id"]) for r in strikes)
    assert max(per_doc.values()) <= 2, per_doc.most_common(3)
    assert {r["corpus"] for r in strikes} == {"muc4", "re3d"}
    used = Counter(e["strike_type"] for r in strikes for e in r["events"] if e["type"] == "Conflict.Attack")
    assert {"bombing", "ground_assault", "air_strike", "armed_clash"} <= set(used), used
