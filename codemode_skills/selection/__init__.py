"""Selection: which skills to expose for a request (embeddings, BM25, a cheap model)."""

from .embedder import Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from .index import SkillIndex
from .retrieval import HybridWeights
from .selector import Candidate, Selection, SkillSelector
from .steps import split_steps
from .tool_index import ToolIndex

__all__ = [
    "Candidate",
    "Embedder",
    "HybridWeights",
    "OpenAIEmbedder",
    "Selection",
    "SentenceTransformerEmbedder",
    "SkillIndex",
    "SkillSelector",
    "ToolIndex",
    "split_steps",
]
