"""The Grafana dashboards survive restarts and can be narrowed: no panel shows a raw counter (a restart
resets it to 0), totals are increase() over the dashboard's time range, every query follows the
$service variable and the strike panels the $theater one."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEN = runpy.run_path(str(ROOT / "infra" / "grafana" / "dashboards.py"))
COUNTER = re.compile(r"\b(warwire_\w+_total)\b")


def expressions() -> list[tuple[str, str]]:
    return [(f"{title} / {panel}", expr) for title, panels in GEN["DASHBOARDS"].values()
            for panel, _, queries in panels for expr, _ in queries]  # fmt: skip


def test_counters_are_read_through_rate_or_increase() -> None:
    for name, expr in expressions():
        for metric in COUNTER.findall(expr):
            assert re.search(rf"\b(rate|increase)\({metric}\{{[^}}]*\}}\[", expr), (
                f"{name}: raw {metric} in {expr}"
            )


def test_totals_are_over_the_dashboards_time_range() -> None:
    totals = [expr for _, expr in expressions() if "[$__range]" in expr]
    assert any("warwire_strikes_total" in e for e in totals) and any(
        "warwire_alerts_total" in e for e in totals
    )
    for expr in totals:
        assert "increase(" in expr


def test_template_variables() -> None:
    for name, expr in expressions():
        assert 'job=~"$service"' in expr, name
        if "warwire_strikes_total" in expr:
            assert 'theater=~"$theater"' in expr, name
    for path in (ROOT / "infra" / "grafana" / "dashboards").glob("*.json"):
        board = json.loads(path.read_text())
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert "service" in variables, path.name
        assert variables["service"]["query"]["query"] == "label_values(up, job)"
        text = json.dumps(board["panels"])
        assert ("$theater" in text) == ("theater" in variables), path.name
        for panel in board["panels"]:
            if panel["type"] == "bargauge":  # a total: one instant value over the range
                assert all(t["instant"] and "[$__range]" in t["expr"] for t in panel["targets"])
    events = json.loads((ROOT / "infra" / "grafana" / "dashboards" / "warwire-events.json").read_text())
    assert {v["name"] for v in events["templating"]["list"]} == {"service", "theater"}
