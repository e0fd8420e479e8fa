"""The JSON writers behind :mod:`qfmt.kit`: JSON text written straight from uint64 arrays,
byte for byte what ``orjson.dumps`` writes for the equivalent list or dict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._bits import decimal_strings

__all__ = ["json_decimal_counts", "json_decimal_strings"]

# -- JSON writers: bytes straight from arrays ----------------------------------------------------
#
# Each row of the output (one array element or one object member) is laid out in a fixed-width
# uint8 matrix: constant pieces (quotes, colons, separators, indentation) in their columns,
# decimal numbers right-aligned in 4-byte words written from a table of 10,000 four-digit
# chunks, their unused leading bytes NUL. One ``bytes.translate`` then drops the NULs. No
# Python object is made per element; the bytes are exactly what ``orjson.dumps`` writes for the
# equivalent list or dict (``OPT_INDENT_2`` when ``pretty``).


def _chunk_tables() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    full = b"".join(b"%04d" % i for i in range(10_000))

    def lead(last: bool) -> bytes:
        out = []
        for i in range(10_000):
            s = b"%d" % i if (i or last) else b""
            out.append(b"\0" * (4 - len(s)) + s)
        return b"".join(out)

    return (np.frombuffer(full + lead(False), dtype=np.uint32),
            np.frombuffer(full + lead(True), dtype=np.uint32))


_CHUNKS: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]] | None = None


def _fill_decimal(words: npt.NDArray[np.uint32], col: int, values: npt.NDArray[np.uint64],
                  chunks: int) -> None:
    """The decimal digits of ``values`` right-aligned in ``words[:, col:col + chunks]`` (4
    characters a word, leading positions NUL)."""
    global _CHUNKS
    if _CHUNKS is None:
        _CHUNKS = _chunk_tables()
    middle, last = _CHUNKS
    dtype = np.uint32 if chunks <= 2 else np.uint64
    x = values.astype(dtype)
    step = dtype(10_000)
    q = np.empty_like(x)
    r = np.empty_like(x)
    for i in range(chunks):
        np.floor_divide(x, step, out=q)
        np.multiply(q, step, out=r)
        np.subtract(x, r, out=r)
        # nothing left of this chunk: its leading zeros are NUL
        np.add(r, step, out=r, where=q == 0)
        words[:, col + chunks - 1 - i] = (last if i == 0 else middle)[r]
        x, q = q, x


def _json_rows(open_: bytes, parts: Sequence[bytes | npt.NDArray[np.uint64]], close: bytes,
               n: int) -> bytes:
    """``open_``, then ``n`` rows each the concatenation of ``parts`` (constant bytes, or a uint64
    array written in decimal) whose last byte (the separator) is dropped from the last row, then
    ``close``; the rows built in one buffer (the template repeated), NUL padding removed in one
    pass, and the brackets joined on in the one final copy."""
    template = bytearray()
    fields: list[tuple[int, npt.NDArray[np.uint64], int]] = []
    for part in parts:
        if isinstance(part, bytes):
            template += part
        else:
            template += b"\0" * (-len(template) % 4)
            top = int(part.max()) if part.size else 0
            chunks = (len(str(top)) + 3) // 4
            fields.append((len(template) // 4, part, chunks))
            template += b"\0" * (4 * chunks)
    separator = len(template) - 1
    template += b"\0" * (-len(template) % 4)
    width = len(template)
    buf = template * n
    buf[width * (n - 1) + separator] = 0
    words = np.frombuffer(buf, dtype=np.uint32).reshape(n, -1)
    for col, part, chunks in fields:
        _fill_decimal(words, col, part, chunks)
    del words  # releases the buffer
    return b"".join((open_, buf.translate(None, b"\0"), close))


def _as_u64(values: Any) -> npt.NDArray[np.uint64] | None:
    if isinstance(values, np.ndarray) and values.dtype.kind in "u" and values.ndim == 1:
        return values.astype(np.uint64, copy=False)
    return None


def json_decimal_strings(values: Any, *, pretty: bool = False) -> bytes:
    """JSON text of an array of decimal strings (``["0","5"]``), written from a uint64 array
    without a Python object per element: the bytes ``orjson.dumps(decimal_strings(values))``
    writes (with ``OPT_INDENT_2`` when ``pretty``).

    >>> json_decimal_strings(np.array([0, 5], dtype=np.uint64))
    b'["0","5"]'
    """
    arr = _as_u64(values)
    if arr is None:  # exact Python ints (wider than 64 bits): the ordinary writer
        import orjson

        return orjson.dumps(decimal_strings(values), option=orjson.OPT_INDENT_2 if pretty else 0)
    if arr.size == 0:
        return b"[]"
    return _json_rows(b"[", [b'\n  "' if pretty else b'"', arr, b'",'],
                      b"\n]" if pretty else b"]", arr.size)


def json_decimal_counts(keys: Any, values: Any, *, pretty: bool = False) -> bytes:
    """JSON text of an object of decimal keys and integer values (``{"0":3,"5":1}``), written
    from two uint64 arrays: the bytes orjson writes for ``dict(zip(decimal_strings(keys),
    values.tolist()))`` (``OPT_INDENT_2`` when ``pretty``). Keys are written in array order.

    >>> json_decimal_counts(np.array([0, 5], dtype=np.uint64), np.array([3, 1], dtype=np.uint64))
    b'{"0":3,"5":1}'
    """
    ks, vs = _as_u64(keys), _as_u64(values)
    if ks is None or vs is None or ks.shape != vs.shape:
        import orjson

        data = dict(zip(decimal_strings(keys), np.asarray(values).tolist()))
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if pretty else 0)
    if ks.size == 0:
        return b"{}"
    parts = [b'\n  "' if pretty else b'"', ks, b'": ' if pretty else b'":', vs, b","]
    return _json_rows(b"{", parts, b"\n}" if pretty else b"}", ks.size)
