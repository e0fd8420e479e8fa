"""What the start of JSON text says about it, without parsing the rest: enough for
:func:`qfmt.detect` to see that a format's schema must refuse the payload.

:class:`Probe` reads one JSON value at an offset of the text: its type from the first byte
and, only when asked, a scalar's value, an object's first key and value, an array's first item.
:func:`schema_refuses` answers True only when every document starting so is refused by the
schema (draft-07): the type, ``required`` keys absent from the whole text, and the first
member or item against what applies to it (``propertyNames``, ``properties``,
``additionalProperties``, ``items``), through local ``$ref``, ``allOf``, ``anyOf`` and
``oneOf``. Everything else it does not know about, it answers False (the caller then parses).
Text that is not valid JSON no JSON format reads, so a wrong guess on it changes no answer.
"""

from __future__ import annotations

import re
from typing import Any, cast

__all__ = ["Probe", "schema_refuses"]

_WS = b" \t\n\r"
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_UNKNOWN = object()
_TYPES = {ord("{"): "object", ord("["): "array", ord('"'): "string", ord("t"): "boolean",
          ord("f"): "boolean", ord("n"): "null", ord("-"): "number",
          **{c: "number" for c in b"0123456789"}}
_LITERALS = {b"true": True, b"false": False, b"null": None}
#: how deep the first members are followed (a probe per level, never a loop over the text)
MAX_PROBE_DEPTH = 6


def _skip(raw: bytes, i: int) -> int:
    n = len(raw)
    while i < n and raw[i] in _WS:
        i += 1
    return i


#: The longest string a probe reads (bytes): a longer one (a hostile key of megabytes) is
#: not looked at, so a probe costs the same whatever the text.
MAX_PROBE_STRING = 4096
#: The longest number a probe reads (characters); longer ones are outside 64 bits anyway.
MAX_PROBE_NUMBER = 400
_CONTROL = bytes(range(0x20))
#: A text with at most this many quotes has its strings listed once (each a memchr away)
#: rather than searched for each required key (a pass over the whole text each).
_FEW_QUOTES = 256


def _quotes(raw: bytes, limit: int) -> list[int] | None:
    """The offsets of the quotes of ``raw``, each found at memchr speed; None when there are
    more than ``limit``."""
    out: list[int] = []
    at = raw.find(b'"')
    while at >= 0:
        if len(out) == limit:
            return None
        out.append(at)
        at = raw.find(b'"', at + 1)
    return out


def _string_at(raw: bytes, i: int) -> tuple[Any, int]:
    """The string literal starting at ``raw[i] == '"'`` and the offset after it; _UNKNOWN
    (with -1) when it holds an escape, is not UTF-8 or is longer than
    :data:`MAX_PROBE_STRING` bytes (the caller then knows nothing)."""
    j = raw.find(b'"', i + 1, i + 2 + MAX_PROBE_STRING)
    if j < 0:
        return _UNKNOWN, -1
    body = raw[i + 1:j]
    if b"\\" in body or len(body.translate(None, _CONTROL)) != len(body):
        return _UNKNOWN, -1
    try:
        return body.decode("utf-8"), j + 1
    except UnicodeDecodeError:
        return _UNKNOWN, -1


class Probe:
    """The JSON value starting at offset ``at`` of ``raw`` (leading whitespace skipped)."""

    def __init__(self, raw: bytes, at: int = 0, depth: int = 0,
                 root: Probe | None = None) -> None:
        self.raw = raw
        self.at = _skip(raw, at)
        self.depth = depth
        self.type: str | None = _TYPES.get(raw[self.at]) if self.at < len(raw) else None
        self._root = self if root is None else root
        self._escapes: bool | None = None
        self._value: Any = None
        self._member: Any = None
        self._absent: dict[str, bool] = {}
        self._strings: set[bytes] | None = None
        self._many_quotes = False

    def _few_strings(self) -> set[bytes] | None:
        """The strings of a text with at most _FEW_QUOTES quotes (a text of a few huge
        strings), found once at memchr speed; None for a text with more quotes."""
        root = self._root
        if root._strings is None and not root._many_quotes:
            quotes = _quotes(root.raw, _FEW_QUOTES)
            if quotes is None:
                root._many_quotes = True
            else:
                root._strings = {root.raw[a + 1:b] for a, b in zip(quotes[0::2], quotes[1::2])
                                 if b - a <= MAX_PROBE_STRING}
        return root._strings

    @property
    def escapes(self) -> bool:
        """Whether the text has any backslash (then a key may be written escaped)."""
        root = self._root
        if root._escapes is None:
            root._escapes = b"\\" in self.raw
        return root._escapes

    def absent(self, name: str) -> bool:
        """Whether the key ``name`` is written nowhere in the text (known only when the text
        has no escapes and the name needs none)."""
        root = self._root
        cache = root._absent
        if name not in cache:
            if self.escapes or not name.isprintable() or '"' in name:
                cache[name] = False
            elif len(name) < MAX_PROBE_STRING // 4 and root._few_strings() is not None:
                cache[name] = name.encode() not in cast(set[bytes], root._strings)
            else:
                cache[name] = f'"{name}"'.encode() not in root.raw
        return cache[name]

    def value(self) -> Any:
        """A scalar's value, or _UNKNOWN (containers, escaped strings, odd text)."""
        if self._value is None:
            self._value = self._read_scalar()
        return self._value

    def _read_scalar(self) -> Any:
        raw, i = self.raw, self.at
        if self.type == "string":
            return _string_at(raw, i)[0]
        if self.type == "number":
            m = _NUMBER.match(raw, i, i + MAX_PROBE_NUMBER)
            if m is None or m.end() == i + MAX_PROBE_NUMBER:
                return _UNKNOWN
            token = m.group()
            if b"." in token or b"e" in token or b"E" in token:
                return float(token)
            number = int(token)
            return number if -(2**63) <= number < 2**64 else _UNKNOWN
        for word, val in _LITERALS.items():
            if raw.startswith(word, i):
                return val
        return _UNKNOWN

    def empty(self) -> bool:
        """Whether this object or array is empty (``{}`` / ``[]``)."""
        return self.type in ("object", "array") and \
            _skip(self.raw, self.at + 1) < len(self.raw) and \
            self.raw[_skip(self.raw, self.at + 1)] in b"}]"

    def first(self) -> tuple[Any, Probe | None]:
        """An object's first key and a probe of its value, an array's (None, first item's
        probe); (_UNKNOWN, None) when not known (empty, escaped key, too deep, odd text)."""
        if self._member is None:
            self._member = self._read_first()
        out: tuple[Any, Probe | None] = self._member
        return out

    def _read_first(self) -> tuple[Any, Probe | None]:
        if self.depth >= MAX_PROBE_DEPTH or self.type not in ("object", "array") or \
                self.empty():
            return _UNKNOWN, None
        raw = self.raw
        i = _skip(raw, self.at + 1)
        if i >= len(raw):
            return _UNKNOWN, None
        if self.type == "array":
            return None, Probe(raw, i, self.depth + 1, self._root)
        if raw[i] != ord('"'):
            return _UNKNOWN, None
        key, j = _string_at(raw, i)
        if key is _UNKNOWN:
            return _UNKNOWN, None
        j = _skip(raw, j)
        if j >= len(raw) or raw[j] != ord(":"):
            return _UNKNOWN, None
        return key, Probe(raw, j + 1, self.depth + 1, self._root)


def _type_matches(expected: Any, probe: Probe) -> bool:
    """Whether a value of the probe's JSON type can match the ``type`` keyword."""
    names = [expected] if isinstance(expected, str) else list(expected)
    t = probe.type
    if t == "number":
        if "number" in names:
            return True
        if "integer" in names:
            v = probe.value()
            return v is _UNKNOWN or isinstance(v, int) or float(v).is_integer()
        return False
    return t in names


def _resolve(ref: Any, root: Any) -> Any:
    """A local ``#/...`` reference in ``root``, or _UNKNOWN."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return _UNKNOWN
    node = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _UNKNOWN
    return node


def schema_refuses(schema: Any, probe: Probe, root: Any, check: Any, depth: int = 0) -> bool:
    """True when ``schema`` (a draft-07 subschema of ``root``) refuses every JSON document whose
    value at the probe starts as the probe reads it. ``check(subschema, value)`` validates a
    scalar value (the caller's compiled validator; it may raise for nothing it cannot say)."""
    if probe.type is None or depth > 20:
        return False
    if isinstance(schema, bool):
        return not schema
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:  # draft-07: the keywords beside a $ref are ignored
        target = _resolve(schema["$ref"], root)
        return target is not _UNKNOWN and schema_refuses(target, probe, root, check, depth + 1)
    if "type" in schema and not _type_matches(schema["type"], probe):
        return True
    for sub in schema.get("allOf", ()):
        if schema_refuses(sub, probe, root, check, depth + 1):
            return True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if branches and all(schema_refuses(b, probe, root, check, depth + 1) for b in branches):
            return True
    if probe.type in ("string", "number", "boolean", "null"):
        value = probe.value()
        if value is _UNKNOWN:
            return False
        scalar_keys = {"enum", "const", "pattern", "minLength", "maxLength", "format",
                       "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                       "multipleOf"}
        plain = {k: v for k, v in schema.items() if k in scalar_keys}
        return bool(plain) and not check(plain, value)
    if probe.type == "object":
        return _object_refuses(schema, probe, root, check, depth)
    items = schema.get("items")
    if isinstance(items, list):
        items = items[0] if items else True
    if probe.empty():
        return isinstance(schema.get("minItems"), int) and schema["minItems"] > 0
    if items is None:
        return False
    _, item = probe.first()
    return item is not None and schema_refuses(items, item, root, check, depth + 1)


def _object_refuses(schema: dict[str, Any], probe: Probe, root: Any, check: Any,
                    depth: int) -> bool:
    if probe.empty():
        minimum = schema.get("minProperties")
        return bool(schema.get("required")) or (isinstance(minimum, int) and minimum > 0)
    if _first_member_refuses(schema, probe, root, check, depth):
        return True
    # a required key written nowhere in the text is absent from this object (one scan a key:
    # the first member, looked at above, is the cheaper question)
    return any(isinstance(name, str) and probe.absent(name)
               for name in schema.get("required", ()))


def _first_member_refuses(schema: dict[str, Any], probe: Probe, root: Any, check: Any,
                          depth: int) -> bool:
    key, value = probe.first()
    if key is _UNKNOWN or value is None:
        return False
    names = schema.get("propertyNames")
    if names is not None and schema_refuses(names, Probe(_dump_key(key)), root, check,
                                            depth + 1):
        return True
    props = schema.get("properties") or {}
    if isinstance(props, dict) and key in props:
        return schema_refuses(props[key], value, root, check, depth + 1)
    if schema.get("patternProperties"):
        return False  # a pattern may apply (the first match decides nothing alone)
    return schema_refuses(schema.get("additionalProperties", True), value, root, check,
                          depth + 1)


def _dump_key(key: str) -> bytes:
    import orjson

    return orjson.dumps(key)
