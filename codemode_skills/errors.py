"""Typed exceptions of the library (host side).

Programs never see these objects: inside the sandbox a failing tool raises the sandbox's
own ``ToolError``/``ToolValidationError`` carrying only the message.
"""

from __future__ import annotations


class CodeModeError(Exception):
    """Base class of every error this library raises."""


class ToolDefinitionError(CodeModeError, ValueError):
    """A tool was declared wrongly (bad name, untyped parameter, duplicate...)."""


class ToolError(CodeModeError):
    """A host tool failed while handling a call from a program."""


class ToolValidationError(ToolError):
    """A tool's input or output did not match its schema."""


class SandboxError(CodeModeError):
    """The sandbox could not be started or broke down (not the program's fault)."""


class IsolationUnavailable(SandboxError):
    """A required isolation layer is not offered by this kernel (``require=...``)."""
