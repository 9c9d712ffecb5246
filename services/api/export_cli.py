"""``warwire export --format csv|geojson|ndjson [filters] > file``: the HTTP exports from the command
line, from a running API (``--api``, streamed as it arrives) or straight from the store
(``--database-url``, or ``--store`` for the API's own DATABASE_URL), with the filters of ``GET /v1/events``.
Both write the same bytes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, datetime
from typing import Any, BinaryIO

FILTERS = [
    ("--type", "type", "strike or statement"),
    ("--strike-type", "strike_type", "air_strike, missile_strike, ..."),
    ("--actor", "actor", "attacker or speaker, case-insensitive"),
    ("--target", "target", "a target (or, for statements, an actor spoken about)"),
    ("--country", "country", "ISO 3166-1 alpha-2"),
    ("--place", "place", "a place hit or named"),
    ("--bbox", "bbox", "minLon,minLat,maxLon,maxLat"),
    ("--since", "since", "occurred on or after (YYYY-MM-DD)"),
    ("--until", "until", "occurred on or before (YYYY-MM-DD)"),
    ("--updated-since", "updated_since", "stored or updated at or after (ISO 8601)"),
    ("--min-confidence", "min_confidence", "0..1"),
    ("-q", "q", "full-text search: every word must match"),
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["csv", "geojson", "ndjson"], default="csv")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--api",
        default=os.environ.get("WARWIRE_API_URL", "http://127.0.0.1:8080"),
        help="base URL of a running API (default: $WARWIRE_API_URL or http://127.0.0.1:8080)",
    )
    source.add_argument("--database-url", help="read the store directly (SQLAlchemy async URL)")
    source.add_argument("--store", action="store_true", help="read the store at the API's DATABASE_URL")
    p.add_argument(
        "--api-key", default=os.environ.get("WARWIRE_API_KEY"), help="X-API-Key, if reads need one"
    )
    for flag, dest, text in FILTERS:
        p.add_argument(flag, dest=dest, help=text)


def _params(args: argparse.Namespace) -> dict[str, str]:
    return {dest: getattr(args, dest) for _, dest, _ in FILTERS if getattr(args, dest) is not None}


def run(args: argparse.Namespace, out: BinaryIO | None = None) -> int:
    out = out or sys.stdout.buffer
    params = _params(args)
    try:
        if args.database_url or args.store:
            from services.api.settings import ApiSettings

            url = args.database_url or ApiSettings().database_url
            asyncio.run(_from_store(url, args.format, params, out))
        else:
            _from_api(args.api.rstrip("/"), args.format, params, args.api_key, out)
    except _Refused as exc:
        print(f"warwire export: {exc}", file=sys.stderr)
        return 2
    out.flush()
    return 0


class _Refused(Exception):
    pass


def _from_api(base: str, fmt: str, params: dict[str, str], key: str | None, out: BinaryIO) -> None:
    import httpx

    headers = {"X-API-Key": key} if key else {}
    with httpx.stream("GET", f"{base}/v1/events.{fmt}", params=params, headers=headers, timeout=60) as r:
        if r.status_code != 200:
            raise _Refused(f"{r.status_code} from the API: {r.read().decode(errors='replace')[:500]}")
        for chunk in r.iter_bytes():
            out.write(chunk)


async def _from_store(url: str, fmt: str, params: dict[str, str], out: BinaryIO) -> None:
    from fastapi import HTTPException

    from services.api.deps import event_filters
    from services.api.exports import FORMATS
    from services.api.store import Store
    from shared.schemas import StrikeType

    conv: dict[str, Any] = dict(params)
    try:
        if "strike_type" in conv:
            conv["strike_type"] = StrikeType(conv["strike_type"])
        for key in ("since", "until"):
            if key in conv:
                conv[key] = date.fromisoformat(conv[key])
        if "updated_since" in conv:
            conv["updated_since"] = datetime.fromisoformat(conv["updated_since"].replace("Z", "+00:00"))
        if "min_confidence" in conv:
            conv["min_confidence"] = float(conv["min_confidence"])
        filters = event_filters(**conv)  # the API's own filter parsing
    except (ValueError, HTTPException) as exc:
        raise _Refused(f"bad filter: {getattr(exc, 'detail', exc)}") from exc
    store = Store(url)  # read only: no migrations run from here
    try:
        stream, _ = FORMATS[fmt]
        async for chunk in stream(store.iter_events(filters)):
            out.write(chunk)
    finally:
        await store.close()
