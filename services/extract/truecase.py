"""Restore letter case in ALL-CAPS text (wire copy, radio transcripts) before it is parsed.

spaCy's tagger, parser and NER lean on capitals: on "GUERRILLAS ATTACKED A POST IN USULUTAN" every word
is a proper noun and the parse is noise. The text is lower-cased, then capitals are put back where
English would have them:

- the first word of a sentence, a dateline or a line;
- names the gazetteer knows (several words: "San Salvador"; one word only when it is not also a common
  English word, or is a country or a large city: "Lima", but not "police" or "man");
- actors the lexicon knows by name ("FMLN", "Hezbollah"), acronyms kept in capitals;
- abbreviations with dots ("U.S.") and words that are no English word at all ("Usulutan", "Cristiani"),
  which in news are almost always names.

Only letters change case, one for one, so every character offset into the original body stays valid.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection

# A word: letters, with inner hyphens or apostrophes ("M-19", "d'Aubuisson").
_WORD = re.compile(r"[^\W\d_]\.(?:[^\W\d_]\.)+|[^\W\d_]+(?:['’\-][^\W\d_0-9]+|-\d+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?:[.!?:]|\n)\s*[\"'“‘(\[]?$")
# A wire or transcript header tag ends a "sentence" ("[TEXT] REGARDING ..."); a bracketed name does not
# ("THE FMLN [FARABUNDO ...] STATES").
_HEADER_TAG = re.compile(
    r"\[(?:text|report|excerpts?|communiques?|editorial|commentary|interview|article|passage omitted|"
    r"words indistinct|continued|quotes?|end quote|begin recording|end recording|dateline|announcer|"
    r"correspondent|video|passage)\]\s*[\"'“‘(\[]?$",
    re.I,
)
# Spanish and Arabic particles stay lower case inside a name ("Puerto de la Cruz"), except first.
_PARTICLES = {"de", "del", "la", "las", "los", "el", "y", "da", "do", "dos", "das", "al", "bin", "ibn", "of"}
_MAX_NGRAM = 6
# Common English words that are also towns somewhere; never capitalised alone.
_NEVER_ALONE = {"man", "nice", "split", "reading", "bath", "mobile", "orange", "mine", "bar", "say", "police",
                "army", "victoria", "industry", "liberty", "union", "independence", "progress", "concepcion",
                "colon", "commerce", "hope", "paradise", "eagle", "mission", "march", "may", "august", "buffalo",
                "street", "centre", "center", "university", "san", "santa", "grand", "la", "el", "de", "all",
                "gap", "post", "marathon", "bomb", "arms", "barrel", "guard", "castle", "church", "bridge"}  # fmt: skip


_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "april", "june", "july", "september", "october", "november", "december", "jan", "feb", "mar",
             "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}  # fmt: skip


_ACRONYM = re.compile(r"\(([a-z]{2,6})\)")  # brackets hold wire tags ("[TEXT]"), not acronyms
_UPPER = re.compile(r"[A-ZÀ-Þ]")
_LOWER = re.compile(r"[a-zß-ÿ]")


def is_shouting(text: str, *, threshold: float = 0.8, sample: int = 4000) -> bool:
    """Mostly capitals: the share of upper-case letters among cased letters is above ``threshold``
    (judged on the first ``sample`` characters; regex counts, as this runs on every article)."""
    head = text[:sample]
    upper, lower = len(_UPPER.findall(head)), len(_LOWER.findall(head))
    return upper + lower >= 20 and upper / (upper + lower) > threshold


def _lower_same_length(text: str) -> str:
    # str.lower() can lengthen a character ("İ" -> "i̇"); offsets must not move.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


class TrueCaser:
    """``place_kind(name)`` answers the gazetteer's best kind and population for a name, or None;
    ``common_words`` is an English word list (lemmas); ``actor_names`` maps lower-case aliases of named
    actors to their canonical spelling."""

    def __init__(
        self,
        place_kind: Callable[[str], tuple[str, int] | None],
        common_words: Collection[str],
        actor_names: dict[str, str],
        name_heads: Collection[str] = (),
    ) -> None:
        self._place_kind = place_kind
        self._common = common_words
        self.common_words = common_words
        self._actors = actor_names
        # First words that can start a multi-word name: a cheap test before any look-up.
        self._heads = set(name_heads) | {a.split()[0] for a in actor_names if " " in a} | {"al", "el"}

    def __call__(self, text: str) -> str:
        lowered = _lower_same_length(text)
        out = list(lowered)
        words = list(_WORD.finditer(lowered))
        # "(EEC)", "(ARENA)": a short word the text spells out in brackets is an acronym wherever it occurs.
        # Not a place: "MEXICO CITY (MEXICO)" is a dateline.
        acronyms = {w for w in _ACRONYM.findall(lowered) if self._place_kind(w) is None}
        i = 0
        while i < len(words):
            if words[i].group() in acronyms:
                self._style(out, words[i], "upper", first=True)
                i += 1
                continue
            taken = self._name_at(lowered, words, i)
            if taken:
                n, style = taken
                for k in range(i, i + n):
                    self._style(out, words[k], style, first=k == i)
                i += n
                continue
            word = words[i]
            if (
                self._sentence_start(lowered, word.start())
                or word.group() in _CALENDAR
                or self._looks_like_name(word.group())
            ):
                self._style(out, word, "title", first=True)
            i += 1
        return "".join(out)

    # -- what is a name -------------------------------------------------------------------------
    def _name_at(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, str] | None:
        longest = min(_MAX_NGRAM, len(words) - i) if words[i].group() in self._heads else 1
        for n in range(longest, 0, -1):
            group = words[i : i + n]
            # Only words separated by a space or a hyphen form one name.
            if any(text[a.end() : b.start()] not in {" ", "-"} for a, b in itertools.pairwise(group)):
                continue
            phrase = " ".join(w.group() for w in group)
            if group[0].group() in _PARTICLES - {"el", "al", "la"} or group[-1].group() in _PARTICLES:
                continue
            canonical = self._actors.get(phrase)
            if canonical is not None:
                return n, "upper" if canonical.isupper() else "title"
            if n == 1 and (len(phrase) < 3 or phrase in _NEVER_ALONE):
                return None
            hit = self._place_kind(phrase)
            if hit is None:
                continue
            kind, population = hit
            if n > 1 or self._single_word_place(phrase, kind, population):
                return n, "title"
        return None

    def _single_word_place(self, word: str, kind: str, population: int) -> bool:
        if word in _NEVER_ALONE or len(word) < 3:
            return False
        if not self._is_common(word):
            return True
        return kind in {"country", "admin_area"} or population >= 500_000

    def _looks_like_name(self, word: str) -> bool:
        if "." in word:
            return True  # "u.s.", "u.n."
        return len(word) >= 4 and word.isalpha() and not self._is_common(word)

    def _is_common(self, word: str) -> bool:
        if word in self._common:
            return True
        # Inflected forms: "guerrillas", "attacked", "killing", "cities".
        for suffix, repl in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                             ("ing", ""), ("ing", "e"), ("ers", ""), ("er", ""), ("ly", ""), ("men", "man"),
                             ("'s", ""), ("’s", "")):  # fmt: skip
            if not word.endswith(suffix):
                continue
            stem = word[: -len(suffix)]
            if stem + repl in self._common:
                return True
            # "occurred", "shelling": a doubled final consonant.
            if repl == "" and len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in self._common:
                return True
        if "-" in word:
            return all(self._is_common(part) or part.isdigit() for part in word.split("-") if part)
        return False

    @staticmethod
    def _sentence_start(text: str, pos: int) -> bool:
        return (
            pos == 0
            or bool(_SENTENCE_END.search(text[max(0, pos - 6) : pos]))
            or bool(_HEADER_TAG.search(text[max(0, pos - 40) : pos]))
        )

    @staticmethod
    def _style(out: list[str], word: re.Match[str], style: str, *, first: bool) -> None:
        start, end = word.span()
        if style == "upper" or "." in word.group():
            out[start:end] = list(word.group().upper())
            return
        if not first and word.group() in _PARTICLES:
            return
        # Title case each hyphen part: "Al-Qaeda", "M-19".
        capital = True
        for j in range(start, end):
            if capital and out[j].isalpha():
                out[j] = out[j].upper() if len(out[j].upper()) == 1 else out[j]
                capital = False
            elif out[j] in "-":
                capital = True
