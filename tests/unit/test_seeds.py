"""Extraction quality on the two seed reports (../shared/seeds, published 2015-10-07), read as a
careful analyst would. The texts stay outside the repo; they are read through that path."""

from __future__ import annotations

from datetime import date

import pytest

from shared.schemas import StatementEvent, StrikeEvent


@pytest.fixture(scope="module")
def events(seed_events) -> list[StrikeEvent | StatementEvent]:
    return seed_events


def strikes(events) -> list[StrikeEvent]:
    return [e for e in events if isinstance(e, StrikeEvent)]


def test_caspian_launch_is_one_event_with_two_sources(events) -> None:
    caspian = [
        e for e in strikes(events) if e.launch_platform is not None and e.launch_platform.kind == "warship"
    ]
    assert len(caspian) == 1, [e.model_dump(include={"event_id", "sources"}) for e in caspian]
    ev = caspian[0]
    assert ev.strike_type == "missile_strike"
    assert ev.actor is not None and ev.actor.name == "Russia" and ev.actor.country == "RU"
    assert ev.weapon == "cruise missile"
    assert ev.launch_platform is not None and ev.launch_platform.count == 4
    assert ev.quantities.munitions == 26
    assert ev.launch_location is not None and ev.launch_location.name == "Caspian Sea"
    assert ev.launch_location.kind == "water_body"
    assert any(t.name == "Islamic State" for t in ev.targets)
    assert any(p.country_code == "SY" for p in ev.locations)
    assert len({s.article_id for s in ev.sources}) == 2 and ev.version == 2
    assert ev.occurred_on == date(2015, 10, 7) and ev.time_precision == "day"
    assert ev.claim.status == "claimed" and ev.claim.by in {"Sergei Shoigu", "Vladimir Putin"}
    assert ev.acled_sub_event_type and ev.cameo_code


def test_named_towns_are_geocoded_and_unknown_ones_kept_as_text(events) -> None:
    places = {
        p.matched_text: p
        for e in strikes(events)
        if e.actor and e.actor.name == "Russia"
        for p in e.locations
    }
    kafr_zita = places["Kafr Zita"]
    assert kafr_zita.geo_precision == 1 and kafr_zita.admin1 == "Hama" and kafr_zita.country_code == "SY"
    assert 35.0 < (kafr_zita.lat or 0) < 36.0
    khan = places["Khan Shaykhun"]
    assert khan.geo_precision == 1 and khan.admin1 == "Idlib"
    unresolved = places["Kafr Nabudah"]
    assert unresolved.lat is None and unresolved.geo_precision is None  # never a guessed point
    assert all(
        p.lat is None
        for p in places.values()
        if p.kind == "admin_area" and p.geo_precision == 3 and not p.lat
    )


def test_ground_offensive_and_its_forces(events) -> None:
    ground = [e for e in strikes(events) if e.strike_type == "ground_assault"]
    actors = {e.actor.name for e in ground if e.actor}
    assert "Syria" in actors or "Syrian government forces" in actors
    assert "Hezbollah" in actors


def test_government_shelling(events) -> None:
    shelling = [e for e in strikes(events) if e.strike_type == "shelling"]
    assert any(e.actor is not None and e.actor.country == "SY" for e in shelling)


def test_statements_by_the_main_speakers(events) -> None:
    speakers = {e.speaker.name for e in events if isinstance(e, StatementEvent)}
    for name in ("Sergei Shoigu", "Vladimir Putin", "Ahmet Davutoglu", "Rami Abdulrahman"):
        assert name in speakers, speakers
    shoigu = next(e for e in events if isinstance(e, StatementEvent) and e.speaker.name == "Sergei Shoigu")
    assert shoigu.speaker.affiliation == "Russia"


def test_negated_and_hedged_sentences_make_no_strike(events) -> None:
    evidence = [ev.sentence for e in strikes(events) for ev in e.evidence]
    assert not any("did not launch any strikes" in s and "destroyed" not in s for s in evidence)
    assert not any("could soon be asked to launch airstrikes" in s for s in evidence)


def _strike_in(events, words: str) -> list[StrikeEvent]:
    return [e for e in strikes(events) if any(words in ev.sentence for ev in e.evidence)]


def test_government_shelling_in_idlib_with_its_places(events) -> None:
    shelling = [e for e in _strike_in(events, "heavily") if e.strike_type == "shelling"]
    assert shelling, [e.strike_type for e in _strike_in(events, "heavily")]
    assert shelling[0].actor is not None and shelling[0].actor.country == "SY"
    assert any(p.name == "Idlib" for p in shelling[0].locations)


def test_iranian_special_forces_are_a_ground_assault_by_iran(events) -> None:
    iran = [e for e in _strike_in(events, "Iranian special forces") if e.actor and e.actor.name == "Iran"]
    assert iran and iran[0].strike_type == "ground_assault"


def test_surface_to_surface_missile_bombardment_has_its_weapon(events) -> None:
    found = _strike_in(events, "surface-to-surface missile bombardments")
    assert any(e.weapon == "surface-to-surface missile" for e in found), [e.weapon for e in found]


def test_rebel_attack_on_an_army_post_is_an_assault_or_clash(events) -> None:
    rebels = [
        e for e in _strike_in(events, "rebels attacked an army post") if e.actor and e.actor.name == "rebels"
    ]
    assert rebels and rebels[0].strike_type in {"ground_assault", "armed_clash"}
    assert any(t.target_kind == "military" for t in rebels[0].targets) or rebels[0].targets
