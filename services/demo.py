"""``warwire demo``: start Kafka (scripts/kafka.sh) and the seven services, feed the sample articles
through ingest's HTTP API, and show the events as the API serves them.

--once: wait until the samples' events are queryable, print them, stop everything, exit 0
(non-zero if nothing arrives in time). Without it, keep running until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services.runner import Stack

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "articles.jsonl"


def ensure_kafka() -> str:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    port = os.environ.get("KAFKA_PORT", "9092")
    subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "start"], check=True)
    return f"127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warwire demo", description=__doc__)
    parser.add_argument("--once", action="store_true", help="feed, print the events, exit")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for events (--once)")
    args = parser.parse_args(argv)

    bootstrap = ensure_kafka()
    run = time.strftime("%Y%m%d-%H%M%S")
    # A fresh topic prefix and state per run, so the demo shows exactly what these samples produce.
    stack = Stack(
        bootstrap=bootstrap,
        workdir=ROOT / ".cache" / "demo" / run,
        topic_prefix=f"demo-{run}.",
        group_prefix=f"warwire-demo-{run}",
    )
    print(f"starting services (logs in {stack.workdir}) ...", flush=True)
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        articles = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
        for art in articles:
            r = httpx.post(stack.url("ingest") + "/v1/articles", json=art, timeout=30)
            print(
                f"  POST /v1/articles {r.status_code} {r.json().get('article_id')}  {art['title']}",
                flush=True,
            )
        expected = {a["url"] for a in articles}
        events = wait_for_events(stack.url("api"), expected, args.timeout)
        for ev in events:
            print(json.dumps(_summary(ev), ensure_ascii=False))
        print(
            f"{len(events)} events from {len(articles)} articles are queryable at {stack.url('api')}/v1/events"
        )
        if not events:
            return 1
        if args.once:
            return 0
        print(
            f"API: {stack.url('api')}/docs   ingest: {stack.url('ingest')}/docs   Ctrl-C to stop", flush=True
        )
        while all(p.poll() is None for p in stack.procs.values()):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def wait_for_events(api: str, urls: set[str], timeout: float) -> list[dict]:
    """Poll the API until events cite every article that can yield one, or the timeout passes."""
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    stable_since = None
    while time.monotonic() < deadline:
        try:
            seen = httpx.get(api + "/v1/events", params={"limit": 200}, timeout=5).json()["items"]
        except (httpx.HTTPError, KeyError, ValueError):
            seen = []
        cited = {s.get("url") for ev in seen for s in ev.get("sources", [])}
        if seen and stable_since is None:
            stable_since = time.monotonic()
        # All but the no-event sample cited, or nothing new for 10 s after the first event.
        if len(cited & urls) >= len(urls) - 1 or (stable_since and time.monotonic() - stable_since > 10):
            break
        time.sleep(0.5)
    return seen


def _summary(ev: dict) -> dict:
    keys = [
        "event_type",
        "strike_type",
        "actor",
        "weapon",
        "launch_platform",
        "locations",
        "occurred_on",
        "claim",
        "speaker",
        "statement_type",
        "content",
    ]
    out = {k: ev[k] for k in keys if ev.get(k) not in (None, [], {})}
    if "locations" in out:
        out["locations"] = [p["name"] for p in out["locations"]]
    if isinstance(out.get("actor"), dict):
        out["actor"] = out["actor"]["name"]
    if isinstance(out.get("speaker"), dict):
        out["speaker"] = out["speaker"]["name"]
    out["sources"] = [s["source"] for s in ev.get("sources", [])]
    return out


if __name__ == "__main__":
    sys.exit(main())
