"""Skill vectors: what text is embedded, and reusing stored vectors.

A skill's vector is stored with it, keyed by the embedding model's name and a hash of
the embedded text, so a request only ever embeds the query; the library is embedded once
(at registration or the first time a selector sees a skill) and again only when the text
or the model changes.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable

import numpy as np

from ..errors import SkillNotFound
from ..records import Skill
from ..storage.base import SkillStorage
from .embedder import Embedder


def embedding_text(skill: Skill) -> str:
    text = f"{skill.name.replace('_', ' ')}: {skill.description}"
    if skill.usage_hints:
        text += "\n" + "; ".join(skill.usage_hints)
    return text


def content_hash(skill: Skill) -> str:
    return hashlib.sha256(embedding_text(skill).encode()).hexdigest()[:32]


def ensure_vectors(
    storage: SkillStorage, embedder: Embedder, skills: Iterable[Skill]
) -> dict[str, np.ndarray]:
    """Vectors of ``skills``: stored ones reused, missing or stale ones embedded and stored
    (one batch)."""
    skills = list(skills)
    stored = storage.embeddings(embedder.name)
    out: dict[str, np.ndarray] = {}
    missing: list[Skill] = []
    for skill in skills:
        found = stored.get(skill.name)
        if found is not None and found[0] == content_hash(skill):
            out[skill.name] = np.frombuffer(found[1], dtype=np.float32)
        else:
            missing.append(skill)
    if missing:
        vectors = embedder.embed([embedding_text(s) for s in missing])
        for skill, vector in zip(missing, vectors, strict=True):
            vector = np.ascontiguousarray(vector, dtype=np.float32)
            with contextlib.suppress(SkillNotFound):  # deleted meanwhile: nothing to store
                storage.put_embedding(
                    skill.name, embedder.name, content_hash(skill), vector.tobytes()
                )
            out[skill.name] = vector
    return out
