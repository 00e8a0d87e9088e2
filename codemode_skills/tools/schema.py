"""JSON Schema checks for things described by a schema rather than a pydantic model
(skills, and tools built from a raw schema): is the schema usable, does a value match.

A skill's schemas are written by a model, and the host validates every call's input and
output against them, so a schema is untrusted input that runs on the host. The rules:

* **One self-contained document.** ``$ref`` and ``$dynamicRef`` are fragments (``#``,
  ``#/json/pointer``, ``#anchor``) that resolve inside the schema; anything else
  (``http:``, ``https:``, ``file:``, ``urn:``, a relative URI naming another document)
  is refused. So are ``$id`` (it re-bases references, and could make a fragment name a
  remote document) and ``$schema`` other than the 2020-12 dialect at the root (a
  subschema's ``$schema`` would switch validation to a stock validator class).
* **Nothing is ever fetched.** ``SchemaValidator`` hands jsonschema a registry whose
  ``retrieve`` refuses every URI, and refuses to use a schema that breaks the rules
  above (one stored before they existed, or a host tool's): validation then fails with
  a clear message; no request is made and no file is read.
* **Bounded work.** A schema is at most ``MAX_DEPTH`` containers deep and ``MAX_NODES``
  values large; patterns run in linear time and every validation has a step budget
  (``schema_engine``); ``SchemaValidator.check`` runs it off the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from .schema_engine import (
    MAX_STEPS,
    BoundedValidator,
    UnusablePattern,
    ValidationTooComplex,
    pattern_problem,
    step_budget,
)

#: The one dialect: ``$schema`` may name it, at the root only.
DIALECT_IDS = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
    }
)
#: Containers (objects, arrays) nested in a schema, at most.
MAX_DEPTH = 64
#: Values (of any kind) in a schema, at most.
MAX_NODES = 5_000
#: Values in a schema with every reference expanded (walking it as a tree), at most.
MAX_EXPANDED = 20_000
#: Errors collected per validation before the first ``limit`` are reported.
_MAX_ERRORS = 50


def _refuse_retrieval(uri: str) -> Any:
    """The registry's ``retrieve``: a schema never reaches the network or the disk."""
    raise NoSuchResource(ref=uri)


_NO_RETRIEVAL: Registry[Any] = Registry(retrieve=_refuse_retrieval)

#: Validations run here (``SchemaValidator.check``): off the event loop, and apart from
#: the default executor that storage and blocking tools share.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cms-schema")


class _TooLarge(Exception):
    pass


def _where(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path) or "(root)"


def _show(text: str) -> str:
    """A schema string quoted for a message: cut short, and ``ascii`` so that no control
    or bidirectional character reaches a log or a terminal raw."""
    return ascii(text if len(text) <= 120 else text[:117] + "...")


def _walk(schema: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every value of ``schema`` with its path, iteratively (deep nesting cannot raise
    RecursionError); ``_TooLarge`` past ``MAX_DEPTH`` or ``MAX_NODES``."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), schema)]
    seen = 0
    while stack:
        path, node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise _TooLarge(f"is too large (more than {MAX_NODES} values)")
        if isinstance(node, (dict, list)):
            if len(path) >= MAX_DEPTH:
                raise _TooLarge(f"is nested too deeply (more than {MAX_DEPTH} levels)")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend(((*path, key), value) for key, value in items)
        yield path, node


def _resolve(fragment: str, root: dict[str, Any], anchors: dict[str, Any]) -> tuple[Any, str]:
    """(the target of the local reference ``#fragment``, or why there is none)."""
    fragment = unquote(fragment)
    if not fragment:
        return root, ""
    if not fragment.startswith("/"):
        found = anchors.get(fragment)
        return found, "" if found is not None else "names no $anchor or $dynamicAnchor here"
    node: Any = root
    for token in fragment[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif (
            isinstance(node, list)
            and token.isascii()
            and token.isdigit()
            and int(token) < len(node)
        ):
            node = node[int(token)]
        else:
            return None, "does not resolve inside the schema"
    return node, "" if isinstance(node, (dict, bool)) else "does not point at a schema"


def _expansion(root: Any, targets: dict[int, list[Any]]) -> int:
    """How many values walking ``root`` as a tree visits, each reference replaced by its
    target (a reference back into what is being expanded counts 1: such recursion is
    bounded by the value). Iterative, linear; stops once past ``MAX_EXPANDED``."""
    done: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        children = [*node.values(), *targets.get(id(node), ())] if isinstance(node, dict) else node
        if leaving:
            active.discard(id(node))
            done[id(node)] = total = 1 + sum(done.get(id(c), 1) for c in children)
            if total > MAX_EXPANDED:
                return total
        elif id(node) not in done and id(node) not in active:
            active.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if isinstance(c, (dict, list)))
    return done.get(id(root), 1)


def _node_problems(path: tuple[Any, ...], node: dict[str, Any]) -> Iterator[str]:
    where = _where(path)
    if isinstance(node.get("$id"), str):
        yield (
            f"$id {_show(node['$id'])} at {where} is not supported: a schema here is "
            "one self-contained document, so references resolve only inside it"
        )
    dialect = node.get("$schema")
    if isinstance(dialect, str) and (path or dialect not in DIALECT_IDS):
        yield (
            f"$schema {_show(dialect)} at {where} is not supported: only "
            "https://json-schema.org/draft/2020-12/schema, at the root"
        )
    patterns = [node.get("pattern")]
    if isinstance(node.get("patternProperties"), dict):
        patterns += list(node["patternProperties"])
    for pattern in patterns:
        problem = pattern_problem(pattern)
        if problem is not None:
            yield f"at {where}: {problem}"


def reference_problems(schema: dict[str, Any]) -> list[str]:
    """Why ``schema`` is not one bounded, self-contained document (empty list: it is).

    Every object anywhere in the document is looked at, not only schema positions: a
    JSON pointer can make any object (even one inside ``const``) a subschema."""
    problems: list[str] = []
    refs: list[tuple[tuple[Any, ...], str, str, dict[str, Any]]] = []
    anchors: dict[str, Any] = {}
    try:
        for path, node in _walk(schema):
            if not isinstance(node, dict):
                continue
            for keyword in ("$ref", "$dynamicRef"):
                if isinstance(node.get(keyword), str):
                    refs.append((path, keyword, node[keyword], node))
            for keyword in ("$anchor", "$dynamicAnchor"):
                if isinstance(node.get(keyword), str):
                    anchors.setdefault(node[keyword], node)
            problems += _node_problems(path, node)
    except _TooLarge as exc:
        return [str(exc)]
    targets: dict[int, list[Any]] = {}
    for path, keyword, ref, node in refs:
        if not ref.startswith("#"):
            problems.append(
                f"{keyword} {_show(ref)} at {_where(path)} refers outside the schema: "
                "references must point inside it ('#/$defs/name' or '#anchor'); nothing "
                "is fetched"
            )
            continue
        target, why = _resolve(ref[1:], schema, anchors)
        if why:
            problems.append(f"{keyword} {_show(ref)} at {_where(path)} {why}")
        else:
            targets.setdefault(id(node), []).append(target)
    if not problems and _expansion(schema, targets) > MAX_EXPANDED:
        problems.append(
            f"references expand it to more than {MAX_EXPANDED} values: a reference graph "
            "that multiplies (each level referring twice to the next) is not supported"
        )
    return problems


def schema_problems(schema: Any, label: str) -> list[str]:
    """Why ``schema`` is not a usable JSON Schema (empty list: it is)."""
    if not isinstance(schema, dict):
        return [f"{label} must be a JSON object (a JSON Schema), not {type(schema).__name__}"]
    problems = [
        f"{label} {p}" if p.startswith("is ") else f"{label}: {p}"
        for p in reference_problems(schema)
    ]
    if problems and problems[0].startswith(f"{label} is "):
        return problems  # too deep or too large: the metaschema check is not attempted
    try:
        # format_checker=None: the model's patterns are compiled by RE2 only (above)
        Draft202012Validator.check_schema(schema, format_checker=None)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        problems.append(f"{label} is not a valid JSON Schema at {where}: {exc.message}")
    return problems


class SchemaValidator:
    """Validates values against one JSON Schema: nothing fetched, work bounded.

    Building one costs nothing; the schema is checked and compiled on first use, so
    ``await check(value)`` does all of it on the schema pool, never on the event loop.
    ``problems`` is the same synchronously (for trusted schemas and threads)."""

    def __init__(self, schema: dict[str, Any], *, max_steps: int = MAX_STEPS) -> None:
        self.schema = schema
        self.max_steps = max_steps
        self._prepared: tuple[Any, str | None] | None = None

    def _prepare(self) -> tuple[Any, str | None]:
        """(the validator or None for ``{}``, or why the schema cannot be used)."""
        if self._prepared is None:
            self._prepared = _prepare(self.schema)
        return self._prepared

    def problems(self, value: Any, limit: int = 5) -> str | None:
        """``None`` when ``value`` matches; else one line per problem, ``path: message``."""
        validator, refusal = self._prepare()
        if refusal is not None:
            return f"the schema cannot be used: {refusal}"
        if validator is None:
            return None
        try:
            with step_budget(self.max_steps):
                errors = list(itertools.islice(validator.iter_errors(value), _MAX_ERRORS))
        except ValidationTooComplex:
            return (
                f"value: validation stopped after {self.max_steps} steps (the schema is "
                "too costly to apply to this value)"
            )
        except RecursionError:
            return "value: nested too deeply to validate"
        except Unresolvable as exc:
            ref = _show(str(getattr(exc, "ref", exc)))
            return f"the schema cannot be used: reference {ref} does not resolve inside it"
        except UnusablePattern as exc:
            return f"the schema cannot be used: {exc}"
        except Exception as exc:  # a malformed schema that never went through the checks
            return f"the schema cannot be used: {type(exc).__name__} while validating"
        if not errors:
            return None
        errors.sort(key=lambda e: [str(p) for p in e.path])
        parts = []
        for err in errors[:limit]:
            where = ".".join(str(p) for p in err.path) or "value"
            message = err.message if len(err.message) <= 200 else err.message[:200] + "..."
            parts.append(f"{where}: {message}")
        more = len(errors) - limit
        return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")

    async def check(self, value: Any, limit: int = 5) -> str | None:
        """``problems``, run on the schema pool: the event loop keeps serving others."""
        if not self.schema:
            return None  # {} accepts anything
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_POOL, self.problems, value, limit)


def _prepare(schema: Any) -> tuple[Any, str | None]:
    if not schema:
        return None, None
    if not isinstance(schema, dict):
        return None, f"a schema is a JSON object, not {type(schema).__name__}"
    found = reference_problems(schema)
    if found:
        return None, found[0] + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
    if "$schema" in schema:
        # validate a copy without the root's (2020-12) $schema: on seeing it, jsonschema
        # would hand a '$ref: "#"' to its stock validator class (Python re, no budget)
        schema = {k: v for k, v in schema.items() if k != "$schema"}
    try:
        return BoundedValidator(schema, registry=_NO_RETRIEVAL), None
    except Exception as exc:  # malformed beyond what the checks above look at
        return None, f"{type(exc).__name__} while preparing it"
