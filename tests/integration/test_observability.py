"""A real Prometheus (Debian's package) scrapes the running services (one job per service, as compose's
config) while articles, a feed, an alert, a webhook delivery and a dead letter flow. It loads the committed
alerting rules; every PromQL expression of the committed Grafana dashboards and of those rules must then
return data, and each consumer group must report its lag per partition.

An alert's expression is normally empty (nothing is wrong), so each is evaluated with its threshold
comparisons turned into ``bool`` ones (``x > 0`` becomes ``x > bool 0``): every series the rule looks at
then answers 0 or 1, and an expression over a misspelt metric, a label that no service exports or label
sets that ``and``/``unless`` cannot match still comes back empty and fails the test."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from shared.topics import TopicNames
from tests.conftest import ROOT, free_port, make_producer, make_stack, wait_for
from tests.e2e.test_pipeline import ARTICLES
from tests.integration.test_ingest_feed_service import FeedServer

RULES = ROOT / "infra" / "prometheus" / "rules.yml"
# Dashboard variables as Grafana substitutes them with "All" selected, and a time range.
GRAFANA_VARIABLES = {"$service": ".*", "$theater": ".*", "$__range": "1h"}
COMPARISON = re.compile(r"\s(==|!=|>=|<=|>|<)\s+(?!bool\b)")

pytestmark = pytest.mark.integration
PROMETHEUS = shutil.which("prometheus")


class Accepting(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Accepting)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()


@pytest.fixture
def feed_url() -> Iterator[str]:
    FeedServer.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.atom"
    httpd.shutdown()


def start_prometheus(workdir: Path, targets: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """One scrape job per service (``job`` names the service, as in infra/prometheus/prometheus.yml),
    and the committed alerting rules."""
    port = free_port()
    shutil.copy(RULES, workdir / "rules.yml")
    config = workdir / "prometheus.yml"
    config.write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(workdir / "rules.yml")],
                "scrape_configs": [
                    {"job_name": job, "static_configs": [{"targets": [target]}]}
                    for job, target in targets.items()
                ],
            }
        )
    )
    log = open(workdir / "prometheus.log", "wb")  # noqa: SIM115 - lives as long as the child
    proc = subprocess.Popen(
        [str(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def query(prom: str, expr: str) -> list[dict]:
    r = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=5)
    r.raise_for_status()
    return r.json()["data"]["result"]


def grafana(expr: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"a dashboard variable the test does not know: {expr}"
    return expr


def dashboard_expressions() -> list[tuple[str, str]]:
    boards = runpy.run_path(str(ROOT / "infra" / "grafana" / "dashboards.py"))["DASHBOARDS"]
    return [
        (f"{title} / {panel_title}", grafana(expr))
        for title, panels in boards.values()
        for panel_title, _, queries in panels
        for expr, _ in queries
    ]


def rule_expressions() -> list[tuple[str, str]]:
    """Every alerting rule's expression, its threshold comparisons made ``bool`` (see the docstring)."""
    doc = yaml.safe_load(RULES.read_text())
    out = []
    for rule in (r for group in doc["groups"] for r in group["rules"]):
        expr, n = COMPARISON.subn(lambda m: f" {m.group(1)} bool ", rule["expr"])
        assert n >= 1, f"{rule['alert']}: no threshold comparison found in {rule['expr']!r}"
        out.append((f"rule {rule['alert']}", expr))
    return out


def test_rule_expressions_are_made_bool() -> None:
    """The rewriting the real-Prometheus test relies on: thresholds only, never label matchers."""
    assert COMPARISON.sub(lambda m: f" {m.group(1)} bool ", 'sum(x{a="b"}) > 0 and y{c!="d"} == 1') == (
        'sum(x{a="b"}) > bool 0 and y{c!="d"} == bool 1'
    )
    names = [name for name, _ in rule_expressions()]
    assert len(names) == len(set(names)) >= 7


@pytest.mark.timeout(600)  # five services to start and stop on a shared 2-core machine, plus Prometheus
def test_every_dashboard_and_rule_query_returns_data(
    kafka_bootstrap: str, unique: str, tmp_path: Path, receiver: str, feed_url: str
) -> None:
    if PROMETHEUS is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed; scripts/setup.sh installs Debian's package")
        pytest.skip("Debian's prometheus is not installed (scripts/setup.sh installs it as root)")
    feeds = json.dumps([{"name": "localwire", "url": feed_url, "interval_s": 5}])
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                       WARWIRE_CONSUMER_LAG_INTERVAL_S="1", WARWIRE_INGEST_FEEDS=feeds)  # fmt: skip
    stack.start()
    prom_proc = None
    try:
        stack.wait_healthy(timeout=180)
        services = sorted(stack.procs)  # the Stack's default services, whatever they are
        prom_proc, prom = start_prometheus(
            tmp_path, {name: stack.url(name).removeprefix("http://") for name in services}
        )
        api, ingest = stack.url("api"), stack.url("ingest")
        assert httpx.post(f"{api}/v1/webhooks", json={"url": receiver}, timeout=10).status_code == 201
        for art in ARTICLES:
            assert httpx.post(f"{ingest}/v1/articles", json=art, timeout=30).status_code == 202
        producer = make_producer(kafka_bootstrap)
        producer.send(TopicNames(stack.topic_prefix).articles_raw, key=b"bad", value=b"{not json").get(30)
        producer.close()

        wait_for(
            lambda: len(query(prom, "up == 1")) == len(services), 60, "Prometheus scraping every service"
        )
        missing = dict(dashboard_expressions() + rule_expressions())
        # The dashboards' variables: a service per scrape job, theaters from the strikes.
        missing["variable service"] = "group by (job) (up)"
        missing["variable theater"] = "group by (theater) (warwire_strikes_total)"

        def all_answer() -> bool:  # fmt: skip
            for name, expr in list(missing.items()):
                if query(prom, expr):
                    del missing[name]
            return not missing

        try:
            wait_for(all_answer, 150, "every dashboard and rule expression to return data")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; still empty: {missing}") from None

        groups = {
            s["metric"]["group"]
            for s in query(prom, "warwire_consumer_lag_messages")
            if s["metric"].get("partition") is not None
        }
        assert groups >= {f"{unique}-extract", f"{unique}-alert", f"{unique}-api"}, groups
        assert query(prom, 'warwire_strikes_total{theater="LV", actor="Russia"}')
        assert {s["metric"]["job"] for s in query(prom, "group by (job) (up)")} == set(services)
        # Prometheus loaded every committed rule and evaluates it without error.
        loaded = httpx.get(f"{prom}/api/v1/rules", timeout=5).json()["data"]["groups"]
        rules = {r["name"]: r for g in loaded for r in g["rules"]}
        assert set(rules) == {name.removeprefix("rule ") for name, _ in rule_expressions()}
        wait_for(lambda: all(r["health"] == "ok" for g in httpx.get(f"{prom}/api/v1/rules", timeout=5).json()["data"]["groups"] for r in g["rules"]), 30, "every rule evaluated without error")  # fmt: skip
    finally:
        if prom_proc is not None:
            prom_proc.terminate()
            prom_proc.wait(timeout=30)
        codes = stack.stop()
        assert set(codes.values()) == {0}, codes
