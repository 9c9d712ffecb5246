"""Stable ids: the same parts give the same id in every process and after every restart, which is what
makes re-delivery idempotent (a re-extracted article yields the same event ids, a re-raised signal the
same alert id)."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object) -> str:
    """``<prefix>_`` and 20 hex digits of the SHA-1 of the parts joined with "|" (None as empty)."""
    digest = hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}_{digest[:20]}"
