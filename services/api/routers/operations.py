"""Liveness and readiness (``/metrics`` is served by ``shared.http.instrument``)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.api.deps import ConfigDep, StoreDep
from services.api.responses import Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(store: StoreDep, config: ConfigDep) -> JSONResponse:
    """The database and Kafka are reachable and the consumer is running."""
    materialiser = config.materialiser
    db = await store.ping()
    kafka = materialiser is None or await materialiser.broker_reachable()
    consumer = materialiser is None or bool(materialiser.running)
    ok = db and kafka and consumer
    return JSONResponse(
        {"database": db, "kafka": kafka, "consumer": consumer}, status_code=200 if ok else 503
    )
