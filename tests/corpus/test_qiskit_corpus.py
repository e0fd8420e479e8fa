"""The Qiskit corpus (``tests/corpus/qiskit/``, made by its ``make.py`` with real Qiskit, Aer and
qiskit-ibm-runtime): every file loads, its numbers equal the SDK's own, and it round-trips
through its own format."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Pauli
from qiskit.result import Result as QiskitResult
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import RuntimeDecoder

import qfmt

HERE = Path(__file__).parent / "qiskit"
RESULT = "qiskit.result.json.v1"
COUNTS = "qiskit.counts.json.v1"
MEMORY = "qiskit.memory.json.v1"
PROBS = "qiskit.probabilities.json.v1"
SAMPLER = "qiskit.primitives.sampler.json.v1"
ESTIMATOR = "qiskit.primitives.estimator.json.v1"
RESULT_FILES = sorted(p.name for p in HERE.glob("*.json") if not p.name.startswith(
    ("sampler", "estimator")))
LOOSE = "aer-loose-clbits.json"


def _make() -> Any:
    spec = importlib.util.spec_from_file_location("qiskit_corpus_make", HERE / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(name: str) -> tuple[str, dict[str, Any]]:
    text = (HERE / name).read_text()
    return text, json.loads(text)


def test_the_corpus_is_small_and_says_what_made_it() -> None:
    assert sum(p.stat().st_size for p in HERE.iterdir()) < 300_000
    pinned = _make().PINNED
    assert (HERE / "VERSIONS").read_text() == "".join(f"{k}=={v}\n" for k, v in pinned.items())
    assert len(RESULT_FILES) == 8


@pytest.mark.parametrize("name", RESULT_FILES)
def test_result_files_load_equal_qiskit_and_round_trip(name: str) -> None:
    text, d = _read(name)
    qfmt.validate(text, RESULT)  # the JSON Schema and the parser
    ours = qfmt.load(text, RESULT)
    theirs = QiskitResult.from_dict(d)
    assert json.loads(qfmt.dumps(ours, RESULT)) == d  # verbatim, save data included
    assert len(ours.results) == len(theirs.results)
    for i, (exp, raw) in enumerate(zip(ours.results, d["results"])):
        data = theirs.data(i)
        if "counts" in data:
            assert dict(ours.counts(i)) == {int(k, 16): v for k, v in data["counts"].items()}
            assert ours.counts(i).width == raw["header"]["memory_slots"]
            if name != LOOSE:  # Qiskit's display drops loose clbits: see the test below
                assert ours.get_counts(i) == theirs.get_counts(i)
                assert ours.get_memory(i) == theirs.get_memory(i)
        if exp.meas_level == 1:
            np.testing.assert_array_equal(np.asarray(ours.get_memory(i)), theirs.get_memory(i))
        for key, value in raw["data"].items():
            if key in ("statevector", "unitary"):
                getter = "get_statevector" if key == "statevector" else "get_unitary"
                np.testing.assert_array_equal(getattr(ours, getter)(i),
                                              getattr(theirs, getter)(i))
            elif key not in ("counts", "memory"):
                assert exp.data[key] == value, key  # Aer's save data, kept as it was


def test_aer_probabilities_are_aer_data_not_the_classical_distribution() -> None:
    text, d = _read("aer-save-kinds.json")
    r = qfmt.load(text, RESULT)
    exp = r.experiment("probs-dict")
    # save_probabilities_dict([2]): qubit 2 is 1 with certainty, outcome 1 of one saved qubit
    assert exp.data["probabilities"] == {"0x1": 1.0}
    assert QiskitResult.from_dict(d).get_counts("probs-dict") == {"100": 8}
    # the classical distribution comes from the measured counts: clbit 2 is 1, not clbit 0
    assert qfmt.convert(text, RESULT, PROBS, experiment=0,
                        allow_loss="experiment-data") == {"100": 1.0}
    assert dict(qfmt.load(qfmt.dumps(r, RESULT), RESULT).results[0].data) == dict(exp.data)
    states = r.experiment("states").data
    assert states["probs_list"] == d["results"][1]["data"]["probs_list"]  # a list: loads
    assert states["probs_custom"] == {"0x0": 0.5000000000000001, "0x3": 0.4999999999999999}
    # a destination that would put a distribution under Aer's label refuses, naming it
    with pytest.raises(qfmt.LossyConversionError, match="'probabilities'"):
        qfmt.convert(text, RESULT, "ionq.result.probabilities-aggregate.json.v1", experiment=0,
                     job_id="child")


def test_loose_clbits_keep_their_positions() -> None:
    text, d = _read(LOOSE)
    r = qfmt.load(text, RESULT)
    exp = r.results[0]
    # creg_sizes a(2), b(1) but 4 memory slots: a loose Clbit() at clbit 2
    assert exp.header["creg_sizes"] == [["a", 2], ["b", 1]] and exp.header["memory_slots"] == 4
    assert dict(r.counts(0)) == {0b1101: 8} and r.counts(0).width == 4
    assert r.get_counts(0) == {"1101": 8}  # every clbit shown; Qiskit's "1 10" drops clbit 0
    assert r.get_memory(1) == [format(int(h, 16), "03b") for h in d["results"][1]["data"]
                                                                      ["memory"]]
    for fid in (COUNTS, MEMORY):
        flat = qfmt.convert(text, RESULT, fid, experiment=0)
        assert qfmt.convert(flat, fid, fid) == flat
    back = qfmt.load(qfmt.convert(text, RESULT, COUNTS, experiment=1), COUNTS)
    assert dict(back) == dict(r.counts(1))


@pytest.mark.parametrize("index", [0, 1, 2])
def test_empty_registers_match_qiskit_display_both_ways(index: int) -> None:
    text, d = _read("aer-empty-register.json")
    theirs = QiskitResult.from_dict(d)
    counts, memory = theirs.get_counts(index), theirs.get_memory(index)
    assert any(" " in k and "" in k.split(" ") for k in counts)  # '100 ', ' 100', '1  10'
    qfmt.validate(counts, COUNTS)
    qfmt.validate(memory, MEMORY)
    ours = qfmt.load(counts, COUNTS)
    assert dict(ours) == dict(qfmt.load(text, RESULT).counts(index))
    assert qfmt.convert(counts, COUNTS, COUNTS) == counts
    assert qfmt.convert(memory, MEMORY, MEMORY) == memory
    assert qfmt.convert(text, RESULT, COUNTS, experiment=index) == counts


def test_meas_level1_is_kept_and_never_counted() -> None:
    text, _ = _read("meas-level1.json")
    r = qfmt.load(text, RESULT)
    assert [e.meas_level for e in r.results] == [1, 1]
    assert [e.meas_return for e in r.results] == ["single", "avg"]
    with pytest.raises(qfmt.LossyConversionError, match="allow_loss='experiment-data'"):
        qfmt.convert(text, RESULT, COUNTS, experiment=0)
    with pytest.raises(qfmt.LossyConversionError, match="no data a Counts"):
        qfmt.convert(text, RESULT, COUNTS, experiment=0, allow_loss="experiment-data")


def test_sampler_sweep_equals_runtime_decoder_and_round_trips() -> None:
    text, _ = _read("sampler-sweep.json")
    theirs = json.loads(text, cls=RuntimeDecoder)[0]
    qfmt.validate(text, SAMPLER)
    ours = qfmt.load(text, SAMPLER)
    assert theirs.data.shape == (2, 3) and len(ours.results) == 6
    for i, loc in enumerate(np.ndindex(2, 3)):
        assert ours.results[i].header["index"] == list(loc)
        joined = theirs.join_data().get_counts(loc=loc)  # register a at bit 0, then b
        assert {k.replace(" ", ""): v for k, v in ours.get_counts(i).items()} == joined
        for reg in ("a", "b"):
            mine = ours.memory(i).register(reg).counts().bitstrings()
            assert mine == getattr(theirs.data, reg).get_counts(loc=loc)
    assert json.loads(qfmt.dumps(ours, SAMPLER)) == json.loads(text)
    # to a Qiskit Result: memory only in the sweep, and Qiskit's get_counts works (counts too)
    as_result = qfmt.convert(text, SAMPLER, RESULT)
    qiskit_view = QiskitResult.from_dict(as_result)
    for i in range(6):
        assert set(as_result["results"][i]["data"]) == {"counts", "memory"}
        assert qiskit_view.get_counts(i) == ours.get_counts(i)
        assert qiskit_view.get_memory(i) == ours.get_memory(i)


def test_estimator_array_observables_equal_runtime_decoder_and_round_trip() -> None:
    text, _ = _read("estimator-array.json")
    theirs = json.loads(text, cls=RuntimeDecoder)[0]
    qfmt.validate(text, ESTIMATOR)
    ours = qfmt.load(text, ESTIMATOR)
    assert ours[0].shape == theirs.data.shape == (2, 3)
    np.testing.assert_array_equal(ours.evs(0), theirs.data.evs)
    np.testing.assert_array_equal(ours[0].stds, theirs.data.stds)
    assert json.loads(qfmt.dumps(ours, ESTIMATOR)) == json.loads(text)


def test_from_qiskit_reads_a_live_aer_result_as_the_corpus_script_writes_it() -> None:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.save_probabilities_dict([1])
    qc.save_probabilities([0], label="p0")
    qc.save_statevector()
    qc.save_density_matrix([0], label="rho")
    qc.save_expectation_value(Pauli("ZZ"), [0, 1], label="zz", conditional=True)
    qc.measure([0, 1], [0, 1])
    live = AerSimulator(seed_simulator=7).run(qc, shots=16, memory=True).result()
    ours = qfmt.from_qiskit(live)
    assert ours.get_counts() == live.get_counts() and ours.get_memory() == live.get_memory()
    written = json.loads(qfmt.dumps(ours, RESULT))["results"][0]["data"]
    assert written == _make().result_json(live)["results"][0]["data"]
    assert ours.results[0].data["probabilities"] == {"0x0": 0.5000000000000001,
                                                     "0x1": 0.4999999999999999}
