"""The administrator's review: ``ReviewService`` and ``codemode-skills review`` on SQLite.

Skills reach ``pending_review`` the real way (runs under a relaxed strategy with
``require_review``), so the queue, the diff, the errors and the audit trail are the ones
an administrator would see.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codemode_skills import InProcessDriver, create_code_mode
from codemode_skills.admin import (
    ReviewConflict,
    ReviewInputError,
    ReviewNotFound,
    ReviewService,
)
from codemode_skills.cli.main import main
from codemode_skills.errors import ToolError
from codemode_skills.records import SkillSpec, SkillStatus
from codemode_skills.security.audit import JsonLinesAuditLog, MemoryAuditLog
from codemode_skills.skills import SkillManager
from codemode_skills.storage import SQLAuditLog, open_storage
from codemode_skills.trust import RelaxedTrustStrategy, TrustLevel, TrustPolicy

V1 = "return len(input['items'])"
V2 = "\n".join(
    [
        "items = input['items']",
        "if not items:",
        "    raise ValueError('empty basket')",
        "return len(items)",
    ]
)


async def promote_for_review(
    url: str, tenant: str, name: str, *, audit: Any, description: str = "Count a basket"
) -> None:
    """Register v1, edit to v2, then run v2 ten times (one failure): the relaxed strategy
    wants ``trusted`` and ``require_review`` parks the skill in ``pending_review``."""
    storage = open_storage(url, tenant=tenant)
    async with create_code_mode(driver=InProcessDriver()) as cm:
        manager = SkillManager(
            storage,
            cm,
            trust_strategy=RelaxedTrustStrategy(),
            policy=TrustPolicy(require_review=True),
            audit=audit,
        )
        schema = {
            "type": "object",
            "properties": {"items": {"type": "array"}},
            "required": ["items"],
        }
        await manager.register(
            {
                "name": name,
                "description": description,
                "code": V1,
                "input_schema": schema,
                "tags": ["shopping"],
            },
            author="model",
        )
        await manager.update(name, {"code": V2}, author="model", note="refuse empty baskets")
        for items in [[], *[["apple", "fig"]] * 9]:
            try:
                await manager.call(name, {"items": items})
            except ToolError:
                pass
    skill = storage.get(name)
    assert (skill.status, skill.trust) == (SkillStatus.PENDING_REVIEW, TrustLevel.PROVISIONAL)


def add_skill(url: str, tenant: str, name: str, trust: TrustLevel, description: str = "x") -> None:
    storage = open_storage(url, tenant=tenant)
    storage.create(SkillSpec(name=name, description=description, code="return 1"), trust=trust)


@pytest.fixture
async def store(tmp_path: Path) -> str:
    """acme: ``basket_total`` and ``csv_export`` pending, ``old_report`` trusted,
    ``fresh`` untrusted; audited to the store's own ``cms_audit`` table."""
    url = f"sqlite:///{tmp_path / 'skills.db'}"
    audit = SQLAuditLog(url)
    await promote_for_review(url, "acme", "basket_total", audit=audit)
    await promote_for_review(url, "acme", "csv_export", audit=audit)
    add_skill(url, "acme", "old_report", TrustLevel.TRUSTED)
    add_skill(url, "acme", "fresh", TrustLevel.UNTRUSTED)
    return url


def state(url: str, name: str, tenant: str = "acme") -> tuple[TrustLevel, SkillStatus]:
    skill = open_storage(url, tenant=tenant).get(name)  # a fresh view: what is stored
    return skill.trust, skill.status


# -- the service -------------------------------------------------------------------------
async def test_queue_detail_and_diff(store: str) -> None:
    async with ReviewService(store, audit=store) as service:
        queue = await service.queue("acme")
        assert [r.name for r in queue.pending] == ["basket_total", "csv_export"]
        assert {r.name for r in queue.skills} == {
            "basket_total",
            "csv_export",
            "fresh",
            "old_report",
        }
        row = next(r for r in queue.pending if r.name == "basket_total")
        assert (row.version, row.runs, row.success_rate) == (2, 10, 0.9)

        d = await service.detail("acme", "basket_total")
        assert d.skill.code == V2 and [v.version for v in d.versions] == [2, 1]
        assert (d.diff.from_version, d.diff.to_version) == (1, 2)
        assert f"-{V1}" in d.diff.text.splitlines()
        assert "+    raise ValueError('empty basket')" in d.diff.text.splitlines()
        assert "+return len(items)" in d.diff.text.splitlines()
        assert [e.error for e in d.errors] == ["ValueError: empty basket (line 3)"]
        assert d.errors[0].version == 2
        assert [(h.decision, h.version) for h in d.history] == [("requested", 2)]

        back = await service.diff("acme", "basket_total", 2, 1)
        assert f"+{V1}" in back.text.splitlines()
        first = await service.diff("acme", "old_report")
        assert first.from_version is None and first.text == ""
        with pytest.raises(ReviewNotFound, match="no version 7"):
            await service.diff("acme", "basket_total", 7, 2)
        with pytest.raises(ReviewNotFound):
            await service.detail("acme", "nope")
        with pytest.raises(ReviewInputError, match="invalid tenant"):
            await service.queue("../etc")
        with pytest.raises(ReviewInputError, match="invalid skill name"):
            await service.detail("acme", "Bad-Name")
        assert (await service.queue("globex")).skills == []  # another tenant sees nothing


async def test_decisions_change_the_store_and_are_audited(store: str) -> None:
    audit = MemoryAuditLog()
    async with ReviewService(store, audit=audit) as service:
        approved = await service.approve("acme", "basket_total", "alice")
        assert (approved.trust, approved.status) == (TrustLevel.TRUSTED, SkillStatus.ACTIVE)
        assert state(store, "basket_total") == (TrustLevel.TRUSTED, SkillStatus.ACTIVE)
        with pytest.raises(ReviewConflict, match="not waiting for review"):
            await service.approve("acme", "basket_total", "alice")
        with pytest.raises(ReviewConflict, match="not waiting for review"):
            await service.approve("acme", "fresh", "alice")

        for blank in (None, "", "   "):
            with pytest.raises(ReviewInputError, match="reason"):
                await service.reject("acme", "csv_export", "alice", blank)
        with pytest.raises(ReviewInputError, match="reviewer"):
            await service.approve("acme", "csv_export", " ")
        assert state(store, "csv_export")[1] is SkillStatus.PENDING_REVIEW
        await service.reject("acme", "csv_export", "bob", "exports customer e-mails")
        assert state(store, "csv_export")[1] is SkillStatus.REJECTED
        with pytest.raises(ReviewConflict, match="already rejected"):
            await service.reject("acme", "csv_export", "bob", "again")

        with pytest.raises(ReviewInputError, match="unknown trust level"):
            await service.demote("acme", "old_report", "carol", to="root")
        await service.demote("acme", "old_report", "carol", "flaky lately", to="untrusted")
        assert state(store, "old_report")[0] is TrustLevel.UNTRUSTED
        with pytest.raises(ReviewConflict, match="lower level"):
            await service.demote("acme", "fresh", "carol")

        history = await service.history("acme", "csv_export")
        assert [(h.decision, h.reviewer, h.reason) for h in history] == [
            ("rejected", "bob", "exports customer e-mails")
        ]
        demoted = (await service.history("acme", "old_report"))[0]
        assert demoted.detail["old"] == "trusted" and demoted.detail["new"] == "untrusted"
        decided = [(r.target, r.user, r.detail["decision"]) for r in audit.read(action="review")]
        assert decided == [
            ("old_report", "carol", "demoted"),
            ("csv_export", "bob", "rejected"),
            ("basket_total", "alice", "approved"),
        ]
        assert all(r.tenant == "acme" for r in audit.read())


async def test_history_is_empty_without_an_audit_log(store: str) -> None:
    async with ReviewService(store) as service:
        detail = await service.detail("acme", "basket_total")
        assert detail.history == [] and not detail.audit_enabled
        await service.approve("acme", "basket_total", "alice")  # still works, unrecorded


# -- the CLI -------------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["review", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_show_and_diff(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    at = ("--store", store, "--tenant", "acme")
    code, out, _ = cli(capsys, "list", *at)
    assert code == 0
    pending, everything = out.split("all skills (4):")
    assert "waiting for review (2):" in pending and "basket_total" in pending
    assert "old_report" not in pending and "old_report" in everything

    code, out, _ = cli(capsys, "show", "basket_total", *at)
    assert code == 0
    assert "basket_total  v2  provisional  pending_review" in out
    assert V2 in out and "evidence: 10 independent runs (90.0% success" in out
    assert "from 10 requests" in out and "calls: 10 (1 failed)" in out
    assert "v2  ValueError: empty basket (line 3)" in out
    assert "requested" in out.split("review history (1):")[1]

    code, out, _ = cli(capsys, "diff", "basket_total", *at)
    assert code == 0 and out.startswith("--- basket_total v1\n+++ basket_total v2")
    code, out, _ = cli(capsys, "diff", "basket_total", "--from", "2", "--to", "1", *at)
    assert code == 0 and f"+{V1}" in out.splitlines()
    code, _, err = cli(capsys, "diff", "basket_total", "--from", "9", *at)
    assert code == 1 and "no version 9" in err


def test_cli_decisions_and_exit_codes(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    at = ("--store", store, "--tenant", "acme", "--reviewer", "alice")
    code, out, _ = cli(capsys, "approve", "basket_total", *at)
    assert code == 0 and "approved by alice; now trusted, active" in out
    assert state(store, "basket_total") == (TrustLevel.TRUSTED, SkillStatus.ACTIVE)
    code, _, err = cli(capsys, "approve", "basket_total", *at)  # no longer pending
    assert code == 1 and "not waiting for review" in err
    code, _, err = cli(capsys, "approve", "fresh", *at)
    assert code == 1 and "not waiting for review" in err
    assert cli(capsys, "approve", "missing", *at)[0] == 1

    with pytest.raises(SystemExit) as usage:  # --reason is required
        main(["review", "reject", "csv_export", *at])
    assert usage.value.code == 2
    assert cli(capsys, "reject", "csv_export", *at, "--reason", "  ")[0] == 2
    assert state(store, "csv_export")[1] is SkillStatus.PENDING_REVIEW
    code, out, _ = cli(capsys, "reject", "csv_export", *at, "--reason", "leaks e-mails")
    assert code == 0 and "rejected by alice" in out
    assert state(store, "csv_export")[1] is SkillStatus.REJECTED

    code, out, _ = cli(capsys, "demote", "old_report", *at, "--to", "provisional")
    assert code == 0 and "now provisional" in out
    assert cli(capsys, "demote", "fresh", *at)[0] == 1  # already the lowest level
    assert cli(capsys, "list", "--store", store, "--tenant", "../x")[0] == 2

    records = SQLAuditLog(store).read(tenant="acme", action="review")  # the default audit
    decided = [
        (r.target, r.user, r.detail["decision"], r.detail.get("reason"))
        for r in records
        if r.detail["decision"] != "requested"
    ]
    assert decided == [
        ("old_report", "alice", "demoted", None),
        ("csv_export", "alice", "rejected", "leaks e-mails"),
        ("basket_total", "alice", "approved", None),
    ]
    code, out, _ = cli(capsys, "show", "csv_export", "--store", store, "--tenant", "acme")
    assert "rejected   by alice" in out and "reason: leaks e-mails" in out


def test_cli_audit_option(store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = ("--store", store, "--tenant", "acme", "--reviewer", "alice")
    before = len(SQLAuditLog(store).read(action="review"))
    assert cli(capsys, "approve", "basket_total", *at, "--audit", "none")[0] == 0
    assert len(SQLAuditLog(store).read(action="review")) == before  # turned off
    log = tmp_path / "audit.jsonl"
    assert cli(capsys, "reject", "csv_export", *at, "--reason", "no", "--audit", str(log))[0] == 0
    [record] = JsonLinesAuditLog(log).read()
    assert (record.target, record.user, record.detail["reason"]) == ("csv_export", "alice", "no")
    code, out, _ = cli(
        capsys, "show", "csv_export", "--store", store, "--tenant", "acme", "--audit", "none"
    )
    assert code == 0 and "no audit log configured" in out


def test_cli_entry_point(store: str) -> None:
    """The installed command line, in its own process (exit codes as a shell sees them)."""
    run = [sys.executable, "-m", "codemode_skills.cli.main", "review"]
    at = ["--store", store, "--tenant", "acme"]
    ok = subprocess.run(
        [*run, "approve", "basket_total", *at, "--reviewer", "ops"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    again = subprocess.run(
        [*run, "approve", "basket_total", *at, "--reviewer", "ops"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1 and "not waiting for review" in again.stderr
    usage = subprocess.run(
        [*run, "reject", "csv_export", *at, "--reviewer", "ops"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert usage.returncode == 2 and "--reason" in usage.stderr
    assert json.dumps(state(store, "basket_total")) == '["trusted", "active"]'
