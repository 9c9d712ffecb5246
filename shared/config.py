"""Settings shared by every service, read from the environment (pydantic-settings).

Every variable is prefixed ``WARWIRE_`` except the two that deployments conventionally name
without it: ``KAFKA_BOOTSTRAP_SERVERS`` and ``DATABASE_URL``.
"""

from __future__ import annotations

import socket
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.secretbox import parse_key


class CommonSettings(BaseSettings):
    """Base for each service's settings: Kafka location, topic prefix, logging."""

    model_config = SettingsConfigDict(env_prefix="WARWIRE_", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "WARWIRE_KAFKA_BOOTSTRAP_SERVERS"),
        description="Comma-separated Kafka bootstrap servers.",
    )
    topic_prefix: str = Field(
        default="",
        description="Prepended to every topic name; lets several pipelines (or tests) share a broker.",
    )
    group_prefix: str = Field(
        default="warwire",
        description="Prefix of every consumer group id / Faust app id.",
    )
    topic_replication_factor: int = Field(
        default=1,
        ge=1,
        description="Replicas of every topic warwire creates (its own and Faust's internal ones); 3 on a "
        "cluster of 3 or more brokers. Those topics also get min.insync.replicas = a majority of it.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one readable line per record; json: one JSON object per line (time, level, "
        "logger, message, process, exception) for log shippers.",
    )
    instance_id: str = Field(
        default_factory=socket.gethostname,
        description="This worker's static consumer-group identity (Kafka static membership) in the "
        "plain-consumer stages (extract, detect): a restarted worker takes its partitions straight back. "
        "Give every worker of a group its own value. The Faust workers (merge, alert) join as dynamic members.",
    )
    consumer_session_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Kafka consumer session timeout: a worker that stops heartbeating (killed, wedged) "
        "loses its partitions to the rest of its group after this long.",
    )
    deadletter_max_consecutive: int = Field(
        default=200,
        ge=0,
        description="A consumer that dead-letters this many messages in a row halts (its /healthz says "
        "why) instead of dead-lettering the rest of the stream: a run that long means something upstream "
        "is broken, not one bad input. 0 = no limit.",
    )
    consumer_linger_ms: float = Field(
        default=100.0,
        ge=0,
        description="Once a plain consumer (extract, detect, the API's materialiser) has polled records, "
        "it collects more for up to this long before working on them: batches instead of single "
        "messages cost each stage, and the broker, far less per message. Adds at most this much latency "
        "per stage. 0: work on what each poll returns.",
    )
    consumer_lag_interval_s: float = Field(
        default=5.0, gt=0, description="How often a worker measures its consumer group's lag (the lag gauge)."
    )
    consumer_stall_timeout_s: float = Field(
        default=60.0,
        ge=0,
        description="A Faust worker whose committed offset has not moved for this long while it has lag "
        "exits with code 75 so its supervisor restarts it (a wedged fetcher). 0 disables the exit.",
    )
    webhook_allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs webhook URLs may resolve to although private/loopback "
        "(e.g. 127.0.0.0/8 for local tests). Empty: public addresses only.",
    )

    webhook_secret_key: str = Field(
        default="",
        description="32 random bytes in base64: the AES-256-GCM key that seals webhook signing secrets on "
        "the webhooks.subscriptions topic. Required by the api and deliver services.",
    )

    @property
    def secret_key(self) -> bytes | None:
        """The webhook secret key, None when unset; a malformed one raises SecretKeyError."""
        return parse_key(self.webhook_secret_key) if self.webhook_secret_key.strip() else None

    def require_secret_key(self) -> bytes:
        """For the services that handle webhook secrets: a missing key stops them at start, clearly."""
        return parse_key(self.webhook_secret_key)

    @property
    def allowed_networks(self) -> list[str]:
        return [n.strip() for n in self.webhook_allowed_networks.split(",") if n.strip()]

    def member_id(self, service: str) -> str | None:
        """The static group-member id of this worker of ``service`` (None: dynamic membership)."""
        return f"{self.instance_id}-{service}" if self.instance_id else None

    @property
    def bootstrap_list(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()]
