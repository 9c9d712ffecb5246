"""Text that every store and encoder accepts: no NUL, no unpaired surrogates.

JSON and Python strings may carry both, but PostgreSQL refuses NUL in text and JSONB (asyncpg raises
CharacterNotInRepertoireError and the whole batch fails), and UTF-8 has no encoding for a lone
surrogate (every later ``model_dump_json`` raises). Text arriving from Kafka or HTTP goes through here
before it is written anywhere.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls except tab, newline and carriage return; line-like ones become newlines.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n", "\x1c": "\n", "\x1d": "\n", "\x1e": "\n", "\x85": "\n"}


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def safe_text(text: str) -> str:
    """NUL removed; unpaired surrogates replaced by U+FFFD (a pair split over two code points is joined)."""
    if not _UNSAFE.search(text):
        return text
    text = text.replace("\x00", "")
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def strip_controls(text: str) -> str:
    """``safe_text``, and other control characters removed (tab, newline, carriage return kept)."""
    text = safe_text(text)
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: _LINE_BREAKS.get(m.group(), ""), text)


def safe_model(message: M) -> M:
    """``message`` with ``safe_text`` applied to every string in it (ids, names, nested lists and dicts);
    the same object when nothing needed it, which is the usual case."""
    try:
        # The usual case, cheaply: pydantic's JSON encoder refuses a lone surrogate and escapes NUL.
        if "\\u0000" not in message.model_dump_json():
            return message
    except ValueError:
        pass
    dumped = message.model_dump(mode="python", round_trip=True)
    cleaned, changed = _clean(dumped)
    return type(message).model_validate(cleaned) if changed else message


def _clean(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        out = safe_text(value)
        return out, out is not value
    if isinstance(value, dict):
        items = [(_clean(k), _clean(v)) for k, v in value.items()]
        if any(kc or vc for (_, kc), (_, vc) in items):
            return {k: v for (k, _), (v, _) in items}, True
        return value, False
    if isinstance(value, list | tuple):
        parts = [_clean(v) for v in value]
        if any(c for _, c in parts):
            return type(value)(v for v, _ in parts), True
        return value, False
    return value, False
