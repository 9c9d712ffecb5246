"""Main text and metadata of an HTML article page (trafilatura), for pushed HTML and summary-only feeds."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None
    date: str | None
    author: str | None
    site: str | None


def extract_page(html: str, url: str | None = None) -> PageText | None:
    """None when the page has no article text (navigation, scripts, an empty shell)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, as_dict=False, include_comments=False, include_tables=False,
        favor_precision=True,
    )  # fmt: skip
    if not doc:
        return None
    data = doc if isinstance(doc, dict) else doc.as_dict()
    text = data.get("text") or ""
    if not re.search(r"\w{3,}", text):
        return None
    return PageText(
        text=text,
        title=data.get("title") or None,
        date=data.get("date") or None,
        author=data.get("author") or None,
        site=data.get("sitename") or data.get("hostname") or None,
    )
