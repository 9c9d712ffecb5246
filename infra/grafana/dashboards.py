"""The Grafana dashboards, defined once here and written as the committed JSON Grafana provisions.

    python infra/grafana/dashboards.py        # rewrite infra/grafana/dashboards/*.json

tests/integration/test_observability.py checks that the JSON matches this file and that every PromQL
expression returns data from a real Prometheus scraping the running services."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATASOURCE = {"type": "prometheus", "uid": "warwire-prometheus"}
OUT = Path(__file__).resolve().parent / "dashboards"

Panel = tuple[str, str, list[tuple[str, str]]]  # title, unit, [(PromQL, legend)]


def _quantiles(metric: str, by: str, where: str = "") -> list[tuple[str, str]]:
    sel = f"{metric}_bucket{{{where}}}" if where else f"{metric}_bucket"
    return [
        (f"histogram_quantile({q}, sum by (le, {by}) (rate({sel}[5m])))", f"p{int(q * 100)} {{{{{by}}}}}")
        for q in (0.5, 0.95, 0.99)
    ]


PIPELINE: list[Panel] = [
    ("Articles ingested / s", "reqps",
     [("sum by (outcome) (rate(warwire_articles_ingested_total[1m]))", "{{outcome}}")]),
    ("Events emitted / s", "reqps",
     [("sum by (type) (rate(warwire_events_emitted_total[1m]))", "{{type}}")]),
    ("Alerts published / s", "reqps", [("sum(rate(warwire_alerts_total[1m]))", "alerts")]),
    ("End-to-end latency from ingest", "s",
     _quantiles("warwire_end_to_end_latency_seconds", "stage")),
    ("Extraction seconds per article", "s",
     [("histogram_quantile(0.95, sum by (le) (rate(warwire_extraction_seconds_bucket[5m])))", "p95")]),
    ("Consumer lag (messages)", "short",
     [("sum by (group, topic) (warwire_consumer_lag_messages)", "{{group}} {{topic}}")]),
    ("Dead letters (5 min)", "short",
     [("sum by (service, reason) (increase(warwire_dead_letters_total[5m]))", "{{service}} {{reason}}")]),
]  # fmt: skip

EVENTS: list[Panel] = [
    ("Events by type (5 min)", "short",
     [("sum by (type, strike_type) (increase(warwire_events_emitted_total[5m]))", "{{type}} {{strike_type}}")]),
    ("Top actors (new strikes)", "short",
     [("topk(10, sum by (actor) (warwire_strikes_total))", "{{actor}}")]),
    ("Strikes per theater", "short", [("sum by (theater) (warwire_strikes_total)", "{{theater}}")]),
]  # fmt: skip

ALERTS: list[Panel] = [
    ("Alerts by kind and severity (1 h)", "short",
     [("sum by (kind, severity) (increase(warwire_alerts_total[1h]))", "{{kind}} {{severity}}")]),
    ("Webhook deliveries / s by outcome", "reqps",
     [("sum by (outcome) (rate(warwire_webhook_deliveries_total[5m]))", "{{outcome}}")]),
    ("Latency to alert published", "s",
     _quantiles("warwire_end_to_end_latency_seconds", "stage", 'stage="alert_published"')),
    ("API request duration", "s",
     _quantiles("warwire_http_request_duration_seconds", "service", 'service="api"')),
]  # fmt: skip

DASHBOARDS = {
    "warwire-pipeline": ("warwire: pipeline", PIPELINE),
    "warwire-events": ("warwire: events", EVENTS),
    "warwire-alerts": ("warwire: alerts and webhooks", ALERTS),
}


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict[str, object]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["warwire"],
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "10s",
        "panels": [
            {
                "id": i + 1,
                "type": "timeseries",
                "title": panel_title,
                "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {
                        "refId": chr(ord("A") + j),
                        "datasource": DATASOURCE,
                        "expr": expr,
                        "legendFormat": legend,
                    }
                    for j, (expr, legend) in enumerate(queries)
                ],
            }
            for i, (panel_title, unit, queries) in enumerate(panels)
        ],
    }


def rendered() -> dict[str, str]:
    """File name -> JSON text, exactly as committed."""
    return {
        f"{uid}.json": json.dumps(dashboard(uid, title, panels), indent=2) + "\n"
        for uid, (title, panels) in DASHBOARDS.items()
    }


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
