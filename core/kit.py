"""The format author's kit: everything a plugin needs, and the only qfmt module a plugin imports
besides :mod:`qfmt` itself.

A parser walks its payload with the **readers** (each problem is raised as
:class:`qfmt.PayloadError` with the format id and the JSON path), decodes keys with the **key
decoders** (the one bit-order rule: bit *i* of an outcome is classical bit *i*), and hands arrays to
the **builders**, which apply the one width rule and the one probability-sum rule and build the
canonical object without a Python object per outcome. A serializer gets an object already
converted and prepared (joint register, leakage) and only encodes, with the **writers**.

>>> from qfmt import kit
>>> outcomes, values = kit.decimal_items({"0": 3, "5": 1}, "my.fmt", kit.count_value)
>>> c = kit.counts(outcomes, values, fmt="my.fmt")
>>> c.width, dict(c)
(3, {0: 3, 5: 1})
>>> kit.decimal_strings(c.outcome_array), kit.bitstrings(c.outcome_array, c.width)
(['0', '5'], ['000', '101'])

========================  ========================================================================
readers                   :func:`jpath`, :func:`subpath`, :func:`expect_dict`, :func:`expect_list`,
                          :func:`expect_keys`, :func:`check_width`, :func:`type_name`,
                          :func:`count_value`, :func:`probability_value`, :func:`quasi_value`,
                          :func:`probability_reader`, :func:`read_values`,
                          :func:`passthrough_problem`, :func:`short_repr` (values in messages),
                          :data:`MAX_COUNT`, :data:`MAX_DEPTH`, :data:`MAX_REGISTERS`,
                          :data:`MAX_JSON_DEPTH`
key decoders              :func:`decimal_key`, :func:`binary_key`, :func:`decimal_items`,
                          :func:`bitstring_items`, :func:`outcome_items`, :func:`hex_shots`,
                          :func:`decimal_shots`, :func:`looks_binary`
fast paths                :func:`fast_decimals`, :func:`fast_hex`, :func:`fast_bitstrings`,
                          :func:`decimal_array_text`, :func:`decimal_counts_text`,
                          :func:`bitstring_counts_text`, :func:`sorted_order`,
                          :func:`compact_json`
builders                  :func:`counts`, :func:`probabilities`, :func:`quasi`, :func:`memory`,
                          :func:`memory_from_bits`, :func:`memory_from_ints`,
                          :func:`register_marginals`, :func:`resolve_width`, :func:`sum_to_one`,
                          :func:`check_sum`, :data:`PROB_ATOL`, :data:`MAX_WIDTH`
bit packing               :func:`pack_u64`, :func:`pack_ints`, :func:`unpack_ints`,
                          :func:`packed_width`, :func:`resize_packed`, :func:`nbytes_for`
writers                   :func:`decimal_strings`, :func:`bitstrings`, :func:`bitstring`,
                          :func:`memory_strings`, :func:`json_decimal_strings`,
                          :func:`json_decimal_counts` (JSON bytes straight from arrays)
conversion helpers        :func:`single_register`, :func:`without_leakage`, :func:`map_bits`,
                          :func:`marginalize_dist`, :func:`largest_remainder`, :func:`evolve`
schemas                   :func:`load_schema`
========================  ========================================================================
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from ._bits import (
    MAX_WIDTH,
    bitstring,
    bitstrings,
    decimal_strings,
    nbytes_for,
    pack_ints,
    pack_u64,
    packed_width,
    resize_packed,
    unpack_ints,
)
from ._convert import marginalize_dist, single_register, without_leakage
from ._dist import Counts, ProbDistribution, QuasiDistribution, outcome_array_of, sort_outcomes
from ._errors import MissingDependencyError, PayloadError, short_repr
from ._json import MAX_JSON_DEPTH, MAX_STRING, compact_json
from ._keys import (
    binary_key,
    bitstring_counts_text,
    bitstring_items,
    decimal_array_text,
    decimal_counts_text,
    decimal_items,
    decimal_key,
    decimal_object,
    decimal_shots,
    fast_bitstrings,
    fast_decimals,
    fast_hex,
    hex_shots,
    looks_binary,
    outcome_items,
    outcome_object,
    sorted_order,
)
from ._layout import Note, RegisterLayout
from ._marginal import map_bits
from ._memory import Memory, memory_strings
from ._read import (
    MAX_COUNT,
    MAX_DEPTH,
    MAX_REGISTERS,
    check_width,
    count_value,
    expect_dict,
    expect_keys,
    expect_list,
    jpath,
    passthrough_problem,
    probability_reader,
    probability_value,
    quasi_value,
    read_values,
    subpath,
    type_name,
)
from ._results import RegisterMarginals
from ._rows import int_rows
from ._rules import PROB_ATOL, check_sum, largest_remainder, resolve_width, sum_to_one

if TYPE_CHECKING:  # the command-line helpers load on first use (see the end of this module)
    from ._cli_kit import EXIT_INTERRUPT, EXIT_INVALID, EXIT_MISSING_DEP, EXIT_USAGE, CliError
    from ._cli_kit import busy as cli_busy
    from ._cli_kit import complete_formats as complete_format_ids
    from ._cli_kit import parse_options as cli_options

__all__ = [
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_JSON_DEPTH",
    "MAX_REGISTERS",
    "MAX_WIDTH",
    "PROB_ATOL",
    "binary_key",
    "bitstring",
    "bitstring_counts_text",
    "bitstring_items",
    "bitstring_object",
    "bitstrings",
    "check_sum",
    "check_width",
    "compact_json",
    "count_value",
    "counts",
    "decimal_array_text",
    "decimal_counts_text",
    "decimal_items",
    "decimal_items_many",
    "decimal_key",
    "decimal_object",
    "decimal_shots",
    "decimal_strings",
    "evolve",
    "expect_dict",
    "expect_keys",
    "expect_list",
    "fast_bitstrings",
    "fast_decimals",
    "fast_hex",
    "hex_shots",
    "jpath",
    "json_decimal_counts",
    "json_decimal_strings",
    "largest_remainder",
    "load_schema",
    "looks_binary",
    "map_bits",
    "marginalize_dist",
    "memory",
    "memory_from_bits",
    "memory_from_ints",
    "memory_strings",
    "nbytes_for",
    "optional_import",
    "outcome_items",
    "outcome_object",
    "pack_ints",
    "pack_u64",
    "packed_width",
    "passthrough_problem",
    "probabilities",
    "probabilities_many",
    "probability_reader",
    "probability_value",
    "quasi",
    "quasi_value",
    "read_values",
    "register_marginals",
    "resize_packed",
    "resolve_width",
    "short_repr",
    "single_register",
    "sorted_order",
    "subpath",
    "sum_to_one",
    "type_name",
    "unpack_ints",
    "without_leakage",
    "int_rows",
    "CliError",
    "cli_busy",
    "cli_options",
    "complete_format_ids",
    "EXIT_INVALID",
    "EXIT_USAGE",
    "EXIT_MISSING_DEP",
    "EXIT_INTERRUPT",
    "MAX_STRING",
]

T = TypeVar("T")

#: ``attrs.evolve``: a copy of a canonical object with some fields changed (re-checked).
evolve = attrs.evolve

LayoutLike = RegisterLayout | Sequence[tuple[str, int]] | None


def _layout(layout: LayoutLike) -> RegisterLayout | None:
    return layout if layout is None or isinstance(layout, RegisterLayout) else \
        RegisterLayout(layout)


#: Up to this many outcomes given as lists, the checks run in plain Python: numpy's per-call
#: set-up costs more than the work for a small object (an aggregate of many small children).
_SMALL = 128


def _small_arrays(outcomes: list[int], values: Any, dtype: Any, fmt: str | None, path: str
                  ) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    if len(values) != len(outcomes):
        raise PayloadError(fmt, path, f"{len(outcomes)} outcomes but {len(values)} values")
    try:
        outs = np.array(outcomes, dtype=np.uint64)
    except OverflowError:  # wider than 64 bits: exact Python ints
        return sort_outcomes(_ints_array(outcomes), np.array(values, dtype=dtype), fmt, path)
    vals = np.array(values, dtype=dtype)
    if all(map(operator.lt, outcomes, outcomes[1:])):
        return outs, vals
    order = outs.argsort(kind="stable")
    outs, vals = outs[order], vals[order]
    same = outs[1:] == outs[:-1]
    if np.count_nonzero(same):
        raise PayloadError(fmt, path, f"outcome {int(outs[int(same.argmax())])} appears twice")
    return outs, vals


def _arrays(outcomes: Any, values: Any, dtype: Any, fmt: str | None, path: str
            ) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    if type(outcomes) is list and len(outcomes) <= _SMALL:
        return _small_arrays(outcomes, values, dtype, fmt, path)
    outs = outcomes if isinstance(outcomes, np.ndarray) and outcomes.dtype == np.uint64 else (
        np.asarray(outcomes, dtype=np.uint64) if isinstance(outcomes, np.ndarray) and
        outcomes.dtype.kind in "ui" else _ints_array(outcomes))
    vals = np.asarray(values, dtype=dtype)
    if outs.ndim != 1 or vals.shape != outs.shape:
        raise PayloadError(fmt, path, f"{outs.size} outcomes but {vals.size} values")
    return sort_outcomes(outs, vals, fmt, path)


def _ints_array(values: Any) -> npt.NDArray[Any]:
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if not items or max(items).bit_length() <= 64:
        return np.array(items, dtype=np.uint64)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _build(cls: type[T], outcomes: Any, values: Any, dtype: Any, *, width: Any, key_width: Any,
           fmt: str | None, path: str, option: str, layout: LayoutLike,
           key_text: Any = None, checked: bool = False, **fields: Any) -> T:
    outs, vals = (outcomes, values) if checked else _arrays(outcomes, values, dtype, fmt, path)
    lay = _layout(layout)
    if width is None and lay is not None:
        width = lay.width
    w, inferred = resolve_width(outs, width, key_width, fmt=fmt, path=path, option=option,
                                key_text=key_text)
    if lay is not None and lay.width != w:
        raise PayloadError(fmt, path, f"the registers cover {lay.width} bits but the width is {w}")
    return cls._trusted(outcome_array_of(outs, w), vals, w,  # type: ignore[attr-defined,no-any-return]
                        width_inferred=inferred, layout=lay, **fields)


def counts(outcomes: Any, values: Any, *, width: int | None = None, key_width: int | None = None,
           fmt: str | None = None, path: str = "$", option: str = "width",
           layout: LayoutLike = None, provenance: Iterable[Note] = (),
           time_taken: float | None = None, key_text: Any = None) -> Counts:
    """A :class:`qfmt.Counts` from outcome and count arrays (any order; two equal outcomes are a
    PayloadError at ``path``). Counts must already be checked (use the readers).

    The width rule (:func:`resolve_width`): ``width`` declared (the option named ``option``, e.g.
    ``"num_qubits"``; an outcome that does not fit is named at ``subpath(path, key_text(k))``), or
    ``key_width`` carried by the keys, or inferred from the widest outcome.
    """
    return _build(Counts, outcomes, values, np.uint64, width=width, key_width=key_width, fmt=fmt,
                  path=path, option=option, layout=layout, key_text=key_text,
                  provenance=tuple(provenance), time_taken=time_taken)


def probabilities(outcomes: Any, values: Any, *, width: int | None = None,
                  key_width: int | None = None, fmt: str | None = None, path: str = "$",
                  option: str = "width", layout: LayoutLike = None,
                  provenance: Iterable[Note] = (), shots: int | None = None,
                  atol: float = PROB_ATOL, normalize: bool = False,
                  key_text: Any = None) -> ProbDistribution:
    """A :class:`qfmt.ProbDistribution` from arrays, with the width rule and the probability-sum
    rule (:func:`sum_to_one`: the sum must be 1 within ``atol``, or ``normalize=True`` rescales and
    notes it). Values must already be checked (use :func:`probability_reader`)."""
    if type(values) is not list:
        values = np.asarray(values, dtype=np.float64)
    values, notes = sum_to_one(values, fmt, path, atol, normalize)
    outs, vals = _arrays(outcomes, values, np.float64, fmt, path)
    return _build(ProbDistribution, outs, vals, np.float64, width=width, key_width=key_width,
                  fmt=fmt, path=path, option=option, layout=layout, key_text=key_text,
                  checked=True, provenance=(*provenance, *notes), shots=shots, atol=float(atol))


def decimal_items_many(objs: Sequence[Any], read_value: Any
                       ) -> tuple[npt.NDArray[np.uint64], list[Any], npt.NDArray[np.intp]] | None:
    """The fast path of :func:`decimal_items` over many objects at once (e.g. the children of a
    batch): ``(outcomes, values, lengths)`` with every object's items laid end to end, decoded
    and checked in one numpy pass. None when any object needs the careful per-object reader
    (then call :func:`decimal_items` on each, which names the problem with its path)."""
    if not objs or not all(type(o) is dict and o for o in objs):
        return None
    keys = list(chain.from_iterable(objs))
    leading = [True]
    ints = fast_decimals(keys, leading)
    if ints is None:
        return None
    lengths = np.fromiter(map(len, objs), dtype=np.intp, count=len(objs))
    if leading[0]:  # "7" and "07" in one object: let the careful reader name them
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


def probabilities_many(outcomes: npt.NDArray[np.uint64], values: Any,
                       lengths: npt.NDArray[np.intp], *, widths: Sequence[int | None],
                       fmt: str | None, paths: Sequence[str], option: str = "width",
                       atol: float = PROB_ATOL, normalize: bool = False,
                       key_text: Any = None) -> list[ProbDistribution]:
    """:func:`probabilities` for many distributions laid end to end (``lengths[i]`` items each,
    ``widths[i]`` declared or None, errors at ``paths[i]``), with the same rules, checked in a
    few numpy passes instead of a numpy set-up per distribution."""
    n = len(lengths)
    outs = np.asarray(outcomes, dtype=np.uint64)
    vals = np.asarray(values, dtype=np.float64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # a step down that is not where one distribution ends: not yet ascending (or a repeat)
    down = outs[1:] <= outs[:-1]
    down[ends[:-1] - 1] = False
    if np.count_nonzero(down):
        order = sorted_order(outs, np.asarray(lengths, dtype=np.intp))
        if order is None:  # a repeated outcome: name the first, in sorted order
            seg = np.repeat(np.arange(n), lengths)
            order = np.lexsort((outs, seg))
            outs, seg = outs[order], seg[order]
            same = np.flatnonzero((outs[1:] == outs[:-1]) & (seg[1:] == seg[:-1]))
            i = int(seg[int(same[0])])
            raise PayloadError(fmt, paths[i], f"outcome {int(outs[int(same[0])])} appears twice")
        outs, vals = outs[order], vals[order]
    sums = np.add.reduceat(vals, starts) if vals.size else np.zeros(n)
    notes: list[tuple[Note, ...]] = [()] * n
    if normalize:
        if (sums <= 0).any():
            i = int(np.argmax(sums <= 0))
            raise PayloadError(fmt, paths[i], "probabilities sum to 0: cannot normalise")
        rescale = sums != 1.0
        vals = vals / np.repeat(np.where(rescale, sums, 1.0), lengths)
        notes = [(Note("renormalized", f"divided by the sum {float(s)!r}"),) if r else ()
                 for s, r in zip(sums.tolist(), rescale.tolist())]
    else:
        bad = np.flatnonzero(np.abs(sums - 1.0) > atol)
        if bad.size:
            i = int(bad[0])
            check_sum(vals[starts[i]:ends[i]].tolist(), fmt, paths[i], atol)  # the message
    tops = [t.bit_length() for t in outs[ends - 1].tolist()] if n else []
    outs.flags.writeable = False
    vals.flags.writeable = False
    if all(d is None for d in widths):
        ws, inferred = [max(t, 1) for t in tops], [True] * n
    else:
        ws, inferred = [], []
        for i, (top, declared) in enumerate(zip(tops, widths)):
            if declared is None:
                ws.append(max(top, 1))
                inferred.append(True)
                continue
            w = check_width(declared, fmt, paths[i], option)
            if top > w:
                s, e = int(starts[i]), int(ends[i])
                resolve_width(outs[s:e], w, fmt=fmt, path=paths[i], option=option,
                              key_text=key_text)  # raises, naming the outcome
            ws.append(w)
            inferred.append(False)
    return ProbDistribution._trusted_slices(outs, vals, ends.tolist(), ws, inferred, notes,
                                            shots=None, atol=float(atol))


def quasi(outcomes: Any, values: Any, *, width: int | None = None, key_width: int | None = None,
          fmt: str | None = None, path: str = "$", option: str = "width",
          layout: LayoutLike = None, provenance: Iterable[Note] = (), shots: int | None = None,
          stddev_upper_bound: float | None = None, key_text: Any = None) -> QuasiDistribution:
    """A :class:`qfmt.QuasiDistribution` from arrays, with the width rule."""
    return _build(QuasiDistribution, outcomes, values, np.float64, width=width,
                  key_width=key_width, fmt=fmt, path=path, option=option, layout=layout,
                  key_text=key_text, provenance=tuple(provenance), shots=shots,
                  stddev_upper_bound=stddev_upper_bound)


def memory(packed: npt.NDArray[np.uint8], *, width: int | None = None, fmt: str | None = None,
           path: str = "$", option: str = "width", layout: LayoutLike = None,
           leakage: npt.NDArray[np.uint8] | None = None, leakage_width: int = 0,
           leakage_present: npt.NDArray[np.bool_] | None = None,
           provenance: Iterable[Note] = ()) -> Memory:
    """A :class:`qfmt.Memory` from packed little-endian shot bytes ``(shots, nbytes)`` (as
    :func:`pack_u64` gives), with the width rule: a declared ``width`` must hold every shot (the
    error names the first shot that does not fit, at ``subpath(path, index)``)."""
    lay = _layout(layout)
    if width is None and lay is not None:
        width = lay.width
    top = packed_width(packed)
    if width is None:
        w, inferred = max(top, 1), True
    else:
        w, inferred = check_width(width, fmt, path, option), False
        if top > w:
            bad = _first_wider(packed, w)
            raise PayloadError(fmt, subpath(path, bad), f"shot {bad} needs more than {option}={w} "
                               "bits")
    if lay is not None and lay.width != w:
        raise PayloadError(fmt, path, f"the registers cover {lay.width} bits but the width is {w}")
    try:
        return Memory(resize_packed(packed, w), w, inferred, lay, leakage, leakage_width,
                      leakage_present, tuple(provenance))
    except ValueError as exc:  # leakage rows that do not match the shots, and the like
        raise PayloadError(fmt, path, str(exc)) from None


def _first_wider(packed: npt.NDArray[np.uint8], width: int) -> int:
    full, rest = divmod(width, 8)
    mask = np.zeros(packed.shape[1], dtype=np.uint8)
    mask[:full] = 0xFF
    if rest and full < mask.size:
        mask[full] = (1 << rest) - 1
    over = (packed & ~mask).any(axis=1)
    return int(np.argmax(over))


def memory_from_bits(rows: npt.ArrayLike, *, layout: LayoutLike = None,
                     provenance: Iterable[Note] = ()) -> Memory:
    """A :class:`qfmt.Memory` from a ``(shots, width)`` array of 0/1, column *i* = bit *i*."""
    return Memory.from_bits(rows, layout=_layout(layout), provenance=provenance)


def memory_from_ints(values: Sequence[int] | npt.NDArray[Any], *, width: int | None = None,
                     layout: LayoutLike = None, provenance: Iterable[Note] = ()) -> Memory:
    """A :class:`qfmt.Memory` from one integer outcome per shot."""
    return Memory.from_ints(values, width, layout=_layout(layout), provenance=provenance)


def register_marginals(registers: Mapping[str, Any], *, joint_register: str | None = None,
                       provenance: Iterable[Note] = ()) -> RegisterMarginals:
    """A :class:`qfmt.RegisterMarginals`: one distribution per register name, in order.
    ``joint_register`` names the register that holds every measured bit, if the payload has one."""
    return RegisterMarginals(registers, tuple(provenance), joint_register=joint_register)


def bitstring_object(obj: Any, fmt: str, read_value: Any, path: str = "$"
                     ) -> tuple[dict[int, Any], int]:
    """:func:`bitstring_items` as ``({outcome: value}, width)`` (kept for plugins written
    against the dict model; prefer the items form, which stays on arrays)."""
    outcomes, values, width = bitstring_items(obj, fmt, read_value, path)
    # a list (past 64 bits) stays a list of ints: np.asarray would make [0, 2**63] floats
    return dict(zip(outcomes.tolist() if isinstance(outcomes, np.ndarray) else list(outcomes),
                    values.tolist() if isinstance(values, np.ndarray) else values)), width


def optional_import(module: str, *, extra: str, needs: str) -> Any:
    """Import an optional dependency, or raise :class:`qfmt.MissingDependencyError` saying
    ``"<needs>: install qfmt[<extra>] (pip install 'qfmt[<extra>]')"``.

    >>> optional_import("numpy", extra="x", needs="this needs numpy").__name__
    'numpy'
    """
    try:  # the import statement's machinery (not importlib's), so import hooks see it
        return __import__(module, fromlist=["__name__"])
    except ImportError as exc:
        raise MissingDependencyError(
            f"{needs}: install qfmt[{extra}] (pip install 'qfmt[{extra}]')") from exc


def load_schema(format_id: str, package: str = "qfmt.schemas") -> dict[str, Any]:
    """Load ``<format_id>.json`` shipped as package data in ``package`` (its ``$id`` must be the
    format id)."""
    text = resources.files(package).joinpath(f"{format_id}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    if schema.get("$id") != format_id:
        raise ValueError(f"schema for {format_id} has $id {schema.get('$id')!r}")
    return schema


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


# -- command-line helpers for plugin commands -------------------------------------------------
# A plugin's ``qfmt_cli_commands`` hook returns click commands; these helpers give them the
# command line's one error line, exit codes, spinner, ``--option`` parsing and format-id
# completion. They live in ``qfmt._cli_kit`` (below both this kit and :mod:`qfmt.cli`) and are
# imported on first use, so that importing the kit never imports click.
_CLI_HELPERS = {"CliError": "CliError", "cli_busy": "busy", "cli_options": "parse_options",
                "complete_format_ids": "complete_formats", "EXIT_INVALID": "EXIT_INVALID",
                "EXIT_USAGE": "EXIT_USAGE", "EXIT_MISSING_DEP": "EXIT_MISSING_DEP",
                "EXIT_INTERRUPT": "EXIT_INTERRUPT"}


def __getattr__(name: str) -> Any:
    """The command-line helpers (:data:`_CLI_HELPERS`), imported on first use."""
    if name in _CLI_HELPERS:
        from . import _cli_kit

        return getattr(_cli_kit, _CLI_HELPERS[name])
    raise AttributeError(f"module 'qfmt.kit' has no attribute {name!r}")
