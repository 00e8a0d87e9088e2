"""Which scope each MCP operation needs.

A bearer token (or the stdio configuration) grants scopes; a request whose token lacks
the one its operation needs is refused with a clear MCP error and a ``refused`` audit
record, before anything runs. Host tools keep their own scopes (``Tool(scopes=...)``),
checked by the bridge on every call a program makes, so a token also carries those.
"""

from __future__ import annotations

from ...codemode import EXECUTE_TOOL_NAME
from ...skills.validation import GET_SKILL, REGISTER_SKILL, SEARCH_SKILLS, UPDATE_SKILL

#: Run a program (``execute_python``).
EXECUTE = "code:execute"
#: Read the library: ``search_skills``, ``get_skill``, skill resources, ``skills/*``.
READ = "skills:read"
#: Change it: ``register_skill``, ``update_skill``.
WRITE = "skills:write"
#: Call a skill as an MCP tool of its own.
RUN = "skills:run"

ALL_SCOPES = frozenset({EXECUTE, READ, WRITE, RUN})

#: The toolset's tools by name -> the scope a call needs (a skill tool needs ``RUN``).
TOOL_SCOPES: dict[str, str] = {
    EXECUTE_TOOL_NAME: EXECUTE,
    REGISTER_SKILL: WRITE,
    UPDATE_SKILL: WRITE,
    SEARCH_SKILLS: READ,
    GET_SKILL: READ,
}


def needed_for(tool: str, *, skill: bool) -> str:
    """The scope calling ``tool`` needs: a skill's, or a toolset tool's (a tool the
    toolset gains later is taken to change the library until it is listed here)."""
    return RUN if skill else TOOL_SCOPES.get(tool, WRITE)
