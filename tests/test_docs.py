"""The docs name tests as proof (the security finding table above all): those must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"(test_[a-z0-9_]+\.py)(?:::(test_[A-Za-z0-9_]+))?")


def test_every_test_the_docs_name_exists() -> None:
    missing = []
    for doc in sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]):
        for match in REFERENCE.finditer(doc.read_text()):
            path = ROOT / "tests" / match.group(1)
            if not path.exists():
                missing.append(f"{doc.name}: {match.group(0)} (no such file)")
            elif match.group(2) and f"def {match.group(2)}(" not in path.read_text():
                missing.append(f"{doc.name}: {match.group(0)} (no such test)")
    assert not missing, "\n".join(missing)
