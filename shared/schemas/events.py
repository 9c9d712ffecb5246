"""Strike and statement events: what extract publishes on ``events.strike`` and ``events.statement``.

Field names are the public contract; see contracts/ for the generated JSON Schema and AsyncAPI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from shared.schemas.base import Message, Part


class StrikeType(StrEnum):
    AIR_STRIKE = "air_strike"
    MISSILE_STRIKE = "missile_strike"
    DRONE_STRIKE = "drone_strike"
    SHELLING = "shelling"
    GROUND_ASSAULT = "ground_assault"
    ARMED_CLASH = "armed_clash"
    BOMBING = "bombing"
    OTHER = "other"


class StatementType(StrEnum):
    CLAIM = "claim"
    DENIAL = "denial"
    ACCUSATION = "accusation"
    CRITICISM = "criticism"
    APPEAL = "appeal"
    PROPOSAL = "proposal"
    WARNING = "warning"
    CONFIRMATION = "confirmation"
    THREAT = "threat"
    REFUSAL = "refusal"
    OTHER = "other"


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


ActorKind = Literal[
    "state_military", "government", "non_state_armed_group", "militia", "monitor", "civilians", "unknown"
]
PlaceKind = Literal["populated_place", "admin_area", "country", "water_body", "region"]
PlatformKind = Literal[
    "warship", "submarine", "aircraft", "helicopter", "drone", "ground_launcher", "artillery", "ground_forces"
]
TimePrecision = Literal["day", "week", "month", "year"]
BombingKind = Literal["ied", "landmine", "vehicle_borne", "suicide", "grenade", "other"]
TargetKind = Literal["civilians", "military", "police", "infrastructure", "vehicle", "government", "other"]
ActorType = Literal[
    "state_forces", "rebel_group", "political_militia", "identity_militia", "civilians", "external_other"
]


class ActorRef(Part):
    name: str = Field(description="Normalised name, aliases resolved (e.g. ISIS -> Islamic State).")
    kind: ActorKind = "unknown"
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the actor's state, if any.")
    unit: str | None = Field(
        default=None,
        description="The specific force named, when the actor is its side: 'army', 'police', 'air force'.",
    )
    target_kind: TargetKind | None = Field(
        default=None, description="On a strike's targets only: what kind of target it is."
    )
    actor_type: ActorType | None = Field(
        default=None, description="Coded type (shared.coding.ACTOR_TYPE); null when the kind is unknown."
    )
    acled_inter: int | None = Field(
        default=None,
        ge=1,
        le=8,
        description="ACLED inter code 1-8 in this event (8: a state's forces abroad).",
    )
    cameo_actor_code: str | None = Field(
        default=None,
        description="CAMEO actor code: ISO alpha-3 of the state and a role, e.g. RUSMIL, SYRCVL.",
    )


class Place(Part):
    name: str = Field(description="Gazetteer name, or the text itself when unresolved.")
    matched_text: str = Field(description="The span of the article that named the place.")
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = Field(default=None, description="First-order administrative area (province).")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    kind: PlaceKind = "populated_place"
    geo_precision: Literal[1, 2, 3] | None = Field(
        default=None,
        description="ACLED sense: 1 exact town, 2 nearby/partly known area, 3 province or country. "
        "Null when unresolved.",
    )
    geonames_id: int | None = Field(default=None, description="GeoNames id, where the gazetteer has one.")


class LaunchPlatform(Part):
    kind: PlatformKind
    count: int | None = None
    name: str | None = Field(
        default=None,
        description="The platform as the report names it: 'MQ-9 Reaper drones', 'bomber and fighter aircraft'.",
    )


class Quantities(Part):
    munitions: int | None = None
    strikes: int | None = None
    platforms: int | None = None
    targets: int | None = None
    killed: int | None = Field(default=None, description="People reported killed.")
    injured: int | None = Field(default=None, description="People reported wounded or injured.")


class Claim(Part):
    status: ClaimStatus = ClaimStatus.REPORTED
    by: str | None = Field(default=None, description="Who claims or reports it.")


class Evidence(Part):
    article_id: str
    sentence: str
    char_start: int = Field(ge=0, description="Offset of the sentence in the article body.")
    char_end: int = Field(ge=0)


class SourceRef(Part):
    article_id: str
    url: str | None = None
    source: str = "unknown"
    published_at: datetime | None = None
    syndicated: bool = Field(default=False, description="A republished copy: not independent corroboration.")


class StrikeEvent(Message):
    """One distinct attack. Key: ``event_id``; a later ``version`` supersedes an earlier one."""

    schema_version: Literal[1] = 1
    event_id: str = Field(description="Deterministic: reports of the same strike share it.")
    event_type: Literal["strike"] = "strike"
    version: int = Field(default=1, ge=1, description="Grows as sources are merged in.")
    strike_type: StrikeType
    bombing_kind: BombingKind | None = Field(
        default=None, description="For bombings: how the explosive was delivered."
    )
    acled_sub_event_type: str | None = Field(default=None, description="ACLED sub-event type mapping.")
    cameo_code: str | None = Field(default=None, description="CAMEO event code mapping.")
    acled_event_type: str | None = Field(
        default=None, description="ACLED event type, e.g. 'Explosions/Remote violence' (shared.coding)."
    )
    acled_disorder_type: str | None = Field(default=None, description="ACLED disorder type.")
    cameo_root: str | None = Field(
        default=None, description="Two-digit CAMEO root of cameo_code (19: fight)."
    )
    quad_class: int | None = Field(
        default=None, ge=1, le=4, description="CAMEO QuadClass of the root (4: material conflict)."
    )
    goldstein: float | None = Field(default=None, ge=-10, le=10, description="Goldstein score of cameo_code.")
    plover_type: str | None = Field(default=None, description="PLOVER event type (ASSAULT).")
    plover_mode: str | None = Field(
        default=None, description="PLOVER mode: firearms, heavy-weapons, explosives, suicide-attack."
    )
    actor: ActorRef | None = None
    targets: list[ActorRef] = Field(default_factory=list)
    weapon: str | None = Field(default=None, description="Normalised weapon, e.g. 'cruise missile'.")
    launch_platform: LaunchPlatform | None = None
    launch_location: Place | None = None
    locations: list[Place] = Field(default_factory=list, description="Places hit or fought over.")
    quantities: Quantities = Field(default_factory=Quantities)
    occurred_on: date | None = None
    time_precision: TimePrecision | None = None
    claim: Claim = Field(default_factory=Claim)
    background: bool = Field(
        default=False,
        description="Reported as history or a running total ('had struck', 'since last week', 'in 2014'), "
        "not as news: alert detectors ignore it.",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    merged_ids: list[str] = Field(
        default_factory=list,
        description="The ids of later articles' reports merged into this event. Each article's report "
        "of a strike has its own id and the first report's id is event_id; a statement about a later "
        "report names that report's id in related_event_ids, which therefore means this event.",
    )
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    ingested_at: datetime | None = Field(
        default=None, description="Earliest ingest time of the articles behind it (latency clock)."
    )
    extracted_at: datetime | None = None


class Speaker(Part):
    name: str = Field(description="The person or body that said it, full name as the article gives it.")
    role: str | None = Field(default=None, description="Office or function, e.g. 'prime minister'.")
    affiliation: str | None = Field(default=None, description="State or organisation, e.g. 'Turkey'.")
    actor: ActorRef | None = Field(
        default=None,
        description="The side the speaker speaks for, coded like a strike's actor (type, ACLED inter, CAMEO "
        "actor code): a state's government or forces, an armed group. Null when warwire cannot tell.",
    )


class About(Part):
    actors: list[ActorRef] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)


class StatementEvent(Message):
    """A claim, denial, accusation, ... attributed to a speaker. Key: ``event_id``."""

    schema_version: Literal[1] = 1
    event_id: str
    event_type: Literal["statement"] = "statement"
    version: int = Field(default=1, ge=1)
    speaker: Speaker
    statement_type: StatementType = StatementType.OTHER
    cameo_code: str | None = Field(
        default=None, description="CAMEO verbal event code of the type (e.g. 111)."
    )
    plover_type: str | None = Field(
        default=None, description="PLOVER event type of the type (e.g. ACCUSE); null for plain statements."
    )
    trigger: str | None = Field(default=None, description="The words that make it a statement: 'called on'.")
    content: str = Field(description="The quote, or the reported clause.")
    about: About = Field(default_factory=About, description="The actors and places the statement mentions.")
    related_event_ids: list[str] = Field(
        default_factory=list,
        description="The strike events this statement is about. On events.statement: the ids of the "
        "reports in the statement's own article; a report that merged into an event first reported "
        "elsewhere is listed in that event's merged_ids. The API and `warwire extract` give the merged "
        "events' ids.",
    )
    background: bool = Field(default=False, description="About an earlier period, not news.")
    occurred_on: date | None = None
    time_precision: TimePrecision | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    ingested_at: datetime | None = None
    extracted_at: datetime | None = None


def event_country(place_codes: Iterable[str | None], target_codes: Iterable[str | None]) -> str | None:
    """The country of an event, its theater: where its effects are. The first geocoded place's country,
    else the first target's. The one definition: the store's ``country`` column and ``?country=``, the
    live feed's filter, the exports, the merge and the alert detectors all read it through
    :func:`theater_of` or :func:`theater_of_doc`."""
    return next((c for c in place_codes if c), None) or next((c for c in target_codes if c), None)


def theater_of(event: StrikeEvent | StatementEvent) -> str | None:
    if isinstance(event, StrikeEvent):
        return event_country((p.country_code for p in event.locations), (t.country for t in event.targets))
    return event_country((p.country_code for p in event.about.places), ())


def theater_of_doc(doc: Mapping[str, Any]) -> str | None:
    """:func:`theater_of` of an event's published JSON (the API holds documents, not models)."""
    if doc.get("event_type") == "statement":
        places = (doc.get("about") or {}).get("places") or []
        targets: list[Any] = []
    else:
        places, targets = doc.get("locations") or [], doc.get("targets") or []
    return event_country((p.get("country_code") for p in places), (t.get("country") for t in targets))
