"""Vectors of texts that do not live in a skill store (tools), computed once per process.

A skill's vector is stored with the skill (``vectors.py``); a tool has no store, and the
same server's tools are listed again by every code mode that connects to it, so vectors
are kept here, keyed by the embedding model's name and a hash of the embedded text:
in memory (least recently used out beyond ``max_entries``), and in an SQLite file when
``path`` is given, so a restarted host embeds nothing it embedded before.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedder import Embedder

#: Vectors kept in memory per cache (384 float32 each: 50,000 is about 77 MB).
MAX_ENTRIES = 50_000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class VectorCache:
    """``(model, text hash) -> vector``; thread-safe. ``embed`` embeds only what is missing."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, max_entries: int = MAX_ENTRIES
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.max_entries = max_entries
        self._memory: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        #: Texts embedded by this cache (what a benchmark or test counts).
        self.embedded = 0
        if self.path is not None:
            with self._db() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, "
                    "digest TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, digest))"
                )

    def _db(self) -> sqlite3.Connection:
        assert self.path is not None
        return sqlite3.connect(self.path, timeout=30)

    def _remember(self, key: tuple[str, str], vector: np.ndarray) -> None:
        self._memory[key] = vector
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    def embed(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, in order; missing ones embedded in one batch."""
        digests = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for d in digests:
                vector = self._memory.get((embedder.name, d))
                if vector is not None:
                    found[d] = vector
                    self._memory.move_to_end((embedder.name, d))
        missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in found}
        if missing and self.path is not None:
            found.update(self._load(embedder.name, list(missing)))
            missing = {d: t for d, t in missing.items() if d not in found}
        if missing:
            vectors = embedder.embed(list(missing.values()))
            fresh = {
                d: np.ascontiguousarray(v, dtype=np.float32)
                for d, v in zip(missing, vectors, strict=True)
            }
            self.embedded += len(fresh)
            found.update(fresh)
            if self.path is not None:
                with self._db() as db:
                    db.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                        [(embedder.name, d, v.tobytes()) for d, v in fresh.items()],
                    )
        with self._lock:
            for d in dict.fromkeys(digests):
                self._remember((embedder.name, d), found[d])
        if not digests:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[d] for d in digests])

    def _load(self, model: str, digests: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._db() as db:
            for start in range(0, len(digests), 500):  # SQLite's bound-parameter limit
                chunk = digests[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                    [model, *chunk],
                )
                for digest, blob in rows:
                    out[digest] = np.frombuffer(blob, dtype=np.float32).copy()
        return out


_SHARED: VectorCache | None = None
_SHARED_LOCK = threading.Lock()


def shared_cache() -> VectorCache:
    """The process's in-memory cache: code modes that list the same tools share vectors."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = VectorCache()
        return _SHARED
