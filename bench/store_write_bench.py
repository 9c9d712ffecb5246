"""The API materialiser's write path: ``Store.upsert_events`` per event, with a baseline from the same run.

    .venv/bin/python bench/store_write_bench.py [--articles 300] [--batch 10] [--out docs/bench/store_write.json]

- Events are real extractor output: the load benchmark's articles (three development reports plus
  filler each, bench/load_bench.py) run through the extractor in this process, then merged versions
  are simulated by writing every event twice (version 1, then version 2 with one more source), which
  is the update path a merge takes.
- Each variant writes the same events in batches of ``--batch`` (the materialiser's batches under
  load are of that order) into a fresh SQLite file through the API's own Store:
  - ``wal`` is the store as the service opens it (WAL journal, synchronous=FULL);
  - ``rollback journal`` is the same store with SQLite's default journal (the baseline: what every
    commit cost before WAL).
- Printed and saved: milliseconds per event written, inserts and updates separately.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_bench import articles  # noqa: E402
from services.api.store import Store  # noqa: E402
from shared.schemas import Article, SourceRef, StatementEvent, StrikeEvent  # noqa: E402


def extracted_events(n_articles: int) -> list[StrikeEvent | StatementEvent]:
    from services.extract.nlp import default_extractor

    now = datetime.now(UTC)
    docs = [
        Article(article_id=f"art_bench{i:07d}", title=d["title"], body=d["body"], url=d["url"],
                source=d["source"], published_at=d["published_at"], ingested_at=now)
        for i, d in enumerate(articles()[:n_articles])
    ]  # fmt: skip
    out: list[StrikeEvent | StatementEvent] = []
    for result in default_extractor().extract(docs):
        out += [*result.strikes, *result.statements]
    return out


def second_versions(events: list[StrikeEvent | StatementEvent]) -> list[StrikeEvent | StatementEvent]:
    extra = SourceRef(source="Bench Wire", url="https://bench.example/second", article_id="art_bench_second")
    return [e.model_copy(update={"version": e.version + 1, "sources": [*e.sources, extra]}) for e in events]


async def write_all(url: str, events: list[Any], batch: int, journal: str | None) -> float:
    store = Store(url)
    if journal is not None:  # after the store's own pragmas: the baseline's journal mode wins

        def pragma(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA journal_mode={journal}")
            cursor.close()

        event.listen(store.engine.sync_engine, "connect", pragma)
    await store.start()
    started = time.perf_counter()
    for i in range(0, len(events), batch):
        await store.upsert_events(events[i : i + batch])
    seconds = time.perf_counter() - started
    await store.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "store_write.json"))
    args = parser.parse_args()
    first = extracted_events(args.articles)
    second = second_versions(first)
    results: dict[str, Any] = {}
    for name, journal in (("wal", None), ("rollback journal", "DELETE")):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/store.db"
            inserts = asyncio.run(write_all(url, first, args.batch, journal))
            # The same database: version 2 of every event is an update.
            updates = asyncio.run(write_all(url, second, args.batch, journal))
        results[name] = {
            "insert_ms_per_event": round(inserts / len(first) * 1000, 2),
            "update_ms_per_event": round(updates / len(second) * 1000, 2),
        }
        print(name, results[name], flush=True)
    report = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "command": f"python bench/store_write_bench.py --articles {args.articles} --batch {args.batch}",
        "events": len(first),
        "batch": args.batch,
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
