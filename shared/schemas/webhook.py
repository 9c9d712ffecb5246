"""Webhook subscriptions and delivery records (topics ``webhooks.subscriptions`` and ``webhooks.deliveries``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.schemas.alert import AlertKind, Severity
from shared.schemas.base import Message


class WebhookSubscription(Message):
    """Key: ``subscription_id``. Compacted; a tombstone (null value) deletes the subscription.

    The secret travels on this internal topic so the alert service can sign, sealed with AES-256-GCM
    under WARWIRE_WEBHOOK_SECRET_KEY (shared.secretbox); restrict the topic with broker ACLs in
    production too. The HTTP API shows the plain secret once, on creation."""

    schema_version: Literal[1] = 1
    subscription_id: str
    url: str
    secret: str = Field(
        description="On the topic: 'sealed.v1.' + base64(nonce + AES-256-GCM ciphertext of the Standard "
        "Webhooks secret, with the subscription_id as associated data). In the API's creation response: "
        "the secret itself, 'whsec_' + base64."
    )
    kinds: list[AlertKind] = Field(default_factory=list, description="Empty: every kind.")
    min_severity: Severity = Severity.LOW
    actors: list[str] = Field(default_factory=list, description="Actor names; empty: any actor.")
    theaters: list[str] = Field(default_factory=list, description="ISO country codes; empty: any theater.")
    created_at: datetime


class WebhookDelivery(Message):
    """One delivery attempt's outcome. Key: ``subscription_id``."""

    schema_version: Literal[1] = 1
    delivery_id: str = Field(
        description="<webhook-id>:<attempt>, numbered on across restarts; <webhook-id>:<attempt>:gave_up "
        "for the give-up record that follows the last attempt."
    )
    subscription_id: str
    webhook_id: str = Field(description="The webhook-id header: <alert_id>:<version>.")
    alert_id: str
    attempt: int = Field(ge=1)
    outcome: Literal["delivered", "failed", "gave_up", "refused"]
    status_code: int | None = None
    error: str | None = None
    duration_ms: float | None = None
    attempted_at: datetime
