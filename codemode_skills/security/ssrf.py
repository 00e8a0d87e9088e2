"""SSRF guard for tools that fetch URLs on a program's behalf.

A program can ask a fetching tool for any URL; without a guard it reaches the host's
loopback services, the cloud metadata endpoint (169.254.169.254) or the private network.
The guard resolves the host first and allows only globally routable addresses (IPv4 and
IPv6, with IPv4-mapped, 6to4 and Teredo addresses judged by the IPv4 inside), refuses the
request if *any* resolved address is not allowed, connects to the address it checked
(pinned: a second DNS answer cannot switch it, so rebinding fails) and checks every
redirect again. The resolver is injectable, so tests decide addresses without touching
them.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import CodeModeError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


class SSRFBlocked(CodeModeError):
    """A URL (or a redirect) pointed somewhere a tool may not go."""


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
    ) -> None:
        self.resolver = resolver or _system_resolver
        self.allow = [ipaddress.ip_network(n) for n in allow]
        self.schemes = set(schemes)
        self.max_redirects = max_redirects
        self.timeout_s = timeout_s

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

    def _request(self, target: Target, method: str) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection(target.ip, target.port, timeout=self.timeout_s)
        sock = socket.create_connection((target.ip, target.port), self.timeout_s)  # pinned
        if target.scheme == "https":  # the certificate must match the name, not the address
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        conn.sock = sock
        host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        conn.request(method, target.path, headers={"Host": host_header})
        return conn.getresponse()

    def fetch(self, url: str, *, method: str = "GET", max_bytes: int = 5_000_000) -> bytes:
        """The body of ``url`` after safe redirects (each one checked and pinned)."""
        for _ in range(self.max_redirects + 1):
            target = self.check(url)
            response = self._request(target, method)
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                response.close()
                if not location:
                    raise SSRFBlocked("a redirect without a Location")
                url = urljoin(url, location)
                continue
            body = response.read(max_bytes + 1)
            response.close()
            if len(body) > max_bytes:
                raise SSRFBlocked(f"the response is larger than {max_bytes} bytes")
            return body
        raise SSRFBlocked(f"more than {self.max_redirects} redirects")
