"""What the storage contract tests store: a skill spec and a trust verdict.

Shared by ``test_storage_contract.py``, ``test_storage_versions.py`` and
``test_storage_evidence.py`` (one contract, split by concern; the ``storage`` fixture
that runs each test on every backend is in ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

from codemode_skills.records import Evidence, SkillSpec


def spec(name: str = "add_numbers", **overrides: Any) -> SkillSpec:
    fields: dict[str, Any] = {
        "name": name,
        "description": "Add two numbers and return the sum",
        "code": "return input['a'] + input['b']",
        "input_schema": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
        "output_schema": {"type": "integer"},
        "usage_hints": ["use for arithmetic"],
        "tags": ["Math"],
    }
    fields.update(overrides)
    return SkillSpec(**fields)


def unchecked_spec(name: str) -> SkillSpec:
    """A spec whose name skipped ``SkillSpec``'s validation (``model_construct``): what a
    caller that bypasses the model would hand a store, to prove the store checks too."""
    return SkillSpec.model_construct(
        name=name,
        description="d",
        code="return 1",
        input_schema={},
        output_schema={},
        usage_hints=[],
        tags=[],
        depends_on=[],
    )


def verdict(i: int, *, ok: bool = True, version: int = 1) -> Evidence:
    user = f"u{i % 2}" if i % 3 else None  # some runs anonymous (or the author's)
    day = f"2030-01-0{1 + i % 2}"
    return Evidence(version=version, success=ok, request=f"r{i % 4}", user=user, day=day)
