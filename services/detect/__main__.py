"""Entry point: settings -> rules -> topics -> the detect stage behind /healthz and /metrics ->
graceful shutdown."""

from __future__ import annotations

from services.alert.app import internal_topics
from services.alert.detectors import capitals
from services.alert.rules import AlertRules
from services.detect.settings import DetectSettings
from services.detect.stage import DetectStep
from shared.deadletter import DeadLetters
from shared.http import serve
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging
from shared.stream.processor import ConsumerConfig, StreamProcessor
from shared.stream.service import stage_app
from shared.topics import TopicNames


def main() -> None:
    settings = DetectSettings()
    configure_logging(settings.log_level, settings.log_format)
    names = TopicNames(settings.topic_prefix)
    ensure_service_topics(settings, internal=internal_topics(settings))
    rules = AlertRules.load(settings.alert_rules_path)
    capitals()  # build the lookup now, not on the event loop at the first long-range strike
    dead = DeadLetters("detect", names.deadletter, max_consecutive=settings.deadletter_max_consecutive)
    processor = StreamProcessor(
        ConsumerConfig.of_service(
            settings,
            "detect",
            [names.events_strike, names.events_statement],
            batch_size=settings.detect_batch_size,
        ),
        DetectStep(names, rules, dead),
    )
    app = stage_app("detect", processor, lag_interval_s=settings.consumer_lag_interval_s)
    serve(app, settings.detect_http_host, settings.detect_http_port, settings.log_level)


if __name__ == "__main__":
    main()
