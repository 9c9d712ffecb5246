"""Dead letters: records that keep the original message byte-exact, with the reason, and the policy
every consumer applies when it refuses a message (``DeadLetters``)."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from typing import Any

from shared.messages import Outgoing, encode
from shared.metrics import DEAD_LETTERS
from shared.schemas import DeadLetter
from shared.topics import ARTICLE_MAX_MESSAGE_BYTES, DEADLETTER

log = logging.getLogger(__name__)

# The largest original a dead letter keeps whole: base64 of it still fits the dead-letter topic.
ORIGINAL_MAX_BYTES = ARTICLE_MAX_MESSAGE_BYTES


def _raw(data: bytes | str | None) -> bytes | None:
    if data is None:
        return None
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _b64(data: bytes | str | None) -> str | None:
    raw = _raw(data)
    return None if raw is None else base64.b64encode(raw).decode("ascii")


def make_dead_letter(
    *,
    service: str,
    reason: str,
    detail: str = "",
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | str | None = None,
    value: bytes | str | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> DeadLetter:
    raw = _raw(value)
    return DeadLetter(
        service=service,
        reason=reason,
        detail=detail[:2000],
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        original_key=_b64(key),
        original_value=_b64(raw[:ORIGINAL_MAX_BYTES] if raw is not None else None),
        original_size=len(raw) if raw is not None else None,
        original_truncated=raw is not None and len(raw) > ORIGINAL_MAX_BYTES,
        original_headers={name: _b64(val) or "" for name, val in (headers or [])},
        failed_at=datetime.now(UTC),
    )


def original_value(record: DeadLetter) -> bytes | None:
    """The original message value, as the failing service received it."""
    return base64.b64decode(record.original_value) if record.original_value is not None else None


class DeadLetterLimitExceeded(RuntimeError):
    """Too many dead letters in a row: something is broken upstream (a bad deploy, a schema mismatch),
    not one bad input. The consumer stops instead of dead-lettering the whole stream."""


class DeadLetters:
    """One service's dead-letter policy: every refused message becomes a record on the dead-letter topic
    (with the original and the reason), is counted and logged; after ``max_consecutive`` of them with no
    message passing in between, the next one raises ``DeadLetterLimitExceeded`` (0: no limit).

    The policy builds the messages and the caller produces them, through whatever client it has (the
    stage's producer, Faust's, kafka-python's), so every consumer shares the rule and the record."""

    def __init__(self, service: str, topic: str, *, max_consecutive: int = 0) -> None:
        self.service = service
        self.topic = topic
        self.max_consecutive = max_consecutive
        self.consecutive = 0

    def letter(
        self,
        reason: str,
        detail: str,
        *,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: bytes | str | None = None,
        value: bytes | str | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Outgoing:
        if self.max_consecutive and self.consecutive >= self.max_consecutive:
            raise DeadLetterLimitExceeded(
                f"{self.service}: {self.consecutive} dead letters in a row (limit {self.max_consecutive}); "
                f"the next was {reason}: {detail[:200]}"
            )
        self.consecutive += 1
        record = make_dead_letter(
            service=self.service, reason=reason, detail=detail, topic=topic, partition=partition,
            offset=offset, key=key, value=value, headers=headers,
        )  # fmt: skip
        DEAD_LETTERS.labels(self.service, reason).inc()
        where = f"{topic}[{partition}]@{offset}" if topic is not None else "input"
        log.warning("dead-lettered %s (%s): %s", where, reason, detail[:200])
        return Outgoing.of(self.topic, encode(DEADLETTER, record, source=f"/warwire/{self.service}"))

    def of_record(self, record: Any, reason: str, detail: str) -> Outgoing:
        """A dead letter for a consumed Kafka record (aiokafka's ConsumerRecord, Faust's Message)."""
        return self.letter(
            reason, detail, topic=record.topic, partition=record.partition, offset=record.offset,
            key=record.key, value=record.value, headers=list(record.headers or []),
        )  # fmt: skip

    def passed(self) -> None:
        """A message went through: the run of failures is broken."""
        self.consecutive = 0
