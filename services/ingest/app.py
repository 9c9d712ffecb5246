"""Ingest's HTTP API: POST /v1/articles (JSON or text/html), /healthz, /readyz, /metrics."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.ingest.feeds import FeedPoller
from services.ingest.ingestor import ArticleIn, IngestError, Ingestor, PublishFailed
from shared.api_docs import serve_docs
from shared.http import instrument, key_matches
from shared.version import __version__


def create_app(
    ingestor: Ingestor, *, api_keys: set[str], health: Any, max_bytes: int, poller: FeedPoller | None = None
) -> FastAPI:
    """``poller`` (optional) polls the configured feeds while the app runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if poller is not None:
            await poller.start()
        try:
            yield
        finally:
            if poller is not None:
                await poller.stop()

    app = FastAPI(
        title="warwire ingest", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    serve_docs(app)  # self-hosted /docs and /redoc
    instrument(app, "ingest")

    def check_key(key: str | None) -> None:
        if api_keys and not key_matches(key, api_keys):
            raise HTTPException(
                status_code=401, detail={"reason": "unauthorized", "detail": "missing or wrong X-API-Key"}
            )

    @app.post(
        "/v1/articles",
        status_code=202,
        responses={
            200: {"description": "duplicate: the existing article id"},
            202: {"description": "accepted"},
        },
    )
    async def post_article(
        request: Request,
        x_api_key: Annotated[str | None, Header()] = None,
        title: str = "",
        url: str | None = None,
        source: str = "push",
        published_at: str | None = None,
    ) -> JSONResponse:
        """Push one article as JSON (``ArticleIn``) or as ``text/html`` (metadata in the query string)."""
        check_key(x_api_key)
        raw = await _read_body(request, max_bytes + 65536)  # room for the JSON around the article
        if raw is None:
            return _error(413, "too_large", f"request body exceeds {max_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "invalid_utf8", "the request body is not valid UTF-8")
        ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        try:
            if ctype == "text/html":
                item = ArticleIn(html=text, title=title, url=url, source=source, published_at=published_at)
            elif ctype in {"application/json", ""}:
                item = ArticleIn.model_validate(json.loads(text))
            else:
                return _error(
                    415, "unsupported_media_type", f"send application/json or text/html, not {ctype}"
                )
        except ValidationError as exc:
            return _error(422, "invalid_fields", _fields(exc))
        except (ValueError, RecursionError) as exc:  # also 5,000-digit numbers and deep nesting
            return _error(400, "malformed_json", str(exc)[:500])
        try:
            article, is_new = await run_in_threadpool(ingestor.ingest, item, channel="push")
        except IngestError as exc:
            return _error(exc.status, exc.reason, exc.detail)
        except PublishFailed as exc:  # broker unavailable or timed out
            response = _error(503, "broker_unavailable", str(exc))
            response.headers["Retry-After"] = "1"  # the article was not recorded: pushing it again is safe
            return response
        status = 202 if is_new else 200
        return JSONResponse(
            {"article_id": article.article_id, "status": "accepted" if is_new else "duplicate"},
            status_code=status,
        )

    @app.get("/v1/feeds")
    def feeds() -> dict[str, Any]:
        """Per-feed status: consecutive failures, last poll result, ETag."""
        return poller.status() if poller is not None else {}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ok = bool(health())
        return JSONResponse(
            {"status": "ready" if ok else "broker_unreachable"}, status_code=200 if ok else 503
        )

    return app


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past ``limit``: a chunked upload is never held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _fields(exc: ValidationError) -> str:
    """Which fields are wrong and why, without echoing the (possibly huge) input back."""
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]]
    return "; ".join(parts)


def _error(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"reason": reason, "detail": detail}, status_code=status)
