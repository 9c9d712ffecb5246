"""Statement quality on the real-text development set (tests/data/realdev/statements.jsonl).

    .venv/bin/python bench/statement_eval.py [--data PATH] [--errors] [--json]

Each excerpt is extracted as one article (published 2000-01-01, so dates do not matter). A gold statement
and a predicted one are paired when one of the prediction's evidence sentences holds the gold trigger (or the gold
speaker mention); among those, a prediction with the right speaker, then the right type, is preferred.
Printed: per-type precision, recall and F1 (an unpaired prediction is a false positive of its type, an
unpaired gold statement a false negative of its type), macro-F1 over the gold types, detection P/R/F1, and
speaker accuracy: gold statements whose paired prediction names the right speaker (``speaker_acc``, over
all gold statements) and the same over paired ones only (``speaker_acc_paired``). The set's guidelines file
threats under ``warning``, so a predicted ``threat`` counts as ``warning``.

A speaker is right when, lower-cased, without a leading article and a possessive, it equals the gold full
name or the mention as written, or one holds the other word for word with a distinctive word in common
(``Cook`` for ``Peter Cook``; never a bare title such as ``Secretary``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "realdev" / "statements.jsonl"
TYPES = (
    "claim",
    "denial",
    "accusation",
    "criticism",
    "appeal",
    "proposal",
    "warning",
    "confirmation",
    "refusal",
)
_GENERIC = {
    "the", "a", "an", "of", "and", "for", "mr", "mrs", "ms", "dr", "gen", "gen.", "general", "col", "col.",
    "capt", "capt.", "maj", "maj.", "lt", "lt.", "secretary", "minister", "president", "prime", "foreign",
    "defense", "defence", "state", "spokesman", "spokeswoman", "spokesperson", "commander", "government",
    "office", "deputy", "us", "u.s.", "army", "navy", "chief", "head", "official", "officials",
}  # fmt: skip


def _words(text: str | None) -> list[str]:
    text = (text or "").lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return re.findall(r"[a-z0-9][a-z0-9.\-]*", text)


def same_speaker(gold: dict[str, Any], predicted: str) -> bool:
    pw = [w.strip(".") for w in _words(predicted)]
    pw = [w for w in pw if w not in {"the", "a", "an"}]
    if not pw:
        return False
    for ref in (gold.get("speaker"), gold.get("speaker_text")):
        gw = [w.strip(".") for w in _words(ref)]
        gw = [w for w in gw if w not in {"the", "a", "an"}]
        if not gw:
            continue
        if gw == pw:
            return True
        short, long_ = (gw, pw) if len(gw) <= len(pw) else (pw, gw)
        if set(short) <= set(long_) and set(short) - _GENERIC:
            return True
    return False


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


def _article(record: dict[str, Any]) -> Any:
    from shared.schemas import Article

    when = datetime(2000, 1, 1, 12, tzinfo=UTC)
    return Article(
        article_id=record["doc_id"],
        title=record.get("title") or "",
        body=record["text"],
        source="realdev",
        published_at=when,
        ingested_at=when,
    )


def pair(gold: list[dict[str, Any]], predicted: list[Any]) -> list[tuple[dict[str, Any] | None, Any | None]]:
    """Greedy pairing: the best-scoring (gold, prediction) first."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            spans = [(ev.char_start, ev.char_end) for ev in p.evidence]
            at = (g["trigger"]["start"], g.get("speaker_start"))
            if not any(x is not None and a <= x < b for x in at for a, b in spans):
                continue
            score = 4 * any(a <= g["trigger"]["start"] < b for a, b in spans)
            kind = "warning" if p.statement_type.value == "threat" else p.statement_type.value
            score += 2 * same_speaker(g, p.speaker.name) + (g["type"] == kind)
            candidates.append((-score, gi, pi))
    out: list[tuple[dict[str, Any] | None, Any | None]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in sorted(candidates):
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gold[gi], predicted[pi]))
    out += [(g, None) for i, g in enumerate(gold) if i not in used_g]
    out += [(None, p) for i, p in enumerate(predicted) if i not in used_p]
    return out


def strike_claim(gold: dict[str, Any], strikes: list[Any]) -> str | None:
    """Who a strike reported in the gold claim's sentence is claimed by, if that strike carries it."""
    for strike in strikes:
        by = strike.claim.by if strike.claim else None
        spans = [(ev.char_start, ev.char_end) for ev in strike.evidence]
        if by and any(a <= gold["trigger"]["start"] < b for a, b in spans):
            return str(by)
    return None


def evaluate(records: list[dict[str, Any]], extractor: Any) -> dict[str, Any]:
    results = extractor.extract([_article(r) for r in records])
    per_type = {t: PRF() for t in TYPES}
    detect = PRF()
    speaker_ok = paired = on_strikes = 0
    errors = []
    for record, result in zip(records, results, strict=True):
        for g, p in pair(record["statements"], result.statements):
            gt = g["type"] if g else None
            pt = p.statement_type.value if p else None
            pt = "warning" if pt == "threat" else pt
            if g and p is None and gt == "claim" and (by := strike_claim(g, result.strikes)):
                # A bare attributed strike report is the strike's claim, not a statement (issue #14).
                detect.tp += 1
                paired += 1
                on_strikes += 1
                per_type["claim"].tp += 1
                speaker_ok += same_speaker(g, by)
                continue
            if g and p:
                detect.tp += 1
                paired += 1
                ok = same_speaker(g, p.speaker.name)
                speaker_ok += ok
            elif g:
                detect.fn += 1
                ok = False
            else:
                detect.fp += 1
                ok = False
            if gt and gt == pt:
                per_type[gt].tp += 1
            else:
                if gt:
                    per_type.setdefault(gt, PRF()).fn += 1
                if pt:
                    per_type.setdefault(pt, PRF()).fp += 1
            if not (g and p and ok and gt == pt):
                errors.append(
                    {
                        "doc": record["doc_id"],
                        "gold": f"{gt} | {g['speaker']} | {g['trigger']['text']}" if g else None,
                        "pred": (
                            f"{pt} | {p.speaker.name} | role={p.speaker.role} aff={p.speaker.affiliation}"
                            f" | {p.content[:80]}"
                            if p
                            else None
                        ),
                    }
                )
    gold_total = detect.tp + detect.fn
    gold_types = [t for t in per_type if per_type[t].tp + per_type[t].fn]
    return {
        "per_type": {
            t: {"p": s.p, "r": s.r, "f1": s.f1, "tp": s.tp, "fp": s.fp, "fn": s.fn}
            for t, s in per_type.items()
        },
        "macro_f1": sum(per_type[t].f1 for t in gold_types) / len(gold_types) if gold_types else 0.0,
        "detection": {"p": detect.p, "r": detect.r, "f1": detect.f1},
        "speaker_acc": speaker_ok / gold_total if gold_total else 0.0,
        "speaker_acc_paired": speaker_ok / paired if paired else 0.0,
        "gold": gold_total,
        "predicted": detect.tp + detect.fp,
        "on_strikes": on_strikes,
        "errors": errors,
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{'type':<14}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}"]
    for t, s in report["per_type"].items():
        lines.append(
            f"{t:<14}{s['p']:>7.3f}{s['r']:>7.3f}{s['f1']:>7.3f}{s['tp']:>5}{s['fp']:>5}{s['fn']:>5}"
        )
    d = report["detection"]
    lines += [
        f"macro-F1 (gold types)   {report['macro_f1']:.3f}",
        f"detection P/R/F1        {d['p']:.3f} / {d['r']:.3f} / {d['f1']:.3f}"
        f"   (gold {report['gold']}, predicted {report['predicted']}, of which {report['on_strikes']}"
        " bare strike reports carried as the strike's claim)",
        f"speaker accuracy        {report['speaker_acc']:.3f} of gold, {report['speaker_acc_paired']:.3f} of paired",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--errors", action="store_true", help="print every wrong or missing pairing")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from services.extract.nlp import default_extractor

    records = [json.loads(x) for x in Path(args.data).read_text(encoding="utf-8").splitlines() if x.strip()]
    report = evaluate(records, default_extractor())
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=2))
    else:
        print(table(report))
    if args.errors:
        by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in report["errors"]:
            by_doc[e["doc"]].append(e)
        for doc, errs in by_doc.items():
            print(f"--- {doc}")
            for e in errs:
                print(f"    gold: {e['gold']}\n    pred: {e['pred']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
