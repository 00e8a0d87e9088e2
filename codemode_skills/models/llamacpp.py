"""``LlamaCppModel``: any local GGUF model in-process through ``llama-cpp-python``.

Optional (extra ``local``: ``llama-cpp-python==0.3.36``, which compiles for ~13 minutes).
Tool calls and structured answers are constrained by a JSON-schema grammar, so even a
small model answers in a shape we can parse: with tools, the reply is one of
``{"tool": <name>, "arguments": {...}}`` (the names an enum, the arguments the tool's
schema) or ``{"answer": "..."}``. The fixed part of the prompt (system prompt and tool
list) comes first, so llama.cpp reuses its cached prefix between turns. Threads default
to the cores this process may use.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import uuid
from typing import Any

from .base import Message, ModelError, ModelResponse, ToolCall, Usage


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _reply_schema(tools: list[Any]) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    ] + [
        {
            "type": "object",
            "properties": {"tool": {"const": t.name}, "arguments": t.parameters_schema()},
            "required": ["tool", "arguments"],
        }
        for t in tools
    ]
    return {"anyOf": options}


def _tool_list(tools: list[Any]) -> str:
    lines = [
        'Tools (reply {"tool": name, "arguments": {...}} to call one, '
        'or {"answer": text} when done):'
    ]
    for t in tools:
        lines.append(f"- {t.name}: {t.description} Arguments: {json.dumps(t.parameters_schema())}")
    return "\n".join(lines)


class LlamaCppModel:
    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        name: str | None = None,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        n_threads_batch: int | None = None,
        temperature: float = 0.1,
        max_tokens: int = 768,
        seed: int = 7,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - optional extra
            raise ModelError("LlamaCppModel needs: pip install 'codemode-skills[local]'") from exc
        self.name = name or os.path.basename(str(model_path))
        self.temperature = temperature
        self.max_tokens = max_tokens
        cores = _cores()
        self._llm = Llama(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_threads=n_threads or cores,
            n_threads_batch=n_threads_batch or cores,
            seed=seed,
            verbose=False,
        )
        self._lock = threading.Lock()  # one generation at a time per loaded model

    def _wire(self, messages: list[Message], system: str) -> list[dict[str, str]]:
        out = [{"role": "system", "content": system}] if system else []
        by_id = {c.id: c for m in messages for c in m.tool_calls}
        for m in messages:
            if m.role == "tool":  # say which call this answers: small models lose track
                c = by_id.get(m.tool_call_id or "")
                what = f"{c.name}({json.dumps(c.arguments)})" if c else (m.name or "the tool")
                out.append(
                    {
                        "role": "user",
                        "content": f"Result of {what}: {m.content}\n"
                        'If this answers the question, reply {"answer": ...} now.',
                    }
                )
            elif m.role == "assistant" and m.tool_calls:
                calls = [{"tool": c.name, "arguments": c.arguments} for c in m.tool_calls]
                out.append({"role": "assistant", "content": json.dumps(calls[0])})
            elif m.role in ("user", "assistant"):
                out.append({"role": m.role, "content": m.content})
        return out

    def _generate(
        self, wire: list[dict[str, str]], schema: dict[str, Any] | None, max_tokens: int
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "messages": wire,
            "temperature": self.temperature,
            "max_tokens": max_tokens,
        }
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._lock:
            return self._llm.create_chat_completion(**kwargs)

    async def complete(
        self,
        messages: list[Message],
        *,
        system: str | None = None,
        tools: list[Any] | None = None,
        response_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> ModelResponse:
        fixed = system or ""
        schema = response_schema
        if tools and response_schema is None:
            fixed = (fixed + "\n\n" + _tool_list(tools)).strip()
            schema = _reply_schema(tools)
        out = await asyncio.to_thread(
            self._generate, self._wire(messages, fixed), schema, max_tokens or self.max_tokens
        )
        text = out["choices"][0]["message"].get("content") or ""
        usage = out.get("usage") or {}
        result = ModelResponse(
            text=text,
            stop_reason=out["choices"][0].get("finish_reason"),
            usage=Usage(
                input_tokens=usage.get("prompt_tokens", 0),
                output_tokens=usage.get("completion_tokens", 0),
            ),
        )
        if tools and response_schema is None:
            try:
                reply = json.loads(text)
            except ValueError:
                return result
            if isinstance(reply, dict) and "tool" in reply:
                call = ToolCall(
                    id=uuid.uuid4().hex[:12],
                    name=str(reply["tool"]),
                    arguments=reply.get("arguments") or {},
                )
                return result.model_copy(update={"text": "", "tool_calls": [call]})
            if isinstance(reply, dict) and "answer" in reply:
                return result.model_copy(update={"text": str(reply["answer"])})
        return result
