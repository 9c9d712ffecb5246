"""The one dead-letter policy every consumer uses: the record keeps the original and the reason, and a
run of refusals longer than the limit halts the consumer instead of dead-lettering the whole stream."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shared.deadletter import DeadLetterLimitExceeded, DeadLetters, original_value
from shared.messages import decode
from shared.schemas import DeadLetter


def record(offset: int) -> SimpleNamespace:
    return SimpleNamespace(
        topic="articles.raw", partition=2, offset=offset, key=b"k", value=b"\x00bad", headers=[]
    )


def test_a_dead_letter_keeps_the_original_and_where_it_came_from() -> None:
    out = DeadLetters("extract", "deadletter").of_record(record(7), "invalid_json", "not JSON")
    assert out.topic == "deadletter"
    letter = decode(DeadLetter, out.value)
    assert (letter.service, letter.reason, letter.source_topic, letter.source_partition, letter.source_offset) == (
        "extract", "invalid_json", "articles.raw", 2, 7,
    )  # fmt: skip
    assert original_value(letter) == b"\x00bad"


def test_the_limit_halts_a_run_of_refusals_and_a_good_message_resets_it() -> None:
    dead = DeadLetters("detect", "deadletter", max_consecutive=3)
    for i in range(3):
        dead.of_record(record(i), "schema", "x")
    dead.passed()
    for i in range(3):
        dead.of_record(record(10 + i), "schema", "x")
    with pytest.raises(DeadLetterLimitExceeded, match="3 dead letters in a row"):
        dead.of_record(record(20), "schema", "x")


def test_no_limit_when_zero() -> None:
    dead = DeadLetters("ingest", "deadletter")
    for _ in range(1000):
        dead.letter("unreadable", "x", value=b"v")
