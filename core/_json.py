"""Reading JSON text, checked: what ``qfmt.load`` and friends do with ``str``/``bytes`` payloads.

- The text must be valid JSON (orjson decides: RFC 8259, UTF-8, whitespace only space, tab,
  newline and carriage return); a ``str`` holding lone surrogates is refused before encoding.
- **Duplicate keys** are refused (``{"3": 10, "3": 5}`` would otherwise silently become
  ``{"3": 5}``), naming the key and the object holding it. The check is cheap: every member of an
  object has exactly one ``:`` outside strings, and orjson writes every ``:`` inside a string
  literally, so unless the text escapes a colon (``\\u003a``) the colons of the text and of the
  parsed tree written back by orjson agree exactly when no key was collapsed. Counting them runs
  at memchr speed; only on a mismatch (or an escaped colon) does a slow pass find the key.
- **Depth**: text nested deeper than :data:`MAX_JSON_DEPTH` (what orjson can write back) is
  refused, so that what is accepted can be written again.
- :func:`compact_json` drops insignificant whitespace (pretty-printed text) so that the byte
  readers of the formats, which read compact text, read pretty text too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from ._errors import PayloadError, one_line, short_repr

__all__ = ["MAX_JSON_DEPTH", "compact_json", "has_json_whitespace", "loads"]

#: The deepest nesting of JSON text qfmt accepts: orjson writes at most 254 levels, so deeper
#: text could be read but not written back.
MAX_JSON_DEPTH = 254

_TEXT = (str, bytes, bytearray, memoryview)


def loads(text: str | bytes | bytearray | memoryview, fmt: str | None = None) -> Any:
    """Parse JSON text, refusing invalid text, lone surrogates, duplicate keys and nesting deeper
    than :data:`MAX_JSON_DEPTH`, each as a :class:`qfmt.PayloadError` for format ``fmt``."""
    import orjson

    if isinstance(text, str):
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PayloadError(fmt, "$", f"text that is not valid Unicode: {exc.reason} at "
                               f"character {exc.start}") from None
    else:
        raw = bytes(text)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)
        if "depth limit" in reason or "recursion" in reason.lower():
            raise PayloadError(fmt, "$", f"not valid JSON for qfmt: nested deeper than "
                               f"{MAX_JSON_DEPTH} levels (qfmt.kit.MAX_JSON_DEPTH)") from None
        raise PayloadError(fmt, "$", f"not valid JSON: {one_line(reason, 120)}") from None
    colons = raw.count(b":")
    if colons == 0 and raw.count(b"[") <= MAX_JSON_DEPTH:
        return data  # no object member anywhere, and too few arrays to nest too deeply
    if _members(data) == colons:
        return data  # a small tree of containers holding as many members as the text has colons
    try:
        written = orjson.dumps(data)
    except orjson.JSONEncodeError:
        raise PayloadError(fmt, "$", f"JSON nested deeper than {MAX_JSON_DEPTH} levels "
                           "(qfmt.kit.MAX_JSON_DEPTH)") from None
    if colons == written.count(b":") and b"\\u003" not in raw:
        return data
    _find_duplicate(raw, fmt)
    return data


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _members(data: Any, budget: int = 1024) -> int | None:
    """The number of object members of a tree of at most ``budget`` containers (objects, and
    arrays of scalars or of such containers, at most MAX_JSON_DEPTH levels: every flat
    histogram, register-nested payload and small document), counted at C speed per
    container; None for a bigger tree (the caller then writes the tree back to count, which
    orjson does in C but with a buffer of many times the text reserved)."""
    total = 0
    stack = [(data, 1)]
    while stack:
        budget -= 1
        v, depth = stack.pop()
        if budget < 0 or depth > MAX_JSON_DEPTH:
            return None  # (too deep: writing it back refuses it)
        values = v.values() if type(v) is dict else v
        if type(v) is dict:
            total += len(v)
        types = set(map(type, values))
        if types <= _SCALARS:
            continue
        if not types - _SCALARS <= {dict, list} or len(values) > budget:
            return None
        stack.extend((x, depth + 1) for x in values if type(x) is dict or type(x) is list)
    return total


class _Dup:
    """Marker the slow pass returns in place of an object holding a repeated key."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[str | int]) -> None:
        self.parts = parts


def _in(value: Any) -> list[str | int] | None:
    """The path (outermost first) to a :class:`_Dup` marker inside ``value``, or None."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        v, prefix = stack.pop()
        if isinstance(v, _Dup):
            return prefix + v.parts
        if isinstance(v, list):
            stack.extend((item, [*prefix, i]) for i, item in enumerate(v)
                         if isinstance(item, (list, _Dup)))
    return None


def _hook(pairs: list[tuple[str, Any]]) -> Any:
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            return _Dup([key, "\x00dup"])
        seen.add(key)
        if isinstance(value, (_Dup, list)):
            inner = _in(value)
            if inner is not None:
                return _Dup([key, *inner])
    return {}


def _find_duplicate(raw: bytes, fmt: str | None) -> None:
    """The slow pass: raise PayloadError naming the first repeated key found, if any."""
    from ._read import jpath

    try:
        tree = json.loads(raw, object_pairs_hook=_hook)
    except (ValueError, RecursionError):  # orjson accepted it; nothing more to learn here
        return
    parts = _in(tree)
    if parts is None:
        return
    *where, key, _ = parts
    raise PayloadError(fmt, jpath(*where, key), f"duplicate key {short_repr(key)}: JSON objects must "
                       "not repeat a key (the value would be silently replaced)")


# -- compacting pretty-printed text ----------------------------------------------------------

#: JSON's insignificant whitespace (RFC 8259): space, tab, newline, carriage return.
JSON_WHITESPACE = b" \t\n\r"

# each byte's class for the checks of compact_json: 1 a byte that can sit inside a bare token (a
# number, true/false/null), 2 a quote, 3 JSON whitespace, 0 anything else
_CLASS = bytes.maketrans(bytes(range(256)), bytes(
    3 if chr(c) in " \t\n\r" else 2 if c == 34
    else 1 if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "+-.") else 0
    for c in range(256)))
_CLASSES = np.frombuffer(_CLASS, dtype=np.uint8)
_SPACE = re.compile(rb"[ \t\n\r]*")

_STEP = 1 << 22  # the checks read 4 MB at a time (bounded work memory)


def has_json_whitespace(raw: bytes) -> bool:
    """Whether ``raw`` holds any JSON whitespace byte (space, tab, newline, carriage return)."""
    return b"\n" in raw or b" " in raw or b"\t" in raw or b"\r" in raw


def compact_json(raw: bytes) -> bytes | None:
    r"""``raw`` without its insignificant whitespace, or None when that cannot be proven cheaply.

    The whitespace (space, tab, newline, carriage return) is dropped with one
    ``bytes.translate``; the result is the same JSON text exactly when no whitespace sat inside
    a string or inside a bare token. That is proven with numpy passes over the text, 4 MB at a
    time: with no backslash anywhere (else None: an escaped quote would hide where strings end),
    quotes pair in order, so no run of whitespace may start after an odd number of quotes; and
    no whitespace may join two bare tokens (``[1 2]`` is not ``[12]``): after a number or
    literal byte followed by whitespace, the next byte that is not whitespace must not be one
    either. Text without whitespace is returned as it is.

    It does not check that ``raw`` is JSON: invalid text stays invalid, and whatever reads the
    result decides. Meant for byte readers (``Format.parse_raw``) that read compact text:

    >>> from qfmt import kit
    >>> kit.compact_json(b'{\n  "0": 5,\n  "3": [1, 2]\n}')
    b'{"0":5,"3":[1,2]}'
    >>> kit.compact_json(b'["a b"]') is None, kit.compact_json(b'[1 2]') is None
    (True, True)
    """
    raw = bytes(raw)
    if not has_json_whitespace(raw):
        return raw
    if b"\\" in raw:
        return None
    text = np.frombuffer(raw, dtype=np.uint8)
    quotes = int(text[0] == 34)  # the quotes before the part being read
    for at in range(0, text.size, _STEP):
        part = text[at:at + _STEP + 1]  # one byte more: a run may start right after the part
        space = part <= 32  # whitespace (and control bytes, which no JSON text holds raw)
        # each whitespace run that starts after a byte that is not whitespace, and each quote,
        # in order: a run after an odd number of quotes sits inside a string
        events = np.flatnonzero((space[1:] & ~space[:-1]) | (part[1:] == 34)) + (at + 1)
        is_quote = text[events] == 34
        seen = np.cumsum(is_quote) + quotes
        runs = events[~is_quote]
        if (seen[~is_quote] % 2).any():
            return None  # whitespace inside a string
        after_bare = runs[_CLASSES[text[runs - 1]] == 1]
        if after_bare.size and _joins(raw, text, after_bare):
            return None  # whitespace between two bare-token bytes
        if seen.size:
            quotes = int(seen[-1])
    if quotes % 2:
        return None  # an unpaired quote
    return raw.translate(None, JSON_WHITESPACE)


def _joins(raw: bytes, text: np.ndarray[Any, np.dtype[np.uint8]],
           at: np.ndarray[Any, np.dtype[np.intp]]) -> bool:
    """Whether the first byte that is not whitespace from any of the positions ``at`` (each
    holding whitespace) can sit inside a bare token. The runs are walked in numpy a byte at a
    time (a pretty printer's indentation is short); the few longer ones with a regex."""
    for _ in range(32):
        at = at[at < text.size]
        cls = _CLASSES[text[at]]
        if (cls == 1).any():
            return True
        at = at[cls == 3] + 1
        if not at.size:
            return False
    for p in at.tolist():
        m = _SPACE.match(raw, p)
        end = p if m is None else m.end()
        if end < text.size and _CLASSES[text[end]] == 1:
            return True
    return False
