"""Bounded work per article and clean shutdown (#18), against the real extract service.

- An article whose extraction overruns WARWIRE_EXTRACT_TIMEOUT_S (the issue's 120 KB sentence of attack
  words, with the size cap lifted) is dead-lettered ``too_expensive`` with its original bytes, and the
  articles after it on the partition are extracted.
- SIGTERM mid-extraction ends the service within 10 s, and SIGKILL of the service mid-extraction leaves
  no pool process (or multiprocessing's resource tracker) behind.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.deadletter import original_value
from shared.kafka_admin import ensure_topics
from shared.messages import decode, encode
from shared.schemas import Article, DeadLetter, StatementEvent
from shared.topics import ARTICLE_MAX_MESSAGE_BYTES, ARTICLES_RAW, TopicNames
from tests.conftest import ROOT, consume_all, make_producer, make_stack, wait_for

pytestmark = pytest.mark.integration

ATTACK = "Russian jets bombed the depot near Aleppo and drones struck a base in Idlib, "
LONG = (ATTACK * 1600)[:120_000]
# Still extracting when the 5 s shutdown grace ends, on machines 5x faster than the one where 120 KB
# took ~20 s (it takes 6 s on some; finished within the grace, it was committed and never read again).
BUSY_FOR_A_WHILE = (ATTACK * 8000)[:600_000]


def article(aid: str, body: str) -> Article:
    return Article(article_id=aid, body=body, source="budget-test", published_at=datetime(2026, 3, 4, tzinfo=UTC),
                   ingested_at=datetime.now(UTC))  # fmt: skip


def good_articles(prefix: str, n: int) -> list[Article]:
    docs = [json.loads(x) for x in (ROOT / "tests" / "data" / "devset.jsonl").read_text().splitlines()]
    return [article(f"{prefix}-{d['id']}", d["body"]) for d in docs[:n]]


def send(bootstrap: str, topic: str, articles: list[Article]) -> dict[str, bytes]:
    """Produce to one partition (same key order as sent), so the good articles queue behind the long one."""
    producer = make_producer(bootstrap, max_request_size=ARTICLE_MAX_MESSAGE_BYTES)
    sent = {}
    for a in articles:
        enc = encode(ARTICLES_RAW, a, source="/t")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers, partition=0).get(timeout=30)
        sent[a.article_id] = enc.value
    producer.close(timeout=30)
    return sent


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (from /proc: no psutil in the venv)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if state[state.rindex(")") + 2] != "Z":
            out.add(pid)
    return out


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_pool_process(pid: int, after: dict[int, float]) -> int | None:
    """A process under the service that has used 2 s of CPU since ``after`` was taken: it is extracting."""
    for child in descendants(pid):
        try:
            if cpu_seconds(child) - after.get(child, 0.0) > 2.0:
                return child
        except (OSError, ValueError):
            continue
    return None


def test_too_expensive_article_is_dead_lettered_and_the_partition_moves_on(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    from services.extract.nlp import default_extractor

    good = good_articles("after", 12)
    expect = {r.article_id for r in default_extractor().extract(good) if r.statements}
    # The size cap lifted so that the time budget is what stops the article (it takes ~18 s alone).
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_EXTRACT_TIMEOUT_S="4",
                       WARWIRE_EXTRACT_MAX_CHARS="1000000")  # fmt: skip
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    stack.start(("extract", "merge"))
    try:
        stack.wait_healthy(timeout=120, services=("extract", "merge"))
        started = time.monotonic()
        sent = send(kafka_bootstrap, names.articles_raw, [article("long", LONG), *good])

        def statements() -> set[str]:
            return {s.article_id for r in consume_all(kafka_bootstrap, names.events_statement, expect=len(expect), timeout=10)
                    for s in decode(StatementEvent, r.value).sources}  # fmt: skip

        wait_for(lambda: statements() >= expect, 120, "statements of the articles after the long one")
        records = wait_for(lambda: consume_all(kafka_bootstrap, names.deadletter, expect=1, timeout=10), 60,
                           "the long article dead-lettered")  # fmt: skip
        dead = [decode(DeadLetter, r.value) for r in records]
        assert [d.reason for d in dead] == ["too_expensive"]
        assert original_value(dead[0]) == sent["long"]
        assert stack.restarts.get("extract", 0) == 0  # no stall exit: the budget, not the watchdog, acted
        print(
            json.dumps(
                {
                    "too_expensive": 1,
                    "good_after": len(expect),
                    "seconds": round(time.monotonic() - started, 1),
                }
            )
        )
    finally:
        codes = stack.stop()
    assert codes["extract"] == 0


@pytest.mark.faults
def test_sigterm_and_sigkill_mid_extraction_leave_no_process_behind(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> None:
    # Budget and cap lifted: the 600 KB article keeps a pool process busy for 30 s or more.
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_EXTRACT_TIMEOUT_S="600",
                       WARWIRE_EXTRACT_MAX_CHARS="1000000")  # fmt: skip
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    figures: dict[str, float] = {}

    def start_busy(services: tuple[str, ...]) -> tuple[int, set[int]]:
        stack.start(services)
        stack.wait_healthy(timeout=120, services=("extract", "merge"))
        pid = stack.procs["extract"].pid
        idle = {c: cpu_seconds(c) for c in wait_for(lambda: descendants(pid), 30, "the pool process")}
        if not figures:
            # Read again after each stop (it is never finished, so never committed).
            send(kafka_bootstrap, names.articles_raw, [article("long", BUSY_FOR_A_WHILE)])
        wait_for(lambda: busy_pool_process(pid, idle), 90, "a pool process extracting the long article")
        return pid, descendants(pid)

    try:
        pid, children = start_busy(("extract", "merge"))
        started = time.monotonic()
        code = stack.stop_one("extract", timeout=30)
        figures["sigterm_s"] = round(time.monotonic() - started, 2)
        assert code == 0
        assert figures["sigterm_s"] < 10, figures
        wait_for(lambda: not alive(children), 10, f"no process of {sorted(children)} left after SIGTERM")

        pid, children = start_busy(("extract",))  # merge still runs
        assert len(children) >= 1
        started = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not alive(children), 10, f"no process of {sorted(children)} left after SIGKILL")
        figures["sigkill_orphans_gone_s"] = round(time.monotonic() - started, 2)
        stack.stop_one("extract")
        print(json.dumps({"children": len(children), **figures}))
    finally:
        stack.stop()
