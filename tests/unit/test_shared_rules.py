"""Rules that live once in shared/ and that every service reads the same way."""

from __future__ import annotations

import json

import pytest

from shared.ids import stable_id
from shared.schemas import Place, StatementEvent, StrikeEvent
from shared.schemas.events import theater_of, theater_of_doc
from shared.weapons import weapon_class


@pytest.mark.parametrize(
    ("weapon", "cls"),
    [
        ("cruise missile", "missile"), ("rocket", "missile"), ("Grad rockets", "missile"),
        ("anti-tank missile", "missile"), ("mortar", "artillery"), ("howitzer shells", "artillery"),
        ("barrel bomb", "bomb"), ("loitering munition", "drone"), ("Shahed drones", "drone"),
        ("machine gun", "machine gun"), (None, None),
    ],
)  # fmt: skip
def test_weapon_classes(weapon: str | None, cls: str | None) -> None:
    assert weapon_class(weapon) == cls


def _place(name: str, cc: str | None) -> Place:
    return Place(name=name, matched_text=name, country_code=cc)


@pytest.mark.parametrize(
    "event",
    [
        StrikeEvent(event_id="s1", strike_type="air_strike", locations=[_place("Somewhere", None),
                    _place("Idlib", "SY")]),
        StrikeEvent(event_id="s2", strike_type="air_strike", targets=[{"name": "Kyiv", "country": "UA"}]),
        StrikeEvent(event_id="s3", strike_type="air_strike"),
        StatementEvent(event_id="t1", speaker={"name": "Ahmet Davutoglu"}, statement_type="criticism",
                       content="x", about={"places": [_place("Aleppo", "SY")]}),
    ],
)  # fmt: skip
def test_the_country_of_an_event_is_one_rule_for_models_and_documents(event) -> None:
    doc = json.loads(event.model_dump_json())
    assert theater_of(event) == theater_of_doc(doc)
    expected = {"s1": "SY", "s2": "UA", "s3": None, "t1": "SY"}[event.event_id]
    assert theater_of(event) == expected


def test_stable_ids_are_stable_and_distinct() -> None:
    assert stable_id("alr", "new_actor", "RU|SY", 1) == stable_id("alr", "new_actor", "RU|SY", 1)
    assert stable_id("alr", "a", None) == stable_id("alr", "a", "")
    assert stable_id("alr", "a", "b") != stable_id("alr", "b", "a")
    assert stable_id("stm", "x").startswith("stm_") and len(stable_id("stm", "x")) == 24
