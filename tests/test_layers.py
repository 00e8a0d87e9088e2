"""The layer table, enforced: every import in the package runs one way.

Each module belongs to one layer unit (``unit_of``); a unit may import only itself and
the units ``ALLOWED`` lists for it. Every import counts, at module level, inside a
function or under ``TYPE_CHECKING``: a hidden arrow is still an arrow. The same table is
drawn in ``docs/architecture.md`` (a test below keeps the two equal), and the jail, which
runs inside the sandbox process, may import nothing but itself, the standard library and
the two packages its policy and filter are built on.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "codemode_skills"
DOC = ROOT / "docs" / "architecture.md"

GROUND = {"errors", "events", "records"}

#: unit -> the units it may import besides itself (L0 = errors, events, records).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "events": {"errors"},
    "records": {"errors"},
    "security": {"errors"},
    "models": {"errors"},
    "tools": {"security"} | GROUND,
    "trust": GROUND,
    "storage": {"security"} | GROUND,
    "jail": set(),
    "sandbox": {"jail", "security"} | GROUND,
    "mcp": {"tools", "jail"} | GROUND,
    "codemode": {"mcp", "sandbox", "jail", "tools", "security"} | GROUND,
    "skills": {"codemode", "sandbox", "jail", "storage", "trust", "tools", "security"} | GROUND,
    "selection": {"skills", "storage", "trust", "models", "security"} | GROUND,
    "agent": {"tools", "models", "security"} | GROUND,
    "admin": {"skills", "storage", "trust", "security"} | GROUND,
    "session": {
        "skills",
        "selection",
        "codemode",
        "sandbox",
        "storage",
        "tools",
        "trust",
        "models",
        "security",
    }
    | GROUND,
    "testing": set(),
    "mcp_server": {"session", "skills", "codemode", "storage", "trust", "tools", "security"}
    | GROUND,
    "cli": {"*"},
}

#: What the jail may import from outside the standard library.
JAIL_THIRD_PARTY = {"RestrictedPython", "pyseccomp", "seccomp"}


def unit_of(module: str) -> str:
    """The layer unit of a dotted module name inside the package."""
    parts = module.split(".")[1:]
    if not parts:
        return "cli"  # the root __init__: the public face may import anything
    head = parts[0]
    if head == "sandbox" and len(parts) > 1 and parts[1] == "jail":
        return "jail"
    if head == "mcp" and len(parts) > 1 and parts[1] == "server":
        return "mcp_server"
    if head == "__main__":
        return "cli"
    return head.removesuffix(".py")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Every module ``module`` imports (absolute dotted names) with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = base[: len(base) - node.level + 1]
                target = ".".join([*stem, node.module] if node.module else stem)
            else:
                target = node.module or ""
            out.append((target, node.lineno))
            # ``from . import x`` and ``from .pkg import mod`` name modules too
            out.extend((f"{target}.{alias.name}", node.lineno) for alias in node.names)
    return out


def arrows() -> list[tuple[str, str, str, int]]:
    """(importing module, imported module, file, line) for imports inside the package."""
    known = modules()
    found = []
    for module, path in known.items():
        for target, line in imports(module, path):
            if target in known:
                found.append((module, target, str(path.relative_to(ROOT)), line))
    return found


def forbidden() -> list[str]:
    bad = []
    for source, target, where, line in arrows():
        a, b = unit_of(source), unit_of(target)
        if a == b or "*" in ALLOWED[a] or b in ALLOWED[a]:
            continue
        bad.append(f"{where}:{line}: {a} -> {b} ({target})")
    return bad


def test_every_module_has_a_layer() -> None:
    units = {unit_of(m) for m in modules()}
    assert units <= set(ALLOWED), f"modules outside the layer table: {units - set(ALLOWED)}"


def test_imports_follow_the_layer_table() -> None:
    bad = forbidden()
    assert not bad, "imports against the layer table:\n" + "\n".join(bad)


def test_the_jail_imports_only_itself_the_stdlib_and_its_two_packages() -> None:
    outside = []
    for module, path in modules().items():
        if unit_of(module) != "jail":
            continue
        for target, line in imports(module, path):
            top = target.split(".")[0]
            if top == "codemode_skills":
                ok = target.startswith("codemode_skills.sandbox.jail") or target in (
                    "codemode_skills",
                    "codemode_skills.sandbox",
                )
            else:
                ok = top in sys.stdlib_module_names or top in JAIL_THIRD_PARTY or top == ""
            if not ok:
                outside.append(f"{path.relative_to(ROOT)}:{line}: {target}")
    assert not outside, "the jail imports from outside itself:\n" + "\n".join(outside)


def test_no_import_circles_between_modules() -> None:
    """No two modules reach each other, by any path, counting every kind of import.

    A package's ``__init__`` re-exporting its own modules is not an arrow back: it is the
    face of those modules, so edges from a package face to its own submodules are left out.
    """
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _, _ in arrows():
        if target.startswith(source + ".") and modules()[source].name == "__init__.py":
            continue
        if source != target:
            graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    assert not circles, f"import circles: {circles}"


def _doc_table() -> dict[str, set[str]]:
    """The layer table as drawn in docs/architecture.md (between the marker comments)."""
    text = DOC.read_text()
    block = re.search(r"<!-- layers -->(.*?)<!-- /layers -->", text, re.S)
    assert block, "docs/architecture.md lost its layer table markers"
    table: dict[str, set[str]] = {}
    for row in block.group(1).splitlines():
        cells = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("layer", "") or set(cells[0]) <= {"-", " "}:
            continue
        unit, imports_ = cells[1], cells[2]
        names = {n.strip().strip("`") for n in imports_.split(",") if n.strip()}
        names.discard("nothing")
        table[unit] = {"*"} if "anything" in names else names
    return table


def _expanded(names: set[str]) -> set[str]:
    return (names - {"L0"}) | (GROUND if "L0" in names else set())


def test_the_documented_table_is_the_enforced_one() -> None:
    documented = {unit: _expanded(names) for unit, names in _doc_table().items()}
    assert documented == ALLOWED


@pytest.mark.parametrize(
    ("module", "unit"),
    [
        ("codemode_skills.sandbox.jail.worker", "jail"),
        ("codemode_skills.mcp.server.app", "mcp_server"),
        ("codemode_skills.sandbox.bridge", "sandbox"),
        ("codemode_skills.records.skill", "records"),
        ("codemode_skills.codemode", "codemode"),
        ("codemode_skills", "cli"),
    ],
)
def test_units_are_read_from_the_path(module: str, unit: str) -> None:
    assert unit_of(module) == unit


def test_a_storage_import_loads_no_sandbox_agent_or_skills() -> None:
    """The public face is lazy: a store (or an admin tool built on one) starts nothing
    it does not use."""
    import subprocess

    probe = (
        "import sys, codemode_skills.storage\n"
        "print(' '.join(m for m in sys.modules if m.startswith('codemode_skills')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert "codemode_skills.storage.base" in loaded
    for unit in ("sandbox", "skills", "agent", "codemode", "tools", "selection", "session"):
        assert not [m for m in loaded if m.startswith(f"codemode_skills.{unit}")], unit


def test_every_public_name_resolves() -> None:
    import codemode_skills

    for name in codemode_skills.__all__:
        assert getattr(codemode_skills, name) is not None, name
