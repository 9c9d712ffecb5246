"""Domain lexicons for conflict reporting: triggers, weapons, platforms, actors, speech verbs.

General vocabulary, not phrases from any one article. Keys are lower-case lemmas or phrases.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas import StrikeType

# Verbs whose subject attacks and whose object (or 'on'/'at'/'against' phrase) is hit.
STRIKE_VERBS: dict[str, StrikeType] = {
    "strike": StrikeType.AIR_STRIKE,
    "bomb": StrikeType.AIR_STRIKE,
    "airstrike": StrikeType.AIR_STRIKE,
    "shell": StrikeType.SHELLING,
    "pound": StrikeType.SHELLING,
    "bombard": StrikeType.SHELLING,
    "fire": StrikeType.MISSILE_STRIKE,
    "launch": StrikeType.MISSILE_STRIKE,
    "attack": StrikeType.OTHER,
    "hit": StrikeType.OTHER,
    "target": StrikeType.OTHER,
    "raid": StrikeType.AIR_STRIKE,
    "storm": StrikeType.GROUND_ASSAULT,
    "assault": StrikeType.GROUND_ASSAULT,
    "clash": StrikeType.ARMED_CLASH,
    "ambush": StrikeType.ARMED_CLASH,
}

# Nouns naming an attack; the value is the strike type they imply on their own.
STRIKE_NOUNS: dict[str, StrikeType] = {
    "air strike": StrikeType.AIR_STRIKE,
    "airstrike": StrikeType.AIR_STRIKE,
    "air raid": StrikeType.AIR_STRIKE,
    "bombing": StrikeType.BOMBING,
    "bombardment": StrikeType.SHELLING,
    "missile strike": StrikeType.MISSILE_STRIKE,
    "rocket attack": StrikeType.MISSILE_STRIKE,
    "drone strike": StrikeType.DRONE_STRIKE,
    "drone attack": StrikeType.DRONE_STRIKE,
    "shelling": StrikeType.SHELLING,
    "ground attack": StrikeType.GROUND_ASSAULT,
    "ground assault": StrikeType.GROUND_ASSAULT,
    "ground offensive": StrikeType.GROUND_ASSAULT,
    "offensive": StrikeType.GROUND_ASSAULT,
    "assault": StrikeType.GROUND_ASSAULT,
    "clash": StrikeType.ARMED_CLASH,
    "fighting": StrikeType.ARMED_CLASH,
    "strike": StrikeType.OTHER,
    "attack": StrikeType.OTHER,
    "raid": StrikeType.OTHER,
}


@dataclass(frozen=True)
class Weapon:
    name: str
    strike_type: StrikeType


# Phrase -> normalised weapon. Longest match wins.
WEAPONS: dict[str, Weapon] = {
    "cruise missile": Weapon("cruise missile", StrikeType.MISSILE_STRIKE),
    "ballistic missile": Weapon("ballistic missile", StrikeType.MISSILE_STRIKE),
    "surface-to-surface missile": Weapon("surface-to-surface missile", StrikeType.MISSILE_STRIKE),
    "surface to surface missile": Weapon("surface-to-surface missile", StrikeType.MISSILE_STRIKE),
    "anti-ship missile": Weapon("anti-ship missile", StrikeType.MISSILE_STRIKE),
    "missile": Weapon("missile", StrikeType.MISSILE_STRIKE),
    "rocket": Weapon("rocket", StrikeType.MISSILE_STRIKE),
    "grad rocket": Weapon("rocket", StrikeType.MISSILE_STRIKE),
    "mortar": Weapon("mortar", StrikeType.SHELLING),
    "mortar round": Weapon("mortar", StrikeType.SHELLING),
    "artillery": Weapon("artillery", StrikeType.SHELLING),
    "howitzer": Weapon("artillery", StrikeType.SHELLING),
    "shell": Weapon("artillery", StrikeType.SHELLING),
    "tank fire": Weapon("tank", StrikeType.SHELLING),
    "barrel bomb": Weapon("barrel bomb", StrikeType.AIR_STRIKE),
    "cluster bomb": Weapon("cluster munition", StrikeType.AIR_STRIKE),
    "cluster munition": Weapon("cluster munition", StrikeType.AIR_STRIKE),
    "bomb": Weapon("bomb", StrikeType.AIR_STRIKE),
    "guided bomb": Weapon("guided bomb", StrikeType.AIR_STRIKE),
    "drone": Weapon("drone", StrikeType.DRONE_STRIKE),
    "loitering munition": Weapon("loitering munition", StrikeType.DRONE_STRIKE),
    "car bomb": Weapon("car bomb", StrikeType.BOMBING),
    "suicide bomb": Weapon("suicide bomb", StrikeType.BOMBING),
    "ied": Weapon("improvised explosive device", StrikeType.BOMBING),
    "improvised explosive device": Weapon("improvised explosive device", StrikeType.BOMBING),
}

# Phrase -> launch platform kind.
PLATFORMS: dict[str, str] = {
    "warship": "warship",
    "ship": "warship",
    "frigate": "warship",
    "destroyer": "warship",
    "corvette": "warship",
    "cruiser": "warship",
    "flotilla": "warship",
    "fleet": "warship",
    "navy": "warship",
    "naval vessel": "warship",
    "submarine": "submarine",
    "warplane": "aircraft",
    "jet": "aircraft",
    "fighter jet": "aircraft",
    "bomber": "aircraft",
    "aircraft": "aircraft",
    "plane": "aircraft",
    "air force": "aircraft",
    "helicopter": "helicopter",
    "gunship": "helicopter",
    "drone": "drone",
    "uav": "drone",
    "launcher": "ground_launcher",
    "rocket launcher": "ground_launcher",
    "artillery": "artillery",
    "howitzer": "artillery",
    "tank": "ground_forces",
    "troop": "ground_forces",
    "soldier": "ground_forces",
    "fighter": "ground_forces",
    "ground force": "ground_forces",
    "militia": "ground_forces",
}


@dataclass(frozen=True)
class ActorEntry:
    name: str
    kind: str
    country: str | None


def _state(name: str, iso: str) -> ActorEntry:
    return ActorEntry(name, "state_military", iso)


# Alias (lower-case) -> actor. Demonyms map to the state; the parser decides when they modify a force.
ACTORS: dict[str, ActorEntry] = {
    "islamic state": ActorEntry("Islamic State", "non_state_armed_group", None),
    "is": ActorEntry("Islamic State", "non_state_armed_group", None),
    "isis": ActorEntry("Islamic State", "non_state_armed_group", None),
    "isil": ActorEntry("Islamic State", "non_state_armed_group", None),
    "daesh": ActorEntry("Islamic State", "non_state_armed_group", None),
    "hezbollah": ActorEntry("Hezbollah", "non_state_armed_group", "LB"),
    "hizbollah": ActorEntry("Hezbollah", "non_state_armed_group", "LB"),
    "hizballah": ActorEntry("Hezbollah", "non_state_armed_group", "LB"),
    "nusra front": ActorEntry("Nusra Front", "non_state_armed_group", None),
    "al-nusra front": ActorEntry("Nusra Front", "non_state_armed_group", None),
    "al-qaeda": ActorEntry("al-Qaeda", "non_state_armed_group", None),
    "al qaeda": ActorEntry("al-Qaeda", "non_state_armed_group", None),
    "al-shabaab": ActorEntry("al-Shabaab", "non_state_armed_group", "SO"),
    "houthis": ActorEntry("Houthis", "non_state_armed_group", "YE"),
    "houthi": ActorEntry("Houthis", "non_state_armed_group", "YE"),
    "hamas": ActorEntry("Hamas", "non_state_armed_group", "PS"),
    "taliban": ActorEntry("Taliban", "non_state_armed_group", "AF"),
    "boko haram": ActorEntry("Boko Haram", "non_state_armed_group", "NG"),
    "free syrian army": ActorEntry("Free Syrian Army", "non_state_armed_group", "SY"),
    "quds force": ActorEntry("Quds Force", "state_military", "IR"),
    "revolutionary guards": ActorEntry("Islamic Revolutionary Guard Corps", "state_military", "IR"),
    "irgc": ActorEntry("Islamic Revolutionary Guard Corps", "state_military", "IR"),
    "regime forces": ActorEntry("Syrian government forces", "state_military", "SY"),
    "government forces": ActorEntry("government forces", "state_military", None),
    "government troops": ActorEntry("government forces", "state_military", None),
    "rebels": ActorEntry("rebels", "non_state_armed_group", None),
    "rebel": ActorEntry("rebels", "non_state_armed_group", None),
    "insurgents": ActorEntry("insurgents", "non_state_armed_group", None),
    "insurgent": ActorEntry("insurgents", "non_state_armed_group", None),
    "militants": ActorEntry("militants", "non_state_armed_group", None),
    "militant": ActorEntry("militants", "non_state_armed_group", None),
    "militia": ActorEntry("militia", "militia", None),
    "coalition": ActorEntry("US-led coalition", "state_military", None),
    "nato": ActorEntry("NATO", "state_military", None),
    "russia": _state("Russia", "RU"),
    "russian": _state("Russia", "RU"),
    "moscow": _state("Russia", "RU"),
    "kremlin": _state("Russia", "RU"),
    "syria": _state("Syria", "SY"),
    "syrian": _state("Syria", "SY"),
    "damascus": _state("Syria", "SY"),
    "iran": _state("Iran", "IR"),
    "iranian": _state("Iran", "IR"),
    "tehran": _state("Iran", "IR"),
    "iraq": _state("Iraq", "IQ"),
    "iraqi": _state("Iraq", "IQ"),
    "turkey": _state("Turkey", "TR"),
    "turkish": _state("Turkey", "TR"),
    "ankara": _state("Turkey", "TR"),
    "united states": _state("United States", "US"),
    "us": _state("United States", "US"),
    "u.s.": _state("United States", "US"),
    "america": _state("United States", "US"),
    "american": _state("United States", "US"),
    "washington": _state("United States", "US"),
    "israel": _state("Israel", "IL"),
    "israeli": _state("Israel", "IL"),
    "ukraine": _state("Ukraine", "UA"),
    "ukrainian": _state("Ukraine", "UA"),
    "kyiv": _state("Ukraine", "UA"),
    "saudi arabia": _state("Saudi Arabia", "SA"),
    "saudi": _state("Saudi Arabia", "SA"),
    "saudi-led coalition": ActorEntry("Saudi-led coalition", "state_military", "SA"),
    "france": _state("France", "FR"),
    "french": _state("France", "FR"),
    "britain": _state("United Kingdom", "GB"),
    "british": _state("United Kingdom", "GB"),
    "uk": _state("United Kingdom", "GB"),
    "australia": _state("Australia", "AU"),
    "australian": _state("Australia", "AU"),
    "jordan": _state("Jordan", "JO"),
    "jordanian": _state("Jordan", "JO"),
    "egypt": _state("Egypt", "EG"),
    "egyptian": _state("Egypt", "EG"),
    "pakistan": _state("Pakistan", "PK"),
    "pakistani": _state("Pakistan", "PK"),
    "india": _state("India", "IN"),
    "indian": _state("India", "IN"),
    "china": _state("China", "CN"),
    "chinese": _state("China", "CN"),
    "north korea": _state("North Korea", "KP"),
    "lebanon": _state("Lebanon", "LB"),
    "lebanese": _state("Lebanon", "LB"),
    "yemen": _state("Yemen", "YE"),
    "yemeni": _state("Yemen", "YE"),
    "libya": _state("Libya", "LY"),
    "libyan": _state("Libya", "LY"),
    "nigeria": _state("Nigeria", "NG"),
    "nigerian": _state("Nigeria", "NG"),
    "somalia": _state("Somalia", "SO"),
    "somali": _state("Somalia", "SO"),
    "afghanistan": _state("Afghanistan", "AF"),
    "afghan": _state("Afghanistan", "AF"),
    "ethiopia": _state("Ethiopia", "ET"),
    "ethiopian": _state("Ethiopia", "ET"),
    "sudan": _state("Sudan", "SD"),
    "sudanese": _state("Sudan", "SD"),
}

# Words that, inside a force phrase, make the actor a state's military.
MILITARY_HEADS = {
    "army", "military", "troops", "forces", "force", "navy", "air force", "warplanes", "jets", "soldiers",
    "defence ministry", "defense ministry", "warships", "artillery", "government", "regime",
}

# Reporting verbs -> statement type.
SPEECH_VERBS: dict[str, str] = {
    "say": "claim", "tell": "claim", "claim": "claim", "insist": "claim", "state": "claim", "announce": "claim",
    "report": "claim", "add": "claim", "assert": "claim", "boast": "claim", "declare": "claim",
    "deny": "denial", "reject": "denial", "dismiss": "denial", "refute": "denial",
    "accuse": "accusation", "blame": "accusation", "allege": "accusation",
    "criticise": "criticism", "criticize": "criticism", "condemn": "criticism", "denounce": "criticism",
    "slam": "criticism",
    "urge": "appeal", "call": "appeal", "ask": "appeal", "appeal": "appeal", "demand": "appeal",
    "propose": "proposal", "suggest": "proposal", "offer": "proposal",
    "warn": "warning", "threaten": "warning",
    "confirm": "confirmation", "acknowledge": "confirmation",
}

# Speakers that report rather than take part: their attributions make a claim "reported".
MONITOR_WORDS = {"monitor", "observatory", "activist", "journalist", "correspondent", "agency", "witness", "source", "sources"}

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24,
    "hundreds": 200, "several": 3, "a couple": 2, "a few": 3, "scores": 40,
}

# Hedges: the event is possible, planned or requested, not reported as having happened.
HEDGE_MODALS = {"could", "may", "might", "would", "will", "should", "can", "shall"}
HEDGE_GOVERNORS = {"ask", "plan", "threaten", "prepare", "consider", "want", "intend", "propose", "urge", "vow"}
