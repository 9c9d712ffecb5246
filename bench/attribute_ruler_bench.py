"""The model's attribute rules applied by lookup (services/extract/fast_attribute_ruler.py) against spaCy's
own AttributeRuler, in one run: the component alone on the same parsed sentences, and the whole pipeline.

    .venv/bin/python bench/attribute_ruler_bench.py [--out docs/bench/attribute_ruler.json]

Text: the candidate sentences (those extraction parses) of the load benchmark's short articles
(bench/load_bench.py) and of the MUC-4 training documents (../shared/corpora/muc4/train.jsonl). Each
timing is the best of three rounds, in ms per article.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_bench import articles, muc4_articles  # noqa: E402
from services.extract.fast_attribute_ruler import FACTORY  # noqa: E402
from services.extract.nlp import EXCLUDE, MODEL, load_nlp  # noqa: E402
from services.extract.text import is_candidate, split_sentences  # noqa: E402


def candidates(docs: list[dict[str, Any]]) -> list[str]:
    texts = (d["body"][s.start : s.end] for d in docs for s in split_sentences(d["body"]))
    return [t for t in texts if is_candidate(t)]


def best_ms(fn: Callable[[], Any], per: int, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times) / per * 1000, 3)


def measure(name: str, docs: list[dict[str, Any]], stock: Any, fast: Any) -> dict[str, Any]:
    texts = candidates(docs)
    with fast.select_pipes(disable=[FACTORY, "lemmatizer"]):
        parsed = list(fast.pipe(texts))  # tagged and parsed: what the ruler sees in the pipeline
    ruler = fast.get_pipe(FACTORY)
    n = len(docs)
    return {
        "corpus": name, "articles": n, "candidate_sentences": len(texts),
        "ruler_ms_per_article": {"spacy_attribute_ruler": best_ms(lambda: [ruler.ruler(d) for d in parsed], n),
                                 "lookup": best_ms(lambda: [ruler(d) for d in parsed], n)},
        "pipeline_ms_per_article": {"spacy_attribute_ruler": best_ms(lambda: list(stock.pipe(texts)), n),
                                    "lookup": best_ms(lambda: list(fast.pipe(texts)), n)},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "attribute_ruler.json"))
    args = parser.parse_args()
    stock = importlib.import_module(MODEL).load(exclude=list(EXCLUDE))
    fast = load_nlp()
    list(stock.pipe(["Warm-up sentence."])), list(fast.pipe(["Warm-up sentence."]))
    results = {
        "machine": {"python": platform.python_version(), "cpus": 2},
        "runs": [measure("load-bench short articles", articles()[:400], stock, fast),
                 measure("MUC-4 train", muc4_articles()[:300], stock, fast)],
    }  # fmt: skip
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
