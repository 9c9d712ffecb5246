"""shared.egress, the SSRF guard of webhooks, feeds and pages: public addresses only unless allow-listed,
one resolution checked and connected to (DNS rebinding cannot reach loopback), no redirects followed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpcore
import pytest

from services.deliver.webhooks import Deliverer, DeliveryPolicy
from shared import egress
from shared import webhooks as wh
from shared.http import key_matches
from shared.schemas import WebhookSubscription
from shared.topics import TopicNames


class Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        Recorder.hits.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/target")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer


@pytest.fixture
def loopback() -> Iterator[int]:
    Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize(
    "address",
    ["100.64.0.1", "100.100.100.200", "100.127.255.254", "192.0.0.8", "192.0.0.170", "2002::1",
     "2002:7f00:1::", "64:ff9b::7f00:1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1", "ff02::1",
     "127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fe80::1", "fc00::1", "0.0.0.0", "198.18.0.1"],
)  # fmt: skip
def test_only_global_addresses_are_reachable(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(wh.UnsafeURL):
        wh.check_url(f"http://{host}/hook", [])


def test_public_and_allow_listed_addresses_pass() -> None:
    wh.check_url("http://8.8.8.8/hook", [])
    wh.check_url("https://[2606:4700:4700::1111]/hook", [])
    wh.check_url("http://100.100.100.200/hook", ["100.64.0.0/10"])  # the operator's choice


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipaddress

    answers = [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")]
    monkeypatch.setattr(egress, "resolve", lambda host, port: answers)
    with pytest.raises(wh.UnsafeURL, match=r"10\.0\.0\.1"):
        wh.check_url("http://mixed.example/hook", [])


def rebinding_resolver(monkeypatch: pytest.MonkeyPatch, name: str, first: str, then: str) -> list[str]:
    """``name`` resolves to ``first`` once, then to ``then``; every lookup is recorded. Patched at
    socket.getaddrinfo, which both the guard and the HTTP client's own resolution use."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return real(first if len(asked) == 1 else then, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Connections to anything but loopback fail at once (the test never leaves the machine)."""
    real = httpcore.AnyIOBackend.connect_tcp
    tried: list[str] = []

    async def connect_tcp(self: Any, host: str, port: int, **kwargs: Any) -> Any:
        tried.append(host)
        if host not in {"127.0.0.1", "localhost", "rebind.test"}:
            raise httpcore.ConnectError(f"no route to {host} in tests")
        return await real(self, host, port, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)
    return tried


async def test_dns_rebinding_cannot_reach_loopback(
    monkeypatch: pytest.MonkeyPatch, loopback: int, no_internet: list[str]
) -> None:
    """Checked once and resolved again by the client, a name answering a public address and then
    127.0.0.1 reached the loopback receiver. Now the address checked is the address connected to."""
    asked = rebinding_resolver(monkeypatch, "rebind.test", first="93.184.216.34", then="127.0.0.1")
    sub = WebhookSubscription(subscription_id="s", url=f"http://rebind.test:{loopback}/hook",
                              secret=wh.new_secret(), created_at=datetime.now(UTC))  # fmt: skip
    deliverer = Deliverer(sub, bootstrap=[], names=TopicNames(""), group_prefix="t", producer=None,  # type: ignore[arg-type]
                          policy=DeliveryPolicy(timeout_s=2))  # fmt: skip
    async with deliverer.client() as client:
        outcome, status, error, _ = await deliverer._attempt("a:1", b"{}", client)
    assert Recorder.hits == []  # loopback never reached
    assert (outcome, status) == ("failed", None), error
    assert asked == ["rebind.test"]  # resolved once...
    assert no_internet == ["93.184.216.34"]  # ...and connected to the address that was checked

    # The next lookup answers loopback: refused as the client connects, before any byte is sent.
    async with egress.guarded_client([], timeout=2) as client:
        with pytest.raises(egress.UnsafeURL, match=r"127\.0\.0\.1"):
            await client.get(f"http://rebind.test:{loopback}/hook")  # second answer: loopback
    assert Recorder.hits == []


async def test_allow_listed_loopback_is_reachable_and_redirects_are_not_followed(loopback: int) -> None:
    async with egress.guarded_client(["127.0.0.0/8"], timeout=2) as client:
        assert (await client.get(f"http://127.0.0.1:{loopback}/hook")).status_code == 200
        response = await client.get(f"http://127.0.0.1:{loopback}/redirect")
    assert response.status_code == 302 and Recorder.hits == ["/hook", "/redirect"]  # /target never asked
    async with egress.guarded_client([], timeout=2) as client:
        with pytest.raises(egress.UnsafeURL):
            await client.get(f"http://127.0.0.1:{loopback}/hook")
    assert Recorder.hits == ["/hook", "/redirect"]


async def test_a_webhook_redirect_is_a_failed_attempt_not_followed(loopback: int) -> None:
    sub = WebhookSubscription(subscription_id="s", url=f"http://127.0.0.1:{loopback}/redirect",
                              secret=wh.new_secret(), created_at=datetime.now(UTC))  # fmt: skip
    deliverer = Deliverer(sub, bootstrap=[], names=TopicNames(""), group_prefix="t", producer=None,  # type: ignore[arg-type]
                          policy=DeliveryPolicy(timeout_s=2, allowed_networks=("127.0.0.0/8",)))  # fmt: skip
    async with deliverer.client() as client:
        outcome, status, _, _ = await deliverer._attempt("a:1", b"{}", client)
    assert (outcome, status) == ("failed", 302) and Recorder.hits == ["/redirect"]


def test_api_keys_match_in_constant_time_over_every_key() -> None:
    keys = {"first-key", "second-key"}
    assert key_matches("second-key", keys) and key_matches("first-key", keys)
    assert not key_matches("second-kez", keys) and not key_matches(None, keys) and not key_matches("", keys)
    assert not key_matches("ключ", keys)  # non-ASCII input is compared, not an error
