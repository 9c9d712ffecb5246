"""`make compose-test`: the committed docker-compose.yml in real containers (podman + podman-compose, see
scripts/containers.sh), with infra/compose-test/docker-compose.override.yml building local stand-ins for
Kafka, PostgreSQL and Prometheus and the application image from the Dockerfile on a local Debian base.

From the host it posts the sample articles to ingest, finds their events in the API, receives a signed alert
on a webhook receiver subscribed through the API, recreates the Kafka container and checks that the topics
and the subscription survive on the volume, and asks the Prometheus container whether it scrapes every
service. Everything is torn down (containers, network, volumes) whatever happens. Not part of `make test`
(marker `compose`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from services.runner import free_port
from shared.secretbox import new_key
from tests.conftest import wait_for
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.compose, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[2]
PODMAN_COMPOSE = ROOT / ".cache" / "containers" / "venv" / "bin" / "podman-compose"
OVERRIDE = "infra/compose-test/docker-compose.override.yml"
PROJECT = "warwire-compose-test"
SUBNET, GATEWAY = "10.89.213.0/24", "10.89.213.1"
INGEST_KEY, API_KEY = "ct-ingest-" + uuid.uuid4().hex[:8], "ct-api-" + uuid.uuid4().hex[:8]
SAMPLES = [
    json.loads(line) for line in (ROOT / "samples" / "articles.jsonl").read_text().splitlines() if line
]
# Articles posted after Kafka was recreated: the pipeline must go on on the same volume.
LATER = [
    {
        "title": "Frigates fire missiles at radar sites",
        "url": "https://example.org/compose-test/after-restart-1",
        "source": "Wire A",
        "published_at": "2026-06-03T09:00:00Z",
        "body": "Two frigates in the Baltic Sea fired 12 cruise missiles at radar sites in Latvia on Tuesday, "
        "the Russian defence ministry said.",
    },
]


def log(msg: str) -> None:
    print(f"compose-test [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def app_services() -> dict[str, int]:
    """Every service of the committed compose file that runs the application image, with its HTTP port
    (from its healthcheck): so services added to docker-compose.yml are checked without editing this test."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    out = {}
    for name, svc in services.items():
        if str(svc.get("image", "")).startswith("warwire:"):
            m = re.search(r"127\.0\.0\.1:(\d+)/healthz", " ".join(svc["healthcheck"]["test"]))
            assert m, f"{name}: no /healthz in its healthcheck"
            out[name] = int(m.group(1))
    return out


@dataclass
class Compose:
    env: dict[str, str]
    ports: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 1200, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(PODMAN_COMPOSE), "-p", PROJECT, "-f", "docker-compose.yml", "-f", OVERRIDE, *args]
        r = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {r.returncode}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
            )
        return r

    def containers(self) -> dict[str, str]:
        """service -> container name, for this project's containers."""
        r = podman("ps", "-a", "--filter", f"label=io.podman.compose.project={PROJECT}", "--format", "json")
        return {
            c["Labels"]["com.docker.compose.service"]: c["Names"][0] for c in json.loads(r.stdout or "[]")
        }

    def healthy(self, service: str) -> bool:
        """The compose file's own healthcheck, run now (podman schedules none without systemd)."""
        name = self.containers().get(service)
        return bool(name) and podman("healthcheck", "run", name, check=False).returncode == 0

    def wait_healthy(self, services: list[str], timeout: float) -> None:
        start = time.monotonic()
        pending = list(services)
        while pending and time.monotonic() - start < timeout:
            pending = [s for s in pending if not self.healthy(s)]
            if pending:
                time.sleep(2)
        assert not pending, f"not healthy after {timeout}s: {pending}"
        log(f"healthy: {', '.join(services)} ({time.monotonic() - start:.0f}s)")

    def logs(self) -> str:
        out = []
        for service, name in sorted(self.containers().items()):
            r = podman("logs", "--tail", "40", name, check=False)
            out.append(f"----- {service} ({name})\n{r.stdout}{r.stderr}")
        return "\n".join(out)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"


def podman(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


def stage_kafka_context() -> None:
    """The Kafka stand-in's build context: its files, the broker jars scripts/kafka.sh resolved, and the
    broker's log4j2 configuration (the jars live under .cache, which no other build context takes)."""
    libs = ROOT / ".cache" / "kafka" / "libs"
    if not (libs / ".complete").exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "fetch"], check=True)
    ctx = ROOT / ".cache" / "compose-test" / "kafka"
    shutil.rmtree(ctx, ignore_errors=True)
    shutil.copytree(ROOT / "infra" / "compose-test" / "kafka", ctx)
    shutil.copytree(libs.resolve(), ctx / "libs", ignore=shutil.ignore_patterns(".complete"))
    shutil.copy(ROOT / "infra" / "kafka" / "log4j2.properties", ctx / "log4j2.properties")


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Compose]:
    if not PODMAN_COMPOSE.exists() or shutil.which("podman") is None:
        pytest.fail("podman and podman-compose are missing: run `bash scripts/containers.sh install`")
    ports = {name: free_port() for name in ("ingest", "api", "prometheus", "kafka", "grafana")}
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "ct-" + uuid.uuid4().hex,
        "GRAFANA_ADMIN_PASSWORD": "ct-" + uuid.uuid4().hex,
        "WARWIRE_API_KEYS": API_KEY,
        "WARWIRE_INGEST_API_KEYS": INGEST_KEY,
        "WARWIRE_WEBHOOK_SECRET_KEY": new_key(),
        "WARWIRE_WEBHOOK_ALLOWED_NETWORKS": SUBNET,
        "WARWIRE_COMPOSE_TEST_SUBNET": SUBNET,
        "WARWIRE_COMPOSE_TEST_GATEWAY": GATEWAY,
        "WARWIRE_INGEST_PORT": str(ports["ingest"]),
        "WARWIRE_API_PORT": str(ports["api"]),
        "PROMETHEUS_PORT": str(ports["prometheus"]),
        "GRAFANA_PORT": str(ports["grafana"]),
        "KAFKA_EXTERNAL_PORT": str(ports["kafka"]),
        "KAFKA_EXTERNAL_HOST": "127.0.0.1",
    }
    compose = Compose(env=env, ports=ports)
    apps = list(app_services())
    compose.run("down", "-v", check=False)  # what an interrupted earlier run left
    try:
        t = time.monotonic()
        stage_kafka_context()
        # The services share one application image: build it once (podman-compose would build it once per
        # service, side by side), then the stand-ins.
        compose.run("build", apps[0])
        compose.run("build", "kafka", "postgres", "prometheus")
        compose.timings["build"] = time.monotonic() - t
        log(f"images built ({compose.timings['build']:.0f}s)")
        t = time.monotonic()
        compose.run("up", "-d", "kafka", "postgres")
        compose.wait_healthy(["kafka", "postgres"], timeout=240)
        # Grafana is left out: it has no Debian package to build a stand-in from.
        compose.run("up", "-d", *apps, "prometheus")
        compose.wait_healthy(apps, timeout=420)
        compose.timings["up"] = time.monotonic() - t
        yield compose
    except BaseException:
        log("failed; the containers' last log lines:\n" + compose.logs())
        raise
    finally:
        if request.node.session.testsfailed:
            log("a check failed; the containers' last log lines:\n" + compose.logs())
        t = time.monotonic()
        r = compose.run("down", "-v", check=False, timeout=600)
        log(f"torn down ({time.monotonic() - t:.0f}s, exit {r.returncode})")


def kafka_topics(bootstrap: str) -> set[str]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def subscription_on_kafka(bootstrap: str, topic: str, subscription_id: str) -> bool:
    """Whether the compacted subscriptions topic, read from the start, holds the subscription."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
        consumer_timeout_ms=5000, group_id=None,
    )  # fmt: skip
    try:
        return any(subscription_id in (m.key or b"").decode() + (m.value or b"").decode() for m in consumer)
    finally:
        consumer.close()


def events_citing(api: str, urls: set[str]) -> set[str]:
    items = httpx.get(f"{api}/v1/events", params={"limit": 200}, timeout=10).json()["items"]
    return {s.get("url") for ev in items for s in ev.get("sources", [])} & urls


def test_the_compose_stack_runs_in_real_containers(stack: Compose) -> None:
    ingest, api = stack.url("ingest"), stack.url("api")
    bootstrap = f"127.0.0.1:{stack.ports['kafka']}"
    started = time.monotonic()

    # A webhook receiver on the host, at the compose network's gateway, subscribed through the API.
    receiver = WebhookReceiver(host=GATEWAY)
    receiver.start()
    try:
        r = httpx.post(f"{api}/v1/webhooks", json={"url": receiver.url}, timeout=10)
        assert r.status_code == 401, f"webhook management must need WARWIRE_API_KEYS: {r.status_code}"
        r = httpx.post(
            f"{api}/v1/webhooks", json={"url": receiver.url}, headers={"X-API-Key": API_KEY}, timeout=10
        )
        assert r.status_code == 201, r.text
        receiver.secret, subscription_id = r.json()["secret"], r.json()["subscription_id"]

        # The sample articles, pushed from the host (ingest wants its API key).
        assert httpx.post(f"{ingest}/v1/articles", json=SAMPLES[0], timeout=30).status_code == 401
        for art in SAMPLES:
            r = httpx.post(f"{ingest}/v1/articles", json=art, headers={"X-API-Key": INGEST_KEY}, timeout=30)
            assert r.status_code == 202, r.text
        urls = {a["url"] for a in SAMPLES}

        # Every sample but the one that reports no event (as `make demo-once` checks).
        def most_cited() -> set[str] | None:
            cited = events_citing(api, urls)
            return cited if len(cited) >= len(urls) - 1 else None

        cited = wait_for(most_cited, 300, "events citing the sample articles in the API", interval=2)
        log(f"{len(cited)} of {len(urls)} sample articles are cited by events in the API")

        delivery = wait_for(
            lambda: receiver.deliveries, 180, "a signed alert at the webhook receiver", interval=1
        )
        assert receiver.bad_signatures == 0  # the receiver checks every signature with shared.webhooks.verify
        body = delivery[0].body
        assert delivery[0].webhook_id == f"{body['alert_id']}:{body['version']}"
        log(f"signed alert delivered: {body['kind']} ({delivery[0].webhook_id})")

        # Prometheus (in its container) scrapes every service's /metrics.
        want = app_services()

        def scraped() -> dict[str, float] | None:
            q = httpx.get(
                f"{stack.url('prometheus')}/api/v1/query", params={"query": "up"}, timeout=10
            ).json()
            ups = {
                int(s["metric"]["instance"].rsplit(":", 1)[1]): float(s["value"][1])
                for s in q["data"]["result"]
            }
            got = {name: ups.get(port, -1.0) for name, port in want.items()}
            return got if all(v == 1.0 for v in got.values()) else None

        log(
            f"prometheus: up == 1 for {sorted(wait_for(scraped, 120, 'up == 1 for every service', interval=2))}"
        )

        # Recreate the Kafka container: its data is on the volume, so topics and the subscription survive.
        # podman-compose recreates the running services that depend on it too (podman ties them to it), so
        # the api and deliver read the subscriptions back from Kafka.
        topics = kafka_topics(bootstrap)
        sub_topic = next(t for t in topics if t.endswith("webhooks.subscriptions"))
        assert subscription_on_kafka(bootstrap, sub_topic, subscription_id)
        old_id = podman("inspect", "--format", "{{.Id}}", stack.containers()["kafka"]).stdout.strip()
        t = time.monotonic()
        stack.run("up", "-d", "--force-recreate", "kafka")
        new_id = podman("inspect", "--format", "{{.Id}}", stack.containers()["kafka"]).stdout.strip()
        assert new_id != old_id, "the kafka container was not recreated"
        stack.wait_healthy(["kafka", *want], timeout=300)
        log(f"kafka container recreated ({time.monotonic() - t:.0f}s)")
        after = wait_for(lambda: kafka_topics(bootstrap), 60, "the topics after the restart")
        assert topics <= after, f"topics lost with the container: {sorted(topics - after)}"
        assert subscription_on_kafka(bootstrap, sub_topic, subscription_id), "the subscription was lost"
        listed = httpx.get(f"{api}/v1/webhooks", headers={"X-API-Key": API_KEY}, timeout=10).json()
        assert subscription_id in json.dumps(listed)

        # The services reconnect by themselves: an article pushed now reaches the API.
        later = {a["url"] for a in LATER}

        def pushed(art: dict) -> bool:
            r = httpx.post(f"{ingest}/v1/articles", json=art, headers={"X-API-Key": INGEST_KEY}, timeout=30)
            return r.status_code == 202

        for art in LATER:
            wait_for(lambda a=art: pushed(a), 120, "ingest accepting articles again", interval=2)
        wait_for(
            lambda: events_citing(api, later) == later, 300, "events of the articles pushed after", interval=2
        )
        stack.wait_healthy(list(want), timeout=120)
        log(f"checks done in {time.monotonic() - started:.0f}s (build {stack.timings['build']:.0f}s, "
            f"up {stack.timings['up']:.0f}s)")  # fmt: skip
    finally:
        receiver.stop()
