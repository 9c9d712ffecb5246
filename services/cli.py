"""The ``warwire`` command: run a service, ingest files, extract from files, run the demo,
regenerate contracts. ``warwire <command> --help`` documents each."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from services.api import export_cli
from services.runner import SERVICES
from shared.version import __version__

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "devset.jsonl"


def _file_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=".txt (first line = title), .html, .json, .jsonl or a directory",
    )
    p.add_argument("--published-at", help="publication date for files that do not carry one (ISO 8601)")
    p.add_argument("--source", help="source name (default: the file name)")
    p.add_argument("--url", help="article URL")
    p.add_argument(
        "--progress",
        action="store_true",
        help=f"show the progress bar on stderr even when it is not a terminal (it shows by itself on a "
        f"terminal for more than {PROGRESS_MIN_ARTICLES} articles)",
    )


def cmd_extract(args: argparse.Namespace) -> int:
    """Print one JSON event per line, each as soon as it is final: an article's own events when it is
    done, merged events when no later article can join them (services/extract/streaming.py). Events
    from files given together are merged unless --no-merge."""
    from services.extract.nlp import default_extractor
    from services.extract.streaming import stream_events

    articles, failed = _read_articles(args.paths, args)
    extractor = default_extractor()
    with _progress(len(articles), "extract", force=args.progress) as bar:

        def results() -> Iterator[Any]:
            for article in articles:  # one at a time, so that its events can be printed before the next
                yield extractor.extract([article])[0]
                bar.update()

        for event in stream_events(articles, results(), extractor.report_dates, merge=not args.no_merge):
            _print_line(event.model_dump_json(), bar)
    return 1 if failed and not articles else 0


def _print_line(line: str, bar: tqdm) -> None:
    """One line on stdout, now (a reader sees each event as it is final); with a bar on the same
    terminal, tqdm clears the bar, prints the line and draws the bar again below it."""
    if bar.disable:
        print(line, flush=True)
    else:
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()


def _read_articles(paths: list[str], args: argparse.Namespace) -> tuple[list[Any], int]:
    """Every article of ``paths``, normalised as ingest does, and how many could not be read. All are
    read before extraction starts: the streaming merge needs to know what is still to come."""
    from services.ingest.files import expand, read_file
    from services.ingest.ingestor import IngestError, Ingestor
    from services.ingest.seen import SeenStore

    normaliser = Ingestor(publisher=_NoPublish(), seen=SeenStore(":memory:"))
    articles, failed = [], 0
    for path in expand(paths):
        for item in read_file(path, published_at=args.published_at, source=args.source, url=args.url):
            try:
                if isinstance(item, IngestError):
                    raise item
                articles.append(normaliser.normalise(item))
            except IngestError as exc:
                failed += 1
                print(f"warwire extract: skipped {path}: {exc.reason}: {exc.detail}", file=sys.stderr)
    return articles, failed


def cmd_ingest(args: argparse.Namespace) -> int:
    """Publish files to articles.raw (deduplicated against the same seen-state as the service)."""
    from services.ingest.files import expand, read_file
    from services.ingest.ingestor import IngestError, Ingestor
    from services.ingest.producer import ArticlePublisher
    from services.ingest.seen import SeenStore
    from services.ingest.settings import IngestSettings
    from shared.kafka_admin import ensure_service_topics
    from shared.topics import TopicNames

    settings = IngestSettings()
    names = TopicNames(settings.topic_prefix)
    ensure_service_topics(settings)
    publisher = ArticlePublisher(settings.bootstrap_list, names, timeout_s=settings.ingest_publish_timeout_s)
    ingestor = Ingestor(
        publisher, SeenStore(settings.ingest_state_path), max_bytes=settings.ingest_max_article_bytes
    )
    counts = {"published": 0, "duplicate": 0, "rejected": 0}
    # Read first, so that the bar counts articles (a .jsonl file may hold thousands), not files.
    items = [
        (path, item)
        for path in expand(args.paths)
        for item in read_file(path, published_at=args.published_at, source=args.source, url=args.url)
    ]
    with _progress(len(items), "ingest", force=args.progress) as bar:
        for path, item in items:
            try:
                if isinstance(item, IngestError):
                    raise item
                article, new = ingestor.ingest(item, channel="file")
                counts["published" if new else "duplicate"] += 1
                status = "published" if new else "duplicate"
                print(json.dumps({"path": str(path), "article_id": article.article_id, "status": status}))
            except IngestError as exc:
                counts["rejected"] += 1
                # Never a silent drop: the reason and the original bytes go to the dead-letter topic.
                publisher.dead_letter(exc.reason, f"{path}: {exc.detail}", _raw(path))
                rejected = {
                    "path": str(path),
                    "status": "rejected",
                    "reason": exc.reason,
                    "detail": exc.detail,
                }
                print(json.dumps(rejected))
            bar.update()
    publisher.close()
    print(json.dumps(counts), file=sys.stderr)
    return 0 if counts["rejected"] == 0 else 2


def cmd_eval(args: argparse.Namespace) -> int:
    """Precision, recall and F1 per field on an annotated set."""
    from services.extract.evaluation import evaluate, load
    from services.extract.nlp import default_extractor

    report = evaluate(default_extractor().extract, load(args.data))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.table())
        if args.errors:
            for err in report.errors:
                print(json.dumps(err), file=sys.stderr)
    return 0


def cmd_gazetteer(args: argparse.Namespace) -> int:
    """Build (once) the offline gazetteer index and print its path."""
    import time

    from services.extract.gazetteer import default_index_path, ensure_index

    started = time.perf_counter()
    path = ensure_index(default_index_path())
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)")
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    from shared.contracts import drift, write_all

    if args.check:
        stale = drift()
        for rel in stale:
            print(f"contracts/{rel} is out of date; run: warwire contracts", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(path)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """Apply the API store's Alembic migrations to DATABASE_URL (the API also does so at start-up),
    or print the revision the database is at."""
    import asyncio

    from sqlalchemy import text

    from services.api.settings import ApiSettings
    from services.api.store import Store

    async def run() -> str:
        store = Store(ApiSettings().database_url)
        try:
            if args.action == "upgrade":
                await store.start()
            async with store.engine.connect() as conn:
                try:
                    return str((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar())
                except Exception:
                    return "none (not migrated)"
        finally:
            await store.close()

    print(f"schema revision: {asyncio.run(run())}")
    return 0


# A bar only for inputs long enough to wait for, and only for a person watching: a script reading the
# output gets no carriage-return noise on stderr unless it asks for the bar with --progress.
PROGRESS_MIN_ARTICLES = 5


def _progress(total: int, what: str, *, force: bool) -> tqdm:
    """A progress bar on stderr counting articles; when disabled, a no-op with the same interface."""
    enabled = force or (total > PROGRESS_MIN_ARTICLES and sys.stderr.isatty())
    return tqdm(total=total, desc=what, unit="article", file=sys.stderr, disable=not enabled)


def _raw(path: Path) -> bytes | None:
    try:
        return path.read_bytes()[:1_000_000]
    except OSError:
        return None


class _NoPublish:
    def publish(self, article: object) -> None:  # the extract CLI never publishes
        raise RuntimeError("not publishing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warwire", description=__doc__)
    parser.add_argument("--version", action="version", version=f"warwire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=SERVICES)
    ext = sub.add_parser("extract", help="extract events from files; JSON lines on stdout")
    _file_args(ext)
    ext.add_argument(
        "--no-merge",
        action="store_true",
        help="print each article's own events as it is done, without merging strikes and statements "
        "reported by several articles",
    )
    ing = sub.add_parser("ingest", help="publish files to articles.raw")
    _file_args(ing)
    demo = sub.add_parser("demo", help="run the whole pipeline on the sample articles")
    demo.add_argument("--once", action="store_true")
    demo.add_argument("--timeout", type=float, default=180.0)
    ev = sub.add_parser("eval", help="precision/recall/F1 per field on an annotated set")
    ev.add_argument(
        "--data", default=str(DEVSET), help="JSON lines with id, body, published_at, strikes, statements"
    )
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    ev.add_argument("--errors", action="store_true", help="list per-article misses on stderr")
    sub.add_parser("gazetteer", help="build the offline gazetteer index (done by make setup)")
    db = sub.add_parser("db", help="the API store's schema: apply migrations or show the revision")
    db.add_argument("action", choices=["upgrade", "current"])
    exp = sub.add_parser("export", help="export events as CSV, GeoJSON or NDJSON (from the API or the store)")
    export_cli.add_arguments(exp)
    con = sub.add_parser("contracts", help="regenerate contracts/ (JSON Schema, AsyncAPI) from the models")
    con.add_argument("--check", action="store_true", help="exit 1 if contracts/ drifted from the models")
    args = parser.parse_args(argv)

    if args.command == "run":
        importlib.import_module(f"services.{args.service}.__main__").main()
        return 0
    if args.command == "demo":
        from services import demo as demo_mod

        return demo_mod.main(["--once"] * args.once + ["--timeout", str(args.timeout)])
    handlers = {
        "extract": cmd_extract,
        "ingest": cmd_ingest,
        "contracts": cmd_contracts,
        "eval": cmd_eval,
        "gazetteer": cmd_gazetteer,
        "db": cmd_db,
        "export": export_cli.run,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
