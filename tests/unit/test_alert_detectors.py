"""Each detector fires on what it watches and stays quiet otherwise; state makes every signal alert once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.alert.detectors import haversine_km, signals_for
from services.alert.rules import AlertRules, CustomRule, matches
from services.alert.state import KeyState, SignalEnvelope, process
from shared.schemas import StatementEvent, StrikeEvent
from shared.schemas.alert import MAX_ALERT_EVENT_IDS, AlertKind

RULES = AlertRules.load()

SYRIA = {
    "name": "Syria",
    "matched_text": "Syria",
    "kind": "country",
    "country_code": "SY",
    "geo_precision": 3,
}
HAMA = {"name": "Hama", "matched_text": "Hama", "kind": "populated_place", "country_code": "SY", "admin1": "Hama",
        "lat": 35.13, "lon": 36.75, "geo_precision": 1}  # fmt: skip
CASPIAN = {"name": "Caspian Sea", "matched_text": "Caspian Sea", "kind": "water_body", "lat": 41.5, "lon": 50.5,
           "geo_precision": 3}  # fmt: skip


def strike(eid: str = "s1", source: str = "A", day: date = date(2015, 10, 7), **fields) -> StrikeEvent:
    base = {"event_id": eid, "strike_type": "air_strike", "actor": {"name": "Russia", "kind": "state_military", "country": "RU"},
            "locations": [SYRIA], "occurred_on": day, "sources": [{"article_id": f"{eid}-{source}", "source": source}],
            "evidence": [{"article_id": f"{eid}-{source}", "sentence": "x", "char_start": 0, "char_end": 1}]}  # fmt: skip
    return StrikeEvent.model_validate(base | fields)


def deployment(eid: str, content: str, actor: str, country: str) -> StatementEvent:
    """Unnamed sources on ``actor``'s troops arriving in Syria."""
    return StatementEvent.model_validate(
        {
            "event_id": eid,
            "speaker": {"name": "sources"},
            "content": content,
            "about": {
                "actors": [{"name": actor, "kind": "state_military", "country": country}],
                "places": [SYRIA],
            },
        }
    )


def kinds(event) -> set[AlertKind]:
    return {s.kind for s in signals_for(event, RULES)}


def fold(events, rules: AlertRules = RULES) -> tuple[dict[str, KeyState], list]:
    """Every signal of ``events`` through its key's state: the states at the end, and the alerts raised."""
    states: dict[str, KeyState] = {}
    out = []
    for ev in events:
        for sig in signals_for(ev, rules):
            env = SignalEnvelope.of(sig, ev)
            states[env.state_key], alerts = process(states.get(env.state_key, KeyState()), env, rules)
            out.extend(alerts)
    return states, out


def run(events, rules: AlertRules = RULES) -> list:
    return fold(events, rules)[1]


def test_new_launch_platform_fires_once_then_confirms_on_a_second_source() -> None:
    warships = {"launch_platform": {"kind": "warship", "count": 4}, "strike_type": "missile_strike",
                "weapon": "cruise missile", "launch_location": CASPIAN}  # fmt: skip
    merged = strike(
        version=2,
        sources=[{"article_id": "a1", "source": "A"}, {"article_id": "b1", "source": "B"}],
        **warships,
    )
    alerts = [
        a for a in run([strike(**warships), strike(**warships), merged]) if a.kind == "new_launch_platform"
    ]
    assert [(a.version, a.status.value) for a in alerts] == [(1, "provisional"), (2, "confirmed")]
    assert alerts[0].alert_id == alerts[1].alert_id and alerts[0].severity == "critical"
    assert alerts[1].source_count == 2 and alerts[0].evidence


def test_baseline_keeps_a_cold_start_quiet() -> None:
    rules = RULES.model_copy(
        update={"baseline": ["new_launch_platform:Russia|SY|aircraft", "new_actor:Russia|SY"]}
    )
    event = strike(launch_platform={"kind": "aircraft"})
    assert {a.kind for a in run([event], rules)} & {"new_launch_platform", "new_actor"} == set()
    assert {a.kind for a in run([event])} >= {"new_launch_platform", "new_actor"}


def test_lookback_raises_again_after_a_long_silence() -> None:
    aircraft = {"launch_platform": {"kind": "aircraft"}}
    early, late = (
        strike("a", day=date(2015, 1, 1), **aircraft),
        strike("b", day=date(2015, 12, 1), **aircraft),
    )
    alerts = [a for a in run([early, late]) if a.kind == "new_launch_platform"]
    assert len(alerts) == 2 and alerts[0].alert_id != alerts[1].alert_id


def test_ground_offensive_combined_or_plain_and_quiet_for_air_strikes() -> None:
    combined = strike(strike_type="ground_assault", evidence=[{"article_id": "a", "sentence": "Troops attacked, backed by Russian air strikes.", "char_start": 0, "char_end": 5}])  # fmt: skip
    plain = strike(
        "g2", strike_type="ground_assault", actor={"name": "Hezbollah", "kind": "non_state_armed_group"}
    )
    sig = [s for s in signals_for(combined, RULES) if s.kind == "ground_offensive"]
    assert sig and sig[0].severity == "critical"
    assert [s.severity for s in signals_for(plain, RULES) if s.kind == "ground_offensive"] == ["high"]
    assert AlertKind.GROUND_OFFENSIVE not in kinds(strike())


def test_geographic_expansion_by_province_and_by_statement() -> None:
    assert AlertKind.GEOGRAPHIC_EXPANSION in kinds(strike(locations=[HAMA]))
    assert AlertKind.GEOGRAPHIC_EXPANSION not in kinds(strike())  # a country alone names no province
    said = StatementEvent.model_validate(
        {
            "event_id": "st1",
            # The side extract fills in for a speaker of Iraq's parliament: its government.
            "speaker": {
                "name": "the head of the committee",
                "affiliation": "Iraq",
                "actor": {"name": "Iraq", "kind": "government", "country": "IQ"},
            },
            "content": "Russia could soon be asked to launch airstrikes against Islamic State there",
            "about": {"actors": [{"name": "Russia", "kind": "state_military", "country": "RU"}]},
        }
    )
    (sig,) = [s for s in signals_for(said, RULES) if s.kind == "geographic_expansion"]
    assert sig.theater == "IQ"
    plain = said.model_copy(update={"content": "Russia launched airstrikes against Islamic State"})
    assert AlertKind.GEOGRAPHIC_EXPANSION not in kinds(plain)  # a report, not a possible new country


def test_new_actor_from_a_deployment_statement() -> None:
    said = deployment("st2", "hundreds of Iranian troops have arrived", "Iran", "IR")
    assert [s.key for s in signals_for(said, RULES) if s.kind == "new_actor"] == ["Iran|SY"]
    quiet = said.model_copy(update={"content": "talks on Syria continued"})
    assert AlertKind.NEW_ACTOR not in kinds(quiet)


def test_tempo_spike_against_the_baseline_and_robust_to_small_counts() -> None:
    day = date(2015, 10, 7)
    quiet = [strike(f"q{i}", day=day - timedelta(days=i)) for i in range(1, 8)]  # one a day
    assert not [a for a in run(quiet) if a.kind == "tempo_spike"]
    burst = quiet + [strike(f"b{i}", day=day) for i in range(6)]
    spikes = [a for a in run(burst) if a.kind == "tempo_spike"]
    assert len(spikes) == 1 and "5 strikes" in spikes[0].summary  # raised once, when the window crosses
    assert not [
        a for a in run([strike(f"s{i}") for i in range(4)]) if a.kind == "tempo_spike"
    ]  # below min_count


def test_tempo_counts_a_strike_once_whatever_its_versions() -> None:
    """Merge publishes a strike again as its sources grow: one strike, not one per version."""
    day = date(2015, 10, 7)
    quiet = [strike(f"q{i}", day=day - timedelta(days=i)) for i in range(1, 8)]
    versions = [
        strike(
            f"b{i}",
            day=day,
            version=v,
            sources=[{"article_id": f"b{i}-{n}", "source": f"S{n}"} for n in range(v)],
        )
        for i in range(3)
        for v in (1, 2, 3)
    ]
    assert not [a for a in run(quiet + versions) if a.kind == "tempo_spike"]  # 3 strikes, under min_count
    assert [a for a in run(quiet + [strike(f"b{i}", day=day) for i in range(6)]) if a.kind == "tempo_spike"]


def test_long_range_strike_uses_the_capital_as_a_proxy_target() -> None:
    far = strike(launch_location=CASPIAN, launch_platform={"kind": "warship"}, strike_type="missile_strike")
    (sig,) = [s for s in signals_for(far, RULES) if s.kind == "long_range_strike"]
    assert "1,5" in sig.title  # Caspian Sea -> Damascus, about 1,500 km
    near = strike(launch_location={**HAMA, "name": "Hama"}, locations=[HAMA])
    assert AlertKind.LONG_RANGE_STRIKE not in kinds(near)
    assert 1400 < haversine_km(41.5, 50.5, 33.51, 36.29) < 1700


def test_custom_rules_match_fields() -> None:
    assert AlertKind.CUSTOM in kinds(strike(quantities={"munitions": 26}))
    assert AlertKind.CUSTOM not in kinds(strike(quantities={"munitions": 3}))
    rule = CustomRule(
        name="by_iran",
        event_type="strike",
        match={"actor.country": {"eq": "IR"}, "weapon": {"contains": "drone"}},
    )
    assert matches(rule, {"actor": {"country": "IR"}, "weapon": "drone"})
    assert not matches(rule, {"actor": {"country": "IR"}, "weapon": None})


def test_redelivery_changes_nothing() -> None:
    event = strike(launch_platform={"kind": "aircraft"})
    assert len(run([event, event])) == len(run([event]))


def test_an_alert_keeps_its_first_events_only() -> None:
    # Every later strike of the key folds into the alert's state, which is re-read and re-written at
    # each signal: its event list must not grow with the war.
    states, _ = fold(
        [strike(f"s{i}", launch_platform={"kind": "aircraft"}) for i in range(MAX_ALERT_EVENT_IDS + 30)]
    )
    alerts = [st.alert for st in states.values() if st.alert and st.alert.kind == "new_launch_platform"]
    assert alerts and alerts[0].event_ids == [f"s{i}" for i in range(MAX_ALERT_EVENT_IDS)]


def test_rules_file_is_strict() -> None:
    with pytest.raises(ValueError):
        AlertRules.model_validate({"tempo_spike": {"ratio": 0.5}})
    with pytest.raises(ValueError):
        AlertRules.model_validate({"unknown_detector": {}})
