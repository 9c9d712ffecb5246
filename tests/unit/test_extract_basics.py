"""Extraction on plain sentences with the real spaCy model (no Kafka)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.extract.dates import resolve_date
from services.extract.extractor import events_of
from services.extract.gazetteer import default_gazetteer, normalise_name
from services.extract.merge import merge_strikes
from services.extract.nlp import default_extractor
from services.extract.text import is_candidate, split_sentences
from shared.schemas import Article, StrikeEvent


def _article(
    body: str, aid: str = "a1", source: str = "Test Wire", published: str = "2026-03-04T10:00:00Z"
) -> Article:
    return Article(
        article_id=aid,
        title="",
        body=body,
        source=source,
        published_at=datetime.fromisoformat(published),
        ingested_at=datetime.now(UTC),
    )


@pytest.fixture(scope="module")
def extractor():
    return default_extractor()


def _strikes(extractor, *articles: Article) -> list[StrikeEvent]:
    return [e for e in events_of(extractor.extract(list(articles))) if isinstance(e, StrikeEvent)]


def test_plain_strike_sentence(extractor) -> None:
    (ev,) = _strikes(extractor, _article("Israeli jets bombed a weapons depot in Gaza on Monday."))
    assert ev.strike_type == "air_strike"
    assert ev.actor is not None and ev.actor.name == "Israel"
    assert ev.occurred_on == date(2026, 3, 2) and ev.time_precision == "day"
    assert any(p.country_code == "PS" for p in ev.locations)
    assert ev.evidence[0].char_start == 0


def test_weapon_platform_and_quantities(extractor) -> None:
    (ev,) = _strikes(
        extractor, _article("Three Russian warships fired 18 cruise missiles at targets in Syria on Tuesday.")
    )
    assert ev.strike_type == "missile_strike"
    assert ev.weapon == "cruise missile"
    assert ev.launch_platform is not None and ev.launch_platform.kind == "warship"
    assert ev.launch_platform.count == 3
    assert ev.quantities.munitions == 18


def test_negated_strike_is_not_an_event(extractor) -> None:
    assert (
        _strikes(extractor, _article("The ministry said its aircraft did not strike any civilian areas."))
        == []
    )


def test_hedged_strike_is_not_an_event(extractor) -> None:
    assert (
        _strikes(
            extractor, _article("Officials said the coalition could soon launch airstrikes in the north.")
        )
        == []
    )


def test_no_event_in_unrelated_text(extractor) -> None:
    assert (
        events_of(extractor.extract([_article("Trade ministers met in Geneva to discuss grain exports.")]))
        == []
    )


def test_two_reports_merge_into_one_event_with_higher_version(extractor) -> None:
    a = _article("Israeli jets bombed a weapons depot in Gaza on Monday.", aid="a1", source="One")
    b = _article(
        "Israeli warplanes struck targets in Gaza on Monday, officials said.", aid="a2", source="Two"
    )
    strikes = _strikes(extractor, a, b)
    assert len(strikes) == 1
    assert {s.article_id for s in strikes[0].sources} == {"a1", "a2"}
    assert strikes[0].version == 2


def test_merge_is_idempotent_for_redelivery() -> None:
    ev = StrikeEvent(event_id="s", strike_type="air_strike", sources=[{"article_id": "a1"}])
    again = merge_strikes(ev, ev)
    assert again.version == 1 and len(again.sources) == 1


def test_sentences_keep_offsets_and_abbreviations() -> None:
    body = "Mr. Smith said jets struck. U.S. officials agreed.\nNew line here."
    sents = split_sentences(body)
    assert [s.text for s in sents] == [
        "Mr. Smith said jets struck.",
        "U.S. officials agreed.",
        "New line here.",
    ]
    assert all(body[s.start : s.end] == s.text for s in sents)


def test_candidate_filter() -> None:
    assert is_candidate("Jets bombed the bridge.")
    assert not is_candidate("The weather was mild.")


def test_relative_dates() -> None:
    wed = date(2015, 10, 7)
    assert resolve_date("on Wednesday morning", wed) == (wed, "day")
    assert resolve_date("on Monday", wed) == (date(2015, 10, 5), "day")
    assert resolve_date("a week ago", wed) == (date(2015, 9, 30), "week")
    assert resolve_date("nothing", None) == (None, None)
    assert resolve_date("since its operation began on September 30th", wed) == (date(2015, 9, 30), "day")
    assert resolve_date("on 3 October", wed) == (date(2015, 10, 3), "day")
    assert resolve_date("a plan formed in July", wed) == (date(2015, 7, 1), "month")
    assert resolve_date("advances this year", wed) == (date(2015, 1, 1), "year")
    assert resolve_date("on December 24", wed) == (date(2014, 12, 24), "day")  # the latest past one


def test_gazetteer_variants_and_no_point_for_countries() -> None:
    g = default_gazetteer()
    assert normalise_name("al-Raqqa") == normalise_name("Raqqa")
    assert normalise_name("Kfar Zita") == "kafr zita"
    assert g.resolve("the Caspian Sea").kind == "water_body"
    syria = g.resolve("Syria")
    assert syria.kind == "country" and syria.lat is None and syria.geo_precision == 3
    assert g.resolve("Nowhereville").lat is None


def test_shelling_of_two_villages_on_one_day_stays_two_events(extractor) -> None:
    a = _article("Regime forces shelled Ftireh in Idlib on Monday.", aid="a1", source="One")
    b = _article("Regime forces shelled Kafr Amma on Monday.", aid="a2", source="Two")
    c = _article(
        "Syrian government forces shelled the village of Ftireh on Monday.", aid="a3", source="Three"
    )
    found = _strikes(extractor, a, b, c)
    assert len(found) == 2, [[p.name for p in e.locations] for e in found]
    ftireh = next(e for e in found if any("Ftireh" in p.matched_text for p in e.locations))
    assert {s.article_id for s in ftireh.sources} == {"a1", "a3"}


def test_bombings_have_their_delivery_kind(extractor) -> None:
    cases = {
        "A car bomb went off outside the police station in Kabul, killing five people.": "vehicle_borne",
        "A suicide bomber blew himself up at a checkpoint in Baghdad on Sunday.": "suicide",
        "An IED planted by an unknown group exploded near a market in Mogadishu.": "ied",
    }
    for text, kind in cases.items():
        (ev,) = _strikes(extractor, _article(text))
        assert ev.strike_type == "bombing" and ev.bombing_kind == kind, (
            text,
            ev.strike_type,
            ev.bombing_kind,
        )


def test_casualties_and_unnamed_attackers(extractor) -> None:
    (ev,) = _strikes(
        extractor,
        _article("Unidentified gunmen opened fire on a police patrol in Peshawar, killing three policemen."),
    )
    assert ev.actor is not None and ev.actor.name == "gunmen"
    assert ev.quantities.killed == 3
    assert ev.weapon == "gun"
    assert any(t.target_kind == "police" for t in ev.targets)


def test_all_caps_wire_copy_is_read(extractor) -> None:
    (ev,) = _strikes(
        extractor, _article("URBAN GUERRILLAS ATTACKED THE U.S. EMBASSY IN LIMA WITH DYNAMITE LAST NIGHT.")
    )
    assert ev.strike_type == "bombing" and ev.weapon == "dynamite"
    assert ev.actor is not None and ev.actor.name == "urban guerrillas"
    assert any(p.name == "Lima" and p.country_code == "PE" for p in ev.locations)
    assert ev.evidence[0].sentence.startswith("URBAN GUERRILLAS")  # evidence quotes the original text


def test_a_capital_beats_a_small_namesake_but_provinces_keep_their_rank() -> None:
    gazetteer = default_gazetteer()
    lima = gazetteer.resolve("Lima", context_countries=("US",))  # an article that names the U.S. embassy
    assert lima.country_code == "PE"
    idlib = gazetteer.resolve("Idlib province", context_countries=("SY",))
    assert idlib.kind == "admin_area" and idlib.country_code == "SY"
    tripoli = gazetteer.resolve("Tripoli", context_countries=("LB",))  # namesakes of similar standing
    assert tripoli.country_code == "LB"


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        ("Rebels shelled the town on 30 September 2014.", "2015-10-07", (date(2014, 9, 30), "day")),
        (
            "SAN SALVADOR, 3 JAN 90 (RADIO) -- guerrillas attacked a post.",
            "1990-01-05",
            (date(1990, 1, 3), "day"),
        ),
        ("Jets struck the depot on 2014-09-30.", "2015-10-07", (date(2014, 9, 30), "day")),
        ("Jets struck the depot two days ago.", "2015-10-07", (date(2015, 10, 5), "day")),
        ("Jets struck the depot last Monday.", "2015-10-07", (date(2015, 10, 5), "day")),
        ("In 2014, rebels had attacked the base.", "2015-10-07", (date(2014, 1, 1), "year")),
        ("On 30 September 12 soldiers were killed.", "2015-10-07", (date(2015, 9, 30), "day")),
    ],
)
def test_dates_with_years_and_relative_phrases(sentence: str, published: str, expected) -> None:
    assert resolve_date(sentence, date.fromisoformat(published)) == expected


# -- patterns of real reporting (issue #13) ------------------------------------------------------------
def test_generic_place_words_are_no_namesake_and_the_capital_is_the_countrys() -> None:
    gazetteer = default_gazetteer()
    assert gazetteer.resolve("the south").lat is None  # not Lebanon's Al Janub
    capital = gazetteer.resolve("the capital", context_countries=("SV",))
    assert capital.name == "San Salvador" and capital.matched_text == "the capital"
    assert gazetteer.resolve("the capital").lat is None  # no country, no capital
    # A town of that very name beats a bigger one that only lists it among alternates.
    assert gazetteer.resolve("Gao").country_code == "ML"
    assert gazetteer.resolve("Odessa").country_code == "UA"  # unless that one is far bigger


def test_bare_strikes_that_destroy_are_air_strikes_by_the_reports_force(extractor) -> None:
    body = (
        "In Syria, coalition military forces conducted 23 strikes against ISIL targets.\n"
        "Near Raqqa, five strikes engaged two ISIL tactical units and destroyed a front-end loader."
    )
    evs = _strikes(extractor, _article(body))
    raqqa = [e for e in evs if any("Raqqah" in p.name for p in e.locations)]
    assert raqqa and all(e.strike_type == "air_strike" for e in raqqa), evs
    # ISIL is only ever the one hit here: it is not the attacker.
    assert all(e.actor is None or e.actor.name != "Islamic State" for e in evs), evs


def test_those_killed_in_a_participle_clause_are_victims_not_attackers(extractor) -> None:
    body = (
        "In April the Tharthar Barrage was captured by the Islamic State after days of fighting "
        "that saw 120 Iraqi soldiers killed."
    )
    evs = _strikes(extractor, _article(body))
    assert evs and all(e.actor is None or e.actor.name != "Iraq" for e in evs), evs


def test_intent_is_no_strike_and_a_controlled_subject_is_the_attacker(extractor) -> None:
    assert not _strikes(
        extractor, _article("Al-Shabaab remains committed to carrying out attacks against Kenya.")
    )
    (ev,) = _strikes(extractor, _article("Russian forces continued to shell Kharkiv on Monday."))
    assert ev.actor is not None and ev.actor.name == "Russia"


def test_places_tagged_as_nationalities_and_fights_named_by_place(extractor) -> None:
    (ev,) = _strikes(extractor, _article("Regime jets carried out heavy air strikes on Aleppo on Monday."))
    assert any(p.name == "Aleppo" for p in ev.locations), ev.locations
    evs = _strikes(
        extractor,
        _article("Hundreds of civilians were killed at the hands of Assad and ISIL in Homs on Monday."),
    )
    assert all(p.name != "Assad" for e in evs for p in e.locations)
