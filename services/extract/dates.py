"""Resolve relative date expressions against an article's publication date, with precision."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

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


_YEAR = r"((?:19|20)\d{2})"
# Wire datelines: "3 JAN 90" (a two-digit year only after an abbreviated month).
_DATELINE = re.compile(
    r"\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)\.?\s+'?(\d{2})\b", re.I
)
# "30 September 2014", "3 JAN 90", "September 30, 2014", "2014-09-30", "30/09/2014".
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I
)
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b", re.I)
_NUMERIC = re.compile(r"\b((?:19|20)\d{2}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/(?:19|20)\d{2})\b")
_MONTH_YEAR = re.compile(
    r"\b(?:in|since|during|early|late|mid-?)\s+" + _MONTH + r"\s+((?:19|20)\d{2})\b", re.I
)
_IN_YEAR = re.compile(r"\b(?:in|since|during)\s+((?:19|20)\d{2})\b", re.I)
# "two days ago", "three weeks ago", "last Monday", "on Monday last week": read by dateparser.
_RELATIVE_PHRASE = re.compile(
    r"\b(?:(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several)\s+(?:days?|weeks?|months?|years?)\s+ago"
    r"|last\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)


def _full_year(text: str, published: date) -> int:
    year = int(text.lstrip("'"))
    if year >= 100:
        return year
    # Two digits ("3 JAN 90"): the century that puts the date nearest before publication.
    century = published.year - published.year % 100
    return century + year if century + year <= published.year + 1 else century - 100 + year


def _explicit(sentence: str, published: date) -> tuple[date, str] | None:
    """A date the sentence gives with its year: it stands as written, whatever the publication date."""
    for pattern, d, mo, y in ((_DAY_MONTH_YEAR, 1, 2, 3), (_MONTH_DAY_YEAR, 2, 1, 3), (_DATELINE, 1, 2, 3)):
        m = pattern.search(sentence)
        if m:
            try:
                return date(
                    _full_year(m.group(y), published), _month_number(m.group(mo)), int(m.group(d))
                ), "day"
            except ValueError:
                pass
    m = _NUMERIC.search(sentence)
    if m:
        parsed = _parse(m.group(1), published, order="YMD" if "-" in m.group(1) else "DMY")
        if parsed is not None:
            return parsed, "day"
    m = _MONTH_YEAR.search(sentence)
    if m:
        return date(int(m.group(2)), _month_number(m.group(1)), 1), "month"
    m = _IN_YEAR.search(sentence)
    if m and int(m.group(1)) < published.year:
        return date(int(m.group(1)), 1, 1), "year"
    return None


def _parse(text: str, published: date, order: str | None = None) -> date | None:
    import dateparser  # imported on first use: its language data take a moment to load

    settings: dict[str, object] = {
        "RELATIVE_BASE": datetime(published.year, published.month, published.day, 12),
        "PREFER_DATES_FROM": "past",
    }
    if order:
        settings["DATE_ORDER"] = order
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def resolve_date(sentence: str, published: date | None) -> tuple[date | None, str | None]:
    """The date a sentence's event happened on, and its precision; falls back to the week of publication.

    Handles weekdays ("on Wednesday", "Wednesday morning"), yesterday/today, "a week ago", "last week",
    "last month", explicit dates ("September 30th", "30 September", "since September 30th"), months
    ("in July") and "this year"."""
    if published is None:
        return None, None
    explicit = _explicit(sentence, published)
    if explicit is not None:
        return explicit
    m = _RELATIVE_PHRASE.search(sentence)
    if m:
        when = _parse(m.group(0), published)
        if when is not None:
            unit = m.group(0).lower()
            return when, "day" if "day" in unit or "last" in unit else "week" if "week" in unit else "month"
    # The first date in the sentence: in "30 September 12 soldiers" the day is 30, not 12.
    found = [
        (m, mo, d)
        for pattern, mo, d in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1))
        if (m := pattern.search(sentence))
    ]
    for m, month_group, day_group in sorted(found, key=lambda f: f[0].start()):
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


_MONTH_WORD = re.compile(r"\b(?:" + "|".join(_MONTHS) + r"|sept?|jan|feb|aug|oct|nov|dec)\b", re.IGNORECASE)


def dates_in_any_case(sentence: str, published: date | None) -> set[date]:
    """Every date ``resolve_date`` can give ``sentence`` with its letters in any case (extraction reads
    ALL-CAPS copy truecased, and a truecaser may or may not restore a month's capital).

    Only month names are read case-sensitively. With none read as one, the answer is that of the
    lower-cased sentence; with some, it is the first valid date of a month pattern, and every match of
    those patterns in the sentence with every month name capitalised is counted."""
    if published is None:
        return set()
    found = {resolve_date(sentence, published)[0], resolve_date(sentence.lower(), published)[0]}
    capitalised = _MONTH_WORD.sub(lambda m: m.group(0).capitalize(), sentence)
    for pattern, month, day in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        found.update(
            _latest(published, _month_number(m.group(month)), int(m.group(day)))
            for m in pattern.finditer(capitalised)
        )
    found.update(_latest(published, _month_number(m.group(1)), None) for m in _IN_MONTH.finditer(capitalised))
    return {d for d in found if d is not None}
