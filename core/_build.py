"""The builders behind :mod:`qfmt.kit`: canonical objects from checked arrays, with the one width
rule and the one probability-sum rule, without a Python object per outcome (re-exported by the
kit; see its docstring)."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from ._bits import packed_width, resize_packed
from ._dist import Counts, ProbDistribution, QuasiDistribution, outcome_array_of, sort_outcomes
from ._errors import PayloadError
from ._keys import sorted_order
from ._layout import Note, RegisterLayout
from ._memory import Memory
from ._read import check_width, subpath
from ._results import ExperimentResult, RegisterMarginals, Result
from ._rules import PROB_ATOL, check_sum, resolve_width, sum_to_one

__all__ = ["counts", "evolve", "memory", "memory_from_bits", "memory_from_ints", "probabilities",
           "probabilities_many", "quasi", "register_marginals", "result"]

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
    # outcomes ascending first, then the sum over them in that order: every reader (a byte
    # reader handing sorted arrays, the general one handing payload order) gets the same sum,
    # bit for bit, whatever order it read the values in
    outs, vals = _arrays(outcomes, values, np.float64, fmt, path)
    vals, notes = sum_to_one(vals, fmt, path, atol, normalize)
    return _build(ProbDistribution, outs, vals, np.float64, width=width, key_width=key_width,
                  fmt=fmt, path=path, option=option, layout=layout, key_text=key_text,
                  checked=True, provenance=(*provenance, *notes), shots=shots, atol=float(atol))



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


def result(key: str, values: Sequence[Any], *, job_ids: Sequence[str | None] | None = None
           ) -> Result:
    """A :class:`qfmt.Result` of one experiment per value: experiment *i* holds
    ``data={key: values[i]}`` and ``job_id=job_ids[i]`` (None without ``job_ids``), every other
    field at its default. Equal to building each :class:`qfmt.ExperimentResult` with its
    constructor, but without the per-field converters: for readers of batches of thousands of
    experiments (IonQ's aggregate). The values are taken as they are (build them with the other
    builders).

    >>> from qfmt import kit
    >>> c = [kit.counts([0, 3], [5, 5]), kit.counts([1], [10])]
    >>> r = kit.result("counts", c, job_ids=["child-a", "child-b"])
    >>> [e.job_id for e in r.results], dict(r.results[1].data["counts"])
    (['child-a', 'child-b'], {1: 10})
    >>> r == qfmt.Result([qfmt.ExperimentResult({"counts": c[0]}, job_id="child-a"),
    ...                   qfmt.ExperimentResult({"counts": c[1]}, job_id="child-b")])
    True
    """
    if not isinstance(key, str):
        raise TypeError(f"the data key must be a str, got {type(key).__name__}")
    ids: Sequence[str | None] = [None] * len(values) if job_ids is None else job_ids
    if len(ids) != len(values):
        raise ValueError(f"{len(values)} values but {len(ids)} job ids")
    if not set(map(type, ids)) <= {str, type(None)}:
        raise TypeError("job ids must be str or None")
    return Result._trusted(ExperimentResult._trusted_many(key, values, ids))
