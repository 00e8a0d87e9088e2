"""Concurrency and crash safety of every backend: no lost run, no torn version."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
from typing import Any

import pytest

from codemode_skills.skills import RunRecord, SkillChanges, SkillSpec
from codemode_skills.storage import open_storage
from tests.storage_cases import unchecked_spec

TOTAL = 1_000


def _spec(name: str = "counter") -> SkillSpec:
    return SkillSpec(name=name, description="counts runs", code="return 1")


def _record_threads(storage: Any, threads: int, per_thread: int) -> None:
    """Record ``threads * per_thread`` runs from ``threads`` threads; every 4th fails."""
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(per_thread):
                ok = (offset + i) % 4 != 0
                storage.record_execution("counter", RunRecord(success=ok, duration_ms=1.0))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t * per_thread,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


def _record(url: str, tenant: str, threads: int, per_thread: int) -> None:
    """A process of its own: open the store by URL, record from threads."""
    _record_threads(open_storage(url, tenant=tenant), threads, per_thread)


def _check_counts(storage: Any) -> None:
    stats = storage.get("counter").stats
    assert stats.executions == TOTAL
    assert stats.successes + stats.failures == TOTAL
    assert stats.failures == TOTAL // 4
    assert stats.total_duration_ms == pytest.approx(float(TOTAL))
    assert len(stats.recent) == 20
    assert len(storage.runs("counter", limit=TOTAL + 10)) == TOTAL


def test_eight_threads_lose_no_run(storage: Any) -> None:
    storage.create(_spec())
    _record_threads(storage, 8, TOTAL // 8)
    _check_counts(storage)


def _url_of(storage: Any) -> str:
    """The URL another process opens the same store with."""
    if type(storage).__name__ == "FileSkillStorage":
        return f"file://{storage.root}"
    return str(storage.url)


def test_two_processes_lose_no_run(durable_storage: Any) -> None:
    storage = durable_storage
    url = _url_of(storage)
    storage.create(_spec())
    ctx = multiprocessing.get_context("spawn")
    args = (url, storage.tenant, 4, TOTAL // 8)
    procs = [ctx.Process(target=_record, args=args) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    _check_counts(storage)


def test_concurrent_edits_keep_a_linear_history(storage: Any) -> None:
    storage.create(_spec())
    errors: list[BaseException] = []

    def edit(worker: int) -> None:
        try:
            for i in range(5):
                storage.update("counter", SkillChanges(code=f"return {1000 + worker * 100 + i}"))
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=edit, args=(w,)) for w in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    history = storage.versions("counter")
    assert [v.version for v in history] == list(range(1, 22))
    assert len({v.code for v in history}) == 21  # no edit lost or duplicated
    assert storage.get("counter").code == history[-1].code


def _edit_forever(url: str, tenant: str) -> None:
    storage = open_storage(url, tenant=tenant)
    i = 0
    while True:
        i += 1
        storage.update("counter", SkillChanges(code=f"return {i}", description=f"edit {i}"))
        storage.record_execution("counter", RunRecord(success=True))


WRITER_START_S = 60.0  # generous: a spawned writer imports the library, slow on a busy machine


def _wait_for_edits(storage: Any, proc: Any, above: int) -> int:
    """Poll the store until the writer has saved past version ``above``; return the version.

    Evidence, not time: on a busy machine the spawn alone can take seconds. Fails clearly if
    the writer dies or never gets going, instead of killing it before it has written."""
    deadline = time.monotonic() + WRITER_START_S
    while (version := storage.get("counter").version) <= above:
        if not proc.is_alive():
            pytest.fail(f"the writer exited by itself (exit code {proc.exitcode}) at v{version}")
        if time.monotonic() > deadline:
            pytest.fail(f"the writer made no edit past v{above} in {WRITER_START_S:g} s")
        time.sleep(0.02)
    return version


def test_a_writer_killed_mid_save_leaves_a_readable_version(durable_storage: Any) -> None:
    storage = durable_storage
    url = _url_of(storage)
    storage.create(_spec())
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random()
    for _ in range(3):
        before = storage.get("counter").version
        proc = ctx.Process(target=_edit_forever, args=(url, storage.tenant))
        proc.start()
        _wait_for_edits(storage, proc, before + 2)  # it is in its save loop now
        time.sleep(rng.uniform(0, 0.05))  # not a wait: lands the kill at a random point
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        assert proc.exitcode == -signal.SIGKILL  # killed, not finished
        skill = storage.get("counter")
        history = storage.versions("counter")
        assert history[-1].version == skill.version == len(history)
        assert skill.version > before + 2
        assert skill.code == history[-1].code
        assert skill.description == history[-1].description
        # the content of one edit, never a mix of two
        assert skill.code == "return " + skill.description.split()[-1]
    # and the store still takes writes after the crashes
    after = storage.update("counter", SkillChanges(code="return 'after'"))
    assert after.version == skill.version + 1


def test_file_storage_leaves_no_temp_files_and_stays_readable(tmp_path: Any) -> None:
    storage = open_storage(f"file://{tmp_path}", tenant="acme")
    storage.create(_spec())
    storage.update("counter", SkillChanges(code="return 2"))
    folder = tmp_path / "acme" / "counter"
    assert sorted(p.name for p in folder.iterdir()) == ["code.py", "meta.json", "versions"]
    assert (folder / "code.py").read_text() == "return 2"
    assert sorted(p.name for p in (folder / "versions").iterdir()) == [
        "000001.json",
        "000002.json",
    ]
    storage.record_execution("counter", RunRecord(success=True))
    assert (folder / "runs.jsonl").exists()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_file_storage_never_writes_outside_its_root(tmp_path: Any) -> None:
    root = tmp_path / "root"
    storage = open_storage(f"file://{root}", tenant="acme")
    for bad in ("../escape", "..", "acme/../../x"):
        with pytest.raises(Exception):  # noqa: B017 - InvalidSkillName or ValidationError
            storage.create(unchecked_spec(bad))
    outside = [p for p in tmp_path.rglob("*") if root not in p.parents and p != root]
    assert outside == []
