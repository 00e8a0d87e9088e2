"""codemode-skills: code mode for LLM agents, with a persistent library of skills.

The model writes a Python program that calls host tools as async functions; it runs in a
sandbox and only its result and logs return to the model.
"""

from .agent import Agent, AgentResult
from .codemode import CodeMode, create_code_mode
from .errors import (
    CodeModeError,
    IsolationUnavailable,
    SandboxError,
    ToolDefinitionError,
    ToolError,
    ToolValidationError,
)
from .events import Event, EventHub
from .registry import ToolRegistry
from .sandbox import ExecutionError, ExecutionResult, InProcessDriver, RunLimits, SubprocessDriver
from .security import ExecutionContext, use_context
from .tools import Tool, tool
from .with_skills import SkillsSession, code_mode_with_skills

__version__ = "0.1.0"

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
