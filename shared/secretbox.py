"""Secrets at rest on Kafka: webhook signing secrets travel on ``webhooks.subscriptions`` sealed with
AES-256-GCM under a key from the environment (``WARWIRE_WEBHOOK_SECRET_KEY``), so a reader of the
topic (or of a broker's disk) without the key learns nothing. The subscription id is bound in as
associated data: a sealed secret copied onto another subscription does not open."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "sealed.v1."
ENV = "WARWIRE_WEBHOOK_SECRET_KEY"
HOW = 'generate one with: python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())"'


class SecretKeyError(ValueError):
    """The key is missing or malformed; the message says what to set."""


class SealedSecretError(ValueError):
    """A sealed secret that does not open: another key, another subscription, or not sealed at all."""


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    if not text.strip():
        raise SecretKeyError(f"{ENV} is not set: webhook secrets are encrypted on Kafka with it; {HOW}")
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SecretKeyError(f"{ENV} must be 32 random bytes in base64 (44 characters); {HOW}")
    return key


def seal(key: bytes, secret: str, context: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), context.encode())
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def unseal(key: bytes, sealed: str, context: str) -> str:
    if not sealed.startswith(SEALED_PREFIX):
        raise SealedSecretError("not a sealed secret (plaintext secrets are not accepted)")
    try:
        raw = base64.b64decode(sealed.removeprefix(SEALED_PREFIX), validate=True)
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise SealedSecretError("does not open with this key") from exc
