"""Issue 22, Qiskit side: simulator save data is the simulator's (never the classical
distribution), loose clbits and empty registers load, memory-only data written to a Qiskit
Result carries counts as a ``memory=True`` backend writes them, and the sampler's rename hint
is accepted. The real-SDK payloads are in ``tests/corpus/qiskit`` (``test_qiskit_corpus.py``)."""

from __future__ import annotations

import ast
import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit.result import Result as QiskitResult

import qfmt

RESULT = "qiskit.result.json.v1"
COUNTS = "qiskit.counts.json.v1"
PROBS = "qiskit.probabilities.json.v1"
SAMPLER = "qiskit.primitives.sampler.json.v1"
MARK = "qfmt_clbit_distributions"


def _result(data: dict[str, Any], header: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"backend_name": "aer_simulator", "backend_version": "0.18.2", "date": None,
            "header": None, "job_id": "j", "status": "COMPLETED", "success": True,
            "results": [{"shots": 4, "success": True, "data": data, "meas_level": 2,
                         "header": header or {"memory_slots": 3, "creg_sizes": [["c", 3]]}}]}


@pytest.mark.parametrize("save", [
    {"probabilities": {"0x1": 1.0}},                    # save_probabilities_dict([2])
    {"probabilities": [0.0, 1.0]},                      # save_probabilities([2]): a list
    {"probabilities": [[0.0, 1.0]] * 4},                # pershot=True
    {"probabilities": {"0x0": [0.0, 1.0], "0x4": [0.0, 1.0]}},  # conditional=True
    {"quasi": {"0x1": 1.0}, "my_label": {"0x3": 0.5}},  # custom labels
    {"statevector": {"0x4": [[0.0, 0.0], [1.0, 0.0]]}},  # conditional statevector
    {"statevector": [[[0.0, 0.0], [1.0, 0.0]]] * 4},    # pershot statevector
])
def test_save_data_is_kept_verbatim_and_never_read_as_the_distribution(
        save: dict[str, Any]) -> None:
    d = _result({"counts": {"0x4": 4}, **save})
    qfmt.validate(d, RESULT)  # the JSON Schema allows it too
    r = qfmt.load(d, RESULT)
    for key, value in save.items():
        if key == "statevector" and isinstance(value, list):  # pairs: a complex array
            assert r.results[0].data[key].shape == (4, 2)
        else:
            assert r.results[0].data[key] == value
    assert qfmt.dump(r, RESULT) == d
    # the classical distribution is the measured one: clbit 2 is 1; the save data is lost on
    # the way, which must be allowed
    lose = {"allow_loss": ["state", "experiment-data"]}
    assert qfmt.convert(d, RESULT, PROBS, **lose) == {"100": 1.0}
    assert qfmt.convert(d, RESULT, COUNTS, **lose) == \
        QiskitResult.from_dict(d).get_counts() == {"100": 4}
    with pytest.raises(qfmt.LossyConversionError, match="allow_loss="):
        qfmt.convert(d, RESULT, COUNTS)


def test_save_data_alone_gives_no_distribution() -> None:
    d = _result({"probabilities": {"0x1": 1.0}})
    with pytest.raises(qfmt.LossyConversionError, match="allow_loss='experiment-data'"):
        qfmt.convert(d, RESULT, PROBS)
    with pytest.raises(qfmt.LossyConversionError, match="no data a ProbDistribution"):
        qfmt.convert(d, RESULT, PROBS, allow_loss="experiment-data")


def test_qfmt_marks_the_distributions_it_writes_and_reads_them_back() -> None:
    probs = qfmt.ProbDistribution({0: 0.25, 5: 0.75}, 3)
    quasi = qfmt.QuasiDistribution({0: 1.25, 5: -0.25}, 3)
    r = qfmt.Result([qfmt.ExperimentResult({"probabilities": probs}, job_id="a"),
                     qfmt.ExperimentResult({"quasi": quasi}, job_id="b")])
    d = qfmt.dump(r, RESULT)
    assert [e["header"][MARK] for e in d["results"]] == [{"probabilities": "probabilities"},
                                                          {"quasi": "quasi"}]
    back = qfmt.load(d, RESULT)
    assert back.results[0].data["probabilities"] == probs
    assert back.results[1].data["quasi"] == quasi
    assert MARK not in back.results[0].header  # rewritten from the data by the dump
    assert qfmt.dump(back, RESULT) == d
    assert QiskitResult.from_dict(d).data(0)["probabilities"] == {"0x0": 0.25, "0x5": 0.75}


@pytest.mark.parametrize(("marks", "fragment"), [
    ({"probabilities": "counts"}, "expected 'probabilities' or 'quasi'"),
    ({"missing": "probabilities"}, "not in the data"),
    ({"counts": "probabilities"}, "not one"),
    (["probabilities"], "expected an object"),
])
def test_bad_marks_are_payload_errors(marks: Any, fragment: str) -> None:
    d = _result({"counts": {"0x4": 4}, "probabilities": {"0x4": 1.0}},
                {"memory_slots": 3, MARK: marks})
    with pytest.raises(qfmt.PayloadError, match=fragment) as info:
        qfmt.load(d, RESULT)
    assert info.value.path.startswith("$.results[0].header.qfmt_clbit_distributions")


def test_loose_clbits_load_with_every_bit_in_place() -> None:
    d = _result({"counts": {"0xd": 4}, "memory": ["0xd"] * 4},
                {"memory_slots": 4, "creg_sizes": [["a", 2], ["b", 1]]})
    r = qfmt.load(d, RESULT)
    assert dict(r.counts()) == {13: 4} and r.counts().width == 4
    assert r.memory().outcomes() == [13] * 4
    assert qfmt.dump(r, RESULT) == d
    too_many = _result({"counts": {"0x1": 4}},
                       {"memory_slots": 2, "creg_sizes": [["a", 2], ["b", 1]]})
    with pytest.raises(qfmt.PayloadError, match="add up to 3 bits but memory_slots is 2"):
        qfmt.load(too_many, RESULT)


@given(st.lists(st.integers(0, 3), min_size=2, max_size=4).filter(lambda w: sum(w) > 0),
       st.data())
def test_empty_registers_in_qiskit_display_keys_round_trip(widths: list[int],
                                                           data: st.DataObject) -> None:
    sizes = [[f"r{i}", w] for i, w in enumerate(widths)]
    width = sum(widths)
    outcomes = data.draw(st.sets(st.integers(0, 2**width - 1), min_size=1, max_size=5))
    d = _result({"counts": {hex(o): 1 for o in sorted(outcomes)}},
                {"memory_slots": width, "creg_sizes": sizes})
    shown = QiskitResult.from_dict(d).get_counts()
    assert qfmt.load(d, RESULT).get_counts() == shown
    qfmt.validate(shown, COUNTS)
    assert dict(qfmt.load(shown, COUNTS)) == {o: 1 for o in outcomes}
    assert qfmt.convert(shown, COUNTS, COUNTS) == shown


def test_memory_only_data_is_written_with_counts_for_qiskit() -> None:
    mem = qfmt.Memory.from_ints([1, 2, 2], 2)
    d = qfmt.dump(qfmt.Result([qfmt.ExperimentResult({"memory": mem}, shots=3)]), RESULT)
    data = d["results"][0]["data"]
    assert list(data) == ["counts", "memory"] and data["counts"] == {"0x1": 1, "0x2": 2}
    assert QiskitResult.from_dict(d).get_counts() == {"01": 1, "10": 2}
    # a Qiskit payload with memory only stays as it was
    only = copy.deepcopy(d)
    del only["results"][0]["data"]["counts"]
    assert qfmt.dump(qfmt.load(only, RESULT), RESULT) == only


@pytest.mark.parametrize("name", ["0:m", "shape", "my reg", "1st", "é:x", "_data"])
def test_the_suggested_rename_is_accepted(name: str) -> None:
    mem = qfmt.Memory.from_ints([1, 2], 2, layout=qfmt.RegisterLayout([(name, 1), ("b", 1)]))
    with pytest.raises(qfmt.LossyConversionError) as info:
        qfmt.dump(mem, SAMPLER)
    assert info.value.option is not None and info.value.option.startswith("rename=")
    rename = ast.literal_eval(info.value.option.removeprefix("rename="))
    back = qfmt.load(qfmt.dumps(mem, SAMPLER, rename=rename), SAMPLER).memory(0)
    assert back.outcomes() == [1, 2] and back.layout is not None
    assert back.layout.names == (rename[name], "b")
