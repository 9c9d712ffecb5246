"""The whole pipeline under load: sustained throughput, latency at 25/50/75 % of it, peak RSS per service.

    .venv/bin/python bench/load_bench.py [--rates 5,10,20,30,40] [--step-s 20] [--phase-s 30] [--workers 2]
        [--out docs/bench/load.json]
    .venv/bin/python bench/load_bench.py --corpus muc4|muc4-long [--workers 2] [--out docs/bench/load-muc4.json]

- The four services run as their own processes (services.runner.Stack: SQLite store, one broker from
  scripts/kafka.sh unless KAFKA_BOOTSTRAP_SERVERS is set); a webhook receiver subscribed to every alert
  kind and an SSE client on GET /v1/stream run in this process.
- Articles are our own development-set reports (tests/data/devset.jsonl), three per article plus
  background sentences, every triple used once and publication dates spread over 120 days, so events
  and merges vary. They are POSTed to ingest at a controlled rate.
- Sustained throughput: rates stepped up; articles are POSTed on a fixed schedule from several client
  threads, so a slow ingest cannot quietly lower the rate. A rate is sustained when ingest took 95 % of
  it on schedule, the extract group's backlog on articles.raw at the end of the step is under two
  seconds of input, and every later stage has caught up within 5 s (the pipeline drains before the
  next step). The highest such rate is the sustained rate.
- Latency at 25/50/75 % of that rate, from ``ingested_at`` (ingest's accept time, carried in every
  message) to the event's arrival on the API's SSE stream (after the store write, so queryable) and
  to the alert's arrival at the webhook receiver, first versions of both. One machine, one clock.
- Peak RSS: VmHWM of each service process, plus its children (extract's spaCy pool).
- Where the CPU went: per step, the cores each service used (from /proc, the extract pool included)
  and the machine's busy share.
- The machine's speed, so that runs on different machines compare: before the stack starts, the stock
  spaCy pipeline's articles/s on 150 of the benchmark's articles in one process (extract_bench's naive
  baseline, code we do not change). Machines of one kind have differed by more than 2x.
- Real text (``--corpus``): the MUC-4 documents in ../shared/corpora/muc4/train.jsonl (``muc4``, median
  294 words), or those of them with 600 words or more (``muc4-long``, news length). Each document is
  used once, so instead of rate steps they are POSTed as fast as ingest takes them, and throughput is the
  documents (and words) over the time from the first POST to the last article's events in the store.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.broker import bench_broker  # noqa: E402
from bench.extract_bench import in_worker, run_naive  # noqa: E402
from bench.scale_bench import committed_total, end_total  # noqa: E402
from bench.sse_fanout_bench import percentile  # noqa: E402
from services.runner import Stack, StackPorts  # noqa: E402

MUC4 = ROOT.parent / "shared" / "corpora" / "muc4" / "train.jsonl"


def muc4_articles(min_words: int = 0) -> list[dict[str, Any]]:
    docs = [json.loads(x) for x in MUC4.read_text().splitlines() if x.strip()]
    return [{"title": d.get("title") or d["doc_id"], "body": d["text"], "source": "MUC-4",
             "url": f"https://bench.example/muc4/{d['doc_id']}", "published_at": d.get("published_at")}
            for d in docs if len(d["text"].split()) >= min_words]  # fmt: skip


def words(docs: list[dict[str, Any]]) -> int:
    return sum(len(d["body"].split()) for d in docs)


def articles(seed: int = 11, limit: int = 20000) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    reports = [
        json.loads(x) for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines() if x
    ]
    filler = [x for x in (ROOT / "bench" / "filler.txt").read_text().splitlines() if x.strip()]
    triples = list(itertools.combinations(range(len(reports)), 3))
    rng.shuffle(triples)
    out = []
    for i, (a, b, c) in enumerate(triples[:limit]):
        body = "\n".join([reports[a]["body"], *rng.sample(filler, 2), reports[b]["body"], reports[c]["body"]])
        published = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(
            days=rng.randrange(120), hours=rng.randrange(12)
        )
        out.append({"title": f"{reports[a]['title']}; {reports[b]['title']}", "body": body,
                    "url": f"https://bench.example/load/{seed}/{i}", "source": f"Wire {i % 5}",
                    "published_at": published.isoformat()})  # fmt: skip
    return out


class Receiver(BaseHTTPRequestHandler):
    arrivals: ClassVar[dict[str, tuple[float, float]]] = {}  # webhook-id -> (ingested_at, seconds to arrival)
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        # First versions only, as for events: a later version (an alert confirmed by a second source)
        # carries the ingest time of the merged event's first article, not of the one that confirmed it.
        if body.get("ingested_at") and body.get("version") == 1:
            with Receiver.lock:
                ingested = _ts(body["ingested_at"])
                Receiver.arrivals.setdefault(self.headers["webhook-id"], (ingested, now - ingested))
        self.send_response(204)
        self.end_headers()


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class StreamReader(threading.Thread):
    """Stamps the first arrival of each event (version 1) on GET /v1/stream: (ingested_at, latency)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.events: dict[str, tuple[float, float]] = {}

    def run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(None, connect=10)) as client,
                client.stream("GET", self.url) as r,
            ):
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        data = json.loads(line[5:])
                        if data.get("version") == 1 and data.get("ingested_at") and "event_id" in data:
                            ingested = _ts(data["ingested_at"])
                            self.events.setdefault(data["event_id"], (ingested, time.time() - ingested))
        except httpx.HTTPError:
            pass  # the API closes the stream when the run ends


@dataclass
class Posted:
    accepted: int
    seconds: float  # from the first POST to the last answer

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def post_at_rate(
    ingest: str, docs: list[dict[str, Any]], rate: float, seconds: float, clients: int = 8
) -> Posted:
    """POST articles on a fixed schedule, ``rate`` per second for ``seconds``, from ``clients`` threads:
    a slow answer delays no later POST, so a saturated pipeline shows as a backlog (and as an achieved
    rate under the target), not as a client that quietly posts slower."""
    n = int(rate * seconds)
    batch = [docs.pop() for _ in range(n)]
    local = threading.local()
    start = time.monotonic()

    def post(i: int) -> bool:
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=30)
        return local.client.post(f"{ingest}/v1/articles", json=batch[i]).status_code == 202

    with ThreadPoolExecutor(clients) as pool:
        accepted = sum(pool.map(post, range(n)))
    return Posted(accepted, time.monotonic() - start)


def backlog(bootstrap: str, group: str, topic: str, produced: int) -> int:
    return produced - committed_total(bootstrap, group, topic)


def stage_lags(bootstrap: str, prefix: str) -> dict[str, int]:
    """Messages not yet committed by each stage after extract, on the topics it reads."""
    t = f"{prefix}."
    reads = {
        "merge": [f"{t}extract.candidates", f"{t}extract.statement-candidates"],
        "detect": [f"{t}events.strike", f"{t}events.statement"],
        "alert": [f"{t}alert.signals"],
        "api": [f"{t}events.strike", f"{t}events.statement", f"{t}alerts"],
    }
    return {stage: sum(end_total(bootstrap, topic) - committed_total(bootstrap, f"{prefix}-{stage}", topic)
                       for topic in topics) for stage, topics in reads.items()}  # fmt: skip


def wait_pipeline_drained(bootstrap: str, prefix: str, limit_s: float = 120) -> tuple[float, dict[str, int]]:
    """Until every stage after extract has committed all it has read (or ``limit_s``)."""
    start = time.monotonic()
    while any(stage_lags(bootstrap, prefix).values()) and time.monotonic() - start < limit_s:
        time.sleep(0.5)
    return time.monotonic() - start, stage_lags(bootstrap, prefix)


def wait_drained(bootstrap: str, group: str, topic: str, produced: int, limit_s: float = 120) -> float:
    start = time.monotonic()
    while backlog(bootstrap, group, topic, produced) > 0 and time.monotonic() - start < limit_s:
        time.sleep(0.5)
    return time.monotonic() - start


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the extract pool)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def peak_rss_mb(pid: int) -> float:
    """VmHWM of the process and its children (the extract pool), in MB."""
    total = 0.0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmHWM:")) / 1024
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return round(total, 1)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process and its children so far."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


class CpuMeter:
    """Cores each service used over an interval, and the machine's busy share: where the CPU went."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.cores: dict[str, float] = {}
        self.machine_busy = 0.0

    def __enter__(self) -> CpuMeter:
        self._start, self._busy = time.monotonic(), machine_busy()
        self._cpu = {name: cpu_s(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc: object) -> None:
        wall, (busy, total) = time.monotonic() - self._start, machine_busy()
        self.cores = {
            name: round((cpu_s(pid) - self._cpu[name]) / wall, 2) for name, pid in self.pids.items()
        }
        self.machine_busy = round((busy - self._busy[0]) / max(1.0, total - self._busy[1]), 2)


def machine_calibration(docs: list[dict[str, Any]]) -> dict[str, float]:
    """The stock spaCy pipeline's speed on this machine (in a fresh process, before the stack starts)."""
    naive = in_worker(run_naive, docs)
    return {"naive_spacy_articles_per_s": round(len(docs) / naive["seconds"], 1)}


def summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50_s": round(percentile(values, 50), 3), "p95_s": round(percentile(values, 95), 3),
            "p99_s": round(percentile(values, 99), 3), "max_s": round(max(values), 3)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="5,10,20,30,40")
    parser.add_argument("--step-s", type=float, default=20)
    parser.add_argument("--phase-s", type=float, default=30)
    parser.add_argument(
        "--workers", type=int, default=2, help="WARWIRE_EXTRACT_WORKERS of the extract service"
    )
    parser.add_argument("--corpus", choices=["dev", "muc4", "muc4-long"], default="dev")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    args.out = args.out or str(
        ROOT / "docs" / "bench" / ("load.json" if args.corpus == "dev" else f"load-{args.corpus}.json")
    )
    workdir = ROOT / ".cache" / "bench" / "load" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    exits = ExitStack()
    bootstrap = exits.enter_context(bench_broker(workdir / "kafka"))
    prefix = "load" + datetime.now(UTC).strftime("%H%M%S")
    stack = Stack(bootstrap=bootstrap, workdir=workdir, topic_prefix=f"{prefix}.", group_prefix=prefix,
                  ports=StackPorts.free(),
                  extra_env={"WARWIRE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WARWIRE_INGEST_API_KEYS": "",
                             "WARWIRE_CONSUMER_STALL_TIMEOUT_S": "60",
                             "WARWIRE_EXTRACT_WORKERS": str(args.workers)})  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    docs = articles() if args.corpus == "dev" else muc4_articles(600 if args.corpus == "muc4-long" else 0)
    docs.reverse()
    calibration = machine_calibration(docs[-150:])
    stack.start()
    result: dict[str, Any] = {}
    try:
        stack.wait_healthy(timeout=180)
        api, ingest = stack.url("api"), stack.url("ingest")
        hook = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
        assert httpx.post(f"{api}/v1/webhooks", json={"url": hook}, timeout=10).status_code == 201
        reader = StreamReader(f"{api}/v1/stream")
        reader.start()
        group, topic = f"{prefix}-extract", f"{prefix}.articles.raw"
        if args.corpus != "dev":
            result = drain_run(args, stack, bootstrap, docs, reader, group, topic)
            result["machine"].update(calibration)
        else:
            produced = 0
            mean_words = words(docs) / len(docs)
            produced += post_at_rate(ingest, docs, 2, 5).accepted  # warm-up: topic metadata, model caches
            wait_drained(bootstrap, group, topic, produced)

            steps, sustained = [], 0.0
            pids = {name: proc.pid for name, proc in stack.procs.items()}
            for rate in [float(r) for r in args.rates.split(",")]:
                with CpuMeter(pids) as meter:
                    posted = post_at_rate(ingest, docs, rate, args.step_s)
                produced += posted.accepted
                behind = backlog(bootstrap, group, topic, produced)
                downstream = stage_lags(bootstrap, prefix)
                drained = wait_drained(bootstrap, group, topic, produced)
                pipeline_s, left = wait_pipeline_drained(bootstrap, prefix)
                steps.append({"rate_per_s": rate, "achieved_per_s": round(posted.rate, 1),
                              "words_per_s": round(rate * mean_words), "backlog_at_end": behind,
                              "drain_s": round(drained, 1), "stage_lags_at_end": downstream,
                              "pipeline_drain_s": round(pipeline_s, 1),
                              "cores_used": meter.cores, "machine_busy": meter.machine_busy})  # fmt: skip
                print(json.dumps(steps[-1]), flush=True)
                # Sustained: ingest took the articles on schedule (95 %), extract is under 2 s of input
                # behind, and every later stage caught up within 5 s.
                if posted.rate < 0.95 * rate or behind > 2 * rate or pipeline_s > 5 or any(left.values()):
                    break
                sustained = rate

            wait_pipeline_drained(bootstrap, prefix, limit_s=300)  # the phases start with every stage idle
            phases = []
            for share in (0.25, 0.5, 0.75):
                rate = round(sustained * share, 2)
                t0 = time.time()
                posted = post_at_rate(ingest, docs, rate, args.phase_s)
                produced += posted.accepted
                t1 = time.time()
                wait_drained(bootstrap, group, topic, produced)
                wait_pipeline_drained(bootstrap, prefix)
                deadline = time.monotonic() + 20  # let the last events reach the store and the receiver
                while time.monotonic() < deadline and backlog(bootstrap, group, topic, produced) > 0:
                    time.sleep(0.5)
                time.sleep(5)
                events = [lat for ing, lat in list(reader.events.values()) if t0 <= ing <= t1]
                with Receiver.lock:
                    alerts = [lat for ing, lat in Receiver.arrivals.values() if t0 <= ing <= t1]
                phases.append({"share": share, "rate_per_s": rate, "achieved_per_s": round(posted.rate, 1),
                               "to_event_queryable": summary(events),
                               "to_alert_delivered": summary(alerts)})  # fmt: skip
                print(json.dumps(phases[-1]), flush=True)

            rss = {name: peak_rss_mb(proc.pid) for name, proc in stack.procs.items()}
            result = {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                            **calibration},
                "command": f"python bench/load_bench.py --rates {args.rates} --step-s {args.step_s} --phase-s {args.phase_s} --workers {args.workers}",
                "corpus": "dev: three development reports plus filler per article",
                "mean_words_per_article": round(mean_words),
                "extract_workers": args.workers,
                "store": "SQLite (the default)",
                "steps": steps,
                "sustained_articles_per_s": sustained,
                "sustained_words_per_s": round(sustained * mean_words),
                "phases": phases,
                "alerts_delivered": len(Receiver.arrivals),
                "peak_rss_mb": rss,
                "stall_restarts": stack.restarts,
                "gdelt_cycle_s": 900,
            }  # fmt: skip
    finally:
        codes = stack.stop()
        httpd.shutdown()
        exits.close()
    result["exit_codes"] = codes
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


def drain_run(args: argparse.Namespace, stack: Stack, bootstrap: str, docs: list[dict[str, Any]],
              reader: StreamReader, group: str, topic: str) -> dict[str, Any]:  # fmt: skip
    """Every document once, as fast as ingest accepts them; throughput from the first POST to the last
    article committed by extract and its events in the store (the SSE stream quiet for 5 s)."""
    n_docs, n_words = len(docs), words(docs)
    started = time.monotonic()
    accepted = 0
    with httpx.Client(timeout=30) as client:
        while docs:
            accepted += client.post(f"{stack.url('ingest')}/v1/articles", json=docs.pop()).status_code == 202
    posted_s = time.monotonic() - started
    wait_drained(bootstrap, group, topic, accepted, limit_s=1800)
    extracted_s = time.monotonic() - started
    seen = -1
    while len(reader.events) != seen:  # merge, store and stream follow extraction closely
        seen = len(reader.events)
        time.sleep(5)
    queryable_s = time.monotonic() - started - 5
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "command": f"python bench/load_bench.py --corpus {args.corpus} --workers {args.workers}",
        "corpus": f"{args.corpus}: {MUC4.relative_to(ROOT.parent)}",
        "extract_workers": args.workers,
        "documents": n_docs, "accepted": accepted, "words": n_words,
        "median_words": sorted(len(d["body"].split()) for d in muc4_articles(600 if args.corpus == "muc4-long" else 0))[n_docs // 2],
        "posted_s": round(posted_s, 1), "extracted_s": round(extracted_s, 1), "queryable_s": round(queryable_s, 1),
        "articles_per_s": round(accepted / queryable_s, 1), "words_per_s": round(n_words / queryable_s),
        "events_on_stream": len(reader.events),
        "peak_rss_mb": {name: peak_rss_mb(proc.pid) for name, proc in stack.procs.items()},
        "stall_restarts": stack.restarts,
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
