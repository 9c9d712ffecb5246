"""Scale of extract: one service with a pool of 1 and then 2 extraction processes (all cores in one service),
1 and then 2 services in one consumer group over articles.raw (6 partitions), and a rebalance (a second
service joining mid-stream) checked for lost and duplicated events.

    .venv/bin/python bench/scale_bench.py [--articles 600] [--out docs/bench/scale.json]

Uses KAFKA_BOOTSTRAP_SERVERS when set, else starts a broker with scripts/kafka.sh. Each case has its own
topic prefix and group. The articles are produced first; workers are then started and the clock runs from
the first committed offset to the last (so model loading is not counted). A service with a pool of N keeps N
batches in flight, one per process (shared/stream/processor.py). CPU utilisation is the whole machine's, from
/proc/stat, over the same interval. The merge service starts once extraction is done, so the clock measures
extraction alone; the case ends when merge has consumed every candidate, and its events are then checked.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.broker import bench_broker  # noqa: E402
from bench.extract_bench import _articles, corpus  # noqa: E402
from services.runner import Stack, StackPorts, free_port  # noqa: E402
from shared.kafka_admin import ensure_topics  # noqa: E402
from shared.messages import decode, encode  # noqa: E402
from shared.schemas import StatementEvent, StrikeEvent  # noqa: E402
from shared.topics import ARTICLES_RAW, TopicNames  # noqa: E402


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def committed_total(bootstrap: str, group: str, topic: str) -> int:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import GroupCoordinatorNotAvailableError

    async def total() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(group)
            return sum(m.offset for tp, m in offsets.items() if tp.topic == topic and m.offset > 0)
        except GroupCoordinatorNotAvailableError:
            return 0  # a fresh broker has no __consumer_offsets yet: nothing is committed
        finally:
            await admin.close()

    return asyncio.run(total())


def end_total(bootstrap: str, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(parts).values()) if parts else 0
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out = []
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for records in consumer.poll(timeout_ms=1000).values():
            out.extend(r.value for r in records)
    consumer.close()
    return out


def run_case(bootstrap: str, articles: list[Any], workers: int, join_second_at: float | None, workdir: Path,
             pool: int = 1) -> dict[str, Any]:  # fmt: skip
    prefix = "s" + uuid.uuid4().hex[:8]
    names = TopicNames(f"{prefix}.")
    from services.extract.settings import ExtractSettings
    from services.extract.stage import internal_topics

    os.environ.update(WARWIRE_TOPIC_PREFIX=names.prefix, WARWIRE_GROUP_PREFIX=prefix)
    ensure_topics([bootstrap], names, internal=internal_topics(ExtractSettings()))
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=5 * 1024 * 1024)
    for a in articles:
        enc = encode(ARTICLES_RAW, a, source="/bench")
        producer.send(names.articles_raw, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush()
    producer.close()

    stack = Stack(bootstrap=bootstrap, workdir=workdir / prefix, topic_prefix=names.prefix, group_prefix=prefix,
                  ports=StackPorts.free(),
                  extra_env={"WARWIRE_EXTRACT_WORKERS": str(pool), "WARWIRE_CONSUMER_STALL_TIMEOUT_S": "0"})  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []

    def spawn(i: int, service: str = "extract") -> None:
        env = stack.env() | {
            "WARWIRE_INSTANCE_ID": f"bench-{i}",
            f"WARWIRE_{service.upper()}_HTTP_PORT": str(free_port()),
        }
        stack.workdir.mkdir(parents=True, exist_ok=True)
        log = open(stack.workdir / f"{service}-{i}.log", "ab")  # noqa: SIM115
        procs.append(subprocess.Popen([sys.executable, "-m", f"services.{service}"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, cwd=ROOT))  # fmt: skip

    group, n = f"{prefix}-extract", len(articles)
    for i in range(workers):
        spawn(i)
    try:
        while committed_total(bootstrap, group, names.articles_raw) == 0:
            time.sleep(0.5)
        started, cpu0 = time.monotonic(), cpu_busy()
        joined_at = None
        while (done := committed_total(bootstrap, group, names.articles_raw)) < n:
            if join_second_at is not None and joined_at is None and done >= join_second_at * n:
                spawn(len(procs))
                joined_at = done
            time.sleep(0.5)
        elapsed, cpu1 = time.monotonic() - started, cpu_busy()
        # Merge runs after extraction: stop only once it has consumed every candidate, or the last merges
        # would be cut off and counted as lost.
        spawn(len(procs), "merge")
        for internal in (f"{names.prefix}extract.candidates", f"{names.prefix}extract.statement-candidates"):
            deadline = time.monotonic() + 180
            while committed_total(bootstrap, f"{prefix}-merge", internal) < end_total(bootstrap, internal):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{internal} not consumed to its end")
                time.sleep(0.5)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    strikes: list[StrikeEvent] = [decode(StrikeEvent, v) for v in read_topic(bootstrap, names.events_strike)]
    statements: list[StatementEvent] = [
        decode(StatementEvent, v) for v in read_topic(bootstrap, names.events_statement)
    ]
    copies = Counter((e.event_id, e.version) for e in [*strikes, *statements])
    return {
        "services": workers if join_second_at is None else f"1, +1 after {joined_at} articles",
        "pool_per_service": pool,
        "articles": n,
        "seconds": round(elapsed, 2),
        "articles_per_s": round(n / elapsed, 1),
        "cpu_utilisation": round((cpu1[0] - cpu0[0]) / (cpu1[1] - cpu0[1]), 3),
        "statement_ids": sorted({e.event_id for e in statements}),
        "strike_sources": sorted({s.article_id for e in strikes for s in e.sources}),
        "strike_ids": len({e.event_id for e in strikes}),
        "records": len(strikes) + len(statements),
        "duplicate_records": sum(c - 1 for c in copies.values()),
        "exit_codes": [p.returncode for p in procs],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench" / "scale.json"))
    args = parser.parse_args()
    workdir = ROOT / ".cache" / "bench" / "scale"
    with bench_broker(workdir / "kafka") as bootstrap:
        articles = _articles(corpus(args.articles))
        one = run_case(bootstrap, articles, 1, None, workdir)
        pooled = run_case(bootstrap, articles, 1, None, workdir, pool=2)
        two = run_case(bootstrap, articles, 2, None, workdir)
        rebalance = run_case(bootstrap, articles, 1, 0.3, workdir)
    reference = one
    for case in (pooled, two, rebalance):
        case["lost_statements"] = len(set(reference["statement_ids"]) - set(case["statement_ids"]))
        case["extra_statements"] = len(set(case["statement_ids"]) - set(reference["statement_ids"]))
        case["articles_missing_from_strikes"] = len(set(reference["strike_sources"]) - set(case["strike_sources"]))  # fmt: skip
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "command": f"python bench/scale_bench.py --articles {args.articles}",
        "partitions": ARTICLES_RAW.partitions,
        "cases": [
            {k: v for k, v in c.items() if k not in {"statement_ids", "strike_sources"}}
            | {"statements": len(c["statement_ids"]), "articles_with_strikes": len(c["strike_sources"])}
            for c in (one, pooled, two, rebalance)
        ],
        "speedup_pool_2_vs_1": round(pooled["articles_per_s"] / one["articles_per_s"], 2),
        "speedup_2_vs_1": round(two["articles_per_s"] / one["articles_per_s"], 2),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
