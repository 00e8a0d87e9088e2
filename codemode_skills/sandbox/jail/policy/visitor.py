"""The AST pass of the language policy (see transformer.py for the pipeline around it).

Built on RestrictedPython's ``RestrictingNodeTransformer`` (its allow-list of AST node
types: a node type we have not reviewed is refused), loosened to ordinary Python and
re-tightened on the names that lead out of the language:

* underscore names, ``format``/``format_map``, interpreter-internal names (``gi_frame``),
  the capability methods (``get_loop``) and the names refused everywhere (``mro``,
  ``__globals__``...) compile to a run-time checked load (a refused name is refused when
  its line runs); every other load is native;
* an attribute store or delete compiles to ``store_target(obj).name = v`` (the target is
  checked: no class, function or module the program did not make), except stores on the
  ``self`` of a method, which stay native: one check at the method's entry covers them,
  as long as the method never rebinds ``self``;
* what CPython reads natively, with no run-time hook, is refused at compile time: names
  (not attributes) with the reserved ``__cm_`` prefix or in ``DENIED_NAMES``, read or
  bound, and guarded attribute names in ``match`` patterns (``case C(_loop=x)``,
  ``case fut._loop:``). See docs/security.md, "Compile-time vs run-time refusals".

Every node this pass creates gets its location from the node it replaces (no subtree
walks), so the pass is linear in the size of the program (F09).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer

from .names import (
    ALWAYS_DENIED,
    RESERVED_PREFIX,
    is_dunder,
    is_private,
    is_reserved,
    needs_guard,
)

GETATTR = f"{RESERVED_PREFIX}getattr__"
IMPORT_STAR = f"{RESERVED_PREFIX}import_star__"
#: ``store_target(obj)`` for public names, ``store_target_named(obj, name)`` otherwise.
STORE = f"{RESERVED_PREFIX}store__"
STORE_NAMED = f"{RESERVED_PREFIX}store_named__"
#: ``match`` class patterns with positional sub-patterns use a class checked just before
#: the ``match`` statement (kept in a reserved local: what is checked is what is used).
MATCH_CLASS = f"{RESERVED_PREFIX}match_class__"
MATCH_LOCAL = f"{RESERVED_PREFIX}mc{{}}__"
#: The entry checks of methods whose stores on ``self`` stay native.
SELF_TARGET = f"{RESERVED_PREFIX}self_target__"
SELF_OWNED = f"{RESERVED_PREFIX}self_owned__"

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


@dataclass
class _Method:
    """A function defined directly in a class body, while its body is visited."""

    self_name: str
    bindings_before: int
    native_stores: list[ast.Attribute] = field(default_factory=list)
    private_stores: bool = False


def _at(new: Any, old: ast.AST) -> Any:
    """``new`` with ``old``'s location (one node: O(1), unlike fix_missing_locations)."""
    return ast.copy_location(new, old)


def _call(name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
    func = _at(ast.Name(name, ast.Load()), where)
    return _at(ast.Call(func=func, args=args, keywords=[]), where)


def _first_param(args: ast.arguments) -> str | None:
    params = args.posonlyargs or args.args
    return params[0].arg if params else None


def _guarded_attr(expr: ast.expr) -> str | None:
    """The first name in a dotted name (``a.b.c``) that a load would have to check."""
    while isinstance(expr, ast.Attribute):
        if needs_guard(expr.attr):
            return expr.attr
        expr = expr.value
    return None


class SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer, loosened to ordinary Python and re-tightened on
    the handful of names that lead out of the language."""

    # -- reporting -----------------------------------------------------------------
    def deny(self, node: ast.AST, message: str, kind: str = "PolicyViolation") -> None:
        line = getattr(node, "lineno", None)
        text = _ErrorText(f"Line {line}: {message}")
        text.error = PolicyError(kind, message, line)
        self.errors.append(text)

    def check_binding(self, node: ast.AST, name: str | None) -> None:
        if name is None:
            return
        counts = self.__dict__.setdefault("binding_counts", {})
        counts[name] = counts.get(name, 0) + 1
        if is_reserved(name) or name in DENIED_NAMES:
            self.deny(node, f"the name {name!r} is reserved by the sandbox")

    def _bindings_of(self, name: str) -> int:
        return self.__dict__.get("binding_counts", {}).get(name, 0)

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
        if isinstance(node.ctx, ast.Load):
            if is_reserved(node.id) or node.id in DENIED_NAMES:
                self.deny(node, f"the name {node.id!r} is reserved by the sandbox")
        else:
            self.check_binding(node, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> Any:
        self.check_binding(node, node.arg)
        return self.node_contents_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        self.check_binding(node, node.name)
        scopes = self.__dict__.setdefault("scopes", [])
        in_class_body = bool(scopes) and scopes[-1] == "class"
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        if node.returns is not None:
            node.returns = self.visit(node.returns)
        self_name = _first_param(node.args) if in_class_body else None
        method = None
        methods = self.__dict__.setdefault("methods", [])
        if self_name is not None:
            method = _Method(self_name, self._bindings_of(self_name))
            methods.append(method)
        scopes.append("function")
        try:
            node.body = self._visit_body(node.body)
        finally:
            scopes.pop()
            if method is not None:
                methods.pop()
        if method is not None and method.native_stores:
            self._settle_method(node, method)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        scopes = self.__dict__.setdefault("scopes", [])
        scopes.append("function")
        try:
            return self.node_contents_visit(node)
        finally:
            scopes.pop()

    def _visit_body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            new = self.visit(stmt)
            if new is None:
                continue
            out.extend(new) if isinstance(new, list) else out.append(new)
        return out

    def _settle_method(self, node: ast.FunctionDef, method: _Method) -> None:
        """Keep the method's stores on ``self`` native behind one entry check, or guard
        each of them when the method rebinds ``self`` anywhere inside."""
        if self._bindings_of(method.self_name) != method.bindings_before:
            for attr in method.native_stores:
                self._guard_store(attr)
            return
        if not method.private_stores and not self.guard_public_stores:
            return  # public stores on `self` need no check in an isolated process
        check = SELF_OWNED if method.private_stores else SELF_TARGET
        target = _at(ast.Name(method.self_name, ast.Load()), node)
        stmt = _at(ast.Expr(_call(check, [target], node)), node)
        docstring = (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        )
        node.body.insert(1 if docstring else 0, stmt)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.check_binding(node, node.name)
        stack = self.__dict__.setdefault("class_stack", [])
        scopes = self.__dict__.setdefault("scopes", [])
        # bases, keywords and decorators belong to the enclosing scope (and its mangling)
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        stack.append(node.name)
        scopes.append("class")
        try:
            node.body = self._visit_body(node.body)
        finally:
            scopes.pop()
            stack.pop()
        return node

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

    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        for name in node.names:
            self.check_binding(node, name)
        return node

    def visit_MatchAs(self, node: ast.MatchAs) -> Any:
        self.check_binding(node, node.name)
        return self.node_contents_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> Any:
        self.check_binding(node, node.name)
        return node

    def visit_MatchMapping(self, node: ast.MatchMapping) -> Any:
        self.check_binding(node, node.rest)
        return self.node_contents_visit(node)

    def visit_MatchValue(self, node: ast.MatchValue) -> Any:
        # a value pattern (`case Color.RED:`) reads its dotted name natively when tried
        attr = _guarded_attr(node.value)
        if attr is not None:
            self._deny_pattern(node, attr)
            return node
        return self.node_contents_visit(node)

    def _deny_pattern(self, node: ast.AST, attr: str) -> None:
        self.deny(node, f"matching on attribute {attr!r} is not allowed in the sandbox")

    def visit_MatchClass(self, node: ast.MatchClass) -> Any:
        # keyword patterns read attributes natively: hold them to the same rule
        for attr in node.kwd_attrs:
            if needs_guard(attr) and attr != "__class__":
                self._deny_pattern(node, attr)
        guarded_cls = _guarded_attr(node.cls)
        node = self.node_contents_visit(node)
        pending = self.__dict__.get("match_classes")
        if node.patterns and pending is not None:
            # positional sub-patterns read the attributes named by the class's
            # __match_args__, natively: check the class first (guards.match_class)
            counter = self.__dict__.setdefault("match_counter", [0])
            local = MATCH_LOCAL.format(counter[0])
            counter[0] += 1
            check = _call(
                MATCH_CLASS, [node.cls, _at(ast.Constant(len(node.patterns)), node)], node
            )
            pending.append(_at(ast.Assign([_at(ast.Name(local, ast.Store()), node)], check), node))
            node.cls = _at(ast.Name(local, ast.Load()), node.cls)
        elif guarded_cls is not None:  # the class stays a dotted name, read natively
            self._deny_pattern(node, guarded_cls)
        return node

    def visit_Match(self, node: ast.Match) -> Any:
        outer = self.__dict__.get("match_classes")
        self.__dict__["match_classes"] = pending = []
        try:
            node.subject = self.visit(node.subject)
            node.cases = [self.visit(case) for case in node.cases]
        finally:
            self.__dict__["match_classes"] = outer
        return [*pending, node] if pending else node

    # -- attributes ----------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            if needs_guard(node.attr):
                name = _at(ast.Constant(self.mangle(node.attr)), node)
                return _call(GETATTR, [node.value, name], node)
            return node
        methods = self.__dict__.get("methods")
        value = node.value
        if (
            methods
            and isinstance(value, ast.Name)
            and value.id == methods[-1].self_name
            and not is_dunder(node.attr)
            and node.attr not in ALWAYS_DENIED
        ):
            method = methods[-1]
            method.native_stores.append(node)
            method.private_stores |= is_private(node.attr)
            return node
        return self._guard_store(node)

    #: Whether ``obj.public = v`` is checked (see ``compile_program(isolated=...)``).
    guard_public_stores = True

    def _guard_store(self, node: ast.Attribute) -> ast.Attribute:
        """``obj.name = v`` -> ``store_target(obj).name = v``: the target expression is
        evaluated once, as before, and checked before the native store."""
        attr = self.mangle(node.attr)
        if attr.startswith("_") or attr in ALWAYS_DENIED:  # names with rules of their own
            name = _at(ast.Constant(attr), node)
            node.value = _call(STORE_NAMED, [node.value, name], node.value)
        elif self.guard_public_stores:
            node.value = _call(STORE, [node.value], node.value)
        return node

    # -- imports -------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        # a relative import runs: the sandbox's importer raises CPython's ImportError
        self.node_contents_visit(node)
        if any(alias.name == "*" for alias in node.names):
            if self.__dict__.get("scopes"):  # inside a def or a class: CPython refuses
                self.deny(node, "import * only allowed at module level", "SyntaxError")
                return node
            # `from m import *` is only legal at module level; the program body is a
            # function, so bind the public names through a helper instead.
            args = [_at(ast.Constant(node.module or ""), node), _at(ast.Constant(node.level), node)]
            return _at(ast.Expr(_call(IMPORT_STAR, args, node)), node)
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
    visit_Assign = visit_AugAssign = visit_With = visit_Call  # type: ignore[assignment]
    visit_NamedExpr = visit_Module = visit_FormattedValue = visit_Call  # type: ignore[assignment]
    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_TryStar = visit_Call  # type: ignore[assignment]
