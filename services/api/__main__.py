"""Entry point: settings -> store + Kafka materialiser -> HTTP server -> graceful shutdown."""

from __future__ import annotations

from services.api.app import create_app
from services.api.consumer import Materialiser
from services.api.feed import ChangeFeed
from services.api.settings import ApiSettings
from services.api.store import Store
from shared.http import serve
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging
from shared.topics import TopicNames


def main() -> None:
    settings = ApiSettings()
    configure_logging(settings.log_level, settings.log_format)
    names = TopicNames(settings.topic_prefix)
    secret_key = settings.require_secret_key()  # a clear error at start, not at the first subscription
    ensure_service_topics(settings)
    store = Store(settings.database_url)
    feed = ChangeFeed()
    materialiser = Materialiser(
        settings.bootstrap_list,
        names,
        f"{settings.group_prefix}-api",
        store,
        feed,
        lag_interval_s=settings.consumer_lag_interval_s,
        secret_key=secret_key,
        deadletter_max_consecutive=settings.deadletter_max_consecutive,
        linger_s=settings.consumer_linger_ms / 1000,
    )
    app = create_app(
        store,
        max_limit=settings.api_max_limit,
        materialiser=materialiser,
        api_keys=settings.api_key_set,
        read_keys_required=settings.api_read_keys_required,
        max_body_bytes=settings.api_max_body_bytes,
        allowed_networks=settings.allowed_networks,
        feed=feed,
        heartbeat_s=settings.api_sse_heartbeat_s,
        feed_poll_s=settings.api_feed_poll_s,
    )
    serve(app, settings.api_http_host, settings.api_http_port, settings.log_level, on_exit=feed.close)


if __name__ == "__main__":
    main()
