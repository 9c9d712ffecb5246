"""Strike mentions read off a dependency parse: which words report an attack, who did it, with what,
against whom and where. General syntax over the lexicons, no sentence-specific rules.

A *mention* is one attack in one clause. A sentence can hold several ("ground attacks ... backed by
Russian air strikes"): a trigger noun with its own actor modifier becomes a mention of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from services.extract import lexicon as lx
from services.extract.text import doc_text
from shared.schemas import ActorRef, LaunchPlatform, StrikeType

Token = Any  # spaCy Token; spaCy ships no type stubs

_CLAUSE_DEPS = {"dobj", "pobj", "prep", "conj", "compound", "nsubj", "nsubjpass", "appos", "attr", "npadvmod", "amod",
                "agent"}  # fmt: skip
# "ground attacks backed by Russian air strikes": the supporting clause shares the main clause's places.
_SUPPORT_VERBS = {"back", "support", "accompany", "cover", "precede", "follow"}
_TARGET_PREPS = {"on", "at", "against", "upon", "targeting", "toward", "towards"}
_PLACE_PREPS = {"in", "near", "on", "at", "around", "outside", "across", "inside", "of", "over", "into", "to"}
_PLACE_HEAD_NOUNS = {"town", "towns", "village", "villages", "city", "cities", "port", "province", "region", "district",
                     "area", "areas", "outskirts", "suburb", "suburbs", "countryside", "camp", "neighbourhood"}  # fmt: skip
_DISMISSIVE_TYPES = {"denial", "criticism"}
# "<noun> of X" where X is whose, not where.
_OWNER_OF_NOUNS = {
    "hand", "hands", "member", "force", "army", "government", "regime", "leader", "president", "minister",
    "supporter", "troop", "fighter", "militia", "ally", "backer", "envoy", "ambassador", "spokesman", "official",
    "commander", "loyalist", "follower", "son", "daughter", "wife", "family", "brother", "name", "order", "orders",
}  # fmt: skip
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_FACILITY_NOUNS = {"airport", "port", "base", "mountains", "mountain", "forest", "airbase", "border", "coast",
                   "harbour", "harbor", "valley", "river", "strip", "hills", "desert", "countryside", "province",
                   "region", "governorate", "oblast", "district"}  # fmt: skip


_ORG_WORDS = re.compile(
    r"\b(?:observatory|rights|council|committee|ministry|agency|army|front|group|brigade|party|movement|"
    r"organisation|organization|force|forces|guards|command|news|media|union|alezzah)\b",
    re.IGNORECASE,
)


def _organisation(text: str) -> bool:
    return bool(_ORG_WORDS.search(text))


def _non_state_alias_tokens(doc: Any) -> set[int]:
    """Token ids inside an alias of a non-state actor, or an 'X-backed/-led' modifier (cached per doc)."""
    cached = doc.user_data.get("warwire_nonstate_ids")
    if cached is not None:
        return cached
    ids: set[int] = set()
    for start, end, alias in alias_matches(doc_text(doc)):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and (lx.ACTORS[alias].kind != "state_military" or _hyphen_modifier(span)):
            ids.update(t.i for t in span)
    doc.user_data["warwire_nonstate_ids"] = ids
    return ids


def ents(doc: Any) -> list[Any]:
    """doc.ents rebuilds its tuple on every access; extraction reads it often."""
    cached = doc.user_data.get("warwire_ents")
    if cached is None:
        cached = doc.user_data["warwire_ents"] = list(doc.ents)
    return cached


def _hyphen_modifier(span: Any) -> bool:
    doc = span.doc
    return (
        span.end + 1 < len(doc)
        and doc[span.end].text == "-"
        and doc[span.end + 1].lower_ in {"backed", "led", "run"}
    )


def _non_state_actor(text: str) -> bool:
    key = text.lower().removeprefix("the ").removesuffix("'s")
    entry = lx.ACTORS.get(key)
    return entry is not None and entry.kind != "state_military"


_PRONOUNS = {"it", "they", "its", "their", "we", "our", "he", "she"}


@dataclass
class Mention:
    trigger: Token
    clause: Token
    actor_tokens: list[Token]
    own_actor: bool
    extra_triggers: list[Token] = field(default_factory=list)


def compound_phrase(tok: Token) -> str:
    mods = [c.lemma_.lower() for c in tok.children if c.dep_ in {"compound", "amod"} and c.i < tok.i]
    return " ".join([*mods[-1:], tok.lemma_.lower()])


@lru_cache(maxsize=1)
def _weapon_heads() -> frozenset[str]:
    last = [key.split()[-1] for key in lx.WEAPONS]
    return frozenset(last + [w.split("-")[-1] for w in last])  # "car-bomb" may end in the token "bomb"


def weapon_phrase(tok: Token) -> str | None:
    """The WEAPONS key a noun names, longest first: 'anti-ship missile' for 'an anti-ship missiles'."""
    if tok.pos_ not in {"NOUN", "PROPN"}:
        return None
    head_forms = {tok.lemma_.lower(), tok.lower_}
    if not head_forms & _weapon_heads():
        return None  # most nouns end no weapon name: skip the phrase building
    doc = tok.doc
    start = tok.left_edge.i
    while start < tok.i and (
        doc[start].dep_ in {"det", "nummod", "quantmod", "poss", "case"} or doc[start].like_num
    ):
        start += 1
    if any(doc[j].dep_ in {"prep", "punct"} and doc[j].text != "-" for j in range(start, tok.i)):
        start = tok.i
    words = doc[start : tok.i].text.lower().replace(" - ", "-").split()
    # The parser may hang a hyphenated modifier elsewhere ("surface-to-surface missile bombardments"):
    # the words just before the noun count too.
    window = doc[max(0, tok.i - 7) : tok.i].text.lower().replace(" - ", "-").split()
    if len(window) > len(words) and window[-len(words) or len(window) :] == words[-len(window) :]:
        words = window
    for k in range(len(words) + 1):
        for head in head_forms:
            phrase = " ".join([*words[k:], head])
            if phrase in lx.WEAPONS:
                return phrase
    return None


# Verbs that report an attack only when an armed actor, a weapon or an attack does them
# ("gunmen killed a judge", "a bomb killed two"; not "killed in a car crash").
_AGENT_ONLY_VERBS = {"kill", "wound", "injure", "hit", "target"}
_AT_PREPS = {"at", "on", "upon", "into", "toward", "towards"}
# A killing reported without its killer is still an attack, unless the sentence says how else they died.
_NON_VIOLENT_DEATH = {"accident", "crash", "collision", "earthquake", "flood", "storm", "fire", "avalanche",
                      "landslide", "disease", "illness", "overdose", "drowning", "stampede", "heatwave",
                      "hurricane", "cyclone", "typhoon", "explosion"}  # fmt: skip


def non_violent_sense(tok: Token) -> bool:
    """Attack words used in another sense: 'struck a deal', 'the earthquake hit', 'an offensive against
    unemployment', 'a general strike', 'the minister attacked the president' (in words)."""
    children = list(tok.children)
    lemma = tok.lemma_.lower()
    for c in children:
        if c.dep_ in {"dobj", "attr"} and c.lemma_.lower() in lx.NON_VIOLENT_OBJECTS:
            return True
        if c.dep_ in {"nsubj", "nsubjpass"} and c.lemma_.lower() in lx.NATURAL_HAZARDS:
            return True
        if c.dep_ == "prep" and c.lower_ in {"against", "on"}:
            objects = [o for o in c.children if o.dep_ == "pobj"]
            if objects and all(
                o.lemma_.lower() in lx.ABSTRACT_TARGETS
                or any(x.lemma_.lower() in lx.ABSTRACT_TARGETS for x in o.children if x.dep_ == "compound")
                for o in objects
            ):
                return True
        if c.dep_ in {"compound", "amod"} and c.i < tok.i and c.lower_ in lx.NON_VIOLENT_MODIFIERS:
            return True
    if tok.pos_ == "NOUN" and lemma == "strike" and tok.head.lower_ == "on" and tok.dep_ == "pobj":
        return True  # "went on strike"
    if tok.pos_ == "VERB" and lemma in {"attack", "hit", "slam", "blast", "target", "strike"}:
        subjects = [c for c in children if c.dep_ == "nsubj"]
        verbal = any(
            s.ent_type_ == "PERSON" or s.lemma_.lower() in lx.TITLE_NOUNS or s.lower_ in {"he", "she"}
            for s in subjects
        )
        if verbal and not any(weapon_phrase(t) for t in tok.subtree):
            return True
    return False


def phrasal_trigger(tok: Token) -> StrikeType | None:
    """'blew up', 'went off', 'opened fire', 'gunned down': a verb whose particle or object makes the attack."""
    lemma = tok.lemma_.lower()
    for c in tok.children:
        if c.dep_ in {"prt", "dobj", "advmod", "prep"}:
            kind = lx.PHRASAL_TRIGGERS.get((lemma, c.lower_))
            if kind is not None:
                return kind
    return None


def _armed_agent(tok: Token) -> bool:
    """An actor, a weapon or an attack as the subject or 'by' agent of ``tok``."""
    for c in _with_shared_subject(tok):
        if c.dep_ in {"nsubj", "agent"} or (c.dep_ == "prep" and c.lower_ == "by"):
            words = list(c.subtree)
            if any(weapon_phrase(t) for t in words) or any(
                t.pos_ == "NOUN" and t.lemma_.lower() in lx.STRIKE_NOUNS for t in words
            ):
                return True
            refs = actor_refs(words)
            if any(r.kind != "civilians" for r in refs):
                return True
    return False


def _with_shared_subject(verb: Token) -> list[Token]:
    """A verb's children, plus the subject it shares with the verb it is conjoined to
    ('a column arrived in the village and shot 16 peasants')."""
    children = list(verb.children)
    if verb.dep_ == "conj" and not any(c.dep_ in {"nsubj", "nsubjpass"} for c in children):
        children += [c for c in verb.head.children if c.dep_ == "nsubj"]
    return children


def _delivered_weapon(tok: Token) -> bool:
    """A munition, not a platform or a firearm one carries: 'hurled dynamite sticks', not 'used rifles'."""
    if weapon_phrase(tok):
        return True
    # "dynamite sticks": the weapon is the compound.
    return any(c.dep_ == "compound" and weapon_phrase(c) for c in tok.children)


def is_trigger(tok: Token) -> bool:
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB":
        if phrasal_trigger(tok) is not None:
            return True
        if lemma in _AGENT_ONLY_VERBS:
            if _armed_agent(tok):
                return True
            # "44 peasants have been killed", "was shot to death": a killing with its killer untold.
            return (
                lemma == "kill"
                and any(c.dep_ == "nsubjpass" for c in tok.children)
                and not any(t.lemma_.lower() in _NON_VIOLENT_DEATH for t in tok.sent)
            )
        if lemma in {"capture", "seize"}:
            # "captured the town", "the barrage was captured by IS"; not "captured a suspect".
            return any(
                c.dep_ in {"dobj", "nsubjpass"}
                and (c.ent_type_ in {"GPE", "LOC", "FAC"} or c.lemma_.lower() in _PLACE_HEAD_NOUNS | _FACILITY_NOUNS
                     | {"barrage", "dam", "base", "airport", "checkpoint", "post", "barracks", "hill", "bridge"})
                for c in tok.children
            )  # fmt: skip
        if lemma == "fire":
            # "fired at the convoy", "fired rockets"; not "fired the minister".
            return any(c.dep_ == "prep" and c.lower_ in _AT_PREPS for c in tok.children) or any(
                c.dep_ == "dobj" and weapon_phrase(c) for c in tok.children
            )
        if lemma in lx.STRIKE_VERBS:
            return True
        # "dropped barrel bombs", "fired rockets": a delivery verb with a weapon object.
        # "planted a bomb", "the bomb was placed at the bank".
        return lemma in lx.DELIVERY_VERBS and any(
            c.dep_ in {"dobj", "nsubjpass"} and _delivered_weapon(c) for c in tok.children
        )
    if tok.pos_ in {"NOUN", "PROPN"}:
        if lemma == "fire" and not any(
            c.lemma_.lower() in {"artillery", "mortar", "tank", "exchange"} for c in [*tok.children, tok.head]
        ):
            return False  # "fire" alone is usually a blaze, not a clash
        return lemma in lx.STRIKE_NOUNS or compound_phrase(tok) in lx.STRIKE_NOUNS
    return False


def clause_verb(tok: Token) -> Token:
    node = tok
    while node.pos_ not in {"VERB", "AUX"} and node.head.i != node.i and node.dep_ in _CLAUSE_DEPS:
        node = node.head
    return node


def negated(tok: Token) -> bool:
    """'did not launch any strikes', 'no ships were attacked', 'never struck'."""
    for node in [tok, *list(tok.ancestors)[:2]]:
        if any(c.dep_ == "neg" or c.lower_ in {"never"} for c in node.children):
            return True
        if any(c.dep_ == "det" and c.lower_ == "no" for c in node.children):
            return True
        # "no ships were attacked": the negation sits on the verb's subject.
        for arg in node.children:
            if arg.dep_ in {"nsubj", "nsubjpass", "dobj"} and any(
                d.dep_ == "det" and d.lower_ in {"no", "none"} for d in arg.children
            ):
                return True
    return False


def hedged(tok: Token) -> bool:
    """Possible, planned or requested attacks are not reports of one: 'could launch', 'asked to strike'."""
    for node in [tok, *list(tok.ancestors)[:3]]:
        if any(c.dep_ == "aux" and c.lower_ in lx.HEDGE_MODALS for c in node.children):
            return True
        if node is not tok and node.lemma_.lower() in lx.HEDGE_GOVERNORS:
            return True
        if node.lower_ in {"if", "unless"} or any(
            c.dep_ == "mark" and c.lower_ in {"if", "unless"} for c in node.children
        ):
            return True
    return False


def dismissed(tok: Token) -> bool:
    """Inside a denial or criticism ('denied that its forces struck', 'criticised the air raids')."""
    for node in tok.ancestors:
        kind = lx.SPEECH_VERBS.get(node.lemma_.lower())
        if kind in _DISMISSIVE_TYPES:
            return True
        if (
            node.lemma_.lower() in {"criticism", "condemnation", "report", "allegation", "denial"}
            and node.pos_ == "NOUN"
        ):
            return True
    return False


def own_actor_tokens(trigger: Token) -> list[Token]:
    """Modifiers of a trigger noun that name who attacks: 'Russian air strikes', 'strikes by Russia'."""
    out: list[Token] = []
    if trigger.pos_ == "VERB":
        return out
    for c in trigger.children:
        if c.dep_ in {"amod", "compound", "poss", "nmod"} and c.i < trigger.i:
            out.extend(c.subtree)
        if c.dep_ == "prep" and c.lower_ in {"by", "between"}:  # "strikes by X", "fighting between X and Y"
            out.extend(c.subtree)
    # "a terrorist attack" describes the attack, not who made it.
    out = [
        t for t in out if not (t.dep_ == "amod" and t.lemma_.lower() in {"terrorist", "armed", "criminal"})
    ]
    return [t for t in out if actor_refs([t]) or t.dep_ == "pobj"]


def clause_actor_tokens(clause: Token, trigger: Token) -> list[Token]:
    out: list[Token] = []
    # A bare past participle is passive: in "fighting that saw 120 soldiers killed" or "soldiers killed
    # in the attack" the soldiers are who was hit, not who did it.
    participle = clause.tag_ == "VBN" and not any(
        c.dep_ in {"aux", "auxpass"} and c.lemma_.lower() in {"have", "be", "get"} for c in clause.children
    )
    if participle and clause.dep_ in {"ccomp", "xcomp", "acl", "oprd", "dep"}:
        return [c for c in clause.children if c.dep_ == "agent" for c in c.subtree]
    # The small parser sometimes hangs the subject on the auxiliary ("troops are | shelling").
    children = [
        *_with_shared_subject(clause),
        *(g for c in clause.children if c.dep_ in {"aux", "auxpass"} for g in c.children),
    ]
    for c in children:
        if c.dep_ in {"nsubj", "csubj"}:
            if c is trigger or trigger in c.subtree:
                return []  # the trigger is the subject ("a drone attack hit"): its modifiers are the actor
            out.extend(c.subtree)
        if c.dep_ == "agent":
            out.extend(c.subtree)
    if not out and clause.dep_ == "xcomp" and clause.head.pos_ in {"VERB", "AUX"}:
        # "Russian forces continued to shell ...": the controlling verb's subject does it.
        for c in clause.head.children:
            if c.dep_ == "nsubj":
                out.extend(c.subtree)
    if not out and clause.dep_ == "acl" and clause.head.pos_ in {"NOUN", "PROPN"}:
        # "Iranian special forces taking part in ground operations": the noun the clause describes.
        head = clause.head
        out.extend(t for t in head.subtree if t.i < clause.i)
    return out


# Verbs after which an infinitive attack did happen ("began to shell"); after others it is an aim.
_ASPECT_VERBS = {"begin", "start", "continue", "resume", "keep", "proceed", "try", "attempt"}
_EXPLOSION_NOUNS = {"explosion", "blast", "detonation"}


_GENERIC_DETS = {"such", "these", "those", "many", "all", "any", "more", "most", "other", "their", "its"}


def habitual(tok: Token) -> bool:
    """A general truth, not a report: 'a government that bombs the people', 'terrorists who attack
    students' (simple present, no auxiliary), or bare plural nouns ('murders, kidnappings and attacks')."""
    if tok.pos_ == "VERB":
        # Only a real clause: the tagger also calls plural nouns ("airstrikes") VBZ.
        return (
            tok.tag_ in {"VBP", "VBZ"}
            and any(c.dep_ == "nsubj" for c in tok.children)
            and not any(c.dep_ in {"aux", "auxpass"} for c in tok.children)
        )
    if tok.tag_ != "NNS":
        return False
    dets = [c for c in tok.children if c.dep_ in {"det", "poss", "nummod", "amod"} and c.i < tok.i]
    if any(c.like_num or c.dep_ == "nummod" for c in dets):
        return False
    bare = not any(c.dep_ in {"det", "poss"} for c in dets) or any(c.lower_ in _GENERIC_DETS for c in dets)
    # Listed with things that are no attack: "murders, kidnappings and disappearances".
    siblings = [c for c in tok.children if c.dep_ == "conj"]
    if tok.dep_ == "conj":
        siblings.append(tok.head)
    return bare and any(n.pos_ == "NOUN" and not is_trigger(n) for n in siblings)


def modifier_use(tok: Token) -> bool:
    """A trigger word that only describes something else: 'combat planes', 'the murdered priests',
    'a population explosion', 'their objective is to attack'."""
    if tok.pos_ == "VERB":
        if tok.dep_ == "amod":
            return True
        infinitive = any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children)
        return infinitive and tok.head.lemma_.lower() not in _ASPECT_VERBS
    if tok.dep_ in {"compound", "amod", "nmod"} and not is_trigger(tok.head):
        return True
    # "using attack, fighter and remotely piloted aircraft": a kind of aircraft, not an attack.
    if (
        tok.dep_ in {"dobj", "conj"}
        and tok.head.lemma_.lower() in {"use", "employ", "fly"}
        and any(lx.PLATFORMS.get(t.lemma_.lower()) for t in tok.subtree)
    ):
        return True
    if any(lx.PLATFORMS.get(c.lemma_.lower()) for c in tok.children if c.dep_ == "conj"):
        return True
    if tok.lemma_.lower() in _EXPLOSION_NOUNS:
        # "a car bomb explosion" is one; "a population explosion" is not.
        mods = [c for c in tok.children if c.dep_ in {"compound", "amod"} and c.i < tok.i]
        return any(not weapon_phrase(c) and c.lemma_.lower() not in {"powerful", "huge", "large", "big",
                   "strong", "loud", "massive", "second", "first", "another", "new", "deadly"} for c in mods)  # fmt: skip
    return False


# Verbs and adjectives of intent: what follows them is an aim, not an attack that happened.
_AIM_WORDS = {"commit", "committed", "plan", "intend", "vow", "threaten", "pledge", "aim", "seek", "want",
              "prepare", "plot", "determined", "ready", "willing"}  # fmt: skip


def aimed(tok: Token) -> bool:
    """'al-Qaida remains committed to carrying out attacks', 'vowed to strike back': an intent."""
    node = tok
    for _ in range(4):
        if node.dep_ not in {"xcomp", "pcomp", "prep", "pobj", "dobj", "acomp"} or node.head.i == node.i:
            return False
        node = node.head
        if node.lemma_.lower() in _AIM_WORDS or node.lower_ in _AIM_WORDS:
            return True
    return False


def definite(tok: Token) -> bool:
    """'the Russian strikes', 'these attacks', "Russia's air strikes": named as already known."""
    return tok.pos_ == "NOUN" and any(
        (c.dep_ == "det" and c.lower_ in {"the", "these", "those", "this", "that", "such"})
        or c.dep_ == "poss"
        for c in tok.children
    )


def find_mentions(doc: Any) -> list[Mention]:
    if doc_text(doc).rstrip(" \"'”’)").endswith("?"):
        return []  # a question reports nothing
    triggers = [
        t
        for t in doc
        if is_trigger(t)
        and not modifier_use(t)
        and not habitual(t)
        and not non_violent_sense(t)
        and not negated(t)
        and not hedged(t)
        and not dismissed(t)
        and not aimed(t)
    ]
    # A light or delivery verb carried by a trigger noun yields to the noun ("carried out air strikes").
    nouns_by_clause: dict[int, list[Token]] = {}
    for t in triggers:
        if t.pos_ != "VERB":
            nouns_by_clause.setdefault(clause_verb(t).i, []).append(t)
    mentions: dict[tuple[int, str], Mention] = {}
    trigger_ids = {t.i for t in triggers}
    for t in triggers:
        if (
            t.pos_ == "VERB"
            and t.lemma_.lower() in lx.LIGHT_VERBS | lx.DELIVERY_VERBS
            and t.i in nouns_by_clause
        ):
            continue
        if (
            t.pos_ == "VERB"
            and t.lemma_.lower() in lx.DELIVERY_VERBS
            and t.dep_ in {"acl", "advcl"}
            and t.head.i in trigger_ids
        ):
            continue  # "ground attacks using missile bombardments": one attack, described by its noun
        if t.dep_ == "pobj" and t.head.lower_ in {"including", "among"} and any(i < t.i for i in trigger_ids):
            continue  # "10 airstrikes, including strikes against oil sites": part of an attack already found
        clause = t if t.pos_ == "VERB" else clause_verb(t)
        own = own_actor_tokens(t)
        own_refs = actor_refs(own)
        key = (clause.i, own_refs[0].name if own_refs else "")
        if key in mentions:
            mentions[key].extra_triggers.append(t)
            continue
        if not own_refs and (clause.i, "") not in mentions:
            # A second trigger in a clause that already has one with its own actor merges into it.
            same_clause = [m for k, m in mentions.items() if k[0] == clause.i]
            if same_clause:
                same_clause[0].extra_triggers.append(t)
                continue
        actor = own if own_refs else clause_actor_tokens(clause, t)
        mentions[key] = Mention(t, clause, actor, bool(own_refs))
    # "Belgorod was hit by a Ukrainian rocket attack": the bare verb and its actor-bearing noun are one attack.
    for (clause_i, own_name), m in list(mentions.items()):
        bare = mentions.get((clause_i, ""))
        if (
            own_name
            and bare is not None
            and not actor_refs(bare.actor_tokens)
            and m.trigger in bare.trigger.subtree
        ):
            m.extra_triggers.append(bare.trigger)
            del mentions[(clause_i, "")]
    return [m for m in mentions.values() if not _untargeted_launch(m)]


def _untargeted_launch(m: Mention) -> bool:
    """'fired a ballistic missile into the sea': a launch with no target is a test, not a strike."""
    if m.trigger.pos_ != "VERB" or m.trigger.lemma_.lower() not in {"fire", "launch", "test"}:
        return False

    def locative(prep: Token) -> bool:
        objects = [c for c in prep.children if c.dep_ == "pobj"]
        return prep.lower_ in {"in", "near", "on", "at", "over"} and any(
            o.ent_type_ not in {"DATE", "TIME"} for o in objects
        )

    return not target_tokens(m) and not any(c.dep_ == "prep" and locative(c) for c in m.clause.children)


def _temporal(prep: Token) -> bool:
    return any(o.ent_type_ in {"DATE", "TIME"} for o in prep.children if o.dep_ == "pobj")


def target_tokens(m: Mention) -> list[Token]:
    out: list[Token] = []
    heads = {m.trigger, m.clause, *m.extra_triggers}
    # "fired mortar rounds at a compound": the target hangs off the weapon object.
    heads |= {c for h in list(heads) for c in h.children if c.dep_ == "dobj" and weapon_phrase(c)}
    # "..., killing three soldiers", "engaged a unit and destroyed two vehicles": the victims of a
    # participle or a conjoined damage verb hanging off the attack.
    heads |= {
        c
        for h in list(heads)
        for c in h.children
        if c.dep_ in {"advcl", "xcomp", "conj"}
        and c.lemma_.lower() in {"kill", "wound", "injure"} | DAMAGE_VERBS
    }
    for head in heads:
        for c in head.children:
            if c.dep_ in {"dobj", "nsubjpass"} and not is_trigger(c) and not weapon_phrase(c):
                out.extend(c.subtree)
            if c.dep_ == "prep" and c.lower_ in _TARGET_PREPS and not _temporal(c):
                out.extend(c.subtree)
            # "the murder of six priests", "the bombing of the embassy": the victim or target.
            if c.dep_ == "prep" and c.lower_ == "of" and head.pos_ == "NOUN" and is_trigger(head):
                out.extend(c.subtree)
    return out


_EFFECT_VERBS = {"kill", "wound", "injure", "destroy", "damage", "engage", "hit", "suppress"}


def _bare_strike_doing_damage(tok: Token, kind: StrikeType | None) -> bool:
    """'Five strikes destroyed a bridge': a bare strike that kills or destroys comes from the air."""
    return (
        tok.lemma_.lower() == "strike"
        and kind is StrikeType.OTHER
        and tok.dep_ in {"nsubj", "pobj"}
        and tok.head.lemma_.lower() in _EFFECT_VERBS | {"by"}
    )


def strike_type(m: Mention, weapon: lx.Weapon | None, platform: LaunchPlatform | None) -> StrikeType:
    types = []
    for trig in [m.trigger, *m.extra_triggers]:
        phrase = compound_phrase(trig)
        if trig.pos_ == "VERB":
            types.append((phrase, phrasal_trigger(trig) or lx.STRIKE_VERBS.get(trig.lemma_.lower())))
        else:
            kind = lx.STRIKE_NOUNS.get(phrase) or lx.STRIKE_NOUNS.get(trig.lemma_.lower())
            if _bare_strike_doing_damage(trig, kind):
                kind = StrikeType.AIR_STRIKE
            types.append((phrase, kind))
    specific = {StrikeType.GROUND_ASSAULT, StrikeType.ARMED_CLASH, StrikeType.SHELLING, StrikeType.BOMBING,
                StrikeType.DRONE_STRIKE, StrikeType.MISSILE_STRIKE}  # fmt: skip
    # "a series of airstrikes killed 20", "five strikes destroyed a bridge": the killing or the damage
    # takes its kind from the attack that did it. A bare "strike" doing damage is one from the air.
    for trig in [m.trigger, *m.extra_triggers]:
        if trig.lemma_.lower() in _EFFECT_VERBS:
            for c in trig.children:
                if c.dep_ in {"nsubj", "agent"}:
                    for t in c.subtree:
                        if t.pos_ in {"NOUN", "VERB"} and t.lemma_.lower() in lx.STRIKE_NOUNS:
                            kind = lx.STRIKE_NOUNS[t.lemma_.lower()]
                            if _bare_strike_doing_damage(t, kind):
                                kind = StrikeType.AIR_STRIKE
                            types.append((compound_phrase(t), kind))
    # "airstrikes killed 20": the killing tells nothing of how, when another trigger does.
    if len(types) > 1:
        triggers = [m.trigger, *m.extra_triggers]
        types = [t for i, t in enumerate(types)
                 if i >= len(triggers) or triggers[i].lemma_.lower() not in _EFFECT_VERBS] or types  # fmt: skip
    if weapon is not None and weapon.strike_type in {StrikeType.BOMBING, StrikeType.DRONE_STRIKE}:
        return weapon.strike_type
    for phrase, kind in types:
        if phrase in {"air strike", "airstrike", "air raid"}:
            return StrikeType.AIR_STRIKE
        if kind in specific and not (kind is StrikeType.MISSILE_STRIKE and m.trigger.pos_ == "VERB"):
            return kind
    if weapon is not None:
        return weapon.strike_type
    if platform is not None:
        by_platform = {
            "aircraft": StrikeType.AIR_STRIKE, "helicopter": StrikeType.AIR_STRIKE, "drone": StrikeType.DRONE_STRIKE,
            "warship": StrikeType.MISSILE_STRIKE, "submarine": StrikeType.MISSILE_STRIKE,
            "ground_launcher": StrikeType.MISSILE_STRIKE, "artillery": StrikeType.SHELLING,
        }  # fmt: skip
        if platform.kind in by_platform:
            return by_platform[platform.kind]
    for _, kind in types:
        if kind is not None and kind is not StrikeType.MISSILE_STRIKE:
            return kind
    return StrikeType.OTHER


def platform_of(m: Mention, doc: Any) -> LaunchPlatform | None:
    """A platform named where the attacker is: in the actor phrase, a 'from/with/using' phrase, or the
    trigger's compound ('drone strike'). Victims ('killing four soldiers') are not platforms."""
    scope: list[Token] = list(m.actor_tokens)
    for head in {m.trigger, m.clause, *m.extra_triggers}:
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in {"from", "with", "by"}:
                scope.extend(c.subtree)
            if c.dep_ in {"advcl", "acl"} and c.lemma_.lower() in {"use", "fly"}:
                scope.extend(c.subtree)
        scope.extend(t for t in head.children if t.dep_ in {"compound", "amod"})
    # "using attack and remotely piloted aircraft": the small parser often breaks the list from "using".
    for tok in doc:
        if tok.lemma_.lower() in {"use", "employ"} and tok.tag_ == "VBG":
            scope.extend(doc[tok.i + 1 : min(len(doc), tok.i + 10)])
    for tok in scope:
        if tok.pos_ not in {"NOUN", "PROPN"}:
            continue
        phrase = compound_phrase(tok)
        if phrase in lx.WEAPONS and lx.WEAPONS[phrase].strike_type is StrikeType.BOMBING:
            continue  # a "suicide bomber" is not an aircraft
        kind = lx.PLATFORMS.get(phrase) or lx.PLATFORMS.get(tok.lemma_.lower())
        if kind:
            return LaunchPlatform(kind=kind, count=number_child(tok), name=platform_phrase(tok))
    return None


def head_actor(tokens: list[Token]) -> ActorRef | None:
    """The actor the phrase is about: its head noun with modifiers, not a possessor or a prepositional
    phrase ('Iran's Revolutionary Guards' -> IRGC; 'Russian and Ukrainian troops' -> Russia)."""
    ids = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in ids or t.head.i == t.i]
    for head in heads:
        core = [head]
        skip = {"poss", "prep", "relcl", "acl", "appos", "case"}
        stack = [c for c in head.children if c.dep_ not in skip and c.text != ","]
        while stack:
            node = stack.pop()
            core.append(node)
            stack.extend(c for c in node.children if c.dep_ not in skip and c.text != ",")
        refs = actor_refs(core)
        if not refs or refs[0].name[:1].islower():
            # "guerrillas of the FMLN", "members of Hezbollah": the named group, not the generic word.
            for c in head.children:
                if c.dep_ == "prep" and c.lower_ in {"of", "from"}:
                    named = [r for r in actor_refs(list(c.subtree)) if r.name[:1].isupper()]
                    if named:
                        return named[0]
        if refs:
            return refs[0]
    refs = actor_refs(tokens)
    return refs[0] if refs else None


# Verbs whose object was hit: equipment there is a target ("destroyed a VBIED"), not the weapon used.
DAMAGE_VERBS = {"destroy", "damage", "engage", "hit", "target", "seize", "capture", "suppress", "strike"}


def weapon_of(m: Mention) -> tuple[lx.Weapon, Token] | None:
    scope: set[Token] = set()
    for head in {m.trigger, m.clause, *m.extra_triggers}:
        scope.update(
            head.subtree
            if head is not m.clause
            else [t for c in head.children if c.dep_ not in {"ccomp", "advcl"} for t in c.subtree]
        )
        scope.add(head)
    hit_objects = {
        t
        for v in scope
        if v.pos_ == "VERB" and v.lemma_.lower() in DAMAGE_VERBS
        for c in v.children
        if c.dep_ in {"dobj", "nsubjpass"}
        for t in c.subtree
    }
    scope -= hit_objects
    best: tuple[lx.Weapon, Token] | None = None

    def rank(w: lx.Weapon) -> tuple[bool, int]:
        return (w.name not in lx.GENERIC_WEAPONS, len(w.name))

    for tok in sorted(scope, key=lambda t: t.i):
        phrase = weapon_phrase(tok)
        if phrase and (best is None or rank(lx.WEAPONS[phrase]) > rank(best[0])):
            best = (lx.WEAPONS[phrase], tok)
    if best is None:
        # "gunmen shot ...", "a car bomb attack": the trigger itself names the weapon.
        for trig in [m.trigger, *m.extra_triggers]:
            name = lx.TRIGGER_WEAPONS.get(compound_phrase(trig)) or lx.TRIGGER_WEAPONS.get(
                trig.lemma_.lower()
            )
            if name == "gun" and trig.lemma_.lower() == "open" and phrasal_trigger(trig) is None:
                continue
            if name is not None and name in lx.WEAPONS:
                return lx.WEAPONS[name], trig
    return best


def number_child(tok: Token) -> int | None:
    for c in tok.children:
        if c.dep_ in {"nummod", "quantmod"} or c.like_num or c.lower_ in lx.NUMBER_WORDS:
            value = to_int(c.text)
            if value is not None:
                return value
        if c.dep_ == "prep" and c.lower_ == "of":  # "dozens of rockets"
            continue
    if tok.head.lower_ == "of" and tok.head.head.lower_ in lx.NUMBER_WORDS:
        return lx.NUMBER_WORDS[tok.head.head.lower_]
    return None


def to_int(text: str) -> int | None:
    t = text.lower().replace(",", "")
    if t.isdigit():
        return int(t)
    return lx.NUMBER_WORDS.get(t)


_CASED_ALIASES = {"is", "us", "rsf", "pkk", "irgc", "uk"}  # only as capitals: "IS", not "is"


@lru_cache(maxsize=1)
def _alias_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two alternations (case-insensitive, and capitals-only) over every alias, longest first, so one
    regex pass finds all actors in a text."""
    ordered = sorted(lx.ACTORS, key=len, reverse=True)
    folded = "|".join(re.escape(a) for a in ordered if a not in _CASED_ALIASES)
    cased = "|".join(re.escape(a.upper()) for a in ordered if a in _CASED_ALIASES)
    edge_l, edge_r = r"(?<![\w-])(", r")(?![\w-])"
    return re.compile(edge_l + folded + edge_r, re.IGNORECASE), re.compile(edge_l + cased + edge_r)


@lru_cache(maxsize=65536)
def alias_matches(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, alias) of every actor alias in ``text``, non-overlapping, longest first. Cached: the
    extractor asks again and again about the same phrases of a sentence."""
    folded, cased = _alias_regexes()
    found = [(m.start(), m.end(), m.group(1).lower()) for m in folded.finditer(text)]
    for m in cased.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e, _ in found):
            found.append((m.start(), m.end(), m.group(1).lower()))
    return tuple(sorted(found))


def actor_refs(tokens: list[Token]) -> list[ActorRef]:
    """Actors named in a token span, in text order, each once."""
    if not tokens:
        return []
    toks = sorted(set(tokens), key=lambda t: t.i)
    doc = toks[0].doc
    # Contiguous runs keep their original spacing, so 'Saudi-led coalition' stays one string.
    spans: list[tuple[int, int]] = []
    run = [toks[0]]
    for t in toks[1:]:
        if t.i == run[-1].i + 1:
            run.append(t)
        else:
            spans.append((run[0].idx, run[-1].idx + len(run[-1].text)))
            run = [t]
    spans.append((run[0].idx, run[-1].idx + len(run[-1].text)))
    out: list[ActorRef] = []
    for start, end in spans:
        for _, _, alias in alias_matches(doc_text(doc)[start:end]):
            entry = lx.ACTORS[alias]
            if all(entry.name != o.name for o in out):
                out.append(ActorRef(name=entry.name, kind=entry.kind, country=entry.country))
    return out


def is_pronoun_actor(tokens: list[Token]) -> bool:
    heads = [t for t in tokens if t.dep_ in {"nsubj", "agent", "pobj", "poss"} or t.head not in tokens]
    return (
        bool(heads)
        and all(t.lower_ in _PRONOUNS for t in heads if t.pos_ == "PRON")
        and any(t.pos_ == "PRON" for t in heads)
    )


_LEADING_PREPS = {"near", "in", "around", "outside", "inside", "at"}


def leading_place(doc: Any) -> Any | None:
    """'Near Mosul, four strikes engaged ...': a sentence-initial place phrase before its comma, which the
    small parser often misreads as part of the subject."""
    if len(doc) < 3 or doc[0].lower_ not in _LEADING_PREPS:
        return None
    for tok in doc[1 : min(len(doc), 9)]:
        if tok.text == ",":
            span = doc[1 : tok.i]
            words = [t for t in span if t.lower_ not in {"the", "of"}]
            if words and all(t.text[:1].isupper() or t.text in {"-", "'"} for t in words):
                return span[1:] if span[0].lower_ == "the" else span
            return None
    return None


def place_spans(m: Mention, doc: Any, exclude: set[int]) -> tuple[list[Any], list[Any]]:
    """(launch-location spans, hit-location spans) of the mention; when its clause names no place (the
    small parser often hangs 'in X' on the wrong verb), the places named elsewhere in its sentence."""
    launch, hit = _place_spans(m, doc, exclude, whole_sentence=False)
    if not hit and not launch:
        launch, hit = _place_spans(m, doc, exclude, whole_sentence=True)
    return launch, hit


def _place_spans(
    m: Mention, doc: Any, exclude: set[int], *, whole_sentence: bool
) -> tuple[list[Any], list[Any]]:
    """(launch-location spans, hit-location spans) in the mention's clause.

    Candidates are NER places plus proper-noun chunks in locative phrases ('in Ryazan', 'the port of
    Odesa', 'near Pokrovsk'), which the small model's NER often misses."""
    scope: set[int] = set()
    heads = {m.trigger, m.clause, *m.extra_triggers}
    if m.clause.dep_ in {"advcl", "acl"} and m.clause.lemma_.lower() in _SUPPORT_VERBS:
        heads.add(m.clause.head)
    for head in heads:
        scope.update(t.i for t in head.subtree)
    if whole_sentence:
        scope = {t.i for t in m.trigger.sent}
    scope -= exclude
    chunks: list[Any] = [e for e in ents(doc) if e.label_ in {"GPE", "LOC", "FAC"}]
    taken = {t.i for e in chunks for t in e}
    triggers = {m.trigger.i, m.clause.i, *(t.i for t in m.extra_triggers)}
    for tok in doc:
        if tok.i in taken or tok.pos_ != "PROPN" or tok.ent_type_ in {"DATE", "TIME", "ORDINAL"}:
            continue
        place_modifier = (
            tok.dep_ in {"compound", "amod"}
            and tok.head.lemma_.lower() in _PLACE_HEAD_NOUNS | _FACILITY_NOUNS
        )
        if tok.ent_type_ == "NORP" and not place_modifier and not _town_tagged_norp(tok):
            continue
        if tok.dep_ in {"compound", "amod"}:
            if tok.head.pos_ != "NOUN" or tok.head.dep_ not in {"pobj", "dobj", "nsubjpass"}:
                continue
            anchor = tok.head  # "near Damascus airport", "in the Qandil mountains"
        else:
            anchor = tok
        head = anchor.head
        locative = anchor.dep_ == "pobj" and head.lower_ in _PLACE_PREPS
        # "the hands of Assad", "forces of Haftar": who someone belongs to, not where ("the port of Odesa").
        if locative and head.lower_ == "of" and head.head.lemma_.lower() in _OWNER_OF_NOUNS:
            locative = tok.ent_type_ in {"GPE", "LOC", "FAC"}
        first = anchor
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head  # "in Qamenas, Sarmin and Talamenes": the list's first name carries the "in"
        locative |= anchor.dep_ in {"dobj", "conj", "appos"} and (
            head.lemma_.lower() in _PLACE_HEAD_NOUNS
            or head.dep_ == "pobj"
            or (first.dep_ == "pobj" and first.head.lower_ in _PLACE_PREPS)
        )
        # "shelled El Fasher", "Belgorod was hit": the attacked object itself is the place.
        locative |= anchor.dep_ in {"dobj", "nsubjpass"} and head.i in triggers and anchor is tok
        if not locative:
            continue
        left = tok.left_edge.i if tok.dep_ != "compound" else tok.i
        while (
            tok.dep_ == "compound"
            and left > 0
            and doc[left - 1].dep_ == "compound"
            and doc[left - 1].pos_ == "PROPN"
        ):
            left -= 1
        while left < tok.i and doc[left].pos_ != "PROPN" and doc[left].lower_ not in {"al", "el"}:
            left += 1
        span = doc[left : tok.i + 1]
        if _non_state_actor(span.text) or tok.lower_ in _WEEKDAYS:
            continue
        chunks.append(span)
    lead = leading_place(doc)
    if lead is not None:
        chunks = [c for c in chunks if not (c.start < lead.end and lead.start < c.end)]
        scope.update(t.i for t in lead)
        chunks.append(lead)
    actor_ids = _non_state_alias_tokens(doc)
    launch, hit = [], []
    for span in chunks:
        if span.root.i not in scope or _non_state_actor(span.text) or _organisation(span.text):
            continue
        if any(t.i in actor_ids for t in span):
            continue  # "State" of "Islamic State", "US" of "US-backed"
        root = span.root
        # A state named as a modifier of a force ("US troops", "Russia's air force") is an actor, not a place.
        place_modifier = root.head.lemma_.lower() in _PLACE_HEAD_NOUNS | _FACILITY_NOUNS
        if (root.ent_type_ == "NORP" and not place_modifier and not _town_tagged_norp(root)) or (
            root.dep_ in {"compound", "amod", "poss", "nmod"}
            and root.head.lemma_.lower() not in _PLACE_HEAD_NOUNS | _FACILITY_NOUNS | _OPERATION_NOUNS
        ):
            continue
        # "from four warships in the Caspian Sea", "warships in the Caspian Sea fired": where it was launched.
        up = [a.lower_ for a in list(root.ancestors)[:4]]
        from_phrase = "from" in up
        in_actor = root.i in {t.i for t in m.actor_tokens} and root.dep_ == "pobj"
        if root.i in {t.i for t in m.actor_tokens} and not in_actor:
            continue  # the attacker itself ("Russia fired ...") is not a place it hit
        if from_phrase or in_actor:
            launch.append(span)
        else:
            hit.append(span)
    return launch, hit


# "the Mosul offensive", "the battle for Aleppo": a fight named by where it is.
_OPERATION_NOUNS = {"offensive", "operation", "operations", "battle", "campaign", "siege", "front"}
_DEMONYM = re.compile(r"(?:an|ans|ese|i|is|ish|ic|ics|ite|ites|ni|[^e]s)$", re.I)


def _town_tagged_norp(tok: Token) -> bool:
    """The small model tags some towns as nationalities ('attacks on Aleppo'): a NORP word in a
    locative phrase that does not look like a demonym ('Syrian', 'Kurdish', 'Alawites') is a place."""
    first = tok
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head  # "in Qamenas, Sarmin and Talamenes"
    return (
        first.dep_ == "pobj"
        and first.head.lower_ in _PLACE_PREPS
        and tok.text[:1].isupper()
        and not _DEMONYM.search(tok.text)
        and tok.lower_ not in lx.ACTORS
    )


def admin_suffix(span: Any) -> str:
    """' province' when the span is followed by province/governorate/countryside (also 'Hama and Idlib provinces')."""
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    if nxt is not None and nxt.lemma_.lower() in {
        "province",
        "governorate",
        "countryside",
        "region",
        "oblast",
        "district",
    }:
        return " " + nxt.lemma_.lower()
    head = span.root.head
    if span.root.dep_ in {"compound", "nmod"} and head.lemma_.lower() in {
        "province",
        "governorate",
        "countryside",
        "region",
        "oblast",
    }:
        return " " + head.lemma_.lower()
    if (
        span.root.dep_ == "conj"
        and head.dep_ == "compound"
        and head.head.lemma_.lower() in {"province", "governorate", "region"}
    ):
        return " " + head.head.lemma_.lower()
    return ""


def unit_of(tokens: list[Token]) -> str | None:
    """The force a state actor phrase names: 'Russian troops' -> army, 'Syrian jets' -> air force."""
    for tok in tokens:
        unit = lx.UNIT_NOUNS.get(compound_phrase(tok)) or lx.UNIT_NOUNS.get(tok.lemma_.lower())
        if unit is not None:
            return unit
    return None


def bombing_kind(m: Mention, weapon: lx.Weapon | None) -> str:
    """How a bombing was delivered: the weapon's kind, or 'suicide' when a suicide attacker is named."""
    doc = m.trigger.doc
    words = {t.lower_ for t in doc}
    if words & {"suicide", "self-detonated", "kamikaze"}:
        return "suicide"
    if weapon is not None and weapon.name in lx.BOMBING_KINDS:
        return lx.BOMBING_KINDS[weapon.name]
    return "other"


def target_head(tokens: list[Token]) -> str | None:
    """A short name for a target phrase: its first noun with compounds ('police patrol', 'embassy')."""
    ids = {t.i for t in tokens}
    for tok in sorted(tokens, key=lambda t: t.i):
        if tok.pos_ in {"NOUN", "PROPN"} and (
            tok.head.i not in ids or tok.head.i == tok.i or tok.dep_ == "pobj"
        ):
            mods = [c for c in tok.children if c.dep_ in {"compound", "amod"} and c.i < tok.i]
            start = mods[0].i if mods else tok.i
            return tok.doc[start : tok.i + 1].text
    return None


def generic_noun(m: Mention) -> bool:
    """The mention rests only on general attack nouns ('attacks', 'the fighting', 'terrorist acts')."""
    return all(
        t.pos_ != "VERB"
        and (t.lemma_.lower() in lx.GENERIC_EVENT_NOUNS or compound_phrase(t) in lx.GENERIC_EVENT_NOUNS)
        for t in [m.trigger, *m.extra_triggers]
    )


def target_objects(tokens: list[Token]) -> list[Token]:
    """Each thing hit in a target phrase: 'an ISIL tactical unit and two vehicles, a VBIED' -> unit,
    vehicles, VBIED (nominal heads of the objects and their conjuncts)."""
    ids = {t.i for t in tokens}
    out = []
    for tok in sorted(tokens, key=lambda t: t.i):
        if tok.pos_ not in {"NOUN", "PROPN"} or tok.ent_type_ in {"GPE", "LOC", "DATE", "TIME"}:
            continue
        top = tok.head.i not in ids or tok.head.i == tok.i
        if top or tok.dep_ in {"conj", "appos", "dobj", "pobj", "nsubjpass"}:
            out.append(tok)
    return out


def noun_phrase(tok: Token) -> str:
    """The noun with its compounds and adjectives, without determiners, numbers or actor names."""
    mods = [
        c
        for c in tok.children
        if c.dep_ in {"compound", "amod"} and c.i < tok.i and not actor_refs([c]) and not c.like_num
    ]
    start = mods[0].i if mods else tok.i
    words = [t for t in tok.doc[start : tok.i + 1] if not actor_refs([t]) or t is tok]
    return " ".join(t.text for t in words)


def outside_locatives(tokens: list[Token]) -> list[Token]:
    """Tokens not inside a place phrase: in 'strikes against ISIL in Syria and Iraq' the target is ISIL."""
    out = []
    for tok in tokens:
        node, inside = tok, False
        while node.head.i != node.i:
            if node.dep_ == "pobj" and node.head.lower_ in {"in", "near", "across", "throughout", "around"}:
                inside = True
                break
            node = node.head
        if not inside:
            out.append(tok)
    return out


def platform_phrase(tok: Token) -> str:
    """A platform noun with its modifiers and the nouns listed before it ('attack, bomber, fighter and
    remotely piloted aircraft'), without numbers, determiners or actor names."""
    doc = tok.doc
    start = tok.i
    while start > 0:
        prev = doc[start - 1]
        if prev.like_num or prev.dep_ in {"det", "poss", "nummod"} or actor_refs([prev]):
            break
        if prev.pos_ in {"NOUN", "ADJ", "PROPN", "ADV", "VERB", "CCONJ", "PUNCT"} and prev.text not in {
            ".",
            ";",
            ":",
        }:
            if prev.pos_ == "VERB" and prev.dep_ != "amod":
                break
            start -= 1
            continue
        break
    while start < tok.i and (doc[start].pos_ in {"CCONJ", "PUNCT"}):
        start += 1
    # ... and the rest of the list after it: "bomber, fighter and remotely piloted aircraft".
    end = tok.i + 1
    while end < len(doc) and (
        doc[end].text in {",", "and", "or"}
        or doc[end].pos_ in {"NOUN", "ADJ", "ADV"}
        or (doc[end].pos_ == "VERB" and doc[end].dep_ == "amod")
    ):
        end += 1
    while end > tok.i + 1 and doc[end - 1].pos_ not in {"NOUN", "PROPN"}:
        end -= 1
    return doc[start:end].text
