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

The program is the body of an async function (top-level ``await`` and ``return``). Its
top-level names are that function's fast locals (closure cells where nested functions use
them); a name any ``global`` statement mentions stays a real global, so helpers that say
``global counter`` share it exactly as at module level.
"""

from __future__ import annotations

import ast
import contextlib
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer

from .guards import ENTRY_NAME
from .names import ALWAYS_DENIED, RESERVED_PREFIX, is_reserved, needs_guard

PROGRAM_FILENAME = "<program>"
ENTRY = ENTRY_NAME
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

    def visit_Constant(self, node: ast.Constant) -> Any:
        # RestrictedPython 8 refuses `...`; a literal is never a way out
        return node

    # -- names ---------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> Any:
        self.check_binding(node, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> Any:
        self.check_binding(node, node.arg)
        return self.node_contents_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
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
        names = self.__dict__.setdefault("global_names", {})
        for name in node.names:
            self.check_binding(node, name)
            names[name] = None
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        for name in node.names:
            self.check_binding(node, name)
        return node

    @property
    def global_names(self) -> list[str]:
        """Every name some ``global`` statement in the program declares."""
        return list(self.__dict__.get("global_names", ()))

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


def _locate(node: Any, line: int = 1) -> Any:
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def _wrap_program(tree: ast.Module, global_names: list[str]) -> ast.Module:
    """``<body>`` -> ``async def __cm_main__(): <body>``.

    Top-level names become the function's fast locals (closure cells where nested
    functions use them), so a hot loop at the top level runs at function speed. A name
    that any ``global`` statement mentions stays a real global, so ``global counter`` in
    a helper function still shares the top level's ``counter`` exactly as in a module.
    """
    body = list(tree.body) or [_locate(ast.Pass())]
    if global_names:
        body.insert(0, _locate(ast.Global(names=global_names)))
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
    return ast.Module(body=[_locate(fn)], type_ignores=[])


def _apply_policy(tree: ast.AST) -> SandboxTransformer:
    """Run the transformer over ``tree`` in place, or raise ``CompileFailed``."""
    errors: list[str] = []
    transformer = SandboxTransformer(errors, [], {})
    transformer.visit(tree)
    for text in errors:
        raise CompileFailed(
            text.error if isinstance(text, _ErrorText) else PolicyError("SyntaxError", text, None)
        )
    return transformer


@contextlib.contextmanager
def _compile_errors(line_shift: int = 0) -> Iterator[None]:
    """Turn what CPython's parser and compiler raise into ``CompileFailed`` (a
    ``SyntaxError`` with the line in the model's own source)."""
    try:
        yield
    except SyntaxError as exc:
        line = exc.lineno + line_shift if exc.lineno and exc.lineno + line_shift > 0 else None
        raise CompileFailed(PolicyError("SyntaxError", exc.msg, line)) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise CompileFailed(PolicyError("SyntaxError", str(exc), None)) from None


def _compile(tree: ast.AST, filename: str, mode: str) -> Any:
    with _compile_errors():
        return compile(tree, filename, mode, dont_inherit=True)


#: Everything the transformer acts on is spelled with one of these in the source text:
#: guarded and refused names contain "_" or are "format"/"format_map"/"mro"; star and
#: relative imports; "global" feeds the scope analysis. Non-ASCII source is excluded
#: because identifiers are NFKC-normalised ("＿" becomes "_").
_POLICY_TOUCHES = re.compile(r"_|format|mro|import\s*\*|from\s*\.|global")
#: Versions whose whole AST node set is on the allow-list (checked by the test suite).
_NO_OP_SAFE_VERSIONS = ((3, 10), (3, 11))


def _policy_is_a_no_op(source: str) -> bool:
    """True when the transformer provably would change nothing and refuse nothing, so the
    program can be compiled directly (the hot path for short programs)."""
    return (
        sys.version_info[:2] in _NO_OP_SAFE_VERSIONS
        and source.isascii()
        and _POLICY_TOUCHES.search(source) is None
    )


def compile_program(source: str, *, restricted: bool = True) -> Any:
    """Compile a program; return the code object of its entry function (an ``async def``
    with no parameters: run it with ``types.FunctionType(code, globals)()``).

    Raises ``CompileFailed`` carrying a ``SyntaxError`` or ``PolicyViolation`` with the
    line number in the model's own source. ``restricted=False`` skips the language
    policy (the OS layers are then the only boundary).
    """
    untouched = _policy_is_a_no_op(source)
    if untouched and _TEXT_WRAP_UNSAFE.search(source) is None and source.strip():
        return _compile_text(source)
    with _compile_errors():
        tree = ast.parse(source, PROGRAM_FILENAME, "exec")
    if restricted and not untouched:
        global_names = _apply_policy(tree).global_names
    else:
        global_names = sorted(
            {n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names}
        )
    code = _compile(_wrap_program(tree, list(global_names)), PROGRAM_FILENAME, "exec")
    return _strip_qualnames(_entry(code))


def _entry(module_code: types.CodeType) -> types.CodeType:
    """The entry function's code object, the one constant of the wrapper module that is
    code (skipping the module body's own ``def`` saves a step per run)."""
    return next(c for c in module_code.co_consts if isinstance(c, types.CodeType))


#: What makes a textual wrap (indenting every line by one space) change a program's
#: meaning or fail: multi-line string literals, backslash continuations, tabs and other
#: unusual whitespace.
_TEXT_WRAP_UNSAFE = re.compile(r"\"\"\"|'''|\\\r?\n|[\t\f\r\v]")
_TEXT_HEADER = f"async def {ENTRY}():\n "


def _compile_text(source: str) -> types.CodeType:
    """Compile a program the policy does not touch without building an AST: indent it
    under the entry function's header, then move every line number back by one."""
    with _compile_errors(line_shift=-1):
        code = compile(_TEXT_HEADER + source.replace("\n", "\n "), PROGRAM_FILENAME, "exec",
                       dont_inherit=True)  # fmt: skip
    return _strip_qualnames(_entry(code), line_shift=-1)


_QUALNAME_PREFIX = f"{ENTRY}.<locals>."


def _strip_qualnames(code: types.CodeType, line_shift: int = 0) -> types.CodeType:
    """Give the program's classes and functions the qualified names they would have at
    module level (``Point``, not ``__cm_main__.<locals>.Point``): reprs, dataclasses and
    pickling-style introspection then read exactly as in CPython. ``line_shift`` moves
    every line number (for the textual wrap)."""
    cut = len(_QUALNAME_PREFIX)
    consts = tuple(
        _strip_qualnames(c, line_shift)
        if isinstance(c, types.CodeType)
        else c[cut:]
        if isinstance(c, str) and c.startswith(_QUALNAME_PREFIX)
        else c
        for c in code.co_consts
    )
    changes: dict[str, Any] = {}
    if any(new is not old for new, old in zip(consts, code.co_consts, strict=True)):
        changes["co_consts"] = consts
    if line_shift:
        changes["co_firstlineno"] = max(0, code.co_firstlineno + line_shift)
    qualname = getattr(code, "co_qualname", "")
    if qualname.startswith(_QUALNAME_PREFIX):
        changes["co_qualname"] = qualname[cut:]
    return code.replace(**changes) if changes else code


def compile_expression(
    source: str, filename: str = "<string>", mode: str = "eval", *_: Any, **__: Any
) -> Any:
    """A drop-in for ``compile(expr, filename, 'eval')`` that applies the policy."""
    try:
        tree = ast.parse(source, filename, "eval")
        _apply_policy(tree)
        return _compile(tree, filename, "eval")
    except CompileFailed as exc:
        raise SyntaxError(exc.error.message) from None
