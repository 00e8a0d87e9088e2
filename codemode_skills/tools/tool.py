"""``Tool``: a host function the sandboxed program may call, with validated I/O.

The schema is generated once from pydantic models (``model_json_schema`` is the single
source); every call is validated on the host before the function runs and its return
value after, so a program can neither send a tool malformed input nor receive something
that does not match what the stub promised.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import keyword
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from ..errors import ToolDefinitionError, ToolError, ToolValidationError
from ..security.audit import Redaction
from . import blocking
from .docstrings import parse_docstring
from .schema import SchemaValidator, schema_problems

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def validate_tool_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ToolDefinitionError(
            f"invalid tool name {name!r}: use a Python identifier of at most 64 characters "
            "that starts with a letter"
        )
    return name


def bind_positional(
    name: str, args: dict[str, Any], params: list[str], positional: Sequence[Any]
) -> dict[str, Any]:
    """``f(a, b)`` from a program: give positional arguments the parameters' names, in
    the order the schema declares them (the bridge takes them off the wire)."""
    if not positional:
        return args
    if not isinstance(positional, (list, tuple)) or len(positional) > len(params):
        raise ToolValidationError(
            f"{name}() takes at most {len(params)} positional argument(s) "
            f"({', '.join(params) or 'none'})"
        )
    args = dict(args)
    for param, value in zip(params, positional, strict=False):  # fewer values than params
        if param in args:
            raise ToolValidationError(f"{name}() got multiple values for argument {param!r}")
        args[param] = value
    return args


def format_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """One line per problem, ``field.path: message``; no input values echoed at length."""
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "value"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class _AnyInput(BaseModel):
    """Placeholder model of schema-described tools (their schema validates instead)."""

    model_config = ConfigDict(extra="allow")


class Tool:
    """A callable host tool.

    Either from pydantic models: ``Tool(name=..., description=..., input_model=In,
    output_model=Out, fn=f)`` where ``f(args: In)`` returns ``Out`` (or a dict), or from a
    typed function through ``@tool``, or from raw JSON Schemas with
    ``Tool.from_schema(...)``. ``blocking=True`` runs a sync function on the blocking-tool
    pool (``tools.blocking``: bounded, capped per execution, separate from storage's
    threads) so it cannot stall other concurrent calls. ``scopes``: what a caller's
    ``ExecutionContext`` must grant for a call to run (skills calling the tool inherit
    them). ``audit``: how its inputs appear in the audit log (``"values"`` with secrets
    redacted, ``"keys"``, ``"none"``, or a ``Redaction``).
    """

    def __init__(
        self,
        *,
        name: str,
        description: str,
        fn: Callable[..., Any],
        input_model: type[BaseModel],
        output_model: Any = None,
        blocking: bool = False,
        pass_model: bool = True,
        scopes: Iterable[str] = (),
        audit: Redaction | str | None = None,
    ) -> None:
        self.name = validate_tool_name(name)
        if isinstance(scopes, str):
            raise ToolDefinitionError(f"tool {name}: scopes must be a collection of strings")
        self.scopes: frozenset[str] = frozenset(scopes)
        self.redaction = Redaction.of(audit)
        if not isinstance(input_model, type) or not issubclass(input_model, BaseModel):
            raise ToolDefinitionError(f"tool {name}: input_model must be a pydantic model class")
        self._schema_in: SchemaValidator | None = None
        self._schema_out: SchemaValidator | None = None
        self.description = inspect.cleandoc(description or "").strip()
        self.fn = fn
        self.input_model = input_model
        self.output_model = output_model
        self.blocking = blocking
        self._pass_model = pass_model
        self._is_async = inspect.iscoroutinefunction(fn)
        self._output = TypeAdapter(output_model) if output_model is not None else None
        self.input_schema: dict[str, Any] = input_model.model_json_schema()
        self.output_schema: dict[str, Any] | None = (
            self._output.json_schema() if self._output is not None else None
        )

    @classmethod
    def from_schema(
        cls,
        *,
        name: str,
        description: str,
        fn: Callable[[dict[str, Any]], Any],
        input_schema: dict[str, Any],
        output_schema: dict[str, Any] | None = None,
        scopes: Iterable[str] = (),
        audit: Redaction | str | None = None,
    ) -> Tool:
        """A tool described by JSON Schemas (validated with ``jsonschema``); ``fn``
        receives the validated arguments as a dict."""
        problems = _definition_problems(
            json.dumps(input_schema, sort_keys=True),
            json.dumps(output_schema or {}, sort_keys=True),
        )
        if problems:
            raise ToolDefinitionError(f"tool {name}: " + "; ".join(problems))
        self = cls(
            name=name,
            description=description,
            fn=fn,
            input_model=_AnyInput,
            scopes=scopes,
            audit=audit,
        )
        self.input_schema = input_schema
        self.output_schema = output_schema or None
        self._schema_in = SchemaValidator(input_schema)
        self._schema_out = SchemaValidator(output_schema or {})
        return self

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"

    def parameters_schema(self) -> dict[str, Any]:
        """The JSON Schema a model adapter sends as the tool's parameters."""
        return self.input_schema

    @property
    def inline(self) -> bool:
        """A plain sync tool: cheap enough to call straight from the I/O callback."""
        return not self._is_async and not self.blocking

    def _params(self) -> list[str]:
        return list(self.input_schema.get("properties", {}))

    def _bind(self, args: dict[str, Any], positional: Sequence[Any] = ()) -> Any:
        """Validate ``args`` and return a zero-argument callable that runs the tool."""
        if positional:  # (the schema's parameter list is read only when needed)
            args = bind_positional(self.name, args, self._params(), positional)
        if self._schema_in is not None:
            self._raise_input_problems(self._schema_in.problems(args))
            return lambda: self.fn(args)
        try:
            model = self.input_model.model_validate(args)
        except ValidationError as exc:
            raise ToolValidationError(
                f"{self.name}(): invalid input: {format_validation_error(exc)}"
            ) from None
        if self._pass_model:
            return lambda: self.fn(model)
        kwargs = {k: getattr(model, k) for k in type(model).model_fields}
        return lambda: self.fn(**kwargs)

    def invoke_inline(self, args: dict[str, Any], *, positional: Sequence[Any] = ()) -> Any:
        """``invoke`` for an ``inline`` tool, without an event loop round."""
        call = self._bind(args, positional)
        try:
            value = call()
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(f"{self.name}() failed: {type(exc).__name__}: {exc}") from exc
        if inspect.isawaitable(value):
            close = getattr(value, "close", None)
            if close is not None:
                close()
            raise ToolError(f"{self.name}() returned an awaitable: declare the function async")
        return self.encode_output(value)

    async def invoke(self, args: dict[str, Any], *, positional: Sequence[Any] = ()) -> Any:
        """Validate ``args``, call the function, validate and JSON-encode its result.

        JSON Schemas (``from_schema``: a skill's, written by a model) are applied on the
        schema pool, never on the event loop."""
        if self._schema_in is not None:
            if positional:
                args = bind_positional(self.name, args, self._params(), positional)
            self._raise_input_problems(await self._schema_in.check(args))
            call = functools.partial(self.fn, args)
        else:
            call = self._bind(args, positional)
        try:
            if self._is_async:
                value = await call()
            elif self.blocking:  # its own bounded pool, never storage's (F14)
                value = await blocking.runner().run(call)
            else:
                value = call()
                if inspect.isawaitable(value):
                    value = await value
        except (ToolError, asyncio.CancelledError):
            raise
        except Exception as exc:
            raise ToolError(f"{self.name}() failed: {type(exc).__name__}: {exc}") from exc
        if self._schema_out is not None:
            encoded = self._json(value)
            self._raise_output_problems(await self._schema_out.check(encoded))
            return encoded
        return self.encode_output(value)

    def encode_output(self, value: Any) -> Any:
        if self._schema_out is not None:
            encoded = self._json(value)
            self._raise_output_problems(self._schema_out.problems(encoded))
            return encoded
        if self._output is None:
            try:
                return TypeAdapter(Any).dump_python(value, mode="json")
            except Exception as exc:
                raise ToolValidationError(
                    f"{self.name}() returned a value that is not JSON: {exc}"
                ) from None
        try:
            checked = self._output.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            raise ToolValidationError(
                f"{self.name}() returned an invalid result: {format_validation_error(exc)}"
            ) from None
        return self._output.dump_python(checked, mode="json")

    def _json(self, value: Any) -> Any:
        try:
            return TypeAdapter(Any).dump_python(value, mode="json")
        except Exception as exc:
            raise ToolValidationError(
                f"{self.name}() returned a value that is not JSON: {exc}"
            ) from None

    def _raise_input_problems(self, problems: str | None) -> None:
        if problems:
            raise ToolValidationError(f"{self.name}(): invalid input: {problems}")

    def _raise_output_problems(self, problems: str | None) -> None:
        if problems:
            raise ToolValidationError(f"{self.name}() returned an invalid result: {problems}")


@functools.lru_cache(maxsize=512)
def _definition_problems(input_json: str, output_json: str) -> tuple[str, ...]:
    """``schema_problems`` of a tool's schemas, by their text: a skill becomes a tool on
    every request that selects it, and checking a large schema costs up to ~0.5 s of the
    event loop's time."""
    return (
        *schema_problems(json.loads(input_json), "input_schema"),
        *schema_problems(json.loads(output_json), "output_schema"),
    )


def _model_from_function(
    fn: Callable[..., Any], name: str, param_docs: dict[str, str]
) -> type[BaseModel]:
    try:
        hints = get_type_hints(fn, include_extras=True)
    except Exception as exc:
        raise ToolDefinitionError(f"tool {name}: cannot resolve type hints: {exc}") from None
    fields: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"tool {name}: *args/**kwargs cannot be described as a schema"
            )
        if pname not in hints:
            raise ToolDefinitionError(f"tool {name}: parameter {pname!r} needs a type annotation")
        default = ... if param.default is param.empty else param.default
        fields[pname] = (hints[pname], Field(default, description=param_docs.get(pname)))
    title = "".join(part.title() for part in name.split("_")) + "Input"
    return create_model(title, __config__=ConfigDict(extra="forbid"), **fields)


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    blocking: bool = False,
    scopes: Iterable[str] = (),
    audit: Redaction | str | None = None,
) -> Any:
    """Turn a typed (sync or async) function into a ``Tool``.

    The docstring's first paragraph is the description; a Google-style ``Args:`` section
    gives the parameter descriptions. The return annotation is the output schema.
    """

    def build(f: Callable[..., Any]) -> Tool:
        tool_name = name or f.__name__
        summary, param_docs = parse_docstring(f.__doc__ or "")
        input_model = _model_from_function(f, tool_name, param_docs)
        ret = inspect.signature(f).return_annotation
        hints = get_type_hints(f, include_extras=True)
        output = hints.get("return") if ret is not inspect.Signature.empty else None
        if output is type(None):
            output = None
        return Tool(
            name=tool_name,
            description=description if description is not None else summary,
            fn=f,
            input_model=input_model,
            output_model=output,
            blocking=blocking,
            pass_model=False,
            scopes=scopes,
            audit=audit,
        )

    return build(fn) if fn is not None else build


ToolFn = Callable[..., Awaitable[Any]]
