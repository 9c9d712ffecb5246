"""Every Prometheus metric warwire exposes, declared once. Base units, ``_total`` on counters,
low-cardinality labels only (never ids, URLs or free text)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)

# Articles that reached ingest, by where they came from (push, file, feed:<name>) and what happened.
ARTICLES_INGESTED = Counter(
    "warwire_articles_ingested_total",
    "Articles received by ingest, by source kind and outcome.",
    ["source", "outcome"],
)
# Events published by extract.
EVENTS_EMITTED = Counter(
    "warwire_events_emitted_total",
    "Events published by extract, by type and strike_type.",
    ["type", "strike_type"],
)
# Articles extract skipped on purpose (non-English, syndicated copy, ...).
ARTICLES_SKIPPED = Counter(
    "warwire_articles_skipped_total", "Articles extract skipped, by reason.", ["reason"]
)
# Articles whose body extract cut to WARWIRE_EXTRACT_MAX_CHARS before extraction.
ARTICLES_CUT = Counter("warwire_articles_cut_total", "Articles extract cut to its size limit.")
# Alerts raised (every version counts once).
ALERTS_RAISED = Counter(
    "warwire_alerts_total", "Alerts published, by kind and severity.", ["kind", "severity"]
)
# New strike events (version 1) by theater (ISO country of effects) and actor, for the Events dashboard.
# Label values are bounded by BoundedLabel below, so an unusual feed cannot explode the series count.
STRIKES = Counter(
    "warwire_strikes_total",
    "Strike events first published by extract, by theater (ISO 3166 alpha-2) and actor (normalised name).",
    ["theater", "actor"],
)
# Webhook delivery attempts.
WEBHOOK_DELIVERIES = Counter(
    "warwire_webhook_deliveries_total", "Webhook delivery attempts, by outcome.", ["outcome"]
)
# Messages a service gave up on.
DEAD_LETTERS = Counter(
    "warwire_dead_letters_total", "Dead-lettered messages, by service and reason.", ["service", "reason"]
)
# CPU-bound extraction time per article (in the worker pool).
EXTRACTION_SECONDS = Histogram(
    "warwire_extraction_seconds", "Extraction time per article, in seconds.", buckets=LATENCY_BUCKETS
)
# From ingest accepting an article to a downstream stage, one per hop: stage = extracted (extract),
# event_published (merge), event_stored (api), alert_published (alert).
END_TO_END_LATENCY = Histogram(
    "warwire_end_to_end_latency_seconds",
    "Seconds from ingest accepting the article to the given stage.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
# HTTP server time per request, labelled by route template (not raw path).
HTTP_REQUEST_DURATION = Histogram(
    "warwire_http_request_duration_seconds",
    "HTTP request duration in seconds, by service, method, route template and status class.",
    ["service", "method", "route", "status"],
)
# Consumer lag: log-end offset minus committed offset.
CONSUMER_LAG = Gauge(
    "warwire_consumer_lag_messages",
    "Consumer lag in messages, by group, topic and partition.",
    ["group", "topic", "partition"],
)
# Seconds a partition has had lag while its committed offset stood still (0 while it moves or is caught up);
# a Faust worker exits with code 75 when it reaches WARWIRE_CONSUMER_STALL_TIMEOUT_S.
CONSUMER_STALLED = Gauge(
    "warwire_consumer_stalled_seconds",
    "Seconds the group's committed offset has not moved while the partition has lag (0: moving or caught up).",
    ["group", "topic", "partition"],
)
# Articles ingest could not put on articles.raw: the broker was unreachable or did not acknowledge in time.
INGEST_PUBLISH_ERRORS = Counter(
    "warwire_ingest_publish_errors_total",
    "Articles ingest failed to publish (broker unreachable or no acknowledgement in time).",
)
# Webhook delivery outcomes, every one exported from the start (0) so increase() sees the first of each.
WEBHOOK_OUTCOMES = ("delivered", "failed", "refused", "gave_up", "skipped_duplicate")
# Rows written by the API's store.
STORE_WRITES = Counter(
    "warwire_store_writes_total", "Store upserts by the API, by table and outcome.", ["table", "outcome"]
)
# Feed polling (ingest), per configured feed (a bounded set of names).
FEED_POLLS = Counter("warwire_feed_polls_total", "Feed polls, by feed and outcome.", ["feed", "outcome"])
FEED_UP = Gauge("warwire_feed_up", "1 when the feed's last poll succeeded, else 0.", ["feed"])
FEED_LAST_SUCCESS = Gauge(
    "warwire_feed_last_success_timestamp_seconds", "Unix time of the feed's last successful poll.", ["feed"]
)


class BoundedLabel:
    """Keeps a label's distinct values under ``limit`` per process: later newcomers become ``other``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if value is None:
            return "unknown"
        if value in self.seen or len(self.seen) < self.limit:
            self.seen.add(value)
            return value
        return "other"
