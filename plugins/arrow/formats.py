"""The Parquet formats: ``qfmt.shots.parquet.v1`` (a :class:`qfmt.Memory`) and
``qfmt.counts.parquet.v1`` (a :class:`qfmt.Counts`).

The tables are ``Memory.to_arrow()`` / ``Counts.to_arrow()``:

- shots: one row per shot; ``outcome`` is ``uint64`` (bit *i* of the integer is classical bit *i*)
  up to 64 bits, else ``fixed_size_binary`` holding the outcome's little-endian bytes; ``leakage``
  (when the memory has leakage marks) is packed the same way, null for a shot without an entry.
- counts: one row per outcome, ascending; ``outcome`` as above, ``count`` ``uint64``.
- The schema metadata key ``qfmt`` holds the width, the register layout (first register at bit 0),
  the provenance and the leakage width as JSON, so the round trip is exact.

Integer columns are written with Parquet's DELTA_BINARY_PACKED encoding and zstd (1,000,000
20-bit shots take about 2.7 MB). Files written by other tools load too: an ``outcome`` column of
unsigned (or non-negative) integers or fixed-size binary, a ``count`` column for counts; the width
is then ``num_qubits`` or inferred. pyarrow (``qfmt[arrow]``) is imported only when a Parquet
payload is read or written; reading never needs qfmt on the other side.
"""

from __future__ import annotations

from typing import Any

import qfmt
from qfmt import kit

SHOTS = "qfmt.shots.parquet.v1"
COUNTS = "qfmt.counts.parquet.v1"
MEDIA_TYPE = "application/vnd.apache.parquet"
MAGIC = b"PAR1"
COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")


def _pyarrow() -> tuple[Any, Any]:
    needs = "Parquet formats need pyarrow"
    return (kit.optional_import("pyarrow", extra="arrow", needs=needs),
            kit.optional_import("pyarrow.parquet", extra="arrow", needs=needs))


def _table(raw: bytes, fid: str) -> Any:
    """The Arrow table in Parquet bytes; anything unreadable is a PayloadError."""
    if len(raw) < 12 or raw[:4] != MAGIC or raw[-4:] != MAGIC:
        raise qfmt.PayloadError(fid, "$", "not a Parquet file (it must start and end with PAR1)")
    pa, pq = _pyarrow()
    try:
        return pq.ParquetFile(pa.BufferReader(raw)).read()  # no dataset layer: faster
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise qfmt.PayloadError(fid, "$", f"not a readable Parquet file: {reason}") from None


def _parse(fid: str, kind: str, raw: bytes, num_qubits: int | None) -> Any:
    width = None if num_qubits is None else kit.check_width(num_qubits, fid, "$", "num_qubits")
    return qfmt.from_arrow(_table(raw, fid), fmt=fid, kind=kind, width=width,
                           option="num_qubits")


def parse_shots(payload: bytes, *, num_qubits: int | None = None) -> qfmt.Memory:
    """A Parquet file of one row per shot as a :class:`qfmt.Memory`. ``num_qubits`` declares the
    width of a file without qfmt metadata (and must agree with the metadata when present)."""
    out: qfmt.Memory = _parse(SHOTS, "memory", payload, num_qubits)
    return out


def parse_counts(payload: bytes, *, num_qubits: int | None = None) -> qfmt.Counts:
    """A Parquet file of one row per outcome as a :class:`qfmt.Counts`."""
    out: qfmt.Counts = _parse(COUNTS, "counts", payload, num_qubits)
    return out


def _write(table: Any, fid: str, compression: str) -> bytes:
    if compression not in COMPRESSIONS:
        raise qfmt.OptionError(f"{fid}: compression must be one of {', '.join(COMPRESSIONS)}, "
                               f"not {compression!r}")
    pa, pq = _pyarrow()
    encodings = {f.name: "DELTA_BINARY_PACKED" for f in table.schema
                 if pa.types.is_integer(f.type)}
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=compression, use_dictionary=False,
                   column_encoding=encodings or None)
    return bytes(sink.getvalue().to_pybytes())


def serialize_shots(memory: qfmt.Memory, *, compression: str = "zstd") -> bytes:
    """Parquet bytes of ``memory.to_arrow()`` (``compression``: zstd, snappy, gzip, brotli, lz4
    or none)."""
    return _write(memory.to_arrow(), SHOTS, compression)


def serialize_counts(counts: qfmt.Counts, *, compression: str = "zstd") -> bytes:
    """Parquet bytes of ``counts.to_arrow()``."""
    return _write(counts.to_arrow(), COUNTS, compression)


#: The detection score of both: a Parquet file that loads as memory (counts) is almost surely
#: this format.
_SCORE = 0.9


#: Both formats keep the layout (names, widths, positions) in the file's metadata.
_REGISTERS = frozenset({"registers", "register-names", "register-positions", "joint"})


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The two Parquet formats."""
    order = ("column outcome: bit i of the unsigned integer is classical bit i (over 64 bits: "
             "fixed-size little-endian bytes, bit i in byte i // 8)")
    return [
        qfmt.Format(SHOTS, "Per-shot memory as Apache Parquet: one row per shot", parse_shots,
                    serialize_shots, kit.load_schema(SHOTS), qfmt.Memory, None, None,
                    MEDIA_TYPE, carries_leakage=True, score=_SCORE, bit_order=order,
                    capabilities=_REGISTERS | {"shot-order", "shots", "leakage"}),
        qfmt.Format(COUNTS, "Counts as Apache Parquet: one row per outcome", parse_counts,
                    serialize_counts, kit.load_schema(COUNTS), qfmt.Counts, None,
                    None, MEDIA_TYPE, score=_SCORE, bit_order=order,
                    capabilities=_REGISTERS | {"shots"}),
    ]
