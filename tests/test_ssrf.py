"""The SSRF guard: decisions checked through an injected resolver (nothing but loopback is
ever contacted), pinning against DNS rebinding, and redirects re-checked."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from codemode_skills.security import SSRFBlocked, SSRFGuard, blocked_reason


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a00:1::",
        "::",
    ],
)
def test_internal_addresses_are_blocked(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None
    with pytest.raises(SSRFBlocked):
        SSRFGuard().check(f"http://[{address}]/" if ":" in address else f"http://{address}/")


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def fake_dns(table: dict[str, list[str]]) -> Any:
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError("no such host")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def test_hostnames_are_judged_by_every_address() -> None:
    dns = fake_dns(
        {
            "example.com": ["93.184.216.34"],
            "evil.test": ["10.1.2.3"],
            "mixed.test": ["93.184.216.34", "127.0.0.1"],
        }
    )
    guard = SSRFGuard(resolver=dns)
    target = guard.check("https://example.com/a?b=1")
    assert (target.ip, target.port, target.path, target.host) == (
        "93.184.216.34",
        443,
        "/a?b=1",
        "example.com",
    )
    with pytest.raises(SSRFBlocked, match="private"):
        guard.check("http://evil.test/")
    with pytest.raises(SSRFBlocked, match="loopback"):
        guard.check("http://mixed.test/")
    with pytest.raises(SSRFBlocked, match="cannot resolve"):
        guard.check("http://nowhere.test/")
    for bad in ("file:///etc/passwd", "gopher://x/", "http:///nohost"):
        with pytest.raises(SSRFBlocked):
            guard.check(bad)


@pytest.fixture
def server() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"hits": [], "redirect": None}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            state["hits"].append((self.path, self.headers["Host"]))
            if self.path == "/jump" and state["redirect"]:
                self.send_response(302)
                self.send_header("Location", state["redirect"])
                self.end_headers()
                return
            body = b"hello"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["port"] = httpd.server_port
    yield state
    httpd.shutdown()


def test_fetch_pins_the_checked_address(server: dict[str, Any]) -> None:
    # "api.test" resolves to loopback here, which this deployment trusts explicitly
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a rebinding DNS: second answer differs
    guard = SSRFGuard(resolver=lambda host, port: next(answers), allow=["127.0.0.0/8"])
    assert guard.fetch(f"http://api.test:{server['port']}/data") == b"hello"
    assert server["hits"] == [("/data", f"api.test:{server['port']}")]  # name kept, IP pinned


def test_redirects_are_checked_again(server: dict[str, Any]) -> None:
    dns = fake_dns({"api.test": ["127.0.0.1"], "internal.test": ["10.0.0.5"]})
    guard = SSRFGuard(resolver=dns, allow=["127.0.0.0/8"])
    server["redirect"] = "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(SSRFBlocked, match="link-local"):
        guard.fetch(f"http://api.test:{server['port']}/jump")
    server["redirect"] = "http://internal.test/secret"
    with pytest.raises(SSRFBlocked, match="private"):
        guard.fetch(f"http://api.test:{server['port']}/jump")
    server["redirect"] = f"http://api.test:{server['port']}/data"
    assert guard.fetch(f"http://api.test:{server['port']}/jump") == b"hello"
    strict = SSRFGuard(resolver=dns)  # without the allowance loopback itself is refused
    with pytest.raises(SSRFBlocked, match="loopback"):
        strict.fetch(f"http://api.test:{server['port']}/data")
