"""The keyword arguments of ``SkillStorage``, checked once for every backend.

``list``/``search`` take ``status=``, ``trust=`` and ``tag=`` as one value, several or
None; ``SkillFilter.of`` turns them into one frozen filter a backend can test a skill
against or translate into its query language. ``set_state`` takes six keywords;
``StateChange`` holds them as enums and gives the stored values a backend writes and
matches on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from ..records import Skill, SkillStatus, TrustLevel

#: The ``status=`` / ``trust=`` filter arguments: one value, several, or None (any).
Statuses = SkillStatus | Iterable[SkillStatus] | None
Trusts = TrustLevel | Iterable[TrustLevel] | None

#: What ``search`` returns unless told otherwise: skills one may still pick.
SEARCHABLE = frozenset({SkillStatus.ACTIVE, SkillStatus.PENDING_REVIEW})


@dataclass(frozen=True)
class SkillFilter:
    """Status / trust / tag filter of ``list`` and ``search`` (None: any)."""

    status: frozenset[SkillStatus] | None = None
    trust: frozenset[TrustLevel] | None = None
    tag: str | None = None

    @classmethod
    def of(
        cls, status: Statuses = None, trust: Trusts = None, tag: str | None = None
    ) -> SkillFilter:
        def norm(value, kind):  # type: ignore[no-untyped-def]
            if value is None:
                return None
            if isinstance(value, (str, kind)):
                return frozenset({kind(value)})
            return frozenset(kind(v) for v in value)

        return cls(
            status=norm(status, SkillStatus),
            trust=norm(trust, TrustLevel),
            tag=tag.strip().lower() if tag else None,
        )

    def __call__(self, skill: Skill) -> bool:
        return (
            (self.status is None or skill.status in self.status)
            and (self.trust is None or skill.trust in self.trust)
            and (self.tag is None or self.tag in skill.tags)
        )


@dataclass(frozen=True)
class StateChange:
    """The arguments of ``set_state``, checked once: what to set and what must hold."""

    status: SkillStatus | None = None
    trust: TrustLevel | None = None
    expect_status: SkillStatus | None = None
    expect_trust: TrustLevel | None = None
    expect_version: int | None = None
    clear_evidence: bool = False

    def __post_init__(self) -> None:
        for field, kind in (
            ("status", SkillStatus),
            ("trust", TrustLevel),
            ("expect_status", SkillStatus),
            ("expect_trust", TrustLevel),
        ):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, kind(value))

    def sets(self) -> dict[str, str]:
        """Field -> stored value (the enum's string) of what changes."""
        pairs = (("status", self.status), ("trust", self.trust))
        return {k: v.value for k, v in pairs if v is not None}

    def expects(self) -> dict[str, str | int]:
        """Field -> stored value that must hold for the change to apply."""
        pairs = (
            ("status", self.expect_status),
            ("trust", self.expect_trust),
            ("version", self.expect_version),
        )
        return {k: v.value if isinstance(v, Enum) else v for k, v in pairs if v is not None}
