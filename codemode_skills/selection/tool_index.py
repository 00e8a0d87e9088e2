"""``ToolIndex``: tools ranked for ``tools.search_tools`` by the skills' hybrid retrieval.

A code mode with discovery (``create_code_mode(discovery=ToolIndex())``, see
``tools/discovery.py``) hands its catalogue to ``build`` and searches the result. Each
tool becomes a record of the skill's shape (its name's words, its description, its
parameters as usage hints) in a ``SkillIndex``, and is ranked by ``retrieval.rank``: the
same text, the same embedding, BM25, hybrid weighting and step splitting as skills, so a
tool and a skill that say the same thing rank alike. Nothing of that code is repeated
here.

Vectors come from a ``VectorCache`` (by default the process's shared one): each distinct
tool text is embedded once, however many code modes list it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..records import Skill, TrustLevel
from .embedder import Embedder, SentenceTransformerEmbedder
from .index import SkillIndex
from .retrieval import HEAD, HybridWeights, Mode, plan_queries, rank
from .vector_cache import VectorCache, shared_cache
from .vectors import embedding_text


class Searchable(Protocol):
    """What an entry of a catalogue offers (``tools.discovery.ToolEntry``)."""

    path: str
    description: str
    input_schema: dict[str, Any]

    @property
    def digest(self) -> str: ...


#: Hints a tool's parameters add to its text, at most (the model reads 256 word pieces).
MAX_PARAMS = 12
#: Tool records kept for reuse across builds, at most (then they are made afresh).
MAX_RECORDS = 100_000


def index_name(path: str) -> str:
    """A tool's path as the words an index ranks: ``time.getCurrentTime`` ->
    ``time_get_current_time`` (camelCase and separators split, as skills' names are)."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", path)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "tool"


def tool_record(entry: Searchable, name: str) -> Skill:
    """``entry`` as the record ``SkillIndex`` and ``embedding_text`` read."""
    params = [p.replace("_", " ") for p in _params(entry.input_schema)][:MAX_PARAMS]
    return Skill(
        tenant="tools",
        name=name,
        description=entry.description.strip() or name.replace("_", " "),
        code="",
        input_schema={},
        usage_hints=[f"parameters: {', '.join(params)}"] if params else [],
        trust=TrustLevel.TRUSTED,
    )


def _params(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return [str(k) for k in props] if isinstance(props, dict) else []


class ToolRanking:
    """One catalogue's index (``ToolIndex.build``); ``search`` embeds only the query."""

    def __init__(self, owner: ToolIndex, index: SkillIndex, paths: dict[str, str]) -> None:
        self._owner = owner
        self.index = index
        self._paths = paths  # index name -> entry path

    def __len__(self) -> int:
        return len(self.index)

    def search(self, query: str, limit: int) -> list[str]:
        owner = self._owner
        # the whole query's top HEAD keep their places: steps change only longer lists
        texts, steps = plan_queries(query, use_steps=owner.split_steps and limit > HEAD)
        vectors = None if owner.mode == "lexical" else owner.embedder.embed(texts)
        return self.rank(query, vectors, steps, limit)

    def rank(
        self, query: str, vectors: np.ndarray | None, steps: Sequence[str], limit: int
    ) -> list[str]:
        """``search`` on precomputed query vectors (what the benchmark batches)."""
        owner = self._owner
        ranked = rank(
            self.index,
            query,
            vectors,
            k=limit,
            mode=owner.mode,
            steps=steps,
            weights=owner.weights,
        )
        if owner.mode == "lexical":  # BM25 alone: a tool sharing no word is no match
            ranked = [(name, score) for name, score in ranked if score > 0]
        return [self._paths[name] for name, _ in ranked]


class ToolIndex:
    """The ``ToolSearch`` of ``create_code_mode(discovery=...)``; one may serve many code
    modes (each build is its own index; the vectors are shared through ``cache``).

    ``cache_path``: an SQLite file that keeps the vectors across restarts (ignored when
    ``cache`` is given)."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        cache: VectorCache | None = None,
        cache_path: str | None = None,
        mode: Mode = "hybrid",
        weights: HybridWeights = HybridWeights(),
        split_steps: bool = True,
    ) -> None:
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder()
        if cache is None:
            cache = VectorCache(cache_path) if cache_path is not None else shared_cache()
        self.cache = cache
        self.mode: Mode = mode
        self.weights = weights
        self.split_steps = split_steps
        self._records: dict[tuple[str, str], Skill] = {}  # (digest, name) -> record

    def build(self, entries: Sequence[Searchable]) -> ToolRanking:
        names: dict[str, str] = {}
        records: list[Skill] = []
        if len(self._records) > MAX_RECORDS:
            self._records.clear()
        for entry in entries:
            base = name = index_name(entry.path)
            n = 1
            while name in names:  # two paths that read alike stay two tools
                n += 1
                name = f"{base}_{n}"
            names[name] = entry.path
            record = self._records.get((entry.digest, name))
            if record is None:
                record = self._records[(entry.digest, name)] = tool_record(entry, name)
            records.append(record)
        index = SkillIndex()
        if records:
            if self.mode == "lexical":
                vectors = np.zeros((len(records), 1), dtype=np.float32)
            else:
                vectors = self.cache.embed(self.embedder, [embedding_text(r) for r in records])
            for record, vector in zip(records, vectors, strict=True):
                index.upsert(record, vector)
        return ToolRanking(self, index, names)
