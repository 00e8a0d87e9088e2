"""SSRF guard for tools that fetch URLs on a program's behalf.

A program can ask a fetching tool for any URL; without a guard it reaches the host's
loopback services, the cloud metadata endpoint (169.254.169.254) or the private network.
The guard resolves the host first and allows only globally routable addresses (IPv4 and
IPv6, with IPv4-mapped, 6to4 and Teredo addresses judged by the IPv4 inside), refuses the
request if *any* resolved address is not allowed, connects to the address it checked
(pinned: a second DNS answer cannot switch it, so rebinding fails) and checks every
redirect again. The resolver is injectable, so tests decide addresses without touching
them.

A fetch is bounded in time as a whole, not only per read (F14): a server that dribbles one
byte a second would otherwise keep a thread for months. Every read waits at most until
the fetch's overall ``deadline_s`` (``FetchTimeout``), and at most ``timeout_s`` without
data. Run as a blocking tool, a fetch also stops within ``POLL_S`` when the program that
asked for it is gone (``FetchCancelled``): reads wait in short slices and check the
call's cancel flag (``callscope``) in between.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import FetchCancelled, FetchTimeout, SSRFBlocked
from .callscope import CallScope, current_call

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


#: The longest one wait on the socket lasts before the cancel flag is checked again.
POLL_S = 0.25


class _Clock:
    """One fetch's time: the overall deadline, the idle limit, the caller's cancel flag."""

    def __init__(self, deadline_s: float, idle_s: float, call: CallScope | None) -> None:
        self.end = time.monotonic() + deadline_s
        self.deadline_s = deadline_s
        self.idle_s = idle_s
        self.call = call

    def remaining(self) -> float:
        """Seconds left; raises once the deadline passed or the caller is gone."""
        if self.call is not None and self.call.cancelled:
            raise FetchCancelled("the fetch was stopped: its program ended")
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchTimeout(f"the fetch did not finish within {self.deadline_s:g} s")
        return left

    def step(self) -> float:
        """A timeout for one blocking socket operation (connect, handshake, send)."""
        return min(self.remaining(), self.idle_s)


class _Bounded:
    """Socket reads that respect a ``_Clock``: each waits in slices of ``POLL_S`` at
    most, so the deadline, the idle limit and cancellation all take effect mid-read
    (http.client reads the status line, headers and body through ``recv_into``)."""

    clock: _Clock

    def recv_into(self, buffer: Any, *args: Any) -> int:
        idle_end = time.monotonic() + self.clock.idle_s
        while True:
            wait = min(self.clock.remaining(), idle_end - time.monotonic(), POLL_S)
            if wait <= 0:
                raise TimeoutError(f"no data for {self.clock.idle_s:g} s")
            self.settimeout(wait)  # type: ignore[attr-defined]
            try:
                return super().recv_into(buffer, *args)  # type: ignore[misc]
            except TimeoutError:
                continue


class _BoundedSocket(_Bounded, socket.socket):
    pass


class _BoundedSSLSocket(_Bounded, ssl.SSLSocket):
    pass


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be reached (None: it may)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason} (inside {ip})" if reason else None
    for attribute, reason in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local (cloud metadata lives here)"),
        ("is_multicast", "multicast"),
        ("is_private", "private network"),
        ("is_reserved", "reserved range"),
        ("is_unspecified", "unspecified address"),
    ):
        if getattr(ip, attribute):
            return reason
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``ip``, speak to ``host``."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


class SSRFGuard:
    """``guard.check(url) -> Target`` or ``SSRFBlocked``; ``guard.fetch(url)`` follows
    redirects safely. ``allow`` lists networks a deployment trusts explicitly (e.g. an
    internal API); everything else needs a global address."""

    def __init__(
        self,
        *,
        resolver: Resolver | None = None,
        allow: Iterable[str] = (),
        schemes: Iterable[str] = ("http", "https"),
        max_redirects: int = 5,
        timeout_s: float = 10.0,
        deadline_s: float = 30.0,
    ) -> None:
        if not (timeout_s > 0 and deadline_s > 0):
            raise ValueError("timeout_s and deadline_s must be > 0")
        self.resolver = resolver or _system_resolver
        self.allow = [ipaddress.ip_network(n) for n in allow]
        self.schemes = set(schemes)
        self.max_redirects = max_redirects
        #: The longest wait for any one piece of data (connect, each read).
        self.timeout_s = timeout_s
        #: The longest a whole fetch may take, redirects included.
        self.deadline_s = deadline_s

    def _allowed(self, ip: IPAddress) -> str | None:
        if any(ip in net for net in self.allow):
            return None
        return blocked_reason(ip)

    def check(self, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in self.schemes:
            raise SSRFBlocked(f"scheme {parts.scheme!r} is not allowed")
        host = parts.hostname
        if not host:
            raise SSRFBlocked("the URL has no host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal = ipaddress.ip_address(host)
            addresses = [str(literal)]
        except ValueError:
            try:
                addresses = list(dict.fromkeys(self.resolver(host, port)))
            except OSError as exc:
                raise SSRFBlocked(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise SSRFBlocked(f"{host} resolves to nothing")
        for address in addresses:
            reason = self._allowed(ipaddress.ip_address(address.split("%")[0]))
            if reason:
                raise SSRFBlocked(f"{host} resolves to {address}: {reason}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Target(parts.scheme, host, port, path, addresses[0])

    def _request(
        self, target: Target, method: str, clock: _Clock
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection(target.ip, target.port, timeout=self.timeout_s)
        raw = socket.create_connection((target.ip, target.port), clock.step())  # pinned
        sock: socket.socket
        if target.scheme == "https":  # the certificate must match the name, not the address
            context = ssl.create_default_context()
            context.sslsocket_class = _BoundedSSLSocket
            raw.settimeout(clock.step())  # the handshake, as a whole
            sock = context.wrap_socket(raw, server_hostname=target.host)
        else:
            sock = _BoundedSocket(fileno=raw.detach())
        sock.clock = clock  # type: ignore[attr-defined]
        conn.sock = sock
        try:
            sock.settimeout(clock.step())  # sending the request, as a whole
            host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
            conn.request(method, target.path, headers={"Host": host})
            return conn, conn.getresponse()
        except BaseException:
            conn.close()
            raise

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        max_bytes: int = 5_000_000,
        deadline_s: float | None = None,
    ) -> bytes:
        """The body of ``url`` after safe redirects (each one checked and pinned), within
        ``deadline_s`` (default: the guard's) in all. Raises ``SSRFBlocked``,
        ``FetchTimeout``, ``FetchCancelled`` or ``OSError``."""
        clock = _Clock(deadline_s or self.deadline_s, self.timeout_s, current_call())
        for _ in range(self.max_redirects + 1):
            target = self.check(url)
            clock.remaining()  # resolving may have taken a while
            conn, response = self._request(target, method, clock)
            try:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location")
                    if not location:
                        raise SSRFBlocked("a redirect without a Location")
                    url = urljoin(url, location)
                    continue
                return _read_body(response, max_bytes)
            finally:
                response.close()
                conn.close()
        raise SSRFBlocked(f"more than {self.max_redirects} redirects")


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body, read a piece at a time (each read bounded by the fetch's clock)."""
    body = bytearray()
    while True:
        piece = response.read1(65536)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_bytes:
            raise SSRFBlocked(f"the response is larger than {max_bytes} bytes")
