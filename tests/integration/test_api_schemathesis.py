"""schemathesis against our own OpenAPI document, on a real API server over the real broker: generated
valid and invalid requests must never get a 5xx, and every response must match the documented
status codes, content types and schemas. /v1/stream never ends, so it is covered by test_api_stream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.api.app import create_app
from services.api.store import Store
from services.runner import Stack
from shared.kafka_admin import ensure_topics
from shared.messages import encode
from shared.schemas import StatementEvent, StrikeEvent
from shared.topics import EVENTS_STATEMENT, EVENTS_STRIKE, TopicNames
from tests.conftest import make_producer, make_stack, wait_for
from tests.integration.test_api_store import EVENTS

pytestmark = pytest.mark.integration
KEY = "schemathesis-key"
SEMANTIC_REASONS = {"invalid_bbox", "invalid_range", "unsafe_url"}


@pytest.fixture(scope="module")
def api_server(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    unique = "t" + uuid.uuid4().hex[:10]
    workdir: Path = tmp_path_factory.mktemp("schemathesis")
    stack = make_stack(kafka_bootstrap, unique, workdir, WARWIRE_API_KEYS=KEY, WARWIRE_API_MAX_LIMIT="100")
    names = TopicNames(stack.topic_prefix)
    ensure_topics(kafka_bootstrap, names)
    producer = make_producer(kafka_bootstrap)
    for ev in EVENTS:  # real documents, so response schemas are checked against real data
        spec, topic = (
            (EVENTS_STRIKE, names.events_strike)
            if isinstance(ev, StrikeEvent)
            else (EVENTS_STATEMENT, names.events_statement)
        )
        enc = encode(spec, ev, source="/test")
        producer.send(topic, key=enc.key, value=enc.value, headers=enc.headers)
    producer.flush(timeout=30)
    producer.close()
    stack.start(("api",))
    try:
        stack.wait_healthy(timeout=60, services=("api",))
        wait_for(
            lambda: (
                len(__import__("httpx").get(stack.url("api") + "/v1/events").json()["items"]) == len(EVENTS)
            ),
            30,
            "seeded events in the API",
        )
        yield stack
    finally:
        assert stack.stop()["api"] == 0


# Loaded from the app itself (creating it connects to nothing); a test below checks that the running
# server serves this same document. (schemathesis' from_fixture relies on a pytest internal gone in 9.2.)
OPENAPI = create_app(Store("sqlite+aiosqlite:///:memory:"), max_limit=100, api_keys={KEY}).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI).exclude(path="/v1/stream")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, api_server: Stack) -> None:
    response = case.call(base_url=api_server.url("api"), headers={"X-API-Key": KEY})
    # Every check but positive-data acceptance, which is replaced by a stricter one below.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    if case.meta is not None and case.meta.generation.mode.is_positive and response.status_code in (400, 422):
        # JSON Schema cannot say "a longitude within -180..180" or "a URL that resolves to a public
        # address": a schema-valid request may be refused only for such a reason, named in the body.
        reason = (
            response.json()["detail"].get("reason") if isinstance(response.json()["detail"], dict) else None
        )
        assert reason in SEMANTIC_REASONS, (
            f"schema-valid request rejected: {response.status_code} {response.text}"
        )


def test_the_server_serves_the_tested_document(api_server: Stack) -> None:
    import httpx

    assert httpx.get(api_server.url("api") + "/openapi.json", timeout=10).json() == OPENAPI


def test_statement_event_documents_round_trip(api_server: Stack) -> None:
    """The detail endpoint's documented schema accepts what it serves (history included)."""
    import httpx

    from services.api.responses import StatementEventDetail

    doc = httpx.get(api_server.url("api") + "/v1/events/s1", timeout=10).json()
    assert StatementEventDetail.model_validate(doc).history[0].version == 1
    assert isinstance(EVENTS[-1], StatementEvent)
