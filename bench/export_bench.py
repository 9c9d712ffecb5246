"""Exporting 1,000,000 events from PostgreSQL: the streamed CSV export next to the same rows through
paged JSON, rows/s and peak RSS, with the server's memory sampled along the way.

    .venv/bin/python bench/export_bench.py [--events 1000000] [--out docs/bench/export.json]

- A local PostgreSQL (scripts/postgres.sh, data in .cache/postgres/bench-export) gets the API's schema
  from its migrations, then N generated events loaded with COPY: the generator of
  bench/api_query_bench.py (deterministic; realistic actors, theaters, GeoNames towns, evidence). A
  database that already holds N events is reused (--regenerate to rebuild).
- For each way out, a fresh API process (the app of services/api/app.py under uvicorn, one worker, no
  Kafka consumer: reads only) and one client on this machine:
  * ``csv``: one ``GET /v1/events.csv``, streamed to nowhere;
  * ``paged-json``: ``GET /v1/events?limit=500`` then every ``next_cursor`` (the only way out before #17);
  * ``cli-store``: ``warwire export --format csv --database-url ...`` (no HTTP), stdout to /dev/null.
- Reported: rows, seconds, rows/s; the server's peak RSS (VmHWM) and its RSS sampled every 0.5 s (the
  RSS when 10% of the rows were out vs at the end: flat memory means the same); for ``cli-store``
  the peak RSS of the ``warwire export`` process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_query_bench import load  # noqa: E402  (the same 1M-event dataset, loaded once)

from services.runner import free_port  # noqa: E402

SERVE = """
import sys, uvicorn
from services.api.app import create_app
from services.api.store import Store
uvicorn.run(create_app(Store(sys.argv[1]), max_limit=500), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory field in bytes (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Server:
    """The API in its own process, its RSS sampled every 0.5 s against the rows sent so far."""

    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, url, str(self.port)], cwd=ROOT, stdout=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.rows = 0
        self.samples: list[tuple[int, int]] = []  # (rows so far, RSS bytes)
        self._stop = threading.Event()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the API did not start")
        self.idle_rss = _status(self.proc.pid, "VmRSS")
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append((self.rows, _status(self.proc.pid, "VmRSS")))

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        peak = _status(self.proc.pid, "VmHWM")
        self.proc.terminate()
        self.proc.wait(timeout=30)
        total = max(self.rows, 1)
        early = [rss for rows, rss in self.samples if rows <= total * 0.1]
        return {
            "server_idle_rss_mb": round(self.idle_rss / 1e6, 1),
            "server_peak_rss_mb": round(peak / 1e6, 1),
            "server_rss_at_10pct_mb": round(max(early, default=0) / 1e6, 1),
            "server_rss_at_end_mb": round((self.samples[-1][1] if self.samples else 0) / 1e6, 1),
            "rss_samples": len(self.samples),
        }


def export_csv(server: Server) -> int:
    rows = -1  # the header
    with httpx.stream("GET", f"{server.base}/v1/events.csv", timeout=None) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes(1 << 16):
            rows += chunk.count(b"\n")  # generated notes hold no newline
            server.rows = rows
    return rows


def paged_json(server: Server) -> int:
    rows, cursor = 0, None
    with httpx.Client(base_url=server.base, timeout=60) as client:
        while True:
            params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            r = client.get("/v1/events", params=params)
            r.raise_for_status()
            page = r.json()
            rows += len(page["items"])
            server.rows = rows
            cursor = page["next_cursor"]
            if not cursor:
                return rows


def run_http(url: str, name: str, fn: Any) -> dict[str, Any]:
    server = Server(url)
    try:
        started = time.perf_counter()
        rows = fn(server)
        seconds = time.perf_counter() - started
    finally:
        memory = server.stop()
    return {"way": name, "rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            **memory}  # fmt: skip


def run_cli(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "warwire"), "export", "--format", "csv", "--database-url", url],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    rows = -1
    assert proc.stdout is not None
    for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
        rows += chunk.count(b"\n")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert status == 0, f"warwire export exited with {status}"
    return {"way": "cli-store", "rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "process_peak_rss_mb": round(usage.ru_maxrss * 1024 / 1e6, 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--pg-port", type=int, default=15434)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--ways", default="csv,paged-json,cli-store")
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "export.json"))
    args = ap.parse_args()

    pg_env = dict(os.environ, PG_PORT=str(args.pg_port), PG_DATABASE="warwire_export",
                  PG_DATA_DIR=str(ROOT / ".cache" / "postgres" / "bench-export"))  # fmt: skip
    script = str(ROOT / "scripts" / "postgres.sh")
    subprocess.run(["bash", script, "start"], env=pg_env, check=True)
    url = f"postgresql+asyncpg://warwire@127.0.0.1:{args.pg_port}/warwire_export"
    results: list[dict[str, Any]] = []
    try:
        dataset = asyncio.run(load(url, args.events, args.regenerate))
        print(f"dataset: {dataset}", flush=True)
        ways = {"csv": lambda: run_http(url, "csv", export_csv),
                "paged-json": lambda: run_http(url, "paged-json", paged_json), "cli-store": lambda: run_cli(url)}  # fmt: skip
        for way in args.ways.split(","):
            row = ways[way]()
            results.append(row)
            print(json.dumps(row), flush=True)
    finally:
        subprocess.run(["bash", script, "stop"], env=pg_env, check=False)

    report = {
        "command": f"bench/export_bench.py --events {args.events}",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "dataset": dataset, "results": results, "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
