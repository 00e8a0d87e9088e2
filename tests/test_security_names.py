"""Names are validated by full match (F18): `$` also matches before a final newline, so
`report\\n` registered beside `report` (printing like it) and `acme\\n` was a tenant of its
own, with its own storage and rate-limit bucket."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from codemode_skills import ExecutionContext, Tool, ToolDefinitionError
from codemode_skills.errors import InvalidSkillName
from codemode_skills.records import SkillSpec, validate_skill_name
from codemode_skills.security.context import validate_tenant
from codemode_skills.storage import open_storage

TRAILING = ["report\n", "report\r\n", "rep\nort", "report\x00"]


@pytest.mark.parametrize("name", TRAILING)
def test_skill_names_with_line_breaks_are_refused(name: str) -> None:
    with pytest.raises(InvalidSkillName):
        validate_skill_name(name)
    with pytest.raises(ValidationError):
        SkillSpec(name=name, description="d", code="return 1", input_schema={})


@pytest.mark.parametrize("tenant", ["acme\n", "acme\r\n", "ac\nme"])
def test_tenant_names_with_line_breaks_are_refused(tenant: str, tmp_path) -> None:
    with pytest.raises(InvalidSkillName):
        validate_tenant(tenant)
    with pytest.raises(ValidationError):  # so no rate-limit bucket or context of its own
        ExecutionContext(tenant=tenant)
    with pytest.raises(InvalidSkillName):
        open_storage(f"sqlite:///{tmp_path / 's.db'}", tenant=tenant)


def test_tool_names_with_line_breaks_are_refused() -> None:
    with pytest.raises(ToolDefinitionError):
        Tool.from_schema(name="lookup\n", description="d", fn=lambda a: a, input_schema={})


def test_plain_names_still_pass() -> None:
    assert validate_skill_name("report") == "report"
    assert validate_tenant("acme.eu-1") == "acme.eu-1"
