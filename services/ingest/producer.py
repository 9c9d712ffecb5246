"""The articles.raw producer (kafka-python): acks=all, idempotent, retries, compression, key = article_id.

``publish`` blocks until the broker acknowledges, so callers feel backpressure when it is slow and
get an exception, not silence, when it is gone."""

from __future__ import annotations

import logging
import socket

from kafka import KafkaProducer

from shared.deadletter import DeadLetters
from shared.messages import encode
from shared.schemas import Article
from shared.topics import ARTICLES_RAW, DEADLETTER_MAX_MESSAGE_BYTES, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/ingest"


class ArticlePublisher:
    def __init__(self, bootstrap_servers: list[str], names: TopicNames, *, timeout_s: float = 30.0) -> None:
        self.topic = names.articles_raw
        self.deadletter_topic = names.deadletter
        # Ingest's input is people's files and feeds: every refused one is reported, with no limit.
        self._dead = DeadLetters("ingest", names.deadletter)
        self.timeout_s = timeout_s
        self.bootstrap_servers = bootstrap_servers
        self._last_publish_failed = False
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id="warwire-ingest",
            acks="all",
            # The broker drops a retried batch it already has: a lost acknowledgement is no duplicate.
            enable_idempotence=True,
            retries=10,
            retry_backoff_ms=200,
            compression_type="gzip",
            linger_ms=5,
            max_in_flight_requests_per_connection=1,  # keeps per-key order across retries
            # A dead letter keeps a refused file's original bytes, base64: up to the dead-letter topic's limit.
            max_request_size=DEADLETTER_MAX_MESSAGE_BYTES,
            max_block_ms=int(timeout_s * 1000),  # send() blocks (backpressure) when the buffer is full
            request_timeout_ms=int(timeout_s * 1000),
        )

    def publish(self, article: Article) -> None:
        enc = encode(ARTICLES_RAW, article, source=SOURCE)
        try:
            future = self._producer.send(self.topic, key=enc.key, value=enc.value, headers=enc.headers)
            future.get(timeout=self.timeout_s)
        except Exception:
            self._last_publish_failed = True
            raise
        self._last_publish_failed = False

    def dead_letter(self, reason: str, detail: str, value: bytes | str | None) -> None:
        """Record input from files or feeds that could not become an article (never silently dropped)."""
        out = self._dead.letter(reason, detail, value=value)
        self._producer.send(out.topic, key=out.key, value=out.value, headers=out.headers).get(
            timeout=self.timeout_s
        )

    def healthy(self) -> bool:
        """Ready when a broker accepts TCP connections and the last publish (if any) succeeded."""
        if self._last_publish_failed:
            return False
        for server in self.bootstrap_servers:
            host, _, port = server.rpartition(":")
            try:
                with socket.create_connection((host, int(port)), timeout=1.0):
                    return True
            except OSError:
                continue
        return False

    def close(self) -> None:
        self._producer.flush(timeout=self.timeout_s)
        self._producer.close(timeout=self.timeout_s)
