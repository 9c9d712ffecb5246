"""An article ingest cannot publish counts in warwire_ingest_publish_errors_total (the
WarwireIngestBrokerErrors alert) and is not recorded as seen, so pushing it again publishes it."""

from __future__ import annotations

import pytest

from services.ingest.ingestor import ArticleIn, Ingestor, PublishFailed
from services.ingest.seen import SeenStore
from shared.metrics import INGEST_PUBLISH_ERRORS

BODY = "Artillery shelled the outskirts of the town on Monday, officials said. " * 3


class Broker:
    def __init__(self) -> None:
        self.down = True
        self.published: list[object] = []

    def publish(self, article: object) -> None:
        if self.down:
            raise TimeoutError("no acknowledgement")
        self.published.append(article)


def test_a_failed_publish_is_counted_and_can_be_retried() -> None:
    broker = Broker()
    ingestor = Ingestor(broker, SeenStore(":memory:"))
    item = ArticleIn(title="Shelling", body=BODY, source="push", published_at="2026-06-03T09:00:00Z")
    before = INGEST_PUBLISH_ERRORS._value.get()
    with pytest.raises(PublishFailed):
        ingestor.ingest(item, channel="push")
    assert INGEST_PUBLISH_ERRORS._value.get() == before + 1
    broker.down = False
    _, is_new = ingestor.ingest(item, channel="push")
    assert is_new and len(broker.published) == 1
    assert INGEST_PUBLISH_ERRORS._value.get() == before + 1
