"""JSON Schema checks for things described by a schema rather than a pydantic model
(skills, and tools built from a raw schema): is the schema valid, does a value match."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def schema_problems(schema: Any, label: str) -> list[str]:
    """Why ``schema`` is not a usable JSON Schema (empty list: it is)."""
    if not isinstance(schema, dict):
        return [f"{label} must be a JSON object (a JSON Schema), not {type(schema).__name__}"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        return [f"{label} is not a valid JSON Schema at {where}: {exc.message}"]
    return []


class SchemaValidator:
    """Validates values against one (already checked) JSON Schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator = Draft202012Validator(schema) if schema else None

    def problems(self, value: Any, limit: int = 5) -> str | None:
        """``None`` when ``value`` matches; else one line per problem, ``path: message``."""
        if self._validator is None:
            return None
        errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.path))
        if not errors:
            return None
        parts = []
        for err in errors[:limit]:
            where = ".".join(str(p) for p in err.path) or "value"
            message = err.message if len(err.message) <= 200 else err.message[:200] + "..."
            parts.append(f"{where}: {message}")
        more = len(errors) - limit
        return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
