"""cirq.result.json.v1 against Cirq itself: results produced by ``cirq.Simulator`` are loaded
with qfmt and compared with Cirq's own answers (``histogram``, ``measurements``, ``records``),
and Cirq's ``read_json`` reads qfmt's output back to an equal result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cirq
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt.plugins.cirq import from_cirq, to_cirq

FMT = "cirq.result.json.v1"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "cirq" / "result.json"
CIRQ_TEST_DATA = Path(cirq.__file__).parent / "protocols" / "json_test_data"


def reverse_bits(value: int, width: int) -> int:
    return int(f"{value:0{width}b}"[::-1], 2)


def three_keys() -> tuple[cirq.Circuit, dict[str, int]]:
    """A circuit with three measurement keys of 1, 3 and 2 qubits, some qubits in
    superposition, one key listing its qubits out of line order."""
    q = cirq.LineQubit.range(6)
    circuit = cirq.Circuit(
        cirq.H(q[0]), cirq.X(q[1]), cirq.H(q[2]), cirq.CNOT(q[2], q[3]), cirq.H(q[5]),
        cirq.measure(q[0], key="a"),
        cirq.measure(q[3], q[1], q[2], key="b"),
        cirq.measure(q[5], q[4], key="c"),
    )
    return circuit, {"a": 1, "b": 3, "c": 2}


@pytest.fixture(scope="module")
def run() -> cirq.ResultDict:
    circuit, _ = three_keys()
    return cirq.Simulator(seed=20261122).run(circuit, repetitions=500)


def test_simulator_result_loads_to_cirqs_own_answers(run: cirq.ResultDict) -> None:
    _, widths = three_keys()
    result = qfmt.load(cirq.to_json(run), FMT)
    mem = result.memory()
    assert len(mem) == 500 == result.experiment(0).shots
    order = list(json.loads(cirq.to_json(run))["records"])  # the layout follows the payload
    assert sorted(order) == sorted(widths)
    assert mem.layout is not None and mem.layout.sizes == tuple((k, widths[k]) for k in order)
    for key, width in widths.items():
        reg = mem.register(key)
        # per shot: canonical bit i is the key's i-th qubit, as in result.measurements[key]
        assert reg.to_bool().astype(int).tolist() == run.measurements[key].tolist()
        # Cirq's histogram is big-endian: its int is qfmt's with the key's bits reversed
        assert {reverse_bits(k, width): v for k, v in run.histogram(key=key).items()} == \
            dict(reg.counts())
    # the joint outcome over all keys is Cirq's bits laid end to end, the first key at bit 0
    joined = np.concatenate([run.measurements[k] for k in order], axis=1)
    assert mem.to_bool().astype(int).tolist() == joined.tolist()


def test_cirq_reads_qfmts_output_back_to_an_equal_result(run: cirq.ResultDict) -> None:
    result = qfmt.load(cirq.to_json(run), FMT)
    back = cirq.read_json(json_text=qfmt.dumps(result, FMT))
    assert isinstance(back, cirq.ResultDict) and back == run
    assert qfmt.dump(result, FMT) == json.loads(cirq.to_json(run))


def test_other_formats_reach_cirq_with_the_same_shots(run: cirq.ResultDict) -> None:
    """Cirq -> Qiskit result -> Cirq, and IonQ shots v2 -> Cirq: Cirq reads each back."""
    text = cirq.to_json(run)
    qiskit = qfmt.convert(text, FMT, "qiskit.result.json.v1")
    assert qfmt.load(qiskit, "qiskit.result.json.v1").get_counts() == \
        qfmt.load(text, FMT).get_counts()
    assert cirq.read_json(json_text=json.dumps(
        qfmt.convert(qiskit, "qiskit.result.json.v1", FMT))) == run
    ionq = qfmt.convert(text, FMT, "ionq.result.shots.json.v2")
    assert cirq.read_json(json_text=json.dumps(
        qfmt.convert(ionq, "ionq.result.shots.json.v2", FMT))) == run


def test_sweep_is_one_experiment_per_parameter_value() -> None:
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    circuit = cirq.Circuit(cirq.X(q[0]) ** t, cirq.measure(q[0], q[1], key="m"))
    sweep = cirq.Simulator(seed=5).run_sweep(circuit, cirq.Linspace("t", 0, 1, 3),
                                             repetitions=40)
    text = cirq.to_json(list(sweep))
    result = qfmt.load(text, FMT)
    assert len(result) == 3
    for i, res in enumerate(sweep):
        exp = result.experiment(i)
        assert cirq.read_json(json_text=json.dumps(exp.extra["params"])) == res.params
        assert {reverse_bits(k, 2): v for k, v in res.histogram(key="m").items()} == \
            dict(result.counts(i))
    assert dict(result.counts(0)) == {0: 40} and dict(result.counts(2)) == {1: 40}
    assert cirq.read_json(json_text=qfmt.dumps(result, FMT)) == list(sweep)


def test_repeated_measurement_key_keeps_every_instance() -> None:
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.measure(*q, key="m"), cirq.CNOT(*q),
                           cirq.measure(*q, key="m"))
    res = cirq.Simulator(seed=9).run(circuit, repetitions=64)
    assert res.records["m"].shape == (64, 2, 2)
    result = qfmt.load(cirq.to_json(res), FMT)
    mem = result.memory()
    assert mem.to_bool().astype(int).tolist() == res.records["m"].reshape(64, 4).tolist()
    with pytest.raises(ValueError, match="repeated keys"):  # Cirq's 2-D views refuse them
        res.histogram(key="m")
    assert cirq.read_json(json_text=qfmt.dumps(result, FMT)) == res


def test_qudit_digits_are_refused() -> None:
    qutrit = cirq.LineQid(0, dimension=3)
    shift = cirq.MatrixGate(np.roll(np.eye(3), 2, axis=0), qid_shape=(3,))  # |0> -> |2>
    res = cirq.Simulator().run(cirq.Circuit(shift(qutrit), cirq.measure(qutrit, key="t")),
                               repetitions=4)
    assert res.measurements["t"].tolist() == [[2]] * 4
    with pytest.raises(qfmt.PayloadError, match="digit 2 is not a bit") as ei:
        qfmt.load(cirq.to_json(res), FMT)
    assert ei.value.path == "$.records.t.packed_digits"


@pytest.mark.parametrize("name", ["ResultDict.json", "ResultDict.json_inward", "Result.json_inward",
                                  "TrialResult.json_inward"])
def test_cirqs_own_json_test_data(name: str) -> None:
    """Cirq's serialization test data: every binary entry loads to the digits Cirq reads; the
    np.save entries hold digits 0..8 and are refused as qudits."""
    entries = json.loads((CIRQ_TEST_DATA / name).read_text())
    assert entries
    for entry in entries:
        theirs = cirq.read_json(json_text=json.dumps(entry))
        field = "records" if "records" in entry else "measurements"
        if not all(rec["binary"] for rec in entry[field].values()):
            with pytest.raises(qfmt.PayloadError, match="qudit"):
                qfmt.load(entry, FMT)
            continue
        ours = qfmt.load(entry, FMT)
        mem = ours.memory()
        for key in entry[field]:
            assert mem.register(key).to_bool().astype(int).tolist() == \
                theirs.records[key].reshape(len(mem), -1).astype(int).tolist()
        back = cirq.read_json(json_text=qfmt.dumps(ours, FMT))
        assert back == theirs
        assert {k: v.dtype for k, v in back.records.items()} == \
            {k: v.dtype for k, v in theirs.records.items()}


def test_example_reads_in_cirq_as_the_ghz_run() -> None:
    res = cirq.read_json(EXAMPLE)
    assert res.repetitions == 1000
    ghz = qfmt.load(EXAMPLE, FMT)
    assert {reverse_bits(k, 3): v for k, v in res.histogram(key="m").items()} == \
        dict(ghz.counts())
    assert res.histogram(key="m")[0b100] == ghz.counts()[0b001]  # qubit 0 set, others clear


def test_to_cirq_and_from_cirq(run: cirq.ResultDict) -> None:
    ours = from_cirq(run)
    assert ours == qfmt.load(cirq.to_json(run), FMT)
    assert to_cirq(ours) == run
    mem = qfmt.load(["1", "2", "3"], "ionq.result.shots.json.v1", num_qubits=2)
    theirs = to_cirq(mem, measurement_key="z")
    assert theirs.measurements["z"].tolist() == [[1, 0], [0, 1], [1, 1]]
    assert from_cirq(theirs).memory().outcomes() == [1, 2, 3]
    sweep = [run, run]
    assert len(from_cirq(sweep)) == 2 and to_cirq(from_cirq(sweep)) == sweep
    with pytest.raises(qfmt.QfmtError, match=r"expected a cirq\.Result"):
        from_cirq({"m": [1]})


def test_interop_without_cirq_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cirq", None)
    mem: Any = qfmt.Memory.from_ints([1], 1)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[cirq\]"):
        to_cirq(mem)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[cirq\]"):
        from_cirq(mem)
    # reading and writing the format needs no Cirq
    assert qfmt.load(qfmt.dump(mem, FMT), FMT).memory() == qfmt.kit.evolve(
        mem, layout=qfmt.RegisterLayout.single(1, "m"))


def test_zero_repetitions() -> None:
    """Cirq runs 0 repetitions, and writes them with dtype float64 (and one qubit per key)."""
    q = cirq.LineQubit.range(2)
    res = cirq.Simulator().run(cirq.Circuit(cirq.measure(*q, key="m")), repetitions=0)
    result = qfmt.load(cirq.to_json(res), FMT)
    assert len(result.memory()) == 0 and dict(result.counts()) == {}
    assert cirq.read_json(json_text=qfmt.dumps(result, FMT)) == res


@st.composite
def cirq_results(draw: Any) -> cirq.ResultDict:
    """ResultDicts as Cirq builds them: 1-3 keys of 1-70 qubits (past 64 bits), 1-3 instances,
    0/1 digits of any dtype Cirq records."""
    reps = draw(st.integers(1, 12))
    keys = draw(st.lists(st.text("abcxyz_:", min_size=1, max_size=4), min_size=1, max_size=3,
                         unique=True))
    records = {}
    for key in keys:
        shape = (reps, draw(st.integers(1, 3)), draw(st.integers(1, 70)))
        dtype = draw(st.sampled_from([np.int8, np.uint8, np.bool_, np.int64]))
        seed = draw(st.integers(0, 2**32 - 1))
        records[key] = np.random.default_rng(seed).integers(0, 2, size=shape).astype(dtype)
    params = cirq.ParamResolver({"t": draw(st.floats(-1, 1, allow_nan=False))})
    return cirq.ResultDict(params=params, records=records)


@settings(max_examples=25)
@given(res=cirq_results())
def test_generated_cirq_results_load_and_read_back(res: cirq.ResultDict) -> None:
    result = qfmt.load(cirq.to_json(res), FMT)
    mem = result.memory()
    for key, digits in res.records.items():
        assert mem.register(key).to_bool().tolist() == \
            digits.reshape(len(mem), -1).astype(bool).tolist()
    back = cirq.read_json(json_text=qfmt.dumps(result, FMT))
    assert back == res
    assert {k: v.dtype for k, v in back.records.items()} == \
        {k: v.dtype for k, v in res.records.items()}
