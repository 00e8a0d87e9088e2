"""``FileSkillStorage``: one readable directory per skill, safe across processes.

Layout (``root/<tenant>/<name>/``): ``meta.json`` (the current version and its state;
the source of truth), ``code.py`` (a readable copy of the current code),
``versions/000001.json ...`` (the content of every version) and ``runs.jsonl`` (the run
log). Every file is written to a temporary file and moved into place with ``os.replace``,
so a reader (or a writer killed mid-save) only ever sees a whole old or a whole new file;
a new version is written before ``meta.json`` points at it. Changes to one skill hold an
``flock`` on ``<tenant>/.locks/<name>``, so two processes cannot lose each other's update.
Names are validated before any path is built: ``../x`` never reaches the file system.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..records import NAME_PATTERN, RunRecord, Skill, SkillVersion
from .document import DocumentStorage
from .text import InvertedIndex

_VALID = re.compile(NAME_PATTERN)
_GENERATION = "_generation"  # not a valid skill name, so it cannot collide with one


def atomic_write(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` all at once (temp file in the same directory)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _lines(data: bytes) -> Iterator[bytes]:
    """The non-blank lines of a JSON-lines file."""
    for line in data.splitlines():
        if line.strip():
            yield line


def _slug(model: str) -> str:
    """A file name for a model name (``org/model:tag`` -> ``org_model_tag``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", model)[:100] or "_"


class _IndexCache:
    """Search indexes of the tenants this process has searched, per (root, tenant).

    ``.generation`` counts content changes of a tenant; a cached index is used only while
    the count is the one it was built (or kept up to date) at.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, str], tuple[int, InvertedIndex]] = {}


_CACHE = _IndexCache()


class FileSkillStorage(DocumentStorage):
    """Skills as files under ``root``. ``FileSkillStorage("/var/lib/skills", tenant="acme")``."""

    def __init__(
        self, root: str | os.PathLike[str], tenant: str = "default", *, fsync: bool = True
    ) -> None:
        super().__init__(tenant)
        self.root = Path(root)
        self.fsync = fsync
        self.dir = self.root / self.tenant
        (self.dir / ".locks").mkdir(parents=True, exist_ok=True)
        self._key = (str(self.root.resolve()), self.tenant)

    def __repr__(self) -> str:
        return f"FileSkillStorage({str(self.root)!r}, tenant={self.tenant!r})"

    def for_tenant(self, tenant: str) -> FileSkillStorage:
        return FileSkillStorage(self.root, tenant, fsync=self.fsync)

    # -- locking -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _flock(self, lock_name: str) -> Iterator[None]:
        fd = os.open(self.dir / ".locks" / lock_name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _locked(self, name: str) -> contextlib.AbstractContextManager[None]:
        return self._flock(name)

    # -- documents ---------------------------------------------------------------------
    def _read(self, name: str) -> Skill | None:
        try:
            data = (self.dir / name / "meta.json").read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return Skill.model_validate_json(data)

    def _write(self, skill: Skill, version: SkillVersion | None) -> None:
        folder = self.dir / skill.name
        if version is not None:
            (folder / "versions").mkdir(parents=True, exist_ok=True)
            atomic_write(
                folder / "versions" / f"{version.version:06d}.json",
                version.model_dump_json(indent=1).encode(),
                fsync=self.fsync,
            )
        atomic_write(
            folder / "meta.json", skill.model_dump_json(indent=1).encode(), fsync=self.fsync
        )
        if version is not None:
            atomic_write(folder / "code.py", skill.code.encode(), fsync=self.fsync)
            self._content_changed(skill.name, skill)

    def _read_versions(self, name: str) -> list[SkillVersion]:
        folder = self.dir / name / "versions"
        if not folder.is_dir():
            return []
        return [
            SkillVersion.model_validate_json(p.read_bytes())
            for p in sorted(folder.glob("[0-9]*.json"))
        ]

    def _append_run(self, name: str, run: RunRecord) -> None:
        line = run.model_dump_json().encode() + b"\n"
        fd = os.open(self.dir / name / "runs.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def _read_runs(self, name: str) -> list[RunRecord]:
        try:
            data = (self.dir / name / "runs.jsonl").read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in _lines(data):
            with contextlib.suppress(ValueError):  # a torn last line after a crash
                out.append(RunRecord.model_validate_json(line))
        return out

    def _remove(self, name: str) -> bool:
        folder = self.dir / name
        if not (folder / "meta.json").exists():
            return False
        trash = self.dir / f".trash-{uuid.uuid4().hex}"
        os.replace(folder, trash)  # readers see it gone at once
        shutil.rmtree(trash, ignore_errors=True)
        self._content_changed(name, None)
        return True

    def _write_embedding(self, name: str, model: str, record: dict[str, Any]) -> None:
        folder = self.dir / name / "embeddings"
        folder.mkdir(exist_ok=True)
        atomic_write(folder / f"{_slug(model)}.json", json.dumps(record).encode(), fsync=self.fsync)

    def _read_embeddings(self, model: str) -> dict[str, dict[str, Any]]:
        found = {}
        for name in self._names():
            try:
                data = (self.dir / name / "embeddings" / f"{_slug(model)}.json").read_bytes()
            except FileNotFoundError:
                continue
            found[name] = json.loads(data)
        return found

    def _names(self) -> list[str]:
        try:
            entries = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        return [n for n in entries if _VALID.fullmatch(n) and (self.dir / n / "meta.json").exists()]

    # -- search index ------------------------------------------------------------------
    def _generation(self) -> int:
        try:
            return int((self.dir / ".generation").read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _content_changed(self, name: str, skill: Skill | None) -> None:
        """Bump the tenant's generation; keep this process's index in step if it was."""
        with self._flock(_GENERATION):
            generation = self._generation()
            atomic_write(self.dir / ".generation", str(generation + 1).encode(), fsync=False)
            with _CACHE.lock:
                cached = _CACHE.entries.get(self._key)
                if cached is None or cached[0] != generation:
                    _CACHE.entries.pop(self._key, None)
                    return
                index = cached[1]
                if skill is None:
                    index.remove(name)
                else:
                    index.put(name, skill)
                _CACHE.entries[self._key] = (generation + 1, index)

    def _ranked(self, terms: list[str], limit: int | None) -> list[tuple[str, float]]:
        with _CACHE.lock:
            cached = _CACHE.entries.get(self._key)
            if cached is not None and cached[0] == self._generation():
                return cached[1].search(terms, limit)
        with self._flock(_GENERATION):  # no content change while we rebuild
            generation = self._generation()
            index = InvertedIndex()
            for name in self._names():
                skill = self._read(name)
                if skill is not None:
                    index.put(name, skill)
            with _CACHE.lock:
                _CACHE.entries[self._key] = (generation, index)
                return index.search(terms, limit)
