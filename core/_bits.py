"""The bit-order rule and the checked readers of keys and values, kept in one place.

**The rule.** An outcome is a non-negative Python ``int`` whose bit *i* is classical bit *i* (for
IonQ payloads: qubit *i*). Every textual form is decoded to that int here and nowhere else:

==========================  ===========================  ==============================
form                        example for "qubit 0 set"    decoding
==========================  ===========================  ==============================
IonQ v1 decimal key         ``"1"``                      ``int(key)`` (little-endian)
IonQ v2 bitstring           ``"01"``                     ``int(key, 2)``: rightmost char is bit 0
IonQ shots v2 bit array     ``[1, 0]``                   element *i* is bit *i*
Qiskit hex / bitstring key  ``"0x1"`` / ``"01"``         ``int(key, 16)`` / rightmost char is bit 0
==========================  ===========================  ==============================

A width (how many bits an outcome has) is never taken from the widest key when one is declared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ._errors import PayloadError

__all__ = [
    "MAX_WIDTH",
    "bitstring",
    "jpath",
]

#: The widest outcome qfmt accepts, in bits. Wider keys are rejected before any big int is built,
#: so a hostile 100,000-digit key fails fast. 1024 bits is far beyond any device.
MAX_WIDTH = 1024
#: Decimal digits needed for a ``MAX_WIDTH``-bit number.
MAX_DECIMAL_DIGITS = math.ceil(MAX_WIDTH * math.log10(2))

_IDENT_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def jpath(*parts: str | int) -> str:
    """Format a JSON path: ``jpath("histogram", "registers", "r", "012")`` ->
    ``$.histogram.registers.r["012"]``. Integers are list indices."""
    out = ["$"]
    for p in parts:
        if isinstance(p, int):
            out.append(f"[{p}]")
        elif p and not p[0].isdigit() and set(p) <= _IDENT_OK:
            out.append(f".{p}")
        else:
            if len(p) > 64:  # keep messages readable for hostile keys
                p = f"{p[:24]}...({len(p)} chars)"
            out.append('["' + p.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


def subpath(base: str, *parts: str | int) -> str:
    """Append parts to an already formatted path."""
    return base + jpath(*parts)[1:]


def bitstring(value: int, width: int) -> str:
    """Render an outcome as a bitstring of exactly ``width`` characters, bit 0 rightmost.

    >>> bitstring(1, 3)
    '001'
    """
    if value.bit_length() > width:
        raise ValueError(f"outcome {value} does not fit in {width} bits")
    return format(value, f"0{width}b") if width else ""


def type_name(value: Any) -> str:
    """A JSON-ish name of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def expect_dict(value: Any, fmt: str, path: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else raise PayloadError."""
    if not isinstance(value, dict):
        raise PayloadError(fmt, path, f"expected an object, got {type_name(value)}")
    return value


def expect_list(value: Any, fmt: str, path: str) -> list[Any]:
    """Return ``value`` if it is a JSON array, else raise PayloadError."""
    if not isinstance(value, list):
        raise PayloadError(fmt, path, f"expected an array, got {type_name(value)}")
    return value


def check_width(width: Any, fmt: str | None, path: str, what: str = "width") -> int:
    """Validate a declared width: an int in [0, MAX_WIDTH]."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)):
        raise PayloadError(fmt, path, f"{what} must be an integer, got {type_name(width)}")
    if width < 0 or width > MAX_WIDTH:
        raise PayloadError(fmt, path, f"{what} {width} is outside [0, {MAX_WIDTH}] (qfmt.MAX_WIDTH)")
    return int(width)


def decimal_key(key: Any, fmt: str, path: str) -> int:
    """Decode an IonQ v1 decimal state (little-endian: bit 0 is qubit 0).

    Accepts ASCII digits only (no sign, space, underscore or non-ASCII digit) and, because shots v1
    payloads sometimes hold them, non-negative JSON integers.
    """
    if isinstance(key, str):
        if not key or not key.isascii() or not key.isdigit():
            raise PayloadError(fmt, path, f"{key!r} is not a non-negative decimal integer")
        if len(key) > MAX_DECIMAL_DIGITS and len(key.lstrip("0")) > MAX_DECIMAL_DIGITS:
            raise PayloadError(
                fmt, path, f"decimal key of {len(key)} digits is wider than {MAX_WIDTH} bits"
            )
        value = int(key)
    elif isinstance(key, int) and not isinstance(key, bool):
        if key < 0:
            raise PayloadError(fmt, path, f"{key} is negative")
        value = key
    else:
        raise PayloadError(fmt, path, f"expected a decimal state string, got {type_name(key)}")
    if value.bit_length() > MAX_WIDTH:
        raise PayloadError(fmt, path, f"state {key} is wider than {MAX_WIDTH} bits (qfmt.MAX_WIDTH)")
    return value


def binary_key(key: str, fmt: str, path: str) -> int:
    """Decode a bitstring whose rightmost character is bit 0. Width is ``len(key)``."""
    if not key or len(key) > MAX_WIDTH or not set(key) <= {"0", "1"}:
        if key and len(key) > MAX_WIDTH:
            raise PayloadError(fmt, path, f"bitstring of {len(key)} bits exceeds {MAX_WIDTH}")
        raise PayloadError(fmt, path, f"{key!r} is not a bitstring of 0 and 1")
    return int(key, 2)


_NUMBER = (int, float, np.integer, np.floating)


def count_value(value: Any, fmt: str, path: str) -> int:
    """A shot count: a non-negative integer (an integral float such as ``1e3`` is accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"count must be a number, got {type_name(value)}")
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or not value.is_integer() or abs(value) > 2**53:
            raise PayloadError(fmt, path, f"count must be a whole number, got {value!r}")
        value = int(value)
    if value < 0:
        raise PayloadError(fmt, path, f"count must not be negative, got {value}")
    return int(value)


def probability_value(value: Any, fmt: str, path: str, *, atol: float) -> float:
    """A probability: a finite number in [0, 1] (up to ``atol`` above 1 for rounding)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"probability must be a number, got {type_name(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"probability must be finite, got {value!r}")
    if value < 0.0 or value > 1.0 + atol:
        raise PayloadError(fmt, path, f"probability {value!r} is outside [0, 1]")
    return float(value)


def quasi_value(value: Any, fmt: str, path: str) -> float:
    """A quasi-probability: any finite number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"value must be a number, got {type_name(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"value must be finite, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# Vectorised per-shot readers. Bits are stored packed, little-endian: bit i of a shot's outcome is
# bit (i % 8) of byte (i // 8) -- the same layout as a little-endian integer's bytes.
# ---------------------------------------------------------------------------------------------


def nbytes_for(width: int) -> int:
    """Bytes per shot for a packed outcome of ``width`` bits (at least 1)."""
    return max(1, (width + 7) // 8)


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


def _joined_digits(items: Sequence[Any], leading: list[bool] | None = None) -> str | None:
    """``",".join(items)`` if every item is a non-empty ASCII-digit string of at most 19 digits
    (so it fits in uint64), else None. All checks run in numpy over the joined bytes. If
    ``leading`` is given, ``leading[0]`` is set to whether any item has a leading zero."""
    try:
        text = ",".join(items)
        raw = text.encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    if not raw:
        return None
    b = np.frombuffer(raw, dtype=np.uint8)
    comma = b == 44
    if not (comma | ((b >= 48) & (b <= 57))).all():
        return None
    ends = np.flatnonzero(comma)
    if ends.size != len(items) - 1:
        return None  # an item holding a comma would split in two
    lengths = np.diff(np.concatenate(([-1], ends, [b.size]))) - 1
    if lengths.min() < 1 or lengths.max() > 19:
        return None
    if leading is not None:
        starts = np.concatenate(([0], ends + 1))
        leading[0] = bool(((b[starts] == 48) & (lengths > 1)).any())
    return text


def fast_decimals(items: Sequence[Any], leading: list[bool] | None = None
                  ) -> npt.NDArray[np.uint64] | None:
    """Vectorised decode of decimal states that are all ASCII-digit strings (<= 19 digits) or all
    non-negative machine ints. Returns None when the input needs the exact, per-item slow path.
    ``leading`` (a one-item list) receives whether any string has a leading zero."""
    if len(items) == 0:
        return np.zeros(0, dtype=np.uint64)
    if type(items[0]) is str:
        text = _joined_digits(items, leading)
        if text is None:
            return None
        return np.fromstring(text, dtype=np.uint64, sep=",")
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
    return arr.astype(np.uint64)


def decimal_array_text(raw: bytes) -> npt.NDArray[np.uint64] | None:
    """Decode the JSON text of an array of decimal states (``["2","1","3"]`` or ``[2,1,3]``)
    straight from its bytes, without a Python object per element. Compact JSON only: returns
    None (declines) for anything else, and the caller parses it the ordinary way."""
    raw = raw.strip()
    if len(raw) < 3 or raw[:1] != b"[" or raw[-1:] != b"]":
        return None
    b = np.frombuffer(raw, dtype=np.uint8)[1:-1]
    quote = b == 34
    comma = b == 44
    if not (quote | comma | ((b >= 48) & (b <= 57))).all():
        return None
    commas = np.flatnonzero(comma)
    starts = np.concatenate(([0], commas + 1))
    ends = np.concatenate((commas, [b.size]))
    if (ends - starts).min() < 1:
        return None  # an empty element
    nq = int(quote.sum())
    if nq:
        # every element a non-empty quoted string: "d+","d+",...
        if nq != 2 * starts.size or not (quote[starts].all() and quote[ends - 1].all()):
            return None
        if (ends - starts).min() < 3:
            return None  # ""
        digits = b[~quote]
    else:
        # JSON integers: no leading zeros
        if ((b[starts] == 48) & (ends - starts > 1)).any():
            return None
        digits = b
    lengths = (ends - starts) - (2 if nq else 0)
    if lengths.max() > 19:
        return None
    return np.fromstring(digits.tobytes().decode("ascii"), dtype=np.uint64, sep=",")


def _values_only(b: npt.NDArray[np.uint8], c: Any, value_end: Any) -> npt.NDArray[np.uint64]:
    """The integer values of a flat object body, keys blanked out, parsed in one C call."""
    text = b.copy()
    keep = np.zeros(b.size + 1, dtype=np.int8)
    keep[c + 1] = 1  # value starts and ends are distinct positions: no accumulation needed
    keep[value_end] = -1
    inside = np.cumsum(keep[:-1]).astype(bool)
    text[~inside & (b != 44)] = 32  # everything but values and commas becomes space
    out: npt.NDArray[np.uint64] = np.fromstring(text.tobytes().decode("ascii"), dtype=np.uint64,
                                                sep=",")
    return out


def decimal_shots(items: Sequence[Any], fmt: str, path: str) -> npt.NDArray[np.uint8]:
    """Decode a list of decimal states (strings or ints) to packed little-endian bytes.

    Returns a ``(shots, nbytes)`` uint8 array whose row width fits the widest outcome; the caller
    pads or checks against a declared width. The common case (all ASCII-digit strings that fit in
    64 bits) runs in numpy without a Python object per shot.
    """
    values = fast_decimals(items)
    if values is not None:
        return pack_u64(values)
    # general path: Python ints of any width, with exact error locations
    ints = [decimal_key(x, fmt, subpath(path, i)) for i, x in enumerate(items)]
    return pack_ints(ints)


def _no_bools(items: Sequence[Any]) -> bool:
    return bool not in set(map(type, items))


def pack_u64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Pack uint64 outcomes into ``(n, nbytes)`` little-endian bytes, nbytes fitting the widest."""
    n = values.shape[0]
    top = int(values.max()) if n else 0
    nb = nbytes_for(top.bit_length())
    raw = np.ascontiguousarray(values.astype("<u8")).view(np.uint8).reshape(n, 8)
    return np.ascontiguousarray(raw[:, :nb])


def pack_ints(values: Sequence[int], width: int | None = None) -> npt.NDArray[np.uint8]:
    """Pack Python ints (any size) into a ``(n, nbytes)`` little-endian uint8 array."""
    if width is None:
        width = max((v.bit_length() for v in values), default=0)
    nb = nbytes_for(width)
    if nb <= 8:
        arr = np.fromiter(values, dtype=np.uint64, count=len(values))
        raw = arr.astype("<u8").view(np.uint8).reshape(len(values), 8)
        return np.ascontiguousarray(raw[:, :nb])
    buf = b"".join(v.to_bytes(nb, "little") for v in values)
    out = np.frombuffer(buf, dtype=np.uint8).reshape(len(values), nb)
    return cast("npt.NDArray[np.uint8]", out.copy())


def unpack_ints(packed: npt.NDArray[np.uint8]) -> list[int]:
    """Inverse of :func:`pack_ints`: one Python int per row."""
    n, nb = packed.shape
    if nb <= 8:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :nb] = packed
        return padded.view("<u8").reshape(n).tolist()  # type: ignore[no-any-return]
    data = packed.tobytes()
    return [int.from_bytes(data[i * nb : (i + 1) * nb], "little") for i in range(n)]


def packed_width(packed: npt.NDArray[np.uint8]) -> int:
    """The bit length of the widest outcome in a packed array (0 if empty or all zero)."""
    if packed.size == 0:
        return 0
    cols = np.flatnonzero(packed.any(axis=0))
    if cols.size == 0:
        return 0
    top = int(cols[-1])
    return top * 8 + int(packed[:, top].max()).bit_length()


def resize_packed(packed: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.uint8]:
    """Pad (or trim known-zero) byte columns so the array has ``nbytes_for(width)`` columns."""
    nb = nbytes_for(width)
    have = packed.shape[1]
    if have == nb:
        return packed
    if have > nb:
        return np.ascontiguousarray(packed[:, :nb])
    out = np.zeros((packed.shape[0], nb), dtype=np.uint8)
    out[:, :have] = packed
    return out


def fast_bitstrings(keys: Sequence[Any]) -> tuple[npt.NDArray[np.uint64], int] | None:
    """Vectorised decode of bitstring keys that all have one width (<= 64) and only ``0``/``1``
    (bit 0 rightmost). Returns (values, width), or None for the exact, per-key slow path."""
    n = len(keys)
    if n == 0:
        return None
    try:
        raw = ",".join(keys).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    width = len(keys[0])
    if not 1 <= width <= 64 or len(raw) != n * (width + 1) - 1:
        return None
    b = np.frombuffer(raw + b",", dtype=np.uint8).reshape(n, width + 1)
    if not (b[:, width] == 44).all():
        return None  # keys of different widths
    bits = b[:, :width]
    if not ((bits == 48) | (bits == 49)).all():
        return None
    weights = np.uint64(1) << np.arange(width - 1, -1, -1, dtype=np.uint64)
    values = ((bits - 48).astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
    return values, width


def bulk_counts(values: list[Any]) -> list[int] | None:
    """The values as counts if all are non-negative Python ints (the common case), else None."""
    if set(map(type, values)) <= {int} and (not values or min(values) >= 0):
        return values
    return None


def bulk_floats(values: list[Any], low: float | None, high: float | None) -> list[float] | None:
    """The values as floats if all are finite JSON numbers within [low, high], else None."""
    if not set(map(type, values)) <= {float, int}:
        return None
    if len(values) <= 256:  # plain Python beats numpy's set-up on small objects
        if not all(map(math.isfinite, values)):
            return None
        if (low is not None and min(values) < low) or (high is not None and max(values) > high):
            return None
        return [float(v) for v in values]
    arr = np.array(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        return None
    if low is not None and (arr < low).any():
        return None
    if high is not None and (arr > high).any():
        return None
    out: list[float] = arr.tolist()
    return out


def decimal_counts_text(raw: bytes) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]] | None:
    """Decode compact JSON text ``{"<decimal>":<int>,...}`` (an IonQ v1 histogram) straight
    from its bytes: returns (keys, counts) as uint64 arrays in payload order, or None to decline
    anything else (whitespace, other value kinds, keys or values past 19 digits, JSON integers
    with leading zeros, keys naming one state twice)."""
    raw = raw.strip()
    if len(raw) < 7 or raw[:2] != b'{"' or raw[-1:] != b"}":
        return None
    return _counts_object(np.frombuffer(raw, dtype=np.uint8)[1:-1], binary=False)


def bitstring_counts_text(body: bytes) -> tuple[npt.NDArray[np.uint64],
                                                 npt.NDArray[np.uint64], int] | None:
    """Like :func:`decimal_counts_text` for the inside of ``{"<bitstring>":<int>,...}`` (an IonQ
    v2 register, braces excluded): keys of one width (<= 64) of 0/1, bit 0 rightmost. Returns
    (outcomes, counts, width) or None to decline."""
    if len(body) < 5:
        return None
    b = np.frombuffer(body, dtype=np.uint8)
    decoded = _counts_object(b, binary=True)
    if decoded is None:
        return None
    keys, values = decoded
    return keys, values, int(np.flatnonzero(b == 34)[1] - 1)


def _counts_object(b: npt.NDArray[np.uint8], *, binary: bool
                   ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]] | None:
    """The shared reader of a flat ``"<key>":<int>`` object body (see the two callers)."""
    quote, colon, comma = b == 34, b == 58, b == 44
    if not (quote | colon | comma | ((b >= 48) & (b <= 57))).all():
        return None
    q, c, m = np.flatnonzero(quote), np.flatnonzero(colon), np.flatnonzero(comma)
    n = c.size
    if n == 0 or q.size != 2 * n or m.size != n - 1:
        return None
    opens, closes = q[0::2], q[1::2]
    if opens[0] != 0 or not (opens[1:] == m + 1).all() or not (closes == c - 1).all():
        return None
    key_len = closes - opens - 1
    value_end = np.append(m, b.size)
    value_len = value_end - c - 1
    if key_len.min() < 1 or value_len.min() < 1 or value_len.max() > 19:
        return None
    if ((b[c + 1] == 48) & (value_len > 1)).any():
        return None  # 007 is not a JSON number
    if binary:
        width = int(key_len[0])
        if width > 64 or (key_len != width).any():
            return None  # keys of one register must have one width
        key_chars = b[(opens[:, None] + 1 + np.arange(width)).reshape(-1)]
        if not ((key_chars == 48) | (key_chars == 49)).all():
            return None
        weights = np.uint64(1) << np.arange(width - 1, -1, -1, dtype=np.uint64)
        keys = ((key_chars.reshape(n, width) - 48).astype(np.uint64) * weights).sum(
            axis=1, dtype=np.uint64)
        values = _values_only(b, c, value_end)
        return (keys, values) if values.size == n else None
    if key_len.max() > 19:
        return None
    text = b.copy()
    text[quote] = 32  # spaces: np.fromstring allows them around separators
    text[colon] = 44
    pairs = np.fromstring(text.tobytes().decode("ascii"), dtype=np.uint64, sep=",")
    if pairs.size != 2 * n:
        return None
    keys, values = pairs[0::2], pairs[1::2]
    if ((b[opens + 1] == 48) & (key_len > 1)).any() and np.unique(keys).size != n:
        return None  # "7" and "07": the ordinary parser names the repeat
    return keys, values
