"""Fault injection on a 3-broker cluster: the four services run on a local KRaft cluster of three nodes
(each broker and controller) with every topic replicated three times and min.insync.replicas 2. A third of
the articles is pushed, the broker leading most of our partitions is SIGKILLed, the next third is pushed
and extracted while it is dead (two replicas of three are a majority: writes go on), then it is started
again on its data and the last third is pushed. Every article's events reach the API exactly once, the
alerts follow, and no service exits or restarts."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from services.runner import SERVICES, LocalBroker, LocalCluster
from shared.schemas import StrikeEvent
from shared.schemas.events import theater_of
from tests.conftest import api_all, make_stack, wait_for
from tests.integration.test_broker_restart import RetryingPusher, devset_pushes, normalised

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def our_partitions(bootstrap: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every partition of the topics named with ``prefix`` (the test's topics, changelogs and Faust's)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    try:
        names = [t for t in admin.list_topics() if t.startswith(prefix)]
        return {t["name"]: t["partitions"] for t in admin.describe_topics(names)}
    finally:
        admin.close()


def min_insync_of(bootstrap: str, topics: list[str]) -> dict[str, str]:
    """Each topic's effective min.insync.replicas: its own config, else the brokers' default."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    try:
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, t, configs=["min.insync.replicas"]) for t in topics
        ]
        described = admin.describe_configs(resources, config_filter="all")
        return {name: str(c["min.insync.replicas"]["value"]) for name, c in described["topic"].items()}
    finally:
        admin.close()


def reports_held(events: list[dict[str, Any]]) -> Counter[str]:
    """How many strike events in the API hold each strike report: as their id or merged into them."""
    return Counter(
        i for e in events if e["event_type"] == "strike" for i in {e["event_id"], *e["merged_ids"]}
    )


def busiest_leader(cluster: LocalCluster, partitions: dict[str, list[dict[str, Any]]]) -> LocalBroker:
    """The node that leads most of our partitions: killing it moves the most leaders."""
    leaders = Counter(p["leader_id"] for ps in partitions.values() for p in ps)
    return next(n for n in cluster.nodes if n.node_id == leaders.most_common(1)[0][0])


def test_a_broker_killed_mid_stream_loses_and_duplicates_nothing(tmp_path: Path, unique: str) -> None:
    from services.extract.extractor import events_of
    from services.extract.nlp import default_extractor

    started = time.monotonic()
    pushes = devset_pushes()
    offline = default_extractor().extract(normalised(pushes))
    want_statements = {s.event_id for r in offline for s in r.statements}
    want_strike_articles = {r.article_id for r in offline if r.strikes}
    want_reports = {s.event_id for r in offline for s in r.strikes}  # each strike report of each article
    clean = events_of(offline)  # what one clean run stores (how reports merge depends on their order)
    third = len(pushes) // 3
    want_while_down = {s.event_id for r in offline[third : 2 * third] for s in r.statements}

    cluster = LocalCluster(tmp_path / "kafka")
    cluster.start()
    stack = make_stack(
        cluster.bootstrap, unique, tmp_path / "stack",
        WARWIRE_TOPIC_REPLICATION_FACTOR="3", WARWIRE_INGEST_PUBLISH_TIMEOUT_S="5",
    )  # fmt: skip
    victim: LocalBroker | None = None
    try:
        stack.start()  # the services create the topics themselves, with the replication factor they are given
        stack.wait_healthy(timeout=240)
        partitions = our_partitions(cluster.bootstrap, unique)
        offsets = our_partitions(cluster.bootstrap, "__consumer_offsets")
        assert {len(p["replica_nodes"]) for ps in offsets.values() for p in ps} == {3}
        assert {f"{unique}.articles.raw", f"{unique}-merge-strike-merge-changelog"} <= set(partitions)
        assert {t: {len(p["replica_nodes"]) for p in ps} for t, ps in partitions.items()} == {
            t: {3} for t in partitions
        }
        assert set(min_insync_of(cluster.bootstrap, sorted(partitions)).values()) == {"2"}

        api, ingest = stack.url("api"), stack.url("ingest")
        first = RetryingPusher(ingest, pushes[:third], 120)
        first.run()
        assert first.error is None, first.statuses
        wait_for(lambda: api_all(api), 120, "the first events in the API")

        victim = busiest_leader(cluster, partitions)
        victim.kill()
        killed_at = time.monotonic()
        during = RetryingPusher(ingest, pushes[third : 2 * third], 240)
        during.run()
        assert during.error is None, during.statuses

        def extracted_while_down() -> bool:
            return want_while_down <= {e["event_id"] for e in api_all(api) if e["event_type"] == "statement"}

        # Two of three replicas are in sync: the pipeline keeps going without the dead broker.
        wait_for(extracted_while_down, 240, "the events of articles pushed while a broker is dead")
        down_s = time.monotonic() - killed_at
        victim.start()
        restarted_at = time.monotonic()
        after = RetryingPusher(ingest, pushes[2 * third :], 120)
        after.run()
        assert after.error is None, after.statuses

        def complete() -> list[dict[str, Any]] | None:
            events = api_all(api)
            statements = {e["event_id"] for e in events if e["event_type"] == "statement"}
            reports = set(reports_held(events))
            return events if statements >= want_statements and reports >= want_reports else None

        events = wait_for(complete, 240, "every article's events in the API after the broker is back") or []
        complete_s = time.monotonic() - restarted_at
        strikes = [e for e in events if e["event_type"] == "strike"]
        want_alerts = {
            (e["actor"]["name"], theater)
            for e in strikes
            if e.get("actor") and (theater := theater_of(StrikeEvent.model_validate(e))) is not None
        }

        def alerted() -> set[tuple[str, str]] | None:
            got = {(a["actor"]["name"], a["theater"]) for a in api_all(api, "alerts", kind="new_actor")}
            return got if got >= want_alerts else None

        wait_for(alerted, 120, "a new_actor alert for every actor and theater among the strikes")
        running = {name: stack.procs[name].poll() is None for name in SERVICES}
        healthy = {name: httpx.get(stack.url(name) + "/healthz", timeout=5).status_code for name in SERVICES}
        restarts = dict(stack.restarts)
    finally:
        codes = stack.stop()
        cluster.stop()
    assert running == dict.fromkeys(SERVICES, True), running
    assert healthy == dict.fromkeys(SERVICES, 200), healthy
    assert restarts == {}, f"services restarted after a stall: {restarts}"
    assert set(codes.values()) == {0}, codes

    ids = [e["event_id"] for e in events]
    duplicated = len(ids) - len(set(ids))
    assert duplicated == 0, [i for i, n in Counter(ids).items() if n > 1]
    statements = [e for e in events if e["event_type"] == "statement"]
    assert {e["event_id"] for e in statements} == want_statements  # none missing, none invented
    for e in strikes:
        cited = [s["article_id"] for s in e["sources"]]
        assert len(cited) == len(set(cited)), f"{e['event_id']} cites an article twice"
    assert {s["article_id"] for e in strikes for s in e["sources"]} == want_strike_articles
    held = reports_held(events)
    assert set(held) == want_reports  # every strike report is in an event, and nothing else is
    assert [r for r, n in held.items() if n > 1] == []  # and in one event only
    print(json.dumps({"articles": len(pushes), "killed_node": victim.node_id if victim else None,
                      "events_clean_run": len(clean), "events_stored": len(events),
                      "statements_expected": len(want_statements), "statements_stored": len(statements),
                      "strike_reports_expected": len(want_reports), "strikes_clean_run":
                      sum(1 for e in clean if e.event_type == "strike"), "strikes_stored": len(strikes), "duplicated": duplicated, "lost": 0,
                      "new_actor_alerts": len(want_alerts), "broker_down_s": round(down_s, 1),
                      "complete_after_restart_s": round(complete_s, 1),
                      "pushes_retried": sum(1 for s in during.statuses if s != 202),
                      "runtime_s": round(time.monotonic() - started, 1)}))  # fmt: skip
