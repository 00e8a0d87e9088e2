"""Compile a model's program under the sandbox language policy.

Built on RestrictedPython's ``RestrictingNodeTransformer`` (its allow-list of AST node
types: a node type we have not reviewed is refused), but with a different stance. Stock
RestrictedPython guards every attribute, item, iteration and write, refuses ``async``
and every underscore name; that breaks ordinary programs and makes loops slow. Here the
operating system is the security boundary, and the language policy only closes the
doors an escape needs:

* literal access to a name in ``ALWAYS_DENIED`` is a compile-time ``PolicyViolation``;
* underscore names, ``format``/``format_map`` and interpreter-internal names
  (``gi_frame``...) compile to a run-time checked access, everything else is native;
* names with the reserved ``__cm_`` prefix cannot be read or bound.

The program is the body of an async function (top-level ``await`` and ``return``) whose
top-level bindings are declared ``global``, so functions and classes see them exactly as
module-level code would.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from .names import ALWAYS_DENIED, RESERVED_PREFIX, is_reserved, needs_guard

PROGRAM_FILENAME = "<program>"
ENTRY = f"{RESERVED_PREFIX}main__"
GETATTR = f"{RESERVED_PREFIX}getattr__"
IMPORT_STAR = f"{RESERVED_PREFIX}import_star__"

#: Identifiers a program may not use as names at all.
DENIED_NAMES = frozenset({"__builtins__", "__loader__", "__spec__", "__import__"})

#: Node types allowed as-is (their children are still visited).
_ALLOWED_NODES = frozenset(
    "Module Expr Assign AugAssign AnnAssign Delete Pass Return Raise Assert If While For "
    "AsyncFor Break Continue Try TryStar ExceptHandler With AsyncWith withitem "
    "FunctionDef AsyncFunctionDef ClassDef Lambda arguments arg keyword Global Nonlocal "
    "Await Yield YieldFrom Import ImportFrom alias BoolOp BinOp UnaryOp Compare Call "
    "IfExp NamedExpr Constant JoinedStr FormattedValue List Tuple Set Dict ListComp "
    "SetComp DictComp GeneratorExp comprehension Starred Subscript Slice Name Attribute "
    "Load Store Del And Or Add Sub Mult MatMult Div Mod Pow LShift RShift BitOr BitXor "
    "BitAnd FloorDiv Invert Not UAdd USub Eq NotEq Lt LtE Gt GtE Is IsNot In NotIn "
    "Match match_case MatchValue MatchSingleton MatchSequence MatchMapping MatchClass "
    "MatchStar MatchAs MatchOr".split()
)


@dataclass(frozen=True)
class PolicyError:
    """One reason a program was refused at compile time."""

    type: str  # "SyntaxError" or "PolicyViolation"
    message: str
    line: int | None


class _ErrorText(str):
    """An error line for RestrictedPython's list that also carries our PolicyError."""

    error: PolicyError


class CompileFailed(Exception):
    def __init__(self, error: PolicyError) -> None:
        super().__init__(error.message)
        self.error = error


class SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer, loosened to ordinary Python and re-tightened on
    the handful of names that lead out of the language."""

    # -- reporting -----------------------------------------------------------------
    def deny(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", None)
        text = _ErrorText(f"Line {line}: {message}")
        text.error = PolicyError("PolicyViolation", message, line)
        self.errors.append(text)

    def check_binding(self, node: ast.AST, name: str | None) -> None:
        if name is None:
            return
        if is_reserved(name) or name in DENIED_NAMES:
            self.deny(node, f"the name {name!r} is reserved by the sandbox")

    def check_attr(self, node: ast.AST, attr: str) -> None:
        if attr in ALWAYS_DENIED or is_reserved(attr):
            self.deny(node, f"access to attribute {attr!r} is not allowed in the sandbox")

    # -- the node allow-list ---------------------------------------------------------
    def generic_visit(self, node: ast.AST) -> Any:
        if type(node).__name__ in _ALLOWED_NODES:
            return self.node_contents_visit(node)
        self.deny(node, f"{type(node).__name__} statements are not allowed in the sandbox")
        return node

    # -- names ---------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> Any:
        self.check_binding(node, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> Any:
        self.check_binding(node, node.arg)
        return self.node_contents_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if not getattr(node, "cm_entry", False):
            self.check_binding(node, node.name)
        return self.node_contents_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.check_binding(node, node.name)
        stack = self.__dict__.setdefault("class_stack", [])
        stack.append(node.name)
        try:
            return self.node_contents_visit(node)
        finally:
            stack.pop()

    def mangle(self, attr: str) -> str:
        """CPython's private-name mangling, which a string argument would skip."""
        stack = self.__dict__.get("class_stack")
        if not stack or not attr.startswith("__") or attr.endswith("__"):
            return attr
        owner = stack[-1].lstrip("_")
        return f"_{owner}{attr}" if owner else attr

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        self.check_binding(node, node.name)
        return self.node_contents_visit(node)

    def visit_alias(self, node: ast.alias) -> Any:
        self.check_binding(node, node.asname or node.name.split(".")[0])
        return node

    def visit_Global(self, node: ast.Global) -> Any:
        for name in node.names:
            self.check_binding(node, name)
        return node

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_MatchAs(self, node: ast.MatchAs) -> Any:
        self.check_binding(node, node.name)
        return self.node_contents_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> Any:
        self.check_binding(node, node.name)
        return node

    def visit_MatchMapping(self, node: ast.MatchMapping) -> Any:
        self.check_binding(node, node.rest)
        return self.node_contents_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> Any:
        # keyword patterns read attributes natively: hold them to the same rule
        for attr in node.kwd_attrs:
            if needs_guard(attr) and attr != "__class__":
                self.deny(node, f"matching on attribute {attr!r} is not allowed in the sandbox")
            self.check_attr(node, attr)
        return self.node_contents_visit(node)

    # -- attributes ----------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self.check_attr(node, node.attr)
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load) and needs_guard(node.attr):
            call = ast.Call(
                func=ast.Name(GETATTR, ast.Load()),
                args=[node.value, ast.Constant(self.mangle(node.attr))],
                keywords=[],
            )
            return ast.fix_missing_locations(ast.copy_location(call, node))
        return node

    # -- imports -------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        if node.level:
            self.deny(node, "relative imports are not allowed in the sandbox")
        self.node_contents_visit(node)
        if any(alias.name == "*" for alias in node.names):
            # `from m import *` is only legal at module level; the program body is a
            # function, so bind the public names through a helper instead.
            call = ast.Call(ast.Name(IMPORT_STAR, ast.Load()), [ast.Constant(node.module)], [])
            return ast.fix_missing_locations(ast.copy_location(ast.Expr(call), node))
        return node

    def visit_Import(self, node: ast.Import) -> Any:
        return self.node_contents_visit(node)

    # Stock RestrictedPython rewrites these with guards; we keep them native.
    def visit_Subscript(self, node: ast.Subscript) -> Any:
        return self.node_contents_visit(node)

    def visit_Call(self, node: ast.Call) -> Any:
        return self.node_contents_visit(node)

    def visit_For(self, node: ast.For) -> Any:
        return self.node_contents_visit(node)

    visit_comprehension = visit_For  # type: ignore[assignment]
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Call  # type: ignore[assignment]
    visit_Assign = visit_AugAssign = visit_With = visit_Lambda = visit_Call  # type: ignore[assignment]
    visit_NamedExpr = visit_Module = visit_FormattedValue = visit_Call  # type: ignore[assignment]
    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_TryStar = visit_Call  # type: ignore[assignment]


class _Bindings(ast.NodeVisitor):
    """Collects the names a program binds at its top level (what a module makes global).

    Nested function, lambda and class bodies are their own scopes and are skipped, except
    for what is evaluated in the enclosing scope (decorators, defaults, bases).
    """

    def __init__(self) -> None:
        self.names: dict[str, None] = {}

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names[node.id] = None

    def _scope(self, node: Any) -> None:
        if getattr(node, "name", None):
            self.names[node.name] = None
        for deco in getattr(node, "decorator_list", ()):
            self.visit(deco)
        args = getattr(node, "args", None)
        if isinstance(args, ast.arguments):
            for default in args.defaults + [d for d in args.kw_defaults if d]:
                self.visit(default)
        for base in getattr(node, "bases", ()):
            self.visit(base)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope

    def _comprehension(self, node: ast.AST) -> None:
        for sub in ast.walk(node):  # only walrus targets leak out of a comprehension
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                self.names[sub.target.id] = None

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_alias(self, node: ast.alias) -> None:
        if node.name != "*":
            self.names[node.asname or node.name.split(".")[0]] = None

    def _named(self, node: Any) -> None:
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name:
            self.names[name] = None
        self.generic_visit(node)

    visit_ExceptHandler = visit_MatchAs = visit_MatchStar = visit_MatchMapping = _named

    def visit_Global(self, node: ast.Global) -> None:
        self.names.update(dict.fromkeys(node.names))


def _top_level_bindings(body: list[ast.stmt]) -> list[str]:
    collector = _Bindings()
    for stmt in body:
        collector.visit(stmt)
    return list(collector.names)


def _locate(node: Any, line: int = 1) -> Any:
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def _wrap_program(tree: ast.Module) -> ast.Module:
    """``<body>`` -> ``async def __cm_main__(): global <top-level names>; <body>``."""
    body = list(tree.body) or [_locate(ast.Pass())]
    bindings = _top_level_bindings(body)
    if bindings:
        body.insert(0, _locate(ast.Global(names=bindings)))
    fn = ast.AsyncFunctionDef(
        name=ENTRY,
        args=ast.arguments(
            posonlyargs=[],
            args=[],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=body,
        decorator_list=[],
        returns=None,
        type_comment=None,
    )
    fn.cm_entry = True  # type: ignore[attr-defined]  # our wrapper, exempt from the name check
    return ast.Module(body=[_locate(fn)], type_ignores=[])


def _policy_compile(tree: ast.AST, filename: str, mode: str) -> Any:
    """Run the transformer over ``tree`` and compile it, or raise ``CompileFailed``."""
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compiler(tree, filename, policy=SandboxTransformer)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise CompileFailed(PolicyError("SyntaxError", exc.msg, exc.lineno)) from None
    for text in result.errors:
        if isinstance(text, _ErrorText):
            raise CompileFailed(text.error)
    if result.errors or result.code is None:
        message = result.errors[0] if result.errors else "the program could not be compiled"
        raise CompileFailed(PolicyError("SyntaxError", message, None))
    return result.code


def compile_program(source: str, *, restricted: bool = True) -> Any:
    """Compile a program; return a code object defining ``__cm_main__``.

    Raises ``CompileFailed`` carrying a ``SyntaxError`` or ``PolicyViolation`` with the
    line number in the model's own source. ``restricted=False`` skips the language
    policy (the OS layers are then the only boundary).
    """
    try:
        tree = ast.parse(source, PROGRAM_FILENAME, "exec")
    except SyntaxError as exc:
        raise CompileFailed(PolicyError("SyntaxError", exc.msg, exc.lineno)) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise CompileFailed(PolicyError("SyntaxError", str(exc), None)) from None
    if not restricted:
        try:
            return compile(_wrap_program(tree), PROGRAM_FILENAME, "exec")
        except SyntaxError as exc:
            raise CompileFailed(PolicyError("SyntaxError", exc.msg, exc.lineno)) from None
    return _policy_compile(_wrap_program(tree), PROGRAM_FILENAME, "exec")


def compile_expression(
    source: str, filename: str = "<string>", mode: str = "eval", *_: Any, **__: Any
) -> Any:
    """A drop-in for ``compile(expr, filename, 'eval')`` that applies the policy."""
    try:
        return _policy_compile(ast.parse(source, filename, "eval"), filename, "eval")
    except CompileFailed as exc:
        raise SyntaxError(exc.error.message) from None
