"""Who was hit and how many: casualty counts and target kinds read off a strike sentence.

Casualty phrasing in reporting is formulaic ("killing 3 soldiers and wounding 5 civilians", "two people
were killed", "left 7 dead", "the death toll rose to 12"), so patterns over the sentence text carry
further than the parse here. Numbers may be digits or words ("three", "dozens").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.extract.lexicon import NUMBER_WORDS

_NUM = r"(?:\d[\d,]*|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + r")"
_KILL = r"(?:kill(?:ed|ing)?|dead|died|dying|deaths?|murder(?:ed|ing)?|assassinat(?:ed|ing)|slain|lifeless|executed)"
_HURT = r"(?:wound(?:ed|ing)?|injur(?:ed|ing|ies|y)|hurt)"
_QUAL = r"(?:at\s+least\s+|some\s+|about\s+|nearly\s+|almost\s+|more\s+than\s+|over\s+|up\s+to\s+)?"
_NOUNS = r"(?:[\w\-]+\s+){0,3}?"

# "killing 3 soldiers", "killed at least five people", "wounding two".
_VERB_FIRST = re.compile(rf"\b(?P<verb>{_KILL}|{_HURT})\s+{_QUAL}(?P<n>{_NUM})\b", re.IGNORECASE)
# "3 soldiers were killed", "two dead", "five people injured", "12 civilians died".
_NUMBER_FIRST = re.compile(
    rf"\b{_QUAL}(?P<n>{_NUM})\s+{_NOUNS}(?:(?:were|was|are|have\s+been|had\s+been|been|reportedly)\s+)*(?P<verb>{_KILL}|{_HURT})\b",
    re.IGNORECASE,
)
# "the death toll rose to 12", "a toll of 12 dead".
_TOLL = re.compile(
    rf"\bdeath\s+toll\s+(?:\w+\s+){{0,3}}?(?:to|of|at|is|was)\s+{_QUAL}(?P<n>{_NUM})\b", re.IGNORECASE
)
_HURT_RE = re.compile(_HURT, re.IGNORECASE)


@dataclass(frozen=True)
class Casualties:
    killed: int | None = None
    injured: int | None = None


def _number(text: str) -> int | None:
    t = text.lower().replace(",", "")
    if t.isdigit():
        value = int(t)
        return value if value < 100_000 else None  # a year or a serial number, not a toll
    return NUMBER_WORDS.get(t)


def casualties(sentence: str) -> Casualties:
    """The largest killed and injured counts a sentence states (several clauses may each give one)."""
    killed: int | None = None
    injured: int | None = None
    for pattern in (_VERB_FIRST, _NUMBER_FIRST):
        for m in pattern.finditer(sentence):
            n = _number(m.group("n"))
            if n is None:
                continue
            if _HURT_RE.fullmatch(m.group("verb")):
                injured = max(injured or 0, n)
            else:
                killed = max(killed or 0, n)
    for m in _TOLL.finditer(sentence):
        n = _number(m.group("n"))
        if n is not None:
            killed = max(killed or 0, n)
    return Casualties(killed, injured)


# What a target phrase names, by its words (lemmas, lower case). First match wins, in this order.
_TARGET_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("police", frozenset({"police", "policeman", "policemen", "officer", "patrolman", "constable",
                          "gendarme"})),
    ("military", frozenset({"soldier", "troop", "army", "military", "base", "post", "garrison", "barracks",
                            "patrol", "checkpoint", "battalion", "brigade", "unit", "position", "outpost",
                            "convoy", "fighter", "militant", "guerrilla", "rebel", "insurgent", "tank",
                            "artillery", "airbase", "headquarters", "command"})),
    ("government", frozenset({"embassy", "ministry", "minister", "mayor", "judge", "official", "politician",
                              "governor", "councilman", "legislator", "deputy", "senator", "president",
                              "parliament", "court", "town-hall", "diplomat", "ambassador"})),
    ("infrastructure", frozenset({"pylon", "tower", "bridge", "power", "plant", "pipeline", "depot", "dam",
                                  "refinery", "grid", "substation", "line", "railway", "airport", "port",
                                  "harbour", "harbor", "facility", "infrastructure", "installation", "factory",
                                  "warehouse", "building", "office", "bank", "hospital", "school", "market",
                                  "church", "mosque", "oil", "gas", "fuel", "water", "electricity", "energy"})),
    ("vehicle", frozenset({"bus", "car", "truck", "vehicle", "train", "lorry", "ship", "boat", "aircraft", "plane",
                           "helicopter", "jeep"})),
    ("civilians", frozenset({"civilian", "people", "resident", "villager", "child", "children", "woman", "women",
                             "man", "men", "family", "peasant", "farmer", "worker", "student", "journalist",
                             "priest", "teacher", "passenger", "pedestrian", "citizen", "inhabitant",
                             "trader"})),
)  # fmt: skip


def target_kind(lemmas: list[str]) -> str | None:
    """The kind of target a phrase names: 'three policemen' -> police, 'a power pylon' -> infrastructure."""
    words = {w.lower() for w in lemmas}
    for kind, vocabulary in _TARGET_KINDS:
        if words & vocabulary:
            return kind
    return None
