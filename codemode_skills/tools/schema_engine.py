"""The JSON Schema engine for schemas a model may have written: bounded work, no network.

``jsonschema``'s stock Draft 2020-12 validator is built for trusted schemas. Three of its
behaviours let a schema's author (a model registering a skill) hurt the host:

* ``pattern``, ``patternProperties`` (and ``additionalProperties`` /
  ``unevaluatedProperties``, which look at the same patterns) run Python's backtracking
  ``re`` on a string the program chooses: ``^(a+)+$`` against ``'a' * 40 + 'b'`` takes
  hours, and ``re`` holds the GIL, so moving it to a thread would freeze the host just
  the same. Here every pattern is compiled by RE2 (``google-re2``), which matches in
  time linear in the string. ECMA-262 patterns RE2 cannot express (backreferences,
  lookahead, lookbehind) are refused, at registration with a clear message and at
  validation as an unusable schema; ``\\uXXXX`` and ``\\u{X}`` escapes are translated.
* ``uniqueItems`` compares unsortable items (objects, mixed types) pairwise: quadratic.
  Here items are reduced to hashable keys with ``equal``'s semantics (``1 == 1.0``,
  ``True != 1``): linear.
* the work is otherwise unbounded: ``$ref`` makes a schema a graph, and a small graph
  (``allOf`` of two references, chained) is exponential when walked as a tree. Every
  keyword evaluation spends from a step budget (weighted by the instance or list size
  for the keywords that loop themselves); over budget, validation stops with
  ``ValidationTooComplex``.

Remote references are the other half (``schema.py``): the registry handed to this class
retrieves nothing.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema._utils import extras_msg
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

#: Keyword evaluations (weighted) one validation may spend.
MAX_STEPS = 250_000


class ValidationTooComplex(Exception):
    """The step budget ran out: the schema is too costly for this value."""


class UnusablePattern(ValueError):
    """A ``pattern`` RE2 cannot compile (backreference, lookaround...)."""


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # failures are reported to the caller, not to stderr
_OPTIONS.never_capture = True  # only "does it match" is asked

#: ``\\uXXXX`` / ``\\u{X...}`` (ECMA-262) -> RE2's ``\\x{...}``; any other escape pair is
#: kept whole so an escaped backslash is never read as the start of an escape.
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|(.))", re.DOTALL)


def _translate(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return f"\\x{{{code}}}" if code else match.group(0)


@functools.lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled by RE2; ``UnusablePattern`` says why it cannot be."""
    try:
        return re2.compile(_ESCAPE.sub(_translate, pattern), _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "not supported"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = str(reason).encode("ascii", "backslashreplace").decode()
        raise UnusablePattern(
            f"pattern {pattern[:100]!a} cannot be used ({reason}): patterns are matched "
            "in linear time, so backreferences and lookahead/lookbehind are not supported"
        ) from None


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used (None: it can; non-strings are the metaschema's)."""
    if not isinstance(pattern, str):
        return None
    try:
        compile_pattern(pattern)
    except UnusablePattern as exc:
        return str(exc)
    return None


# -- the step budget ---------------------------------------------------------------------
_BUDGET: ContextVar[list[int] | None] = ContextVar("cms_schema_budget", default=None)


@contextlib.contextmanager
def step_budget(steps: int) -> Iterator[None]:
    """Give the validations in this block (this thread or task) ``steps`` to spend."""
    token = _BUDGET.set([steps])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _spend(steps: int) -> None:
    left = _BUDGET.get()
    if left is not None:
        left[0] -= steps
        if left[0] < 0:
            raise ValidationTooComplex


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict)) else 0


#: Characters x RE2 program instructions per step. RE2 is linear in the text but also in
#: the size of the compiled pattern (``[\s\S]{1000}`` three times is ~21,000
#: instructions: 1.8 s on 100 KB), so a match is charged for both, before it runs. About
#: 7,000 character-instructions take as long as one step of the other keywords.
_REGEX_WORK_PER_STEP = 8192


def _regex_steps(patterns: Any, texts: Any) -> int:
    """Steps for matching every pattern in ``patterns`` against every text in ``texts``."""
    size = 0
    for pattern in patterns:
        try:
            size += compile_pattern(pattern).programsize
        except Exception:  # refused patterns fail in the keyword itself, with the reason
            continue
    chars = sum(len(text) + 1 for text in texts if isinstance(text, str))
    return size * chars // _REGEX_WORK_PER_STEP


def _pattern_steps(value: Any, instance: Any) -> int:
    return _regex_steps([value], [instance]) if isinstance(value, str) else 0


def _pattern_properties_steps(value: Any, instance: Any) -> int:
    if not isinstance(value, dict) or not isinstance(instance, dict):
        return 0
    return _size(value) * _size(instance) + _regex_steps(value, instance)


def _additional_steps(schema: Any, instance: Any) -> int:
    """additionalProperties/unevaluatedProperties test each key against the sibling
    patternProperties' regexes too."""
    if not isinstance(instance, dict):
        return 0
    patterns = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
    return _size(instance) + (_regex_steps(patterns, instance) if patterns else 0)


#: Extra cost of keywords that loop over the instance or their own list themselves.
_WEIGHTS: dict[str, Callable[[Any, Any, Any], int]] = {
    "uniqueItems": lambda value, instance, schema: _size(instance),
    "enum": lambda value, instance, schema: _size(value),
    "required": lambda value, instance, schema: _size(value),
    "dependentRequired": lambda value, instance, schema: _size(value),
    "properties": lambda value, instance, schema: _size(value) // 16,
    "additionalProperties": lambda value, instance, schema: _additional_steps(schema, instance),
    "unevaluatedProperties": lambda value, instance, schema: _additional_steps(schema, instance),
    "unevaluatedItems": lambda value, instance, schema: _size(instance),
    "patternProperties": lambda value, instance, schema: _pattern_properties_steps(value, instance),
    "pattern": lambda value, instance, schema: _pattern_steps(value, instance),
}


def _counted(name: str, keyword: Callable[..., Any]) -> Callable[..., Any]:
    weight = _WEIGHTS.get(name)

    def counted(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        _spend(1 + (weight(value, instance, schema) if weight is not None else 0))
        return keyword(validator, value, instance, schema)

    return counted


# -- keywords that match patterns, in RE2 ------------------------------------------------
def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in value.items():
        regex = compile_pattern(pattern)
        for key, item in instance.items():
            if regex.search(key):
                yield from validator.descend(item, subschema, path=key, schema_path=pattern)


def _additional(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    regexes = [compile_pattern(p) for p in schema.get("patternProperties", {})]
    return [k for k in instance if k not in properties and not any(r.search(k) for r in regexes)]


def _additional_properties(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(value, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], value, path=extra)
    elif not value and extras:
        if "patternProperties" in schema:
            listed = ", ".join(repr(e) for e in sorted(extras))
            verb = "does" if len(extras) == 1 else "do"
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{listed} {verb} not match any of the regexes: {patterns}")
        else:
            listed, verb = extras_msg(sorted(extras, key=str))
            yield ValidationError(
                f"Additional properties are not allowed ({listed} {verb} unexpected)"
            )


def _is_valid(errors: Iterator[Any]) -> bool:
    return next(errors, None) is None


def _lookup(validator: Any, ref: str, instance: Any) -> list[str]:
    resolved = validator._resolver.lookup(ref)
    child = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
    return evaluated_keys(child, instance, resolved.contents)


def evaluated_keys(validator: Any, instance: Any, schema: Any) -> list[str]:
    """The keys of ``instance`` that ``schema`` evaluates (for ``unevaluatedProperties``).

    jsonschema's ``find_evaluated_property_keys_by_schema`` (MIT licence), with its
    ``patternProperties`` matched by RE2 instead of ``re``; the subschema checks it makes
    go through ``descend`` and so spend from the step budget."""
    if validator.is_type(schema, "boolean"):
        return []
    keys: list[str] = []
    for ref_keyword in ("$ref", "$dynamicRef"):
        if schema.get(ref_keyword) is not None:
            keys += _lookup(validator, schema[ref_keyword], instance)
    properties = schema.get("properties")
    if validator.is_type(properties, "object"):
        keys += properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            keys += [k for k, v in instance.items() if _is_valid(validator.descend(v, subschema))]
    for pattern in schema.get("patternProperties", {}):
        regex = compile_pattern(pattern)
        keys += [k for k in instance if regex.search(k)]
    for name, subschema in schema.get("dependentSchemas", {}).items():
        if name in instance:
            keys += evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if _is_valid(validator.descend(instance, subschema)):
                keys += evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if _is_valid(validator.descend(instance, schema["if"])):
            keys += evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys += evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys += evaluated_keys(validator, instance, schema["else"])
    return keys


def _unevaluated_properties(
    validator: Any, value: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    evaluated = set(evaluated_keys(validator, instance, schema))
    bad = [
        key
        for key in instance
        if key not in evaluated
        and not _is_valid(validator.descend(instance[key], value, path=key, schema_path=key))
    ]
    if bad:
        listed, verb = extras_msg(sorted(bad, key=str))
        if value is False:
            yield ValidationError(
                f"Unevaluated properties are not allowed ({listed} {verb} unexpected)"
            )
        else:
            yield ValidationError(
                f"Unevaluated properties are not valid under the given schema "
                f"({listed} {verb} unevaluated and invalid)"
            )


# -- uniqueItems, linear -----------------------------------------------------------------
def _key(value: Any) -> Any:
    """A hashable key equal for values JSON Schema calls equal (``1`` and ``1.0`` alike,
    ``true`` and ``1`` not)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, (list, tuple)):
        return ("array", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, _key(v)) for k, v in value.items()))
    return ("other", repr(value))


def _unique_items(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not value or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _key(item)
        if key in seen:
            yield ValidationError(f"{instance!r} has non-unique elements")
            return
        seen.add(key)


_OVERRIDES = {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "unevaluatedProperties": _unevaluated_properties,
    "uniqueItems": _unique_items,
}

#: Draft 2020-12, with the keywords above, every keyword counted. Not registered as a
#: dialect (``version=None``): ``validator_for`` never hands it to anyone else.
BoundedValidator: type[Validator] = validators.extend(
    Draft202012Validator,
    validators={
        name: _counted(name, _OVERRIDES.get(name, keyword))
        for name, keyword in Draft202012Validator.VALIDATORS.items()
    },
)
