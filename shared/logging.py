"""One logging set-up for every entry point: timestamped, level from settings; plain text by default,
one JSON object per line with ``WARWIRE_LOG_FORMAT=json`` (for log shippers)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_format = "text"


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC, ISO 8601), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """``fmt``: ``text`` or ``json`` (WARWIRE_LOG_FORMAT)."""
    global _format
    if fmt not in {"text", "json"}:
        raise ValueError(f"log format must be text or json, not {fmt!r}")
    _format = fmt
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # aiokafka and kafka-python are loud at INFO during rebalances and reconnects.
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def json_logs() -> bool:
    """Whether configure_logging chose JSON: uvicorn and Faust then keep the root handler instead of
    installing their own (plain-text) ones."""
    return _format == "json"
