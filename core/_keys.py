"""Key decoding: every textual form of an outcome becomes the canonical int here and nowhere else.

**The rule.** An outcome is a non-negative ``int`` whose bit *i* is classical bit *i*.

==========================  ===========================  ==============================
form                        example for "bit 0 set"      decoding
==========================  ===========================  ==============================
decimal key                 ``"1"``                      ``int(key)`` (little-endian)
bitstring                   ``"01"``                     ``int(key, 2)``: rightmost char is bit 0
bitstring with registers    ``"1 01"``                   registers split by spaces, last leftmost
hex key                     ``"0x1"``                    ``int(key, 16)``
binary key                  ``"0b1"``                    ``int(key[2:], 2)``
==========================  ===========================  ==============================

Readers of whole objects return ``(outcomes, values)``: outcomes as a uint64 array (or Python ints
past 64 bits) in payload order, values as read. The vectorised decoders (``fast_*``, ``*_text``)
return None to decline what they cannot decode exactly; the careful reader then takes it.
A width is never taken from the widest key when one is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ._bits import MAX_DECIMAL_DIGITS, MAX_WIDTH, pack_ints, pack_u64
from ._errors import PayloadError, short_repr
from ._read import expect_dict, read_values, subpath, type_name

V = TypeVar("V")

def decimal_key(key: Any, fmt: str, path: str) -> int:
    """Decode an IonQ v1 decimal state (little-endian: bit 0 is qubit 0).

    Accepts ASCII digits only (no sign, space, underscore or non-ASCII digit) and, because shots v1
    payloads sometimes hold them, non-negative JSON integers.
    """
    if isinstance(key, str):
        if len(key) > MAX_DECIMAL_DIGITS and len(key.lstrip("0")) > MAX_DECIMAL_DIGITS:
            # too long for a state of MAX_WIDTH bits whatever its characters: refused before
            # they are read (a hostile key of megabytes costs the scan of its leading zeros)
            raise PayloadError(fmt, path, f"a key of {len(key)} characters is wider than "
                               f"{MAX_WIDTH} bits as a decimal state (qfmt.MAX_WIDTH)")
        # a long key (of leading zeros) is checked as bytes: str.isdigit looks up each
        # character's category
        if not key or not key.isascii() or not (key if len(key) <= 4096
                                                 else key.encode("ascii")).isdigit():
            raise PayloadError(fmt, path, f"{short_repr(key)} is not a non-negative decimal integer")
        value = int(key.lstrip("0") or "0") if len(key) > MAX_DECIMAL_DIGITS else int(key)
    elif isinstance(key, int) and not isinstance(key, bool):
        if key < 0:
            raise PayloadError(fmt, path, f"{key} is negative")
        value = key
    else:
        raise PayloadError(fmt, path, f"expected a decimal state string, got {type_name(key)}")
    if value.bit_length() > MAX_WIDTH:  # short_repr: a huge int is never written out in full
        raise PayloadError(fmt, path, f"state {short_repr(key)} is wider than {MAX_WIDTH} bits "
                           "(qfmt.MAX_WIDTH)")
    return value


def binary_key(key: str, fmt: str, path: str) -> int:
    """Decode a bitstring whose rightmost character is bit 0. Width is ``len(key)``."""
    if not key or len(key) > MAX_WIDTH or not set(key) <= {"0", "1"}:
        if key and len(key) > MAX_WIDTH:
            raise PayloadError(fmt, path, f"bitstring of {len(key)} bits exceeds {MAX_WIDTH}")
        raise PayloadError(fmt, path, f"{short_repr(key)} is not a bitstring of 0 and 1")
    return int(key, 2)


_HEX_LUT = np.full(128, 255, dtype=np.uint8)


for _i, _c in enumerate("0123456789abcdef"):
    _HEX_LUT[ord(_c)] = _i
    _HEX_LUT[ord(_c.upper())] = _i


def fast_hex(items: Sequence[Any]) -> npt.NDArray[np.uint64] | None:
    """Vectorised decode of ``"0x.."`` strings of at most 16 hex digits, over the joined bytes
    (no Python object per item). Returns None when the input needs the exact, per-item slow path
    (other types, bad digits, wider values)."""
    if len(items) == 0:
        return np.zeros(0, dtype=np.uint64)
    try:
        raw = ",".join(items).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    b = np.frombuffer(raw, dtype=np.uint8)
    comma = b == 44
    ends = np.concatenate((np.flatnonzero(comma), [b.size]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    if starts.size != len(items) or lengths.min() < 3 or lengths.max() > 18:
        return None  # (an item holding a comma would split in two)
    if not ((b[starts] == 48) & ((b[starts + 1] == 120) | (b[starts + 1] == 88))).all():
        return None
    nib = _HEX_LUT[np.minimum(b, 127).astype(np.intp)]
    body = np.ones(b.size, dtype=bool)
    body[comma] = False
    body[starts] = False
    body[starts + 1] = False
    if (b[body] >= 128).any() or (nib[body] == 255).any():
        return None
    # value = sum over the item's digits of nibble << 4 * (position from the item's end)
    item = np.cumsum(comma)
    pos_from_end = (ends[item] - np.arange(b.size) - 1).astype(np.uint64)
    shifted = np.zeros(b.size, dtype=np.uint64)
    shifted[body] = nib[body].astype(np.uint64) << (np.uint64(4) * pos_from_end[body])
    out: npt.NDArray[np.uint64] = np.add.reduceat(shifted, starts)
    return out


def _joined_digits(items: Sequence[Any]) -> tuple[str, bool] | None:
    """``(",".join(items), whether an item has a leading zero)`` if every item is a non-empty
    ASCII-digit string of at most 19 digits (so it fits in uint64), else None. All checks run in
    numpy over the joined bytes."""
    try:
        if sum(map(len, items)) > 19 * len(items):
            return None  # an item of more than 19 digits (a hostile one costs no copy)
        text = ",".join(items)
        raw = text.encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    if not raw:
        return None
    x = np.frombuffer(raw, dtype=np.uint8) - np.uint8(48)  # digits 0..9, the comma 252
    ends = np.flatnonzero(x == 252)
    if ends.size != len(items) - 1:
        return None  # an item holding a comma would split in two
    if np.count_nonzero(x <= 9) != x.size - ends.size:
        return None  # a byte neither a digit nor a comma
    lengths = np.diff(np.concatenate(([-1], ends, [x.size]))) - 1
    if lengths.min() < 1 or lengths.max() > 19:
        return None
    starts = np.concatenate(([0], ends + 1))
    return text, bool(((x[starts] == 0) & (lengths > 1)).any())


def fast_decimals(items: Sequence[Any]) -> tuple[npt.NDArray[np.uint64], bool] | None:
    """Vectorised decode of decimal states that are all ASCII-digit strings (<= 19 digits) or all
    non-negative machine ints: ``(values, leading)``, ``leading`` True when some string has a
    leading zero (only then can two items name one state, ``"7"`` and ``"07"``). None when the
    input needs the exact, per-item slow path.

    >>> values, leading = fast_decimals(["5", "07"])
    >>> values.tolist(), leading
    ([5, 7], True)
    """
    if len(items) == 0:
        return np.zeros(0, dtype=np.uint64), False
    if type(items[0]) is str:
        joined = _joined_digits(items)
        if joined is None:
            return None
        return np.fromstring(joined[0], dtype=np.uint64, sep=","), joined[1]
    if not _no_bools(items):
        return None
    try:
        arr = np.asarray(items)
    except (ValueError, OverflowError, TypeError):
        return None
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        return None
    if arr.dtype.kind == "i" and (arr < 0).any():
        return None
    return arr.astype(np.uint64), False


def decimal_shots(items: Sequence[Any], fmt: str, path: str) -> npt.NDArray[np.uint8]:
    """Decode a list of decimal states (strings or ints) to packed little-endian bytes.

    Returns a ``(shots, nbytes)`` uint8 array whose row width fits the widest outcome; the caller
    pads or checks against a declared width. The common case (all ASCII-digit strings that fit in
    64 bits) runs in numpy without a Python object per shot.
    """
    fast = fast_decimals(items)
    if fast is not None:
        return pack_u64(fast[0])
    # general path: Python ints of any width, with exact error locations
    ints = [decimal_key(x, fmt, subpath(path, i)) for i, x in enumerate(items)]
    return pack_ints(ints)


def _no_bools(items: Sequence[Any]) -> bool:
    return bool not in set(map(type, items))


#: Rows :func:`bits_to_u64` packs at a time.
_BITS_BLOCK = 1 << 16


def bits_to_u64(bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Rows of 0/1 bytes (``(n, width)``, width <= 64, most significant first) -> uint64 values:
    each row is right-aligned in 8, 16, 32 or 64 bits and the whole is bit-packed at once (one
    flat ``np.packbits``, several times faster than packing row by row)."""
    n, width = bits.shape
    size = 1 if width <= 8 else 2 if width <= 16 else 4 if width <= 32 else 8
    out = np.empty(n, dtype=np.uint64)
    step = _BITS_BLOCK  # rows per block: the padded copy stays small
    full = np.zeros((min(n, step), 8 * size), dtype=np.uint8)
    for i in range(0, n, step):
        rows = min(step, n - i)
        full[:rows, 8 * size - width:] = bits[i:i + rows]
        out[i:i + rows] = np.packbits(full[:rows].reshape(-1)).view(f">u{size}")
    return out


def bitstring_keys(keys: Sequence[Any]) -> tuple[npt.NDArray[np.uint64], int] | None:
    """The one vectorised decoder of bitstring keys that all have one width (1 to 64) and only
    ``0``/``1`` (bit 0 rightmost): ``(values, width)`` from the joined bytes, or None for anything
    else (the exact, per-key reader then takes it)."""
    n = len(keys)
    if n == 0 or type(keys[0]) is not str:
        return None
    width = len(keys[0])
    if not 1 <= width <= 64:
        return None
    try:
        raw = ",".join(keys).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    if len(raw) != n * (width + 1) - 1:
        return None
    b = np.frombuffer(raw + b",", dtype=np.uint8).reshape(n, width + 1)
    if not (b[:, width] == 44).all():
        return None  # keys of different widths
    bits = b[:, :width] - np.uint8(48)
    if not (bits <= 1).all():
        return None
    return bits_to_u64(bits), width


#: The former name of :func:`bitstring_keys`.
fast_bitstrings = bitstring_keys


def bitstring_counts_text(body: bytes | npt.NDArray[np.uint8]) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.uint64], int] | None:
    """Decode the inside of ``{"<bitstring>":<int>,...}`` (an IonQ
    v2 register, braces excluded; bytes or a uint8 array view of them): keys of one width
    (<= 64) of 0/1, bit 0 rightmost. Returns (outcomes, counts, width) or None to decline."""
    b = body if isinstance(body, np.ndarray) else np.frombuffer(body, dtype=np.uint8)
    if b.size < 5:
        return None
    return _bitstring_counts(b)


def _bitstring_counts(b: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint64],
                                                        npt.NDArray[np.uint64], int] | None:
    """The reader behind :func:`bitstring_counts_text`, with one full-size index array at most
    (the colons): every other position follows from the one key width."""
    x = b - np.uint8(48)  # digits 0..9, quote 242, colon 10, comma 252
    c = np.flatnonzero(x == 10)
    n = c.size
    if n == 0:
        return None
    nq, nm = np.count_nonzero(x == 242), np.count_nonzero(x == 252)
    if nq != 2 * n or nm != n - 1 or np.count_nonzero(x <= 9) + nq + nm + n != b.size:
        return None  # a byte that is none of digit, quote, colon, comma; or miscounted
    width = int(c[0]) - 2  # "<width bits>": the first key opens at 0
    if not 1 <= width <= 64 or x[0] != 242:
        return None
    opens = c - (width + 2)
    # each key is quoted at its open and before its colon, each later key follows a comma: with
    # the counts above, every quote, comma and colon is where it belongs, the rest are digits
    if not ((x[opens] == 242).all() and (x[c - 1] == 242).all()
            and (x[opens[1:] - 1] == 252).all()):
        return None
    value_len = np.empty(n, dtype=np.int64)
    np.subtract(opens[1:] - 2, c[:-1], out=value_len[:-1])
    value_len[-1] = b.size - 1 - int(c[-1])
    if value_len.min() < 1 or value_len.max() > 19:
        return None
    if ((x[c + 1] == 0) & (value_len > 1)).any():
        return None  # 007 is not a JSON number
    del value_len
    bits = np.lib.stride_tricks.sliding_window_view(x, width)[opens + 1]
    del opens
    if not (bits <= 1).all():
        return None
    keys = bits_to_u64(bits)
    del bits
    # the text with quotes as spaces and colons as commas parses as key,value,key,value,...
    # (a key of more than 19 digits saturates; only the values are kept)
    np.add(x, np.uint8(48), out=x)
    x[c] = 44
    x[c - 1] = 32
    x[c - (width + 2)] = 32
    del c
    pairs = np.fromstring(x.tobytes(), dtype=np.uint64, sep=",")
    del x
    if pairs.size != 2 * n:
        return None
    return keys, pairs[1::2].copy(), width


def sort_u64(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint64]]:
    """``(order, keys[order])``: the stable ascending permutation of uint64 ``keys`` and the keys
    sorted. Packs key and position into one uint64 when they fit (several times faster than a
    stable argsort), else argsort."""
    n = keys.size
    pos_bits = max(n - 1, 1).bit_length()
    top = int(keys.max()) if n else 0
    if top.bit_length() + pos_bits > 64:
        order = np.argsort(keys, kind="stable")
        return order, keys[order]
    packed = keys << np.uint64(pos_bits)
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & np.uint64((1 << pos_bits) - 1)).astype(np.intp)
    packed >>= np.uint64(pos_bits)
    return order, packed


def sorted_order(keys: npt.NDArray[np.uint64], groups: npt.NDArray[np.intp] | None = None
                 ) -> npt.NDArray[np.intp] | None:
    """The permutation that sorts ``keys`` ascending (within each run of ``groups[i]`` items when
    given; runs stay in order), or None when a key repeats (within its run). Packs key, run and
    position into one uint64 when they fit, which sorts several times faster than argsort."""
    if groups is None:
        order, k = sort_u64(keys)
        return None if (k[1:] == k[:-1]).any() else order
    n = keys.size
    seg = np.repeat(np.arange(groups.size, dtype=np.uint64), groups)
    top = int(keys.max()) if n else 0
    pos_bits = max(n - 1, 1).bit_length()
    seg_bits = max(groups.size - 1, 1).bit_length()
    if top.bit_length() + pos_bits + seg_bits <= 64:
        packed = keys << np.uint64(pos_bits)
        packed |= seg << np.uint64(64 - seg_bits)
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << pos_bits) - 1)).astype(np.intp)
    else:
        order = np.lexsort((keys, seg))
    k = keys[order]
    same = k[1:] == k[:-1]
    same &= seg[order][1:] == seg[order][:-1]
    return None if same.any() else order


def normalize_keys(
    data: Mapping[Any, Any], what: str, base: str = "$"
) -> tuple[dict[int, Any], int | None, tuple[int, ...] | None]:
    """Return (int-keyed dict, width carried by bitstring keys or None, register split or None).

    Keys may be ints, ``"0x.."`` hex, ``"0b.."`` binary, or bitstrings (bit 0 rightmost, register
    groups separated by single spaces, last register leftmost); one kind per object.
    """
    keys = list(data)
    if len(keys) > 16 and type(keys[0]) is str:
        fast = fast_keys(keys)
        if fast is not None:
            ints, width = fast
            return (dict(zip(ints.tolist(), data.values())), width,
                    None if width is None else (width,))
    out: dict[int, Any] = {}
    kinds: set[str] = set()
    widths: set[int] = set()
    splits: set[tuple[int, ...]] = set()
    for key, value in data.items():
        path = subpath(base, str(key))
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            kinds.add("int")
            k = int(key)
            if k < 0:
                raise PayloadError(what, path, "outcome must not be negative")
        elif isinstance(key, str):
            if key.startswith(("0x", "0X")):
                kinds.add("hex")
                digits = key[2:]
                if not digits or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    raise PayloadError(what, path, f"{short_repr(key)} is not a hex outcome")
                if len(digits) * 4 > MAX_WIDTH + 4:
                    raise PayloadError(what, path, f"{short_repr(key)} is wider than {MAX_WIDTH} bits")
                k = int(digits, 16)
            elif key.startswith(("0b", "0B")):
                kinds.add("0b")
                k = binary_key(key[2:], what, path)
            else:
                kinds.add("bits")
                if len(key) >= 2 * MAX_WIDTH:  # wider whatever its spaces: refused before a copy
                    raise PayloadError(what, path, f"bitstring of {len(key)} characters exceeds "
                                       f"{MAX_WIDTH} bits")
                parts = key.split(" ")
                if any(not p for p in parts):
                    raise PayloadError(what, path, f"{short_repr(key)}: registers are separated by single "
                                       "spaces")
                k = binary_key(key.replace(" ", ""), what, path)
                groups = tuple(len(p) for p in reversed(parts))
                if splits and groups not in splits:
                    first = next(iter(splits))
                    raise PayloadError(what, path, f"{short_repr(key)} has register widths "
                                       f"{list(groups)} (first register first) but the keys "
                                       f"before it have {list(first)}")
                widths.add(sum(groups))
                splits.add(groups)
        else:
            raise PayloadError(what, path, f"outcome keys must be int or str, got {short_repr(key)}")
        if len(kinds) > 1:
            raise PayloadError(what, path, f"mixed key kinds {sorted(kinds)}: {short_repr(key)} is not "
                               "of the kind of the keys before it; use one kind per object")
        if k.bit_length() > MAX_WIDTH:
            raise PayloadError(what, path, f"outcome wider than {MAX_WIDTH} bits")
        if k in out:
            raise PayloadError(what, path, f"outcome {k} appears twice (keys equal as numbers)")
        out[k] = value
    width = None
    split = None
    if kinds == {"bits"}:
        width = widths.pop()
        split = splits.pop()
    return out, width, split


def fast_keys(keys: list[Any]) -> tuple[npt.NDArray[np.uint64], int | None] | None:
    """All-hex or all-bitstring (one width, no spaces) keys decoded in numpy, else None."""
    first = keys[0]
    if first.startswith(("0x", "0X")):
        hexed = fast_hex(keys)
        if hexed is None:
            return None
        # "0x1" and "0x01" name one outcome: only keys with a leading zero digit can collide
        if any(k[2:3] == "0" and len(k) > 3 for k in keys) and \
                np.unique(hexed).size != hexed.size:
            return None
        return hexed, None
    if first.startswith(("0b", "0B")) or " " in first:
        return None
    return fast_bitstrings(keys)


def _small_decimals(keys: list[Any]) -> list[int] | None:
    """Plain-Python decode of a few decimal keys (cheaper than numpy's set-up for small
    objects); None when any key needs the careful path."""
    if not keys or not set(map(type, keys)) <= {str}:
        return None
    lengths = list(map(len, keys))
    if min(lengths) < 1 or max(lengths) > 19:
        return None  # (checked first: a hostile key costs nothing here)
    text = "".join(keys)
    if not (text.isascii() and text.isdigit()):
        return None
    ints = list(map(int, keys))
    return ints if len(set(ints)) == len(ints) else None


Outcomes = npt.NDArray[Any] | list[int]


def decimal_items(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                  path: str = "$", *, allow_empty: bool = False) -> tuple[Outcomes, list[V]]:
    """Read ``{"<decimal key>": value}`` into ``(outcomes, values)`` in payload order.

    Keys must be ASCII decimal digits; two keys naming one outcome (``"7"`` and ``"07"``) are an
    error. Large objects are checked in numpy; outcomes come back as a uint64 array then.
    """
    obj = expect_dict(obj, fmt, path)
    if not obj and not allow_empty:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    small = _small_decimals(keys) if len(keys) <= 64 else None
    if small is not None:
        return small, read_values(keys, list(obj.values()), fmt, path, read_value)
    fast = fast_decimals(keys)
    ints: Outcomes
    # only keys with leading zeros can name one state twice ("7" and "07")
    if fast is not None and (not fast[1] or np.unique(fast[0]).size == len(keys)):
        ints = fast[0]
    else:
        ints = []
        seen: dict[int, str] = {}
        for k in keys:
            v = decimal_key(k, fmt, subpath(path, k))
            if v in seen:
                raise PayloadError(fmt, subpath(path, k),
                                   f"key {short_repr(k)} repeats key {short_repr(seen[v])} (both are {v})")
            seen[v] = k
            ints.append(v)
    return ints, read_values(keys, list(obj.values()), fmt, path, read_value)


def decimal_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                   path: str = "$", *, allow_empty: bool = False) -> dict[int, V]:
    """:func:`decimal_items` as a ``{outcome: value}`` dict."""
    ints, values = decimal_items(obj, fmt, read_value, path, allow_empty=allow_empty)
    return dict(zip(np.asarray(ints).tolist() if isinstance(ints, np.ndarray) else ints,
                    values.tolist() if isinstance(values, np.ndarray) else values))


def bitstring_items(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                    path: str = "$") -> tuple[Outcomes, list[V], int]:
    """Read ``{"<bitstring>": value}`` (bit 0 rightmost) into ``(outcomes, values, width)``.

    Every key must have the same width (the register's); the object must not be empty.
    """
    obj = expect_dict(obj, fmt, path)
    if not obj:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    fast = fast_bitstrings(keys)
    ints: Outcomes
    if fast is not None:
        ints, width = fast
    else:
        width = len(keys[0])
        ints = []
        for key in keys:
            kp = subpath(path, key)
            ints.append(binary_key(key, fmt, kp))
            if len(key) != width:
                raise PayloadError(fmt, kp, f"bitstring {short_repr(key)} has {len(key)} bits but "
                                   f"{short_repr(keys[0])} has {width}: keys of one register must have "
                                   "one width")
    return ints, read_values(keys, list(obj.values()), fmt, path, read_value), width


def bitstring_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                     path: str = "$") -> tuple[dict[int, V], int]:
    """:func:`bitstring_items` as ``({outcome: value}, width)`` (kept for plugins written
    against the dict model; prefer the items form, which stays on arrays)."""
    outcomes, values, width = bitstring_items(obj, fmt, read_value, path)
    # a list (past 64 bits) stays a list of ints: np.asarray would make [0, 2**63] floats
    return dict(zip(outcomes.tolist() if isinstance(outcomes, np.ndarray) else list(outcomes),
                    values.tolist() if isinstance(values, np.ndarray) else values)), width


def outcome_items(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                  path: str = "$", *, allow_empty: bool = False
                  ) -> tuple[Outcomes, list[V], int | None, tuple[int, ...] | None]:
    """Read an object keyed by ``"0x.."`` hex, ``"0b.."`` binary or bitstring outcomes (bit 0
    rightmost; register groups split by single spaces, last register leftmost), one kind per
    object. Returns ``(outcomes, values, width carried by bitstring keys or None, register widths
    from the spaces (first register first) or None)``."""
    obj = expect_dict(obj, fmt, path)
    if not obj and not allow_empty:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    fast = fast_keys(keys) if len(keys) > 16 and type(keys[0]) is str else None
    split: tuple[int, ...] | None
    ints: Outcomes
    if fast is not None:
        ints, width = fast
        split = None if width is None else (width,)
    else:
        raw, width, split = normalize_keys(obj, fmt, path)
        ints = list(raw)
        keys = [str(k) for k in keys]
    values = read_values(keys, list(obj.values()), fmt, path, read_value)
    return ints, values, width, split


def outcome_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                   path: str = "$", *, allow_empty: bool = False
                   ) -> tuple[dict[int, V], int | None, tuple[int, ...] | None]:
    """:func:`outcome_items` with the outcomes and values as a dict."""
    ints, values, width, split = outcome_items(obj, fmt, read_value, path,
                                               allow_empty=allow_empty)
    keys = np.asarray(ints).tolist() if isinstance(ints, np.ndarray) else ints
    return dict(zip(keys, values.tolist() if isinstance(values, np.ndarray) else values)), \
        width, split


def hex_shots(items: list[Any], fmt: str, path: str) -> list[int] | np.ndarray:
    """Decode per-shot ``"0x.."`` strings: a uint64 array when all fit in 64 bits, else Python
    ints. Each bad entry raises PayloadError with its path."""
    fast = fast_hex(items)
    if fast is not None:
        return fast
    out = []
    for i, item in enumerate(items):
        p = subpath(path, i)
        if not isinstance(item, str) or not item.startswith(("0x", "0X")) or len(item) < 3 or \
                not all(c in "0123456789abcdefABCDEF" for c in item[2:]):
            raise PayloadError(fmt, p, f"expected a hex outcome like '0x1a', got {short_repr(item)}")
        if (len(item) - 2) * 4 > MAX_WIDTH + 4:
            raise PayloadError(fmt, p, f"outcome wider than {MAX_WIDTH} bits")
        out.append(int(item, 16))
    return out


def looks_binary(keys: list[Any]) -> bool:
    """True when keys read as Qiskit-style outcomes rather than IonQ decimal states: hex or
    ``0b`` prefixes, register spaces, or zero-padded 0/1 strings of one width (>= 2)."""
    if not keys or not all(isinstance(k, str) for k in keys):
        return False
    if any(k.startswith(("0x", "0X", "0b", "0B")) or " " in k for k in keys):
        return True
    widths = {len(k) for k in keys}
    return len(widths) == 1 and widths.pop() >= 2 and all(set(k) <= {"0", "1"} for k in keys) \
        and any(k.startswith("0") for k in keys)
