"""The live page at ``/`` (its assets are mounted at ``/static`` by ``create_app``)."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
async def live_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")
