"""Pydantic v2 models: the single source of truth for every message on warwire's topics."""

from shared.schemas.alert import Alert, AlertKind, AlertStatus, Severity
from shared.schemas.article import Article
from shared.schemas.deadletter import DeadLetter
from shared.schemas.events import (
    About,
    ActorRef,
    Claim,
    ClaimStatus,
    Evidence,
    LaunchPlatform,
    Place,
    Quantities,
    SourceRef,
    Speaker,
    StatementEvent,
    StatementType,
    StrikeEvent,
    StrikeType,
)
from shared.schemas.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "About",
    "ActorRef",
    "Alert",
    "AlertKind",
    "AlertStatus",
    "Article",
    "Claim",
    "ClaimStatus",
    "DeadLetter",
    "Evidence",
    "LaunchPlatform",
    "Place",
    "Quantities",
    "Severity",
    "SourceRef",
    "Speaker",
    "StatementEvent",
    "StatementType",
    "StrikeEvent",
    "StrikeType",
    "WebhookDelivery",
    "WebhookSubscription",
]
