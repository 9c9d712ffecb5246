"""Statements: speakers, types by meaning, background, links to strikes, merging across sources.

The seed reports are read from ../shared/seeds (the ``seeds`` fixture), never copied into the repo.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.alert.detectors import signals_for
from services.alert.rules import AlertRules
from services.extract import statements as stm
from services.extract.extractor import events_of
from services.extract.nlp import default_extractor
from shared.schemas import Article, StatementEvent, StrikeEvent


def _article(body: str, aid: str = "a1", source: str = "Test Wire") -> Article:
    when = datetime(2026, 3, 4, 10, tzinfo=UTC)
    return Article(article_id=aid, title="", body=body, source=source, published_at=when, ingested_at=when)


@pytest.fixture(scope="module")
def extractor():
    return default_extractor()


def _statements(extractor, *bodies: str) -> list[StatementEvent]:
    articles = [_article(b, aid=f"a{i}", source=f"Wire {i}") for i, b in enumerate(bodies)]
    return [e for e in events_of(extractor.extract(articles)) if isinstance(e, StatementEvent)]


def _one(extractor, body: str) -> StatementEvent:
    found = _statements(extractor, body)
    assert len(found) == 1, [(s.speaker.name, s.statement_type.value, s.content) for s in found]
    return found[0]


# -- types by meaning ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("The Kenyan army denied that its soldiers had shelled the market in Mandera.", "denial"),
        ("The defence ministry said there were no civilian casualties in the raid on the village.", "denial"),
        ("The interior ministry accused the rebels of planting the bomb near the bus station.", "accusation"),
        ("The French foreign ministry condemned the strike on the hospital in Idlib.", "criticism"),
        ("Ankara protested to Moscow over the violation of its air space by Russian jets.", "criticism"),
        (
            "Defence Minister Ali Saleh said the bombing of the dam was a grave mistake by the army.",
            "criticism",
        ),
        ("The rebel commander warned that his fighters would respond to any attack on the town.", "threat"),
        ("Britain called on both sides to respect the ceasefire in Hodeidah.", "appeal"),
        ("Turkey's president urged Russia to stop its air strikes on Turkmen villages.", "appeal"),
        ("The Yemeni government proposed talks with the rebels to end the war in the north.", "proposal"),
        ("The British government pledged 50 million pounds of aid for refugees from the war.", "proposal"),
        ("The rebel group rejected the ceasefire offer made by the army on Monday.", "refusal"),
        ("The police chief confirmed that two soldiers were killed in the ambush near Gao.", "confirmation"),
    ],
)
def test_types_by_meaning(extractor, body: str, kind: str) -> None:
    found = _statements(extractor, body)
    assert any(s.statement_type.value == kind for s in found), [
        (s.speaker.name, s.statement_type.value) for s in found
    ]


def test_types_carry_cameo_and_plover_codes(extractor) -> None:
    s = _one(extractor, "The interior ministry accused the rebels of planting the bomb near the bus station.")
    assert s.cameo_code == "112" and s.plover_type == "ACCUSE"
    assert stm.cameo_code("criticism") == "111" and stm.PLOVER_TYPES["threat"] == "THREATEN"
    assert stm.cameo_code("appeal", "demand") == "100"
    assert all(kind in stm.CAMEO_CODES for kind in ("claim", "denial", "refusal", "proposal", "warning"))


# -- speakers ------------------------------------------------------------------------------------------
def test_person_with_role_and_affiliation(extractor) -> None:
    s = _one(
        extractor,
        "Turkish Prime Minister Ahmet Davutoglu condemned the air strikes on Turkmen villages in Syria.",
    )
    assert s.speaker.name == "Ahmet Davutoglu"
    assert s.speaker.role == "prime minister" and s.speaker.affiliation == "Turkey"


def test_news_agency_is_a_source_not_a_speaker(extractor) -> None:
    found = _statements(
        extractor,
        "The RIA Novosti news agency quoted Ahmet Davutoglu as saying the Russian strikes were a grave "
        "mistake that helped Islamic State.",
    )
    assert [s.speaker.name for s in found] == ["Ahmet Davutoglu"]
    assert found[0].statement_type.value in {"criticism", "accusation"}


def test_anonymous_sources_and_non_speakers_make_no_statement(extractor) -> None:
    assert (
        _statements(extractor, "Sources have told Reuters that Iranian troops condemned the war in Syria.")
        == []
    )
    assert _statements(extractor, "Reuters reported that the army denied the attack in Homs.") == []


def test_pronouns_and_short_forms_resolve_in_the_article(extractor) -> None:
    found = _statements(
        extractor,
        "Russian President Vladimir Putin condemned the attack on the embassy in Damascus. "
        "He also called on Turkey to respect Syria's borders. "
        "Putin warned that Russia would respond to any attack on its forces.",
    )
    assert {s.speaker.name for s in found} == {"Vladimir Putin"}
    assert {s.statement_type.value for s in found} >= {"criticism", "appeal"}


def test_quote_after_a_colon_keeps_its_speaker(extractor) -> None:
    found = _statements(
        extractor,
        "The Foreign Secretary Philip Hammond said:\n"
        "I am appalled by this latest brutal attack by Assad's regime on civilians in Aleppo.",
    )
    assert [(s.speaker.name, s.statement_type.value) for s in found] == [("Philip Hammond", "criticism")]


# -- statements and strikes -----------------------------------------------------------------------------
def test_bare_attributed_strike_report_is_the_strikes_claim(extractor) -> None:
    events = events_of(
        extractor.extract(
            [_article("Ukrainian drones struck a fuel depot in Belgorod overnight, the governor said.")]
        )
    )
    strikes = [e for e in events if isinstance(e, StrikeEvent)]
    assert strikes and strikes[0].claim.by == "governor"
    assert not [e for e in events if isinstance(e, StatementEvent)]


def test_statement_with_stance_links_the_published_strike_ids(extractor) -> None:
    first = _article("Israeli jets bombed a weapons depot in Gaza on Monday.", "a1", "One")
    second = _article(
        "Israeli warplanes struck targets in Gaza on Monday in a cowardly attack, Hamas said.",
        "a2",
        "Two",
    )
    results = extractor.extract([first, second])
    events = events_of(results)
    strike_ids = {e.event_id for e in events if isinstance(e, StrikeEvent)}
    linked = [e for e in events if isinstance(e, StatementEvent) and e.related_event_ids]
    assert linked and set(linked[0].related_event_ids) <= strike_ids, (strike_ids, linked)
    candidate_ids = {s.event_id for s in results[1].strikes}
    assert candidate_ids - strike_ids  # the second report's own id was merged away and remapped


def test_one_quote_from_two_outlets_is_one_statement(extractor) -> None:
    body = "Britain called on both sides to respect the ceasefire in Hodeidah."
    found = _statements(extractor, body, "Hodeidah: " + body)
    assert len(found) == 1 and len(found[0].sources) == 2 and found[0].version == 2


# -- background ------------------------------------------------------------------------------------------
def test_background_sentences(extractor) -> None:
    nlp = extractor.nlp
    published = datetime(2015, 10, 7).date()
    assert stm.background(
        nlp("Its jets had struck only two targets since the Russian involvement began."), published
    )
    assert stm.background(nlp("Rebels shelled the town in 2014."), published)
    assert stm.background(nlp("Earlier this year the army bombed the bridge."), published)
    assert not stm.background(nlp("Russian jets bombed the town of Kafr Zita on Wednesday."), published)
    assert stm.running_total(nlp("Russia has carried out 112 air strikes since its operation began."))


def test_background_strike_keeps_its_date_and_raises_no_alert(extractor) -> None:
    events = events_of(
        extractor.extract([_article("In 2014, rebels had attacked the army post in Gao with mortars.")])
    )
    strikes = [e for e in events if isinstance(e, StrikeEvent)]
    assert strikes and all(s.background for s in strikes)
    assert all(signals_for(s, AlertRules()) == [] for s in strikes)


# -- the seed reports (the session fixture ``seed_events`` of tests/conftest.py) -----------------------------
def _seed_statements(events) -> list[StatementEvent]:
    return [e for e in events if isinstance(e, StatementEvent)]


def test_seed_speakers(seed_events) -> None:
    statements = _seed_statements(seed_events)
    speakers = {s.speaker.name for s in statements}
    assert {"Sergei Shoigu", "Vladimir Putin", "Ahmet Davutoglu", "Rami Abdulrahman"} <= speakers, speakers
    davutoglu = next(s for s in statements if s.speaker.name == "Ahmet Davutoglu")
    assert davutoglu.speaker.role == "prime minister"


def test_seed_types(seed_events) -> None:
    statements = _seed_statements(seed_events)
    davutoglu = [s for s in statements if s.speaker.name == "Ahmet Davutoglu"]
    assert any(
        s.statement_type.value in {"criticism", "accusation"} and "strikes" in s.content for s in davutoglu
    )
    assert any(s.statement_type.value == "appeal" and "air space" in s.content for s in davutoglu)
    putin = [s for s in statements if s.speaker.name == "Vladimir Putin"]
    assert any(s.statement_type.value == "proposal" and "cooperation" in s.content for s in putin)
    french = [s for s in statements if "Hollande" in s.speaker.name and s.speaker.role == "spokesman"]
    assert french and french[0].statement_type.value == "denial"


def test_seed_no_agency_source_or_non_speaker(seed_events) -> None:
    names = {s.speaker.name.lower() for s in _seed_statements(seed_events)}
    bad = {
        "reuters",
        "interfax",
        "ria novosti",
        "ria novosti news agency",
        "sources",
        "ground attacks",
        "a monitor",
    }
    assert not names & bad, names
    assert all(not n.startswith(("the ", "sources", "a ")) for n in names), names


def test_seed_no_australian_strike_or_alert(seed_events) -> None:
    australian = [
        e
        for e in seed_events
        if isinstance(e, StrikeEvent) and e.actor is not None and e.actor.name == "Australia"
    ]
    assert not [e for e in australian if not e.background]
    rules = AlertRules()
    assert not [sig for e in australian for sig in signals_for(e, rules)]


# -- forms of real government and wire statements ------------------------------------------------------
def test_words_after_a_colon_in_the_next_paragraph_are_the_speakers(extractor):
    body = (
        "Commenting on the siege of the town, Foreign Office Minister Jane Doyle said:\n\n"
        "The shelling of the old city is a tragedy for its people and a terrible act of vandalism."
    )
    found = _one(extractor, body)
    assert found.speaker.name == "Jane Doyle" and found.statement_type.value == "criticism"
    assert len(found.evidence) == 2  # the 'said:' sentence and the words


def test_a_title_used_alone_resolves_to_the_person_who_held_it(extractor):
    body = (
        "Foreign Secretary Mark Ellis met partners in Paris on Monday to discuss the war in Syria.\n\n"
        "Following the meeting the Foreign Secretary said the shelling of Aleppo must stop at once."
    )
    found = _statements(extractor, body)
    assert [s.speaker.name for s in found] == ["Mark Ellis"], found


def test_an_adjective_complement_is_a_verbal_act_of_its_subject(extractor):
    found = _one(
        extractor,
        "The United States remains committed to working with its partners in Iraq to defeat the militants.",
    )
    assert found.speaker.name == "United States" and found.statement_type.value == "proposal"


def test_cues_read_contracted_words_as_written(extractor):
    found = _one(extractor, '"These terrorist actions cannot be justified at all," Cristiani said on Monday.')
    assert found.statement_type.value == "criticism"


def test_denying_a_safe_haven_is_not_a_denial(extractor):
    found = _one(
        extractor,
        'The spokesman Peter Lowe said: "We will continue to deny al-Qaida any safe haven in Syria."',
    )
    assert found.statement_type.value != "denial"


def test_more_words_of_a_known_speaker_are_read_without_a_conflict_word(extractor):
    body = (
        "Candidate Alfredo Cristiani warned that he would not negotiate with the rebels if he wins.\n\n"
        'Cristiani said: "We are willing to talk but not to negotiate any platform."'
    )
    kinds = [s.statement_type.value for s in _statements(extractor, body)]
    assert kinds.count("refusal") == 2, kinds


def test_the_we_of_a_communique_is_its_issuer(extractor):
    body = (
        "SAN SALVADOR, 1 JUL 89 (RADIO VENCEREMOS) -- [COMMUNIQUE] [FARABUNDO MARTI NATIONAL LIBERATION "
        "FRONT] [TEXT] WE DENY THAT OUR UNITS TOOK PART IN THE DEATH OF THE MAYOR OF SAN MIGUEL."
    )
    speakers = {s.speaker.name for s in _statements(extractor, body)}
    assert speakers == {"Farabundo Marti National Liberation Front"}, speakers


def test_a_middle_initial_ends_no_sentence(extractor):
    body = (
        "Gen. Joseph L. Votel, the commander of U.S. Central Command, released the following statement "
        'today:\n\n"We will continue to put pressure on and ultimately eliminate the terrorists of ISIL."'
    )
    found = _one(extractor, body)
    assert found.speaker.name == "Joseph L. Votel" and found.statement_type.value in {"warning", "threat"}


def test_a_comment_on_strikes_reported_above_links_to_them_and_adds_none(extractor):
    body = (
        "Russian warships in the Caspian Sea fired 26 cruise missiles at targets in Syria on Wednesday, "
        "the Russian defence ministry said. Turkish Prime Minister Ahmet Davutoglu criticised the Russian "
        "strikes, calling them a grave mistake."
    )
    events = events_of(extractor.extract([_article(body)]))
    strikes = [e for e in events if isinstance(e, StrikeEvent)]
    (comment,) = [e for e in events if isinstance(e, StatementEvent)]
    assert len(strikes) == 1, strikes  # "the Russian strikes" is the launch above, not a second strike
    assert comment.related_event_ids == [strikes[0].event_id]


# -- nominal acts, untyped names, wire copy ------------------------------------------------------------
def test_an_act_noun_with_a_possessor_is_that_possessors_statement(extractor):
    found = _statements(
        extractor, "Moscow rejected Ankara's accusation that its jets had violated Turkish air space."
    )
    kinds = {(s.speaker.name, s.statement_type.value) for s in found}
    assert ("Russia", "denial") in kinds
    assert ("Turkey", "accusation") in kinds


def test_the_charges_a_party_leveled_are_its_accusation(extractor):
    found = _statements(
        extractor,
        "The Nicaraguan foreign ministry has denied the charges that the Honduran government has leveled "
        "against the Nicaraguan embassy over the assassination.",
    )
    accusation = next(s for s in found if s.statement_type.value == "accusation")
    assert accusation.speaker.name == "Honduran government"
    assert "leveled" not in accusation.content.split()[-3:], accusation.content


def test_an_untyped_name_quoting_someone_is_the_speaker(extractor):
    s = _one(extractor, '"Our jets will keep hitting the militants\' positions," Okonkwo said.')
    assert s.speaker.name == "Okonkwo"


def test_posing_a_threat_is_no_threat(extractor):
    s = _one(
        extractor,
        '"The militia continues to pose a threat to the region," the defence minister, Ana Silva, said.',
    )
    assert s.statement_type.value != "threat"


def test_an_acronym_spelled_out_in_wire_copy_stays_a_name(extractor):
    body = (
        "PARIS, 31 AUG 89 (AFP) -- [TEXT] THE 12 EUROPEAN ECONOMIC COMMUNITY (EEC) MEMBER STATES TODAY "
        "CONDEMNED THE BOMBING OF THE NEWSPAPER.\n\nIN A STATEMENT, THE EEC SPOKE OUT AGAINST THE "
        "ATTACKS ON JOURNALISTS."
    )
    found = _statements(extractor, body)
    assert any(s.speaker.name == "EEC" and s.statement_type.value == "criticism" for s in found), [
        (s.speaker.name, s.statement_type.value) for s in found
    ]


def test_words_after_a_colon_go_on_while_the_speaker_says_we(extractor):
    body = (
        "Commenting on the siege of Aleppo, Foreign Office Minister Jane Hart said:\n\n"
        "The situation in Aleppo remains dire.\n\n"
        "We agreed that the shelling must stop. It is essential that the regime lets aid convoys in."
    )
    found = _statements(extractor, body)
    assert any(s.statement_type.value == "appeal" and s.speaker.name == "Jane Hart" for s in found), [
        (s.speaker.name, s.statement_type.value, s.content) for s in found
    ]


# -- coding ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "side"),
    [
        # A state's minister speaks for its government; its defence ministry for its forces.
        ("Turkish Prime Minister Ahmet Davutoglu condemned the Russian strikes on Turkmen villages.",
         ("Turkey", "state_forces", "TURGOV")),
        ("The Russian Defence Ministry denied that its jets had struck the hospital in Idlib.",
         ("Russia", "state_forces", "RUSMIL")),
        ("Hamas accused Israel of bombing the refugee camp in Gaza.", ("Hamas", "rebel_group", "PSEREB")),
    ],
)  # fmt: skip
def test_statements_code_the_speakers_side(extractor, body: str, side: tuple[str, str, str]) -> None:
    statement = _statements(extractor, body)[0]
    actor = statement.speaker.actor
    assert actor is not None, statement.speaker
    assert (actor.name, actor.actor_type, actor.cameo_actor_code) == side
    assert actor.acled_inter in (1, 2, 8)


def test_statements_code_the_actors_they_are_about(extractor) -> None:
    statement = _one(
        extractor, "The French foreign ministry condemned the Russian strike on the hospital in Idlib."
    )
    russia = next(a for a in statement.about.actors if a.name == "Russia")
    # Russia's forces in Syria (the statement's place) are foreign forces: ACLED inter 8.
    assert (russia.actor_type, russia.acled_inter, russia.cameo_actor_code) == ("state_forces", 8, "RUSMIL")


def test_a_speaker_nothing_tells_about_has_no_side(extractor) -> None:
    statement = _one(extractor, "Rami Abdulrahman condemned the shelling of the market in Aleppo.")
    assert statement.speaker.actor is None
