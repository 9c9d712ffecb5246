"""Entry point: settings -> topics -> process pool -> Faust worker -> graceful shutdown."""

from __future__ import annotations

from services.extract.app import build_app, internal_topics
from services.extract.pool import ExtractionPool
from services.extract.settings import ExtractSettings
from shared.faust_support import run_worker
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging


def main() -> None:
    settings = ExtractSettings()
    configure_logging(settings.log_level, settings.log_format)
    ensure_service_topics(settings, internal=internal_topics(settings))
    pool = ExtractionPool(settings.extract_workers, timeout_s=settings.extract_timeout_s)
    pool.warm_up()
    app = build_app(settings, pool)
    run_worker(app, loglevel=settings.log_level, on_shutdown=pool.shutdown)


if __name__ == "__main__":
    main()
