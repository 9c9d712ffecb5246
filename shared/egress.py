"""Outbound HTTP to addresses chosen by others (webhook receivers, feeds, the article pages they link):
the guard against server-side request forgery.

- Only globally routable addresses (``ipaddress.is_global``; not multicast, not 192.0.0.0/24, not 6to4
  or NAT64, which embed an IPv4 address of any kind), unless the operator allow-lists a network
  (``WARWIRE_WEBHOOK_ALLOWED_NETWORKS``). A blocklist of private ranges missed the shared address space
  (100.64.0.0/10, where 100.100.100.200 is a cloud metadata service), 192.0.0.0/24 and 2002::/16.
- A host is resolved once, every address it resolves to is checked, and the connection goes to one of
  those same addresses: checking one resolution and letting the client resolve again let a DNS answer
  that changes in between (rebinding) reach loopback. The URL, so the Host header and TLS (SNI and
  certificate verification), keeps the host name: only the TCP connect is pinned.
- Redirects are never followed, and proxies from the environment are not used (a proxy would resolve
  the host itself).
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# is_global is true for these (on some Python versions), yet 6to4 and NAT64 reach an IPv4 address chosen
# by whoever writes the URL, and 192.0.0.0/24 is IANA's protocol-assignment block, not a place for hooks.
_NOT_PUBLIC = [
    ipaddress.ip_network(n) for n in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48", "192.0.0.0/24")
]


class UnsafeURL(ValueError):
    """The URL is not http(s) with a host, cannot be resolved, or reaches a non-public address."""


def networks(allowed: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in allowed if n.strip()]


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (tests replace this, or ``socket.getaddrinfo`` under it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a label over 63 characters, for one
        raise UnsafeURL(f"cannot resolve {host[:100]}: {exc}") from exc
    # A scoped IPv6 address comes back as "fe80::1%eth0".
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def is_public(addr: IPAddress) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast and not any(addr in n for n in _NOT_PUBLIC)


def checked_addresses(host: str, port: int, allowed: list[Network]) -> list[IPAddress]:
    """Resolve ``host`` once; refuse it if any address it resolves to is neither public nor allow-listed
    (a name that also answers with an internal address is not one to connect to at random)."""
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeURL(f"{host[:100]} resolves to no address")
    for addr in addresses:
        if not is_public(addr) and not any(addr in net for net in allowed):
            raise UnsafeURL(f"{host[:100]} resolves to {addr}, a non-public address")
    return addresses


def check_url(url: str, allowed: Iterable[str]) -> None:
    """Raises UnsafeURL unless ``url`` is http(s) with a host whose every address may be reached."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL("the URL must be http(s) with a host")
    checked_addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80), networks(allowed))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check inside ``connect_tcp``: what was checked is what is
    connected to, on every connection the client opens (keep-alive reuses only checked ones)."""

    def __init__(self, allowed: list[Network], inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allowed = allowed
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await anyio.to_thread.run_sync(checked_addresses, host, port, self.allowed)
        failure: Exception | None = None
        for addr in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(addr),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURL("unix sockets are not reachable from outside")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_client(allowed: Iterable[str], *, timeout: float, **kwargs: typing.Any) -> httpx.AsyncClient:
    """An httpx client that reaches only public (or allow-listed) addresses and never follows redirects.
    A refused address raises UnsafeURL from the request (not an httpx error)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx does not take a network backend; its pool does (httpcore's documented extension point).
    transport._pool._network_backend = GuardedBackend(networks(allowed))
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False, **kwargs
    )
