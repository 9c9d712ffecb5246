"""Wire format: keys, JSON values, CloudEvents headers, decode errors as dead-letter reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.deadletter import make_dead_letter, original_value
from shared.messages import DecodeError, decode, encode, headers_dict
from shared.schemas import Article, StrikeEvent
from shared.topics import ARTICLES_RAW, EVENTS_STRIKE


def _article() -> Article:
    return Article(article_id="art_1", title="t", body="b", ingested_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_encode_sets_key_and_cloudevents_headers() -> None:
    enc = encode(ARTICLES_RAW, _article(), source="/warwire/ingest")
    assert enc.key == b"art_1"
    h = headers_dict(enc.headers)
    assert h["ce_specversion"] == "1.0"
    assert h["ce_type"] == "io.warwire.article.v1"
    assert h["ce_source"] == "/warwire/ingest"
    assert h["ce_id"] == "art_1"
    assert h["ce_time"].endswith("Z")
    assert decode(Article, enc.value) == _article()


def test_versioned_messages_get_versioned_ce_id() -> None:
    ev = StrikeEvent(event_id="stk_1", version=3, strike_type="air_strike")
    assert headers_dict(encode(EVENTS_STRIKE, ev, source="/x").headers)["ce_id"] == "stk_1:3"


def test_encode_refuses_the_wrong_model_for_a_topic() -> None:
    with pytest.raises(TypeError):
        encode(EVENTS_STRIKE, _article(), source="/x")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty"),
        (b"\xff\xfe", "invalid_utf8"),
        (b"{not json", "invalid_json"),
        (b'{"title": 1}', "schema"),
    ],
)
def test_decode_errors_carry_a_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode(Article, value)
    assert err.value.reason == reason


POISON = {
    "deep_nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep_object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "5000_digit_int": b'{"article_id": ' + b"7" * 5000 + b"}",
    "5000_digit_int_in_field": b'{"article_id": "a", "title": "t", "body": "b", "ingested_at": "2026-01-01T00:00:00Z",'
    b' "removed_lines": [' + b"9" * 5000 + b"]}",
    "lone_surrogate": b'{"article_id": "a\\ud800", "title": "t", "body": "b", "ingested_at": "2026-01-01T00:00:00Z"}',
    "invalid_utf8_in_string": b'{"article_id": "\xff\xfe", "title": "t"}',
    "nan": b"NaN",
    "bare_number": b"1" * 5000,
    "huge_exponent_date": b'{"article_id": "a", "title": "t", "body": "b", "ingested_at": "9'
    + b"9" * 4000
    + b'"}',
}


@pytest.mark.parametrize("value", list(POISON.values()), ids=list(POISON))
def test_every_decode_failure_is_a_decode_error(value: bytes) -> None:
    """Consumers dead-letter DecodeError; anything else escaping decode stopped them (RecursionError,
    ValueError from int parsing) or broke a later re-encoding (lone surrogates)."""
    for model in (Article, StrikeEvent):
        with pytest.raises(DecodeError) as err:
            decode(model, value)
        assert err.value.reason in {"invalid_json", "invalid_utf8", "schema"}
        assert err.value.detail


def test_decode_keeps_valid_astral_characters_and_nul() -> None:
    # A surrogate *pair* is a valid escape; NUL is valid JSON (the API's store strips it before writing).
    value = b'{"article_id": "a", "title": "\\ud83d\\ude00 \\u0000", "body": "b", "ingested_at": "2026-01-01T00:00:00Z"}'
    assert decode(Article, value).title == "\U0001f600 \x00"


def test_dead_letter_keeps_original_bytes() -> None:
    raw = b"\x00\x01binary\xff"
    dl = make_dead_letter(
        service="extract", reason="invalid_utf8", value=raw, key=b"k", topic="articles.raw", offset=7
    )
    assert original_value(dl) == raw
    assert dl.source_offset == 7


def test_a_dead_letter_of_the_largest_message_fits_the_dead_letter_topic() -> None:
    from shared.deadletter import ORIGINAL_MAX_BYTES
    from shared.topics import ALL_TOPICS, DEADLETTER

    largest_input = max(s.max_message_bytes or 1_048_588 for s in ALL_TOPICS if s is not DEADLETTER)
    assert largest_input <= ORIGINAL_MAX_BYTES  # a message any topic accepts is dead-lettered whole
    dl = make_dead_letter(service="extract", reason="too_large", value=b"x" * largest_input)
    assert not dl.original_truncated and dl.original_size == largest_input
    assert len(encode(DEADLETTER, dl, source="/x").value) <= (DEADLETTER.max_message_bytes or 0)


def test_a_dead_letter_keeps_the_head_of_an_original_too_large_for_any_topic() -> None:
    from shared.deadletter import ORIGINAL_MAX_BYTES

    value = b"y" * (ORIGINAL_MAX_BYTES + 10)
    dl = make_dead_letter(service="ingest", reason="too_large", value=value)
    assert dl.original_truncated and dl.original_size == len(value)
    assert original_value(dl) == value[:ORIGINAL_MAX_BYTES]
