"""What each service pays per article at a fixed rate: CPU milliseconds per article, per service.

    .venv/bin/python bench/stage_costs.py [--rate 40] [--seconds 30] [--linger-ms 50,100,250] [--workers 2]
        [--out docs/bench/stage-costs.json]

For each linger (``WARWIRE_CONSUMER_LINGER_MS``) a fresh stack (services.runner.Stack, SQLite store;
the broker from scripts/kafka.sh unless KAFKA_BOOTSTRAP_SERVERS is set) is warmed up, then fed the load
benchmark's short articles at ``--rate`` for ``--seconds``, below its sustained rate so that every
stage keeps up. The CPU each service used meanwhile (from /proc, the extract pool included) over the
articles posted is its cost per article. At a rate the stages keep up with, that cost is what decides
how many articles the machine can take: a stage that polls one message at a time pays its per-batch
costs (a transaction, a produce request, a pool round trip, an ``nlp.pipe`` call) per message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.broker import bench_broker  # noqa: E402
from bench.load_bench import (  # noqa: E402
    CpuMeter,
    articles,
    backlog,
    post_at_rate,
    wait_drained,
    wait_pipeline_drained,
)
from services.runner import Stack, StackPorts  # noqa: E402


def measure(bootstrap: str, linger_ms: float, rate: float, seconds: float, workers: int) -> dict[str, Any]:
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    prefix = f"costs{stamp}"
    workdir = ROOT / ".cache" / "bench" / "stage-costs" / stamp
    stack = Stack(bootstrap=bootstrap, workdir=workdir, topic_prefix=f"{prefix}.", group_prefix=prefix,
                  ports=StackPorts.free(),
                  extra_env={"WARWIRE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WARWIRE_INGEST_API_KEYS": "",
                             "WARWIRE_EXTRACT_WORKERS": str(workers),
                             "WARWIRE_CONSUMER_LINGER_MS": str(linger_ms)})  # fmt: skip
    docs = articles()
    docs.reverse()
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        ingest = stack.url("ingest")
        group, topic = f"{prefix}-extract", f"{prefix}.articles.raw"
        produced = post_at_rate(ingest, docs, 2, 5).accepted  # warm-up: models loaded, topics made
        wait_drained(bootstrap, group, topic, produced)
        wait_pipeline_drained(bootstrap, prefix)
        with CpuMeter({name: proc.pid for name, proc in stack.procs.items()}) as meter:
            posted = post_at_rate(ingest, docs, rate, seconds)
        produced += posted.accepted
        behind = backlog(bootstrap, group, topic, produced)
        wait_drained(bootstrap, group, topic, produced)
        drain_s, _ = wait_pipeline_drained(bootstrap, prefix)
        per_article = {name: round(cores / posted.rate * 1000, 2) for name, cores in meter.cores.items()}
        return {
            "linger_ms": linger_ms,
            "rate_per_s": rate,
            "achieved_per_s": round(posted.rate, 1),
            "extract_behind_at_end": behind,
            "later_stages_drained_in_s": round(drain_s, 1),
            "cores_used": meter.cores,
            "machine_busy": meter.machine_busy,
            "cpu_ms_per_article": per_article,
            "cpu_ms_per_article_all_services": round(sum(per_article.values()), 1),
        }
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--linger-ms", default="50,100,250")
    parser.add_argument("--workers", type=int, default=2, help="WARWIRE_EXTRACT_WORKERS")
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "stage-costs.json"))
    args = parser.parse_args()
    with ExitStack() as exits:
        bootstrap = exits.enter_context(bench_broker(ROOT / ".cache" / "bench" / "stage-costs" / "kafka"))
        runs = []
        for linger in (float(x) for x in args.linger_ms.split(",")):
            runs.append(measure(bootstrap, linger, args.rate, args.seconds, args.workers))
            print(json.dumps(runs[-1]), flush=True)
    result = {
        "command": "python bench/stage_costs.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
