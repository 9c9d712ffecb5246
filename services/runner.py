"""Run the seven services as child processes with one environment: used by the demo and the
end-to-end tests. Waits on health endpoints (never fixed sleeps) and stops with SIGTERM."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.lag import EXIT_STALLED
from shared.secretbox import new_key

SERVICES = ("ingest", "extract", "merge", "detect", "alert", "deliver", "api")
ROOT = Path(__file__).resolve().parent.parent


_handed_out: set[int] = set()


def _ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A TCP port nothing listens on right now, for a service started a moment later.

    Picked *below* the kernel's ephemeral range: outgoing connections (Kafka clients, HTTP probes) take
    their local ports from that range, so a port the OS hands out with bind(0) can be taken by one
    of them before the service binds it ("address already in use"). A port is handed out once per
    process, so two services of one stack never get the same one."""
    low = max(1025, min(_ephemeral_low(), 65536) - 12000)
    high = max(low + 1000, min(_ephemeral_low(), 65536))
    rng = random.Random()
    for _ in range(500):
        port = rng.randrange(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free TCP port in {low}-{high}")


@dataclass
class LocalBroker:
    """A KRaft node from scripts/kafka.sh on its own ports and data directory: a single-node broker, or one
    node of a LocalCluster. Stopping (or killing) and starting it again keeps its data (a broker restart),
    so tests can take the broker away mid-stream."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    node_id: int = 1
    # controller.quorum.voters; empty: this node alone.
    voters: str = ""
    replication_factor: int = 1

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def voter(self) -> str:
        return f"{self.node_id}@127.0.0.1:{self.controller_port}"

    def _script(self, action: str, *, check: bool) -> None:
        env = dict(os.environ, KAFKA_PORT=str(self.port), KAFKA_CONTROLLER_PORT=str(self.controller_port),
                   KAFKA_DATA_DIR=str(self.data_dir), KAFKA_NODE_ID=str(self.node_id),
                   KAFKA_QUORUM_VOTERS=self.voters or self.voter,
                   KAFKA_REPLICATION_FACTOR=str(self.replication_factor))  # fmt: skip
        subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), action], env=env, check=check)

    def start(self) -> None:
        self._script("start", check=True)

    def stop(self) -> None:
        """Controlled shutdown (SIGTERM), waiting until the process is gone."""
        self._script("stop", check=False)

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would: no controlled shutdown, waiting until it is gone."""
        self._script("kill", check=True)


@dataclass
class LocalCluster:
    """A local KRaft cluster of ``size`` nodes, each broker and controller, on free ports: replication factor
    ``size`` and min.insync.replicas a majority (2 of 3) for every internal and default-created topic."""

    data_dir: Path
    size: int = 3
    nodes: list[LocalBroker] = field(init=False)

    def __post_init__(self) -> None:
        self.nodes = [
            LocalBroker(self.data_dir / f"node-{i}", node_id=i, replication_factor=self.size)
            for i in range(1, self.size + 1)
        ]
        voters = ",".join(node.voter for node in self.nodes)
        for node in self.nodes:
            node.voters = voters

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def start(self) -> None:
        """Start every node at once: a node is ready only when a majority of controllers has a leader.
        If one fails, the others are stopped, so no broker outlives a failed start."""
        try:
            self._each(LocalBroker.start)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._each(LocalBroker.stop)

    def _each(self, action: Callable[[LocalBroker], None]) -> None:
        with ThreadPoolExecutor(max_workers=self.size) as pool:
            for future in [pool.submit(action, node) for node in self.nodes]:
                future.result()


@dataclass
class StackPorts:
    api: int = 8080
    ingest: int = 8081
    extract: int = 8082
    alert: int = 8083
    deliver: int = 8084
    merge: int = 8085
    detect: int = 8086

    @classmethod
    def free(cls) -> StackPorts:
        """Free ports for every service, so several stacks (tests, benchmarks) share a machine."""
        return cls(
            api=free_port(), ingest=free_port(), extract=free_port(), alert=free_port(), deliver=free_port(),
            merge=free_port(), detect=free_port(),
        )  # fmt: skip


@dataclass
class Stack:
    bootstrap: str
    workdir: Path
    topic_prefix: str = ""
    group_prefix: str = "warwire"
    ports: StackPorts = field(default_factory=StackPorts)
    extra_env: dict[str, str] = field(default_factory=dict)
    # One webhook secret key per stack (the api seals secrets with it, the deliver service opens them).
    secret_key: str = field(default_factory=new_key)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Restarts of workers that exited with EXIT_STALLED (a wedged consumer), as docker compose would do.
    restarts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _supervisor: threading.Thread | None = field(default=None, repr=False)
    _tick: threading.Event = field(default_factory=threading.Event, repr=False)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "WARWIRE_TOPIC_PREFIX": self.topic_prefix,
                "WARWIRE_GROUP_PREFIX": self.group_prefix,
                "WARWIRE_API_HTTP_PORT": str(self.ports.api),
                "WARWIRE_INGEST_HTTP_PORT": str(self.ports.ingest),
                "WARWIRE_EXTRACT_HTTP_PORT": str(self.ports.extract),
                "WARWIRE_ALERT_HTTP_PORT": str(self.ports.alert),
                "WARWIRE_DELIVER_HTTP_PORT": str(self.ports.deliver),
                "WARWIRE_MERGE_HTTP_PORT": str(self.ports.merge),
                "WARWIRE_DETECT_HTTP_PORT": str(self.ports.detect),
                "WARWIRE_INGEST_STATE_PATH": str(self.workdir / "ingest-seen.sqlite"),
                "WARWIRE_MERGE_DATA_DIR": str(self.workdir / "faust-merge"),
                "WARWIRE_ALERT_DATA_DIR": str(self.workdir / "faust-alert"),
                "DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'api.sqlite'}",
                "PYTHONUNBUFFERED": "1",
                "WARWIRE_WEBHOOK_SECRET_KEY": self.secret_key,
                # Small pipelines here: a consumer with lag whose offset has not moved for 20 s is wedged.
                "WARWIRE_CONSUMER_STALL_TIMEOUT_S": "20",
            }
        )
        env.update(self.extra_env)
        return env

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{getattr(self.ports, service)}"

    def start(self, services: tuple[str, ...] = SERVICES) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for name in services:
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start ``name``; refuses one already running, whose process would otherwise be orphaned."""
        with self._lock:
            running = self.procs.get(name)
            if running is not None and running.poll() is None:
                raise RuntimeError(f"{name} is already running (pid {running.pid})")
            self._spawn(name)
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, name="stack-supervisor", daemon=True)
            self._supervisor.start()

    def _supervise(self) -> None:
        while True:
            with self._lock:
                for name, proc in list(self.procs.items()):
                    if proc.poll() == EXIT_STALLED:
                        self.restarts[name] = self.restarts.get(name, 0) + 1
                        self._spawn(name)
            self._tick.wait(0.5)

    def _spawn(self, name: str) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def wait_healthy(self, timeout: float = 120.0, services: tuple[str, ...] = SERVICES) -> None:
        deadline = time.monotonic() + timeout
        pending = set(services)
        while pending:
            for name in sorted(pending):
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {proc.returncode}; see {self.workdir / (name + '.log')}"
                    )
                try:
                    if httpx.get(self.url(name) + "/healthz", timeout=1.0).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not healthy after {timeout}s: {sorted(pending)}; logs in {self.workdir}")
            if pending:
                time.sleep(0.25)

    def stop_one(self, name: str, *, kill: bool = False, timeout: float = 30.0) -> int | None:
        with self._lock:
            proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=10)

    def stop(self) -> dict[str, int | None]:
        return {name: self.stop_one(name) for name in list(self.procs)}

    def log_tails(self, lines: int = 60) -> str:
        """The last ``lines`` of every service's log, for a failing test's report."""
        out = []
        for log in sorted(self.workdir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"==> {log} <==\n" + "\n".join(tail))
        return "\n".join(out)
