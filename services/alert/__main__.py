"""Entry point: settings -> topics -> Faust worker -> graceful shutdown."""

from __future__ import annotations

from services.alert.app import build_app, internal_topics
from services.alert.detectors import capitals
from services.alert.rules import AlertRules
from services.alert.settings import AlertSettings
from shared.faust_support import run_worker
from shared.kafka_admin import ensure_service_topics
from shared.logging import configure_logging


def main() -> None:
    settings = AlertSettings()
    configure_logging(settings.log_level, settings.log_format)
    ensure_service_topics(settings, internal=internal_topics(settings))
    rules = AlertRules.load(settings.alert_rules_path or None)
    capitals()  # build the lookup now, not on the worker's event loop at the first long-range strike
    run_worker(build_app(settings, rules), loglevel=settings.log_level)


if __name__ == "__main__":
    main()
