"""/docs and /redoc of the API and of ingest are served from vendored assets (shared/api_docs.py, issue
#17 item 3): their HTML names no other host, and every asset it names is served with its content type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.api.app import create_app as create_api
from services.api.store import Store
from services.ingest.app import create_app as create_ingest
from services.ingest.ingestor import Ingestor
from services.ingest.seen import SeenStore
from shared.api_docs import ASSETS, serve_docs

CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _NoPublish:
    def publish(self, article: object) -> None:
        raise AssertionError("not publishing")


def _api(tmp_path: Path) -> FastAPI:
    return create_api(Store(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite'}"), max_limit=100)


def _ingest(tmp_path: Path) -> FastAPI:
    ingestor = Ingestor(_NoPublish(), SeenStore(":memory:"))  # type: ignore[arg-type]
    return create_ingest(ingestor, api_keys=set(), health=lambda: True, max_bytes=1000)


@pytest.fixture(params=[_api, _ingest], ids=["api", "ingest"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(request.param(tmp_path)) as c:
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_name_only_local_urls_and_every_asset_is_served(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]  # the browser refuses other hosts
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", r.text)
    urls += re.findall(r"""spec-url=["']([^"']+)["']""", r.text)
    flat = [u for pair in urls for u in (pair if isinstance(pair, tuple) else (pair,)) if u]
    assert flat, r.text
    assert not [u for u in flat if "//" in u], f"{page} names another host: {flat}"
    assets = [u for u in flat if u.startswith("/docs/assets/")]
    assert len(assets) >= 2  # the bundle and the favicon at least
    for url in assets:
        got = client.get(url)
        assert got.status_code == 200, url
        assert CONTENT_TYPES[Path(url).suffix] in got.headers["content-type"], (url, got.headers)
        assert got.content == (ASSETS / Path(url).name).read_bytes()
    assert client.get("/openapi.json").status_code == 200


def test_docs_pages_are_not_in_the_schema_and_the_oauth2_redirect_is_local(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]
    r = client.get("/docs/oauth2-redirect")
    assert r.status_code == 200 and "//" not in "".join(re.findall(r'src="([^"]+)"', r.text))


def test_the_vendored_assets_keep_their_licences() -> None:
    names = {p.name for p in ASSETS.iterdir()}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"} <= names
    assert {"swagger-ui.LICENSE", "redoc.LICENSE"} <= names


def test_an_app_keeping_fastapis_cdn_docs_is_refused() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        serve_docs(FastAPI())
