"""Read articles from files: .txt (first line = title), .html, .json (object or list) and .jsonl;
directories recursively. Shared by ``warwire ingest`` and ``warwire extract``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from services.ingest.ingestor import ArticleIn, IngestError

SUFFIXES = {".txt", ".html", ".htm", ".json", ".jsonl"}


def expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def read_file(
    path: Path, *, published_at: str | None = None, source: str | None = None, url: str | None = None
) -> Iterator[ArticleIn | IngestError]:
    """Yields one ArticleIn per article in ``path``, or an IngestError for each unreadable one."""
    defaults = {"published_at": published_at, "source": source or path.stem, "url": url}
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield IngestError("unreadable", f"{path}: {exc}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield IngestError("invalid_utf8", f"{path}: not valid UTF-8")
        return
    suffix = path.suffix.lower()
    if suffix == ".txt":
        title, _, body = text.partition("\n")
        yield _build({"title": title.strip(), "body": body}, defaults, path)
    elif suffix in {".html", ".htm"}:
        yield _build({"html": text}, defaults, path)
    elif suffix == ".json":
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:  # also 5,000-digit numbers, deep nesting
            yield IngestError("malformed_json", f"{path}: {exc}")
            return
        for item in doc if isinstance(doc, list) else [doc]:
            yield _build(item, defaults, path)
    elif suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield _build(json.loads(line), defaults, path)
            except (ValueError, RecursionError) as exc:  # also 5,000-digit numbers, deep nesting
                yield IngestError("malformed_json", f"{path}:{n}: {exc}")
    else:
        yield IngestError("unsupported_file", f"{path}: use .txt, .html, .json or .jsonl")


def _build(item: object, defaults: dict[str, str | None], path: Path) -> ArticleIn | IngestError:
    if not isinstance(item, dict):
        return IngestError("invalid_fields", f"{path}: each article must be a JSON object")
    merged = {k: v for k, v in defaults.items() if v is not None} | {
        k: v for k, v in item.items() if v is not None
    }
    if defaults.get("published_at"):
        merged["published_at"] = defaults["published_at"]
    try:
        return ArticleIn.model_validate(merged)
    except ValidationError as exc:
        return IngestError(
            "invalid_fields", f"{path}: {exc.error_count()} invalid field(s): {exc.errors()[0]['msg']}"
        )
