"""CPython's own doctests as ordinary programs, for ``bench/fidelity.py``.

Run as ``python3 -I bench/_fidelity_doctests.py`` in an empty directory: prints a JSON list
of programs (``name``, ``source``, ``code``). It imports the modules below (each in a child
forked for it, so no import or example changes the next module's outcome) and keeps a
docstring only when its examples pass under ``doctest`` itself: what is left is code that
is known to work as written. Each docstring then becomes one or more programs:

- an expression statement outside any function or class becomes ``doctest_show(<expr>)``,
  which prints its repr unless it is None, as the interactive prompt does (inside loops
  too, as doctest's ``single`` compile mode does);
- an example that expects an exception is wrapped in ``try``/``except Exception`` that
  prints ``Type: message``, so the examples after it still run; one that expects a
  ``SyntaxError`` (it does not compile) is a program of its own, as written;
- the examples are cut into independent segments: an example joins the segment of the
  latest earlier example binding a name it reads, and an example with no output that
  binds nothing (a side effect such as ``getcontext().prec = 6``) joins the next one;
- names the examples read but do not bind, which doctest finds in the module's globals,
  come from a prelude (``from fractions import Fraction``; ``import sys`` for a module).

The harness name has no leading underscore, and the sandbox and CPython receive the
identical text. ``_pydecimal``'s examples import from ``decimal`` (same API; the sandbox
offers ``decimal``). Left out: modules whose examples touch files, processes, the network
or the installed distributions (``shutil``, ``tempfile``, ``subprocess``, ``socket``,
``importlib.metadata``), and doctests about doctest, pickle opcodes or code objects.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import doctest
import importlib
import io
import json
import os
import signal
import sys
from typing import Any

#: (module whose doctests run, module the examples' free names come from)
MODULES: tuple[tuple[str, str], ...] = (
    *(
        (name, name)
        for name in (
            "collections decimal difflib enum fractions hashlib heapq http.cookiejar "
            "http.cookies ipaddress json json.encoder pickle secrets statistics typing "
            "unittest.mock uuid zipfile"
        ).split()
    ),
    ("_pydecimal", "decimal"),
    *(
        (f"test.test_{name}", f"test.test_{name}")
        for name in (
            "cmd deque descrtut extcall generators genexps getopt listcomps metaclass "
            "pep646_syntax setcomps statistics syntax unpack unpack_ex weakref"
        ).split()
    ),
)

#: The ``source`` of a program: which part of the corpus it comes from.
STDLIB, TESTS, SYNTAX = "stdlib docstrings", "CPython test suite", "SyntaxError examples"
SHOW = "doctest_show"
HARNESS = f'''def {SHOW}(value):
    """What the interactive prompt prints for an expression statement."""
    if value is not None:
        print(repr(value))
'''
ERROR_NAME = "doctest_error"
SECONDS_PER_DOCSTRING = 20
BUILTIN_NAMES = frozenset(dir(builtins))


class _ShowExpressions(ast.NodeTransformer):
    """Expression statements outside functions and classes print their value."""

    def visit_Expr(self, node: ast.Expr) -> ast.Expr:
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            if value.func.id == "print":  # None: shows nothing
                return node
        call = ast.Call(ast.Name(SHOW, ast.Load()), [value], [])
        return ast.copy_location(ast.Expr(call), node)

    def _keep(self, node: ast.AST) -> ast.AST:
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _keep


def _module_scope(tree: ast.AST) -> list[ast.AST]:
    """The nodes of the module's own scope (function, class and lambda bodies left out)."""
    found: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def bound_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in _module_scope(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names.update(node.names)
    return names


def read_names(tree: ast.AST) -> set[str]:
    """Names read anywhere (``x += 1`` and ``del x`` read ``x`` too)."""
    names = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


class Piece:
    """One example as program text, with the names it binds and reads."""

    def __init__(self, example: doctest.Example) -> None:
        self.example = example
        self.tree = ast.parse(example.source)
        compile(self.tree, "<example>", "exec", dont_inherit=True)  # SyntaxError: alone
        self.binds = bound_names(self.tree)
        self.reads = read_names(self.tree)
        self.quiet = not example.want and example.exc_msg is None and not self.binds

    def text(self) -> str:
        shown = ast.unparse(ast.fix_missing_locations(_ShowExpressions().visit(self.tree)))
        if self.example.exc_msg is None:
            return shown
        body = "\n".join("    " + line for line in shown.splitlines())
        handler = f"print(type({ERROR_NAME}).__name__ + ':', {ERROR_NAME})"
        return f"try:\n{body}\nexcept Exception as {ERROR_NAME}:\n    {handler}"


def segments(pieces: list[Piece]) -> list[list[Piece]]:
    """Cut the examples where no later example reads a name an earlier one bound."""
    reach = list(range(len(pieces)))  # reach[i]: the last example that must run with i
    last_binder: dict[str, int] = {}
    for j, piece in enumerate(pieces):
        for name in piece.reads:
            if name in last_binder:
                i = last_binder[name]
                reach[i] = max(reach[i], j)
        if piece.quiet and j + 1 < len(pieces):
            reach[j] = max(reach[j], j + 1)
        for name in piece.binds:
            last_binder[name] = j
    cut: list[list[Piece]] = []
    start, end = 0, -1
    for i in range(len(pieces)):
        end = max(end, reach[i])
        if i == end:
            cut.append(pieces[start : i + 1])
            start = i + 1
    return cut


def home(name: str, value: Any, names_module: str) -> str:
    """The module to import ``name`` from: where it is defined, when that is a public
    module offering it under that name (``Decimal`` from ``decimal``, not from
    ``fractions``, which imported it), else the module whose globals doctest used."""
    defined_in = getattr(value, "__module__", None)
    if isinstance(defined_in, str) and not defined_in.startswith("_"):
        module = sys.modules.get(defined_in)
        if module is not None and getattr(module, name, None) is value:
            return defined_in
    return names_module


def prelude(free: set[str], names_module: str) -> list[str]:
    """Imports for the names doctest found in the module's globals."""
    namespace = vars(sys.modules[names_module])
    lines: list[str] = []
    sources: dict[str, list[str]] = {}
    for name in sorted(free):
        value = namespace.get(name)
        if name not in namespace or (name in BUILTIN_NAMES and value is getattr(builtins, name)):
            continue
        if type(value) is type(sys):
            real = value.__name__
            lines.append(f"import {real}" if real == name else f"import {real} as {name}")
        else:
            sources.setdefault(home(name, value, names_module), []).append(name)
    for module, names in sorted(sources.items()):
        lines.append(f"from {module} import {', '.join(names)}")
    return lines


def program(pieces: list[Piece], names_module: str) -> str:
    texts = [p.text() for p in pieces]
    binds = set().union(*(p.binds for p in pieces))
    reads = set().union(*(p.reads for p in pieces))
    head = prelude(reads - binds, names_module)
    if any(SHOW in t for t in texts):
        head.append(HARNESS)
    return "\n".join([*head, *texts]) + "\n"


def _passes(test: doctest.DocTest) -> bool:
    runner = doctest.DocTestRunner(verbose=False)
    signal.alarm(SECONDS_PER_DOCSTRING)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            runner.run(test, out=lambda text: None, clear_globs=True)
    finally:
        signal.alarm(0)
    return runner.failures == 0


def programs_of(test: doctest.DocTest, names_module: str) -> list[dict[str, str]]:
    pieces: list[Piece] = []
    alone: list[str] = []
    for example in test.examples:
        if example.options.get(doctest.SKIP):
            continue
        try:
            pieces.append(Piece(example))
        except SyntaxError:
            if example.exc_msg is not None:
                alone.append(example.source)
    source = TESTS if test.name.startswith("test.") else STDLIB
    texts = [(source, program(seg, names_module)) for seg in segments(pieces)]
    texts += [(SYNTAX, text) for text in alone]
    numbered = len(texts) > 1
    return [
        {"name": f"doctest:{test.name}" + (f"#{k}" if numbered else ""), "source": s, "code": t}
        for k, (s, t) in enumerate(texts, 1)
    ]


def module_programs(module_name: str, names_module: str) -> list[dict[str, str]]:
    """The programs of one module's doctests (run in a forked child)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        module = importlib.import_module(module_name)
        importlib.import_module(names_module)
    globs = dict(vars(sys.modules[names_module]))
    found = doctest.DocTestFinder(exclude_empty=True).find(module, globs=globs)
    result: list[dict[str, str]] = []
    for test in found:
        if test.examples and _passes(test):
            result += programs_of(test, names_module)
    return result


def _in_child(module_name: str, names_module: str) -> list[dict[str, str]]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            data = json.dumps(module_programs(module_name, names_module)).encode()
        except BaseException as exc:
            print(f"skipped {module_name}: {exc!r}", file=sys.stderr)
            data = b"[]"
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    found: list[dict[str, str]] = json.loads(data or b"[]")
    return found


def main() -> None:
    seen: set[str] = set()
    programs: list[dict[str, Any]] = []
    for module_name, names_module in MODULES:
        for prog in _in_child(module_name, names_module):
            if prog["code"] not in seen:
                seen.add(prog["code"])
                programs.append(prog)
    json.dump(programs, sys.stdout)


if __name__ == "__main__":
    main()
