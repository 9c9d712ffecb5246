"""The articles.raw producer (kafka-python): acks=all, retries, compression, key = article_id.

``publish`` blocks until the broker acknowledges, so callers feel backpressure when it is slow and
get an exception, not silence, when it is gone."""

from __future__ import annotations

import logging

from kafka import KafkaProducer

from shared.messages import encode
from shared.schemas import Article
from shared.topics import ARTICLES_RAW, TopicNames

log = logging.getLogger(__name__)
SOURCE = "/warwire/ingest"


class ArticlePublisher:
    def __init__(self, bootstrap_servers: list[str], names: TopicNames, *, timeout_s: float = 30.0) -> None:
        self.topic = names.articles_raw
        self.timeout_s = timeout_s
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id="warwire-ingest",
            acks="all",
            retries=10,
            retry_backoff_ms=200,
            compression_type="gzip",
            linger_ms=5,
            max_in_flight_requests_per_connection=1,  # keeps per-key order across retries
            max_block_ms=int(timeout_s * 1000),  # send() blocks (backpressure) when the buffer is full
            request_timeout_ms=int(timeout_s * 1000),
        )

    def publish(self, article: Article) -> None:
        enc = encode(ARTICLES_RAW, article, source=SOURCE)
        future = self._producer.send(self.topic, key=enc.key, value=enc.value, headers=enc.headers)
        future.get(timeout=self.timeout_s)

    def healthy(self) -> bool:
        return bool(self._producer.bootstrap_connected())

    def close(self) -> None:
        self._producer.flush(timeout=self.timeout_s)
        self._producer.close(timeout=self.timeout_s)
