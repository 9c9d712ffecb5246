"""Extraction time and peak memory against article length, 1 KB to 1 MB, before and after #18's bounds.

    .venv/bin/python bench/length_bench.py [--sizes 1000,10000,...] [--budget-s 120] [--out docs/bench/length.json]

Three kinds of article at each length: the issue's worst case (``run-on``: one sentence of attack words,
``'Russian jets bombed the depot near Aleppo and drones struck a base in Idlib, ' * n``), ``one-cue``
(no full stop at all and a single attack word in the middle) and ``news`` (development-set reports
between background sentences). Each measurement runs in a fresh process
(peak RSS is that process's ``ru_maxrss``) and is stopped at ``--budget-s``.

- before: sentences uncapped and the body not cut (the code before #18, reconstructed by lifting both
  bounds: ``text.MAX_SENTENCE_CHARS`` set to infinity, no ``WARWIRE_EXTRACT_MAX_CHARS`` cut);
- after: sentences capped at 1,000 characters, body cut to WARWIRE_EXTRACT_MAX_CHARS' default
  (50,000 characters) as the service does before extraction.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ATTACK = "Russian jets bombed the depot near Aleppo and drones struck a base in Idlib, "


QUIET = "the convoy moved slowly along the coast road while people watched from the hills and "


def body_of(kind: str, size: int) -> str:
    if kind == "run-on":
        return (ATTACK * (size // len(ATTACK) + 1))[:size]
    if kind == "one-cue":  # no full stop anywhere, one attack word in the middle
        half = (QUIET * (size // len(QUIET) + 1))[: size // 2]
        return (half + "jets bombed the depot " + half)[:size]
    rng = random.Random(size)
    reports = [
        json.loads(x)["body"] for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()
    ]
    filler = [x for x in (ROOT / "bench" / "filler.txt").read_text().splitlines() if x.strip()]
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size:
        parts.append(rng.choice(reports) if rng.random() < 0.3 else rng.choice(filler))
    return " ".join(parts)[:size]


def measure(kind: str, size: int, mode: str, out: Any) -> None:
    import resource

    from services.extract import text
    from services.extract.nlp import default_extractor
    from services.extract.settings import ExtractSettings
    from shared.schemas import Article

    extractor = default_extractor()
    warm = Article(article_id="w", body="Jets struck Aleppo.", ingested_at=datetime.now(UTC))
    extractor.extract([warm])
    body = body_of(kind, size)
    if mode == "before":
        text.MAX_SENTENCE_CHARS = sys.maxsize  # type: ignore[misc]
    else:
        body = text.cut_body(body, ExtractSettings().extract_max_chars)
    article = Article(article_id="a", body=body, published_at=datetime(2026, 3, 4, tzinfo=UTC),
                      ingested_at=datetime.now(UTC))  # fmt: skip
    started = time.perf_counter()
    result = extractor.extract([article])[0]
    seconds = time.perf_counter() - started
    out.put({"seconds": round(seconds, 2), "chars_extracted": len(body),
             "strikes": len(result.strikes), "statements": len(result.statements),
             "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})  # fmt: skip


def run(kind: str, size: int, mode: str, budget_s: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=measure, args=(kind, size, mode, queue))
    proc.start()
    proc.join(budget_s + 30)  # + model load
    if proc.is_alive():
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_kb = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1])
        proc.kill()
        proc.join()
        return {"seconds": None, "note": f"over {budget_s:.0f} s, stopped", "peak_rss_mb": peak_kb // 1024}
    return dict(queue.get(timeout=5))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,40000,120000,300000,1000000")
    parser.add_argument("--kinds", default="run-on,one-cue,news")
    parser.add_argument("--modes", default="before,after")
    parser.add_argument("--budget-s", type=float, default=120)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "length.json"))
    args = parser.parse_args()
    rows = []
    for kind in args.kinds.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for mode in args.modes.split(","):
                row = {"kind": kind, "chars": size, "mode": mode, **run(kind, size, mode, args.budget_s)}
                print(json.dumps(row), flush=True)
                rows.append(row)
    Path(args.out).write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                                          "date": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows}, indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
