"""Validating a model's JSON Schema never blocks the host loop and never runs unbounded
(finding F22 of the second security review, and the same class: reference graphs,
``uniqueItems``, deep nesting).

Each attack runs while a coroutine on the same loop ticks every 10 ms; its largest gap
must stay under ``MAX_GAP_S``. Python's backtracking ``re`` would take hours on ``EVIL``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from codemode_skills.errors import SkillValidationError, ToolError, ToolValidationError
from codemode_skills.skills import SkillManager
from codemode_skills.tools import schema as schema_module
from codemode_skills.tools.schema import SchemaValidator
from tests.test_security_schemas import ALLOW, EVIL, MAX_GAP_S, OBJ, QUICK_S, Ticker, manager

__all__ = ["manager"]  # the fixture, shared


REDOS = {**OBJ, "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}}


async def test_a_redos_pattern_in_the_test_run_is_linear(manager: SkillManager) -> None:
    spec = {"name": "redos", "description": "d", "code": "return 1", "input_schema": REDOS}
    async with Ticker() as ticker:
        started = time.perf_counter()
        with pytest.raises(SkillValidationError, match="test_input does not match"):
            await manager.register(spec, test_input={"a": EVIL})
        elapsed = time.perf_counter() - started
    assert elapsed < QUICK_S, elapsed
    assert ticker.max_gap < MAX_GAP_S and ticker.ticks > 0, ticker.max_gap


async def test_redos_on_every_later_call_input_and_output(manager: SkillManager) -> None:
    await manager.register(
        {
            "name": "echo",
            "description": "d",
            "code": "return input['s']",
            "input_schema": {**OBJ, "properties": {"s": {"type": "string"}}},
            "output_schema": {"type": "string", "pattern": "^(a+)+$"},
        },
        test_input={"s": "aaa"},
    )
    await manager.register(
        {"name": "redos", "description": "d", "code": "return 1", "input_schema": REDOS},
        test_input={"a": "aaa"},
    )
    async with Ticker() as ticker:
        started = time.perf_counter()
        with pytest.raises(ToolValidationError, match="does not match"):
            await manager.call("redos", {"a": EVIL}, context=ALLOW)
        with pytest.raises(ToolError, match="result does not match output_schema"):
            await manager.call("echo", {"s": EVIL}, context=ALLOW)
        elapsed = time.perf_counter() - started
    assert elapsed < 2 * QUICK_S, elapsed
    assert ticker.max_gap < MAX_GAP_S, ticker.max_gap
    assert await manager.call("echo", {"s": "aaaa"}, context=ALLOW) == "aaaa"


KEY_SCHEMAS = {
    "patternProperties": {"patternProperties": {"^(a+)+$": {"type": "integer"}}},
    "additionalProperties": {"patternProperties": {"^(a+)+$": {}}, "additionalProperties": False},
    "unevaluatedProperties": {"patternProperties": {"^(a+)+$": {}}, "unevaluatedProperties": False},
    "propertyNames": {"propertyNames": {"pattern": "^(a+)+$"}},
}


@pytest.mark.parametrize("keyword", list(KEY_SCHEMAS))
async def test_redos_through_object_keys_is_linear(keyword: str) -> None:
    async with Ticker() as ticker:
        started = time.perf_counter()
        problems = await SchemaValidator({**OBJ, **KEY_SCHEMAS[keyword]}).check(
            {EVIL: "x", "aaaa": "x"}
        )
        elapsed = time.perf_counter() - started
    assert problems is not None and elapsed < QUICK_S, (problems, elapsed)
    assert ticker.max_gap < MAX_GAP_S


@pytest.mark.parametrize(
    "pattern",
    ["(a)\\1", "(?=a)a", "(?<!x)a", "(?<n>a)\\k<n>"],
    ids=["backreference", "lookahead", "lookbehind", "named-backreference"],
)
async def test_patterns_without_a_linear_engine_are_refused(
    pattern: str, manager: SkillManager
) -> None:
    schema = {**OBJ, "properties": {"a": {"type": "string", "pattern": pattern}}}
    with pytest.raises(SkillValidationError, match="matched in linear time") as info:
        await manager.register(
            {"name": "p", "description": "d", "code": "return 1", "input_schema": schema}
        )
    assert "properties/a" in str(info.value)


def test_ecma_escapes_are_understood() -> None:
    validator = SchemaValidator({"type": "string", "pattern": "^caf\\u00e9\\u{1F600}?$"})
    assert validator.problems("café") is None and validator.problems("café😀") is None
    assert validator.problems("cafe") is not None
    assert SchemaValidator({"type": "string", "pattern": "^a$"}).problems("a\n") is not None


def reference_bomb(levels: int) -> dict[str, Any]:
    """``levels`` of ``allOf`` over two references to the next level: 2**levels
    evaluations (and stub lines) when walked as a tree, from a schema of a few KB."""
    defs: dict[str, Any] = {
        f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(levels)
    }
    defs[f"d{levels}"] = {"type": "integer"}
    return {**OBJ, "$defs": defs, "properties": {"a": {"$ref": "#/$defs/d0"}}}


async def test_a_multiplying_reference_graph_is_refused(manager: SkillManager) -> None:
    with pytest.raises(SkillValidationError, match="references expand it to more than"):
        await manager.register(
            {
                "name": "bomb",
                "description": "d",
                "code": "return 1",
                "input_schema": reference_bomb(40),
            },
            test_input={"a": 1},
        )
    ok = await manager.register(
        {"name": "fine", "description": "d", "code": "return 1", "input_schema": reference_bomb(8)},
        test_input={"a": 1},
    )
    assert ok.version == 1


async def test_the_step_budget_stops_costly_validations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the registration rules (a schema stored earlier), or a value too large for a
    fine schema: validation stops at its step budget, off the loop."""
    wide = {"type": "array", "items": {"allOf": [{"type": "integer"}] * 100}}
    monkeypatch.setattr(schema_module, "reference_problems", lambda schema: [])
    async with Ticker() as ticker:
        started = time.perf_counter()
        bomb = await asyncio.wait_for(SchemaValidator(reference_bomb(40)).check({"a": 1}), 60)
        too_big = await asyncio.wait_for(SchemaValidator(wide).check(list(range(10_000))), 60)
        elapsed = time.perf_counter() - started
    for problems in (bomb, too_big):
        assert problems is not None and "validation stopped after 250000 steps" in problems
    assert elapsed < 30, elapsed  # the budget is ~1-2 s of work each; 2**40 is days
    assert ticker.max_gap < MAX_GAP_S, ticker.max_gap


def test_unique_items_is_linear() -> None:
    items = [{"id": i, "tags": [i, str(i)]} for i in range(20_000)]
    started = time.perf_counter()
    assert SchemaValidator({"uniqueItems": True}).problems(items) is None
    assert SchemaValidator({"uniqueItems": True}).problems([*items, {"tags": [7, "7"], "id": 7}])
    assert time.perf_counter() - started < 5  # pairwise: 2e8 comparisons, minutes
    assert SchemaValidator({"uniqueItems": True}).problems([1, 1.0]) is not None
    assert (
        SchemaValidator({"uniqueItems": True}).problems([1, True, {"a": [0]}, {"a": [False]}])
        is None
    )


def _nested(depth: int, inner: Any) -> Any:
    for _ in range(depth):
        inner = {"type": "array", "items": inner}
    return inner


async def test_deep_or_huge_schemas_are_a_registration_error(manager: SkillManager) -> None:
    deep = {**OBJ, "properties": {"a": _nested(400, {"type": "integer"})}}
    huge = {**OBJ, "properties": {f"p{i}": {"type": "string"} for i in range(20_000)}}
    for schema, why in ((deep, "nested too deeply"), (huge, "too large")):
        with pytest.raises(SkillValidationError, match=why):
            await manager.register(
                {"name": "deep", "description": "d", "code": "return 1", "input_schema": schema}
            )


def test_a_deep_value_is_a_problem_not_an_exception() -> None:
    value: Any = 1
    for _ in range(3000):
        value = {"a": value}
    problems = SchemaValidator({**OBJ, "properties": {"a": {"$ref": "#"}}}).problems(value)
    assert problems == "value: nested too deeply to validate"


async def test_a_root_dialect_cannot_hand_validation_to_a_stock_validator() -> None:
    """jsonschema picks its validator class by ``$schema``; seeing the root's 2020-12
    ``$schema`` through ``$ref: '#'``, it would use its stock class (Python ``re``)."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **OBJ,
        "properties": {"x": {"$ref": "#"}, "y": {"type": "string", "pattern": "^(a+)+$"}},
    }
    async with Ticker() as ticker:
        started = time.perf_counter()
        problems = await SchemaValidator(schema).check({"x": {"x": {"y": EVIL}}})
        elapsed = time.perf_counter() - started
    assert problems is not None and "x.x.y: " in problems and elapsed < QUICK_S
    assert ticker.max_gap < MAX_GAP_S


def test_costly_patterns_are_charged_for_their_size_not_only_the_text() -> None:
    """Held-out review N2: RE2 is linear in the text *and* in the compiled pattern. 40
    copies (through $ref) of a 21,000-instruction pattern took 1.8 s per match on 100 KB,
    were charged ~24 steps each, and held the shared schema pool for 134 s while another
    tenant's trivial validation waited."""
    costly = r"[\s\S]{1000}[\s\S]{1000}[\s\S]{1000}x"
    schema = {
        "type": "object",
        "$defs": {"p": {"pattern": costly}},
        "properties": {"a": {"allOf": [{"$ref": "#/$defs/p"}] * 40}},
    }
    started = time.monotonic()
    problems = SchemaValidator(schema).problems({"a": "a" * 100_000})
    took = time.monotonic() - started
    assert problems is not None and "steps" in problems  # stopped by the budget
    assert took < QUICK_S, f"the validation ran {took:.1f} s before it was stopped"
    # an ordinary pattern on a long text stays well inside the budget
    plain = {"type": "string", "pattern": "^[a-z]+$"}
    assert SchemaValidator(plain).problems("a" * 1_000_000) is None
