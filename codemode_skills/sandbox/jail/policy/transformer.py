"""Compile a model's program under the sandbox language policy.

The policy's AST pass is ``visitor.SandboxTransformer``; this module is the pipeline
around it. The program is the body of an async function (so top-level ``await`` and
``return value`` work) that runs with *module semantics*: every name the program binds at
its top level is declared ``global`` in that function (module.py says how), so reading a
name before it is bound is CPython's ``NameError``, a class body sees top-level names, a
builtin the program redefines later is still the builtin until then, and ``global`` in a
helper shares the top level's name exactly as in a module.

Whatever the source, ``compile_program`` either returns code or raises ``CompileFailed``:
a program nested too deeply for the parser, the policy pass, the compiler or the qualname
pass is a failed compile, never a ``RecursionError`` out of it (F10).
"""

from __future__ import annotations

import ast
import contextlib
import opcode
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

from . import module
from .guards import ENTRY_NAME
from .names import ALWAYS_DENIED, is_reserved
from .ownership import PROGRAM_FILENAME
from .visitor import (
    CompileFailed,
    PolicyError,
    SandboxTransformer,
    _ErrorText,
)

ENTRY = ENTRY_NAME

__all__ = [
    "ENTRY",
    "PROGRAM_FILENAME",
    "CompileFailed",
    "PolicyError",
    "SandboxTransformer",
    "compile_expression",
    "compile_program",
]


def _locate(node: Any, line: int = 1) -> Any:
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def _wrap_program(tree: ast.Module, global_names: list[str]) -> ast.Module:
    """``<body>`` -> ``async def __cm_main__(): global <names>; <body>``."""
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


def _apply_policy(
    tree: ast.AST,
    kind: type[SandboxTransformer] = SandboxTransformer,
    *,
    isolated: bool = False,
) -> SandboxTransformer:
    """Run the transformer over ``tree`` in place, or raise ``CompileFailed``."""
    errors: list[str] = []
    transformer = kind(errors, [], {})
    transformer.guard_public_stores = not isolated
    transformer.visit(tree)
    for text in errors:
        raise CompileFailed(
            text.error if isinstance(text, _ErrorText) else PolicyError("SyntaxError", text, None)
        )
    return transformer


@contextlib.contextmanager
def _compile_errors(line_shift: int = 0) -> Iterator[None]:
    """Turn what CPython's parser and compiler raise into ``CompileFailed`` (a
    ``SyntaxError``, ``IndentationError`` or ``TabError`` with the line in the model's own
    source, also where the message names one: "... after 'if' statement on line 1")."""
    try:
        yield
    except SyntaxError as exc:
        line = exc.lineno + line_shift if exc.lineno and exc.lineno + line_shift > 0 else None
        message = str(exc.msg)
        if line_shift:
            message = _LINE_IN_MESSAGE.sub(lambda m: f"{m[1]}{int(m[2]) + line_shift}", message)
        raise CompileFailed(PolicyError(type(exc).__name__, message, line)) from None
    except (ValueError, RecursionError, MemoryError, SystemError) as exc:
        # (CPython 3.11 can report a tree too deep for its AST constructor as SystemError)
        raise CompileFailed(PolicyError("SyntaxError", _failure_message(exc), None)) from None


_LINE_IN_MESSAGE = re.compile(r"(\bon line )(\d+)")


#: Why a program too deep for the parser, the policy pass or the compiler failed.
TOO_DEEP = "the program is nested too deeply to compile"


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, (RecursionError, SystemError)):
        return TOO_DEEP
    if isinstance(exc, MemoryError):
        return "the program is too large to compile"
    return str(exc) or type(exc).__name__


def _compile(tree: ast.AST, filename: str, mode: str, flags: int = 0) -> Any:
    with _compile_errors():
        return compile(tree, filename, mode, flags, dont_inherit=True)


#: Everything the transformer acts on is spelled with one of these in the source text:
#: guarded and refused names contain "_" or are "format"/"format_map"/"mro"; star
#: imports; "global" feeds the scope analysis (a relative import needs no pass: compiled
#: natively, it calls the sandbox's ``__import__``, which raises CPython's ImportError).
#: Non-ASCII source is excluded because identifiers are NFKC-normalised ("＿" becomes
#: "_"). Attribute stores, which the pass guards too, are found in the compiled bytecode
#: instead (_stores_attributes).
_POLICY_TOUCHES = re.compile(r"_|format|mro|import\s*\*|global")
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


def compile_program(source: str, *, restricted: bool = True, isolated: bool = False) -> Any:
    """Compile a program; return the code object of its entry function (an ``async def``
    with no parameters: run it with ``types.FunctionType(code, globals)()``).

    Raises ``CompileFailed`` carrying a ``SyntaxError`` or ``PolicyViolation`` with the
    line number in the model's own source, and nothing else. ``restricted=False`` skips
    the language policy (the OS layers are then the only boundary).

    ``isolated=True``: the program will run in a process of its own that nothing else
    uses (``SubprocessDriver``'s workers), so a store to a *public* attribute name
    (``p.x = v``) compiles to the native store. The check it skips keeps a program from
    changing objects it did not make, which matters where they are shared with the host
    or the next run (the in-process driver); in a worker they are the program's own
    copies, the classes among them are frozen, and private and dunder names keep their
    checks either way (docs/security.md, "Attribute stores").
    """
    try:
        if not restricted:
            return _compile_unpoliced(source)
        if _policy_is_a_no_op(source):
            code = _compile_unpoliced(source)
            if isolated or not _stores_attributes(code):
                return code
            # the policy has nothing to refuse but attribute stores to check
        return _compile_policed(source, isolated)
    except (RecursionError, MemoryError, ValueError, SyntaxError, SystemError) as exc:
        # from the policy pass or the qualname pass (parse and compile are wrapped)
        raise CompileFailed(PolicyError("SyntaxError", _failure_message(exc), None)) from None


def _compile_unpoliced(source: str) -> types.CodeType:
    if (
        _TEXT_WRAP_UNSAFE.search(source) is None
        and source.strip()
        and not module.may_call_asyncio_run(source)
    ):
        code = _compile_text(source)
        if code is not None:
            return code
    with _compile_errors():
        tree = ast.parse(source, PROGRAM_FILENAME, "exec")
    return _finish(tree, module.future_flags(tree))


def _compile_policed(source: str, isolated: bool) -> types.CodeType:
    with _compile_errors():
        tree = ast.parse(source, PROGRAM_FILENAME, "exec")
    flags = module.future_flags(tree)
    _apply_policy(tree, isolated=isolated)
    return _finish(tree, flags)


def _finish(tree: ast.Module, flags: int = 0) -> types.CodeType:
    """Compile the wrapped program with module semantics: compile once to learn which
    names the program binds at top level (the entry's locals, as CPython's own scope
    analysis says), then again with those names declared ``global``."""
    module.prepare(tree, annotations_evaluated=not flags & module.ANNOTATIONS_FLAG)
    code = _entry(_compile(_wrap_program(tree, []), PROGRAM_FILENAME, "exec", flags))
    bound = module.top_level_names(code)
    if bound:
        names = sorted(bound)
        code = _entry(_compile(_wrap_program(tree, names), PROGRAM_FILENAME, "exec", flags))
    return _strip_qualnames(code)


_ATTRIBUTE_STORES = bytes([opcode.opmap["STORE_ATTR"], opcode.opmap["DELETE_ATTR"]])


def _stores_attributes(code: types.CodeType) -> bool:
    """Whether any code object of the program stores or deletes an attribute (CPython
    3.10/3.11 bytecode: every instruction and cache entry is two bytes, opcode first)."""
    opcodes = code.co_code[::2]
    if any(op in opcodes for op in _ATTRIBUTE_STORES):
        return True
    return any(_stores_attributes(c) for c in code.co_consts if isinstance(c, types.CodeType))


def _entry(module_code: types.CodeType) -> types.CodeType:
    """The entry function's code object, the one constant of the wrapper module that is
    code (skipping the module body's own ``def`` saves a step per run)."""
    return next(c for c in module_code.co_consts if isinstance(c, types.CodeType))


#: What makes a textual wrap (indenting every line by one space) change a program's
#: meaning or fail: multi-line string literals, backslash continuations, tabs and other
#: unusual whitespace.
_TEXT_WRAP_UNSAFE = re.compile(r"\"\"\"|'''|\\\r?\n|[\t\f\r\v]")
_TEXT_HEADER = f"async def {ENTRY}():\n "
#: ``inspect.CO_ASYNC_GENERATOR`` (not importing ``inspect`` into every worker for it).
_CO_ASYNC_GENERATOR = 0x200


def _compile_text(source: str) -> types.CodeType | None:
    """Compile a program the policy does not touch without building an AST: indent it
    under the entry function's header (first bare, to learn its top-level names, then
    with ``global <names>;`` in front of its first line), then move every line number
    back by one. None when the second compile fails (a first line that is a compound
    statement, an annotated top-level name, a ``nonlocal`` bound only at top level): the
    AST path then gives the module-level outcome."""
    body = source.replace("\n", "\n ")
    if body.endswith("\n "):  # no line of one space after the last (errors at the end)
        body = body[:-1]
    with _compile_errors(line_shift=-1):
        try:
            code = _entry(compile(_TEXT_HEADER + body, PROGRAM_FILENAME, "exec", dont_inherit=True))
        except SyntaxError as exc:
            if "nonlocal" in str(exc.msg):  # a top-level one is a module-level error
                return None
            raise
    if code.co_flags & _CO_ASYNC_GENERATOR:  # a top-level yield
        return None
    bound = module.top_level_names(code)
    if bound:
        declared = f"{_TEXT_HEADER}global {', '.join(sorted(bound))}; {body}"
        try:
            code = _entry(compile(declared, PROGRAM_FILENAME, "exec", dont_inherit=True))
        except SyntaxError:
            return None
    return _strip_qualnames(code, line_shift=-1)


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


class ExpressionTransformer(SandboxTransformer):
    """The policy for expressions compiled for the stdlib (``typing``'s forward
    references, see compile_expression). Their code is evaluated in a namespace the
    stdlib picks, not the program's globals, where the run-time guard the compiled code
    calls by name may be missing or the program's own: the names refused everywhere are
    refused here at compile time."""

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in ALWAYS_DENIED or is_reserved(node.attr):
            self.deny(node, f"access to attribute {node.attr!r} is not allowed in the sandbox")
        return super().visit_Attribute(node)


def compile_expression(
    source: str, filename: str = "<string>", mode: str = "eval", *_: Any, **__: Any
) -> Any:
    """A drop-in for ``compile(expr, filename, 'eval')`` that applies the policy."""
    try:
        tree = ast.parse(source, filename, "eval")
        _apply_policy(tree, ExpressionTransformer)
        return _compile(tree, filename, "eval")
    except CompileFailed as exc:
        raise SyntaxError(exc.error.message) from None
    except (RecursionError, MemoryError, SystemError) as exc:
        raise SyntaxError(f"expression too complex to compile ({type(exc).__name__})") from None
