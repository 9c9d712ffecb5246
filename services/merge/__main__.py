"""Entry point: settings -> topics -> the merge Faust worker -> graceful shutdown."""

from __future__ import annotations

from services.merge.app import build_app, internal_topics
from services.merge.settings import MergeSettings
from shared.faust_support import run_worker
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging


def main() -> None:
    settings = MergeSettings()
    configure_logging(settings.log_level, settings.log_format)
    ensure_service_topics(settings, internal=internal_topics(settings))
    run_worker(build_app(settings), loglevel=settings.log_level)


if __name__ == "__main__":
    main()
