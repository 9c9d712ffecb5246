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


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
_MONTH = (
    r"(" + "|".join(m.capitalize() for m in _MONTHS) + r"|Sept?\.?|Jan\.?|Feb\.?|Aug\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b")
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_IN_MONTH = re.compile(r"\b(?:in|since|during|early|late|mid-?)\s+" + _MONTH + r"\b")
_THIS_YEAR = re.compile(r"\b(?:this year|earlier this year)\b", re.I)


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return [m[:3] for m in _MONTHS].index(key) + 1


def _latest(published: date, month: int, day: int | None) -> date | None:
    """The most recent such date on or before publication (news reports the past)."""
    for year in (published.year, published.year - 1):
        try:
            candidate = date(year, month, day or 1)
        except ValueError:
            return None
        if candidate <= published:
            return candidate
    return None


def resolve_date(sentence: str, published: date | None) -> tuple[date | None, str | None]:
    """The date a sentence's event happened on, and its precision; falls back to the week of publication.

    Handles weekdays ("on Wednesday", "Wednesday morning"), yesterday/today, "a week ago", "last week",
    "last month", explicit dates ("September 30th", "30 September", "since September 30th"), months
    ("in July") and "this year"."""
    if published is None:
        return None, None
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        m = pattern.search(sentence)
        if m:
            when = _latest(published, _month_number(m.group(month_group)), int(m.group(day_group)))
            if when is not None:
                return when, "day"
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
    m = _IN_MONTH.search(sentence)
    if m:
        when = _latest(published, _month_number(m.group(1)), None)
        if when is not None:
            return when, "month"
    if _THIS_YEAR.search(sentence):
        return date(published.year, 1, 1), "year"
    return published, "week"
