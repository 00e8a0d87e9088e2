"""Module semantics for a program that is compiled as the body of an async function.

A program is ordinary module code to the model, and CPython's module rules decide what it
means: its top-level names are globals (``NameError`` before they are bound, visible from
class bodies, a builtin the program rebinds later is the builtin until then). But the
sandbox runs it as the body of ``async def __cm_main__()`` so that top-level ``await`` and
``return value`` keep working. This module closes the gap between the two:

* ``top_level_names``: what the program binds at top level, read from the entry's code
  object after a first compile (CPython's own scope analysis: assignments, imports,
  ``def``/``class``, ``for``/``with``/``except`` targets, walrus targets in comprehensions,
  ``match`` captures). The pipeline then compiles again with those names declared
  ``global``, so the entry function reads and writes its globals dict as a module does.
* ``prepare``: the few statements a module and a function body treat differently, rewritten
  or refused as at module level: an annotated top-level name (``x: int = 1`` cannot be
  ``global`` in a function) becomes a plain assignment followed by the annotation's
  evaluation; top-level ``nonlocal`` and ``yield`` are CPython's module-level
  ``SyntaxError`` (in a function they would mean something else).
* ``future_flags``: ``from __future__ import ...`` at the top of the program becomes
  compiler flags (inside the wrapper it would no longer be at the beginning of the file).
* ``asyncio.run(main())`` at the top level awaits ``main()`` on the running loop
  (toplevel_run.py says why and how).
"""

from __future__ import annotations
import __future__ as _future

import ast
import re
import types
from collections.abc import Iterator

from . import toplevel_run
from .visitor import CompileFailed, PolicyError

#: The compiler flag of ``from __future__ import annotations``.
ANNOTATIONS_FLAG: int = _future.annotations.compiler_flag

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def top_level_names(entry: types.CodeType) -> set[str]:
    """The names the program binds at its top level: the entry function's locals and
    cells (it has no parameters)."""
    return {n for n in (*entry.co_varnames, *entry.co_cellvars) if n.isidentifier()}


def future_flags(tree: ast.Module) -> int:
    """Take the leading ``from __future__ import ...`` statements out of ``tree`` and
    return their compiler flags. Raises ``CompileFailed`` for a feature CPython does not
    have, with CPython's message."""
    flags = 0
    start = 1 if _docstring(tree) else 0
    end = start
    while end < len(tree.body) and _is_future(tree.body[end]):
        node = tree.body[end]
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            feature = getattr(_future, alias.name, None)
            if alias.name == "braces":
                _refuse("not a chance", node)
            if alias.name not in _future.all_feature_names or feature is None:
                _refuse(f"future feature {alias.name} is not defined", node)
            flags |= feature.compiler_flag
        end += 1
    del tree.body[start:end]
    return flags


def prepare(tree: ast.Module, *, annotations_evaluated: bool = True) -> None:
    """Rewrite or refuse, in place, the top-level statements whose meaning differs between
    a module and a function body (see the module docstring)."""
    try:
        _prepare_block(tree.body, annotations_evaluated)
    except _TopLevelNonlocal as found:
        _refuse_nonlocal(tree, found.node)
    runs = _AsyncioRun.aliases(tree)
    if runs.modules or runs.functions:
        for statement in list(_top_level_statements(tree.body)):
            for field, value in ast.iter_fields(statement):
                if isinstance(value, ast.expr):
                    setattr(statement, field, runs.visit(value))
                elif isinstance(value, list):
                    value[:] = [runs.visit(v) if isinstance(v, ast.expr) else v for v in value]
                    for item in value:
                        if isinstance(item, (ast.withitem, ast.match_case, ast.ExceptHandler)):
                            runs.visit_fields(item)


def may_call_asyncio_run(source: str) -> bool:
    """Whether ``source`` may hold a top-level ``asyncio.run`` for ``prepare`` to rewrite
    (a cheap test on the text: then the program takes the AST path)."""
    return "asyncio" in source and _RUN_WORD.search(source) is not None


_RUN_WORD = re.compile(r"\brun\b")


class _AsyncioRun(ast.NodeTransformer):
    """Rewrites ``<asyncio>.run(...)`` and ``<run>(...)`` calls of the top level into
    ``await run_at_top_level(<function>, ...)`` (not inside a ``def``, a ``lambda`` or a
    ``class`` body: no ``await`` is possible there)."""

    def __init__(self, modules: set[str], functions: set[str]) -> None:
        self.modules, self.functions = modules, functions

    @classmethod
    def aliases(cls, tree: ast.Module) -> _AsyncioRun:
        """The top-level names ``import asyncio`` and ``from asyncio import run`` bind."""
        modules: set[str] = set()
        functions: set[str] = set()
        for node in _top_level_statements(tree.body):
            if isinstance(node, ast.Import):
                modules |= {a.asname or a.name for a in node.names if a.name == "asyncio"}
            elif isinstance(node, ast.ImportFrom) and node.module == "asyncio":
                functions |= {a.asname or a.name for a in node.names if a.name == "run"}
        return cls(modules, functions)

    def visit_fields(self, node: ast.AST) -> None:
        """Rewrite the expressions held directly by ``node`` (a ``with`` item...)."""
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, self.visit(value))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "run"
            and isinstance(func.value, ast.Name)
            and func.value.id in self.modules
        ) and not (isinstance(func, ast.Name) and func.id in self.functions):
            return node
        helper = ast.copy_location(ast.Name(id=toplevel_run.HELPER, ctx=ast.Load()), node)
        call = ast.Call(func=helper, args=[func, *node.args], keywords=node.keywords)
        return ast.copy_location(ast.Await(value=ast.copy_location(call, node)), node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node  # another scope: no await there

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        return node  # an await would make it an async generator: another meaning


def _top_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of the top level, in blocks nested in ``if``/``for``/``try``...
    (not ``def`` or ``class`` bodies)."""
    for node in body:
        yield node
        for block in _blocks(node):
            yield from _top_level_statements(block)


class _TopLevelNonlocal(Exception):
    def __init__(self, node: ast.Nonlocal) -> None:
        self.node = node


def _refuse_nonlocal(tree: ast.Module, node: ast.Nonlocal) -> None:
    """CPython's own error for a top-level ``nonlocal``, which depends on what comes
    before it ("assigned to before nonlocal declaration", "not allowed at module level"):
    its scope analysis runs before code generation, so compiling the tree as a module
    gives that error first."""
    try:
        compile(tree, "<program>", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        raise CompileFailed(PolicyError("SyntaxError", exc.msg, exc.lineno)) from None
    _refuse("nonlocal declaration not allowed at module level", node)


def _prepare_block(body: list[ast.stmt], evaluated: bool) -> None:
    index = 0
    while index < len(body):
        node = body[index]
        if isinstance(node, ast.Nonlocal):
            raise _TopLevelNonlocal(node)
        if isinstance(node, ast.AnnAssign) and node.simple and isinstance(node.target, ast.Name):
            replacement = _unannotated(node, evaluated)
            body[index : index + 1] = replacement
            index += len(replacement)
            continue
        for expression in _expressions(node):
            _refuse_yield(expression)
        for block in _blocks(node):
            _prepare_block(block, evaluated)
        index += 1


def _unannotated(node: ast.AnnAssign, evaluated: bool) -> list[ast.stmt]:
    """``x: T = v`` -> ``x = v`` then ``T`` (CPython evaluates a module-level annotation
    after the assignment, unless ``from __future__ import annotations``)."""
    if node.target.id == "__debug__":  # type: ignore[union-attr]
        _refuse("cannot assign to __debug__", node)
    out: list[ast.stmt] = []
    if node.value is not None:
        target = ast.Name(id=node.target.id, ctx=ast.Store())  # type: ignore[union-attr]
        out.append(ast.copy_location(ast.Assign(targets=[target], value=node.value), node))
    if evaluated or not out:
        annotation = node.annotation if evaluated else ast.Constant(value=None)
        out.append(ast.copy_location(ast.Expr(value=annotation), node))
    for statement in out:
        ast.fix_missing_locations(statement)
    _refuse_yield(node.annotation)
    return out


def _blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists directly inside ``node`` that are still top level (not a
    ``def`` or ``class`` body)."""
    if isinstance(node, _SCOPES):
        return
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if isinstance(block, list):
            yield block
    for handler in getattr(node, "handlers", ()):
        yield handler.body
    for case in getattr(node, "cases", ()):
        yield case.body


def _expressions(node: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of ``node`` evaluated at top level (a ``def``'s decorators and
    defaults are; its body is not)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield from node.decorator_list
        yield from (d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None)
        return
    if isinstance(node, ast.ClassDef):
        yield from (*node.decorator_list, *node.bases, *(k.value for k in node.keywords))
        return
    for _, value in ast.iter_fields(node):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.expr):
                yield item
            elif isinstance(item, (ast.withitem, ast.match_case, ast.ExceptHandler)):
                yield from (v for _, v in ast.iter_fields(item) if isinstance(v, ast.expr))


def _refuse_yield(expression: ast.AST) -> None:
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            _refuse("'yield' outside function", node)
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in (*node.args.defaults, *node.args.kw_defaults) if d)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _docstring(tree: ast.Module) -> bool:
    first = tree.body[0] if tree.body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _is_future(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__" and not node.level


def _refuse(message: str, node: ast.AST) -> None:
    raise CompileFailed(PolicyError("SyntaxError", message, getattr(node, "lineno", None)))
