"""Entry point: settings -> topics -> producer + seen-state -> HTTP server -> graceful shutdown."""

from __future__ import annotations

from services.ingest.app import create_app
from services.ingest.feeds import FeedPoller
from services.ingest.ingestor import Ingestor, load_language_model
from services.ingest.producer import ArticlePublisher
from services.ingest.seen import SeenStore
from services.ingest.settings import IngestSettings
from shared.http import serve
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging
from shared.topics import TopicNames


def main() -> None:
    settings = IngestSettings()
    configure_logging(settings.log_level, settings.log_format)
    names = TopicNames(settings.topic_prefix)
    ensure_service_topics(settings)
    load_language_model()
    publisher = ArticlePublisher(settings.bootstrap_list, names, timeout_s=settings.ingest_publish_timeout_s)
    seen = SeenStore(settings.ingest_state_path)
    ingestor = Ingestor(publisher, seen, max_bytes=settings.ingest_max_article_bytes)
    poller = None
    if settings.ingest_feeds:  # configured feeds were never polled: the poller was not wired in
        poller = FeedPoller(
            settings.ingest_feeds, ingestor, publisher, timeout_s=settings.ingest_feed_timeout_s,
            max_backoff_s=settings.ingest_feed_max_backoff_s, min_content_chars=settings.ingest_min_content_chars,
            allowed_networks=settings.allowed_networks,
        )  # fmt: skip
    app = create_app(
        ingestor,
        api_keys=settings.api_keys,
        health=publisher.healthy,
        max_bytes=settings.ingest_max_article_bytes,
        poller=poller,
    )
    try:
        serve(app, settings.ingest_http_host, settings.ingest_http_port, settings.log_level)
    finally:
        publisher.close()
        seen.close()


if __name__ == "__main__":
    main()
