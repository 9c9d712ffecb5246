"""Bounded work per article (#18): no sentence handed to the parser is longer than MAX_SENTENCE_CHARS,
splitting stays linear, and an over-long body is cut to a prefix that ends at a sentence end."""

from __future__ import annotations

import time

import pytest

from services.extract.text import MAX_SENTENCE_CHARS, cut_body, split_sentences

ATTACK = "Russian jets bombed the depot near Aleppo and drones struck a base in Idlib, "


@pytest.mark.parametrize(
    "body",
    [
        (ATTACK * 1600)[:120_000],  # the reproduction: one 120 KB "sentence"
        "x" * 5_000,  # one word longer than the cap
        " a" * 3_000 + ". Bc d.\n\n  " + "word, " * 400,
        "Mr. Smith said jets struck. U.S. officials agreed.\nNew line here.",
    ],
)
def test_sentences_are_capped_and_keep_offsets_and_text(body: str) -> None:
    sentences = split_sentences(body)
    for s in sentences:
        assert body[s.start : s.end] == s.text == s.text.strip()
        assert 0 < len(s.text) <= MAX_SENTENCE_CHARS
    assert [s.start for s in sentences] == sorted(s.start for s in sentences)
    assert "".join("".join(s.text.split()) for s in sentences) == "".join(body.split())  # nothing lost


def test_long_sentences_split_at_clause_marks() -> None:
    pieces = split_sentences((ATTACK * 100).strip())
    assert len(pieces) > 1 and all(p.text.endswith(",") for p in pieces[:-1])


def test_splitting_a_megabyte_is_linear_and_fast() -> None:
    started = time.perf_counter()
    sentences = split_sentences(ATTACK * 13_000)
    assert time.perf_counter() - started < 2.0
    assert len(sentences) >= 1_000_000 // MAX_SENTENCE_CHARS


def test_cut_body_is_a_prefix_ending_at_a_sentence_end() -> None:
    body = "One two. Three four five. Six seven."
    assert cut_body(body, 100) == body
    assert cut_body(body, 30) == "One two. Three four five."
    long = "Jets struck Aleppo. " * 5_000
    cut = cut_body(long, 50_000)
    assert long.startswith(cut) and len(cut) <= 50_000 and cut.endswith("Aleppo.")
    cut = cut_body((ATTACK * 2_000), 50_000)  # no full stop at all: cut between capped pieces
    assert len(cut) <= 50_000 and cut.endswith(",")


def test_a_batch_is_split_into_one_part_per_worker_in_order() -> None:
    from services.extract.pool import split_evenly

    items = ["a" * 10, "b" * 10, "c" * 10, "d" * 10, "e" * 10]
    parts = split_evenly(items, 2)
    assert len(parts) == 2 and [x for p in parts for x in p] == items  # order kept
    assert split_evenly(["x" * 100, "y", "z", "w"], 2) == [["x" * 100], ["y", "z", "w"]]  # by length
    assert split_evenly(["a", "b"], 4) == [["a"], ["b"]]  # never an empty part
    assert split_evenly([], 2) == []
