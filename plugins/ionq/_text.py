"""Readers of IonQ v1 JSON text straight from its bytes, without a Python object per element:
the vectorised pieces of the v1 byte readers (``parse_raw``) in :mod:`.formats`. Each returns
None to decline anything it cannot read exactly; the general reader then takes the text.
Built from public :mod:`qfmt.kit` names only."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from qfmt import kit

#: What a compact JSON array of decimal states may hold between its brackets.
_ARRAY_CHARS = b'0123456789",'
#: Bytes of text decoded at a time: the work copies stay small and in cache, so the time is
#: linear in the size and the memory bounded, whatever the size.
_CHUNK = 1 << 20
_U64_MAX = np.uint64(2**64 - 1)


def decimal_array_text(raw: bytes) -> npt.NDArray[np.uint64] | None:
    """Decode the JSON text of an array of decimal states (``["2","1","3"]`` or ``[2,1,3]``,
    compact or pretty-printed) straight from its bytes, without a Python object per element, in
    chunks of about a megabyte cut at commas (bounded work memory, linear time).

    Exact or nothing: each chunk is made compact by :func:`qfmt.kit.compact_json` (which
    declines unless every whitespace byte provably sat between two tokens, so ``[1 2]`` is
    declined, never read as ``[12]``, and declines a chunk cut inside a string, whose quotes do
    not pair) and then read by a grammar that admits no whitespace at all; the whitespace
    around the brackets and the cuts sits next to punctuation. Returns None (declines) for
    anything else (an escape, an empty string, a JSON integer with a leading zero, a value past
    64 bits, a string and an integer in one chunk), and the caller parses it the ordinary
    way."""
    raw = bytes(raw)
    lo, hi = _ws_bounds(raw)
    if hi - lo < 3 or raw[lo] != 91 or raw[hi - 1] != 93:  # [ ... ]
        return None
    lo, hi = lo + 1, hi - 1
    n = raw.count(b",", lo, hi) + 1
    out = np.empty(n, dtype=np.uint64)
    done = 0
    while lo < hi:
        cut = raw.find(b",", min(lo + _CHUNK, hi), hi) if hi - lo > _CHUNK else -1
        stop = hi if cut < 0 else cut
        chunk = kit.compact_json(raw[lo:stop])
        if chunk is None:
            return None
        got = _decimal_chunk(chunk, out[done:])
        if got is None:
            return None
        done += got
        lo = stop + 1
        if cut >= 0 and lo >= hi:
            return None  # a trailing comma
    if done != n or (n and out.max() == _U64_MAX):
        return None  # (np.fromstring saturates past 2**64 - 1: the careful path decides)
    return out


_WS = b" \t\n\r"
_LEADING_WS = re.compile(rb"[ \t\n\r]*")


def _ws_bounds(raw: bytes) -> tuple[int, int]:
    """Where ``raw`` stripped of JSON whitespace begins and ends, without copying it."""
    lo = _LEADING_WS.match(raw).end()  # type: ignore[union-attr]
    hi = len(raw)
    while hi > lo and raw[hi - 1] in _WS:
        hi -= 1
        if len(raw) - hi > 64:  # much trailing whitespace: let C find the end
            return lo, len(raw.rstrip(_WS))
    return lo, hi


def _decimal_chunk(text: bytes, out: npt.NDArray[np.uint64]) -> int | None:
    """Decode compact ``elem,elem,...`` into the front of ``out``; the number of elements, or
    None to decline. The text holds no whitespace (see :func:`decimal_array_text`), and a byte
    other than a digit, a quote or a comma declines, so numpy's parser, which would skip
    whitespace, never meets any."""
    if text.translate(None, _ARRAY_CHARS):
        return None  # a byte no compact decimal state array holds (an escape, a sign, a space)
    k = text.count(b",") + 1
    if text[:1] == b'"':
        # "d","d",...,"d": np.fromstring matches the quoted separator itself, and refuses what
        # it cannot read to the end, so k values (one per comma, plus one) leave no room for a
        # stray quote or comma
        if text[-1:] != b'"' or text.count(b'"') != 2 * k:
            return None  # a stray quote (["0""]) or an element that is not one string
        digits, sep = text[1:-1], '","'
    else:
        if b'"' in text:
            return None  # a string among integers
        digits, sep = text, ","
        if digits[:1] == b"0" and digits[1:2].isdigit():
            return None  # 01 is not a JSON number
        if b",0" in digits:
            b = np.frombuffer(digits, dtype=np.uint8)
            at = np.flatnonzero(b[:-1] == 44) + 1
            at = at[at + 1 < b.size]
            if ((b[at] == 48) & (b[at + 1] >= 48) & (b[at + 1] <= 57)).any():
                return None
    if k > out.size:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # older numpy warns on unread text
        try:
            values = np.fromstring(digits, dtype=np.uint64, sep=sep)
        except (ValueError, DeprecationWarning):
            return None
    if values.size != k:
        return None  # an empty element, a leading or doubled comma
    out[:k] = values
    return k


def decimal_counts_text(raw: bytes) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]] | None:
    """Decode JSON text ``{"<decimal>":<int>,...}`` (an IonQ v1 histogram) straight from its
    bytes: returns (keys, counts) as uint64 arrays in payload order, or None to decline
    anything else (other value kinds, keys or values past 19 digits, JSON integers
    with leading zeros, keys naming one state twice). Pretty-printed text is made compact first
    by :func:`qfmt.kit.compact_json` (declined unless that is provably the same JSON)."""
    compact = kit.compact_json(raw)
    if compact is None:
        return None
    raw = compact
    if len(raw) < 7 or raw[:2] != b'{"' or raw[-1:] != b"}" or \
            len(raw) > 42 * raw.count(b":") + 2 or raw.translate(None, _COUNTS_CHARS) != b"{}":
        # not an object; a key or count of more than 19 digits somewhere (each entry takes at
        # most 42 bytes: a hostile key costs one count); a byte no such object holds
        return None
    return _counts_object(np.frombuffer(raw, dtype=np.uint8)[1:-1])


#: The bytes of a compact ``{"<decimal>":<int>,...}`` object besides its two braces.
_COUNTS_CHARS = b'0123456789":,'


def _counts_object(b: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint64],
                                                      npt.NDArray[np.uint64]] | None:
    """The reader of a flat ``"<decimal>":<int>`` object body whose bytes are only digits,
    quotes, colons and commas (the caller checked): every quote, colon and comma must sit where
    the grammar puts it, so the rest are digits. One index array per kind of punctuation; the
    keys' lengths are checked before anything else is built, so a hostile key costs one pass."""
    q = np.flatnonzero(b == 34)
    c = np.flatnonzero(b == 58)
    n = c.size
    if n == 0 or q.size != 2 * n:
        return None
    opens, closes = q[0::2], q[1::2]
    if opens[0] != 0 or not (closes == c - 1).all():
        return None
    key_len = closes - opens - 1
    if key_len.min() < 1 or key_len.max() > 19:
        return None  # an empty key, or one the careful reader must decode (or refuse)
    m = np.flatnonzero(b == 44)
    if m.size != n - 1 or not (opens[1:] == m + 1).all():
        return None
    value_end = np.append(m, b.size)
    value_len = value_end - c - 1
    if value_len.min() < 1 or value_len.max() > 19:
        return None
    if ((b[c + 1] == 48) & (value_len > 1)).any():
        return None  # 007 is not a JSON number
    text = b.copy()
    text[q] = 32  # spaces: np.fromstring allows them around separators
    text[c] = 44
    pairs = np.fromstring(text.tobytes().decode("ascii"), dtype=np.uint64, sep=",")
    if pairs.size != 2 * n:
        return None
    keys, values = pairs[0::2], pairs[1::2]
    if ((b[opens + 1] == 48) & (key_len > 1)).any() and np.unique(keys).size != n:
        return None  # "7" and "07": the ordinary parser names the repeat
    return keys, values


def decimal_items_many(objs: Sequence[Any], read_value: Any
                       ) -> tuple[npt.NDArray[np.uint64], list[Any], npt.NDArray[np.intp]] | None:
    """The fast path of :func:`qfmt.kit.decimal_items` over many objects at once (the children
    of an aggregate): ``(outcomes, values, lengths)`` with every object's items laid end to end,
    decoded and checked in one numpy pass. None when any object needs the careful per-object
    reader (then :func:`qfmt.kit.decimal_items` on each names the problem with its path)."""
    if not objs or not all(type(o) is dict and o for o in objs):
        return None
    keys = list(chain.from_iterable(objs))
    fast = kit.fast_decimals(keys)
    if fast is None:
        return None
    ints, leading = fast
    lengths = np.fromiter(map(len, objs), dtype=np.intp, count=len(objs))
    if leading:  # "7" and "07" in one object: let the careful reader name them
        seg = np.repeat(np.arange(len(objs)), lengths)
        order = np.lexsort((ints, seg))
        s_ints, s_seg = ints[order], seg[order]
        if np.count_nonzero((s_ints[1:] == s_ints[:-1]) & (s_seg[1:] == s_seg[:-1])):
            return None
    values = list(chain.from_iterable(o.values() for o in objs))
    bulk = getattr(read_value, "bulk", None)
    ok = bulk(values) if bulk is not None else None
    if ok is None:
        return None
    return ints, ok, lengths
