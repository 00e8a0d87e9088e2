"""Models: the ``Model`` protocol and adapters (scripted now; OpenAI/Anthropic follow)."""

from .base import Message, Model, ModelError, ModelResponse, ToolCall, Usage
from .scripted import ScriptedModel

__all__ = [
    "Message",
    "Model",
    "ModelError",
    "ModelResponse",
    "ScriptedModel",
    "ToolCall",
    "Usage",
]
