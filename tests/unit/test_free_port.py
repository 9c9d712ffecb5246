"""Ports for services started by tests and the demo: never in the kernel's ephemeral range, where an
outgoing connection can take a port between the pick and the service's bind (a CI flake), and never
handed out twice."""

from __future__ import annotations

import socket

from services.runner import _ephemeral_low, free_port


def test_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(1024 < p < _ephemeral_low() for p in ports)
    for port in ports[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_handed_out(monkeypatch) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        # Only the taken port is on offer: free_port must refuse it rather than return it.
        monkeypatch.setattr("services.runner._ephemeral_low", lambda: 0)
        monkeypatch.setattr("random.Random.randrange", lambda self, a, b: port)
        try:
            got = free_port()
        except RuntimeError:
            got = None
        assert got is None
    finally:
        taken.close()


def test_the_ephemeral_range_is_read_from_the_kernel(tmp_path) -> None:
    f = tmp_path / "range"
    f.write_text("40000\t60999\n")
    assert _ephemeral_low(f) == 40000
    assert _ephemeral_low(tmp_path / "missing") == 32768
