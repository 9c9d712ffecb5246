"""The alert service over the real broker: a baseline of Russian air strikes on Syria, then the two seed
reports; alerts explain themselves, reach a real signing-checking receiver exactly once per webhook-id
after it recovers, survive a SIGKILL, and bad input is dead-lettered."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from services.alert.detectors import signals_for
from services.alert.rules import AlertRules, TempoSpikeRule, default_rules_text
from services.alert.state import KeyState, SignalEnvelope, process
from services.extract.merge import Block, block_key
from services.extract.nlp import default_extractor
from services.ingest.ingestor import ArticleIn, Ingestor
from services.ingest.seen import SeenStore
from services.runner import Stack, StackPorts
from shared.messages import decode, encode
from shared.schemas import Alert, DeadLetter, StatementEvent, StrikeEvent
from shared.topics import EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames
from tests.conftest import consume_all, make_producer, wait_for
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration
BASELINE = ["new_launch_platform:Russia|SY|aircraft", "new_actor:Russia|SY"]


class _NoPublish:
    def publish(self, article: object) -> None:
        raise AssertionError


def seed_stream(seeds: list[Path]) -> list[StrikeEvent | StatementEvent]:
    """What extract publishes for the seeds, article by article: strike versions and statements."""
    norm = Ingestor(_NoPublish(), SeenStore(":memory:"))
    articles = []
    for path in seeds:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        articles.append(
            norm.normalise(
                ArticleIn(title=title, body=body, source=path.stem, published_at="2015-10-07T12:00:00Z")
            )
        )
    blocks: dict[str, Block] = {}
    out: list[StrikeEvent | StatementEvent] = []
    for result in default_extractor().extract(articles):
        for strike in result.strikes:
            merged, grew = blocks.setdefault(block_key(strike), Block()).add(strike)
            if grew:
                out.append(merged)
        out.extend(result.statements)
    return out


def baseline_stream() -> list[StrikeEvent]:
    hama = {"name": "Hama", "matched_text": "Hama", "kind": "populated_place", "country_code": "SY", "admin1": "Hama",
            "lat": 35.13, "lon": 36.75, "geo_precision": 1}  # fmt: skip
    return [
        StrikeEvent(
            event_id=f"base{i}",
            strike_type="air_strike",
            actor={"name": "Russia", "kind": "state_military", "country": "RU"},
            launch_platform={"kind": "aircraft"},
            locations=[hama],
            occurred_on=date(2015, 10, 1 + i),
            sources=[{"article_id": f"b{i}", "source": "baseline wire"}],
            evidence=[
                {
                    "article_id": f"b{i}",
                    "sentence": "Russian jets struck Hama.",
                    "char_start": 0,
                    "char_end": 24,
                }
            ],
        )
        for i in range(3)
    ]


def reference_alert_ids(events: list[StrikeEvent | StatementEvent], rules: AlertRules) -> set[str]:
    states: dict[str, KeyState] = {}
    ids = set()
    for ev in events:
        for sig in signals_for(ev, rules):
            env = SignalEnvelope.of(sig, ev)
            states[env.state_key], alerts = process(states.get(env.state_key, KeyState()), env, rules)
            ids.update(a.alert_id for a in alerts)
    return ids


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """Up but failing (503) until the test says it recovered."""
    r = WebhookReceiver(failing=True)
    r.start()
    yield r
    r.stop()


@pytest.fixture
def stack(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Stack]:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(default_rules_text() + "\n" + "baseline:\n" + "".join(f"  - '{b}'\n" for b in BASELINE))
    s = Stack(
        bootstrap=kafka_bootstrap, workdir=tmp_path, topic_prefix=f"{unique}.", group_prefix=unique,
        ports=StackPorts.free(),
        extra_env={"WARWIRE_ALERT_RULES_PATH": str(rules), "WARWIRE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
                   "WARWIRE_DELIVER_BACKOFF_BASE_S": "0.2", "WARWIRE_DELIVER_BACKOFF_MAX_S": "1.0",
                   "WARWIRE_DELIVER_MAX_ATTEMPTS": "500", "WARWIRE_DELIVER_MAX_ELAPSED_S": "300",
                   "WARWIRE_API_KEYS": "k"},
    )  # fmt: skip
    s.start(("detect", "alert", "deliver", "api"))
    try:
        s.wait_healthy(timeout=120, services=("detect", "alert", "deliver", "api"))
        yield s
    finally:
        s.stop()


def produce(bootstrap: str, names: TopicNames, events: list[StrikeEvent | StatementEvent]) -> None:
    producer = make_producer(bootstrap)
    for ev in events:
        spec, topic = (
            (EVENTS_STRIKE, names.events_strike)
            if isinstance(ev, StrikeEvent)
            else (EVENTS_STATEMENT, names.events_statement)
        )
        enc = encode(spec, ev, source="/test")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers).get(timeout=30)
    producer.close(timeout=30)


def alerts_on_topic(bootstrap: str, names: TopicNames, expect: int) -> list[Alert]:
    return [decode(Alert, r.value) for r in consume_all(bootstrap, names.alerts, expect=expect, timeout=10)]


def test_seed_alerts_delivered_once_after_the_receiver_recovers(
    stack: Stack, receiver: WebhookReceiver, seeds, kafka_bootstrap
) -> None:
    names = TopicNames(stack.topic_prefix)
    api = stack.url("api")
    r = httpx.post(f"{api}/v1/webhooks", json={"url": receiver.url}, headers={"X-API-Key": "k"}, timeout=10)
    assert r.status_code == 201, r.text
    sub = r.json()
    receiver.secret = sub["secret"]
    assert "secret" not in httpx.get(f"{api}/v1/webhooks", headers={"X-API-Key": "k"}).json()["items"][0]

    events = [*baseline_stream(), *seed_stream(seeds)]
    produce(kafka_bootstrap, names, events)
    bad = make_producer(kafka_bootstrap)
    bad.send(names.events_strike, key=b"bad", value=b"{not json").get(timeout=30)
    bad.close()

    # Tempo windows depend on arrival order across partitions; every other alert id only on the events.
    rules = AlertRules.load().model_copy(
        update={"baseline": BASELINE, "tempo_spike": TempoSpikeRule(enabled=False)}
    )
    expected = reference_alert_ids(events, rules)
    alerts = wait_for(
        lambda: (
            (a := alerts_on_topic(kafka_bootstrap, names, len(expected)))
            and {x.alert_id for x in a} >= expected
            and a
        ),
        120,
        "every expected alert on the alerts topic",
    )
    by_kind = Counter(a.kind.value for a in alerts)
    assert by_kind["new_launch_platform"] >= 1 and by_kind["ground_offensive"] >= 1
    caspian = [a for a in alerts if a.kind == "new_launch_platform" and a.actor and a.actor.name == "Russia"]
    assert caspian and all(a.evidence for a in caspian) and "warship" in caspian[0].title
    assert (
        max(a.version for a in caspian) == 2 and caspian[-1].status == "confirmed"
    )  # the second seed confirms
    baseline_kinds = {(a.kind.value, a.actor.name if a.actor else None) for a in alerts}
    assert ("new_actor", "Russia") not in baseline_kinds  # the baseline file kept the cold start quiet

    # The receiver was down: attempts failed and are in the delivery log.
    wait_for(lambda: receiver.refused >= 3, 60, "failed attempts while the receiver is down")
    log = httpx.get(
        f"{api}/v1/webhooks/{sub['subscription_id']}/deliveries", headers={"X-API-Key": "k"}
    ).json()
    assert any(d["outcome"] == "failed" and d["status_code"] == 503 for d in log["items"])

    receiver.failing = False
    wanted = {f"{a.alert_id}:{a.version}" for a in alerts}
    try:
        wait_for(
            lambda: set(receiver.webhook_ids()) >= wanted, 120, "every alert version delivered after recovery"
        )
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}; not delivered: {sorted(wanted - set(receiver.webhook_ids()))}"
        ) from None
    assert receiver.bad_signatures == 0
    assert len(receiver.webhook_ids()) == len(set(receiver.webhook_ids())), "a webhook-id was delivered twice"

    dead = [
        decode(DeadLetter, r.value)
        for r in consume_all(kafka_bootstrap, names.deadletter, expect=1, timeout=30)
    ]
    assert any(d.reason == "invalid_json" and d.service == "detect" for d in dead)


@pytest.mark.faults
def test_sigkill_mid_stream_loses_and_invents_no_alert(
    stack: Stack, receiver: WebhookReceiver, seeds, kafka_bootstrap
) -> None:
    names = TopicNames(stack.topic_prefix)
    r = httpx.post(
        f"{stack.url('api')}/v1/webhooks", json={"url": receiver.url}, headers={"X-API-Key": "k"}, timeout=10
    )
    assert r.status_code == 201, r.text
    receiver.secret = r.json()["secret"]
    receiver.failing = False
    events = [*baseline_stream(), *seed_stream(seeds)]
    half = len(events) // 2
    produce(kafka_bootstrap, names, events[:half])
    wait_for(lambda: alerts_on_topic(kafka_bootstrap, names, 1), 60, "first alerts")
    assert stack.stop_one("alert", kill=True) == -9
    stack.start_one("alert")
    stack.wait_healthy(timeout=120, services=("alert",))
    produce(kafka_bootstrap, names, events[half:])

    # Tempo windows depend on arrival order across partitions, which a restart changes; every other
    # alert id depends only on the events, so the sets must match exactly.
    rules = AlertRules.load().model_copy(
        update={"baseline": BASELINE, "tempo_spike": TempoSpikeRule(enabled=False)}
    )
    expected = reference_alert_ids(events, rules)

    def settled() -> list[Alert] | None:
        got = [a for a in alerts_on_topic(kafka_bootstrap, names, len(expected)) if a.kind != "tempo_spike"]
        return got if {a.alert_id for a in got} >= expected else None

    try:
        alerts = wait_for(settled, 180, "every expected alert after the restart")
    except AssertionError:
        got = {a.alert_id: a for a in alerts_on_topic(kafka_bootstrap, names, len(expected))}
        print(
            "MISSING",
            [a for a in expected if a not in got],
            "EXTRA",
            [(a.kind.value, a.title) for i, a in got.items() if i not in expected],
        )
        raise
    assert {a.alert_id for a in alerts} == expected  # none lost, none invented
    for alert_id in expected:
        versions = sorted({a.version for a in alerts if a.alert_id == alert_id})
        assert versions == list(range(1, len(versions) + 1)), f"{alert_id}: versions {versions}"
    copies = Counter((a.alert_id, a.version) for a in alerts)
    # The topic may hold a re-published copy (at-least-once); the receiver must still get each version once.
    wanted = {f"{a.alert_id}:{a.version}" for a in alerts}
    wait_for(lambda: set(receiver.webhook_ids()) >= wanted, 120, "every alert version delivered by webhook")
    duplicates = [w for w, n in Counter(receiver.webhook_ids()).items() if n > 1]
    # Delivery runs in the deliver service, which the kill does not touch, and which skips a version the
    # killed worker re-published: every version arrives exactly once.
    assert not duplicates, f"delivered more than once: {duplicates}"
    assert receiver.bad_signatures == 0
    print(json.dumps({"alerts": len(expected), "versions": len(wanted), "records": len(alerts),
                      "republished_after_kill": sum(c - 1 for c in copies.values()),
                      "webhooks_received": len(receiver.webhook_ids()), "aborted_requests": receiver.aborted, "restarts_after_stall": stack.restarts.get("alert", 0), "at": datetime.now(UTC).isoformat()}))  # fmt: skip
