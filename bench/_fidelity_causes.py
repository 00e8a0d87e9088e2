"""Why a program's outcome in the sandbox differs from CPython's, read from the outcomes.

An outcome is ``{"output": [lines], "error": {"type", "message", "line"} | None,
"value": <JSON> | None}``. ``classify`` returns None when the two are identical, else the
first cause of ``CAUSES`` whose test holds: the causes by design (a module the sandbox
does not offer, a limit, the program form) come first, so that a difference they explain
is not counted as a fidelity bug. "Sandbox text" is what only the sandbox said: its
error message and the output lines CPython did not print (a doctest program catches and
prints exceptions, so a refusal often shows up there rather than as the error).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from typing import Any

NOT_OFFERED = "module not offered by design"
THIRD_PARTY = "third-party import"
LIMITS = "time/limits"
FORM = "program form (top-level return/await/yield)"
BUILTIN_REFUSED = "refused builtin (policy)"
ATTRIBUTE_REFUSED = "refused attribute (policy)"
NAME_REFUSED = "refused name or statement (policy)"
POLICY = "other policy refusal"
FACADE = "module name refused inside an allowed module"
PRIVATE = "private module name (facades offer public names)"
STOP = "StopIteration at top level"
SCOPES = "NameError vs UnboundLocalError (module semantics)"
INTERNALS = "sandbox internals visible"
REPR = "repr of a module, builtin or function differs"
STDERR = "stderr marked in the logs"
SYNTAX = "SyntaxError differs"
LINE = "line number differs"
ONLY_SANDBOX = "exception only in the sandbox"
ONLY_CPYTHON = "exception only in CPython"
EXCEPTION = "exception differs"
OUTPUT = "output differs"
VALUE = "final value differs"
OTHER = "other"

#: Every cause, in the order ``classify`` tries them, with what it means.
CAUSES: dict[str, str] = {
    STDERR: "the same output but for the sandbox's '[stderr] ' mark on what went to stderr",
    NOT_OFFERED: "imports a standard module outside ALLOWED_MODULES (os, subprocess, ...)",
    THIRD_PARTY: "imports a module that is not in the standard library",
    LIMITS: "a sandbox limit (time, memory, output, tool calls) or a sandbox failure",
    FORM: "CPython refuses top-level return/await/yield/nonlocal; the sandbox's program "
    "form (an async function body) accepts it",
    BUILTIN_REFUSED: "open(), eval(), exec(), compile(), input(), globals(), help() refused",
    ATTRIBUTE_REFUSED: "a dunder or internal attribute refused by the policy",
    NAME_REFUSED: "a reserved name or a statement the compiler refuses",
    POLICY: "any other refusal that says 'in the sandbox'",
    FACADE: "an allowed module's facade lacks a name CPython's module has "
    "(AttributeError / ImportError naming the module)",
    PRIVATE: "as above, for a name with a leading underscore (a module's internals)",
    STOP: "StopIteration escaping the top level: CPython reports it, the sandbox's "
    "coroutine turns it into RuntimeError",
    SCOPES: "NameError/UnboundLocalError where CPython does something else: top-level "
    "names are not module globals",
    INTERNALS: "a message or output names the sandbox's guards or injected names",
    REPR: "the repr of a module, builtin, function or class differs",
    SYNTAX: "both refuse to compile, with another type (IndentationError), message or line",
    LINE: "the same exception on another line",
    ONLY_SANDBOX: "the sandbox raises, CPython does not",
    ONLY_CPYTHON: "CPython raises, the sandbox does not",
    EXCEPTION: "both raise, a different type or message",
    OUTPUT: "the printed output differs",
    VALUE: "the value of the last expression differs",
    OTHER: "none of the above",
}

FORM_MESSAGES = re.compile(
    r"^'(return|await|yield|yield from|async with|async for)' outside (async )?function$"
    r"|^asynchronous comprehension outside of an asynchronous function$"
    r"|^nonlocal declaration not allowed at module level$"
)
IMPORT_REFUSED = re.compile(r"import of '([\w.]+)' is not allowed in the sandbox")
BUILTIN_TEXT = re.compile(
    r"\b\w+\(\): (files are not available|there is no|\w+\(\) is not available)"
)
ATTRIBUTE_TEXT = re.compile(
    r"(access to|setting|format field|matching on) attributes? |sys\.\w+ is not available"
)
NAME_TEXT = re.compile(r"is reserved by the sandbox|statements are not allowed in the sandbox")
MISSING_NAME = re.compile(
    r"module '(?P<m1>[\w.]+)' has no attribute '(?P<n1>\w+)'"
    r"|cannot import name '(?P<n2>\w+)' from '(?P<m2>[\w.]+)'"
)
INTERNAL_TEXT = re.compile(r"__cm_|\bSafe[A-Z]\w*|\bguarded_\w+|\b_(getattr|write|getiter)_\b")
REPR_TEXT = re.compile(
    r"<(module|built-in|function|class|bound method|method|slot wrapper|method-wrapper) "
)
STDERR_MARK = "[stderr] "  # codemode_skills/sandbox/jail/policy/streams.py (live tree)
SCOPE_ERRORS = frozenset({"NameError", "UnboundLocalError"})
SCOPE_TEXT = re.compile(r"cannot access (local|free) variable|name '\w+' is not defined")
LIMIT_ERRORS = frozenset(
    {"MemoryLimitExceeded", "OutputLimitExceeded", "ToolCallLimitExceeded", "SandboxError"}
)
COMPILE_ERRORS = frozenset({"SyntaxError", "IndentationError", "TabError"})
REFERENCE_ERRORS = frozenset({"ReferenceTimeout", "ReferenceFailed"})


def imported_modules(code: str) -> set[str]:
    """The absolute module names a program's import statements name."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _offered(name: str, allowed: frozenset[str]) -> bool:
    return name in allowed or name in ("__future__",)


def _sandbox_text(ref: dict[str, Any], got: dict[str, Any]) -> str:
    seen = set(ref["output"])
    lines = [line for line in got["output"] if line not in seen]
    if got["error"] is not None and got["error"] != ref["error"]:
        lines.append(f"{got['error']['type']}: {got['error']['message']}")
    return "\n".join(lines)


def _types(outcome: dict[str, Any], extra: Iterable[str]) -> set[str]:
    found = {outcome["error"]["type"]} if outcome["error"] else set()
    return found | {t for t in SCOPE_ERRORS if any(t in line for line in extra)}


def classify(
    code: str, ref: dict[str, Any], got: dict[str, Any], allowed: frozenset[str]
) -> str | None:
    """The cause of the first difference between the two outcomes, None if identical."""
    if ref == got:
        return None
    unmarked = [line.removeprefix(STDERR_MARK) for line in got["output"]]
    if unmarked != got["output"]:
        if {**got, "output": unmarked} == ref:
            return STDERR
        got = {**got, "output": unmarked}  # another difference: find that one
    rerr, gerr = ref["error"], got["error"]
    text = _sandbox_text(ref, got)
    modules = imported_modules(code)
    stdlib = sys.stdlib_module_names | {"test"}  # CPython's test suite ships with it
    if any(m.split(".")[0] not in stdlib for m in modules):
        return THIRD_PARTY
    if IMPORT_REFUSED.search(text) or any(not _offered(m, allowed) for m in modules):
        return NOT_OFFERED
    if (rerr and rerr["type"] in REFERENCE_ERRORS) or (gerr and gerr["type"] in LIMIT_ERRORS):
        return LIMITS
    if gerr and gerr["type"] == "TimeoutError" and (not rerr or rerr["type"] != "TimeoutError"):
        return LIMITS
    if rerr and rerr["type"] == "SyntaxError" and FORM_MESSAGES.match(rerr["message"]):
        return FORM
    for pattern, cause in (
        (BUILTIN_TEXT, BUILTIN_REFUSED),
        (ATTRIBUTE_TEXT, ATTRIBUTE_REFUSED),
        (NAME_TEXT, NAME_REFUSED),
    ):
        if pattern.search(text):
            return cause
    if "in the sandbox" in text or (gerr and gerr["type"] == "PolicyViolation"):
        return POLICY
    missing = MISSING_NAME.search(text)
    if missing and (missing["m1"] or missing["m2"]).split(".")[0] in allowed:
        return PRIVATE if (missing["n1"] or missing["n2"]).startswith("_") else FACADE
    if rerr and rerr["type"] in ("StopIteration", "StopAsyncIteration") and gerr:
        if gerr["type"] == "RuntimeError":
            return STOP
    ref_only = [line for line in ref["output"] if line not in set(got["output"])]
    if (_types(got, text.splitlines()) ^ _types(ref, ref_only)) & SCOPE_ERRORS:
        return SCOPES
    ref_text = "\n".join(ref_only) + (f"\n{rerr['message']}" if rerr and rerr != gerr else "")
    if SCOPE_TEXT.search(text) or SCOPE_TEXT.search(ref_text):
        return SCOPES
    if INTERNAL_TEXT.search(text):
        return INTERNALS
    if REPR_TEXT.search(text) and ref["error"] == got["error"]:
        return REPR
    return _plain_difference(ref, got)


def _plain_difference(ref: dict[str, Any], got: dict[str, Any]) -> str:
    rerr, gerr = ref["error"], got["error"]
    if rerr != gerr:
        if rerr and gerr:
            if {rerr["type"], gerr["type"]} <= COMPILE_ERRORS:
                return SYNTAX
            same = (rerr["type"], rerr["message"]) == (gerr["type"], gerr["message"])
            return LINE if same else EXCEPTION
        return ONLY_SANDBOX if gerr else ONLY_CPYTHON
    if ref["output"] != got["output"]:
        return OUTPUT
    if ref["value"] != got["value"]:
        return VALUE
    return OTHER


#: Causes the target leaves aside: the program cannot run as written anywhere like it.
EXCUSED = (NOT_OFFERED, THIRD_PARTY)


def identical_share(causes: Iterable[str | None]) -> tuple[int, int]:
    """(identical, compared) with the excused causes left out of both."""
    fair = [c for c in causes if c not in EXCUSED]
    return sum(c is None for c in fair), len(fair)
