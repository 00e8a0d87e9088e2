"""Trusted skills as Agent Skills: ``SKILL.md`` files at ``skill://<name>/SKILL.md``.

The MCP skills extension (``io.modelcontextprotocol/skills``, SEP-2640) serves each skill
as resources read with ``resources/read`` and adds ``skills/list`` and ``skills/get``,
whose entries carry the ``SKILL.md`` frontmatter and a manifest of the skill's files with
``sha256:`` digests. Ours are one file each: the description, how to call the skill
(``await skills.<name>(...)`` in ``execute_python``, or its own tool), its schemas, hints
and code. Only trusted, active skills are published, per tenant.

Agent Skills names allow hyphens, not underscores, so ``weather_report`` is published as
``weather-report`` (our names have no hyphens: the mapping goes back unambiguously). The
frontmatter is written as JSON values, which YAML reads as the same values, so the entry's
``frontmatter`` is exactly what a host parses out of the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ...records import Skill

EXTENSION = "io.modelcontextprotocol/skills"
SCHEME = "skill://"
FILE = "SKILL.md"
MIME = "text/markdown"
#: Agent Skills: 1-64 lowercase letters, digits and single hyphens, no hyphen at an end.
_AGENT_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MAX_DESCRIPTION = 1024


def published_name(skill_name: str) -> str | None:
    """The Agent Skills name of a skill, or None when it cannot be one (``a__b``)."""
    name = skill_name.replace("_", "-")
    return name if len(name) <= 64 and _AGENT_NAME.fullmatch(name) else None


def uri_of(skill: Skill) -> str | None:
    name = published_name(skill.name)
    return f"{SCHEME}{name}/{FILE}" if name else None


def skill_name_of(uri: str) -> str | None:
    """The stored skill name a ``skill://<name>/SKILL.md`` URI points at, or None."""
    if not uri.startswith(SCHEME) or not uri.endswith("/" + FILE):
        return None
    name = uri[len(SCHEME) : -len(FILE) - 1]
    return name.replace("-", "_") if _AGENT_NAME.fullmatch(name) else None


def frontmatter(skill: Skill) -> dict[str, Any]:
    description = " ".join(skill.description.split())[:_MAX_DESCRIPTION] or skill.name
    return {
        "name": published_name(skill.name),
        "description": description,
        "metadata": {
            "codemode-skills-name": skill.name,
            "version": str(skill.version),
            "trust": skill.trust.value,
        },
    }


def skill_md(skill: Skill) -> str:
    """The ``SKILL.md`` of ``skill``: frontmatter, how to call it, schemas, hints, code."""
    head = "\n".join(f"{k}: {json.dumps(v, sort_keys=True)}" for k, v in frontmatter(skill).items())
    parts = [
        f"---\n{head}\n---\n",
        f"# {skill.name}\n\n{skill.description}\n",
        "A saved, trusted program of this workspace. Call it inside `execute_python` as "
        f"`await skills.{skill.name}(**input)`, or as the MCP tool `{skill.name}`.\n",
        f"## Input schema\n\n```json\n{json.dumps(skill.input_schema, indent=2)}\n```\n",
    ]
    if skill.output_schema:
        parts.append(
            f"## Output schema\n\n```json\n{json.dumps(skill.output_schema, indent=2)}\n```\n"
        )
    if skill.usage_hints:
        parts.append("## Usage hints\n\n" + "".join(f"- {h}\n" for h in skill.usage_hints))
    parts.append(f"## Code\n\n```python\n{skill.code}\n```\n")
    return "\n".join(parts)


def digest(text: str) -> tuple[str, int]:
    """``sha256:<hex>`` and size of the file's UTF-8 bytes (what a host verifies)."""
    data = text.encode("utf-8")
    return f"sha256:{hashlib.sha256(data).hexdigest()}", len(data)


def entry(skill: Skill) -> dict[str, Any]:
    """The extension's ``Skill`` entry: URI, frontmatter, the complete file manifest."""
    uri = uri_of(skill)
    sha, size = digest(skill_md(skill))
    return {
        "uri": uri,
        "frontmatter": frontmatter(skill),
        "resources": [{"uri": uri, "digest": sha, "size": size}],
    }


def resource(skill: Skill) -> dict[str, Any]:
    """The ``resources/list`` row of a skill's ``SKILL.md`` (its digest in ``_meta``)."""
    text = skill_md(skill)
    sha, size = digest(text)
    return {
        "uri": uri_of(skill),
        "name": published_name(skill.name),
        "description": frontmatter(skill)["description"],
        "mimeType": MIME,
        "size": size,
        "_meta": {"io.modelcontextprotocol.skills/digest": sha},
    }
