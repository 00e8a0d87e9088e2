"""``str.format`` and ``string.Formatter`` with their ``{0.attr}`` fields policed.

Format fields are a classic way to smuggle attribute walks past a code review
(``'{0.__class__.__init__.__globals__}'``), so they are held to a stricter rule than code:
no underscore names at all, and every other name goes through the checked getattr.

``SafeFormatter`` is a class of its own, *not* a subclass of ``string.Formatter``:
otherwise ``super(SafeFormatter, self).get_field(...)`` reaches the raw method, which
walks any attribute and hands back the object (F16). It implements the same public
methods, so a program subclass that overrides ``get_value``/``format_field``/
``convert_field``/``check_unused_args`` behaves as with the real class.
"""

from __future__ import annotations

import types
from _string import formatter_field_name_split, formatter_parser
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .checks import AttributePolicyViolation


def _not_loaded(obj: Any, name: str) -> Any:
    raise AttributePolicyViolation("format field attributes need the policy's guards loaded")


#: The checked getattr that format fields walk with. ``guards`` installs its own when it
#: is imported (it needs this module's ``safe_format_attr`` first, so the arrow runs one
#: way); until then attribute fields are refused rather than read raw.
_checked_getattr: Callable[[Any, str], Any] = _not_loaded


def use_checked_getattr(getattr_: Callable[[Any, str], Any]) -> None:
    """Make format fields read attributes with ``getattr_`` (``guards.guarded_getattr``)."""
    global _checked_getattr
    _checked_getattr = getattr_


class SafeFormatter:
    """``string.Formatter`` for the sandbox (the facade's ``string.Formatter``)."""

    def format(self, format_string: str, /, *args: Any, **kwargs: Any) -> str:
        return self.vformat(format_string, args, kwargs)

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        used_args: set[Any] = set()
        result, _ = self._vformat(format_string, args, kwargs, used_args, 2)
        self.check_unused_args(used_args, args, kwargs)
        return result

    def _vformat(
        self,
        format_string: str,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        used_args: set[Any],
        recursion_depth: int,
        auto_arg_index: int | bool = 0,
    ) -> tuple[str, int | bool]:
        if recursion_depth < 0:
            raise ValueError("Max string recursion exceeded")
        result = []
        for literal_text, field_name, format_spec, conversion in self.parse(format_string):
            if literal_text:
                result.append(literal_text)
            if field_name is None:
                continue
            if field_name == "":
                if auto_arg_index is False:
                    raise ValueError(
                        "cannot switch from manual field specification to automatic field numbering"
                    )
                field_name = str(auto_arg_index)
                auto_arg_index += 1
            elif field_name.isdigit():
                if auto_arg_index:
                    raise ValueError(
                        "cannot switch from manual field specification to automatic field numbering"
                    )
                auto_arg_index = False
            obj, arg_used = self.get_field(field_name, args, kwargs)
            used_args.add(arg_used)
            obj = self.convert_field(obj, conversion)
            format_spec, auto_arg_index = self._vformat(
                format_spec, args, kwargs, used_args, recursion_depth - 1, auto_arg_index
            )
            result.append(self.format_field(obj, format_spec))
        return "".join(result), auto_arg_index

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return args[key] if isinstance(key, int) else kwargs[key]

    def check_unused_args(
        self, used_args: set[Any], args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> None:
        pass

    def format_field(self, value: Any, format_spec: str) -> str:
        return format(value, format_spec)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is None:
            return value
        if conversion == "s":
            return str(value)
        if conversion == "r":
            return repr(value)
        if conversion == "a":
            return ascii(value)
        raise ValueError(f"Unknown conversion specifier {conversion!s}")

    def parse(self, format_string: str) -> Iterable[tuple[str, str | None, str | None, str | None]]:
        return formatter_parser(format_string)

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        first, rest = formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr and key.startswith("_"):
                raise AttributePolicyViolation(
                    f"format field attribute {key!r} is not allowed in the sandbox"
                )
            obj = _checked_getattr(obj, key) if is_attr else obj[key]
        return obj, first


_FORMATTER = SafeFormatter()


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    if "." not in template:  # no attribute fields possible: use the fast native path
        return str.format(template, *args, **kwargs)
    return _FORMATTER.vformat(template, args, kwargs)


def safe_format_map(template: str, mapping: Any, /) -> str:
    if "." not in template:
        return str.format_map(template, mapping)
    return _FORMATTER.vformat(template, (), mapping)


def safe_format_attr(obj: Any, name: str) -> Any:
    """What ``obj.format`` / ``obj.format_map`` is for a string (or for ``str``)."""
    impl = safe_format if name == "format" else safe_format_map
    if obj is str or not issubclass(type(obj), str):
        return impl
    return lambda *a, **kw: impl(obj, *a, **kw)


_RAW = {str.format: safe_format, str.format_map: safe_format_map}


def police_format_value(value: Any) -> Any:
    """A raw ``str.format``/``str.format_map`` (unbound, or bound to a string, however
    it was reached: ``super(S, s).format``...) becomes its checked equivalent."""
    try:
        replacement = _RAW.get(value)
    except TypeError:  # unhashable
        return value
    if replacement is not None:
        return replacement
    if type(value) is types.BuiltinMethodType and isinstance(value.__self__, str):
        if value.__name__ in ("format", "format_map"):
            return safe_format_attr(value.__self__, value.__name__)
    return value
