"""Escalation detectors. Pure functions from an event to the signals it may raise; the Faust app
decides, with its first-seen state, which signals are new.

A *signal key* identifies what is being watched (e.g. Russia + Syria + warship). The first event
with a key raises an alert; later events with the same key only add sources to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas import Severity, StrikeEvent, StrikeType
from shared.schemas.alert import AlertKind


@dataclass(frozen=True)
class Signal:
    kind: AlertKind
    key: str
    severity: Severity
    title: str
    summary: str
    theater: str | None


def theater_of(event: StrikeEvent) -> str | None:
    for place in event.locations:
        if place.country_code:
            return place.country_code
    for target in event.targets:
        if target.country:
            return target.country
    return None


def new_launch_platform(event: StrikeEvent) -> Signal | None:
    """An actor uses a launch platform or weapon class in a theater for the first time."""
    if event.actor is None or (event.launch_platform is None and event.weapon is None):
        return None
    theater = theater_of(event)
    platform = event.launch_platform.kind if event.launch_platform else None
    means = platform or event.weapon or "unknown"
    where = f" from {event.launch_location.name}" if event.launch_location else ""
    weapon = f" with {event.weapon}s" if event.weapon else ""
    return Signal(
        kind=AlertKind.NEW_LAUNCH_PLATFORM,
        key=f"{event.actor.name}|{theater or '?'}|{means}",
        severity=Severity.HIGH if platform in {"warship", "submarine"} else Severity.MEDIUM,
        title=f"{event.actor.name}: first {means} strike in {theater or 'an unknown theater'}",
        summary=f"{event.actor.name} struck{weapon}, launched by {means}{where}; "
        f"not seen before for this actor and theater.",
        theater=theater,
    )


def ground_offensive(event: StrikeEvent) -> Signal | None:
    """A ground assault or offensive, keyed by theater and day."""
    if event.strike_type is not StrikeType.GROUND_ASSAULT:
        return None
    theater = theater_of(event)
    actor = event.actor.name if event.actor else "unknown forces"
    places = ", ".join(p.name for p in event.locations[:4]) or theater or "unknown area"
    return Signal(
        kind=AlertKind.GROUND_OFFENSIVE,
        key=f"{theater or '?'}|{event.occurred_on or '?'}",
        severity=Severity.HIGH,
        title=f"Ground offensive in {theater or 'unknown theater'} ({actor})",
        summary=f"Ground assault by {actor} reported around {places}.",
        theater=theater,
    )


DETECTORS = (new_launch_platform, ground_offensive)


def signals_for(event: StrikeEvent) -> list[Signal]:
    return [s for s in (d(event) for d in DETECTORS) if s is not None]
