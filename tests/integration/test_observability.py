"""A real Prometheus (Debian's package) scrapes the five running services while articles, an alert, a
webhook delivery and a dead letter flow; every PromQL expression of the committed Grafana dashboards must
then return data, and each consumer group must report its lag per partition."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from shared.topics import TopicNames
from tests.conftest import ROOT, free_port, make_producer, make_stack, wait_for
from tests.e2e.test_pipeline import ARTICLES

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


def start_prometheus(workdir: Path, targets: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: warwire\n    static_configs: [{{targets: [{', '.join(targets)}]}}]\n"
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


def dashboard_expressions() -> list[tuple[str, str]]:
    boards = runpy.run_path(str(ROOT / "infra" / "grafana" / "dashboards.py"))["DASHBOARDS"]
    return [
        (f"{title} / {panel_title}", expr)
        for title, panels in boards.values()
        for panel_title, _, queries in panels
        for expr, _ in queries
    ]


def test_every_dashboard_query_returns_data(
    kafka_bootstrap: str, unique: str, tmp_path: Path, receiver: str
) -> None:
    if PROMETHEUS is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed; scripts/setup.sh installs Debian's package")
        pytest.skip("Debian's prometheus is not installed (scripts/setup.sh installs it as root)")
    stack = make_stack(kafka_bootstrap, unique, tmp_path, WARWIRE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                       WARWIRE_CONSUMER_LAG_INTERVAL_S="1")  # fmt: skip
    stack.start()
    prom_proc = None
    try:
        stack.wait_healthy(timeout=180)
        ports = stack.ports
        prom_proc, prom = start_prometheus(
            tmp_path,
            [
                f"'127.0.0.1:{p}'"
                for p in (ports.ingest, ports.extract, ports.alert, ports.deliver, ports.api)
            ],
        )
        api, ingest = stack.url("api"), stack.url("ingest")
        assert httpx.post(f"{api}/v1/webhooks", json={"url": receiver}, timeout=10).status_code == 201
        for art in ARTICLES:
            assert httpx.post(f"{ingest}/v1/articles", json=art, timeout=30).status_code == 202
        producer = make_producer(kafka_bootstrap)
        producer.send(TopicNames(stack.topic_prefix).articles_raw, key=b"bad", value=b"{not json").get(30)
        producer.close()

        wait_for(lambda: len(query(prom, "up == 1")) == 5, 60, "Prometheus scraping all five services")
        missing = dict(dashboard_expressions())

        def all_answer() -> bool:  # fmt: skip
            for name, expr in list(missing.items()):
                if query(prom, expr):
                    del missing[name]
            return not missing

        try:
            wait_for(all_answer, 150, "every dashboard expression to return data")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; still empty: {missing}") from None

        groups = {
            s["metric"]["group"]
            for s in query(prom, "warwire_consumer_lag_messages")
            if s["metric"].get("partition") is not None
        }
        assert groups >= {f"{unique}-extract", f"{unique}-alert", f"{unique}-api"}, groups
        assert query(prom, 'warwire_strikes_total{theater="LV", actor="Russia"}')
    finally:
        if prom_proc is not None:
            prom_proc.terminate()
            prom_proc.wait(timeout=30)
        codes = stack.stop()
        assert set(codes.values()) == {0}, codes
