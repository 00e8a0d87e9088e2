"""Model-supplied JSON Schemas never reach the network or the disk, and never block the
host loop (findings F20, F21, F22 of the second security review).

Every attack registers a skill through ``SkillManager`` (the path a model's
``register_skill`` takes) or hands a schema straight to ``SchemaValidator``, against a real
loopback HTTP server that counts its connections, a listening socket that never answers,
and a host file holding a secret. A refusal must name the reference, the secret must never
appear, and no connection may ever reach either server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from codemode_skills import InProcessDriver, create_code_mode
from codemode_skills.errors import (
    SkillNotFound,
    SkillValidationError,
    ToolDefinitionError,
    ToolError,
    ToolValidationError,
)
from codemode_skills.records import SkillSpec
from codemode_skills.skills import Caller, SkillManager
from codemode_skills.storage import MemorySkillStorage
from codemode_skills.tools import schema as schema_module
from codemode_skills.tools.schema import SchemaValidator
from codemode_skills.tools.tool import Tool

SECRET = "postgres://admin:hunter2@db/prod"
INTERNAL = {"policy": {"enum": ["internal-value-42"]}, "enum": ["internal-value-42"]}
OBJ: dict[str, Any] = {"type": "object"}
EVIL = "a" * 40 + "b"  # '^(a+)+$' backtracks for hours on this in Python's re
#: The loop's largest pause we accept while an attack runs: ~10 ms on an idle machine, up
#: to ~1 s on a busy one (scripts/stress-suite.sh saw 0.95 s); the attacks it guards
#: against stalled the loop for 4 s to hours.
MAX_GAP_S = 2.0
#: What a validation that backtracks would exceed by hours.
QUICK_S = 2.0
ALLOW = Caller(allow_untrusted=True)


class _Counter(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1  # every accepted connection, before any byte is read
        return True


class _Internal(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(INTERNAL).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@dataclass
class Targets:
    """What an attacker's ``$ref`` points at."""

    http: str  # answers every GET with INTERNAL, counting connections
    silent: str  # accepts into its backlog and never answers (F21)
    secret_file: str  # file:// URL of a host file holding SECRET
    server: _Counter
    silent_socket: socket.socket

    def connections(self) -> int:
        """Connections that reached either server (the silent one's are still queued)."""
        self.silent_socket.setblocking(False)
        queued = 0
        try:
            while True:
                conn, _ = self.silent_socket.accept()
                conn.close()
                queued += 1
        except BlockingIOError:
            pass
        return self.server.connections + queued


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    server = _Counter(("127.0.0.1", 0), _Internal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    folder = tmp_path_factory.mktemp("host")
    config = folder / "config.json"
    config.write_text(json.dumps({"db": {"enum": [SECRET]}}))
    yield Targets(
        http=f"http://127.0.0.1:{server.server_address[1]}",
        silent=f"http://127.0.0.1:{silent.getsockname()[1]}",
        secret_file=config.as_uri(),
        server=server,
        silent_socket=silent,
    )
    server.shutdown()
    silent.close()


@pytest.fixture
async def manager() -> AsyncIterator[SkillManager]:
    async with create_code_mode(driver=InProcessDriver(), timeout_s=10) as cm:
        yield SkillManager(MemorySkillStorage("acme"), cm)


class Ticker:
    """A coroutine on the same loop that ticks every 10 ms and records its largest gap."""

    async def __aenter__(self) -> Ticker:
        self.ticks, self.max_gap, self._stop = 0, 0.0, False
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self._stop:
            await asyncio.sleep(0.01)
            now = loop.time()
            self.max_gap, last, self.ticks = max(self.max_gap, now - last), now, self.ticks + 1

    async def __aexit__(self, *exc: object) -> None:
        self._stop = True
        await self._task


def attacks(http: str, silent: str, secret_file: str) -> dict[str, tuple[Any, Any, str]]:
    """id -> (input_schema, output_schema, what the refusal must name)."""
    policy = f"{http}/latest/meta-data/iam#/policy"
    return {
        "http-in-properties": ({**OBJ, "properties": {"a": {"$ref": policy}}}, {}, policy),
        "file-in-properties": (
            {**OBJ, "properties": {"a": {"$ref": f"{secret_file}#/db"}}},
            {},
            f"{secret_file}#/db",
        ),
        "http-output": (OBJ, {"$ref": f"{http}/out"}, f"{http}/out"),
        "file-output-items": (
            OBJ,
            {"type": "array", "items": {"$ref": secret_file}},
            secret_file,
        ),
        "via-defs": (
            {
                **OBJ,
                "$defs": {"p": {"$ref": f"{http}/defs"}},
                "properties": {"a": {"$ref": "#/$defs/p"}},
            },
            {},
            f"{http}/defs",
        ),
        "dynamic-ref": (
            {**OBJ, "properties": {"a": {"$dynamicRef": f"{http}/dyn#meta"}}},
            {},
            f"{http}/dyn#meta",
        ),
        "id-rebases-relative-ref": (
            {**OBJ, "$id": f"{http}/schemas/", "properties": {"a": {"$ref": "policy.json"}}},
            {},
            f"{http}/schemas/",
        ),
        "nested-id": (
            {**OBJ, "properties": {"a": {"$id": secret_file, "$ref": "#/db"}}},
            {},
            secret_file,
        ),
        "relative-document": (
            {**OBJ, "properties": {"a": {"$ref": "config.json#/db"}}},
            {},
            "config.json#/db",
        ),
        "urn": ({**OBJ, "properties": {"a": {"$ref": "urn:uuid:0b7e-41"}}}, {}, "urn:uuid:0b7e-41"),
        "remote-metaschema": ({**OBJ, "$schema": f"{http}/meta"}, {}, f"{http}/meta"),
        "subschema-dialect": (
            {
                **OBJ,
                "properties": {
                    "a": {"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "#/x"}
                },
            },
            {},
            "draft-07",
        ),
        "pointer-into-const": (
            {
                **OBJ,
                "$defs": {"c": {"const": {"$ref": f"{http}/const"}}},
                "properties": {"a": {"$ref": "#/$defs/c/const"}},
            },
            {},
            f"{http}/const",
        ),
        "upper-case-scheme": (
            {**OBJ, "properties": {"a": {"$ref": f"HTTP{http[4:]}/x"}}},
            {},
            f"HTTP{http[4:]}/x",
        ),
        "silent-server": (
            {**OBJ, "properties": {"a": {"$ref": f"{silent}/hang"}}},
            {},
            f"{silent}/hang",
        ),
    }


ATTACKS = list(attacks("http://h", "http://s", "file:///f"))


def attack(name: str, t: Targets) -> tuple[Any, Any, str]:
    return attacks(t.http, t.silent, t.secret_file)[name]


def test_the_servers_count_what_reaches_them(targets: Targets) -> None:
    """The control: a real GET is counted, so the zero counts below mean something."""
    before = targets.connections()
    with urllib.request.urlopen(f"{targets.http}/probe", timeout=10) as response:
        assert json.loads(response.read()) == INTERNAL
    assert targets.connections() == before + 1


@pytest.mark.parametrize("case", ATTACKS)
async def test_registration_refuses_non_local_references(
    case: str, targets: Targets, manager: SkillManager
) -> None:
    input_schema, output_schema, named = attack(case, targets)
    spec = {
        "name": "probe",
        "description": "d",
        "code": "return input.get('a')",
        "input_schema": input_schema,
        "output_schema": output_schema,
    }
    before = targets.connections()
    with pytest.raises(SkillValidationError) as info:
        await asyncio.wait_for(manager.register(spec, test_input={"a": "zzz"}), 30)
    message = str(info.value)
    assert named in message, message
    assert "was not saved" in message
    assert SECRET not in message and "hunter2" not in " ".join(info.value.problems)
    assert "internal-value-42" not in message
    assert targets.connections() == before  # nothing was fetched, nothing connected
    with pytest.raises(SkillNotFound):
        await manager.get("probe")


@pytest.mark.parametrize("case", ATTACKS)
async def test_the_validator_never_fetches(case: str, targets: Targets) -> None:
    """A schema that never went through registration (stored earlier, a host tool's)
    given straight to ``SchemaValidator``: validation fails clearly and fetches nothing."""
    input_schema, output_schema, _ = attack(case, targets)
    before = targets.connections()
    for schema in (input_schema, output_schema):
        if not schema or schema == OBJ:
            continue
        for value in ({"a": "zzz"}, ["zzz"], "zzz"):
            problems = await asyncio.wait_for(SchemaValidator(schema).check(value), 30)
            assert problems is not None and "the schema cannot be used" in problems
            assert SECRET not in problems and "internal-value-42" not in problems
    assert targets.connections() == before


@pytest.mark.parametrize("case", ATTACKS)
async def test_even_past_the_rules_the_registry_retrieves_nothing(
    case: str, targets: Targets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the reference rules switched off, jsonschema still gets a registry that
    refuses every URI: the remote reference fails to resolve, nothing is fetched."""
    monkeypatch.setattr(schema_module, "reference_problems", lambda schema: [])
    input_schema, output_schema, _ = attack(case, targets)
    before = targets.connections()
    for schema in (input_schema, output_schema):
        for value in ({"a": "zzz"}, ["zzz", {"a": 1}], {"x": ["zzz"]}):
            problems = SchemaValidator(schema).problems(value)
            assert problems is None or SECRET not in problems
            assert problems is None or "internal-value-42" not in problems
    assert targets.connections() == before


async def test_a_stored_schema_with_a_remote_ref_fails_every_call(
    targets: Targets, manager: SkillManager
) -> None:
    """Stored before these checks existed: each call is refused with a clear error, and
    neither the input nor the output check fetches anything."""
    bad_in = {**OBJ, "properties": {"a": {"$ref": f"{targets.secret_file}#/db"}}}
    manager.storage.create(
        SkillSpec(name="old_in", description="d", code="return 1", input_schema=bad_in)
    )
    manager.storage.create(
        SkillSpec(
            name="old_out",
            description="d",
            code="return 'zzz'",
            output_schema={"$ref": f"{targets.http}/o"},
        )
    )
    before = targets.connections()
    with pytest.raises(ToolValidationError, match="the schema cannot be used") as info:
        await manager.call("old_in", {"a": "zzz"}, context=ALLOW)
    assert SECRET not in str(info.value)
    with pytest.raises(ToolError, match="the schema cannot be used"):
        await manager.call("old_out", {}, context=ALLOW)
    assert targets.connections() == before


def test_a_host_tool_schema_with_a_remote_ref_is_refused(targets: Targets) -> None:
    before = targets.connections()
    with pytest.raises(ToolDefinitionError, match="refers outside the schema"):
        Tool.from_schema(
            name="lookup",
            description="d",
            fn=lambda args: 1,
            input_schema={**OBJ, "properties": {"a": {"$ref": targets.http}}},
        )
    assert targets.connections() == before


async def test_local_references_keep_working(manager: SkillManager) -> None:
    tree = {
        "$anchor": "node",
        "type": "object",
        "required": ["n"],
        "properties": {
            "n": {"type": "integer"},
            "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        },
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **OBJ,
        "$defs": {"node": tree},
        "required": ["tree"],
        "properties": {
            "tree": {"$ref": "#node"},
            "again": {"$ref": "#"},
            "n": {"$ref": "#/$defs/node/properties/n"},
        },
    }
    await manager.register(
        {
            "name": "tree_root",
            "description": "d",
            "input_schema": schema,
            "code": "return input['tree']['n']",
        },
        test_input={"tree": {"n": 1, "kids": [{"n": 2}]}},
    )
    ok = {"tree": {"n": 7, "kids": [{"n": 2, "kids": []}]}, "n": 3, "again": {"tree": {"n": 1}}}
    assert await manager.call("tree_root", ok, context=ALLOW) == 7
    with pytest.raises(ToolValidationError, match=r"tree\.kids\.0\.n: 'x' is not of type"):
        await manager.call("tree_root", {"tree": {"n": 1, "kids": [{"n": "x"}]}}, context=ALLOW)
    with pytest.raises(ToolValidationError, match="again: 'tree' is a required property"):
        await manager.call("tree_root", {"tree": {"n": 1}, "again": {}}, context=ALLOW)


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({**OBJ, "properties": {"a": {"$ref": "#/$defs/missing"}}}, "does not resolve"),
        ({**OBJ, "properties": {"a": {"$ref": "#nowhere"}}}, "names no \\$anchor"),
        (
            {**OBJ, "properties": {"a": {"$ref": "#/required/0"}}, "required": ["a"]},
            "does not point at a schema",
        ),
    ],
    ids=["missing-pointer", "missing-anchor", "not-a-schema"],
)
async def test_local_references_must_resolve(
    schema: dict[str, Any], why: str, manager: SkillManager
) -> None:
    with pytest.raises(SkillValidationError, match=why):
        await manager.register(
            {"name": "dangling", "description": "d", "code": "return 1", "input_schema": schema}
        )
