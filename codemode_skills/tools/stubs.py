"""Render host tools as Python stub text for an LLM's system prompt.

The model writes Python that calls host tools, and it learns their signatures only from
these stubs. They are read, never imported, so they favour readability (TypedDict classes,
``Literal``, ``X | None``) over typing precision, but they must always be valid Python:
a prompt that shows broken syntax teaches the model broken syntax.
"""

from __future__ import annotations

import inspect
import json
import keyword
import re
import textwrap
from typing import Any

Schema = dict[str, Any]

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
# Names the stubs rely on; a model titled "Literal" must not shadow them.
_RESERVED = {"Any", "Literal", "TypedDict", "NotRequired", "None", "dict", "list", "tuple"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_COMMENT_MAX = 100
_LINE_MAX = 100


def _clean(text: Any) -> str:
    """Make arbitrary description text safe to embed (no NULs, CRs or lone surrogates)."""
    text = str(text).replace("\r\n", "\n").encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub(" ", text)


def _identifier(text: str) -> str:
    """Make ``text`` a valid ASCII identifier: tool names may contain '-', '.' or '/'."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", text) or "_"
    ident = "_" + ident if ident[0].isdigit() else ident
    return ident + "_" if keyword.iskeyword(ident) else ident


def _camel(text: str) -> str:
    """CamelCase class name from a title such as 'Page[Item]' or 'get_weather'."""
    parts = re.split(r"[^0-9A-Za-z]+", text)
    return _identifier("".join(p[:1].upper() + p[1:] for p in parts if p) or "Model")


def _plain_name(name: str) -> bool:
    """Whether a JSON key can be written as a Python parameter or class-body field.

    Keywords cannot; neither can ``__x`` names, which a class body would mangle, nor
    non-ASCII ones, which Python NFKC-normalises so the key could silently change.
    """
    mangled = name.startswith("__") and not name.endswith("__")
    return name.isascii() and name.isidentifier() and not keyword.iskeyword(name) and not mangled


def _py_value(value: Any) -> str:
    """A JSON value as a Python literal (null -> None), strings double-quoted like ruff."""
    if isinstance(value, str):
        text = repr(value)
        return '"' + text[1:-1] + '"' if text[0] == "'" and '"' not in value else text
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_py_value, value)) + "]"
    if isinstance(value, dict):
        items = (f"{_py_value(str(k))}: {_py_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


def _literal(value: Any) -> str:
    """The union member for one enum/const value; objects and arrays cannot be Literals."""
    if value is None or isinstance(value, (list, dict)):
        return "None" if value is None else "Any"
    return f"Literal[{_py_value(value)}]"


def _join(parts: list[str]) -> str:
    """Join union members: dedupe, merge Literals into one, put None last, Any absorbs all."""
    unique = list(dict.fromkeys(parts))
    if not unique or "Any" in unique:
        return "Any"
    literals = [p for p in unique if p.startswith("Literal[")]
    first, merged = literals[:1], "Literal[" + ", ".join(p[8:-1] for p in literals) + "]"
    out = [merged if [p] == first else p for p in unique if p not in [*literals[1:], "None"]]
    return " | ".join(out + (["None"] if "None" in unique else []))


def _resolve(ref: str, root: Schema) -> Any:
    """Follow a local JSON pointer such as ``#/$defs/Item``; None for remote refs."""
    node: Any = root if ref.startswith("#") else None
    for token in filter(None, ref[1:].split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    return node


def _deref(schema: Any, root: Schema) -> Any:
    """Follow a chain of whole-schema $refs (bounded, so a ref cycle cannot hang)."""
    for _ in range(32):
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            schema = _resolve(schema["$ref"], root)
    return schema


def _names(value: Any) -> set[str]:
    """The string entries of a ``required`` list (tolerating malformed schemas)."""
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def _is_class(schema: Any) -> bool:
    """Objects with declared properties become TypedDict stubs; others stay inline."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    return isinstance(props, dict) and bool(props) and schema.get("type", "object") == "object"


def _note(schema: Any, *, comment: bool) -> str:
    """A field's description, format and (for class comments) default, on one line.

    Function parameters show their default in the signature, so ``Args`` entries skip it
    and exist only for described fields; class fields have nowhere else to show either.
    """
    if not isinstance(schema, dict) or not (comment or schema.get("description")):
        return ""
    members = [schema] + [s for k in ("anyOf", "oneOf") for s in schema.get(k) or []]
    fmt = next((s["format"] for s in members if isinstance(s, dict) and "format" in s), None)
    extras = [f"format: {fmt}"] if fmt is not None else []
    if comment and schema.get("default") is not None:
        extras.append(f"default: {_py_value(schema['default'])}")
    text = str(schema.get("description") or "")
    if extras:
        text = f"{text} ({', '.join(extras)})" if text else ", ".join(extras)
    line = " ".join(_clean(text).split())
    limit = _COMMENT_MAX if comment else len(line)
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def _docstring(text: str, indent: str) -> str:
    """A triple-quoted docstring that survives quotes and backslashes in the text."""
    body = _clean(text).rstrip().replace("\\", "\\\\")
    # Escape each quote that touches another quote or ends the text: no run of three
    # unescaped quotes can then form, not even with the closing delimiter.
    lines = re.sub(r'"(?=")|"$', r'\\"', body).splitlines() or [""]
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    rest = "\n".join(f"{indent}{ln}".rstrip() for ln in lines[1:])
    return f'{indent}"""{lines[0]}\n{rest}\n{indent}"""'


#: Nesting depth past which a stub says ``Any``: a prompt needs no deeper types, and a
#: stored schema (registered before registration bounded schemas) may nest hundreds deep.
MAX_STUB_DEPTH = 16
#: Schema nodes one prompt's stubs may visit before the rest are ``Any``: a reference
#: graph whose every level refers twice to the next would otherwise expand
#: exponentially, on the host's event loop, per request.
MAX_STUB_NODES = 5_000


class StubContext:
    """Collects TypedDict stubs for the object schemas met while annotating.

    One context is shared by all tools of a prompt so a model used by several tools is
    printed once. Classes are keyed by a fingerprint of their schema (including every $ref
    target it reaches), so equal schemas share a name while different schemas that want
    the same name get a numeric suffix.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}  # schema fingerprint -> class name
        # A class's text is stored only after its body is rendered, and rendering the body
        # stores every class it uses first, so insertion order is already dependency order.
        self._code: dict[str, str] = {}
        self._active_refs: set[tuple[int, str]] = set()  # guards non-class recursive refs
        self._depth = 0
        self._budget = MAX_STUB_NODES

    def render_classes(self) -> str:
        """All collected classes, each after the classes its fields use (cycles aside)."""
        return "\n\n".join(self._code.values())

    def annotate(self, schema: Any, root: Schema, hint: str) -> str:
        """Type expression for ``schema``; ``hint`` names classes for untitled objects."""
        return _join(self._members(schema, root, hint))

    def _members(self, schema: Any, root: Schema, hint: str) -> list[str]:
        """Union members of a schema, flattened so nested unions dedupe together."""
        if not isinstance(schema, dict) or not schema:
            return ["Any"]
        if self._depth >= MAX_STUB_DEPTH or self._budget <= 0:
            return ["Any"]  # bounded work whatever the schema (see MAX_STUB_NODES)
        self._budget -= 1
        self._depth += 1
        try:
            parts = self._parts(schema, root, hint)
        finally:
            self._depth -= 1
        return [*parts, "None"] if schema.get("nullable") is True else parts  # OpenAPI 3.0

    def _parts(self, schema: Schema, root: Schema, hint: str) -> list[str]:
        """Union members for one schema (a single member unless it is a union)."""
        if isinstance(schema.get("$ref"), str):
            return self._ref(schema["$ref"], root, hint)
        if "const" in schema or isinstance(schema.get("enum"), list):
            values = [schema["const"]] if "const" in schema else schema["enum"]
            return [_literal(v) for v in values]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return [p for s in schema[key] for p in self._members(s, root, hint)]
        if isinstance(schema.get("allOf"), list):
            return self._all_of(schema, root, hint)
        kind = schema.get("type")
        if isinstance(kind, list):
            return [p for k in kind for p in self._members({**schema, "type": k}, root, hint)]
        if kind in _SCALARS:
            return [_SCALARS[kind]]
        if kind == "array" or (kind is None and ("items" in schema or "prefixItems" in schema)):
            return [self._array(schema, root, hint)]
        object_keys = ("properties", "additionalProperties", "patternProperties")
        if kind == "object" or (kind is None and any(k in schema for k in object_keys)):
            return [self._object(schema, root, hint)]
        return ["Any"]

    def _ref(self, ref: str, root: Schema, hint: str) -> list[str]:
        """Resolve a $ref; classes are named, so recursion stops at the name."""
        target = _resolve(ref, root)
        def_name = ref.rsplit("/", 1)[-1].lstrip("#") or hint
        if _is_class(target):
            return [self._class(target, root, def_name)]
        key = (id(root), ref)
        if not isinstance(target, dict) or key in self._active_refs:
            return ["Any"]  # unresolvable, or a recursive non-object alias
        self._active_refs.add(key)
        try:
            return self._members(target, root, def_name)
        finally:
            self._active_refs.discard(key)

    def _all_of(self, schema: Schema, root: Schema, hint: str) -> list[str]:
        """pydantic wraps a lone $ref in allOf; several members are merged shallowly."""
        members = [m for m in schema["allOf"] if isinstance(m, dict)]
        if len(members) == 1:  # keep the target's identity so the class is shared
            return self._members(members[0], root, hint)
        refs = {(id(root), m["$ref"]) for m in members if isinstance(m.get("$ref"), str)}
        if refs & self._active_refs:  # merging would expand the same $ref forever
            return ["Any"]
        merged: Schema = {k: v for k, v in schema.items() if k != "allOf"}
        for member in (_deref(m, root) for m in members):
            for key, value in (member if isinstance(member, dict) else {}).items():
                if key == "properties" and isinstance(value, dict):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        self._active_refs |= refs
        try:
            return self._members(merged, root, hint)
        finally:
            self._active_refs -= refs

    def _array(self, schema: Schema, root: Schema, hint: str) -> str:
        """``list[X]``, or ``tuple[A, B]`` for prefixItems (or draft-4 list-form items)."""
        items = schema.get("items")
        prefix = items if isinstance(items, list) else schema.get("prefixItems")
        if isinstance(prefix, list) and prefix:
            members = (self.annotate(s, root, f"{hint}Item{i}") for i, s in enumerate(prefix))
            return f"tuple[{', '.join(members)}]"
        return f"list[{self.annotate(items, root, hint + 'Item')}]"

    def _object(self, schema: Schema, root: Schema, hint: str) -> str:
        """A named class when properties are declared, else a ``dict[str, X]``."""
        if _is_class({**schema, "type": "object"}):
            return self._class(schema, root, hint)
        values, patterns = schema.get("additionalProperties"), schema.get("patternProperties")
        if not isinstance(values, dict) and isinstance(patterns, dict) and len(patterns) == 1:
            values = next(iter(patterns.values()))
        return f"dict[str, {self.annotate(values, root, hint + 'Value')}]"

    def _fingerprint(self, schema: Schema, root: Schema) -> str:
        """Identity of a class schema: its JSON plus every $ref target reachable from it."""
        refs: dict[str, Any] = {}
        todo: list[Any] = [schema]
        while todo:
            node = todo.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref not in refs:
                    refs[ref] = _resolve(ref, root)
                    todo.append(refs[ref])
                todo.extend(v for k, v in node.items() if k not in ("$defs", "definitions"))
            elif isinstance(node, list):
                todo.extend(node)
        body = {k: v for k, v in schema.items() if k not in ("$defs", "definitions")}
        return json.dumps([body, refs], sort_keys=True, default=str)

    def _class(self, schema: Schema, root: Schema, hint: str) -> str:
        """Name of the class stub for ``schema``, rendering it on first sight."""
        key = self._fingerprint(schema, root)
        name = self._by_key.get(key)
        if name is None:
            title = schema.get("title")
            base = _camel(title if isinstance(title, str) and title else hint)
            name, n = base, 2
            while name in self._by_key.values() or name in _RESERVED:
                name, n = f"{base}{n}", n + 1
            self._by_key[key] = name  # registered before the body, so recursion ends here
            self._code[name] = self._render_class(name, schema, root)
        return name

    def _render_class(self, name: str, schema: Schema, root: Schema) -> str:
        """TypedDict stub; the functional form when a key is not a usable identifier."""
        required = _names(schema.get("required"))
        fields: list[tuple[str, str, str]] = []
        for field, sub in schema["properties"].items():
            ann = self.annotate(sub, root, name + _camel(str(field)))
            note = _note(sub, comment=True)
            ann = ann if field in required else f"NotRequired[{ann}]"
            fields.append((str(field), ann, f"  # {note}" if note else ""))
        doc = inspect.cleandoc(_clean(schema.get("description") or ""))
        if all(_plain_name(f) for f, _, _ in fields):
            lines = [f"class {name}(TypedDict):"] + ([_docstring(doc, "    ")] if doc else [])
            return "\n".join(lines + [f"    {f}: {ann}{c}" for f, ann, c in fields])
        lines = [f"# {ln}".rstrip() for ln in doc.splitlines()]
        lines += [f"{name} = TypedDict(", f'    "{name}",', "    {"]
        lines += [f"        {_py_value(f)}: {ann},{c}" for f, ann, c in fields]
        return "\n".join([*lines, "    },", ")"])


def schema_to_annotation(
    schema: dict, ctx: StubContext, *, root: dict | None = None, name_hint: str = "Model"
) -> str:
    """Python type expression for a JSON Schema; nested objects are collected in ``ctx``.

    ``root`` is the document $refs resolve against (default: ``schema`` itself);
    ``name_hint`` names an untitled object class.
    """
    return ctx.annotate(schema, schema if root is None else root, _camel(name_hint))


def render_function_stub(
    name: str,
    description: str,
    input_schema: dict,
    output_schema: dict | None,
    ctx: StubContext,
    *,
    prefix: str = "",
) -> str:
    """An ``async def`` stub for one tool; ``prefix`` is prepended to the function name.

    Properties whose keys are not identifiers cannot be parameters; they are offered as
    ``**kwargs`` and documented with their JSON key so the model can still pass them.
    """
    func = _identifier(prefix + name)
    hint = _camel(func)
    root = input_schema if isinstance(input_schema, dict) else {}
    schema = _deref(root, root)  # recursive pydantic models put a $ref at the top level
    props = schema.get("properties") if isinstance(schema, dict) else None
    props = props if isinstance(props, dict) and isinstance(schema, dict) else {}
    required = _names(schema.get("required")) if props else set()
    needed: list[str] = []
    optional: list[str] = []
    args: list[str] = []
    for key, sub in props.items():
        ann, note = ctx.annotate(sub, root, hint + _camel(str(key))), _note(sub, comment=False)
        if not _plain_name(str(key)):
            args.append(f"{_py_value(str(key))} (pass via **{{...}}, {ann}): {note}".rstrip())
            continue
        args += [f"{key}: {note}"] if note else []
        if key in required:
            needed.append(f"{key}: {ann}")
        else:
            default = sub.get("default") if isinstance(sub, dict) else None
            optional.append(f"{key}: {ann} = {_py_value(default)}")
    extra = "kwargs"
    while extra in props:  # a property may itself be called "kwargs"
        extra += "_"
    params = (
        needed + optional + ([f"**{extra}: Any"] if len(props) > len(needed + optional) else [])
    )
    ret = ctx.annotate(output_schema, output_schema, hint + "Result") if output_schema else "Any"
    head = f"async def {func}({', '.join(params)}) -> {ret}:"
    if len(head) > _LINE_MAX:
        head = f"async def {func}(\n" + "".join(f"    {p},\n" for p in params) + f") -> {ret}:"
    doc = inspect.cleandoc(_clean(description or ""))
    if args:
        wrap = textwrap.TextWrapper(_LINE_MAX - 8, subsequent_indent="    ", break_long_words=False)
        entries = "\n".join(wrap.fill(a) for a in args)
        doc = (doc + "\n\n" if doc else "") + "Args:\n" + textwrap.indent(entries, "    ")
    return head + "\n" + (_docstring(doc, "    ") if doc else "    ...")


def render_stubs(tools: list[tuple[str, str, dict, dict | None]]) -> str:
    """Stubs for many tools sharing one context: class stubs first, then functions."""
    ctx = StubContext()
    functions = [render_function_stub(n, d, i, o, ctx) for n, d, i, o in tools]
    classes = ctx.render_classes()
    return "\n\n".join(([classes] if classes else []) + functions)
