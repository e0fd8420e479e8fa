"""qfmt against the real Amazon Braket SDK (installed by the test extra): results made by
Braket's LocalSimulator and its state-vector simulator load to the SDK's own counts and
measurements, and the SDK reads what qfmt writes back to equal data."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest
from braket.circuits import Circuit, observables
from braket.circuits.serialization import IRType
from braket.default_simulator import StateVectorSimulator
from braket.devices import LocalSimulator
from braket.ir.openqasm import Program
from braket.task_result import GateModelTaskResult, TaskMetadata
from braket.task_result.additional_metadata import AdditionalMetadata
from braket.tasks import GateModelQuantumTaskResult

import qfmt
import qfmt.testing
from qfmt._bits import bitstring
from qfmt.plugins.braket import from_braket, to_braket

F = "braket.task_result.gate_model_task_result.v1"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::UserWarning")


def ghz(n: int = 3) -> Circuit:
    c = Circuit().h(0)
    for q in range(n - 1):
        c.cnot(q, q + 1)
    return c


def run(circuit: Circuit, shots: int) -> GateModelQuantumTaskResult:
    return LocalSimulator().run(circuit, shots=shots).result()


def braket_counts(result: qfmt.Result) -> Counter[str]:
    """qfmt's counts in Braket's keys: character i (leftmost first) is canonical bit i."""
    counts = result.counts()
    return Counter({bitstring(k, counts.width)[::-1]: v for k, v in counts.items()})


def same_task(a: qfmt.Result, b: qfmt.Result) -> bool:
    """The same task: data, ids and metadata (the SDK's schema JSON also writes null fields,
    which the SDK's result object does not keep)."""
    keys = ("taskMetadata", "additionalMetadata")
    return bool(a.results == b.results and (a.job_id, a.backend_name) == (b.job_id, b.backend_name)
                and all(a.extra[k] == b.extra[k] for k in keys))


def assert_same(ours: qfmt.Result, theirs: GateModelQuantumTaskResult) -> None:
    mem = ours.memory()
    assert np.array_equal(mem.to_bool().astype(int), np.asarray(theirs.measurements))
    assert braket_counts(ours) == theirs.measurement_counts
    assert ours.results[0].measured_qubits == tuple(theirs.measured_qubits)
    assert mem.width == len(theirs.measured_qubits)
    assert ours.job_id == theirs.task_metadata.id
    assert ours.backend_name == theirs.task_metadata.deviceId


@pytest.mark.parametrize("circuit", [
    ghz(3).x(1),
    Circuit().h(0).x(2),                          # qubit 1 unused: measuredQubits [0, 2]
    Circuit().h(0).cnot(0, 1).x(2).measure([2, 0]),  # partial measurement, in that order
    Circuit().h(0).cnot(0, 1).x(3).measure([3]),
], ids=["ghz-x1", "unused-qubit", "measure-2-0", "measure-3"])
def test_local_simulator_results_load_to_the_sdks_own_answers(circuit: Circuit) -> None:
    theirs = run(circuit, 200)
    ours = from_braket(theirs)
    assert_same(ours, theirs)
    # the widths are the measured qubits, never the circuit's or the device's
    assert ours.memory().width == len(theirs.measured_qubits) <= circuit.qubit_count
    # and the SDK reads qfmt's output back to equal data
    back = GateModelQuantumTaskResult.from_string(qfmt.dumps(ours, F))
    assert np.array_equal(back.measurements, theirs.measurements)
    assert back.measurement_counts == theirs.measurement_counts
    assert back.measurement_probabilities == theirs.measurement_probabilities
    assert back.measured_qubits == theirs.measured_qubits
    assert back.task_metadata == theirs.task_metadata
    assert back.additional_metadata == theirs.additional_metadata


def test_partial_measurement_bit_order() -> None:
    theirs = run(Circuit().h(0).cnot(0, 1).x(2).measure([2, 0]), 100)
    ours = from_braket(theirs)
    assert theirs.measured_qubits == [2, 0]
    outcomes = set(ours.memory().outcomes())
    assert outcomes <= {0b01, 0b11}  # bit 0 is qubit 2 (always 1), bit 1 is qubit 0
    assert ours.memory().select([0]).outcomes() == [1] * 100


def test_state_vector_simulator_json_with_string_bits_loads() -> None:
    program = ghz(3).x(0).to_ir(IRType.OPENQASM)
    raw = StateVectorSimulator().run(program, shots=50)
    text = raw.json()
    assert '"0"' in text or '"1"' in text  # the simulator writes bits as strings
    ours = qfmt.load(text, F)
    theirs = GateModelQuantumTaskResult.from_string(text)
    assert_same(ours, theirs)
    qfmt.testing.check_format(F, [text])


def test_schema_object_and_its_json_load_alike() -> None:
    theirs = run(ghz(4), 64)
    obj = GateModelTaskResult(measurements=theirs.measurements.tolist(),
                              measuredQubits=list(theirs.measured_qubits),
                              taskMetadata=theirs.task_metadata,
                              additionalMetadata=theirs.additional_metadata)
    assert from_braket(obj) == qfmt.load(obj.json(), F)
    assert same_task(from_braket(obj), from_braket(theirs))
    assert GateModelTaskResult.parse_raw(qfmt.dumps(from_braket(obj), F)) == obj


def test_probability_results_load_and_the_sdk_reads_them_back() -> None:
    probs = {"000": 0.5, "101": 0.25, "011": 0.25}
    obj = GateModelTaskResult(
        measurementProbabilities=probs, measuredQubits=[0, 1, 2],
        taskMetadata=TaskMetadata(id="task-p", shots=400, deviceId="arn:device"),
        additionalMetadata=AdditionalMetadata(action=Program(source="OPENQASM 3.0;")))
    theirs = GateModelQuantumTaskResult.from_object(obj)
    ours = qfmt.load(obj.json(), F)
    dist = ours.results[0].data["probabilities"]
    assert dist.shots == 400 and dist.width == 3
    assert {bitstring(k, 3)[::-1]: v for k, v in dist.items()} == \
        theirs.measurement_probabilities
    assert same_task(from_braket(theirs), ours)
    back = GateModelQuantumTaskResult.from_string(qfmt.dumps(ours, F))
    assert back.measurement_counts == theirs.measurement_counts
    assert back.measurement_probabilities == theirs.measurement_probabilities


def test_the_sdk_reads_counts_and_memory_from_other_formats() -> None:
    """IonQ and Qiskit data, converted by qfmt, as the SDK sees it."""
    counts = qfmt.load({"1": 7, "6": 3}, "ionq.result.histogram.json.v1", num_qubits=3)
    back = to_braket(counts)
    assert back.measurement_counts == Counter({"100": 7, "011": 3})
    assert back.measured_qubits == [0, 1, 2] and back.task_metadata.shots == 10
    mem = qfmt.load(["0x1", "0x6", "0x1"], "qiskit.memory.json.v1")
    back = to_braket(mem, measured_qubits=[4, 5, 6], task_id="t", device_id="d")
    assert back.measurements.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]
    assert back.measured_qubits == [4, 5, 6] and back.task_metadata.id == "t"
    probs = qfmt.load({"01": 0.25, "10": 0.75}, "qiskit.probabilities.json.v1")
    back = to_braket(probs, shots=4)
    assert back.measurement_counts == Counter({"10": 1, "01": 3})  # Braket keys: bit 0 first


def test_qiskit_keys_are_braket_keys_reversed() -> None:
    theirs = run(ghz(3).x(0).h(2), 300)
    qiskit = qfmt.convert(qfmt.dumps(from_braket(theirs), F), F, "qiskit.counts.json.v1")
    assert {k[::-1]: v for k, v in qiskit.items()} == dict(theirs.measurement_counts)


def test_result_types_pass_through_and_the_sdk_reads_them() -> None:
    circuit = ghz(2).probability(target=[0]).expectation(observables.Z(), target=[1])
    theirs = run(circuit, 100)
    ours = from_braket(theirs)
    back = to_braket(ours)
    assert len(back.values) == 2
    assert np.allclose(back.values[0], theirs.values[0]) and back.values[1] == theirs.values[1]
    exact = run(ghz(2).state_vector().amplitude(["00", "11"]).probability(), 0)
    ours = from_braket(exact)
    assert list(ours.results[0].data) == ["result_types"] and ours.results[0].shots == 0
    back = to_braket(ours)
    for got, want in zip(back.values, exact.values):
        if isinstance(want, dict):
            assert got == pytest.approx(want)
        else:
            assert np.allclose(got, want)


def test_from_braket_refuses_other_objects() -> None:
    with pytest.raises(qfmt.OptionError, match="GateModelQuantumTaskResult"):
        from_braket({"measurements": [[0]]})


def test_missing_sdk_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "braket.tasks", None)  # import fails as if not installed
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[braket\]"):
        to_braket(qfmt.Counts({0: 1}, 1))


def test_reading_and_writing_need_no_sdk() -> None:
    import subprocess

    code = ("import sys, json, qfmt; sys.modules['braket'] = None\n"
            "r = qfmt.load(open('examples/braket/task-result.json').read(), "
            f"'{F}'); d = qfmt.dump(r, '{F}'); print(len(d['measurements']))")
    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         check=True)
    assert out.stdout.strip() == "1000"



def test_to_braket_raises_qfmt_errors_never_pydantics() -> None:
    bad_types = qfmt.Result([qfmt.ExperimentResult(
        {"result_types": [{"type": {"type": "bogus"}, "value": 1}]}, shots=0)])
    with pytest.raises(qfmt.PayloadError, match=r"\$\.resultTypes\[0\]\.type.*Braket SDK refuses"
                       ) as err:
        to_braket(bad_types)
    assert err.value.format == F and "\n" not in str(err.value)
    with pytest.raises(qfmt.PayloadError, match="Braket SDK refuses"):
        to_braket(qfmt.Result([qfmt.ExperimentResult({}, shots=0)]))  # nothing the SDK can read


def test_permuted_measured_qubits_and_result_types_survive_to_braket() -> None:
    theirs = run(Circuit().h(0).cnot(0, 1).x(3).h(4).measure([3, 0, 4, 2]), 50)
    ours = from_braket(theirs)
    assert ours.results[0].measured_qubits == (3, 0, 4, 2)
    back = to_braket(ours)
    assert back.measured_qubits == [3, 0, 4, 2]
    assert back.measurement_counts == theirs.measurement_counts
