"""Multi-tenant security: execution context, scopes, execution tokens, rate limits, the
SSRF guard and the audit log (see docs/security.md for the threat model).

A leaf: it imports only ``codemode_skills.errors`` (where its exceptions live, and are
imported from). The SQL audit sink and ``open_audit_log`` are in ``codemode_skills.storage``.
"""

from .audit import AuditLog, AuditRecord, JsonLinesAuditLog, MemoryAuditLog, Redaction
from .context import ExecutionContext, current_context, use_context
from .ratelimit import MemoryBucketStore, RateLimit, RateLimiter, RedisBucketStore
from .ssrf import SSRFBlocked, SSRFGuard, blocked_reason
from .tokens import TokenSigner

__all__ = [
    "AuditLog",
    "AuditRecord",
    "ExecutionContext",
    "JsonLinesAuditLog",
    "MemoryAuditLog",
    "MemoryBucketStore",
    "RateLimit",
    "RateLimiter",
    "Redaction",
    "RedisBucketStore",
    "SSRFBlocked",
    "SSRFGuard",
    "TokenSigner",
    "blocked_reason",
    "current_context",
    "use_context",
]
