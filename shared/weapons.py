"""Weapon classes: the one table that says "a cruise missile and a rocket are both missiles".

Two reports naming weapons of one class can be one strike (the merge), and a new class of means in a
theater is a new launch platform (the alert detectors); both ask :func:`weapon_class`."""

from __future__ import annotations

# The weapon names the extraction lexicon produces, by class.
_CLASS_OF = {
    "cruise missile": "missile", "ballistic missile": "missile", "surface-to-surface missile": "missile",
    "anti-ship missile": "missile", "missile": "missile", "rocket": "missile",
    "artillery": "artillery", "mortar": "artillery", "tank": "artillery",
    "bomb": "bomb", "guided bomb": "bomb", "barrel bomb": "bomb", "cluster munition": "bomb",
    "drone": "drone", "loitering munition": "drone",
}  # fmt: skip
# Other names by the word that gives their class away ("anti-tank missile", "Grad rockets").
_CLASS_WORDS = (
    ("missile", "missile"), ("rocket", "missile"), ("drone", "drone"), ("bomb", "bomb"),
    ("artillery", "artillery"), ("mortar", "artillery"), ("howitzer", "artillery"), ("shell", "artillery"),
)  # fmt: skip


def weapon_class(weapon: str | None) -> str | None:
    """The class of a weapon name; a name of no known class is its own class."""
    if weapon is None:
        return None
    name = weapon.lower()
    if name in _CLASS_OF:
        return _CLASS_OF[name]
    return next((cls for word, cls in _CLASS_WORDS if word in name), name)
