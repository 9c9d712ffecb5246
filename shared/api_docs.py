"""Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from vendored assets, for every FastAPI service.

FastAPI's own docs pages load their JavaScript and CSS from a CDN, so they are blank on a machine with no
internet. This follows FastAPI's "Self-hosting JavaScript and CSS for docs" recipe: create the app with
``docs_url=None, redoc_url=None`` and call ``serve_docs(app)``. The assets (swagger-ui-dist, ReDoc's
standalone bundle, their licences) live in ``shared/static/docs/``; ``ASSETS_VERSION`` names the releases.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).resolve().parent / "static" / "docs"
ASSETS_VERSION = {"swagger-ui-dist": "5.35.0", "redoc": "2.5.4"}
# Under /docs, not /static: the API already mounts its live page's assets there.
ASSETS_PATH = "/docs/assets"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
# The pages may load from the app only. Besides keeping them whole offline, this stops the one outside
# request the vendored code makes on its own (ReDoc's sidebar logo from its vendor's CDN). Inline script
# and style: FastAPI's pages start the UIs inline, and both UIs inject their styles; ReDoc's search runs
# in a worker made from a blob.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
)


def serve_docs(app: FastAPI) -> None:
    """Adds /docs, /docs/oauth2-redirect, /redoc and the assets at ``ASSETS_PATH``; none are in the schema."""
    if app.docs_url or app.redoc_url:
        raise ValueError("create the app with docs_url=None and redoc_url=None: serve_docs replaces them")
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = f"{ASSETS_PATH}/favicon-32x32.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _local_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
                swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=favicon,
            )
        )

    @app.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return _local_only(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _local_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=favicon,
                with_google_fonts=False,  # fonts.googleapis.com is unreachable offline; the page falls back
            )
        )


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
