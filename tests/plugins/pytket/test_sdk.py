"""qfmt against real pytket (installed by the test extra): BackendResults built from readouts
and from pytket's own circuit simulation, loaded with qfmt and compared with pytket's
``get_shots()`` / ``get_counts()`` / ``get_state()``; pytket reads qfmt's output back to an
equal BackendResult."""

from __future__ import annotations

import builtins
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytket.backends.backendresult import BackendResult
from pytket.circuit import BasisOrder, Bit, Circuit, Qubit
from pytket.utils.outcomearray import OutcomeArray

import qfmt
from qfmt.plugins.pytket import from_pytket, to_pytket

FMT = "pytket.backend-result.json.v1"


def _tuples(counts: qfmt.Counts, order: list[int] | None = None) -> Counter[tuple[int, ...]]:
    """qfmt counts as pytket's Counter of readout tuples (entry j is bit order[j])."""
    order = list(range(counts.width)) if order is None else order
    return Counter({tuple((k >> i) & 1 for i in order): int(v) for k, v in counts.items()})


@st.composite
def readouts_and_bits(draw: Any) -> tuple[np.ndarray, list[Bit]]:
    """Random readouts and classical bits from a few registers, in any order."""
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    if draw(st.booleans()):
        sizes.append(draw(st.integers(60, 75)))  # past 64 bits: Python-int outcomes
    names = ["c", "d", "anc", "meas"][:len(sizes)]
    bits = [Bit(n, i) for n, w in zip(names, sizes) for i in range(w)]
    bits = draw(st.permutations(bits)) if draw(st.booleans()) else bits
    shots = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    rows = np.random.default_rng(seed).integers(0, 2, size=(shots, len(bits)))
    return rows, bits


def _check_against_pytket(br: BackendResult, loaded: qfmt.Result) -> None:
    bits = br.get_bitlist()
    counts = loaded.counts()
    assert counts.width == len(bits)
    # get_counts(cbits=bits): readout tuples in bits order, which is qfmt's bit order
    assert _tuples(counts) == br.get_counts(cbits=bits)
    # the default get_counts() orders the tuples by the sorted bits (ILO)
    assert _tuples(counts, [bits.index(b) for b in sorted(bits)]) == br.get_counts()
    assert _tuples(counts, [bits.index(b) for b in sorted(bits, reverse=True)]) == \
        br.get_counts(basis=BasisOrder.dlo)


@settings(max_examples=30)
@given(readouts_and_bits())
def test_shots_from_readouts(case: tuple[np.ndarray, list[Bit]]) -> None:
    rows, bits = case
    br = BackendResult(shots=OutcomeArray.from_readouts(rows), c_bits=bits)
    loaded = qfmt.load(br.to_dict(), FMT)
    mem = loaded.memory()
    assert np.array_equal(mem.to_bool().astype(np.uint8), br.get_shots(cbits=bits))
    assert np.array_equal(mem.to_bool().astype(np.uint8), rows)
    _check_against_pytket(br, loaded)
    assert BackendResult.from_dict(qfmt.dump(loaded, FMT)) == br
    assert qfmt.dump(loaded, FMT) == br.to_dict()


@settings(max_examples=30)
@given(readouts_and_bits())
def test_counts_from_readouts(case: tuple[np.ndarray, list[Bit]]) -> None:
    rows, bits = case
    br = BackendResult(counts=OutcomeArray.from_readouts(rows).counts(), c_bits=bits)
    loaded = qfmt.load(br.to_dict(), FMT)  # numpy counts, straight from to_dict()
    assert "memory" not in loaded.data()
    _check_against_pytket(br, loaded)
    assert BackendResult.from_dict(qfmt.dump(loaded, FMT)) == br


def test_registers_of_a_circuit_give_the_layout() -> None:
    c = Circuit(3)
    a, b = c.add_c_register("a", 2), c.add_c_register("b", 1)
    c.H(0).CX(0, 1).Measure(0, a[0]).Measure(1, a[1]).Measure(2, b[0])
    assert c.bits == [a[0], a[1], b[0]]
    rows = [[1, 1, 0], [0, 0, 0], [1, 1, 0]]
    br = BackendResult(shots=OutcomeArray.from_readouts(rows), c_bits=c.bits)
    loaded = from_pytket(br)
    assert loaded.memory().layout == qfmt.RegisterLayout([("a", 2), ("b", 1)])
    assert qfmt.dump(loaded, "qiskit.counts.json.v1") == {"0 11": 2, "0 00": 1}
    assert to_pytket(loaded) == br


def test_unit_ids_of_any_shape_round_trip() -> None:
    bits = [Bit("m", 1, 0), Bit("m", 0, 0), Bit("flag")]
    br = BackendResult(shots=OutcomeArray.from_readouts([[1, 0, 1], [0, 1, 1]]), c_bits=bits)
    loaded = from_pytket(br)
    assert loaded.memory().layout is None
    assert loaded.memory().outcomes() == [0b101, 0b110]
    assert to_pytket(loaded) == br


def _ghz(n: int) -> Circuit:
    c = Circuit(n)
    c.H(0)
    for i in range(1, n):
        c.CX(0, i)
    return c


def test_sampled_ghz_run_of_pytkets_own_simulation() -> None:
    """The GHZ state from pytket's simulator, sampled, as a backend would return it."""
    circ = _ghz(3)
    circ.X(2)  # make it asymmetric: |001> and |110> in qubit order 0, 1, 2
    probs = np.abs(circ.get_statevector()) ** 2  # pytket order: qubit 0 most significant
    idx = np.random.default_rng(5).choice(8, size=200, p=probs)
    rows = (idx[:, None] >> np.array([2, 1, 0])) & 1  # readout j = qubit j
    br = BackendResult(shots=OutcomeArray.from_readouts(rows),
                       c_bits=[Bit("c", i) for i in range(3)])
    loaded = from_pytket(br)
    assert set(loaded.counts()) == {0b100, 0b011}  # canonical bit i = qubit i
    _check_against_pytket(br, loaded)


def _qiskit_state(n: int, x_on: int) -> np.ndarray:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    qc = QuantumCircuit(n)
    qc.h(0)
    for i in range(1, n):
        qc.cx(0, i)
    qc.x(x_on)
    return np.asarray(Statevector(qc).data)


def test_state_results_are_in_qfmt_and_qiskit_order() -> None:
    circ = _ghz(3)
    circ.X(2)
    sv = circ.get_statevector()
    br = BackendResult(state=sv, q_bits=circ.qubits)
    loaded = from_pytket(br)
    ours = loaded.get_statevector()
    # qfmt's index bit i is qubits[i]: pytket's get_state with the qubits reversed
    assert np.allclose(ours, br.get_state(qbits=list(reversed(circ.qubits))))
    assert np.allclose(ours, _qiskit_state(3, 2))
    # the same state through qiskit.result.json.v1, read by Qiskit itself
    import qiskit.result as qr

    q = qr.Result.from_dict(qfmt.convert(br.to_dict(), FMT, "qiskit.result.json.v1"))
    assert np.allclose(q.get_statevector(0), _qiskit_state(3, 2))
    back = to_pytket(loaded)
    assert back == br


def test_unitary_and_density_matrix() -> None:
    circ = _ghz(2)
    circ.X(1).Rz(0.3, 0)
    u = circ.get_unitary()
    sv = circ.get_statevector()
    qubits = [Qubit("q", 1), Qubit("q", 0)]  # stored in another order
    br = BackendResult(unitary=u, density_matrix=np.outer(sv, sv.conj()), q_bits=qubits)
    loaded = from_pytket(br)
    rev = list(reversed(qubits))
    assert np.allclose(loaded.data()["unitary"], br.get_unitary(qbits=rev))
    assert np.allclose(loaded.data()["density_matrix"], br.get_density_matrix(qbits=rev))
    assert loaded.results[0].header["qubits"] == [["q", [1]], ["q", [0]]]
    assert to_pytket(loaded) == br


def test_shots_and_state_together() -> None:
    br = BackendResult(shots=OutcomeArray.from_readouts([[1, 0]]), state=np.array([0, 1, 0, 0]),
                       c_bits=[Bit("c", 0), Bit("c", 1)], q_bits=[Qubit(0), Qubit(1)])
    loaded = from_pytket(br)
    assert loaded.memory().outcomes() == [1]
    assert to_pytket(loaded) == br


def test_pytket_reads_other_formats_converted() -> None:
    counts = qfmt.load({"0": 5, "5": 3}, "ionq.result.histogram.json.v1", num_qubits=3)
    br = to_pytket(counts)
    assert br.get_counts() == Counter({(0, 0, 0): 5, (1, 0, 1): 3})
    qiskit_counts = {"10 1": 4, "01 0": 6}  # registers c0 (1 bit) and c1 (2 bits)
    br = BackendResult.from_dict(qfmt.convert(qiskit_counts, "qiskit.counts.json.v1", FMT))
    assert br.get_bitlist() == [Bit("c0", 0), Bit("c1", 0), Bit("c1", 1)]
    assert br.get_counts(cbits=br.get_bitlist()) == Counter({(1, 0, 1): 4, (0, 1, 0): 6})


def test_post_processing_circuits_are_refused() -> None:
    pp = Circuit(0, 1)
    br = BackendResult(shots=OutcomeArray.from_readouts([[1]]), ppcirc=pp)
    with pytest.raises(qfmt.LossyConversionError, match="ppcirc"):
        from_pytket(br)
    with pytest.raises(qfmt.OptionError):
        from_pytket({"shots": []})


def test_without_pytket_the_interop_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pytket(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pytket"):
            raise ImportError("no pytket")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pytket)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[pytket\]"):
        to_pytket(qfmt.Counts({1: 1}, 1))
