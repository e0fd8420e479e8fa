"""Readout-error mitigation and expectation values, for results from any format.

Modelled on Qiskit 1.4's ``qiskit.result`` mitigators (removed in Qiskit 2.0). ``A[i, j]`` is the
probability of reading ``i`` when ``j`` was prepared; columns are probability vectors. Bit *k* of
the data is measured by qubit ``qubits[k]`` of the mitigator (``clbits`` first picks and orders the
data's bits).

- :class:`LocalReadoutMitigator`: one 2x2 matrix per qubit. Its inverses are applied qubit by qubit
  on a ``2**n`` vector, never as a ``2**n x 2**n`` matrix, up to :data:`LOCAL_MAX_QUBITS` qubits;
  expectation values of product diagonals (Z, I, 0, 1 strings) need no dense vector at all and work
  at any width.
- :class:`CorrelatedReadoutMitigator`: one ``2**n x 2**n`` matrix, up to
  :data:`CORRELATED_MAX_QUBITS` qubits (checked before anything is allocated).

Deliberate differences from Qiskit 1.4: a permuted ``qubits`` (or ``clbits``) order is honoured by
both mitigators (Qiskit's correlated mitigator sorts the qubits and its ``clbits`` marginalisation
ignores their order); data may be counts, probabilities, per-shot memory or a one-experiment result
from any format; invalid matrices raise :class:`qfmt.CalibrationError`.
"""

from __future__ import annotations

import abc
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._api import load
from ._dist import Counts, Distribution, ProbDistribution, QuasiDistribution
from ._errors import CalibrationError, OptionError, ResultError
from ._layout import Note
from ._marginal import _as_dist, marginal_distribution
from ._results import RegisterMarginals, Result

__all__ = [
    "CORRELATED_MAX_QUBITS",
    "LOCAL_MAX_QUBITS",
    "BaseReadoutMitigator",
    "CorrelatedReadoutMitigator",
    "LocalReadoutMitigator",
    "sampled_expectation_value",
]

#: Widest data the local mitigator turns into quasi-probabilities (a dense ``2**n`` vector of
#: float64: 512 MiB at 26 qubits). Expectation values of product diagonals have no limit.
LOCAL_MAX_QUBITS = 26
#: Widest correlated mitigator (a ``2**n x 2**n`` matrix and its inverse: 128 MiB each at 12).
CORRELATED_MAX_QUBITS = 12
#: Tolerance on each column of an assignment matrix summing to 1.
COLUMN_ATOL = 1e-6

#: numpy arrays of floats (matrices, vectors, factors)
Array = npt.NDArray[Any]

_CHARS = {"I": (1.0, 1.0), "Z": (1.0, -1.0), "0": (1.0, 0.0), "1": (0.0, 1.0)}


# ---------------------------------------------------------------------------------------------
# data in
# ---------------------------------------------------------------------------------------------


def _as_distribution(data: Any) -> Distribution[Any]:
    if isinstance(data, Result):
        if len(data.results) != 1:
            raise ResultError(f"the result has {len(data.results)} experiments: pass one "
                            "(result.get_counts(i) or result.experiment(i))")
        exp = data.experiment(0)
        for key in ("counts", "probabilities", "memory"):
            if key in exp.data:
                data = exp.data[key]
                break
        else:
            raise ResultError("the experiment has no counts, probabilities or memory")
    if isinstance(data, RegisterMarginals):
        data = data.joint()
    if isinstance(data, QuasiDistribution):
        raise OptionError("mitigate measured data (counts, probabilities or memory), not "
                        "quasi-probabilities")
    return _as_dist(data, ProbDistribution, "mitigate")


def _prob_arrays(data: Any, clbits: Sequence[int] | None, shots: int | None
                 ) -> tuple[Array, Array, int, int | None]:
    """(outcome_array, probabilities, width, shots) of the data, marginalised to ``clbits``
    (counts are divided by their total), as arrays: no Python object per outcome."""
    dist = _as_distribution(data)
    if clbits is not None:
        dist = marginal_distribution(dist, list(clbits))
    if isinstance(dist, Counts):
        total = dist.shots()
        if total == 0:
            raise ResultError("the counts hold no shots")
        probs = np.asarray(dist.value_array, dtype=np.float64) / total
        return dist.outcome_array, probs, dist.width, total if shots is None else shots
    return (dist.outcome_array, np.asarray(dist.value_array, dtype=np.float64), dist.width,
            shots if shots is not None else getattr(dist, "shots", None))


def _bit(keys: Array, k: int) -> Array:
    """Bit ``k`` of each outcome (uint64, or Python ints past 64 bits) as an index array."""
    if keys.dtype == np.uint64:
        bits: Array = ((keys >> np.uint64(k)) & np.uint64(1)).astype(np.intp)
        return bits
    return np.fromiter(((int(key) >> k) & 1 for key in keys), dtype=np.intp, count=len(keys))


def _product_value(outs: Array, probs: Array, factors: Sequence[Array]) -> float:
    """sum_s p(s) prod_k factors[k][bit_k(s)]: a product diagonal, no dense vector."""
    weight = np.array(probs, dtype=np.float64)
    for k, f in enumerate(factors):
        weight *= np.asarray(f, dtype=np.float64)[_bit(outs, k)]
    return float(weight.sum())


def _diag_terms(diagonal: Any, width: int) -> list[tuple[float, list[Array]]]:
    """A diagonal as weighted product terms: None (Z on every bit), a string over I, Z, 0, 1
    (rightmost character is bit 0, as Qiskit reads it) or a dict of such strings -> coefficient.
    """
    if diagonal is None:
        return [(1.0, [np.array(_CHARS["Z"])] * width)]
    if isinstance(diagonal, str):
        diagonal = {diagonal: 1.0}
    if isinstance(diagonal, Mapping):
        terms = []
        for text, coeff in diagonal.items():
            if not isinstance(text, str) or len(text) != width:
                raise OptionError(f"diagonal {text!r} must be a string of {width} characters "
                                "over I, Z, 0, 1 (rightmost is bit 0)")
            bad = set(text.upper()) - set(_CHARS)
            if bad:
                raise OptionError(f"diagonal {text!r} has characters {sorted(bad)}; use I, Z, 0, 1")
            factors = [np.array(_CHARS[c]) for c in reversed(text.upper())]
            terms.append((float(coeff), factors))
        return terms
    raise TypeError  # dense arrays are handled by the caller


def sampled_expectation_value(dist: Any, oper: str | Mapping[str, float]) -> float:
    """Expectation value of a diagonal operator over a distribution, as Qiskit's
    ``sampled_expectation_value``.

    ``oper`` is a string over ``I``, ``Z``, ``0``, ``1`` whose rightmost character acts on bit 0
    (``Z`` is +1/-1 by the bit, ``0`` and ``1`` project), or a dict of such strings to
    coefficients. ``dist`` is counts (normalised by the shots), probabilities, quasi-probabilities,
    memory, or a one-experiment result, from any format.

    >>> sampled_expectation_value(Counts({"00": 400, "01": 100, "10": 150, "11": 350}), "ZZ")
    0.5
    """
    if isinstance(dist, QuasiDistribution):
        outs, probs, width = dist.outcome_array, dist.value_array, dist.width
    else:
        outs, probs, width, _ = _prob_arrays(dist, None, None)
    if not isinstance(oper, (str, Mapping)):
        raise OptionError(f"oper must be a string or a dict of strings, got {type(oper).__name__}")
    return sum(c * _product_value(outs, probs, f) for c, f in _diag_terms(oper, width))


# ---------------------------------------------------------------------------------------------
# matrices
# ---------------------------------------------------------------------------------------------


def _check_assignment(matrix: Any, size: int | None, what: str) -> Array:
    try:
        a = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise CalibrationError(f"{what}: not a numeric matrix") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or (size is not None and a.shape[0] != size):
        want = f"{size}x{size}" if size is not None else "square"
        raise CalibrationError(f"{what}: expected a {want} matrix, got shape {a.shape}")
    n = a.shape[0]
    if n == 0 or n & (n - 1):
        raise CalibrationError(f"{what}: the size {n} is not a power of two")
    if not np.isfinite(a).all():
        raise CalibrationError(f"{what}: has NaN or infinite entries")
    if (a < -COLUMN_ATOL).any() or (a > 1 + COLUMN_ATOL).any():
        raise CalibrationError(f"{what}: entries must be probabilities in [0, 1]")
    sums = a.sum(axis=0)
    bad = np.flatnonzero(np.abs(sums - 1) > COLUMN_ATOL)
    if bad.size:
        raise CalibrationError(f"{what}: column {int(bad[0])} sums to {sums[bad[0]]!r}, not 1 "
                               "(columns are P(read i | prepared j) for each prepared j)")
    return a


def _invert(a: Array, what: str) -> Array:
    cond = np.linalg.cond(a)
    if np.isfinite(cond) and cond < 1e12:
        return np.linalg.inv(a)
    try:
        pinv = np.linalg.pinv(a)
    except np.linalg.LinAlgError:
        raise CalibrationError(f"{what}: singular, and its pseudo-inverse does not "
                               "converge") from None
    if not np.isfinite(pinv).all():
        raise CalibrationError(f"{what}: singular, with no usable pseudo-inverse")
    warnings.warn(f"{what} is singular (the readout cannot tell some states apart): using its "
                  "pseudo-inverse, whose results are not an unbiased mitigation",
                  RuntimeWarning, stacklevel=4)
    return pinv


# ---------------------------------------------------------------------------------------------
# the mitigators
# ---------------------------------------------------------------------------------------------


class BaseReadoutMitigator(abc.ABC):
    """What every readout mitigator offers (see :class:`LocalReadoutMitigator`)."""

    _qubits: tuple[int, ...]

    @property
    def qubits(self) -> tuple[int, ...]:
        """The device qubits this mitigator is calibrated for, in matrix order."""
        return self._qubits

    def _positions(self, qubits: Iterable[int] | None) -> list[int]:
        """Matrix positions of ``qubits`` (all, in order, when None); lists the iterable once."""
        if qubits is None:
            return list(range(len(self._qubits)))
        listed = list(qubits)
        return self._resolve(len(listed), listed)

    def _resolve(self, width: int, qubits: Iterable[int] | None) -> list[int]:
        """Mitigator positions of the data's bits (bit k is measured by qubits[k])."""
        if qubits is None:
            if width != len(self._qubits):
                raise CalibrationError(f"the data has {width} bits but the mitigator has "
                                f"{len(self._qubits)} qubits: say which with qubits= "
                                "(and clbits= to pick bits of the data)")
            return list(range(width))
        qubits = list(qubits)
        if len(qubits) != width:
            raise CalibrationError(f"qubits= names {len(qubits)} qubits for {width} bits of data")
        index = {q: i for i, q in enumerate(self._qubits)}
        missing = [q for q in qubits if q not in index]
        if missing:
            raise CalibrationError(f"qubits {missing} are not calibrated (mitigator qubits: "
                            f"{list(self._qubits)})")
        if len(set(qubits)) != len(qubits):
            raise CalibrationError(f"qubits= repeats a qubit: {qubits}")
        return [index[q] for q in qubits]

    @abc.abstractmethod
    def quasi_probabilities(self, data: Any, qubits: Iterable[int] | None = None,
                            clbits: Sequence[int] | None = None, shots: int | None = None
                            ) -> QuasiDistribution:
        """The mitigated quasi-probability distribution of ``data``, with its
        ``stddev_upper_bound`` when the shots are known."""

    @abc.abstractmethod
    def expectation_value(self, data: Any, diagonal: Any = None,
                          qubits: Iterable[int] | None = None,
                          clbits: Sequence[int] | None = None, shots: int | None = None
                          ) -> tuple[float, float]:
        """``(value, stddev_upper_bound)`` of a diagonal observable on the mitigated data.
        ``diagonal``: None (Z on every bit), a string over I, Z, 0, 1 (rightmost = bit 0), a
        dict of such strings -> coefficient, or a dense array of ``2**n`` values."""

    @abc.abstractmethod
    def assignment_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """``A`` for the given qubits (bit k of the matrix index is ``qubits[k]``)."""

    @abc.abstractmethod
    def mitigation_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """``A^-1`` (or its pseudo-inverse) for the given qubits."""

    @abc.abstractmethod
    def stddev_upper_bound(self, shots: int, qubits: Iterable[int] | None = None) -> float:
        """An upper bound on the standard deviation of a mitigated expectation value."""

    def _quasi(self, vec: Array, width: int, shots: int | None,
               bound: float | None) -> QuasiDistribution:
        """The nonzero entries of a dense float64 ``vec`` (consumed: compacted in place) as a
        QuasiDistribution on arrays; no copy of ``vec`` when every entry is nonzero."""
        note = Note("readout-mitigated", f"{type(self).__name__} on {width} bits")
        outs, values = _nonzero(vec)
        return QuasiDistribution._trusted(outs, values, width, shots=shots,
                                          stddev_upper_bound=bound, provenance=(note,))


#: Entries per block when a dense vector is worked on in place (keeps temporaries small).
_BLOCK = 1 << 16


def _nonzero(vec: Array) -> tuple[Array, Array]:
    """(ascending uint64 indices, values) of the nonzero entries of a float64 vector. ``vec`` is
    compacted in place block by block, so the peak is ``vec`` plus the index array."""
    mask = vec != 0
    kept = int(np.count_nonzero(mask))
    if kept == vec.size:
        return np.arange(vec.size, dtype=np.uint64), vec
    outs = np.flatnonzero(mask).view(np.uint64)
    pos = 0
    for start in range(0, vec.size, _BLOCK):
        part = vec[start:start + _BLOCK][mask[start:start + _BLOCK]]  # a copy: safe to write
        vec[pos:pos + part.size] = part
        pos += part.size
    values = vec[:kept]
    return outs, values.copy() if kept < vec.size // 2 else values


def _apply_local(vec: Array, minvs: Sequence[Array]) -> Array:
    """Apply ``minvs[k]`` to bit ``k`` of the index of the dense vector ``vec``, in place, block
    by block (temporaries of at most :data:`_BLOCK` entries; no 2**n x 2**n matrix)."""
    n = len(minvs)
    for k, minv in enumerate(minvs):
        (m00, m01), (m10, m11) = (float(x) for x in minv[0]), (float(x) for x in minv[1])
        inner = 1 << k
        v3 = vec.reshape(1 << (n - 1 - k), 2, inner)
        if inner >= _BLOCK:
            blocks = [(slice(o, o + 1), slice(s, s + _BLOCK)) for o in range(v3.shape[0])
                      for s in range(0, inner, _BLOCK)]
        else:
            step = _BLOCK // inner
            blocks = [(slice(o, o + step), slice(None)) for o in range(0, v3.shape[0], step)]
        for rows, cols in blocks:
            a = v3[rows, 0, cols]
            b = v3[rows, 1, cols]
            new_b = a * m10
            new_b += b * m11
            a *= m00
            a += b * m01
            b[...] = new_b
    return vec


def _shots_bound(bound: float, shots: int | None) -> float | None:
    return None if not shots else bound / math.sqrt(shots)


def _dense(outs: Array, probs: Array, width: int) -> Array:
    """The dense ``2**width`` vector of a distribution's arrays."""
    vec = np.zeros(2**width, dtype=np.float64)
    vec[outs.astype(np.intp)] = probs
    return vec


class LocalReadoutMitigator(BaseReadoutMitigator):
    """Readout mitigation with one 2x2 assignment matrix per qubit (a tensor product).

    ``assignment_matrices[i][r, p]`` is the probability of reading ``r`` when qubit ``qubits[i]``
    was prepared in ``p``. Build it from calibration runs with :meth:`from_calibration`.

    >>> A0 = [[0.9, 0.2], [0.1, 0.8]]; A1 = [[0.95, 0.05], [0.05, 0.95]]
    >>> m = LocalReadoutMitigator([A0, A1])
    >>> q = m.quasi_probabilities(Counts({"00": 400, "01": 100, "10": 150, "11": 350}))
    >>> {k: round(v, 5) for k, v in q.items()}, round(q.stddev_upper_bound, 6)
    ({0: 0.44841, 1: 0.05159, 2: 0.05159, 3: 0.44841}, 0.055214)
    """

    def __init__(self, assignment_matrices: Sequence[Any],
                 qubits: Iterable[int] | None = None) -> None:
        mats = [_check_assignment(a, 2, f"assignment matrix {i}")
                for i, a in enumerate(assignment_matrices)]
        if not mats:
            raise CalibrationError("no assignment matrices")
        self._qubits = tuple(range(len(mats))) if qubits is None else tuple(int(q) for q in qubits)
        if len(self._qubits) != len(mats):
            raise CalibrationError(f"{len(mats)} matrices for {len(self._qubits)} qubits")
        if len(set(self._qubits)) != len(self._qubits):
            raise CalibrationError(f"qubits repeat: {list(self._qubits)}")
        self._amats = mats
        self._minvs = [_invert(a, f"assignment matrix of qubit {q}")
                       for a, q in zip(mats, self._qubits)]
        e0 = np.array([a[1, 0] for a in mats])
        e1 = np.array([a[0, 1] for a in mats])
        with np.errstate(divide="ignore"):
            self._gammas = (1 + np.abs(e0 - e1)) / (1 - e0 - e1)

    def __repr__(self) -> str:
        return f"LocalReadoutMitigator(qubits={list(self._qubits)})"

    @classmethod
    def from_calibration(cls, zeros: Any, ones: Any, *, fmt: str | None = None,
                         qubits: Iterable[int] | None = None, **options: Any
                         ) -> LocalReadoutMitigator:
        """Calibrate from two runs: every qubit prepared in 0, and every qubit prepared in 1.

        ``zeros`` and ``ones`` are results in any format: loaded objects (counts, probabilities,
        memory, a one-experiment result), or payloads with ``fmt=`` (and load ``options``)::

            mit = qfmt.LocalReadoutMitigator.from_calibration(
                zeros_payload, ones_payload, fmt="ionq.result.histogram.json.v1", num_qubits=3)
        """
        if fmt is not None:
            zeros, ones = load(zeros, fmt, **options), load(ones, fmt, **options)
        o0, p0, w0, _ = _prob_arrays(zeros, None, None)
        o1, p1, w1, _ = _prob_arrays(ones, None, None)
        if w0 != w1:
            raise CalibrationError(f"the all-zeros run has {w0} bits but the all-ones run {w1}")
        mats = []
        for k in range(w0):
            read1_given0 = float(p0 @ _bit(o0, k))
            read0_given1 = float(p1 @ (1 - _bit(o1, k)))
            mats.append([[1 - read1_given0, read0_given1], [read1_given0, 1 - read0_given1]])
        return cls(mats, qubits)

    def assignment_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """The full ``2**n`` assignment matrix of the given qubits (qubit ``qubits[0]`` is the
        least significant bit). Dense: for small n."""
        return _kron([self._amats[p] for p in self._positions(qubits)])

    def mitigation_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """The full ``2**n`` mitigation matrix (Kronecker product of the per-qubit inverses)."""
        return _kron([self._minvs[p] for p in self._positions(qubits)])

    def stddev_upper_bound(self, shots: int, qubits: Iterable[int] | None = None) -> float:
        """``prod(gamma_i) / sqrt(shots)`` with ``gamma_i = (1 + |e0 - e1|) / (1 - e0 - e1)``."""
        return float(np.prod(self._gammas[self._positions(qubits)])) / math.sqrt(shots)

    def quasi_probabilities(self, data: Any, qubits: Iterable[int] | None = None,
                            clbits: Sequence[int] | None = None, shots: int | None = None
                            ) -> QuasiDistribution:
        """Apply each qubit's inverse to the measured distribution, one qubit at a time (no
        ``2**n x 2**n`` matrix); up to :data:`LOCAL_MAX_QUBITS` bits."""
        outs, probs, width, shots = _prob_arrays(data, clbits, shots)
        positions = self._resolve(width, qubits)
        _check_dense(width, LOCAL_MAX_QUBITS, "local readout mitigation")
        vec = _dense(outs, probs, width)
        _apply_local(vec, [self._minvs[p] for p in positions])
        bound = float(np.prod(self._gammas[positions]))
        return self._quasi(vec, width, shots, _shots_bound(bound, shots))

    def expectation_value(self, data: Any, diagonal: Any = None,
                          qubits: Iterable[int] | None = None,
                          clbits: Sequence[int] | None = None, shots: int | None = None
                          ) -> tuple[float, float]:
        """Mitigated ``<O>`` and its standard-deviation bound. Product diagonals (strings, dicts
        of strings, the default Z...Z) are computed on the measured outcomes directly: each
        qubit's factor becomes ``Ainv_k^T f_k``, so no ``2**n`` vector is built."""
        outs, probs, width, shots = _prob_arrays(data, clbits, shots)
        positions = self._resolve(width, qubits)
        minvs = [self._minvs[p] for p in positions]
        bound = float(np.prod(self._gammas[positions]))
        bound_out = bound / math.sqrt(shots) if shots else math.nan
        try:
            terms = _diag_terms(diagonal, width)
        except TypeError:
            diag = _dense_diagonal(diagonal, width)
            coeffs = diag.reshape([2] * width)
            for k, minv in enumerate(minvs):
                axis = width - 1 - k
                coeffs = np.moveaxis(np.tensordot(minv.T, coeffs, axes=([1], [axis])), 0, axis)
            return float(coeffs.reshape(-1) @ _dense(outs, probs, width)), bound_out
        value = 0.0
        for coeff, factors in terms:
            value += coeff * _product_value(outs, probs,
                                            [m.T @ f for m, f in zip(minvs, factors)])
        return value, bound_out


def _kron(mats: Sequence[Array]) -> Array:
    """Kronecker product with ``mats[0]`` on the least significant bit (dense: small n only)."""
    _check_dense(len(mats), CORRELATED_MAX_QUBITS)
    out: Array = np.array([[1.0]])
    for m in mats:
        out = np.kron(m, out)
    return out


def _dense_diagonal(diagonal: Any, width: int) -> Array:
    _check_dense(width, LOCAL_MAX_QUBITS, "a dense diagonal")
    diag = np.asarray(diagonal, dtype=np.float64)
    if diag.shape != (2**width,):
        raise OptionError(f"a dense diagonal needs {2**width} values for {width} bits, got "
                        f"shape {diag.shape}")
    return diag


def _check_dense(width: int, limit: int, what: str = "a dense matrix") -> None:
    if width > limit:
        raise CalibrationError(f"{what} over {width} bits is past the documented limit of {limit} "
                        f"(2**{width} values); nothing was allocated")


class CorrelatedReadoutMitigator(BaseReadoutMitigator):
    """Readout mitigation with one full ``2**n x 2**n`` assignment matrix (correlated errors),
    up to :data:`CORRELATED_MAX_QUBITS` qubits. Bit *k* of the matrix index is ``qubits[k]``."""

    def __init__(self, assignment_matrix: Any, qubits: Iterable[int] | None = None) -> None:
        shape = np.shape(assignment_matrix)
        if len(shape) == 2 and shape[0] > 2**CORRELATED_MAX_QUBITS:
            raise CalibrationError(f"a {shape[0]}x{shape[0]} matrix is past the correlated "
                                   f"mitigator's limit of {CORRELATED_MAX_QUBITS} qubits")
        a = _check_assignment(assignment_matrix, None, "assignment matrix")
        n = a.shape[0].bit_length() - 1
        self._qubits = tuple(range(n)) if qubits is None else tuple(int(q) for q in qubits)
        if len(self._qubits) != n:
            raise CalibrationError(f"a {a.shape[0]}x{a.shape[0]} matrix covers {n} qubits, "
                                   f"not {len(self._qubits)}")
        if len(set(self._qubits)) != n:
            raise CalibrationError(f"qubits repeat: {list(self._qubits)}")
        self._amat = a
        self._cache: dict[tuple[int, ...], Array] = {}

    def __repr__(self) -> str:
        return f"CorrelatedReadoutMitigator(qubits={list(self._qubits)})"

    @classmethod
    def from_calibration(cls, runs: Sequence[Any] | Mapping[Any, Any], *, fmt: str | None = None,
                         qubits: Iterable[int] | None = None, **options: Any
                         ) -> CorrelatedReadoutMitigator:
        """Calibrate from one run per basis state: ``runs[j]`` (a sequence indexed by the
        prepared state, or a mapping keyed by the int or bitstring of the prepared state) is the
        result of preparing ``j``, in any format (objects, or payloads with ``fmt=``)."""
        items = dict(enumerate(runs)) if not isinstance(runs, Mapping) else dict(runs)
        n = max(1, (len(items) - 1).bit_length())
        if n > CORRELATED_MAX_QUBITS:
            raise CalibrationError(f"{len(items)} calibration runs is past the correlated "
                                   f"mitigator's limit of {CORRELATED_MAX_QUBITS} qubits")
        cols: dict[int, tuple[Array, Array]] = {}
        for key, run in items.items():
            j = int(key, 2) if isinstance(key, str) else int(key)
            if fmt is not None:
                    run = load(run, fmt, **options)
            outs, probs, width, _ = _prob_arrays(run, None, None)
            if width > n:
                n = width
            cols[j] = outs, probs
        if sorted(cols) != list(range(2**n)):
            missing = sorted(set(range(2**n)) - set(cols))[:8]
            raise CalibrationError(f"a correlated calibration needs all {2**n} basis states; "
                                   f"missing {missing}")
        a = np.zeros((2**n, 2**n))
        for j, (outs, probs) in cols.items():
            a[outs.astype(np.intp), j] = probs
        return cls(a, qubits)

    def assignment_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """``A`` for ``qubits`` (default: all). For a subset, the other qubits are taken as
        prepared in 0 and their readout is summed out; bit k of the index is ``qubits[k]``."""
        return self._assignment(self._positions(qubits))

    def _assignment(self, positions: list[int]) -> Array:
        n = len(self._qubits)
        if positions == list(range(n)):
            full: Array = self._amat.copy()
            return full
        m = len(positions)
        t = self._amat.reshape([2] * (2 * n))  # axes: read bits n-1..0, then prepared n-1..0
        # prepared: others in 0
        index: list[Any] = [slice(None)] * (2 * n)
        for b in range(n):
            if b not in positions:
                index[n + (n - 1 - b)] = 0
        t = t[tuple(index)]  # read axes n-1..0, then kept prepared axes in descending bit order
        kept_desc = [b for b in range(n - 1, -1, -1) if b in positions]
        other_read = tuple(n - 1 - b for b in range(n) if b not in positions)
        t = t.sum(axis=other_read)  # read axes of kept bits, descending, then prepared
        # reorder both halves so that axis order is qubits[m-1], ..., qubits[0]
        order = [kept_desc.index(p) for p in reversed(positions)]
        t = np.transpose(t, order + [m + o for o in order])
        return t.reshape(2**m, 2**m)

    def mitigation_matrix(self, qubits: Iterable[int] | None = None) -> Array:
        """``A^-1`` (pseudo-inverse for a singular ``A``, with a warning) for ``qubits``."""
        key = tuple(self._positions(qubits))
        if key not in self._cache:
            self._cache[key] = _invert(self._assignment(list(key)),
                                       "the correlated assignment matrix")
        return self._cache[key]

    def stddev_upper_bound(self, shots: int, qubits: Iterable[int] | None = None) -> float:
        """``max_j sum_i |Ainv[i, j]| / sqrt(shots)``."""
        minv = self.mitigation_matrix(qubits)
        return float(np.max(np.sum(np.abs(minv), axis=0))) / math.sqrt(shots)

    def quasi_probabilities(self, data: Any, qubits: Iterable[int] | None = None,
                            clbits: Sequence[int] | None = None, shots: int | None = None
                            ) -> QuasiDistribution:
        """``Ainv @ p`` for the measured distribution ``p``."""
        outs, probs, width, shots = _prob_arrays(data, clbits, shots)
        qs = [self._qubits[p] for p in self._resolve(width, qubits)]
        minv = self.mitigation_matrix(qs)
        gamma = float(np.max(np.sum(np.abs(minv), axis=0)))
        return self._quasi(minv @ _dense(outs, probs, width), width, shots, _shots_bound(gamma, shots))

    def expectation_value(self, data: Any, diagonal: Any = None,
                          qubits: Iterable[int] | None = None,
                          clbits: Sequence[int] | None = None, shots: int | None = None
                          ) -> tuple[float, float]:
        """Mitigated ``<O>`` and its standard-deviation bound."""
        outs, probs, width, shots = _prob_arrays(data, clbits, shots)
        qs = [self._qubits[p] for p in self._resolve(width, qubits)]
        minv = self.mitigation_matrix(qs)
        gamma = float(np.max(np.sum(np.abs(minv), axis=0)))
        quasi = minv @ _dense(outs, probs, width)
        try:
            terms = _diag_terms(diagonal, width)
            diag = np.zeros(2**width)
            idx = np.arange(2**width, dtype=np.uint64)
            for coeff, factors in terms:
                part = np.full(2**width, coeff)
                for k, f in enumerate(factors):
                    part *= f[_bit(idx, k)]
                diag += part
        except TypeError:
            diag = _dense_diagonal(diagonal, width)
        return float(diag @ quasi), gamma / math.sqrt(shots) if shots else math.nan
