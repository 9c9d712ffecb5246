"""Response bodies of the HTTP API, for the OpenAPI document (the handlers return stored JSON as is)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.schemas import Alert, SourceRef, StatementEvent, StrikeEvent, WebhookDelivery, WebhookSubscription

AnyEvent = Annotated[StrikeEvent | StatementEvent, Field(discriminator="event_type")]


class EventPage(BaseModel):
    items: list[AnyEvent]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class AlertPage(BaseModel):
    items: list[Alert]
    next_cursor: str | None


class VersionEntry(BaseModel):
    version: int
    stored_at: datetime
    source_count: int
    added_sources: list[SourceRef] = Field(description="Sources this version added.")


class StrikeEventDetail(StrikeEvent):
    history: list[VersionEntry] = Field(description="Every stored version, oldest first.")


class StatementEventDetail(StatementEvent):
    history: list[VersionEntry]


EventDetail = Annotated[StrikeEventDetail | StatementEventDetail, Field(discriminator="event_type")]


class WebhookView(BaseModel):
    """A subscription as listed: never with its secret."""

    schema_version: int
    subscription_id: str
    url: str
    kinds: list[str]
    min_severity: str
    actors: list[str]
    theaters: list[str]
    created_at: datetime


class WebhookList(BaseModel):
    items: list[WebhookView]


WebhookCreated = WebhookSubscription


class DeliveryList(BaseModel):
    items: list[WebhookDelivery]


class ErrorBody(BaseModel):
    reason: str = Field(description="Machine-readable, e.g. bad_cursor, invalid_bbox, not_found.")
    detail: str


class Error(BaseModel):
    detail: ErrorBody


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Unprocessable(BaseModel):
    """Either FastAPI's list of field errors, or one reason for input that is well-formed but unusable
    (invalid_bbox, invalid_range, unsafe_url)."""

    detail: list[FieldError] | ErrorBody


class Readiness(BaseModel):
    database: bool
    kafka: bool
    consumer: bool


ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Error, "description": "Malformed input (bad cursor, bad Last-Event-ID)."},
    401: {"model": Error, "description": "Missing or wrong X-API-Key."},
    404: {"model": Error, "description": "Unknown id."},
    413: {"model": Error, "description": "Request body too large."},
    422: {"model": Unprocessable, "description": "Invalid parameters or body."},
}
