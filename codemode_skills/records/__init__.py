"""What is stored: skills, their versions, runs and trust levels (the ground floor).

Every layer that keeps, judges, selects or shows skills reads these; this package imports
nothing of the library but ``errors``.
"""

from .runs import (
    RECENT_WINDOW,
    Evidence,
    RunRecord,
    SkillOrigin,
    SkillStats,
    TrustEvidence,
    apply_evidence,
    apply_run,
    new_id,
    utcnow,
)
from .skill import (
    BEHAVIOUR_FIELDS,
    CODE_HELP,
    CONTENT_FIELDS,
    MAX_CODE_CHARS,
    NAME_PATTERN,
    SearchHit,
    Skill,
    SkillChanges,
    SkillSpec,
    SkillStatus,
    SkillVersion,
    changes_behaviour,
    create_skill,
    next_version,
    validate_skill_name,
)
from .trust import EVIDENCE_CAP, TrustLevel

__all__ = [
    "BEHAVIOUR_FIELDS",
    "CODE_HELP",
    "CONTENT_FIELDS",
    "EVIDENCE_CAP",
    "MAX_CODE_CHARS",
    "NAME_PATTERN",
    "RECENT_WINDOW",
    "Evidence",
    "RunRecord",
    "SearchHit",
    "Skill",
    "SkillChanges",
    "SkillOrigin",
    "SkillSpec",
    "SkillStats",
    "SkillStatus",
    "SkillVersion",
    "TrustEvidence",
    "TrustLevel",
    "apply_evidence",
    "apply_run",
    "changes_behaviour",
    "create_skill",
    "new_id",
    "next_version",
    "utcnow",
    "validate_skill_name",
]
