"""Bit packing and rendering: the one storage layout of per-shot data and outcome text.

Per-shot outcomes are stored packed, little-endian: bit *i* of a shot's outcome is bit ``i % 8`` of
byte ``i // 8`` (the bytes of a little-endian integer). Rendering writes bit 0 rightmost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_WIDTH",
    "bitstring",
    "bitstrings",
    "decimal_strings",
    "nbytes_for",
    "pack_ints",
    "pack_u64",
    "packed_width",
    "resize_packed",
    "rows_as_strings",
    "unpack_ints",
]

#: The widest outcome qfmt accepts, in bits. Wider keys are rejected before any big int is built,
#: so a hostile 100,000-digit key fails fast. 1024 bits is far beyond any device.
MAX_WIDTH = 1024


#: Decimal digits needed for a ``MAX_WIDTH``-bit number.
MAX_DECIMAL_DIGITS = math.ceil(MAX_WIDTH * math.log10(2))


def bitstring(value: int, width: int) -> str:
    """Render an outcome as a bitstring of exactly ``width`` characters, bit 0 rightmost.

    >>> bitstring(1, 3)
    '001'
    """
    if value.bit_length() > width:
        raise ValueError(f"outcome {value} does not fit in {width} bits")
    return format(value, f"0{width}b") if width else ""


def nbytes_for(width: int) -> int:
    """Bytes per shot for a packed outcome of ``width`` bits (at least 1)."""
    return max(1, (width + 7) // 8)


def pack_u64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Pack uint64 outcomes into ``(n, nbytes)`` little-endian bytes, nbytes fitting the widest."""
    n = values.shape[0]
    top = int(values.max()) if n else 0
    nb = nbytes_for(top.bit_length())
    raw = np.ascontiguousarray(values.astype("<u8", copy=False)).view(np.uint8).reshape(n, 8)
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


def unpack_u64(packed: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Rows of at most 8 packed little-endian bytes as a fresh uint64 array (3, 5, 6 or 7 bytes
    a row: the rows copied flat, read as overlapping 8-byte words and the bytes of the next row
    masked off; else one copy into an 8-byte grid, read in place)."""
    n, nb = packed.shape
    if nb > 8:
        raise ValueError(f"{nb} bytes a row do not fit in uint64")
    if nb in (3, 5, 6, 7):
        flat = np.zeros(n * nb + 8, dtype=np.uint8)
        flat[:n * nb] = packed.reshape(-1)
        overlapping = np.ndarray((n,), dtype="<u8", buffer=flat, strides=(nb,))
        rows: npt.NDArray[np.uint64] = overlapping.astype(np.uint64)
        rows &= np.uint64(2 ** (8 * nb) - 1)
        return rows
    padded = np.zeros((n, 8), dtype=np.uint8)
    padded[:, :nb] = packed
    words = padded.view("<u8").reshape(n)
    out: npt.NDArray[np.uint64] = words.view(np.uint64) if words.dtype == np.uint64 \
        else words.astype(np.uint64)
    return out


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
    # column by column from the top byte: a reduction along axis 0 of a narrow array walks it
    # row by row, tens of times slower than these strided passes
    for top in range(packed.shape[1] - 1, -1, -1):
        high = int(packed[:, top].max())
        if high:
            return top * 8 + high.bit_length()
    return 0


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


def bitstrings(outcomes: Sequence[int] | npt.NDArray[Any], width: int) -> list[str]:
    """Zero-padded bitstrings (bit 0 rightmost) of many outcomes; vectorised up to 64 bits.

    >>> bitstrings([1, 2], 3)
    ['001', '010']
    """
    n = len(outcomes)
    if n == 0:
        return []
    if width > 64 or n < 32 or (isinstance(outcomes, np.ndarray) and outcomes.dtype == object):
        return [bitstring(int(k), width) for k in outcomes]
    values = np.asarray(outcomes, dtype=np.uint64)
    if width < 64 and (values >> np.uint64(width)).any():
        raise ValueError(f"an outcome does not fit in {width} bits")
    if width == 0:
        return [""] * n
    raw = np.ascontiguousarray(values.astype(">u8")).view(np.uint8).reshape(n, 8)
    bits = np.unpackbits(raw, axis=1)[:, 64 - width:]  # most significant bit first
    return rows_as_strings(bits)


def decimal_strings(outcomes: Sequence[int] | npt.NDArray[Any]) -> list[str]:
    """The minimal decimal text of each outcome (``"5"``), vectorised for uint64 arrays.

    >>> decimal_strings(np.array([0, 5], dtype=np.uint64))
    ['0', '5']
    """
    if isinstance(outcomes, np.ndarray) and outcomes.dtype.kind in "ui":
        out: list[str] = outcomes.astype(str).tolist()
        return out
    return [str(int(v)) for v in outcomes]


def rows_as_strings(bits_msb_first: npt.NDArray[Any]) -> list[str]:
    """One '0'/'1' string per row of a (n, width) 0/1 array whose first column is the top bit."""
    n, width = bits_msb_first.shape
    if width == 0:
        return [""] * n
    raw = (bits_msb_first.astype(np.uint8) + ord("0")).tobytes().decode("ascii")
    return [raw[i:i + width] for i in range(0, len(raw), width)]
