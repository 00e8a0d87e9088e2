"""Reviewing promoted skills: a skill earns ``trusted``, waits for review, an admin approves.

Offline and self-contained: a SQLite file in a temporary folder, the real sandbox, and the
audit log in the same database (what ``codemode-skills review`` uses by default).
"""

from __future__ import annotations

import asyncio
import tempfile

from codemode_skills import create_code_mode
from codemode_skills.admin import ReviewService
from codemode_skills.skills import SkillManager
from codemode_skills.storage import SQLAuditLog, open_storage
from codemode_skills.trust import RelaxedTrustStrategy, TrustPolicy

WORD_COUNT = {
    "name": "word_count",
    "description": "Count the words of a text",
    "code": "return len(input['text'].split())",
    "input_schema": {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
    "output_schema": {"type": "integer"},
}


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/skills.db"
        audit = SQLAuditLog(url)

        # The assistant's side: the skill runs well, and the relaxed strategy (10 runs at
        # >= 90 %) wants it trusted; require_review holds that last step for an admin.
        async with create_code_mode() as cm:
            manager = SkillManager(
                open_storage(url, tenant="acme"),
                cm,
                audit=audit,
                trust_strategy=RelaxedTrustStrategy(),
                policy=TrustPolicy(require_review=True),
            )
            await manager.register(WORD_COUNT, author="model", test_input={"text": "hi there"})
            for n in range(10):
                await manager.call("word_count", {"text": "word " * (n + 1)})
            skill = await manager.get("word_count")
            print(f"after 10 runs: {skill.trust.value}, {skill.status.value}")

        # The administrator's side: the same service the CLI and the web page use.
        async with ReviewService(url, audit=audit) as review:
            queue = await review.queue("acme")
            print("waiting for review:", [row.name for row in queue.pending])
            detail = await review.detail("acme", "word_count")
            stats = detail.skill.stats
            print(
                f"word_count v{detail.skill.version}: {stats.executions} runs, "
                f"{stats.success_rate:.0%} success, {len(detail.errors)} errors"
            )
            approved = await review.approve("acme", "word_count", reviewer="alice")
            print(f"approved: {approved.trust.value}, {approved.status.value}")
            for event in await review.history("acme", "word_count"):
                who = event.reviewer or "the trust strategy"
                print(f"  history: {event.decision} by {who} (v{event.version})")
        print(
            "the same from a shell: codemode-skills review list --store sqlite:///skills.db "
            "--tenant acme"
        )


if __name__ == "__main__":
    asyncio.run(main())
