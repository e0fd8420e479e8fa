"""The shared rules every format follows, each in one place: widths, probability sums, rounding.

- **Width.** A declared width wins and every outcome must fit in it; else the width the keys carry
  (bitstrings of one length); else the widest outcome's bit length (at least 1), marked inferred.
- **Probability sum.** Probabilities must sum to 1 within ``atol`` (:data:`PROB_ATOL`); with
  ``normalize=True`` they are rescaled and a ``renormalized`` note says by how much.
- **Rounding.** Probabilities become counts by largest remainder: totals exact, every outcome kept.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import LossyConversionError, PayloadError
from ._layout import Note
from ._read import check_width, subpath

__all__ = ["PROB_ATOL", "check_sum", "largest_remainder", "resolve_width", "sum_to_one"]

#: Absolute tolerance on ``sum(probabilities) - 1``. Real hardware payloads deviate by up to ~1e-5;
#: 1e-4 accepts them and still rejects clearly wrong sums. Override per call with ``atol=``.
PROB_ATOL = 1e-4


def widest(outcomes: npt.NDArray[Any]) -> int:
    """Bit length of the largest outcome of a uint64 or object array (0 when empty)."""
    if outcomes.size == 0:
        return 0
    return int(outcomes.max()).bit_length()


def resolve_width(
    outcomes: npt.NDArray[Any],
    declared: Any = None,
    key_width: int | None = None,
    *,
    fmt: str | None = None,
    path: str = "$",
    option: str = "width",
    key_text: Callable[[int], str] | None = None,
) -> tuple[int, bool]:
    """The one width rule: returns ``(width, inferred)``.

    ``declared`` (an option such as ``num_qubits=`` or a header field, named by ``option``) wins and
    every outcome must fit in it; the error names the first outcome that does not, at
    ``subpath(path, key_text(outcome))`` when ``key_text`` is given. Else ``key_width`` (what the
    keys carry). Else the widest outcome's bit length, at least 1, and ``inferred`` is True.

    >>> resolve_width(np.array([0, 5], dtype=np.uint64))
    (3, True)
    >>> resolve_width(np.array([0], dtype=np.uint64))
    (1, True)
    """
    top = widest(outcomes)
    if declared is not None:
        w = check_width(declared, fmt, path, option)
        if top > w:
            bad = next(int(k) for k in outcomes if int(k).bit_length() > w)
            where = subpath(path, key_text(bad)) if key_text is not None else path
            raise PayloadError(fmt, where, f"outcome {bad} needs {bad.bit_length()} bits but "
                               f"{option}={w}")
        return w, False
    if key_width is not None:
        if top > key_width:
            raise PayloadError(fmt, path, f"an outcome needs {top} bits but the keys carry "
                               f"{key_width}")
        return key_width, False
    return max(top, 1), True


def check_sum(values: npt.NDArray[np.float64] | Mapping[Any, float], fmt: str | None, path: str,
              atol: float = PROB_ATOL) -> float:
    """Raise PayloadError unless the probabilities sum to 1 within ``atol``; return the sum."""
    if type(values) is list and len(values) <= 4096:
        total = math.fsum(values)
    else:
        arr = np.fromiter(values.values(), dtype=np.float64, count=len(values)) \
            if isinstance(values, Mapping) else np.asarray(values, dtype=np.float64)
        total = math.fsum(arr.tolist()) if arr.size <= 4096 else float(np.sum(arr, dtype=np.float64))
    if abs(total - 1.0) > atol:
        raise PayloadError(fmt, path, f"probabilities sum to {total!r}, not 1 (tolerance "
                           f"{atol}; pass normalize=True to rescale, or atol= to widen)")
    return total


def sum_to_one(values: Any, fmt: str | None, path: str, atol: float = PROB_ATOL,
               normalize: bool = False) -> tuple[Any, tuple[Note, ...]]:
    """The one rule for probability sums: with ``normalize``, rescale to sum to 1 (recorded as a
    ``renormalized`` note; a zero sum is an error); otherwise the sum must be 1 within ``atol``
    and nothing is changed. ``values`` is a float array (or an int-keyed dict, kept for plugins
    written against the dict model). Returns (values, provenance notes to add)."""
    if isinstance(values, Mapping):
        arr = np.fromiter(values.values(), dtype=np.float64, count=len(values))
        out, notes = sum_to_one(arr, fmt, path, atol, normalize)
        return (dict(zip(values, out.tolist())) if notes else values), notes
    if not normalize:
        check_sum(values, fmt, path, atol)
        return values, ()
    arr = np.asarray(values, dtype=np.float64)
    total = float(np.sum(arr))
    if total <= 0:
        raise PayloadError(fmt, path, "probabilities sum to 0: cannot normalise")
    if total == 1.0:
        return values, ()
    return arr / total, (Note("renormalized", f"divided by the sum {total!r}"),)


def largest_remainder_array(probs: npt.NDArray[np.float64], shots: int) -> npt.NDArray[np.uint64]:
    """:func:`largest_remainder` on an array of probabilities of ascending outcomes (ties go to
    the earlier entry, the smaller outcome). Vectorised: no Python object per outcome."""
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 0:
        raise ValueError(f"shots must be a non-negative int, got {shots!r}")
    shots = int(shots)
    p = np.asarray(probs, dtype=np.float64)
    if p.size == 0:
        if shots:
            raise LossyConversionError("an empty distribution cannot be given shots")
        return np.zeros(0, dtype=np.uint64)
    total = float(p.sum())
    if not total > 0:
        raise LossyConversionError("a distribution with zero total cannot be given shots")
    exact = p * (shots / total)
    base = np.floor(exact)
    rem = exact - base
    counts = base.astype(np.uint64)
    left = shots - int(counts.sum(dtype=np.uint64))
    n = p.size
    if 0 < left < n:
        # the `left` largest remainders, ties to the earlier entry (what a stable sort on -rem
        # gives), found in O(n) by the left-th largest value instead of a sort
        threshold = np.partition(rem, n - left)[n - left]
        above = rem > threshold
        ties = np.flatnonzero(rem == threshold)[: left - int(np.count_nonzero(above))]
        counts[above] += np.uint64(1)
        counts[ties] += np.uint64(1)
    elif left > 0:  # float rounding left at least one shot per outcome: one more each, in order
        order = np.argsort(-rem, kind="stable")
        counts[order[:left]] += np.uint64(1)
    elif left < 0:  # float rounding pushed us over: take back from the smallest remainders
        # among equal remainders take from the larger outcome first
        order = np.lexsort((-np.arange(n), rem))
        take = order[counts[order] > 0][: -left]
        counts[take] -= np.uint64(1)
    return counts


def largest_remainder(probs: Mapping[int, float], shots: int) -> dict[int, int]:
    """Round ``p * shots`` to integers that sum to exactly ``shots``.

    Each outcome gets ``floor(p * shots / sum(p))``; the shots left over go one each to the
    largest remainders, ties broken by the smaller outcome. Every input outcome is kept (with 0 if
    it gets no shot), so no outcome silently disappears.

    >>> largest_remainder({0: 1/3, 1: 1/3, 2: 1/3}, 10)
    {0: 4, 1: 3, 2: 3}
    """
    arrays = getattr(probs, "outcome_array", None), getattr(probs, "value_array", None)
    if arrays[0] is not None and arrays[1] is not None:  # a distribution: already ascending
        counts = largest_remainder_array(np.asarray(arrays[1], dtype=np.float64), shots)
        return dict(zip(arrays[0].tolist(), counts.tolist()))
    keys = list(probs)
    p = np.fromiter(probs.values(), dtype=np.float64, count=len(keys))
    karr: npt.NDArray[Any] | None = None
    if set(map(type, keys)) <= {int}:
        # negative or past 64 bits: OverflowError, and numpy sorts the Python ints instead
        with contextlib.suppress(OverflowError):
            karr = np.fromiter(keys, dtype=np.uint64, count=len(keys))
    if karr is None:
        karr = np.array(keys, dtype=object)
    order = np.argsort(karr, kind="stable")  # ascending outcomes: ties go to the smaller one
    counts = np.empty(len(keys), dtype=np.uint64)
    counts[order] = largest_remainder_array(p[order], shots)
    return dict(zip(keys, counts.tolist()))
