"""Cheap text passes that run before spaCy (sentence spans, the candidate-sentence filter), and a parsed
sentence's text read once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.extract.lexicon import SPEECH_VERBS, STATEMENT_VERBS, STRIKE_NOUNS, STRIKE_VERBS, WEAPONS

# Split after . ! ? (optionally followed by a closing quote) when a capital, digit or quote follows,
# and at line breaks; abbreviations like "Mr." and "U.S." are protected.
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Capt|Sgt|St|Prof|Sen|Rep|Gov|U\.S|U\.N|No|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\.$"
    # A middle initial: "Gen. Joseph L. Votel".
    r"|\b[A-Z][a-z]+ [A-Z]\.$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")

# The parse and the per-trigger passes over a sentence cost more than linearly in its length, so a
# "sentence" of 100 KB (no full stops, or an attack) would hold a worker for minutes. Longer runs are
# cut into pieces of at most this many characters, at clause punctuation or else whitespace; real
# sentences are far shorter (the longest in the development sets and seed reports has 400 characters).
MAX_SENTENCE_CHARS = 1000
_CLAUSE_END = re.compile(r"[,;:)\]–—]\s")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(body: str) -> list[Sentence]:
    out: list[Sentence] = []
    start = 0
    for m in _BOUNDARY.finditer(body):
        candidate = body[start : m.start()]
        if "\n" not in m.group(0) and _ABBREV.search(candidate.rstrip("\"'”’)")):
            continue
        out.extend(_trimmed(body, start, m.start()))
        start = m.end()
    out.extend(_trimmed(body, start, len(body)))
    return out


def cut_body(body: str, max_chars: int) -> str:
    """The body's longest prefix of at most ``max_chars`` characters that ends at a sentence end (or
    between pieces of an over-long sentence). A prefix keeps every offset into it valid."""
    if len(body) <= max_chars:
        return body
    sentences = split_sentences(body[: max_chars + 1])[:-1]  # the last one may be cut off mid-way
    return body[: sentences[-1].end] if sentences else body[:max_chars]


def _trimmed(body: str, start: int, end: int) -> Iterator[Sentence]:
    chunk = body[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    start += len(chunk) - len(chunk.lstrip())
    end = start + len(stripped)
    while end - start > MAX_SENTENCE_CHARS:
        cut = _cut(body, start, start + MAX_SENTENCE_CHARS)
        piece = body[start:cut].rstrip()
        yield Sentence(piece, start, start + len(piece))
        rest = body[cut:end]
        start = cut + len(rest) - len(rest.lstrip())
    yield Sentence(body[start:end], start, end)


def _cut(body: str, start: int, limit: int) -> int:
    """Where a piece of an over-long sentence ends: after the last clause mark in the second half of
    the window, else at its last space, else (a 1000-character "word") at the limit."""
    window = body[start:limit]
    half = len(window) // 2
    marks = [m.start() + 1 for m in _CLAUSE_END.finditer(window, half)]
    if marks:
        return start + marks[-1]
    space = window.rfind(" ", half)
    return start + space if space > 0 else limit


def _stems(words: list[str]) -> str:
    return "|".join(sorted({re.escape(w.split()[0][:5]) for w in words}, key=len, reverse=True))


# Head words of weapon phrases too common alone to be worth a parse ("nerve agent", "mortar round").
_WEAK_HEADS = {"agent", "gas", "device", "round", "charge", "cocktail", "vest", "belt", "trap", "arm", "weapon",
               "system", "stick", "shell", "fire", "act", "action", "operation", "attack"}  # fmt: skip


def _head_stems(phrases: list[str]) -> str:
    """Prefixes of each phrase's head (last) word: 'car bomb' is cued by 'bomb', not by 'car'."""
    heads = {p.replace("-", " ").split()[-1] for p in phrases}
    return "|".join(sorted({re.escape(h[:5]) for h in heads if h not in _WEAK_HEADS}, key=len, reverse=True))


# Prefixes of every attack trigger and weapon: a sentence with one may report a strike.
_STRIKE_CUE = re.compile(
    r"\b(?:"
    + _head_stems([*STRIKE_VERBS, *STRIKE_NOUNS, *WEAPONS])
    + r"|attack|fire|shell|explosive|weapons?\b|devices?\b|terrorist"
    + r"|fired|hit|shot|struck|fought|dropped|exchang)",
    re.IGNORECASE,
)
_SPEECH_CUE = re.compile(
    r"\b(?:" + _stems([*SPEECH_VERBS, *STATEMENT_VERBS]) + r"|said|says|told|according)", re.IGNORECASE
)
# A reported statement matters to warwire when it touches conflict: an actor, a force, war or peace.
_CONFLICT_CUE = re.compile(
    r"\b(?:war|wars|ceasefire|truce|peace|troops?|forces?|military|army|armies|militar\w*|civilians?|killed|"
    r"wounded|casualt\w*|offensive|weapons?|security|defen[cs]e|rebels?|militants?|insurgents?|fighters?|"
    r"terror\w*|sanctions?|nato|un|aid|border|refugees?|hostages?|occupation|invasion|annex\w*)\b",
    re.IGNORECASE,
)


def has_speech_cue(sentence: str) -> bool:
    return bool(_SPEECH_CUE.search(sentence))


def is_candidate(sentence: str) -> bool:
    """Cheap lexicon pass: only these sentences are parsed. A strike cue, or a speech cue in a sentence
    that names an actor or touches conflict; everything else cannot yield an event."""
    if _STRIKE_CUE.search(sentence):
        return True
    if not _SPEECH_CUE.search(sentence):
        return False
    from services.extract.strikes import alias_matches  # local: keeps this module free of spaCy imports

    return bool(_CONFLICT_CUE.search(sentence) or alias_matches(sentence))


def doc_text(doc: Any) -> str:
    """doc.text joins every token's text on each access; extraction slices it for every phrase it reads."""
    cached = doc.user_data.get("warwire_text")
    if cached is None:
        cached = doc.user_data["warwire_text"] = doc.text
    return cached
