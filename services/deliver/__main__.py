"""Entry point: settings -> topics -> webhook supervisor inside the HTTP server -> graceful shutdown."""

from __future__ import annotations

from services.deliver.app import create_app
from services.deliver.settings import DeliverSettings
from services.deliver.webhooks import DeliveryPolicy, WebhookSupervisor
from shared.http import serve
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging
from shared.topics import TopicNames


def main() -> None:
    settings = DeliverSettings()
    configure_logging(settings.log_level, settings.log_format)
    secret_key = settings.require_secret_key()  # a clear error at start: deliveries cannot sign without it
    names = TopicNames(settings.topic_prefix)
    ensure_service_topics(settings)
    policy = DeliveryPolicy(
        max_attempts=settings.deliver_max_attempts,
        max_elapsed_s=settings.deliver_max_elapsed_s,
        backoff_base_s=settings.deliver_backoff_base_s,
        backoff_max_s=settings.deliver_backoff_max_s,
        timeout_s=settings.deliver_timeout_s,
        allowed_networks=tuple(settings.allowed_networks),
        dedupe_window_s=settings.deliver_dedupe_window_s,
    )
    supervisor = WebhookSupervisor(
        settings.bootstrap_list, names, settings.group_prefix, policy, secret_key=secret_key
    )
    serve(create_app(supervisor), settings.deliver_http_host, settings.deliver_http_port, settings.log_level)


if __name__ == "__main__":
    main()
