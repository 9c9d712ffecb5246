"""Extract service settings (environment, prefix WARWIRE_EXTRACT_ for service-specific values)."""

from __future__ import annotations

from pydantic import Field

from shared.config import CommonSettings


class ExtractSettings(CommonSettings):
    extract_http_host: str = Field(default="127.0.0.1", description="Bind address of /healthz and /metrics.")
    extract_http_port: int = Field(default=8082, description="Port of /healthz and /metrics.")
    extract_workers: int = Field(
        default=1, ge=0, description="Extraction processes (0 = in the service process)."
    )
    extract_batch_size: int = Field(default=16, ge=1, description="Articles per nlp.pipe batch.")
    extract_batch_within_s: float = Field(
        default=0.2, gt=0, description="How long an idle poll waits for a first article, seconds."
    )
    extract_max_article_bytes: int = Field(
        default=1_000_000, description="Larger articles are dead-lettered."
    )
    extract_max_sentences: int = Field(
        default=3000,
        ge=1,
        description="Articles with more sentence ends than this are dead-lettered (too_many_sentences): "
        "no news report is that long, and parsing one would hold a worker for minutes.",
    )
    extract_max_chars: int = Field(
        default=50_000,
        ge=1000,
        description="An article's body is cut to this many characters, at a sentence end, before "
        "extraction (events come from the first part only; offsets stay valid). Bounds an article's cost.",
    )
    extract_timeout_s: float = Field(
        default=20.0,
        gt=0,
        description="Time budget of one extraction call in the pool. A batch over it is retried article "
        "by article; an article over it alone is dead-lettered (too_expensive) and its process replaced. "
        "The stage keeps one batch in flight per pool process, so a batch never waits for a process.",
    )
