"""The SIGKILL-of-extract fault test in a loop: how often it passes, and how long recovery takes.

    .venv/bin/python bench/fault_loop.py [--runs 20] [--out docs/bench/fault_loop.json]

Each run is tests/integration/test_extract_faults.py on its own topics and group (one broker for all, from
scripts/kafka.sh unless KAFKA_BOOTSTRAP_SERVERS is set): half the development set, SIGKILL of extract,
the other half, a restart, and every article's events in the API exactly once. The test prints one JSON
line per run; recovery is from the restart to the last event queryable in the API.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.broker import bench_broker  # noqa: E402

TEST = "tests/integration/test_extract_faults.py::test_sigkill_of_extract_mid_stream_loses_and_duplicates_no_event"


def one_run(bootstrap: str) -> dict[str, object]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-m", "faults", TEST],
        cwd=ROOT, env=os.environ | {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}, capture_output=True, text=True,
    )  # fmt: skip
    lines = [x for x in proc.stdout.splitlines() if x.startswith('{"articles"')]
    figures = json.loads(lines[-1]) if lines else {}
    return {"passed": proc.returncode == 0, "wall_s": round(time.monotonic() - started, 1), **figures,
            **({} if proc.returncode == 0 else {"tail": proc.stdout[-1500:]})}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "fault_loop.json"))
    args = parser.parse_args()
    runs = []
    with bench_broker(ROOT / ".cache" / "bench" / "fault-loop" / "kafka") as bootstrap:
        for i in range(args.runs):
            runs.append(one_run(bootstrap))
            print(
                json.dumps({"run": i + 1, **{k: v for k, v in runs[-1].items() if k != "tail"}}), flush=True
            )
    recovered = [float(r["recovered_s"]) for r in runs if "recovered_s" in r]  # type: ignore[arg-type]
    result = {
        "command": f"python bench/fault_loop.py --runs {args.runs}",
        "runs": len(runs),
        "passed": sum(bool(r["passed"]) for r in runs),
        "lost": sum(int(r.get("lost", 0)) for r in runs),  # type: ignore[call-overload]
        "republished_on_topics": sum(int(r.get("republished", 0)) for r in runs),  # type: ignore[call-overload]
        "stall_restarts": sum(int(r.get("restarts_after_stall", 0)) for r in runs),  # type: ignore[call-overload]
        "recovered_s": {
            "median": round(statistics.median(recovered), 1) if recovered else None,
            "min": min(recovered, default=None),
            "max": max(recovered, default=None),
            "all": recovered,
        },
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "failures": [r for r in runs if not r["passed"]],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "failures"}, indent=2))
    return 0 if result["passed"] == result["runs"] else 1


if __name__ == "__main__":
    sys.exit(main())
