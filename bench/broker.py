"""The broker a benchmark runs against: KAFKA_BOOTSTRAP_SERVERS when set, else a fresh single-node
broker from scripts/kafka.sh on free ports, stopped when the benchmark ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.runner import LocalBroker


@contextmanager
def bench_broker(data_dir: Path) -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = LocalBroker(data_dir)
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
