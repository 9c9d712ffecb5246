"""Resolve relative date expressions against an article's publication date, with precision."""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")(?:'s)?\b", re.IGNORECASE)
_RELATIVE = [
    (re.compile(r"\byesterday\b", re.I), lambda d: (d - timedelta(days=1), "day")),
    (
        re.compile(r"\b(?:today|this morning|this afternoon|tonight|earlier today)\b", re.I),
        lambda d: (d, "day"),
    ),
    (re.compile(r"\b(?:a week ago|last week)\b", re.I), lambda d: (d - timedelta(days=7), "week")),
    (re.compile(r"\blast month\b", re.I), lambda d: (d.replace(day=1) - timedelta(days=1), "month")),
]


def resolve_date(sentence: str, published: date | None) -> tuple[date | None, str | None]:
    """The date a sentence's event happened on, and its precision; falls back to the week of publication."""
    if published is None:
        return None, None
    m = _WEEKDAY_RE.search(sentence)
    if m:
        wanted = _WEEKDAYS.index(m.group(1).lower())
        # News reports the most recent such day: the publication day itself or up to six days before.
        delta = (published.weekday() - wanted) % 7
        return published - timedelta(days=delta), "day"
    for pattern, fn in _RELATIVE:
        if pattern.search(sentence):
            when, precision = fn(published)
            return when, precision
    return published, "week"
