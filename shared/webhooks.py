"""Standard Webhooks signing and the outbound-URL safety check, shared by the API, the alert service
and test receivers.

Signature: ``webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`` where the
secret is the base64 part of ``whsec_<base64>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

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


class UnsafeURL(ValueError):
    pass


def check_url(url: str, allowed_networks: list[str]) -> None:
    """Refuse URLs that resolve to private, loopback, link-local or otherwise internal addresses,
    unless an allow-listed network contains them. Raises UnsafeURL with the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL("the URL must be http(s) with a host")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:  # UnicodeError: a label over 63 characters, for one
        raise UnsafeURL(f"cannot resolve {parts.hostname[:100]}: {exc}") from exc
    allowed = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if any(addr in net for net in allowed):
            continue
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_reserved
            or addr.is_multicast
            or addr.is_unspecified
        ):
            raise UnsafeURL(f"{parts.hostname} resolves to {addr}, a non-public address")
