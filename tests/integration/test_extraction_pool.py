"""The extraction pool with two real worker processes: a batch is split across both, and the results come
back complete and in the batch's order, the same as one process gives."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime

import pytest

from services.extract.nlp import default_extractor
from services.extract.pool import ExtractionPool
from shared.schemas import Article
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_two_workers_share_a_batch_and_keep_its_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    docs = [json.loads(x) for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()][:8]
    articles = [
        Article(article_id=f"pool-{d['id']}", title=d["title"], body=d["body"], source="pool-test",
                published_at=datetime(2026, 3, 4, tzinfo=UTC), ingested_at=datetime.now(UTC))
        for d in docs
    ]  # fmt: skip
    pool = ExtractionPool(2, timeout_s=120)
    try:
        pool.warm_up()
        processes = getattr(pool._executor, "_processes", {})  # the pool holds both processes
        assert len(processes) == 2, "warm_up starts every worker"
        # One core's work per process: no BLAS threads competing with the other process.
        assert pool._executor.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() == "1"
        results, per_article = asyncio.run(pool.extract(articles))
    finally:
        pool.shutdown()
    expected = default_extractor().extract(articles)
    assert [r.article_id for r in results] == [a.article_id for a in articles]
    assert [[s.event_id for s in r.strikes] for r in results] == [
        [s.event_id for s in r.strikes] for r in expected
    ]
    assert [[s.event_id for s in r.statements] for r in results] == [
        [s.event_id for s in r.statements] for r in expected
    ]
    assert per_article > 0
