"""Tools: typed host functions, their JSON Schema, validation and Python stubs."""

from .stubs import render_stubs
from .tool import Tool, format_validation_error, tool

__all__ = ["Tool", "format_validation_error", "render_stubs", "tool"]
