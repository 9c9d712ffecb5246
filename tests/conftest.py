"""Shared fixtures. The Kafka broker is real: reuse KAFKA_BOOTSTRAP_SERVERS when set, otherwise
start one with scripts/kafka.sh on a free port for the session and stop it afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from services.runner import LocalBroker, free_port

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # the condition may race with start-up
            last_exc = exc
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}"
        + (f" (last error: {last_exc!r})" if last_exc else "")
    )


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = LocalBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def unique() -> str:
    """A short unique token for topic prefixes and group ids, so tests never share state."""
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        pytest.skip(f"seed reports not found in {SEEDS}")
    return files


@pytest.fixture(scope="session")
def seed_events(seeds: list[Path]) -> list[Any]:
    """The seed reports read by ingest's normaliser and extracted together (``warwire extract`` on both)."""
    from services.extract.extractor import events_of
    from services.extract.nlp import default_extractor
    from services.ingest.ingestor import ArticleIn, Ingestor
    from services.ingest.seen import SeenStore

    class _NoPublish:
        def publish(self, article: object) -> None:
            raise AssertionError("not publishing")

    normaliser = Ingestor(_NoPublish(), SeenStore(":memory:"))
    articles = []
    for path in seeds:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        item = ArticleIn(title=title, body=body, source=path.stem, published_at="2015-10-07T12:00:00Z")
        articles.append(normaliser.normalise(item))
    return events_of(default_extractor().extract(articles))


def consume_all(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 60.0, group: str | None = None
) -> list[Any]:
    """Read ``topic`` from the beginning until at least ``expect`` records arrived, then on to the end
    offsets of every partition, so a topic holding re-published copies is still read whole (kafka-python).
    Returns what was read by ``timeout`` (fewer records if fewer arrived)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=group is not None,
    )
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        ids = wait_for(lambda: consumer.partitions_for_topic(topic), timeout, f"partitions of {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(ids)]
        consumer.assign(partitions)
        if group is None:
            consumer.seek_to_beginning(*partitions)
        while len(records) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        if len(records) >= expect:
            ends = consumer.end_offsets(partitions)
            while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in partitions):
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(batch)
    finally:
        consumer.close()
    return records


def api_all(api: str, resource: str = "events", **params: str | int) -> list[dict[str, Any]]:
    """Every item the API holds of ``resource`` (all pages of GET /v1/events or /v1/alerts), newest first."""
    import httpx

    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query: dict[str, str | int] = {"limit": 500, **params} | ({"cursor": cursor} if cursor else {})
        page = httpx.get(f"{api}/v1/{resource}", params=query, timeout=10).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def make_producer(bootstrap: str, **config: Any) -> Any:
    """A kafka-python producer whose every blocking call is bounded, so a broken connection fails the
    test instead of hanging it."""
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", max_block_ms=30000, request_timeout_ms=30000, **config
    )


# Stacks made by the running tests: a failing test's report carries the tails of their service logs,
# since CI shows only the pytest output.
_STACKS: list[Any] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        for stack in _STACKS:
            report.sections.append((f"service logs ({report.when})", stack.log_tails()))
            report.sections.append((f"kafka progress ({report.when})", kafka_progress(stack)))
    if report.when == "teardown":
        _STACKS[:] = [s for s in _STACKS if s.procs]  # module-scoped stacks are still running


def kafka_progress(stack: Any) -> str:
    """Where each of the stack's topics ends and how far each of its consumer groups committed: which
    stage stopped, when a pipeline test times out. Never raises (it only adds to a failure's report)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    async def read() -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap, request_timeout_ms=10000)
        reader = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, request_timeout_ms=10000)
        await admin.start()
        await reader.start()
        try:
            ours = [
                t for t in await admin.list_topics() if t.startswith((stack.topic_prefix, stack.group_prefix))
            ]
            tps = [TopicPartition(d["topic"], p["partition"]) for d in await admin.describe_topics(sorted(ours))
                   for p in sorted(d["partitions"], key=lambda p: p["partition"])]  # fmt: skip
            ends = await reader.end_offsets(tps) if tps else {}
            lines = [f"{tp.topic}[{tp.partition}] end {ends[tp]}" for tp in tps]
            groups = sorted(
                g[0] for g in await admin.list_consumer_groups() if g[0].startswith(stack.group_prefix)
            )
            for group in groups:
                committed = await admin.list_consumer_group_offsets(group)
                lines += [f"  {group}: {tp.topic}[{tp.partition}] committed {m.offset} of {ends.get(tp, '?')}"
                          for tp, m in sorted(committed.items())]  # fmt: skip
            return "\n".join(lines)
        finally:
            await reader.stop()
            await admin.close()

    try:
        from aiokafka.structs import TopicPartition

        return asyncio.run(asyncio.wait_for(read(), timeout=30))
    except Exception as exc:  # the broker may be the thing that failed
        return f"not read: {exc!r}"


def make_stack(kafka_bootstrap: str, unique: str, workdir: Path, **env: str) -> Any:
    """A Stack with its own topic prefix, group ids and free ports (services are started by the test)."""
    from services.runner import Stack, StackPorts

    stack = Stack(
        bootstrap=kafka_bootstrap,
        workdir=workdir,
        topic_prefix=f"{unique}.",
        group_prefix=unique,
        ports=StackPorts.free(),
        extra_env=env,
    )
    _STACKS.append(stack)
    return stack


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL (Debian's package, started by scripts/postgres.sh) for the session; yields its
    base URL without a database name. WARWIRE_TEST_POSTGRES_URL reuses a running server instead."""
    if os.environ.get("WARWIRE_TEST_POSTGRES_URL"):
        yield os.environ["WARWIRE_TEST_POSTGRES_URL"].rstrip("/")
        return
    port = free_port()
    # Not under pytest's tmp dir: that is private to root, and the server runs as the postgres user.
    data = ROOT / ".cache" / "postgres" / f"test-{port}"
    env = dict(
        os.environ, PG_PORT=str(port), PG_DATA_DIR=str(data), PG_OPTS="-c fsync=off -c full_page_writes=off"
    )
    script = str(ROOT / "scripts" / "postgres.sh")
    subprocess.run(["bash", script, "start"], env=env, check=True)
    try:
        yield f"postgresql+asyncpg://warwire@127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", script, "stop"], env=env, check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, unique: str) -> str:
    """The API store's URL on each supported database: an SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'api.sqlite'}"
    return create_postgres_database(request.getfixturevalue("postgres_server"), unique)


@pytest.fixture
async def store(database_url: str) -> Any:
    """A started API store on ``database_url``, closed after the test."""
    from services.api.store import Store  # local: most tests never touch the store

    s = Store(database_url)
    await s.start()
    try:
        yield s
    finally:
        await s.close()


def create_postgres_database(base: str, name: str) -> str:
    """Create database ``name`` on the server at ``base`` (the postgres_server URL); returns its URL."""
    host, port = base.split("@", 1)[1].split(":")
    subprocess.run(
        ["psql", "-h", host, "-p", port, "-U", "warwire", "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
    )
    return f"{base}/{name}"
