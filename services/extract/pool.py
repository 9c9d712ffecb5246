"""Run CPU-bound extraction off the event loop: a process pool whose workers load spaCy once each.

Every call has a time budget: a call that overruns it gets its worker processes killed and replaced
(``ExtractionTimeout``), so one pathological article costs a bounded time instead of the worker.
Pool processes die with the service, however it ends (SIGTERM, SIGKILL, the stall exit)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from shared.schemas import Article, StatementEvent, StrikeEvent

if TYPE_CHECKING:  # the service process imports no NLP code: only its pool processes load it
    from services.extract.extractor import ExtractionResult

log = logging.getLogger(__name__)
_extractor: Any = None

Payload = tuple[str, list[str], list[str], float]  # article_id, strike JSON, statement JSON, seconds

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class ExtractionTimeout(Exception):
    """A pool call overran its budget; its processes were replaced."""


def _die_with_parent(parent: int) -> None:
    """In a pool process: exit when the service process is gone, even after a SIGKILL or os._exit.

    Linux's PR_SET_PDEATHSIG delivers SIGKILL when the parent dies; the watchdog thread covers other
    systems and the race of a parent that died before prctl ran (the process is then re-parented)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _init_worker(parent: int | None = None) -> None:
    global _extractor
    if parent is not None:
        _die_with_parent(parent)
        # SIGINT (Ctrl-C reaches the whole process group) and SIGTERM are the service's to handle; it
        # kills the pool when it stops.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
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


def split_evenly(items: list[str], parts: int) -> list[list[str]]:
    """Consecutive parts of about equal total length (the cost of an article grows with its text);
    no empty part, at most ``parts`` of them."""
    if not items:
        return []
    target = sum(len(i) for i in items) / min(parts, len(items))
    out: list[list[str]] = [[]]
    size = 0
    for n, item in enumerate(items):
        left_items, left_parts = len(items) - n, parts - len(out)
        if out[-1] and (size >= target or left_items <= left_parts) and len(out) < parts:
            out.append([])
            size = 0
        out[-1].append(item)
        size += len(item)
    return out


class ExtractionPool:
    """``workers`` processes (spawned, so no fork of a loaded event loop); 0 runs in one thread, where
    the budget cannot stop a call (a thread cannot be killed) and is not enforced."""

    def __init__(self, workers: int, *, timeout_s: float = float("inf")) -> None:
        self.workers = workers
        self.timeout_s = timeout_s
        self._warming: list[Future[Any]] = []
        self._executor = self._new_executor()

    def _new_executor(self) -> Executor:
        if self.workers > 0:
            # A pool process is one core's work. Multi-threaded BLAS inside each (OpenBLAS starts a
            # thread per core) only makes the processes compete for the same cores: single-threaded,
            # the model's CPU per article is ~10% lower. Spawned processes inherit the environment
            # and read it when they load numpy; an operator's own setting wins.
            for var in _BLAS_THREADS:
                os.environ.setdefault(var, "1")
            return ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        return ThreadPoolExecutor(max_workers=1, initializer=_init_worker)

    def start_warm_up(self) -> None:
        """Start loading the model in every worker, without waiting (one call per worker: the executor
        starts a process for each call while none is idle). The service starts meanwhile; the first
        extraction waits for it, outside its time budget."""
        self._warming = [self._executor.submit(_extract_json, []) for _ in range(max(1, self.workers))]

    def warm_up(self) -> None:
        """Load the model in every worker and wait for it."""
        self.start_warm_up()
        for future in self._warming:
            future.result()

    async def _warm(self) -> None:
        if self._warming:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in self._warming))
            self._warming = []

    async def extract(
        self, articles: list[Article], *, split: bool = True
    ) -> tuple[list[ExtractionResult], float]:
        """Extract a batch, in the batch's order. ``split``: in one part per worker process, so that every
        core works on this one batch; otherwise in one process (a caller that keeps one batch in flight
        per process, as the extract stage does, uses every core that way and waits on no other batch)."""
        from services.extract.extractor import ExtractionResult

        await self._warm()
        loop = asyncio.get_running_loop()
        parts = split_evenly([a.model_dump_json() for a in articles], max(1, self.workers) if split else 1)
        futures = [loop.run_in_executor(self._executor, _extract_json, part) for part in parts]
        timeout = self.timeout_s if self.workers > 0 and self.timeout_s != float("inf") else None
        try:
            raw = [r for done in await asyncio.wait_for(asyncio.gather(*futures), timeout) for r in done]
        except TimeoutError:
            log.error(
                "extraction of %d article(s) overran %.1f s; replacing the pool", len(articles), timeout
            )
            await loop.run_in_executor(None, self._replace)
            raise ExtractionTimeout(f"over {timeout:.1f} s") from None
        results = [
            ExtractionResult(
                article_id=aid,
                strikes=[StrikeEvent.model_validate_json(s) for s in strikes],
                statements=[StatementEvent.model_validate_json(s) for s in statements],
            )
            for aid, strikes, statements, _ in raw
        ]
        return results, (sum(r[3] for r in raw) / len(raw) if raw else 0.0)

    def _replace(self) -> None:
        """Kill the busy processes and start warm ones (blocking: runs off the event loop)."""
        self._kill()
        self._executor = self._new_executor()
        self.warm_up()

    def _kill(self) -> None:
        executor = self._executor
        # ProcessPoolExecutor cannot cancel a running call; killing its processes is the only way out.
        processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        for process in list(processes.values()):
            process.join(timeout=5)

    def shutdown(self) -> None:
        """Stop now, also mid-extraction: the work in flight is redone after a restart (not committed)."""
        self._kill()
