"""Local readout mitigation on arrays: the in-place, block-by-block application of the per-qubit
inverses gives the dense ``mitigation_matrix() @ p`` numbers, for any qubit order and block size,
and the result is a QuasiDistribution on arrays (test_mitigation.py checks 24 qubits)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt import _mitigation


@st.composite
def local_case(draw: Any) -> tuple[list[np.ndarray], dict[int, int], int]:
    n = draw(st.integers(1, 7))
    mats = []
    for _ in range(n):
        if draw(st.booleans()):
            a, b = draw(st.floats(0.0, 0.2)), draw(st.floats(0.0, 0.2))
        else:
            a = b = 0.0  # a perfect qubit: zeros survive mitigation, so entries are dropped
        mats.append(np.array([[1 - a, b], [a, 1 - b]]))
    keys = draw(st.lists(st.integers(0, 2**n - 1), min_size=1, max_size=2**n, unique=True))
    return mats, {k: draw(st.integers(1, 100)) for k in keys}, n


@settings(max_examples=80, deadline=None)
@given(local_case(), st.sampled_from([1, 2, 4, 1 << 16]), st.data())
def test_quasi_probabilities_equal_the_dense_matrix(case: Any, block: int,
                                                    data: st.DataObject) -> None:
    mats, counts, n = case
    qubits = data.draw(st.permutations(list(range(n))))
    mit = qfmt.LocalReadoutMitigator(mats)
    shots = sum(counts.values())
    p = np.zeros(2**n)
    for k, v in counts.items():
        p[k] = v / shots
    expect = mit.mitigation_matrix(qubits) @ p
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_mitigation, "_BLOCK", block)
        q = mit.quasi_probabilities(qfmt.Counts(counts, n), qubits=qubits)
    got = np.zeros(2**n)
    got[q.outcome_array.astype(np.intp)] = q.value_array
    assert np.allclose(got, expect, atol=1e-12)
    assert q.outcome_array.dtype == np.uint64 and q.value_array.dtype == np.float64
    assert list(q.outcome_array) == sorted(set(q.outcome_array.tolist()))
    assert (q.value_array != 0).all()  # zeros are left out, as before
    assert q.shots == shots and q.width == n


def test_nonzero_compacts_in_place() -> None:
    vec = np.array([0.0, 1.0, 0.0, -2.0, 3.0, 0.0, 0.0, 4.0])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_mitigation, "_BLOCK", 3)
        outs, values = _mitigation._nonzero(vec)
    assert outs.tolist() == [1, 3, 4, 7] and values.tolist() == [1.0, -2.0, 3.0, 4.0]
    full = np.array([1.0, 2.0])
    outs, values = _mitigation._nonzero(full)
    assert outs.tolist() == [0, 1] and values is full  # no copy when nothing is dropped


def test_expectation_past_64_bits_reads_python_int_outcomes() -> None:
    mit = qfmt.LocalReadoutMitigator([[[0.98, 0.02], [0.02, 0.98]]] * 70)
    counts = qfmt.Counts({2**70 - 1: 10, 0: 10}, 70)
    assert counts.outcome_array.dtype == object
    value, _ = mit.expectation_value(counts)
    assert value == pytest.approx(1 / 0.96**70)
    assert mit.expectation_value(counts, "Z" + "I" * 69)[0] == pytest.approx(0.0, abs=1e-12)


def test_calibration_on_arrays_matches_the_per_qubit_error_rates() -> None:
    # qubit 0 reads 1 in 10% of all-zeros shots, qubit 1 reads 0 in 20% of all-ones shots
    zeros = qfmt.Counts({0b00: 90, 0b01: 10}, 2)
    ones = qfmt.Counts({0b11: 80, 0b01: 20}, 2)
    mit = qfmt.LocalReadoutMitigator.from_calibration(zeros, ones)
    assert np.allclose(mit.assignment_matrix([0]), [[0.9, 0.0], [0.1, 1.0]])
    assert np.allclose(mit.assignment_matrix([1]), [[1.0, 0.2], [0.0, 0.8]])
