"""What the MCP tests share: the real servers they start, and the checks that they exist.

Servers: ``mcp-server-time`` (PyPI, the ``dev`` extra), ``@modelcontextprotocol/
server-everything`` and ``server-memory`` (npm, pinned in ``package.json``: ``npm ci``),
and ``tests/mcp_servers/probe.py`` (our own, on the SDK's ``MCPServer``). A test whose
server is missing is skipped naming what to install, and fails in CI (``conftest``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import require_external

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "node_modules" / ".bin"
PROBE = ROOT / "tests" / "mcp_servers" / "probe.py"


def require_sdk() -> None:
    present = importlib.util.find_spec("mcp") is not None
    require_external("the MCP Python SDK", present, "pip install -e '.[mcp]'")


def require_time_server() -> None:
    require_sdk()
    present = importlib.util.find_spec("mcp_server_time") is not None
    require_external("mcp-server-time", present, "pip install -e '.[dev]'")


def require_npm_server(name: str) -> Path:
    """``node_modules/.bin/<name>``, there and runnable (or skip/fail)."""
    path = BIN / name
    present = path.exists() and shutil.which("node") is not None
    require_external(f"node and the npm package of {name}", present, "npm ci (project root)")
    return path


def probe(**env: str) -> dict[str, Any]:
    require_sdk()
    return {"command": sys.executable, "args": [str(PROBE)], "env": env}


def time_server() -> dict[str, Any]:
    require_time_server()
    return {
        "command": sys.executable,
        "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
    }


def everything(**env: str) -> dict[str, Any]:
    require_sdk()
    binary = require_npm_server("mcp-server-everything")
    return {"command": str(binary), "args": ["stdio"], "env": env}


def memory_server() -> dict[str, Any]:
    require_sdk()
    return {"command": str(require_npm_server("mcp-server-memory")), "args": []}


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def gone(pid: int, within_s: float = 10.0) -> bool:
    """Wait (bounded) for ``pid`` to end; True once it has."""
    deadline = time.monotonic() + within_s
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def http_everything() -> Iterator[str]:
    """server-everything over streamable HTTP on a free port; yields its ``/mcp`` URL."""
    binary = require_npm_server("mcp-server-everything")
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    proc = subprocess.Popen(
        [str(binary), "streamableHttp"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)
