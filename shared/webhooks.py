"""Standard Webhooks signing and the outbound-URL safety check, shared by the API, the alert service
and test receivers.

Signature: ``webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`` where the
secret is the base64 part of ``whsec_<base64>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from shared import egress

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 300


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(
    secret: str, webhook_id: str, timestamp: str, signature_header: str, body: bytes, *, now: int
) -> bool:
    """What a receiver does: constant-time compare of any v1 signature, within the time tolerance."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > TOLERANCE_S:
        return False
    expected = sign(secret, webhook_id, ts, body).split(",", 1)[1]
    for part in signature_header.split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


# The outbound-URL check lives in shared.egress (webhooks, feeds and pages share it); kept here by name.
UnsafeURL = egress.UnsafeURL


def check_url(url: str, allowed_networks: list[str]) -> None:
    """Refuse URLs that are not http(s), or whose host resolves to any address that is not public
    (``ipaddress.is_global``) unless an allow-listed network contains it. Raises UnsafeURL with the reason.
    Deliveries check again when they connect, on the address they connect to (see shared.egress)."""
    egress.check_url(url, allowed_networks)
