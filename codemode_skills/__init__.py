"""codemode-skills: code mode for LLM agents, with a persistent library of skills.

The model writes a Python program that calls host tools as async functions; it runs in a
sandbox and only its result and logs return to the model.

The names below are loaded on first use (PEP 562), so importing one part of the library
(``codemode_skills.storage``, ``codemode_skills.records``) does not start the rest: a
store or an admin tool does not load the sandbox, the agent or pydantic-heavy layers it
never uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    CodeModeError,
    IsolationUnavailable,
    SandboxError,
    ToolDefinitionError,
    ToolError,
    ToolValidationError,
)

if TYPE_CHECKING:
    from .agent import Agent, AgentResult
    from .codemode import CodeMode, create_code_mode
    from .events import Event, EventHub
    from .sandbox import (
        ExecutionError,
        ExecutionResult,
        InProcessDriver,
        RunLimits,
        SubprocessDriver,
    )
    from .security import ExecutionContext, use_context
    from .session import SkillsSession, code_mode_with_skills
    from .tools import Tool, tool
    from .tools.registry import ToolRegistry

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY = {
    "Agent": ".agent",
    "AgentResult": ".agent",
    "CodeMode": ".codemode",
    "create_code_mode": ".codemode",
    "Event": ".events",
    "EventHub": ".events",
    "ExecutionError": ".sandbox",
    "ExecutionResult": ".sandbox",
    "InProcessDriver": ".sandbox",
    "RunLimits": ".sandbox",
    "SubprocessDriver": ".sandbox",
    "ExecutionContext": ".security",
    "use_context": ".security",
    "SkillsSession": ".session",
    "code_mode_with_skills": ".session",
    "Tool": ".tools",
    "tool": ".tools",
    "ToolRegistry": ".tools.registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Agent",
    "AgentResult",
    "CodeMode",
    "CodeModeError",
    "Event",
    "EventHub",
    "ExecutionContext",
    "ExecutionError",
    "ExecutionResult",
    "InProcessDriver",
    "IsolationUnavailable",
    "RunLimits",
    "SandboxError",
    "SkillsSession",
    "SubprocessDriver",
    "Tool",
    "ToolDefinitionError",
    "ToolError",
    "ToolRegistry",
    "ToolValidationError",
    "__version__",
    "code_mode_with_skills",
    "create_code_mode",
    "tool",
    "use_context",
]
