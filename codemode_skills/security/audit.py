"""The audit log: one structured record per tool call, skill change, trust change, review
decision and refused call — who, which tenant, what, the outcome and how long it took.

Records never carry secrets: a tool's inputs pass through its ``Redaction`` policy first
(by default the values of secret-looking keys are replaced and long strings cut), and
results are never recorded. Sinks: ``MemoryAuditLog`` (tests, admin pages in one
process) and ``JsonLinesAuditLog`` (one ``O_APPEND`` write per record, so several
processes may share a file) live here; ``SQLAuditLog`` (the ``cms_audit`` table beside
the skills) and ``open_audit_log(url)`` are storage's (``codemode_skills.storage``), so
this package imports nothing above ``errors``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from .context import ExecutionContext

Outcome = Literal["ok", "error", "refused"]


class AuditAction(StrEnum):
    """What an audit record is about (``AuditRecord.action``; plain strings compare equal)."""

    TOOL_CALL = "tool_call"
    SKILL_CALL = "skill_call"
    EXECUTION = "execution"
    SKILL_CHANGE = "skill_change"
    TRUST_CHANGE = "trust_change"
    REVIEW = "review"


REDACTED = "[redacted]"
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[_-]?key|auth|credential|cookie|session|private",
    re.IGNORECASE,
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AuditRecord(BaseModel):
    """One audited fact. ``detail`` holds redacted inputs, errors, reasons, trust levels."""

    at: datetime = Field(default_factory=_now)
    action: str
    outcome: Outcome = "ok"
    tenant: str | None = None
    user: str | None = None
    request_id: str | None = None
    target: str | None = None  # the tool or skill concerned
    duration_ms: float | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Redaction:
    """How a tool's inputs appear in the audit log.

    ``mode``: ``"values"`` records the arguments with secrets replaced, ``"keys"`` only
    the argument names, ``"none"`` nothing. ``redact``: argument names (at any depth)
    whose values are always replaced, on top of the secret-looking names every tool hides.
    """

    mode: Literal["values", "keys", "none"] = "values"
    redact: frozenset[str] = field(default_factory=frozenset)
    max_chars: int = 200

    @classmethod
    def of(cls, value: Redaction | str | None) -> Redaction:
        if value is None:
            return DEFAULT_REDACTION
        if isinstance(value, Redaction):
            return value
        if value in ("values", "keys", "none"):
            return cls(mode=value)  # type: ignore[arg-type]
        raise ValueError("audit= takes 'values', 'keys', 'none' or a Redaction")

    def apply(self, args: Mapping[str, Any]) -> dict[str, Any] | list[str] | None:
        if self.mode == "none":
            return None
        if self.mode == "keys":
            return sorted(args)
        return self._clean(dict(args), 0)  # type: ignore[return-value]

    def _clean(self, value: Any, depth: int) -> Any:
        if depth > 4:
            return "[...]"
        if isinstance(value, dict):
            return {
                str(k): REDACTED
                if k in self.redact or _SECRET_KEY.search(str(k))
                else self._clean(v, depth + 1)
                for k, v in list(value.items())[:50]
            }
        if isinstance(value, list):
            return [self._clean(v, depth + 1) for v in value[:20]]
        if isinstance(value, str) and len(value) > self.max_chars:
            return value[: self.max_chars] + f"...[{len(value)} chars]"
        return value


DEFAULT_REDACTION = Redaction()


@runtime_checkable
class AuditLog(Protocol):
    """Where records go. ``write`` must not raise for a well-formed record."""

    def write(self, record: AuditRecord) -> None: ...

    def read(
        self,
        *,
        tenant: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """The newest matching records first."""
        ...


class ScannedAuditLog(ABC):
    """Base of the sinks read by scanning their records in this process: ``read`` filters
    what ``_oldest_first`` returns (a SQL sink filters in its query instead)."""

    @abstractmethod
    def _oldest_first(self) -> list[AuditRecord]:
        """Every record this sink holds, oldest first."""

    def read(
        self,
        *,
        tenant: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        found = [
            r
            for r in reversed(self._oldest_first())
            if (tenant is None or r.tenant == tenant)
            and (action is None or r.action == action)
            and (target is None or r.target == target)
        ]
        return found[:limit]


class MemoryAuditLog(ScannedAuditLog):
    """Records in a list (bounded): for tests and single-process apps."""

    def __init__(self, max_records: int = 100_000) -> None:
        self.records: list[AuditRecord] = []
        self.max_records = max_records
        self._lock = threading.Lock()

    def write(self, record: AuditRecord) -> None:
        with self._lock:
            self.records.append(record)
            if len(self.records) > self.max_records:
                del self.records[: len(self.records) - self.max_records]

    def _oldest_first(self) -> list[AuditRecord]:
        with self._lock:
            return list(self.records)


class JsonLinesAuditLog(ScannedAuditLog):
    """One JSON object per line, appended with a single ``write`` on an ``O_APPEND``
    descriptor: lines from concurrent threads and processes never interleave."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, record: AuditRecord) -> None:
        line = record.model_dump_json().encode("utf-8") + b"\n"
        os.write(self._fd, line)

    def _oldest_first(self) -> list[AuditRecord]:
        found: list[AuditRecord] = []
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    found.append(AuditRecord.model_validate(json.loads(line)))
                except ValueError:
                    continue  # a torn last line after a crash
        return found

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class Auditor:
    """Writes records for a context; a failing sink is logged, never breaks the call."""

    def __init__(self, log: AuditLog | None) -> None:
        self.log = log

    def __bool__(self) -> bool:
        return self.log is not None

    def record(
        self,
        action: str,
        *,
        context: ExecutionContext | None = None,
        outcome: Outcome = "ok",
        target: str | None = None,
        duration_ms: float | None = None,
        tenant: str | None = None,
        user: str | None = None,
        **detail: Any,
    ) -> None:
        if self.log is None:
            return
        who = context.who() if context is not None else {}
        record = AuditRecord(
            action=action,
            outcome=outcome,
            target=target,
            duration_ms=duration_ms,
            tenant=tenant or who.get("tenant"),
            user=user or who.get("user"),
            request_id=who.get("request_id"),
            detail={k: v for k, v in detail.items() if v is not None},
        )
        try:
            self.log.write(record)
        except Exception:  # the audited operation must not fail because the sink did
            import logging

            logging.getLogger("codemode_skills.audit").exception("audit write failed")
