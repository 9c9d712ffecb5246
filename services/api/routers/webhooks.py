"""Webhook subscriptions (every call needs an API key): subscribe, list, delete, the delivery log.
No "from __future__ import annotations": FastAPI reads the Annotated dependencies at runtime."""

import asyncio
import json
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import ConfigDep, Limit, StoreDep, Writer, bad
from services.api.responses import ERRORS, DeliveryList, WebhookCreated, WebhookList
from shared import webhooks
from shared.schemas import AlertKind, Severity, WebhookSubscription
from shared.secretbox import SecretKeyError

router = APIRouter(tags=["webhooks"])
SubscriptionId = Annotated[str, Path(max_length=64)]


class WebhookIn(BaseModel):
    """A new subscription. Filters are optional; an empty list means any."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=2000,
        pattern=r"^https?://[^/?#\s]+",
        description="http(s) URL; must resolve to a public address.",
    )
    kinds: list[AlertKind] = Field(default_factory=list, max_length=20)
    min_severity: Severity = Severity.LOW
    actors: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    theaters: list[Annotated[str, Field(pattern="^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=50
    )


@router.post("/v1/webhooks", status_code=201, response_model=WebhookCreated, responses=ERRORS)
async def create_webhook(body: WebhookIn, _: Writer, store: StoreDep, config: ConfigDep) -> JSONResponse:
    """Subscribe a URL to alerts. The response carries the signing secret; it is shown only here."""
    try:
        await asyncio.to_thread(webhooks.check_url, body.url, config.allowed_networks)
    except webhooks.UnsafeURL as exc:
        raise bad(422, "unsafe_url", str(exc)) from exc
    if config.materialiser is None:
        raise bad(503, "no_broker", "subscriptions need Kafka")
    sub = WebhookSubscription(
        subscription_id="wh_" + secrets.token_hex(8), url=body.url, secret=webhooks.new_secret(), kinds=body.kinds,
        min_severity=body.min_severity, actors=body.actors, theaters=[t.upper() for t in body.theaters],
        created_at=datetime.now(UTC),
    )  # fmt: skip
    try:
        await config.materialiser.publish_subscription(sub)
    except SecretKeyError as exc:
        raise bad(503, "no_secret_key", str(exc)) from exc
    await store.upsert_webhook(sub)
    return JSONResponse(json.loads(sub.model_dump_json()), status_code=201)


@router.get("/v1/webhooks", response_model=WebhookList, responses=ERRORS)
async def list_webhooks(_: Writer, store: StoreDep) -> JSONResponse:
    return JSONResponse({"items": await store.list_webhooks()})


@router.delete("/v1/webhooks/{subscription_id}", status_code=204, responses=ERRORS)
async def delete_webhook(
    subscription_id: SubscriptionId, _: Writer, store: StoreDep, config: ConfigDep
) -> Response:
    if await store.get_webhook(subscription_id) is None:
        raise bad(404, "not_found", f"no webhook {subscription_id}")
    if config.materialiser is not None:
        await config.materialiser.delete_subscription(subscription_id)
    await store.delete_webhook(subscription_id)
    return Response(status_code=204)


@router.get("/v1/webhooks/{subscription_id}/deliveries", response_model=DeliveryList, responses=ERRORS)
async def list_deliveries(
    subscription_id: SubscriptionId, _: Writer, store: StoreDep, limit: Limit = 50
) -> JSONResponse:
    """Every delivery attempt, newest first: outcome, HTTP status, error, duration."""
    if await store.get_webhook(subscription_id) is None:
        raise bad(404, "not_found", f"no webhook {subscription_id}")
    return JSONResponse({"items": await store.list_deliveries(subscription_id, limit=limit)})
