"""Multi-tenant security: execution context, scopes, execution tokens, rate limits, the
SSRF guard and the audit log (see docs/security.md for the threat model)."""

from ..errors import (
    PermissionDenied,
    RateLimited,
    ScopeDenied,
    SecurityError,
    TenantMismatch,
    TokenError,
    TokenExpired,
)
from .audit import (
    AuditLog,
    AuditRecord,
    JsonLinesAuditLog,
    MemoryAuditLog,
    Redaction,
    SQLAuditLog,
    open_audit_log,
)
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
    "PermissionDenied",
    "RateLimit",
    "RateLimited",
    "RateLimiter",
    "Redaction",
    "RedisBucketStore",
    "SQLAuditLog",
    "SSRFBlocked",
    "SSRFGuard",
    "ScopeDenied",
    "SecurityError",
    "TenantMismatch",
    "TokenError",
    "TokenExpired",
    "TokenSigner",
    "blocked_reason",
    "current_context",
    "open_audit_log",
    "use_context",
]
