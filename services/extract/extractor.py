"""The extraction library: Article -> StrikeEvent / StatementEvent. Pure Python, no Kafka.

Flow per batch of articles:
1. split each body into sentences and keep only candidates (cheap lexicon pass);
2. parse the candidates together with ``nlp.pipe`` (one model per process);
3. read strikes and statements off the dependency parse with the domain lexicons;
4. merge what describes the same strike into one event (stable id).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from services.extract import lexicon as lx
from services.extract.dates import resolve_date
from services.extract.gazetteer import Gazetteer
from services.extract.text import Sentence, is_candidate, split_sentences
from shared.schemas import (
    ActorRef,
    Article,
    Claim,
    ClaimStatus,
    Evidence,
    LaunchPlatform,
    Place,
    Quantities,
    SourceRef,
    Speaker,
    StatementEvent,
    StatementType,
    StrikeEvent,
    StrikeType,
)

ACLED_SUB_EVENT = {
    StrikeType.AIR_STRIKE: "Air/drone strike",
    StrikeType.DRONE_STRIKE: "Air/drone strike",
    StrikeType.MISSILE_STRIKE: "Shelling/artillery/missile attack",
    StrikeType.SHELLING: "Shelling/artillery/missile attack",
    StrikeType.GROUND_ASSAULT: "Armed clash",
    StrikeType.ARMED_CLASH: "Armed clash",
    StrikeType.BOMBING: "Remote explosive/landmine/IED",
    StrikeType.OTHER: None,
}
CAMEO = {
    StrikeType.AIR_STRIKE: "195",  # employ aerial weapons
    StrikeType.DRONE_STRIKE: "195",
    StrikeType.MISSILE_STRIKE: "194",  # fight with artillery and tanks (incl. missiles)
    StrikeType.SHELLING: "194",
    StrikeType.GROUND_ASSAULT: "193",  # fight with small arms and light weapons
    StrikeType.ARMED_CLASH: "190",
    StrikeType.BOMBING: "183",  # conduct suicide, car, or other non-military bombing
    StrikeType.OTHER: "190",
}

_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_PERSON_TITLES = re.compile(r"^(?:mr|mrs|ms|dr|maj|gen|col|president|minister|prime minister)\.?\s+", re.I)


@dataclass
class ExtractionResult:
    article_id: str
    strikes: list[StrikeEvent] = field(default_factory=list)
    statements: list[StatementEvent] = field(default_factory=list)


def stable_id(prefix: str, *parts: object) -> str:
    digest = hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}_{digest[:20]}"


class Extractor:
    """Holds the spaCy pipeline and gazetteer; reuse one per process."""

    def __init__(self, nlp: Any, gazetteer: Gazetteer, *, batch_size: int = 64) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.batch_size = batch_size

    # -- public -------------------------------------------------------------------------------
    def extract(self, articles: Sequence[Article]) -> list[ExtractionResult]:
        jobs: list[tuple[int, Sentence]] = []
        for i, article in enumerate(articles):
            for sent in split_sentences(article.body):
                if is_candidate(sent.text):
                    jobs.append((i, sent))
        docs = self.nlp.pipe((s.text for _, s in jobs), batch_size=self.batch_size)
        per_article: list[list[tuple[Sentence, Any]]] = [[] for _ in articles]
        for (i, sent), doc in zip(jobs, docs, strict=True):
            per_article[i].append((sent, doc))
        return [self._article(a, parsed) for a, parsed in zip(articles, per_article, strict=True)]

    # -- per article --------------------------------------------------------------------------
    def _article(self, article: Article, parsed: list[tuple[Sentence, Any]]) -> ExtractionResult:
        ctx = _ArticleContext.build(article, parsed)
        result = ExtractionResult(article.article_id)
        strikes: dict[str, StrikeEvent] = {}
        for sent, doc in parsed:
            attribution = self._attribution(doc, ctx)
            strike = self._strike(article, sent, doc, ctx, attribution)
            if strike is not None:
                strikes[strike.event_id] = (
                    merge_strikes(strikes[strike.event_id], strike, bump=False)
                    if strike.event_id in strikes
                    else strike
                )
            statement = self._statement(article, sent, doc, ctx, attribution)
            if statement is not None:
                if strike is not None:
                    statement.related_event_ids.append(strike.event_id)
                result.statements.append(statement)
        result.strikes = list(strikes.values())
        return result

    # -- strikes ------------------------------------------------------------------------------
    def _strike(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        attribution: tuple[Speaker, Any] | None,
    ) -> StrikeEvent | None:
        triggers = [t for t in doc if _is_trigger(t) and not _negated(t) and not _hedged(t)]
        if not triggers:
            return None
        trigger = triggers[0]
        weapon_hit = _longest_match(doc.text, lx.WEAPONS)
        weapon = lx.WEAPONS[weapon_hit[0]] if weapon_hit else None
        platform = _platform(doc)
        strike_type = _strike_type(trigger, weapon, platform)

        actor_tokens = _actor_span(trigger)
        actor = _resolve_actor(actor_tokens) or (ctx.dominant_state if platform else None)
        target_tokens = _target_span(trigger)
        targets = [a for a in _actors_in(target_tokens) if actor is None or a.name != actor.name]

        launch_location, locations = self._places(doc, actor_tokens, ctx)
        theater = next((p.country_code for p in locations if p.country_code), None)
        if theater is None:
            theater = next((t.country for t in targets if t.country), None)
        occurred_on, precision = resolve_date(sent.text, ctx.published)

        claim = Claim(status=ClaimStatus.REPORTED, by=article.source)
        if attribution is not None:
            speaker, _ = attribution
            monitor = any(w in (speaker.name + " " + (speaker.role or "")).lower() for w in lx.MONITOR_WORDS)
            claim = Claim(status=ClaimStatus.REPORTED if monitor else ClaimStatus.CLAIMED, by=speaker.name)

        munitions = _count_of(doc, weapon_hit[1]) if weapon_hit else None
        strikes_n = _number_child(trigger) if trigger.pos_ == "NOUN" else None
        event_id = stable_id(
            "stk",
            actor.name if actor else "unknown",
            _strike_class(strike_type),
            theater or "",
            occurred_on.isoformat() if occurred_on and precision == "day" else "",
        )
        evidence = Evidence(
            article_id=article.article_id, sentence=sent.text, char_start=sent.start, char_end=sent.end
        )
        confidence = (
            0.35
            + 0.2 * bool(actor)
            + 0.15 * bool(weapon or platform)
            + 0.15 * bool(locations)
            + 0.1 * bool(attribution)
        )
        return StrikeEvent(
            event_id=event_id,
            strike_type=strike_type,
            acled_sub_event_type=ACLED_SUB_EVENT[strike_type],
            cameo_code=CAMEO[strike_type],
            actor=actor,
            targets=targets,
            weapon=weapon.name if weapon else None,
            launch_platform=platform[0] if platform else None,
            launch_location=launch_location,
            locations=locations,
            quantities=Quantities(
                munitions=munitions, strikes=strikes_n, platforms=platform[0].count if platform else None
            ),
            occurred_on=occurred_on,
            time_precision=precision,
            claim=claim,
            evidence=[evidence],
            sources=[_source(article)],
            confidence=round(min(confidence, 0.95), 2),
            ingested_at=article.ingested_at,
            extracted_at=datetime.now(UTC),
        )

    def _places(
        self, doc: Any, actor_tokens: list[Any], ctx: _ArticleContext
    ) -> tuple[Place | None, list[Place]]:
        actor_idx = {t.i for t in actor_tokens}
        launch: Place | None = None
        hit: list[Place] = []
        for ent in doc.ents:
            if ent.label_ not in _PLACE_LABELS:
                continue
            place = self.gazetteer.resolve(ent.text, context_countries=ctx.countries)
            place = place.model_copy(update={"matched_text": ent.text})
            from_phrase = ent.root.head.lower_ == "from" or (ent.root.head.head.lower_ == "from")
            if from_phrase or (ent.root.i in actor_idx and place.kind == "water_body"):
                launch = launch or place
            elif (
                ent.root.i not in actor_idx
                and not _is_actor_word(ent.text)
                and all(p.name != place.name for p in hit)
            ):
                hit.append(place)
        return launch, hit

    # -- statements ---------------------------------------------------------------------------
    def _attribution(self, doc: Any, ctx: _ArticleContext) -> tuple[Speaker, Any] | None:
        """(speaker, speech verb token) when the sentence reports someone's words."""
        for tok in doc:
            if tok.lower_ == "according" and tok.nbor(1).lower_ == "to" if tok.i + 1 < len(doc) else False:
                obj = [c for c in tok.nbor(1).children if c.dep_ == "pobj"]
                if obj:
                    return self._speaker(list(obj[0].subtree), ctx), tok
        for tok in doc:
            if tok.pos_ in {"VERB", "AUX"} and tok.lemma_.lower() in lx.SPEECH_VERBS:
                subj = [c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}]
                if subj and subj[0].pos_ != "PRON":
                    return self._speaker(list(subj[0].subtree), ctx), tok
        return None

    def _speaker(self, tokens: list[Any], ctx: _ArticleContext) -> Speaker:
        text = " ".join(t.text for t in tokens)
        person = [t for t in tokens if t.ent_type_ == "PERSON"]
        name = " ".join(t.text for t in person) if person else _PERSON_TITLES.sub("", text)
        name = ctx.full_name(name)
        role_tokens = [t for t in tokens if t.ent_type_ != "PERSON" and t.pos_ == "NOUN"]
        role = " ".join(t.text for t in role_tokens) or None
        affiliation = _resolve_actor(tokens)
        return Speaker(name=name, role=role, affiliation=affiliation.name if affiliation else None)

    def _statement(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        attribution: tuple[Speaker, Any] | None,
    ) -> StatementEvent | None:
        if attribution is None:
            return None
        speaker, verb = attribution
        kind = lx.SPEECH_VERBS.get(verb.lemma_.lower(), "other") if verb.lower_ != "according" else "claim"
        if (
            kind == "appeal"
            and verb.lemma_.lower() == "call"
            and not any(c.lower_ == "on" for c in verb.children)
        ):
            kind = "other"
        clause = (
            [c for c in verb.children if c.dep_ in {"ccomp", "xcomp", "dobj"}]
            if verb.lower_ != "according"
            else []
        )
        content = _span_text(doc, clause[0]) if clause else sent.text
        occurred_on, precision = resolve_date(sent.text, ctx.published)
        places = []
        for ent in doc.ents:
            if ent.label_ in _PLACE_LABELS and not _is_actor_word(ent.text):
                places.append(self.gazetteer.resolve(ent.text, context_countries=ctx.countries))
        about = [a for a in _actors_in(list(doc)) if a.name != speaker.affiliation]
        return StatementEvent(
            event_id=stable_id("stm", speaker.name.lower(), content.lower()[:160], occurred_on),
            speaker=speaker,
            statement_type=StatementType(kind),
            content=content,
            about_actors=about,
            about_places=places,
            occurred_on=occurred_on,
            time_precision=precision,
            evidence=[
                Evidence(
                    article_id=article.article_id,
                    sentence=sent.text,
                    char_start=sent.start,
                    char_end=sent.end,
                )
            ],
            sources=[_source(article)],
            confidence=0.6 if speaker.name else 0.4,
            ingested_at=article.ingested_at,
            extracted_at=datetime.now(UTC),
        )


# -- merging ----------------------------------------------------------------------------------
def merge_strikes(old: StrikeEvent, new: StrikeEvent, *, bump: bool = True) -> StrikeEvent:
    """Fold ``new`` into ``old`` (same event_id). Sources and evidence are unioned; the version grows
    when a new article adds a source."""
    sources = {s.article_id: s for s in old.sources}
    added = [s for s in new.sources if s.article_id not in sources]
    for s in added:
        sources[s.article_id] = s
    evidence = {(e.article_id, e.char_start): e for e in old.evidence}
    for e in new.evidence:
        evidence.setdefault((e.article_id, e.char_start), e)
    locations = list(old.locations) + [
        p for p in new.locations if all(p.name != q.name for q in old.locations)
    ]
    targets = list(old.targets) + [t for t in new.targets if all(t.name != u.name for u in old.targets)]
    q_old, q_new = old.quantities, new.quantities
    independent = {s.source for s in sources.values() if not s.syndicated}
    return old.model_copy(
        update={
            "version": old.version + (1 if bump and added else 0),
            "actor": old.actor or new.actor,
            "weapon": old.weapon or new.weapon,
            "launch_platform": old.launch_platform or new.launch_platform,
            "launch_location": old.launch_location or new.launch_location,
            "locations": locations,
            "targets": targets,
            "quantities": Quantities(
                munitions=q_old.munitions or q_new.munitions,
                strikes=q_old.strikes or q_new.strikes,
                platforms=q_old.platforms or q_new.platforms,
                targets=q_old.targets or q_new.targets,
            ),
            "evidence": list(evidence.values()),
            "sources": list(sources.values()),
            "confidence": round(
                min(0.99, max(old.confidence, new.confidence) + 0.05 * (len(independent) - 1)), 2
            ),
            "ingested_at": min(filter(None, [old.ingested_at, new.ingested_at]), default=None),
            "extracted_at": new.extracted_at,
        }
    )


# -- helpers over the parse ---------------------------------------------------------------------
@dataclass
class _ArticleContext:
    published: date | None
    countries: tuple[str, ...]
    dominant_state: ActorRef | None
    people: dict[str, str]

    @classmethod
    def build(cls, article: Article, parsed: list[tuple[Sentence, Any]]) -> _ArticleContext:
        counts: Counter[str] = Counter()
        states: Counter[tuple[str, str]] = Counter()
        people: dict[str, str] = {}
        for _, doc in parsed:
            for ent in doc.ents:
                if ent.label_ == "PERSON" and len(ent) >= 2:
                    people.setdefault(ent[-1].text.lower(), ent.text)
            for actor in _actors_in(list(doc)):
                if actor.country:
                    counts[actor.country] += 1
                if actor.kind == "state_military" and actor.country:
                    states[(actor.name, actor.country)] += 1
        dominant = None
        if states:
            (name, iso), _ = states.most_common(1)[0]
            dominant = ActorRef(name=name, kind="state_military", country=iso)
        published = article.published_at.date() if article.published_at else None
        return cls(published, tuple(c for c, _ in counts.most_common()), dominant, people)

    def full_name(self, name: str) -> str:
        stripped = _PERSON_TITLES.sub("", name).strip()
        last = stripped.split()[-1].lower() if stripped else ""
        return self.people.get(last, stripped) if len(stripped.split()) == 1 else stripped


def _is_trigger(tok: Any) -> bool:
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB":
        return lemma in lx.STRIKE_VERBS
    if tok.pos_ in {"NOUN", "PROPN"}:
        return lemma in lx.STRIKE_NOUNS or _compound_phrase(tok) in lx.STRIKE_NOUNS
    return False


def _compound_phrase(tok: Any) -> str:
    mods = [c.lemma_.lower() for c in tok.children if c.dep_ in {"compound", "amod"} and c.i < tok.i]
    return " ".join([*mods[-1:], tok.lemma_.lower()])


def _negated(tok: Any) -> bool:
    for node in [tok, *list(tok.ancestors)[:2]]:
        if any(c.dep_ == "neg" or c.lower_ in {"no", "never"} for c in node.children):
            return True
    return False


def _hedged(tok: Any) -> bool:
    for node in [tok, *list(tok.ancestors)[:3]]:
        if any(c.dep_ == "aux" and c.lower_ in lx.HEDGE_MODALS for c in node.children):
            return True
        if node is not tok and node.lemma_.lower() in lx.HEDGE_GOVERNORS:
            return True
    return False


def _strike_type(
    trigger: Any, weapon: lx.Weapon | None, platform: tuple[LaunchPlatform, Any] | None
) -> StrikeType:
    phrase = _compound_phrase(trigger)
    by_trigger = lx.STRIKE_NOUNS.get(phrase) or (
        lx.STRIKE_NOUNS.get(trigger.lemma_.lower())
        if trigger.pos_ != "VERB"
        else lx.STRIKE_VERBS.get(trigger.lemma_.lower())
    )
    if by_trigger in {
        StrikeType.GROUND_ASSAULT,
        StrikeType.ARMED_CLASH,
        StrikeType.SHELLING,
        StrikeType.BOMBING,
    }:
        return by_trigger
    if phrase in {"air strike", "airstrike", "air raid"}:
        return StrikeType.AIR_STRIKE
    if weapon is not None:
        return weapon.strike_type
    if platform is not None:
        kind = platform[0].kind
        if kind in {"aircraft", "helicopter"}:
            return StrikeType.AIR_STRIKE
        if kind == "drone":
            return StrikeType.DRONE_STRIKE
        if kind in {"warship", "submarine", "ground_launcher"}:
            return StrikeType.MISSILE_STRIKE
        if kind == "artillery":
            return StrikeType.SHELLING
    return by_trigger or StrikeType.OTHER


def _strike_class(strike_type: StrikeType) -> str:
    return {StrikeType.DRONE_STRIKE: "air_strike"}.get(strike_type, strike_type.value)


def _governing_verb(tok: Any) -> Any:
    node = tok
    while (
        node.pos_ != "VERB"
        and node.head is not node
        and node.dep_ in {"dobj", "pobj", "prep", "conj", "nsubjpass", "appos"}
    ):
        node = node.head
    return node


def _actor_span(trigger: Any) -> list[Any]:
    """Tokens naming who attacks: subject of the verb, agent of a passive, or the noun's modifiers."""
    out: list[Any] = []
    if trigger.pos_ != "VERB":
        for c in trigger.children:
            if c.dep_ in {"amod", "compound", "poss", "nmod"} and c.i < trigger.i:
                out.extend(c.subtree)
            if c.dep_ == "prep" and c.lower_ == "by":
                out.extend(c.subtree)
        if out:
            return out
    verb = _governing_verb(trigger)
    for c in verb.children:
        if c.dep_ in {"nsubj", "csubj"}:
            out.extend(c.subtree)
        if c.dep_ == "agent":
            out.extend(c.subtree)
    return out


def _target_span(trigger: Any) -> list[Any]:
    out: list[Any] = []
    heads = [trigger, _governing_verb(trigger)]
    for head in heads:
        for c in head.children:
            if c.dep_ in {"dobj", "nsubjpass"} and c is not trigger:
                out.extend(c.subtree)
            if c.dep_ == "prep" and c.lower_ in {"on", "at", "against", "upon", "targeting"}:
                out.extend(c.subtree)
            if c.dep_ in {"acl", "xcomp", "advcl"} and c.lemma_.lower() in {"target", "hit", "strike"}:
                out.extend(
                    t
                    for t in c.subtree
                    if t.dep_ in {"dobj", "pobj", "compound", "amod"} or t.head.dep_ == "dobj"
                )
    return out


def _actors_in(tokens: list[Any]) -> list[ActorRef]:
    text = " " + " ".join(t.text for t in tokens).lower() + " "
    found: list[ActorRef] = []
    taken: list[tuple[int, int]] = []
    for alias in sorted(lx.ACTORS, key=len, reverse=True):
        for m in re.finditer(r"(?<=[\s\"'(])" + re.escape(alias) + r"(?=[\s,.;:'\")-]|'s)", text):
            if alias in {"is", "us"} and not _upper_alias(tokens, alias):
                continue
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            entry = lx.ACTORS[alias]
            ref = ActorRef(name=entry.name, kind=entry.kind, country=entry.country)
            if all(ref.name != f.name for f in found):
                found.append(ref)
    return found


def _upper_alias(tokens: list[Any], alias: str) -> bool:
    return any(t.text == alias.upper() for t in tokens)


def _resolve_actor(tokens: list[Any]) -> ActorRef | None:
    actors = _actors_in(tokens)
    if not actors:
        return None
    actor = actors[0]
    words = " ".join(t.lower_ for t in tokens)
    if (
        actor.kind == "state_military"
        and "government" in words
        and "forces" not in words
        and "troops" not in words
    ):
        actor = actor.model_copy(update={"kind": "government"})
    if "militia" in words and actor.kind == "unknown":
        actor = actor.model_copy(update={"kind": "militia"})
    return actor


def _is_actor_word(text: str) -> bool:
    return (
        text.lower().removeprefix("the ") in lx.ACTORS
        and lx.ACTORS[text.lower().removeprefix("the ")].kind != "state_military"
    )


def _longest_match(text: str, table: dict[str, Any]) -> tuple[str, int] | None:
    low = text.lower()
    best: tuple[str, int] | None = None
    for phrase in table:
        m = re.search(r"\b" + re.escape(phrase) + r"(?:s|es)?\b", low)
        if m and (best is None or len(phrase) > len(best[0])):
            best = (phrase, m.start())
    return best


def _platform(doc: Any) -> tuple[LaunchPlatform, Any] | None:
    for tok in doc:
        lemma = tok.lemma_.lower()
        phrase = _compound_phrase(tok)
        kind = lx.PLATFORMS.get(phrase) or lx.PLATFORMS.get(lemma)
        if kind and tok.pos_ in {"NOUN", "PROPN"}:
            if kind == "ground_forces" and not any(
                t.lemma_.lower() in {"ground", "assault", "offensive", "attack"} for t in doc
            ):
                continue
            return LaunchPlatform(kind=kind, count=_number_child(tok)), tok
    return None


def _number_child(tok: Any) -> int | None:
    for c in tok.children:
        if c.dep_ == "nummod" or c.like_num:
            value = _to_int(c.text)
            if value is not None:
                return value
    return None


def _count_of(doc: Any, char_offset: int) -> int | None:
    """The number modifying the noun at ``char_offset`` (e.g. '26' in '26 cruise missiles')."""
    tok = next((t for t in doc if t.idx <= char_offset < t.idx + len(t.text) + 1), None)
    while tok is not None and tok.dep_ in {"compound", "amod"} and tok.head is not tok:
        tok = tok.head
    return _number_child(tok) if tok is not None else None


def _to_int(text: str) -> int | None:
    t = text.lower().replace(",", "")
    if t.isdigit():
        return int(t)
    return lx.NUMBER_WORDS.get(t)


def _span_text(doc: Any, head: Any) -> str:
    toks = list(head.subtree)
    return doc[toks[0].i : toks[-1].i + 1].text


def _source(article: Article) -> SourceRef:
    return SourceRef(
        article_id=article.article_id,
        url=article.url,
        source=article.source,
        published_at=article.published_at,
        syndicated=article.duplicate_of is not None,
    )


def events_of(results: Iterable[ExtractionResult]) -> list[StrikeEvent | StatementEvent]:
    """Flatten results, merging strikes that share an event_id across articles (the CLI's merge)."""
    strikes: dict[str, StrikeEvent] = {}
    statements: dict[str, StatementEvent] = {}
    for r in results:
        for s in r.strikes:
            strikes[s.event_id] = merge_strikes(strikes[s.event_id], s) if s.event_id in strikes else s
        for st in r.statements:
            statements.setdefault(st.event_id, st)
    return [*strikes.values(), *statements.values()]
