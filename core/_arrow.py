"""Canonical objects as Apache Arrow tables, and back (pyarrow, the ``arrow`` extra, is imported
only when used).

A :class:`qfmt.Memory` is one row per shot, a :class:`qfmt.Counts` one row per outcome:

==============  ==================================================================================
column          holds
==============  ==================================================================================
``outcome``     the outcome: ``uint64`` (bit *i* of the integer is classical bit *i*) for widths
                up to 64 bits, else ``fixed_size_binary(nbytes)`` holding the little-endian bytes
                (bit *i* is bit ``i % 8`` of byte ``i // 8``)
``count``       (Counts) the number of shots, ``uint64``
``leakage``     (Memory with leakage marks) the shot's leakage bits, packed the same way; null
                for a shot that carried no leakage entry
==============  ==================================================================================

The schema metadata key ``qfmt`` holds JSON: ``kind`` (``memory`` or ``counts``), ``width``,
``width_inferred``, ``layout`` (``registers`` as ``[[name, width], ...]``, first register at bit
0, ``positional``, ``joint``), ``leakage_width``, ``leakage_present``, ``provenance``
(``[[kind, detail], ...]``), ``time_taken`` and a one-line ``bit_order``. Any Arrow reader (pandas,
polars, DuckDB, Spark) reads the columns without qfmt; :func:`from_arrow` reads the table back
into an equal object.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from ._bits import pack_ints
from ._dist import Counts
from ._errors import MissingDependencyError, PayloadError
from ._layout import Note, RegisterLayout
from ._memory import Memory
from ._version import __version__
from ._views import provides

__all__ = ["METADATA_KEY", "counts_to_table", "from_arrow", "memory_to_table", "pyarrow"]

#: The schema metadata key under which qfmt keeps what the columns cannot say.
METADATA_KEY = b"qfmt"

BIT_ORDER = ("outcome: bit i of the unsigned integer is classical bit i (first register at bit 0); "
             "fixed-size binary outcomes are the little-endian bytes of that integer")


def pyarrow() -> Any:
    """The ``pyarrow`` module, or :class:`qfmt.MissingDependencyError` saying what to install."""
    import importlib

    try:
        return importlib.import_module("pyarrow")
    except ImportError as exc:  # pragma: no cover - the test extra installs pyarrow
        raise MissingDependencyError("Arrow tables and Parquet files need pyarrow: install "
                                     "qfmt[arrow]") from exc


# -- to Arrow -------------------------------------------------------------------------------------


def _packed_column(pa: Any, packed: npt.NDArray[np.uint8], width: int,
                   valid: npt.NDArray[np.bool_] | None = None) -> Any:
    """An Arrow column of packed little-endian rows: uint64 up to 64 bits, else fixed binary."""
    n, nb = packed.shape
    mask = None if valid is None else ~valid
    if width <= 64:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :nb] = packed[:, :8]
        return pa.array(padded.view("<u8").reshape(n), type=pa.uint64(), mask=mask)
    validity = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(nb), n, [validity, pa.py_buffer(np.ascontiguousarray(packed))],
        null_count=-1 if valid is not None else 0)


def _layout_json(layout: Any) -> Any:
    if layout is None:
        return None
    return {"registers": [[name, w] for name, w in layout.sizes], "positional": layout.positional,
            "joint": layout.joint}


def _metadata(kind: str, obj: Any, **extra: Any) -> dict[bytes, bytes]:
    meta = {"kind": kind, "width": obj.width, "width_inferred": bool(obj.width_inferred),
            "layout": _layout_json(obj.layout),
            "provenance": [[n.kind, n.detail] for n in obj.provenance], **extra,
            "bit_order": BIT_ORDER, "writer": f"qfmt {__version__}"}
    return {METADATA_KEY: json.dumps(meta).encode()}


@provides
def memory_to_table(mem: Memory) -> Any:
    """A :class:`qfmt.Memory` as an Arrow table, one row per shot (see the module docstring)."""
    pa = pyarrow()
    columns = {"outcome": _packed_column(pa, mem.bits, mem.width)}
    if mem.leakage is not None:
        columns["leakage"] = _packed_column(pa, mem.leakage, mem.leakage_width,
                                            mem.leakage_present)
    meta = _metadata("memory", mem, leakage_width=mem.leakage_width if mem.leakage is not None
                     else None, leakage_present=mem.leakage_present is not None)
    return pa.table(columns).replace_schema_metadata(meta)


@provides
def counts_to_table(counts: Counts) -> Any:
    """A :class:`qfmt.Counts` as an Arrow table, one row per outcome, ascending."""
    pa = pyarrow()
    outs = counts.outcome_array
    if counts.width <= 64:
        outcome = pa.array(np.asarray(outs, dtype=np.uint64), type=pa.uint64())
    else:
        outcome = _packed_column(pa, pack_ints(outs.tolist(), counts.width), counts.width)
    table = pa.table({"outcome": outcome,
                      "count": pa.array(np.asarray(counts.value_array, dtype=np.uint64),
                                        type=pa.uint64())})
    return table.replace_schema_metadata(_metadata("counts", counts, time_taken=counts.time_taken))


# -- from Arrow -----------------------------------------------------------------------------------


def _meta_of(table: Any, fmt: str | None) -> dict[str, Any] | None:
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        return None
    path = "$.metadata.qfmt"
    try:
        meta = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(fmt, path, f"is not JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise PayloadError(fmt, path, "must be a JSON object")
    return meta


def _field(meta: dict[str, Any], key: str, kinds: tuple[type, ...], fmt: str | None,
           default: Any = None) -> Any:
    value = meta.get(key, default)
    if value is default:
        return value
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise PayloadError(fmt, f"$.metadata.qfmt.{key}",
                           f"must be {' or '.join(k.__name__ for k in kinds)}, got "
                           f"{type(value).__name__}")
    return value


def _layout_from(meta: dict[str, Any], fmt: str | None) -> Any:
    lay = _field(meta, "layout", (dict,), fmt)
    if lay is None:
        return None
    path = "$.metadata.qfmt.layout"
    try:
        regs = [(str(name), int(w)) for name, w in lay["registers"]]
        if not all(isinstance(w, int) and not isinstance(w, bool) for _, w in lay["registers"]):
            raise TypeError("register widths must be integers")
        return RegisterLayout(regs, positional=bool(lay.get("positional", True)),
                              joint=lay.get("joint"))
    except (KeyError, TypeError, ValueError) as exc:
        raise PayloadError(fmt, path, f"is not a register layout ({exc})") from None


def _provenance_from(meta: dict[str, Any], fmt: str | None) -> tuple[Any, ...]:
    notes = _field(meta, "provenance", (list,), fmt, ())
    out = []
    for i, item in enumerate(notes):
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(s, str) for s in item)):
            raise PayloadError(fmt, f"$.metadata.qfmt.provenance[{i}]", "must be [kind, detail]")
        out.append(Note(item[0], item[1]))
    return tuple(out)


def _packed_of(pa: Any, column: Any, name: str, fmt: str | None, allow_null: bool = False
               ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_] | None]:
    """A column's values as packed little-endian rows ``(n, nbytes)``, and its validity."""
    path = f"$.columns.{name}"
    arr = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    n = len(arr)
    valid: npt.NDArray[np.bool_] | None = None
    if arr.null_count:
        if not allow_null:
            first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
            raise PayloadError(fmt, f"{path}[{first}]", "is null")
        valid = arr.is_valid().to_numpy(zero_copy_only=False).astype(bool)
    if pa.types.is_integer(arr.type):
        values = arr.fill_null(0).to_numpy(zero_copy_only=False) if arr.null_count else \
            arr.to_numpy(zero_copy_only=False)
        if pa.types.is_signed_integer(arr.type) and n and int(values.min()) < 0:
            first = int(np.flatnonzero(values < 0)[0])
            raise PayloadError(fmt, f"{path}[{first}]", f"{int(values[first])} is negative")
        u = np.ascontiguousarray(values.astype("<u8"))
        return u.view(np.uint8).reshape(n, 8), valid
    if pa.types.is_fixed_size_binary(arr.type):
        nb = arr.type.byte_width
        if nb == 0:
            raise PayloadError(fmt, path, "fixed-size binary of 0 bytes holds no outcome")
        data = arr.buffers()[1]
        flat = np.frombuffer(data, dtype=np.uint8)[arr.offset * nb:(arr.offset + n) * nb]
        packed = flat.reshape(n, nb).copy()
        if valid is not None:
            packed[~valid] = 0
        return packed, valid
    raise PayloadError(fmt, path, f"must be unsigned integers or fixed-size binary, not {arr.type}")


def _column(table: Any, name: str, fmt: str | None) -> Any:
    if name not in table.column_names:
        raise PayloadError(fmt, "$.columns", f"has no {name!r} column (it has "
                           f"{', '.join(table.column_names) or 'none'})")
    return table.column(name)


def from_arrow(table: Any, *, fmt: str | None = None, kind: str | None = None,
               width: int | None = None, option: str = "width") -> Memory | Counts:
    """The :class:`qfmt.Memory` or :class:`qfmt.Counts` an Arrow table holds (the inverse of
    ``Memory.to_arrow()`` / ``Counts.to_arrow()``).

    ``kind`` (``"memory"`` or ``"counts"``) is what the caller expects; a table of the other kind
    is a :class:`qfmt.PayloadError` (``fmt`` names the format in errors). Without qfmt metadata
    (a table written by another tool), a table with a ``count`` column is counts, the width is
    ``width`` or inferred from the data, and there are no registers. A declared ``width`` (the
    option named ``option``) must agree with the metadata.

    >>> import qfmt
    >>> m = qfmt.Memory.from_ints([1, 2, 3], width=2)
    >>> qfmt.from_arrow(m.to_arrow()) == m
    True
    """
    from . import kit  # the builders; loaded with the first table read (import qfmt does not)

    pa = pyarrow()
    if not isinstance(table, pa.Table):
        raise PayloadError(fmt, "$", f"expected a pyarrow.Table, got {type(table).__name__}")
    meta = _meta_of(table, fmt)
    found = (_field(meta, "kind", (str,), fmt) if meta is not None else None) or \
        ("counts" if "count" in table.column_names else "memory")
    if found not in ("memory", "counts"):
        raise PayloadError(fmt, "$.metadata.qfmt.kind", f"unknown kind {found!r}")
    if kind is not None and found != kind:
        raise PayloadError(fmt, "$", f"this table holds {found}, not {kind}")
    meta = meta or {}
    declared = _field(meta, "width", (int,), fmt)
    if declared is not None and width is not None and declared != width:
        raise PayloadError(fmt, "$.metadata.qfmt.width",
                           f"the table is {declared} bits wide but {option}={width}")
    w = declared if declared is not None else width
    if declared is not None:
        option = "width"  # the metadata's width, not the caller's option, is what was broken
    layout = _layout_from(meta, fmt)
    notes = _provenance_from(meta, fmt)
    inferred = bool(_field(meta, "width_inferred", (bool,), fmt, w is None))
    packed, _ = _packed_of(pa, _column(table, "outcome", fmt), "outcome", fmt)
    if found == "memory":
        leak = lw = present = None
        if "leakage" in table.column_names:
            leak, valid = _packed_of(pa, table.column("leakage"), "leakage", fmt, allow_null=True)
            top = kit.packed_width(leak)
            lw = _field(meta, "leakage_width", (int,), fmt)
            lw = top if lw is None else lw
            if top > lw:
                raise PayloadError(fmt, "$.columns.leakage", f"holds {top} bits but "
                                   f"leakage_width is {lw}")
            leak = kit.resize_packed(leak, lw)
            keep = _field(meta, "leakage_present", (bool,), fmt, valid is not None)
            if valid is not None or keep:
                present = valid if valid is not None else np.ones(len(leak), dtype=bool)
        mem = kit.memory(packed, width=w, fmt=fmt, path="$.columns.outcome", option=option,
                         layout=layout, leakage=leak, leakage_width=lw or 0,
                         leakage_present=present, provenance=notes)
        return kit.evolve(mem, width_inferred=inferred) if inferred != mem.width_inferred else mem
    counts_col = _column(table, "count", fmt)
    values, _ = _packed_of(pa, counts_col, "count", fmt)
    if values.shape[1] != 8:
        raise PayloadError(fmt, "$.columns.count", f"must be integers, not {counts_col.type}")
    cnt = values.view("<u8").reshape(-1).astype(np.uint64)
    if kit.packed_width(packed) <= 64:
        pad = np.zeros((packed.shape[0], 8), dtype=np.uint8)
        pad[:, :min(8, packed.shape[1])] = packed[:, :8]
        outs: Any = pad.view("<u8").reshape(-1).astype(np.uint64)
    else:
        outs = kit.unpack_ints(packed)
    time_taken = _field(meta, "time_taken", (int, float), fmt)
    c = kit.counts(outs, cnt, width=w, fmt=fmt, path="$.columns.outcome", option=option,
                   layout=layout, provenance=notes,
                   time_taken=None if time_taken is None else float(time_taken))
    return kit.evolve(c, width_inferred=inferred) if inferred != c.width_inferred else c
