"""Readout-error mitigation: the reference numbers of ../shared/reference/qiskit.md, the subset
cases (checked against Qiskit 1.4.6 where it is right), string diagonals, calibration from IonQ
payloads, recovery of a known distribution, scale and bad matrices."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt

A0 = np.array([[0.9, 0.2], [0.1, 0.8]])
A1 = np.array([[0.95, 0.05], [0.05, 0.95]])
A2 = np.array([[0.85, 0.1], [0.15, 0.9]])
COUNTS = qfmt.Counts({"00": 400, "01": 100, "10": 150, "11": 350})
REF_QUASI = {0: 0.44841, 1: 0.05159, 2: 0.05159, 3: 0.44841}


def rounded(d: Any, n: int = 5) -> dict[int, float]:
    return {k: round(v, n) for k, v in d.items()}


@pytest.fixture(params=["local", "correlated"])
def mitigator(request: pytest.FixtureRequest) -> qfmt.BaseReadoutMitigator:
    if request.param == "local":
        return qfmt.LocalReadoutMitigator([A0, A1])
    return qfmt.CorrelatedReadoutMitigator(np.kron(A1, A0))


class TestReferenceNumbers:
    def test_quasi_probabilities(self, mitigator: qfmt.BaseReadoutMitigator) -> None:
        q = mitigator.quasi_probabilities(COUNTS)
        assert isinstance(q, qfmt.QuasiDistribution)
        assert rounded(q) == REF_QUASI
        assert q.shots == 1000 and q.width == 2
        assert round(q.stddev_upper_bound, 6) == 0.055214

    def test_expectation_value(self, mitigator: qfmt.BaseReadoutMitigator) -> None:
        value, bound = mitigator.expectation_value(COUNTS)
        assert round(value, 6) == 0.793651 and round(bound, 6) == 0.055214
        assert mitigator.expectation_value(COUNTS, "ZZ")[0] == pytest.approx(value)
        dense = mitigator.expectation_value(COUNTS, np.array([1, -1, -1, 1]))
        assert dense[0] == pytest.approx(value)

    def test_stddev_upper_bound(self, mitigator: qfmt.BaseReadoutMitigator) -> None:
        assert round(mitigator.stddev_upper_bound(1000), 6) == 0.055214

    def test_local_and_correlated_matrices_agree(self) -> None:
        loc = qfmt.LocalReadoutMitigator([A0, A1])
        cor = qfmt.CorrelatedReadoutMitigator(np.kron(A1, A0))
        assert np.allclose(loc.assignment_matrix(), cor.assignment_matrix())
        assert np.allclose(loc.mitigation_matrix(), cor.mitigation_matrix())
        assert np.allclose(loc.assignment_matrix([0]), A0)
        assert np.allclose(loc.mitigation_matrix([1]), np.linalg.inv(A1))
        assert round(loc.stddev_upper_bound(1000, [0]), 6) == 0.049693  # gamma of qubit 0 only


# asymmetric data, so that bit order shows
C2 = qfmt.Counts({"00": 700, "01": 200, "10": 100})
C3 = qfmt.Counts({"000": 100, "101": 300, "011": 250, "110": 350})


class TestSubsets:
    def test_string_diagonals_rightmost_is_bit_0(self) -> None:
        loc = qfmt.LocalReadoutMitigator([A0, A1])
        values = {s: round(loc.expectation_value(C2, s)[0], 6) for s in ("0I", "I0", "ZI", "IZ")}
        # Qiskit 1.4.6 gives the same numbers
        assert values == {"0I": 0.944444, "I0": 0.857143, "ZI": 0.888889, "IZ": 0.714286}
        combo = loc.expectation_value(C2, {"ZI": 0.5, "IZ": 0.5})[0]
        assert combo == pytest.approx(0.5 * (0.888889 + 0.714286), abs=1e-6)

    def test_clbits_and_qubits(self) -> None:
        loc3 = qfmt.LocalReadoutMitigator([A0, A1, A2])
        q = loc3.quasi_probabilities(C3, clbits=[0, 2], qubits=[0, 2])
        assert rounded(q) == {0: 0.00952, 1: 0.32381, 2: 0.34762, 3: 0.31905}  # as Qiskit
        value, bound = loc3.expectation_value(C3, clbits=[0, 2], qubits=[0, 2])
        assert round(value, 6) == -0.342857 and round(bound, 6) == 0.06957
        # permuting clbits and qubits together permutes the output bits, nothing else
        p = loc3.quasi_probabilities(C3, clbits=[2, 0], qubits=[2, 0])
        assert rounded(p) == {0: 0.00952, 1: 0.34762, 2: 0.32381, 3: 0.31905}

    @pytest.mark.parametrize("kind", ["local", "correlated"])
    def test_named_qubits_in_any_order(self, kind: str) -> None:
        m: qfmt.BaseReadoutMitigator = (
            qfmt.LocalReadoutMitigator([A0, A1], qubits=[3, 5]) if kind == "local" else
            qfmt.CorrelatedReadoutMitigator(np.kron(A1, A0), qubits=[3, 5]))
        assert m.qubits == (3, 5)
        assert rounded(m.quasi_probabilities(C2)) == rounded(
            qfmt.LocalReadoutMitigator([A0, A1]).quasi_probabilities(C2))
        # data bit 0 read by qubit 5 (5 % symmetric error), bit 1 by qubit 3
        q = m.quasi_probabilities(C2, qubits=[5, 3])
        marg0 = q[1] + q[3]
        marg1 = q[2] + q[3]
        assert marg0 == pytest.approx((0.2 - 0.05) / 0.9)  # bit 0 undone with A1
        assert marg1 == pytest.approx(0.0, abs=1e-12)  # bit 1 undone with A0: 0.1 is all error
        with pytest.raises(qfmt.QfmtError, match="not calibrated"):
            m.quasi_probabilities(C2, qubits=[3, 4])

    def test_correlated_subset_matches_local(self) -> None:
        loc3 = qfmt.LocalReadoutMitigator([A0, A1, A2])
        cor3 = qfmt.CorrelatedReadoutMitigator(np.kron(A2, np.kron(A1, A0)))
        for qs in ([0, 2], [2, 0], [1], [2, 1, 0]):
            assert np.allclose(cor3.assignment_matrix(qs), loc3.assignment_matrix(qs))
            assert rounded(cor3.quasi_probabilities(C3, clbits=list(range(len(qs)))
                                                    if len(qs) < 3 else None, qubits=qs)) == \
                rounded(loc3.quasi_probabilities(C3, clbits=list(range(len(qs)))
                                                 if len(qs) < 3 else None, qubits=qs))

    def test_width_mismatch_is_explained(self) -> None:
        loc3 = qfmt.LocalReadoutMitigator([A0, A1, A2])
        with pytest.raises(qfmt.QfmtError, match="qubits="):
            loc3.quasi_probabilities(C2)


class TestInputs:
    def test_any_format(self) -> None:
        loc = qfmt.LocalReadoutMitigator([A0, A1])
        hist = qfmt.load({"0": 400, "1": 100, "2": 150, "3": 350},
                         "ionq.result.histogram.json.v1", num_qubits=2)
        probs = qfmt.load({"0": 0.4, "1": 0.1, "2": 0.15, "3": 0.35},
                          "ionq.result.probabilities.json.v1", num_qubits=2)
        mem = qfmt.Memory.from_ints([0] * 400 + [1] * 100 + [2] * 150 + [3] * 350, 2)
        qiskit = qfmt.load({"00": 400, "01": 100, "10": 150, "11": 350}, "qiskit.counts.json.v1")
        result = qfmt.load({"histogram": {"registers": {"output_all": {
            "00": 400, "01": 100, "10": 150, "11": 350}}}}, "ionq.result.histogram.json.v2")
        for data in (hist, mem, qiskit, result, {"00": 400, "01": 100, "10": 150, "11": 350}):
            assert rounded(loc.quasi_probabilities(data)) == REF_QUASI
        q = loc.quasi_probabilities(probs, shots=1000)
        assert rounded(q) == REF_QUASI and round(q.stddev_upper_bound, 6) == 0.055214
        assert loc.quasi_probabilities(probs).stddev_upper_bound is None  # no shots, no bound

    def test_sampled_expectation_value(self) -> None:
        assert qfmt.sampled_expectation_value(COUNTS, "ZZ") == pytest.approx(0.5)
        assert qfmt.sampled_expectation_value(COUNTS, "IZ") == pytest.approx(0.1)  # (550-450)/1000
        assert qfmt.sampled_expectation_value(COUNTS, "0I") == pytest.approx(0.5)
        assert qfmt.sampled_expectation_value(C2, "1I") == pytest.approx(0.1)
        assert qfmt.sampled_expectation_value(C2, {"ZI": 2.0, "II": -1.0}) == \
            pytest.approx(2 * 0.8 - 1)
        q = qfmt.QuasiDistribution({0: -0.1, 1: 1.1}, 1)
        assert qfmt.sampled_expectation_value(q, "Z") == pytest.approx(-1.2)
        with pytest.raises(qfmt.QfmtError, match="I, Z, 0, 1"):
            qfmt.sampled_expectation_value(COUNTS, "XZ")
        with pytest.raises(qfmt.QfmtError, match="2 characters"):
            qfmt.sampled_expectation_value(COUNTS, "Z")


class TestCalibration:
    # 3 qubits, 1000 shots each; per-qubit readout errors chosen to be exact:
    # P(read 1 | 0) = .03, .02, .01 ; P(read 0 | 1) = .05, .03, .02 (qubits 0, 1, 2)
    ZEROS = {"0": 940, "1": 30, "2": 20, "4": 10}
    ONES = {"7": 900, "6": 50, "5": 30, "3": 20}

    def test_local_from_ionq_histograms(self) -> None:
        mit = qfmt.LocalReadoutMitigator.from_calibration(
            self.ZEROS, self.ONES, fmt="ionq.result.histogram.json.v1", num_qubits=3)
        assert np.allclose(mit.assignment_matrix([0]), [[0.97, 0.05], [0.03, 0.95]])
        assert np.allclose(mit.assignment_matrix([1]), [[0.98, 0.03], [0.02, 0.97]])
        assert np.allclose(mit.assignment_matrix([2]), [[0.99, 0.02], [0.01, 0.98]])
        # a GHZ state read through that noise, as an IonQ probabilities payload, is recovered
        noisy = mit.assignment_matrix() @ np.array([0.5, 0, 0, 0, 0, 0, 0, 0.5])
        payload = {str(i): float(p) for i, p in enumerate(noisy) if p}
        quasi = mit.quasi_probabilities(qfmt.load(payload, "ionq.result.probabilities.json.v1",
                                                  num_qubits=3))
        assert {k: round(v, 9) for k, v in quasi.items() if abs(v) > 1e-12} == {0: 0.5, 7: 0.5}

    def test_local_from_loaded_objects(self) -> None:
        zeros = qfmt.load(self.ZEROS, "ionq.result.histogram.json.v1", num_qubits=3)
        ones = qfmt.load(qfmt.convert(self.ONES, "ionq.result.histogram.json.v1",
                                      "ionq.result.histogram.json.v2", num_qubits=3),
                         "ionq.result.histogram.json.v2")
        mit = qfmt.LocalReadoutMitigator.from_calibration(zeros, ones, qubits=[4, 5, 6])
        assert mit.qubits == (4, 5, 6)
        assert np.allclose(mit.assignment_matrix([4]), [[0.97, 0.05], [0.03, 0.95]])

    def test_correlated_from_every_basis_state(self) -> None:
        a = np.kron(A1, A0)
        runs = {format(j, "02b"): {str(i): int(a[i, j] * 1000 + 0.5) for i in range(4)
                                   if a[i, j]} for j in range(4)}
        mit = qfmt.CorrelatedReadoutMitigator.from_calibration(
            runs, fmt="ionq.result.histogram.json.v1", num_qubits=2)
        assert np.allclose(mit.assignment_matrix(), a)
        assert rounded(mit.quasi_probabilities(COUNTS)) == REF_QUASI
        with pytest.raises(qfmt.CalibrationError, match="missing"):
            qfmt.CorrelatedReadoutMitigator.from_calibration(
                {k: v for k, v in runs.items() if k != "10"},
                fmt="ionq.result.histogram.json.v1", num_qubits=2)


@st.composite
def noisy_cases(draw: Any) -> tuple[int, np.ndarray, list[np.ndarray]]:
    n = draw(st.integers(1, 4))
    weights = np.array(draw(st.lists(st.floats(0, 1), min_size=2**n, max_size=2**n)))
    if weights.sum() < 1e-3:
        weights[0] = 1.0
    mats = []
    for _ in range(n):
        e0, e1 = draw(st.floats(0, 0.2)), draw(st.floats(0, 0.2))
        mats.append(np.array([[1 - e0, e1], [e0, 1 - e1]]))
    return n, weights / weights.sum(), mats


@given(noisy_cases())
def test_mitigation_recovers_a_known_distribution(case: tuple[int, np.ndarray, list]) -> None:
    n, true, mats = case
    local = qfmt.LocalReadoutMitigator(mats)
    full = local.assignment_matrix()
    noisy = full @ true
    measured = qfmt.ProbDistribution({i: float(p) for i, p in enumerate(noisy)}, n,
                                     atol=1e-9)
    for mit in (local, qfmt.CorrelatedReadoutMitigator(full)):
        quasi = mit.quasi_probabilities(measured)
        got = np.array([quasi.get(i, 0.0) for i in range(2**n)])
        assert np.allclose(got, true, atol=1e-9)
        z = np.array([(-1) ** bin(i).count("1") for i in range(2**n)])
        assert mit.expectation_value(measured)[0] == pytest.approx(float(z @ true), abs=1e-9)


@given(st.integers(2, 3), st.data())
def test_correlated_recovers_with_correlated_noise(n: int, data: st.DataObject) -> None:
    eps = data.draw(st.floats(0, 0.3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    r = rng.random((2**n, 2**n))
    a = (1 - eps) * np.eye(2**n) + eps * r / r.sum(axis=0)
    true = rng.dirichlet(np.ones(2**n))
    mit = qfmt.CorrelatedReadoutMitigator(a)
    quasi = mit.quasi_probabilities(qfmt.ProbDistribution(
        {i: float(p) for i, p in enumerate(a @ true)}, n, atol=1e-9))
    assert np.allclose([quasi.get(i, 0.0) for i in range(2**n)], true, atol=1e-8)


class TestScale:
    def test_local_quasi_at_24_qubits_never_builds_a_full_matrix(self) -> None:
        rng = np.random.default_rng(3)
        mats = [[[1 - a, b], [a, 1 - b]] for a, b in rng.uniform(0.01, 0.05, (24, 2))]
        mit = qfmt.LocalReadoutMitigator(mats)
        counts = qfmt.Counts({0: 500, 2**24 - 1: 480, 5: 20}, 24)
        value, bound = mit.expectation_value(counts)
        assert math.isfinite(value) and bound > 0
        q = mit.quasi_probabilities(counts)
        assert q.width == 24 and len(q) == 2**24
        assert q._dict is None  # on arrays: nothing built a dict of 2**24 entries
        values, keys = q.value_array, q.outcome_array
        parity = np.bitwise_count(keys) % 2 if hasattr(np, "bitwise_count") else \
            np.array([int(k).bit_count() % 2 for k in keys])
        assert values.sum() == pytest.approx(1.0)
        assert float(values @ (1 - 2 * parity.astype(np.float64))) == pytest.approx(value)

    def test_expectation_beyond_the_dense_limit(self) -> None:
        mit = qfmt.LocalReadoutMitigator([[[0.98, 0.02], [0.02, 0.98]]] * 40)
        counts = qfmt.Counts({2**40 - 1: 10, 0: 10}, 40)
        value, _ = mit.expectation_value(counts)
        assert value == pytest.approx(1 / 0.96**40)
        with pytest.raises(qfmt.QfmtError, match="documented limit of 26"):
            mit.quasi_probabilities(counts)

    def test_correlated_limit_is_checked_before_allocating(self) -> None:
        with pytest.raises(qfmt.CalibrationError, match="limit of 12"):
            qfmt.CorrelatedReadoutMitigator(np.zeros((2**13, 2**13)))
        with pytest.raises(qfmt.CalibrationError, match="limit of 12"):
            qfmt.CorrelatedReadoutMitigator.from_calibration([{}] * 2**13)
        loc = qfmt.LocalReadoutMitigator([A0] * 14)
        with pytest.raises(qfmt.QfmtError, match="limit of 12"):
            loc.assignment_matrix()


@pytest.mark.parametrize(("matrices", "fragment"), [
    ([[[0.9, 0.2], [0.2, 0.8]]], "sums to"),
    ([[[0.9, 0.2, 0.0], [0.1, 0.8, 0.0]]], "2x2"),
    ([[[1.1, 0.2], [-0.1, 0.8]]], "probabilities"),
    ([[[float("nan"), 0.2], [0.1, 0.8]]], "NaN"),
    ([[["a", 0.2], [0.1, 0.8]]], "numeric"),
    ([], "no assignment"),
])
def test_invalid_local_matrices(matrices: list, fragment: str) -> None:
    with pytest.raises(qfmt.CalibrationError, match=fragment) as ei:
        qfmt.LocalReadoutMitigator(matrices)
    assert isinstance(ei.value, ValueError)


def test_invalid_correlated_matrix() -> None:
    with pytest.raises(qfmt.CalibrationError, match="power of two"):
        qfmt.CorrelatedReadoutMitigator(np.eye(3))
    with pytest.raises(qfmt.CalibrationError, match="covers 1 qubits"):
        qfmt.CorrelatedReadoutMitigator(np.eye(2), qubits=[0, 1])


def test_singular_matrix_warns_and_uses_pseudo_inverse() -> None:
    with pytest.warns(RuntimeWarning, match="singular"):
        mit = qfmt.LocalReadoutMitigator([[[0.5, 0.5], [0.5, 0.5]], A1])
    q = mit.quasi_probabilities(COUNTS)
    assert all(math.isfinite(v) for v in q.values())


@pytest.mark.parametrize("kind", ["local", "correlated"])
def test_qubits_may_be_any_iterable(kind: str) -> None:
    m: qfmt.BaseReadoutMitigator = (
        qfmt.LocalReadoutMitigator([A0, A1, A2]) if kind == "local" else
        qfmt.CorrelatedReadoutMitigator(np.kron(A2, np.kron(A1, A0))))
    for qs in ([2, 0], (2, 0), iter([2, 0]), (q for q in (2, 0))):
        assert np.allclose(m.assignment_matrix(qs), np.kron(A0, A2))
    for make in (lambda: [2, 0], lambda: (q for q in (2, 0))):
        assert np.allclose(m.mitigation_matrix(make()), np.linalg.inv(np.kron(A0, A2)))
        assert m.stddev_upper_bound(100, make()) == m.stddev_upper_bound(100, [2, 0])
