"""Statements: who said what, with which stance, read off the dependency parse.

A sentence holds zero or more *acts*: a verbal act (a saying verb, "condemned", "called on", "rejected",
a light verb with an act noun such as "renewed criticism", "according to X", "X quoted Y as saying") with
its speaker and content. Each act is typed by meaning (the verb, its construction, then the content),
and its speaker is cleaned:

* a person (PERSON entity) with role and affiliation, or a body (ministry, government, group, state);
* pronouns and short forms resolve within the article ("he", "the minister", "Putin" after "Vladimir
  Putin", "the observatory" after "the Syrian Observatory for Human Rights");
* news outlets relaying the words are sources, never speakers; documents ("the statement said") speak
  for whoever issued them; anonymous sources, and noun phrases that cannot speak, make no statement.

Quotes that run over several sentences ("X said: ... . ... must ...") keep their speaker; the following
sentences become statements only when they carry a stance of their own.

Background: :func:`background` tells sentences about an earlier period ("had struck", "since last week",
"in 2014", "earlier this year") from news; :func:`running_total` those that sum up a period ("112 air
strikes since its operation began") and report no single strike.

Pure functions over spaCy tokens and small per-article state; no model is loaded here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.extract import lexicon as lx
from services.extract.merge import union_reports
from services.extract.text import doc_text
from shared.ids import stable_id
from shared.schemas import ActorRef, Speaker, StatementEvent, StatementType

Token = Any  # spacy.tokens.Token

# -- type codes ----------------------------------------------------------------------------------------
# CAMEO verbal root codes (Gerner et al., CAMEO 1.1b3) and PLOVER event types (2021 draft). PLOVER codes no
# plain statement, so claims and confirmations have none.
CAMEO_CODES: dict[str, str] = {
    "claim": "010",  # make statement
    "confirmation": "010",  # make statement (acknowledge)
    "denial": "016",  # deny responsibility / reject an allegation
    "accusation": "112",  # accuse
    "criticism": "111",  # criticize or denounce
    "appeal": "020",  # make an appeal or request (demand: 100)
    "proposal": "030",  # express intent to cooperate
    "warning": "012",  # make pessimistic comment
    "threat": "130",  # threaten
    "refusal": "120",  # reject
    "other": "010",
}
PLOVER_TYPES: dict[str, str | None] = {
    "claim": None,
    "confirmation": None,
    "denial": "REJECT",
    "accusation": "ACCUSE",
    "criticism": "ACCUSE",
    "appeal": "DEMAND",
    "proposal": "AGREE",
    "warning": None,
    "threat": "THREATEN",
    "refusal": "REJECT",
    "other": None,
}


def cameo_code(kind: str, verb_lemma: str = "") -> str:
    if kind == "appeal" and verb_lemma == "demand":
        return "100"
    return CAMEO_CODES.get(kind, "010")


# -- content cues --------------------------------------------------------------------------------------
# Stances the reported words carry, strongest first. Only the speaker's own clause is read: a statement
# reported inside the content ("Hollande had suggested ...") is someone else's act.
_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "denial",
        re.compile(
            r"\b(?:had nothing to do with|has nothing to do with|have nothing to do with|no truth|baseless|"
            r"unfounded|groundless|fabricat\w*|no links?\b|not involved|no involvement|not responsible|"
            r"there (?:were|was|have been|has been) no (?:civilian )?(?:casualties|victims|deaths|civilians)|"
            r"no civilian casualties|did not (?:launch|carry out|attack|strike|bomb|target|kill|hit|fire)|"
            r"never (?:attacked|targeted|struck|bombed|used)|false reports?|lies|"
            # "deny them safe haven" is no denial.
            r"(?:deny|denies|denied)(?!\s+(?:[\w-]+\s+){0,3}?(?:safe\s+)?(?:havens?|sanctuary|access|freedom)))\b",
            re.I,
        ),
    ),
    (
        "refusal",
        re.compile(
            r"\b(?:not willing to|unwilling to|refus\w+|will not (?:negotiate|accept|agree|withdraw|hand over|"
            r"make any concessions|bow|give in|yield|disarm|lay down)|(?:but )?not to (?:negotiate|accept|disarm|surrender|"
            r"withdraw|lay down)|would not (?:negotiate|accept|agree|make any concessions)|"
            r"no concessions|never (?:negotiate|accept|surrender)|out of the question|rule[sd]? out)\b",
            re.I,
        ),
    ),
    (
        "criticism",
        re.compile(
            r"\b(?:condemn\w*|deplor\w*|regret\w*|appall\w*|appal\b|outrag\w*|shock\w*|deeply concerned|"
            r"unacceptable|cowardly|barbar\w*|brutal\w*|horrific|heinous|senseless|despicable|vile|"
            r"murderous|atrocious|atrocit\w*|tragedy|terrible act|grave mistake|a mistake|irresponsible|"
            r"cannot be justified|deserve no mercy|last-ditch|hollow victory|flagrant|illogical|vandalism|"
            r"cruel\w*|reprehensible|abhorrent|deplorable|disgrace\w*|shameful|criminal act|crimes? against|"
            r"war crimes?|violation of|violates|breach of|interfer\w* in (?:the |its |our )?internal)\b",
            re.I,
        ),
    ),
    (
        "accusation",
        re.compile(
            r"\b(?:responsible for|perpetrat\w+|behind the (?:attack|bombing|killing|massacre|assassination)|"
            r"attribute\w*|to blame|blame[sd]?|guilty of|is a sham|a sham\b|carried out by|committed by|"
            r"victim of|complicit|used chemical weapons|has used chemical|have used chemical|"
            r"using chemical|directed terrorist|committed to carrying out|supports? them|sponsor\w* terror|"
            r"(?:were|was|are|is) (?:mainly |mostly |deliberately )?targeting (?:the )?(?:civilians|moderate|"
            r"opposition)|not (?:always )?hitting terrorist|terrorist operations)\b",
            re.I,
        ),
    ),
    (
        "threat",
        re.compile(
            r"\b(?:(?:will|would) (?:respond|retaliate|pay|punish|avenge|hit back|strike back)|be severely punished|"
            r"severely punish\w*|will not (?:allow|tolerate|stand by)|consequences|declaration of war|"
            r"will continue to (?:strike|shoot|attack|fight|target|hit|bomb|pursue)|(?:ultimately |to )?"
            r"eliminate|all necessary measures|reserves? the right|will be (?:met|answered) with|"
            r"threaten\w*|retaliat\w*|hunt (?:them|down)|identify those responsible)\b",
            re.I,
        ),
    ),
    (
        "appeal",
        re.compile(
            r"\b(?:must|should|ought to|call(?:s|ed)? on|call(?:s|ed)? for|urg\w+|demand\w*|essential that|"
            r"it is essential|imperative|need to|needs to|it is vital|encourag\w+|appeal\w*|we ask|"
            r"asks? (?:that|all|the)|have to)\b",
            re.I,
        ),
    ),
    (
        "proposal",
        re.compile(
            r"\b(?:will (?:help|provide|offer|support|assist|send|contribute|give|deliver)|committed to "
            r"(?:supporting|working|assisting|continuing|providing|helping)|remains? committed|"
            r"ready to (?:help|talk|negotiate|cooperate|work|provide)|willing to (?:help|talk|cooperate|work)|"
            r"propos\w+|offer\w*|pledg\w+|reward|cooperation|cooperate|amnesty|support for|reiterates? support|"
            r"continue to support|will continue to (?:support|provide|work|assist|help))\b",
            re.I,
        ),
    ),
    (
        "confirmation",
        re.compile(r"\b(?:confirm\w*|acknowledg\w+|admit\w*|verified)\b", re.I),
    ),
]
_CONDOLENCE = re.compile(
    r"\b(?:condolences?|sympathy|sympathies|thoughts and prayers|thanks|gratitude)\b", re.I
)
_WEAK_TYPES = {"claim"}
# Verbs whose stance is weak enough for the content to override: "warned that he is not willing to negotiate".
_OVERRIDABLE = {"warning": {"refusal", "threat"}, "proposal": set(), "appeal": set()}


def content_type(text: str) -> str | None:
    for kind, pattern in _CUES:
        if pattern.search(text):
            return kind
    return None


# -- per-article state ---------------------------------------------------------------------------------
@dataclass
class Speakers:
    """Who has spoken so far in an article: the memory pronouns and short forms resolve against."""

    people: dict[str, str] = field(default_factory=dict)  # last name (lower) -> full name
    known: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name -> (role, affil)
    history: list[tuple[int, str, bool]] = field(default_factory=list)  # (sentence no, name, is_person)
    sentence_no: int = 0
    # Titles the article gave people ("foreign secretary" -> "Boris Johnson"), for "the Foreign Secretary said".
    roles: dict[str, str] = field(default_factory=dict)
    author: str | None = None  # who issued the text, when it says so: the "we" of a communique

    def remember(self, name: str, role: str | None, affiliation: str | None, person: bool) -> None:
        old = self.known.get(name, (None, None))
        self.known[name] = (role or old[0], affiliation or old[1])
        self.history.append((self.sentence_no, name, person))
        if person and len(name.split()) >= 2:
            self.people.setdefault(name.split()[-1].lower(), name)

    def last(self, *, person: bool | None = None, within: int = 4) -> str | None:
        for no, name, is_person in reversed(self.history):
            if self.sentence_no - no > within:
                return None
            if person is None or is_person == person:
                return name
        return None

    def by_word(self, word: str, *, within: int = 12) -> str | None:
        """The latest speaker whose name or role holds ``word``: 'the minister', 'the observatory'."""
        word = word.lower()
        for no, name, _ in reversed(self.history):
            if self.sentence_no - no > within:
                break
            role = self.known.get(name, (None, None))[0] or ""
            if word in name.lower().split() or word in role.lower().split():
                return name
        return None

    def named_in(self, text: str) -> bool:
        """The sentence names someone who has spoken, or speaks through a pronoun ('he said')."""
        if not self.history:
            return False
        words = set(re.findall(r"[a-z][a-z'-]+", text.lower()))
        names = {w.lower() for _, name, _ in self.history[-6:] for w in name.split() if len(w) > 2}
        return bool(words & (names | _PRONOUNS_PERSON | _PRONOUNS_SELF))

    def full_name(self, name: str) -> str:
        if len(name.split()) == 1:
            return self.people.get(name.lower(), name)
        return name


# -- acts ----------------------------------------------------------------------------------------------
@dataclass
class Act:
    """One verbal act in a sentence."""

    verb: Token
    kind: str
    trigger: str
    speaker_name: str | None  # None: no identifiable speaker (no statement)
    role: str | None = None
    affiliation: str | None = None
    relay: str | None = None  # the outlet, document or anonymous source the words come through
    speaker_tokens: list[Token] = field(default_factory=list)
    content_tokens: list[Token] = field(default_factory=list)
    token_ids: set[int] = field(default_factory=set)
    person: bool = False
    opens_quote: bool = False

    @property
    def monitor(self) -> bool:
        words = f"{self.speaker_name or ''} {self.role or ''} {self.relay or ''}".lower()
        return any(re.search(rf"\b{w}\b", words) for w in lx.MONITOR_WORDS) or (
            self.speaker_name is None and self.relay is not None
        )

    @property
    def official(self) -> bool:
        return any(t.lemma_.lower() in lx.MILITARY_SPEAKERS for t in self.speaker_tokens)

    def content(self, doc: Any) -> str:
        if not self.content_tokens:
            return doc_text(doc)
        toks = sorted(self.content_tokens, key=lambda t: t.i)
        return doc[toks[0].i : toks[-1].i + 1].text.strip(" ,:;\"“”'")


_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_CONTENT_DEPS = {"ccomp", "xcomp", "dobj", "advcl", "parataxis", "attr", "oprd", "dative", "prep", "acomp"}
_PRONOUNS_PERSON = {"he", "she", "him", "her"}
_PRONOUNS_SELF = {"i", "we", "us"}
_NAME_PARTICLES = {"al", "el", "bin", "ibn", "de", "del", "da", "la", "van", "von", "der", "y", "abu", "abd"}


def _lemma(tok: Token) -> str:
    return str(tok.lemma_).lower()


def _phrase(tokens: Iterable[Token]) -> list[Token]:
    return sorted(tokens, key=lambda t: t.i)


def _strip_relative(head: Token) -> list[Token]:
    keep: list[Token] = []
    for t in head.subtree:
        path = []
        node = t
        while node.i != head.i:
            path.append(node)
            node = node.head
            if node.head.i == node.i and node.i != head.i:
                break
        if any(n.dep_ in {"relcl", "acl"} for n in path):
            continue
        keep.append(t)
    return _phrase(keep)


def _find_subject(verb: Token) -> tuple[Token | None, bool]:
    """The subject of a verbal act, climbing through conjunctions and participles ("..., saying",
    "retaliated by saying", "condemned ... and urged"). Returns (head, passive)."""
    node = verb
    for _ in range(4):
        subj = [c for c in node.children if c.dep_ in _SUBJECT_DEPS]
        if subj:
            return subj[0], subj[0].dep_ == "nsubjpass"
        # Inverted: '"...," said Cerezo' -> the name after the verb.
        after = [
            c
            for c in node.children
            if c.i > node.i
            and c.dep_ in {"dobj", "attr", "npadvmod", "appos", "nsubj", "oprd"}
            and (c.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or c.pos_ == "PROPN")
        ]
        if after and node.lemma_.lower() in {"say", "tell", "add", "state", "declare", "write", "warn"}:
            return after[0], False
        if node.dep_ in {"conj", "advcl", "xcomp", "pcomp", "acomp"} or (
            node.dep_ == "prep" and node.head.pos_ == "VERB"
        ):
            head = node.head
            if head.dep_ == "prep" and head.head.pos_ in {"VERB", "AUX"}:
                head = head.head
            node = head
            continue
        if node.dep_ == "pcomp" and node.head.dep_ == "prep":
            node = node.head.head
            continue
        break
    return None, False


def _is_outlet(tokens: list[Token], head: Token) -> bool:
    text = " ".join(t.text for t in tokens).lower().replace(" - ", "-")
    text = re.sub(r"^(?:the|a|an)\s+", "", text)
    if text in lx.NEWS_OUTLETS or _lemma(head) in lx.NEWS_OUTLET_NOUNS:
        return True
    ents = {e.text.lower() for t in tokens for e in [t.doc[t.i : t.i + 1]] if t.ent_type_}
    return bool(ents & lx.NEWS_OUTLETS) or (head.text.lower() in lx.NEWS_OUTLETS)


def _clean_person(text: str, shouting: bool) -> str:
    words = text.replace("’", "'").split()
    while words and words[0].lower().strip(".,") in lx.PERSON_TITLES:
        words = words[1:]
    words = [w.strip(",") for w in words if w.strip(",")]
    if words and words[-1].lower() in {"'s", "’s"}:
        words = words[:-1]
    if shouting or any(w[:1].islower() and w.lower() not in _NAME_PARTICLES for w in words):
        words = [
            w if w.lower() in _NAME_PARTICLES and i else w[:1].upper() + w[1:].lower()
            for i, w in enumerate(words)
        ]
        words = [w if "-" not in w else "-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words]
    return " ".join(words)


def _affiliation(tokens: list[Token]) -> str | None:
    from services.extract import strikes as st

    refs = st.actor_refs(tokens)
    return refs[0].name if refs else None


def _role_of(tokens: list[Token], person: list[Token], head: Token) -> str | None:
    """Office words around a name: 'Turkish Prime Minister Ahmet Davutoglu' -> 'prime minister',
    'Gen. Joseph Votel, commander of U.S. Central Command' -> 'commander of U.S. Central Command'."""
    pids = {t.i for t in person}
    before = [
        t
        for t in tokens
        if t.i < min(pids)
        and t.ent_type_ not in {"NORP", "GPE", "PERSON"}
        and t.pos_ in {"NOUN", "PROPN"}
        and t.lower_.strip(".")
        not in {"mr", "mrs", "ms", "dr", "sir", "gen", "col", "capt", "maj", "lt", "sgt"}
        and t.dep_ not in {"poss"}
    ]
    # Contiguous run right before the name.
    run: list[Token] = []
    for t in reversed(before):
        if run and run[0].i - t.i > 2:
            break
        run.insert(0, t)
    if run:
        return " ".join(t.text for t in run).lower()
    appos = [c for c in head.children if c.dep_ == "appos" and c.i > head.i and c.pos_ in {"NOUN", "PROPN"}]
    if appos:
        sub = _phrase(appos[0].subtree)
        return " ".join(t.text for t in sub).strip(" ,").lower() or None
    return None


def _resolve(head: Token, tracker: Speakers, shouting: bool) -> dict[str, Any] | None:
    """The speaker a subject phrase names: {'name', 'role', 'affiliation', 'person', 'relay', 'tokens'};
    None when the phrase cannot speak at all ("Ground attacks")."""
    tokens = _strip_relative(head)
    low = head.lower_
    if head.pos_ == "PRON" or low in _PRONOUNS_PERSON | _PRONOUNS_SELF | {"it", "they"}:
        if low in _PRONOUNS_PERSON:
            name = tracker.last(person=True, within=6)
        elif low in _PRONOUNS_SELF:
            name = tracker.last(within=8) or tracker.author
        else:
            name = None
        if name is None:
            return {"name": None, "tokens": [head]}
        role, affiliation = tracker.known.get(name, (None, None))
        return {"name": name, "role": role, "affiliation": affiliation, "person": low in _PRONOUNS_PERSON,
                "tokens": [head]}  # fmt: skip
    if _is_outlet(tokens, head):
        return {"name": None, "relay": " ".join(t.text for t in tokens if t.dep_ != "det"), "tokens": tokens}
    lemma = _lemma(head)
    if lemma in lx.DOCUMENT_NOUNS and not any(t.ent_type_ == "PERSON" for t in tokens):
        # "the statement said": the words of whoever issued it, if the article just named them.
        name = tracker.last(within=2)
        if name is None:
            return {"name": None, "relay": lemma, "tokens": tokens}
        role, affiliation = tracker.known.get(name, (None, None))
        return {"name": name, "role": role, "affiliation": affiliation, "person": False, "tokens": tokens}
    # A person named inside a prepositional phrase is someone else: "the EEC ..., the murder of Senator X".
    persons = [t for t in tokens if t.ent_type_ == "PERSON" and not _behind_preposition(t, head)]
    # "a spokesman for Mr Hollande": the spokesman speaks, for the person.
    owner_of = [
        c for c in head.children if c.dep_ == "prep" and c.lower_ in {"for", "of", "to"}
        and any(t.ent_type_ in {"PERSON", "ORG"} or t.pos_ == "PROPN" for t in c.subtree)
    ]  # fmt: skip
    if head.ent_type_ != "PERSON" and lemma in _PERSON_ROLES and owner_of:
        run = [t for t in owner_of[0].subtree if t.ent_type_ in {"PERSON", "ORG"} or t.pos_ == "PROPN"]
        owner = tracker.full_name(_clean_person(" ".join(t.text for t in run), shouting))
        words = [t.text for t in tokens if t.i <= head.i and t.dep_ != "det"]
        return {"name": f"{' '.join(words)} for {owner}".strip(), "role": head.lower_, "affiliation": owner,
                "person": True, "tokens": tokens}  # fmt: skip
    if persons and head.ent_type_ in {"GPE", "ORG", "NORP"}:
        persons = []  # "Russia, a top ally of Assad": the state speaks
    if persons:
        # The name run that holds the head (or the first one).
        run = [t for t in persons if t.ent_iob_ != "O"]
        first = run[0]
        ent = next((e for e in head.doc.ents if e.start <= first.i < e.end), None)
        span = list(ent) if ent is not None else run
        name = tracker.full_name(_clean_person(head.doc[span[0].i : span[-1].i + 1].text, shouting))
        if not name or name.lower() in lx.PERSON_TITLES:
            return None
        role = _role_of(tokens, span, head)
        known_role, known_aff = tracker.known.get(name, (None, None))
        affiliation = _affiliation([t for t in tokens if t not in span]) or known_aff
        return {"name": name, "role": role or known_role, "affiliation": affiliation, "person": True,
                "tokens": tokens}  # fmt: skip
    if lemma in lx.ANONYMOUS_SPEAKERS or low in lx.ANONYMOUS_SPEAKERS:
        return {"name": None, "relay": " ".join(t.text for t in tokens if t.dep_ != "det"), "tokens": tokens}
    ent = next(
        (e for e in head.doc.ents if e.start <= head.i < e.end and e.label_ in {"ORG", "GPE", "NORP"}), None
    )
    from services.extract import strikes as st

    refs = st.actor_refs(tokens)
    body_words = [
        t for t in tokens if t.dep_ not in {"det", "punct"} and (t.i <= head.i or _of_phrase(t, head))
    ]
    # The head names an actor: "the FMLN" for "FMLN (Farabundo Marti National Liberation Front)".
    names_actor = bool(refs) and (
        refs[0].name.lower() in head.lower_
        or re.search(rf"\b{re.escape(head.lower_)}\b", refs[0].name.lower()) is not None
    )
    if ent is not None or lemma in lx.SPEAKER_NOUNS or names_actor:
        titled = " ".join(t.lower_ for t in body_words if t.dep_ != "poss")
        if lemma in _PERSON_ROLES and ent is None and titled in tracker.roles:
            name = tracker.roles[titled]
            role, affiliation = tracker.known.get(name, (None, None))
            return {"name": name, "role": role or titled, "affiliation": affiliation, "person": True,
                    "tokens": tokens}  # fmt: skip
        if lemma in lx.SPEAKER_NOUNS and ent is None and not refs and len(body_words) <= 1:
            # "the minister", "the observatory", "the President": a short form of someone named before.
            name = tracker.by_word(head.lower_) or (
                tracker.last(person=True, within=3) if lemma in _PERSON_ROLES else None
            )
            if name is None:
                # Unresolved: no statement, but a strike's claim may still name it ("the governor said").
                return {"name": None, "relay": head.lower_, "tokens": tokens}
            role, affiliation = tracker.known.get(name, (None, None))
            return {"name": name, "role": role or head.lower_, "affiliation": affiliation,
                    "person": lemma in _PERSON_ROLES, "tokens": tokens}  # fmt: skip
        if ent is not None and ent.label_ in {"GPE", "NORP"} and lemma not in lx.SPEAKER_NOUNS:
            name = refs[0].name if refs else ent.text
        else:
            words = body_words
            if words and words[0].lower_ in {"the", "a", "an"}:
                words = words[1:]
            name = head.doc[words[0].i : words[-1].i + 1].text.strip(" ,") if words else head.text
            if ent is not None and ent.label_ == "ORG" and ent.end - 1 >= head.i:
                name = re.sub(r"^(?:the|The|THE)\s+", "", ent.text)
        short = name.lower()
        known = next((k for k in tracker.known if short != k.lower() and short in k.lower().split()), None)
        if known is not None and len(short.split()) == 1:
            name = known
        if shouting:
            name = _title(name)
        role = head.lower_ if lemma in _PERSON_ROLES else None
        affiliation = (
            refs[0].name if refs else (ent.text if ent is not None and ent.label_ != "ORG" else None)
        )
        if affiliation is None and lemma in _PERSON_ROLES:
            affiliation = _affiliation(tokens)
        return {"name": name, "role": role, "affiliation": affiliation or tracker.known.get(name, (None, None))[1],
                "person": lemma in _PERSON_ROLES, "tokens": tokens}  # fmt: skip
    # '"...," Lyons said': a capitalised name the tagger left untyped, quoting someone, is a person.
    run = [t for t in tokens if t.pos_ == "PROPN" and (t.i == head.i or t.dep_ == "compound")]
    if (
        not shouting
        and head.pos_ == "PROPN"
        and 1 <= len(run) <= 3
        and all(t.text[:1].isupper() and t.is_alpha for t in run)
        and _QUOTE.search(doc_text(head.doc))
    ):
        name = tracker.full_name(" ".join(t.text for t in run))
        role, affiliation = tracker.known.get(name, (None, None))
        return {"name": name, "role": role, "affiliation": affiliation, "person": True, "tokens": tokens}
    return None


_QUOTE = re.compile(r"[\"“”]")


def _behind_preposition(tok: Token, head: Token) -> bool:
    node = tok
    while node.i != head.i and node.head.i != node.i:
        if node.dep_ in {"prep", "pobj", "pcomp"}:
            return True
        node = node.head
    return False


def _of_phrase(tok: Token, head: Token) -> bool:
    """Part of 'of ...' after the head: 'the head of the Iraqi parliamentary defence committee'."""
    node = tok
    while node.i != head.i:
        if node.head.i == head.i:
            return node.dep_ == "prep" and node.lower_ in {"of", "for"}
        if node.dep_ in {"relcl", "acl", "appos", "punct"} or node.head.i == node.i:
            return False
        node = node.head
    return False


_PERSON_ROLES = {
    "minister", "president", "premier", "chancellor", "secretary", "spokesman", "spokeswoman", "spokesperson",
    "commander", "general", "chief", "head", "leader", "director", "ambassador", "envoy", "adviser",
    "advisor", "aide", "governor", "mayor", "official", "representative", "prosecutor", "judge", "king",
    "emir", "prince", "sheikh", "ayatollah", "cleric", "negotiator", "diplomat",
}  # fmt: skip
_TITLED_NAME = re.compile(
    r"\b((?:[A-Z][a-z]+\s){0,3}(?:" + "|".join(sorted(r.title() for r in _PERSON_ROLES)) + r"))"
    r"\s+((?:[A-Z][a-z]+|[A-Z]\.)(?:\s(?:[A-Z][a-z]+|[A-Z]\.|al|bin|de)){1,3})\b"
)


# Transcript services head a communique with its issuer: "[COMMUNIQUE] [FARABUNDO MARTI ... COMMAND]".
_ISSUER = re.compile(r"\[(?:communique|statement|declaration|press release)\]\s*\[([^\]]{3,80})\]", re.I)


def issuer(text: str, shouting: bool = False) -> str | None:
    """The body that issued a communique, from the transcript header."""
    m = _ISSUER.search(text[:600])
    if m is None:
        return None
    words = m.group(1).split()
    if shouting:  # "FARABUNDO MARTI ... FRONT [FMLN]": words cased, short acronyms kept
        words = [w if len(w.strip("()[],")) <= 4 and w.lower() not in _PARTICLE_WORDS else
                 (w.lower() if w.lower() in _PARTICLE_WORDS else w.capitalize()) for w in words]  # fmt: skip
    return " ".join(words)


_PARTICLE_WORDS = {"of", "the", "and", "for", "de", "del", "la", "el"}


def titles(text: str) -> dict[str, str]:
    """The titles written before people's names: 'Foreign Secretary Boris Johnson' gives
    {'foreign secretary': 'Boris Johnson'}. Read off the text, so unparsed sentences count too."""
    out: dict[str, str] = {}
    for m in _TITLED_NAME.finditer(text):
        words = m.group(1).split()
        while words and words[0].lower() in {"the", "a", "an", "following", "after", "when"}:
            words = words[1:]
        if words:
            out.setdefault(" ".join(words).lower(), m.group(2))
    return out


_ACRONYM = re.compile(r"^[A-Z0-9\-]{2,6}$")


def _title(name: str) -> str:
    out = []
    for w in name.split():
        core = w.strip("()[],")
        if _ACRONYM.match(core) and len(core) <= 5 and core.lower() not in {"the", "of", "and"}:
            out.append(w)
        elif w.lower() in {"of", "the", "and", "for"}:
            out.append(w.lower())
        else:
            out.append(w[:1].upper() + w[1:].lower())
    return " ".join(out)


def _act_type(verb: Token, kind: str, content: str, obj: Token | None) -> tuple[str, str]:
    """(type, trigger) from the verb's own type, its construction and the content."""
    lemma = _lemma(verb)
    trigger = verb.text
    particles = {c.lower_ for c in verb.children if c.dep_ in {"prt", "prep", "acomp", "oprd"}}
    if lemma in {"reject", "dismiss", "rebuff"} and obj is not None:
        kind = (
            "refusal" if _lemma(obj) in lx.REFUSAL_OBJECTS or obj.lower_ in lx.REFUSAL_OBJECTS else "denial"
        )
    if lemma == "rule" and "out" in particles:
        kind = "refusal"
    if lemma == "hold" and not particles & {"responsible", "accountable"}:
        kind = "claim"
    if lemma == "charge" and obj is not None:
        kind = "accusation"
    if lemma == "offer" and obj is not None and _CONDOLENCE.search(obj.text):
        kind = "claim"
    if lemma == "call" and not particles & {"on", "upon", "for"}:
        kind = "claim"
    if (
        lemma == "ask"
        and not any(c.dep_ in {"ccomp", "xcomp"} for c in verb.children)
        and not re.search(r"\b(?:to|that)\b", content[:40], re.I)
    ):
        kind = "claim"
    if lemma in {"press", "request", "encourage"} and obj is None and not content:
        kind = "claim"
    cue = content_type(content)
    if kind in _WEAK_TYPES or kind == "other":
        if cue is not None:
            kind = cue
        elif _CONDOLENCE.search(content):
            kind = "claim"
    elif kind in _OVERRIDABLE and cue in _OVERRIDABLE[kind]:
        kind = cue
    if kind == "warning" and cue == "threat":
        kind = "threat"
    if lemma == "threaten":
        kind = "threat"
    return kind, trigger


def _content_tokens(verb: Token, exclude: set[int]) -> list[Token]:
    out: list[Token] = []
    for c in verb.children:
        if c.dep_ in _CONTENT_DEPS and c.i not in exclude:
            out.extend(t for t in c.subtree if t.i not in exclude)
    if not out:
        # "X said: ..." parsed as two pieces: what follows the colon.
        doc = verb.doc
        colon = next((t for t in doc if t.text == ":" and t.i > verb.i), None)
        if colon is not None:
            out = [t for t in doc[colon.i + 1 :] if t.i not in exclude]
    return out


def _own_text(tokens: list[Token], verb: Token) -> str:
    """The content without acts nested in it that have a subject of their own ("X had suggested ...")."""
    if not tokens:
        return ""
    skip: set[int] = set()
    for t in tokens:
        if t.i == verb.i:
            continue
        if (
            t.pos_ in {"VERB", "AUX"}
            and _lemma(t) in lx.STATEMENT_VERBS
            and _lemma(t) not in {"call", "ask", "hold"}
        ):
            subj = [c for c in t.children if c.dep_ == "nsubj"]
            if subj and subj[0].lower_ not in _PRONOUNS_SELF | {"it", "he", "she"}:
                skip.update(x.i for x in t.subtree)
    # Joined as written: "cannot" is two tokens ("can", "not") that the cues read as one word.
    return "".join(t.text_with_ws for t in sorted(tokens, key=lambda t: t.i) if t.i not in skip).strip()


_DENIABLE = {
    "claim", "report", "allegation", "charge", "accusation", "responsibility", "involvement", "link", "role",
    "rumour", "rumor", "story", "statement", "suggestion", "assertion", "existence", "possibility", "that",
}  # fmt: skip


def _quoted(tok: Token) -> bool:
    """Inside quotation marks within its sentence."""
    before = tok.doc[: tok.i].text
    return (before.count('"') % 2 == 1) or before.count("“") > before.count("”")


def _candidate(tok: Token) -> tuple[str, Token | None] | None:
    """(type, act noun) when the token can head a verbal act."""
    lemma = _lemma(tok)
    doc = tok.doc
    if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
        return "claim", None
    children = list(tok.children)
    deps = {c.dep_ for c in children}
    particles = {c.lower_ for c in children if c.dep_ in {"prt", "prep", "acomp", "oprd"}}
    obj = next((c for c in children if c.dep_ == "dobj"), None)
    if tok.pos_ in {"VERB", "AUX"} and lemma in lx.STATEMENT_VERBS:
        if lemma == "deny" and obj is not None and _lemma(obj) not in _DENIABLE and "ccomp" not in deps:
            return None  # "deny them safe haven"
        if lemma == "hold" and not particles & {"responsible", "accountable"}:
            return None
        if (
            lemma == "call"
            and not particles & {"on", "upon", "for"}
            and not deps & {"oprd", "xcomp", "ccomp"}
        ):
            return None
        if lemma == "ask" and not deps & {"ccomp", "xcomp"} and obj is None:
            return None
        if lemma == "press" and not particles & {"for"} and not deps & {"xcomp", "ccomp"}:
            return None
        if lemma == "rule" and "out" not in particles:
            return None
        if lemma in {"charge", "note", "term", "describe"} and obj is None and not deps & {"ccomp", "oprd"}:
            return None
        if (
            lemma in _NEEDS_CONTENT
            and not deps & {"ccomp", "dobj", "xcomp", "parataxis", "oprd", "dative"}
            and not re.search(r"[\"“”:]", doc_text(doc))
            and tok.dep_ not in {"ROOT", "parataxis"}
        ):
            return None  # "who reports directly to the Supreme Leader" says nothing; '"...," he said' does
        return lx.STATEMENT_VERBS[lemma], None
    if tok.pos_ == "VERB" and lemma in lx.STATEMENT_LIGHT_VERBS:
        if obj is not None and _lemma(obj) in lx.STATEMENT_NOUNS:
            return lx.STATEMENT_NOUNS[_lemma(obj)], obj
        # "the charges that the Honduran government has leveled": the act noun is what the clause modifies.
        noun = tok.head
        if (
            tok.dep_ in {"relcl", "acl"}
            and _lemma(noun) in lx.STATEMENT_NOUNS
            and (obj is None or obj.lower_ in {"that", "which"})
        ):
            return lx.STATEMENT_NOUNS[_lemma(noun)], noun
        if lemma == "speak" and particles & {"out", "against"}:
            return "criticism", None
    if tok.pos_ == "NOUN" and lemma in _POSSESSED_ACTS:
        poss = next((c for c in children if c.dep_ == "poss"), None)
        if poss is not None and poss.pos_ in {"PROPN", "NOUN"}:
            return lx.STATEMENT_NOUNS[lemma], tok  # "Abadi's call that all parties respect ..."
    if tok.lower_ == "committed" and any(c.dep_ == "prep" and c.lower_ == "to" for c in children):
        return "proposal", None  # "the UK remains committed to supporting ..."
    return None


# Act nouns whose possessor is the speaker: "Ankara's accusation", "Abadi's call for restraint". Not
# "support", "concern" or "threat": "ISIL's threat" is the danger it poses, not words it said.
_POSSESSED_ACTS = {
    "call", "appeal", "demand", "plea", "accusation", "allegation", "charge", "warning", "denial",
    "rejection", "refusal", "proposal", "offer", "pledge", "promise", "criticism", "condemnation",
    "ultimatum",
}  # fmt: skip
_NEEDS_CONTENT = {"report", "say", "tell", "add", "state", "declare", "write", "explain", "stress", "argue"}


def _depth(tok: Token) -> int:
    return sum(1 for _ in tok.ancestors)


def find_acts(doc: Any, tracker: Speakers, *, shouting: bool = False) -> list[Act]:
    """The verbal acts of one sentence, in order; the tracker is updated with their speakers. Outer acts
    first: an act reported inside another's quotation is the outer speaker's words."""
    found = [(tok, c) for tok in doc if (c := _candidate(tok)) is not None]
    found.sort(key=lambda x: (_depth(x[0]), x[0].i))
    acts: list[Act] = []
    used: set[int] = set()
    covered: set[int] = set()
    for tok, (kind, noun) in found:
        if tok.i in used:
            continue
        if tok.i in covered and (
            tok.dep_ in {"advcl", "xcomp", "pcomp", "acomp"} or _quoted(tok) or tok.lower_ == "committed"
        ):
            continue  # "renewed criticism ..., insisting ...", or words inside the outer quote
        if tok.lower_ == "according":
            act = _according(doc, tok, tracker, shouting)
        elif noun is not None and noun.i == tok.i:
            act = _nominal(tok, kind, tracker, shouting)
        else:
            act = _verbal(doc, tok, kind, tracker, shouting, noun=noun)
        if act is None:
            continue
        if tok.lower_ == "committed" and act.affiliation is not None:
            entry = lx.ACTORS.get((act.speaker_name or "").lower())
            if entry is not None and entry.kind in {"non_state_armed_group", "militia"}:
                continue  # "al-Qaida remains committed to attacks" is what someone else says of it
        if tok.i in covered and act.speaker_name and any(a.speaker_name == act.speaker_name for a in acts):
            continue
        used.update(act.token_ids)
        if act.speaker_name or act.verb.lower_ != "according":
            covered.update(t.i for t in act.content_tokens)  # "according to RIA" covers no one's words
        acts.append(act)
    acts.sort(key=lambda a: a.verb.i)
    merged: list[Act] = []
    for act in acts:
        # Conjoined acts of one speaker with the same type are one statement.
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and act.speaker_name
            and prev.speaker_name == act.speaker_name
            and prev.kind == act.kind
        ):
            prev.content_tokens = prev.content_tokens + [
                t for t in act.content_tokens if t not in prev.content_tokens
            ]
            prev.token_ids |= act.token_ids
            continue
        merged.append(act)
    for act in merged:
        if act.speaker_name:
            tracker.remember(act.speaker_name, act.role, act.affiliation, act.person)
    return merged


def _nominal(noun: Token, kind: str, tracker: Speakers, shouting: bool) -> Act | None:
    """An act named by a noun with its speaker as possessor: "Prime Minister Abadi's recent call that ..."."""
    poss = next(c for c in noun.children if c.dep_ == "poss")
    who = _resolve(poss, tracker, shouting)
    if who is None or not who.get("name"):
        return None
    speaker_tokens = [t for t in (who.get("tokens") or [poss]) if t.dep_ != "case"]
    speaker_ids = {t.i for t in poss.subtree}
    content = [t for t in noun.subtree if t.i != noun.i and t.i not in speaker_ids and t.dep_ != "amod"]
    cue = content_type(_own_text(content, noun))
    if cue is not None and (kind in _WEAK_TYPES or cue in _OVERRIDABLE.get(kind, set())):
        kind = cue  # the noun names the act; only its words can sharpen a weak one
    return Act(
        noun,
        kind,
        noun.text,
        who.get("name"),
        role=who.get("role"),
        affiliation=who.get("affiliation"),
        relay=who.get("relay"),
        speaker_tokens=speaker_tokens,
        content_tokens=content,
        token_ids=speaker_ids | {noun.i},
        person=bool(who.get("person")),
    )


def _according(doc: Any, tok: Token, tracker: Speakers, shouting: bool) -> Act | None:
    obj = [c for c in doc[tok.i + 1].children if c.dep_ == "pobj"]
    if not obj:
        return None
    head = obj[0]
    ids = {t.i for t in head.subtree} | {tok.i, tok.i + 1}
    who = _resolve(head, tracker, shouting)
    content = [t for t in doc if t.i not in ids and not t.is_punct]
    if who is None:
        return Act(tok, "claim", "according to", None, token_ids=ids, content_tokens=content)
    kind, _ = _act_type(tok, "claim", " ".join(t.text for t in content), None)
    return Act(
        tok,
        kind,
        "according to",
        who.get("name"),
        role=who.get("role"),
        affiliation=who.get("affiliation"),
        relay=who.get("relay"),
        speaker_tokens=list(who.get("tokens") or []),
        content_tokens=content,
        token_ids=ids,
        person=bool(who.get("person")),
    )


def _verbal(
    doc: Any, verb: Token, kind: str, tracker: Speakers, shouting: bool, noun: Token | None = None
) -> Act | None:
    head, passive = _find_subject(verb)
    relay = None
    # "Interfax reported the President as adding ...", "RIA quoted Davutoglu as saying ...".
    as_clause = next(
        (
            c
            for c in verb.children
            if c.dep_ == "prep"
            and c.lower_ == "as"
            and any(_lemma(g) in lx.STATEMENT_VERBS for g in c.children)
        ),
        None,
    )
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if as_clause is not None and obj is not None:
        relay_head = head
        head, passive = obj, False
        relay = " ".join(t.text for t in relay_head.subtree) if relay_head is not None else None
        inner = next(g for g in as_clause.children if _lemma(g) in lx.STATEMENT_VERBS)
        kind = lx.STATEMENT_VERBS[_lemma(inner)]
        verb_for_content = inner
    else:
        verb_for_content = verb
    if head is None and noun is not None and verb.dep_ in {"relcl", "acl"}:
        passive = True  # "an allegation made by the Salvadoran army": the agent made it
    if passive:
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        pobj = next((g for g in agent.children if g.dep_ == "pobj"), None) if agent is not None else None
        if pobj is None:
            return None  # "air raids were reported": no speaker
        head = pobj
    if head is None:
        return None
    if head.lower_ in {"that", "which", "who", "what"}:
        # "... Australia, which began ..., said": the relative pronoun stands for its antecedent.
        if head.head.dep_ == "relcl":
            head = head.head.head
        else:
            return None
    who = _resolve(head, tracker, shouting)
    if who is None:
        return None
    speaker_tokens = list(who.get("tokens") or [head])
    ids = {t.i for t in speaker_tokens} | {verb.i}
    if noun is not None:
        ids.add(noun.i)
    content_tokens = _content_tokens(verb_for_content, ids)
    if noun is not None:
        relative = verb.dep_ in {"relcl", "acl"} and verb.head.i == noun.i
        clause = {t.i for t in verb.subtree} if relative else set()
        kept = {c.i for c in verb.children if c.dep_ == "prep"} if clause else set()
        inside = {t.i for k in kept for t in doc[k].subtree}
        content_tokens = [
            t for t in noun.subtree if t.i != noun.i and (t.i not in clause or t.i in inside)
        ] + [t for t in content_tokens if t.i not in {x.i for x in noun.subtree}]
        if all(t.dep_ in {"det", "punct"} for t in content_tokens):
            # "denied any links with the killing, an allegation made by the army": what it stands beside.
            content_tokens = [
                t
                for c in noun.head.children
                if c.i != noun.i and c.dep_ not in {*_SUBJECT_DEPS, "aux", "auxpass", "punct", "cc"}
                for t in c.subtree
            ]
    own = _own_text(content_tokens, verb_for_content)
    if not content_tokens and kind == "claim" and _lemma(verb) in {"add", "note", "state", "comment"}:
        return None
    kind, trigger = _act_type(verb_for_content, kind, own, obj if noun is None else None)
    if noun is not None:
        trigger = f"{verb.text} {noun.text}"
    else:
        part = next(
            (
                c
                for c in verb.children
                if c.i > verb.i
                and (c.dep_ == "prt" or (c.dep_ == "prep" and c.lower_ in {"on", "upon", "for", "out"}))
            ),
            None,
        )
        if part is not None:
            trigger = f"{verb.text} {part.text}"
    if as_clause is not None and relay is not None:
        relay = relay.strip()
    colon = any(t.text == ":" for t in doc[verb.i : verb.i + 3])
    return Act(
        verb,
        kind,
        trigger,
        who.get("name"),
        role=who.get("role"),
        affiliation=who.get("affiliation"),
        relay=relay or who.get("relay"),
        speaker_tokens=speaker_tokens,
        content_tokens=content_tokens,
        token_ids=ids,
        person=bool(who.get("person")),
        opens_quote=colon,
    )


# -- quotes that run over sentences ----------------------------------------------------------------------
def opens_quote(text: str, act_end: int) -> bool:
    """After the act, the sentence leaves a quotation open or ends on a colon."""
    rest = text[act_end:]
    opened = rest.count("“") + rest.count('"') % 2
    return text.rstrip().endswith(":") or rest.count("“") > rest.count("”") or opened % 2 == 1


_OPENER = re.compile(
    r"\b(?:said|says|say|added|adds|stated|states|declared|wrote|told \w+|continued|explained|warned|"
    r"following|statement|statements)\s*(?:\w+\s*){0,4}:\s*$",
    re.I,
)


def is_opener(text: str) -> bool:
    """'X said:' with the words in the next sentences."""
    return bool(_OPENER.search(text.strip()))


def continuation_type(text: str) -> str | None:
    """The stance a sentence inside a running quote carries on its own, if any."""
    kind = content_type(text)
    return kind if kind not in {None, "confirmation"} else None


# -- background --------------------------------------------------------------------------------------
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_BACKGROUND = re.compile(
    r"\b(?:since (?:last (?:week|month|year)|the (?:start|beginning|end|outbreak)|(?:its|their|his|her|the) "
    r"\w+ (?:began|started)|(?:early |late |mid-?)?" + _MONTHS + r"|(?:19|20)\d\d|then)|"
    r"earlier this (?:year|month)|last (?:year|month)|(?:\w+ )?(?:years|months) ago|a year ago|"
    r"in the past (?:year|years|months|decade)|previously|over the past (?:\w+ )?(?:years|months|weeks)|"
    r"in recent (?:years|months)|so far|to date|(?:began|started|launched) (?:\w+ ){0,6}?(?:a week ago|"
    r"last week|last month|in " + _MONTHS + r"))\b",
    re.I,
)
_YEAR = re.compile(r"\b(?:in|since|during|of) ((?:19|20)\d\d)\b")
_NOW = re.compile(
    r"\b(?:today|tonight|this (?:morning|afternoon|evening)|yesterday|on (?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday) (?:morning|night|"
    r"afternoon|evening)|hours ago|earlier today|overnight)\b",
    re.I,
)
_RUNNING = re.compile(
    r"\b(?:since (?:last (?:week|month|year)|the (?:start|beginning|outbreak)|(?:its|their|his|her|the) \w+ "
    r"(?:began|started)|(?:early |late |mid-?)?" + _MONTHS + r"|(?:19|20)\d\d)|so far|to date|"
    r"over the past (?:\w+ )?(?:years|months|weeks))\b",
    re.I,
)


def _past_perfect(doc: Any) -> bool:
    return any(
        t.lower_ == "had" and t.dep_ == "aux" and t.head.tag_ == "VBN" and t.head.lemma_.lower() != "say"
        for t in doc
    )


def background(doc: Any, published: date | None) -> bool:
    """The sentence is about an earlier period, not news of the day."""
    text = doc_text(doc)
    if _BACKGROUND.search(text):
        return True
    if published is not None and any(int(y) < published.year for y in _YEAR.findall(text)):
        return True
    return _past_perfect(doc) and not _NOW.search(text)


def running_total(doc: Any) -> bool:
    """A tally over a period ("112 air strikes since its operation began", "had struck only two targets
    since ..."): background that reports no single strike."""
    return bool(_RUNNING.search(doc_text(doc))) and not _NOW.search(doc_text(doc))


# -- statements -----------------------------------------------------------------------------------------
def statement_id(speaker: str, content: str, occurred_on: date | None) -> str:
    key = f"{speaker.lower()}|{_norm_content(content)[:160]}|{occurred_on}"
    return stable_id("stm", key)


def _norm_content(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'")))


def _words(text: str) -> set[str]:
    return {w for w in _norm_content(text).split() if len(w) > 2}


def same_statement(a: StatementEvent, b: StatementEvent) -> bool:
    """One quote carried by two outlets: the same speaker, type and day, and mostly the same words."""
    if a.event_id == b.event_id:
        return True
    if a.speaker.name.lower() != b.speaker.name.lower() or a.statement_type != b.statement_type:
        return False
    if a.occurred_on and b.occurred_on and abs((a.occurred_on - b.occurred_on).days) > 1:
        return False
    wa, wb = _words(a.content), _words(b.content)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def merge_statement(old: StatementEvent, new: StatementEvent) -> StatementEvent:
    sources, added, evidence = union_reports(old, new)
    related = list(dict.fromkeys([*old.related_event_ids, *new.related_event_ids]))
    independent = {s.source for s in sources.values() if not s.syndicated}
    return old.model_copy(
        update={
            "version": old.version + (1 if added else 0),
            "speaker": old.speaker.model_copy(
                update={
                    "role": old.speaker.role or new.speaker.role,
                    "affiliation": old.speaker.affiliation or new.speaker.affiliation,
                    "actor": old.speaker.actor or new.speaker.actor,
                }
            ),
            "related_event_ids": related,
            "evidence": list(evidence.values()),
            "sources": list(sources.values()),
            "background": old.background and new.background,
            "confidence": round(
                min(0.95, max(old.confidence, new.confidence) + 0.05 * (len(independent) - 1)), 2
            ),
            "ingested_at": min(filter(None, [old.ingested_at, new.ingested_at]), default=None),
        }
    )


def statement_block_key(statement: StatementEvent) -> str:
    """Statements that can be one quote share a speaker and a type (see :func:`same_statement`): the
    merge agent partitions by this key, so every copy of a quote meets the same state."""
    return f"{statement.speaker.name.lower()}|{statement.statement_type.value}"


@dataclass
class StatementBlock:
    """The statements of one block, as :class:`services.extract.merge.Block` holds strikes."""

    events: list[StatementEvent] = field(default_factory=list)

    def add(self, candidate: StatementEvent) -> tuple[StatementEvent, bool]:
        """Returns (statement, grew): grew is True for a new statement or one that gained a source
        article. A re-delivered copy finds its own statement and adds nothing."""
        for i, existing in enumerate(self.events):
            if same_statement(existing, candidate):
                merged = merge_statement(existing, candidate)
                self.events[i] = merged
                return merged, len(merged.sources) != len(existing.sources)
        self.events.append(candidate)
        return candidate, True


def merge_statements(statements: Iterable[StatementEvent]) -> list[StatementEvent]:
    block = StatementBlock()
    for stmt in statements:
        block.add(stmt)
    return block.events


def remap_related(statement: StatementEvent, aliases: dict[str, str]) -> StatementEvent:
    """Candidate strike ids -> the ids of the events they were merged into."""
    ids = list(dict.fromkeys(aliases.get(i, i) for i in statement.related_event_ids))
    if ids == statement.related_event_ids:
        return statement
    return statement.model_copy(update={"related_event_ids": ids})


# Who speaks for a state's forces rather than its government: soldiers, commands, defence ministries.
_MILITARY_SPEAKER = re.compile(
    r"\b(?:general|colonel|major|commander|officer|army|military|armed forces|air force|navy|"
    r"defen[cs]e (?:ministry|minister|department|secretary)|ministry of defen[cs]e|pentagon)\b",
    re.IGNORECASE,
)
# A state's office: whoever holds one speaks for its government, even when the article names no state.
_GOVERNMENT_SPEAKER = re.compile(
    r"\b(?:president|prime minister|minister|ministry|government|foreign secretary|home secretary|"
    r"secretary of state|chancellor|ambassador|embassy|governor|foreign office|state department)\b",
    re.IGNORECASE,
)


def speaker_side(speaker: Speaker) -> ActorRef | None:
    """The side a speaker speaks for: the actor its affiliation (or its own name) is in the lexicon,
    a state's government when that is a state and the speaker no soldier, its forces otherwise; an office
    of some unnamed state ('the foreign secretary') is a government of no known country. None when
    nothing tells (a named person without office or affiliation)."""
    words = " ".join(filter(None, [speaker.name, speaker.role]))
    entry = next(
        (e for text in (speaker.affiliation, speaker.name) if (e := lx.ACTORS.get(_actor_key(text)))),
        None,
    )
    if entry is None:
        if _GOVERNMENT_SPEAKER.search(words) and not _MILITARY_SPEAKER.search(words):
            return ActorRef(name="government", kind="government")
        return None
    kind, unit = entry.kind, None
    if kind == "state_military":
        if entry.name in lx.STATE_FORCES:
            unit = entry.name  # "police", "army": the state's force, the state unknown here
        elif entry.country and not _MILITARY_SPEAKER.search(words):
            kind = "government"  # "Turkey said", "the Salvadoran Government", a minister of the state
    return ActorRef(name=entry.name, kind=kind, country=entry.country, unit=unit)


def _actor_key(text: str | None) -> str:
    return (text or "").strip().lower().removeprefix("the ")


def about_actors(refs: list[ActorRef], speaker_affiliation: str | None) -> list[ActorRef]:
    return [a for a in refs if a.name != speaker_affiliation]


def statement_type(kind: str) -> StatementType:
    try:
        return StatementType(kind)
    except ValueError:
        return StatementType.OTHER
