"""Security controls around tools (more land with the multi-tenant security issue)."""

from .ssrf import SSRFBlocked, SSRFGuard, blocked_reason

__all__ = ["SSRFBlocked", "SSRFGuard", "blocked_reason"]
