"""Run CPU-bound extraction off the event loop: a process pool whose workers load spaCy once each."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from services.extract.extractor import ExtractionResult
from shared.schemas import Article, StatementEvent, StrikeEvent

_extractor: Any = None

Payload = tuple[str, list[str], list[str], float]  # article_id, strike JSON, statement JSON, seconds


def _init_worker() -> None:
    global _extractor
    from services.extract.nlp import default_extractor

    _extractor = default_extractor()


def _extract_json(articles_json: list[str]) -> list[Payload]:
    """Runs in a worker process: JSON in, JSON out (cheap to pickle, explicit contract)."""
    if _extractor is None:
        _init_worker()
    articles = [Article.model_validate_json(a) for a in articles_json]
    started = time.perf_counter()
    results = _extractor.extract(articles)
    per_article = (time.perf_counter() - started) / max(1, len(articles))
    return [
        (
            r.article_id,
            [s.model_dump_json() for s in r.strikes],
            [s.model_dump_json() for s in r.statements],
            per_article,
        )
        for r in results
    ]


class ExtractionPool:
    """``workers`` processes (spawned, so no fork of a loaded event loop); 0 runs in one thread."""

    def __init__(self, workers: int) -> None:
        self._executor: Executor
        if workers > 0:
            self._executor = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
            )
        else:
            self._executor = ThreadPoolExecutor(max_workers=1, initializer=_init_worker)

    def warm_up(self) -> None:
        """Load the model in every worker before consuming, so the first batch is not slow."""
        self._executor.submit(_extract_json, []).result()

    async def extract(self, articles: list[Article]) -> tuple[list[ExtractionResult], float]:
        loop = asyncio.get_running_loop()
        payload = [a.model_dump_json() for a in articles]
        raw = await loop.run_in_executor(self._executor, _extract_json, payload)
        results = [
            ExtractionResult(
                article_id=aid,
                strikes=[StrikeEvent.model_validate_json(s) for s in strikes],
                statements=[StatementEvent.model_validate_json(s) for s in statements],
            )
            for aid, strikes, statements, _ in raw
        ]
        return results, (raw[0][3] if raw else 0.0)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
