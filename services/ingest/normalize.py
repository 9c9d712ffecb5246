"""Normalisation: Unicode NFC, whitespace clean-up, boilerplate removal (reversible), canonical URL,
and the stable article_id."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ocid|smid|at_[a-z]+)$", re.I
)
# Whole lines that are page furniture, not reporting.
_BOILERPLATE = re.compile(
    r"^(?:read more|advertisement|related:?.*|share this.*|photograph:.*|photo:.*|image:.*|"
    r"(?:by|reporting by|editing by|written by) [A-Z][\w .'-]{1,60}|.*\b(?:photograph|photo|image|credit): [^.]{0,120}"
    r"|[\w .'-]{1,40} and (?:PA|AFP|AP|Reuters)|(?:reuters|ap|afp|pa)(?: and (?:reuters|ap|afp|pa))?)$",
    re.IGNORECASE,
)


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def strip_boilerplate(text: str) -> tuple[str, list[str]]:
    """Remove boilerplate lines and consecutive duplicate lines (repeated captions).
    Returns the kept text and the removed lines, so the step can be undone or audited."""
    kept: list[str] = []
    removed: list[str] = []
    previous = None
    for line in text.split("\n"):
        if line and (_BOILERPLATE.match(line) or line == previous):
            removed.append(line)
            continue
        kept.append(line)
        if line:
            previous = line
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), removed


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def article_id_for(url: str | None, title: str, body: str) -> str:
    basis = (
        "url:" + canonical_url(url)
        if url
        else "text:" + re.sub(r"\s+", " ", (title + "\n" + body).lower()).strip()
    )
    return "art_" + hashlib.sha256(basis.encode()).hexdigest()[:24]
