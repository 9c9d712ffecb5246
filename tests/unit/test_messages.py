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
