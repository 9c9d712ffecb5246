"""The alerting rules operators get (infra/prometheus/rules.yml): promtool checks them and the
Prometheus config that loads them, and runs their unit tests (rules_test.yml), in which each alert fires
on the series it is meant for and stays quiet on healthy ones. promtool comes with Debian's prometheus
package (scripts/setup.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "infra" / "prometheus"
PROMTOOL = shutil.which("promtool")
# What #16 asks the rules to cover; names are stable (operators route and silence on them).
REQUIRED = {
    "WarwireConsumerLagGrowing",
    "WarwireDeadLetters",
    "WarwireConsumerStalled",
    "WarwireWorkerRestarting",
    "WarwireWebhookGaveUp",
    "WarwireIngestBrokerErrors",
    "WarwireFeedDown",
}


@pytest.fixture
def promtool() -> str:
    if PROMTOOL is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is not installed; scripts/setup.sh installs Debian's prometheus package")
        pytest.skip("promtool is not installed (Debian's prometheus package, scripts/setup.sh)")
    return PROMTOOL


def alerts() -> list[dict]:
    doc = yaml.safe_load((PROM / "rules.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def run(*args: str, cwd: Path = PROM) -> str:
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_promtool_checks_the_rules(promtool: str) -> None:
    assert f"SUCCESS: {len(alerts())} rules found" in run(promtool, "check", "rules", "rules.yml")


def test_every_alert_fires_in_the_rule_tests(promtool: str) -> None:
    names = {rule["alert"] for rule in alerts()}
    assert names >= REQUIRED
    tests = yaml.safe_load((PROM / "rules_test.yml").read_text())["tests"]
    fired = {case["alertname"] for t in tests for case in t["alert_rule_test"] if case.get("exp_alerts")}
    assert fired == names, f"alerts without a firing test: {names - fired}"
    assert "SUCCESS" in run(promtool, "test", "rules", "rules_test.yml")


def test_the_compose_prometheus_loads_the_rules(promtool: str, tmp_path: Path) -> None:
    """prometheus.yml names the rules where compose mounts them; promtool checks the config with that
    path pointed at the committed file."""
    config = (PROM / "prometheus.yml").read_text()
    assert "/etc/prometheus/rules.yml" in yaml.safe_load(config)["rule_files"]
    shutil.copy(PROM / "rules.yml", tmp_path / "rules.yml")
    (tmp_path / "prometheus.yml").write_text(config.replace("/etc/prometheus/rules.yml", "rules.yml"))
    assert "SUCCESS" in run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)


def test_every_alert_is_explained() -> None:
    for rule in alerts():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
