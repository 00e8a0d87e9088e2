"""Models: the ``Model`` protocol and adapters (OpenAI-compatible, Anthropic, scripted).

The SDKs are imported when an adapter is created, so ``import codemode_skills.models``
works without the ``openai``/``anthropic`` extras.
"""

from .anthropic import AnthropicModel
from .base import Message, Model, ModelError, ModelResponse, ToolCall, Usage
from .llamacpp import LlamaCppModel
from .openai import OpenAIModel
from .scripted import ScriptedModel

__all__ = [
    "AnthropicModel",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelError",
    "ModelResponse",
    "OpenAIModel",
    "ScriptedModel",
    "ToolCall",
    "Usage",
]
