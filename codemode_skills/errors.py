"""Every public exception of the library (host side), in one tree::

    CodeModeError
        ModelError
        ReviewError
            ReviewConflict
            ReviewInputError (also ValueError)
            ReviewNotFound (also KeyError)
        SandboxError
            IsolationUnavailable
        SecurityError
            FetchCancelled
            FetchTimeout (also TimeoutError)
            PermissionDenied (also PermissionError)
                ScopeDenied
                TenantMismatch
                TokenError
                    TokenExpired
            RateLimited
            SSRFBlocked
        SkillError
            InvalidSkillName (also ValueError)
            SkillCallError
            SkillConflict
            SkillExists
            SkillNotAllowed
            SkillNotFound (also KeyError)
            SkillValidationError (also ValueError)
            StorageError
        ToolDefinitionError (also ValueError)
        ToolError
            ToolValidationError

Programs never see these objects: inside the sandbox a failing tool raises the jail's own
``ToolError``/``ToolValidationError`` (``sandbox/jail/runtime.py``), carrying only the
message; the bridge maps these classes to those names. ``tests/test_errors.py`` keeps
this tree equal to the classes below.
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


class SkillError(CodeModeError):
    """Base of skill and storage errors."""


class InvalidSkillName(SkillError, ValueError):
    """A skill name that is not ``^[a-z][a-z0-9_]{0,63}$`` (this also stops path traversal)."""


class SkillNotFound(SkillError, KeyError):
    """No skill (or version) of that name exists for this tenant."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "skill not found"


class SkillExists(SkillError):
    """A skill of that name already exists for this tenant (use ``update``)."""


class SkillValidationError(SkillError, ValueError):
    """A registration or update was refused; nothing was stored. ``problems`` lists why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class SkillNotAllowed(SkillError):
    """The run policy refused to run a skill (status, trust, or unattended caller)."""


class SkillCallError(SkillError):
    """A skill call broke a structural rule: a cycle, or the nesting depth limit."""


class StorageError(SkillError):
    """The storage backend failed or is misconfigured (bad URL, newer schema...)."""


class SkillConflict(SkillError):
    """The skill changed since it was read (``expected_version`` did not match)."""


class SecurityError(CodeModeError):
    """Base of the multi-tenant security controls' refusals."""


class PermissionDenied(SecurityError, PermissionError):
    """A call was refused: missing scopes, another tenant's data, or a bad token."""


class ScopeDenied(PermissionDenied):
    """The caller lacks a scope the tool (or a tool the skill calls) declares."""


class TenantMismatch(PermissionDenied):
    """An operation named one tenant while acting on another tenant's store."""


class TokenError(PermissionDenied):
    """An execution token was missing, malformed, tampered with or for another run."""


class TokenExpired(TokenError):
    """An execution token outlived its time to live."""


class SSRFBlocked(SecurityError):
    """A URL (or a redirect) pointed somewhere a tool may not go (``SSRFGuard``)."""


class FetchTimeout(SecurityError, TimeoutError):
    """A guarded fetch ran past its overall deadline."""


class FetchCancelled(SecurityError):
    """The program a guarded fetch was for is gone (cancelled or timed out)."""


class RateLimited(SecurityError):
    """A user or tenant ran out of its rate budget; ``retry_after_s`` says when to retry."""

    def __init__(self, message: str, retry_after_s: float, key: str = "") -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.key = key


class ModelError(CodeModeError):
    """A model call failed for good (after the SDK's retries), or its key was refused."""


class ReviewError(CodeModeError):
    """Base of the review service's refusals."""


class ReviewInputError(ReviewError, ValueError):
    """Bad input: a malformed tenant or skill name, a missing reason, an unknown level."""


class ReviewNotFound(ReviewError, KeyError):
    """No such skill (or version) for this tenant."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "not found"


class ReviewConflict(ReviewError):
    """The skill's state does not allow the decision (e.g. approving a skill not pending)."""
