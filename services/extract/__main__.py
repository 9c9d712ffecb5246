"""Entry point: settings -> process pool (warming up) -> topics -> the extract stage behind /healthz and
/metrics -> graceful shutdown (batches in flight finish and are committed, then the pool stops).

The pool's processes load the model while this process imports the stage and joins its group: after a
crash, the restart's two slow parts overlap instead of adding up."""

from __future__ import annotations

from services.extract.pool import ExtractionPool
from services.extract.settings import ExtractSettings


def main() -> None:
    settings = ExtractSettings()
    pool = ExtractionPool(settings.extract_workers, timeout_s=settings.extract_timeout_s)
    pool.start_warm_up()
    try:
        run(settings, pool)
    finally:
        pool.shutdown()


def run(settings: ExtractSettings, pool: ExtractionPool) -> None:
    from services.extract.stage import ExtractStep, internal_topics
    from shared.deadletter import DeadLetters
    from shared.http import serve
    from shared.kafka_admin import ensure_service_topics
    from shared.logging import configure_logging
    from shared.stream.processor import ConsumerConfig, StreamProcessor
    from shared.stream.service import stage_app
    from shared.topics import TopicNames

    configure_logging(settings.log_level, settings.log_format)
    names = TopicNames(settings.topic_prefix)
    ensure_service_topics(settings, internal=internal_topics(settings))
    dead = DeadLetters("extract", names.deadletter, max_consecutive=settings.deadletter_max_consecutive)
    processor = StreamProcessor(
        ConsumerConfig.of_service(
            settings,
            "extract",
            [names.articles_raw],
            batch_size=settings.extract_batch_size,
            batch_wait_s=settings.extract_batch_within_s,
            # One batch per pool process: every core extracts, and offsets are still committed in order.
            in_flight=max(1, settings.extract_workers),
        ),
        ExtractStep(settings, pool, dead),
    )
    app = stage_app("extract", processor, lag_interval_s=settings.consumer_lag_interval_s)
    serve(app, settings.extract_http_host, settings.extract_http_port, settings.log_level)


if __name__ == "__main__":
    main()
