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


# Template variables: $service is a scrape job (one per service, infra/prometheus/prometheus.yml) and
# $theater the ISO country of a strike's effects. "All" matches every value (allValue ".*").
SERVICE = 'job=~"$service"'
THEATER = 'theater=~"$theater"'
VARIABLES = {
    "service": ("label_values(up, job)", "Service"),
    "theater": ("label_values(warwire_strikes_total, theater)", "Theater"),
}


def _quantiles(metric: str, by: str, where: str = "") -> list[tuple[str, str]]:
    sel = f"{metric}_bucket{{{SERVICE}{', ' + where if where else ''}}}"
    return [
        (f"histogram_quantile({q}, sum by (le, {by}) (rate({sel}[5m])))", f"p{int(q * 100)} {{{{{by}}}}}")
        for q in (0.5, 0.95, 0.99)
    ]


# Counters restart from 0 with their process: panels show rate() or increase() over a window, never the
# raw counter. Totals use increase() over the dashboard's time range ($__range) as one instant value.
PIPELINE: list[Panel] = [
    ("Articles ingested / s", "reqps",
     [(f"sum by (outcome) (rate(warwire_articles_ingested_total{{{SERVICE}}}[1m]))", "{{outcome}}")]),
    ("Events emitted / s", "reqps",
     [(f"sum by (type) (rate(warwire_events_emitted_total{{{SERVICE}}}[1m]))", "{{type}}")]),
    ("Alerts published / s", "reqps", [(f"sum(rate(warwire_alerts_total{{{SERVICE}}}[1m]))", "alerts")]),
    ("End-to-end latency from ingest", "s",
     _quantiles("warwire_end_to_end_latency_seconds", "stage")),
    ("Extraction seconds per article", "s",
     [(f"histogram_quantile(0.95, sum by (le) (rate(warwire_extraction_seconds_bucket{{{SERVICE}}}[5m])))", "p95")]),
    ("Consumer lag (messages)", "short",
     [(f"sum by (group, topic) (warwire_consumer_lag_messages{{{SERVICE}}})", "{{group}} {{topic}}")]),
    ("Consumer stalled (seconds without progress while behind)", "s",
     [(f"max by (group, topic) (warwire_consumer_stalled_seconds{{{SERVICE}}})", "{{group}} {{topic}}")]),
    ("Dead letters (5 min)", "short",
     [(f"sum by (service, reason) (increase(warwire_dead_letters_total{{{SERVICE}}}[5m]))", "{{service}} {{reason}}")]),
    ("Feeds up", "short", [(f"max by (feed) (warwire_feed_up{{{SERVICE}}})", "{{feed}}")]),
]  # fmt: skip

EVENTS: list[Panel] = [
    ("Events by type (5 min)", "short",
     [(f"sum by (type, strike_type) (increase(warwire_events_emitted_total{{{SERVICE}}}[5m]))", "{{type}} {{strike_type}}")]),
    ("Top actors (new strikes in the time range)", "short",
     [(f"topk(10, sum by (actor) (increase(warwire_strikes_total{{{SERVICE}, {THEATER}}}[$__range])))", "{{actor}}")]),
    ("Strikes per theater (in the time range)", "short",
     [(f"sum by (theater) (increase(warwire_strikes_total{{{SERVICE}, {THEATER}}}[$__range]))", "{{theater}}")]),
    ("Strikes / s by theater", "reqps",
     [(f"sum by (theater) (rate(warwire_strikes_total{{{SERVICE}, {THEATER}}}[5m]))", "{{theater}}")]),
]  # fmt: skip

ALERTS: list[Panel] = [
    ("Alerts by kind and severity (in the time range)", "short",
     [(f"sum by (kind, severity) (increase(warwire_alerts_total{{{SERVICE}}}[$__range]))", "{{kind}} {{severity}}")]),
    ("Webhook deliveries / s by outcome", "reqps",
     [(f"sum by (outcome) (rate(warwire_webhook_deliveries_total{{{SERVICE}}}[5m]))", "{{outcome}}")]),
    ("Latency to alert published", "s",
     _quantiles("warwire_end_to_end_latency_seconds", "stage", 'stage="alert_published"')),
    ("HTTP request duration", "s",
     _quantiles("warwire_http_request_duration_seconds", "service")),
]  # fmt: skip

DASHBOARDS = {
    "warwire-pipeline": ("warwire: pipeline", PIPELINE),
    "warwire-events": ("warwire: events", EVENTS),
    "warwire-alerts": ("warwire: alerts and webhooks", ALERTS),
}


def variable(name: str) -> dict[str, object]:
    query, label = VARIABLES[name]
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values"},
        "refresh": 2,  # on time range change
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }


def _is_total(queries: list[tuple[str, str]]) -> bool:
    return any("[$__range]" in expr for expr, _ in queries)


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict[str, object]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["warwire"],
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "10s",
        "templating": {
            "list": [
                variable(name)
                for name in VARIABLES
                if any(f"${name}" in e for _, _, q in panels for e, _ in q)
            ]
        },
        "panels": [
            {
                "id": i + 1,
                "type": "bargauge" if _is_total(queries) else "timeseries",
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
                        **({"instant": True, "range": False} if _is_total(queries) else {}),
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
