"""The administrator's review of promoted skills: a service shared by the CLI and the web page.

``ReviewService`` and the admin tokens need only the core library. The web page
(``create_admin_app``) needs the ``admin`` extra (Starlette, Jinja2, uvicorn), so it is
imported on first use: ``from codemode_skills.admin import create_admin_app`` works when installed,
and the CLI's ``list``/``approve`` work without it.
"""

from __future__ import annotations

from typing import Any

from ..errors import ReviewConflict, ReviewError, ReviewInputError, ReviewNotFound
from .review import ReviewService
from .tokens import AdminToken, load_tokens, parse_token
from .views import (
    QueueRow,
    ReviewEvent,
    ReviewQueue,
    RunError,
    SkillDetail,
    VersionDiff,
    diff_versions,
)

_WEB = ("create_admin_app",)


def __getattr__(name: str) -> Any:
    if name in _WEB:
        from . import web

        return getattr(web, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AdminToken",
    "QueueRow",
    "ReviewConflict",
    "ReviewError",
    "ReviewEvent",
    "ReviewInputError",
    "ReviewNotFound",
    "ReviewQueue",
    "ReviewService",
    "RunError",
    "SkillDetail",
    "VersionDiff",
    "create_admin_app",
    "diff_versions",
    "load_tokens",
    "parse_token",
]
