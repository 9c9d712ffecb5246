"""The broker a benchmark runs against: KAFKA_BOOTSTRAP_SERVERS when set, else a fresh single-node
broker from scripts/kafka.sh on free ports, stopped when the benchmark ends."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.runner import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def bench_broker(data_dir: Path) -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    env = dict(os.environ, KAFKA_PORT=str(free_port()), KAFKA_CONTROLLER_PORT=str(free_port()),
               KAFKA_DATA_DIR=str(data_dir))  # fmt: skip
    script = str(ROOT / "scripts" / "kafka.sh")
    subprocess.run(["bash", script, "start"], env=env, check=True)
    try:
        yield f"127.0.0.1:{env['KAFKA_PORT']}"
    finally:
        subprocess.run(["bash", script, "stop"], env=env, check=False)
