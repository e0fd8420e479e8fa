"""braket.task_result.gate_model_task_result.v1 without the Braket SDK: the bit order, widths of
the measured qubits, metadata that round-trips, what is refused, and conversions of the shipped
examples to and from every built-in format."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from qfmt.plugins.braket import formats as bf
from tests.helpers import outcome_formats

F = "braket.task_result.gate_model_task_result.v1"
REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "braket"
SHOTS_V2 = REPO / "examples" / "ionq" / "shots-v2.json"
MEMORY_EXAMPLE = EXAMPLES / "task-result.json"
PROBS_EXAMPLE = EXAMPLES / "task-result-probabilities.json"


def payload(**fields: Any) -> dict[str, Any]:
    """A minimal valid task result; ``fields`` replace or add top-level keys."""
    shots = len(fields["measurements"]) if "measurements" in fields else fields.pop("shots", 4)
    out: dict[str, Any] = {
        "braketSchemaHeader": dict(bf.HEADER),
        "taskMetadata": {"id": "task-1", "shots": shots, "deviceId": "braket_sv"},
        "additionalMetadata": {},
    }
    out.update(fields)
    return out


# -- the bit order and widths ----------------------------------------------------------------


def test_measurement_column_i_is_canonical_bit_i() -> None:
    r = qfmt.load(payload(measurements=[[1, 0, 0], [0, 1, 1]], measuredQubits=[0, 1, 2]), F)
    assert r.memory().outcomes() == [1, 6]
    assert r.get_counts() == {"001": 1, "110": 1}  # Qiskit's display: bit 0 rightmost


def test_probability_key_character_i_is_canonical_bit_i() -> None:
    r = qfmt.load(payload(measurementProbabilities={"100": 0.75, "011": 0.25},
                          measuredQubits=[0, 1, 2]), F)
    probs = r.results[0].data["probabilities"]
    assert dict(probs) == {1: 0.75, 6: 0.25} and probs.width == 3 and probs.shots == 4


def test_ghz_outcome_one_is_written_as_braket_writes_it() -> None:
    counts = qfmt.Counts({1: 3}, 3)
    out = qfmt.dump(counts, F)
    assert out["measurementProbabilities"] == {"100": 1.0}
    assert out["measuredQubits"] == [0, 1, 2] and out["taskMetadata"]["shots"] == 3
    mem = qfmt.Memory.from_ints([1, 1], 3)
    assert qfmt.dump(mem, F)["measurements"] == [[1, 0, 0], [1, 0, 0]]


def test_width_is_the_measured_qubits_never_the_device() -> None:
    # qubits 0 and 2 of a 3-qubit circuit measured in the order [2, 0] (qiskit-braket-provider#130)
    r = qfmt.load(payload(measurements=[[1, 0], [1, 1]], measuredQubits=[2, 0]), F)
    mem = r.memory()
    assert mem.width == 2 and not mem.width_inferred
    assert mem.outcomes() == [1, 3]  # bit 0 is qubit 2, bit 1 is qubit 0
    assert r.results[0].measured_qubits == (2, 0) and "measuredQubits" not in r.results[0].extra
    assert qfmt.dump(r, F)["measuredQubits"] == [2, 0]


def test_a_qubit_measured_twice_keeps_both_columns() -> None:
    # Braket's simulator gives measuredQubits [0, 0] for two measurements of qubit 0
    r = qfmt.load(payload(measurements=[["1", "1"], ["0", "0"]], measuredQubits=[0, 0]), F)
    assert r.memory().outcomes() == [3, 0]


def test_string_bits_of_braket_simulators_are_read_and_written_as_ints() -> None:
    r = qfmt.load(payload(measurements=[["0", "1"], ["1", "1"]], measuredQubits=[0, 3]), F)
    assert r.memory().outcomes() == [2, 3]
    assert qfmt.dump(r, F)["measurements"] == [[0, 1], [1, 1]]


def test_int_and_string_bits_may_be_mixed_as_braket_reads_them() -> None:
    r = qfmt.load(payload(measurements=[[0, "1"], ["1", 1]]), F)
    assert r.memory().outcomes() == [2, 3]


def test_without_measured_qubits_the_columns_are_the_bits() -> None:
    p = payload(measurements=[[0, 1, 1]])
    r = qfmt.load(p, F)
    assert r.memory().outcomes() == [6] and r.results[0].measured_qubits is None
    assert qfmt.dump(r, F)["measuredQubits"] == [0, 1, 2]


# -- the shipped examples and metadata -------------------------------------------------------


def test_examples_are_the_ionq_ghz_run_without_the_leaked_shots() -> None:
    ionq = qfmt.load(SHOTS_V2, "ionq.result.shots.json.v2")
    kept = ionq.to_bool()[~ionq.leaked()]
    r = qfmt.load(MEMORY_EXAMPLE, F)
    assert len(r.memory()) == 1000 == len(ionq) - 3
    assert np.array_equal(r.memory().to_bool(), kept)
    assert dict(r.counts()) == dict(ionq.counts())
    p = qfmt.load(PROBS_EXAMPLE, F)
    probs = p.results[0].data["probabilities"]
    assert probs.shots == 1000 and dict(probs.to_counts(1000)) == dict(ionq.counts())
    for res in (r, p):
        assert res.job_id == res.results[0].job_id and res.job_id.startswith("arn:aws:braket:")
        assert res.backend_name == "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
        assert res.results[0].shots == 1000


@pytest.mark.parametrize("path", [MEMORY_EXAMPLE, PROBS_EXAMPLE])
def test_examples_dump_back_unchanged(path: Path) -> None:
    data = json.loads(path.read_text())
    assert qfmt.dump(qfmt.load(data, F), F) == data


def test_metadata_and_unknown_keys_pass_through() -> None:
    p = payload(measurements=[[0], [1]], measuredQubits=[5],
                resultTypes=[{"type": {"type": "probability", "targets": [5]}, "value": [0.5, 0.5]}],
                outputs=[{"b": [0]}, {"b": [1]}], futureField={"x": 1})
    p["taskMetadata"].update(createdAt="2026-11-22T09:30:00.000Z", status="COMPLETED",
                             deviceParameters={"paradigmParameters": {"qubitCount": 6}})
    p["additionalMetadata"] = {"action": {"braketSchemaHeader": dict(bf.OPENQASM_HEADER),
                                          "source": "OPENQASM 3.0;"}, "simulatorMetadata": None}
    r = qfmt.load(p, F)
    assert r.extra["futureField"] == {"x": 1} and r.extra["outputs"] == p["outputs"]
    out = qfmt.dump(r, F)
    expected = copy.deepcopy(p)
    assert out == expected
    # and through another format that keeps extras (Qiskit's Result) and back
    # (measuredQubits is the model's measured_qubits, which Qiskit's Result carries in the
    # experiment header)
    via = qfmt.convert(qfmt.dumps(r, F), F, "qiskit.result.json.v1")
    assert via["results"][0]["header"]["qfmt_measured_qubits"] == [5]
    back = qfmt.dump(qfmt.load(via, "qiskit.result.json.v1"), F)
    assert back == expected


def test_model_fields_win_over_the_kept_task_metadata() -> None:
    r = qfmt.load(payload(measurements=[[1]]), F)
    r2 = qfmt.kit.evolve(r, backend_name="arn:dev", results=[qfmt.kit.evolve(r.results[0],
                                                                           job_id="arn:task")])
    meta = qfmt.dump(r2, F)["taskMetadata"]
    assert meta["id"] == "arn:task" and meta["deviceId"] == "arn:dev"
    meta = qfmt.dump(r, F, task_id="t2", device_id="d2")["taskMetadata"]
    assert (meta["id"], meta["deviceId"]) == ("t2", "d2")


def test_data_from_elsewhere_gets_placeholder_metadata_that_says_so() -> None:
    out = qfmt.dump(qfmt.Memory.from_ints([0, 3], 2), F)
    assert out["taskMetadata"] == {"braketSchemaHeader": bf.TASK_METADATA_HEADER,
                                   "id": "unknown", "shots": 2, "deviceId": "unknown"}
    assert out["additionalMetadata"]["action"]["source"] == bf.PLACEHOLDER_PROGRAM
    src = "OPENQASM 3.0;\nqubit[2] q;"
    out = qfmt.dump(qfmt.Memory.from_ints([0, 3], 2), F, program=src)
    assert out["additionalMetadata"]["action"]["source"] == src


def test_a_task_without_shots_keeps_its_result_types() -> None:
    rts = [{"type": {"type": "statevector"}, "value": [[1.0, 0.0], [0.0, 0.0]]}]
    r = qfmt.load(payload(shots=0, resultTypes=rts), F)
    # kept verbatim as experiment data, where formats that keep data carry it
    assert r.results[0].data == {"result_types": rts} and r.results[0].shots == 0
    assert "resultTypes" not in r.extra
    assert qfmt.dump(r, F) == payload(shots=0, resultTypes=rts)
    with pytest.raises(qfmt.LossyConversionError, match="allow_loss='result-types'"):
        qfmt.convert(payload(shots=0, resultTypes=rts), F, "ionq.result.histogram.json.v1")
    with pytest.raises(qfmt.LossyConversionError, match="no data"):
        qfmt.convert(payload(shots=0, resultTypes=rts), F, "ionq.result.histogram.json.v1",
                     allow_loss="result-types")


def test_other_experiment_data_is_refused_unless_allowed() -> None:
    saved = qfmt.Result([qfmt.ExperimentResult(
        {"memory": qfmt.Memory.from_ints([1, 0], 1), "my_save": [0.5, 0.5]}, shots=2)])
    with pytest.raises(qfmt.LossyConversionError, match=r"\['my_save'\].*allow_loss="):
        qfmt.dump(saved, F)
    out = qfmt.dump(saved, F, allow_loss="experiment-data")
    assert out["measurements"] == [[1], [0]] and "my_save" not in json.dumps(out)


# -- what is refused ---------------------------------------------------------------------------


def test_probabilities_need_a_shot_count() -> None:
    probs = qfmt.ProbDistribution({0: 0.5, 3: 0.5}, 2)
    with pytest.raises(qfmt.LossyConversionError, match="shots=N"):
        qfmt.dump(probs, F)
    out = qfmt.dump(probs, F, shots=100)
    assert out["taskMetadata"]["shots"] == 100
    assert out["measurementProbabilities"] == {"00": 0.5, "11": 0.5}


def test_quasi_probabilities_are_refused() -> None:
    with pytest.raises(qfmt.LossyConversionError, match="quasi"):
        qfmt.dump(qfmt.QuasiDistribution({0: 1.1, 1: -0.1}, 1), F)


def test_several_experiments_need_experiment() -> None:
    res = qfmt.Result([qfmt.ExperimentResult({"counts": qfmt.Counts({0: 2}, 1)}, job_id="a"),
                       qfmt.ExperimentResult({"counts": qfmt.Counts({1: 5}, 1)}, job_id="b")])
    with pytest.raises(qfmt.LossyConversionError, match="experiment="):
        qfmt.dump(res, F)
    out = qfmt.dump(res, F, experiment="b")
    assert out["measurementProbabilities"] == {"1": 1.0} and out["taskMetadata"]["id"] == "b"


def test_leaked_shots_are_left_out_or_kept_as_plain_shots() -> None:
    ionq = qfmt.load(SHOTS_V2, "ionq.result.shots.json.v2")
    assert len(qfmt.dump(ionq, F)["measurements"]) == 1000
    kept = qfmt.dump(ionq, F, include_leakage=True)
    assert len(kept["measurements"]) == 1003 == kept["taskMetadata"]["shots"]


def test_measured_qubits_must_match_the_width() -> None:
    r = qfmt.load(payload(measurements=[[1, 0]], measuredQubits=[4, 7]), F)
    narrowed = qfmt.marginal_counts(r, [1])  # the marginal keeps the qubit of the kept bit
    assert qfmt.dump(narrowed, F)["measuredQubits"] == [7]
    with pytest.raises(qfmt.OptionError, match="measured_qubits"):
        qfmt.dump(narrowed, F, measured_qubits=[4, 5])
    assert qfmt.dump(narrowed, F, measured_qubits=[4])["measuredQubits"] == [4]
    labelled = qfmt.Result([qfmt.ExperimentResult({"memory": qfmt.Memory.from_ints([1], 1)},
                                                  measured_qubits=["q[4]"])])
    with pytest.raises(qfmt.LossyConversionError, match="measured_qubits="):
        qfmt.dump(labelled, F)
    with pytest.raises(qfmt.OptionError, match="shots=3"):
        qfmt.dump(r, F, shots=3)


BAD = [
    (payload(measurements=[[0]], measuredQubits=[10**400]), "$.measuredQubits[0]", "2**63"),
    (payload(measurements=[[0]], resultTypes=[{"type": {"type": "x"}, "value": 2**64}]),
     "$.resultTypes", "64-bit"),
    (payload(measurements=[[0, 1], [1]]), "$.measurements[1]", "shot has 1 bits but the first has 2"),
    (payload(measurements=[[0, 2]]), "$.measurements[0][1]", "0 or 1"),
    (payload(measurements=[[0, True]]), "$.measurements[0][1]", "0 or 1"),
    (payload(measurements=[["0", "x"]]), "$.measurements[0][1]", "0 or 1"),
    (payload(measurements=[[]]), "$.measurements[0]", "at least one bit"),
    (payload(measurements=[], shots=0), "$.measurements", "at least one shot"),
    (payload(measurements=[[0, 1]], measuredQubits=[0]), "$.measurements[0]", "measuredQubits"),
    (payload(measurements=[[0]], measuredQubits=[-1]), "$.measuredQubits[0]", "an integer in"),
    (payload(measurements=[[0]], measuredQubits=[]), "$.measuredQubits", "at least one"),
    (payload(measurementProbabilities={"012": 1.0}), '$.measurementProbabilities["012"]',
     "not a bitstring"),
    (payload(measurementProbabilities={"01": 0.5, "1": 0.5}), '$.measurementProbabilities["1"]',
     "has 1 bits"),
    (payload(measurementProbabilities={"01": 0.5, "11": 0.4}), "$.measurementProbabilities",
     "sum"),
    (payload(measurementProbabilities={"01": 1.5}), '$.measurementProbabilities["01"]', ""),
    (payload(measurementProbabilities={"01": 1.0}, measuredQubits=[0, 1, 2]),
     '$.measurementProbabilities["01"]', "measuredQubits"),
    (payload(measurementProbabilities={}), "$.measurementProbabilities", "at least one"),
    (payload(), "$", "measurements or measurementProbabilities"),
    ({**payload(measurements=[[1]]), "braketSchemaHeader": {"name": "x", "version": "1"}},
     "$.braketSchemaHeader.name", "expected"),
    ({k: v for k, v in payload(measurements=[[1]]).items() if k != "taskMetadata"}, "$",
     "taskMetadata"),
    ({**payload(measurements=[[1]]), "additionalMetadata": []}, "$.additionalMetadata",
     "object"),
    ({**payload(measurements=[[1]]), "taskMetadata": {"id": "", "shots": 1, "deviceId": "d"}},
     "$.taskMetadata.id", "non-empty"),
    ({**payload(measurements=[[1]]), "taskMetadata": {"id": "t", "shots": 2, "deviceId": "d"}},
     "$.measurements", "taskMetadata.shots is 2"),
    ({**payload(measurements=[[1]]), "resultTypes": [3]}, "$.resultTypes[0]", "object"),
    (payload(measurementProbabilities={"1" * 2000: 1.0}),
     qfmt.kit.jpath("measurementProbabilities", "1" * 2000), "wider than"),
]


@pytest.mark.parametrize(("bad", "path", "reason"), BAD, ids=[(b[1] + " " + b[2])[:60] for b in BAD])
def test_bad_payloads_raise_payload_error_with_the_path(bad: Any, path: str, reason: str) -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(bad, F)
    assert ei.value.format == F and ei.value.path == path and reason in ei.value.reason
    assert qfmt.problems(bad, F)  # and validate finds it too (schema or parser)


# -- property tests ----------------------------------------------------------------------------


@st.composite
def task_results(draw: Any) -> tuple[dict[str, Any], np.ndarray]:
    """A valid payload with measurements, and its (shots, width) bits."""
    width = draw(st.integers(1, 70))
    shots = draw(st.integers(1, 20))
    values = draw(st.lists(st.integers(0, 2**width - 1), min_size=shots, max_size=shots))
    bits = np.array([[(v >> i) & 1 for i in range(width)] for v in values], dtype=np.uint8)
    qubits = draw(st.permutations(range(width + draw(st.integers(0, 3)))))[:width]
    as_text = draw(st.booleans())
    rows = [[str(b) for b in row] for row in bits.tolist()] if as_text else bits.tolist()
    return payload(measurements=rows, measuredQubits=list(qubits)), bits


@given(task_results())
def test_generated_payloads_pass_schema_and_parser_and_round_trip(
        case: tuple[dict[str, Any], np.ndarray]) -> None:
    p, bits = case
    assert qfmt.problems(p, F, semantic=False) == []
    r = qfmt.load(p, F)
    mem = r.memory()
    expected = [sum(int(b) << i for i, b in enumerate(row)) for row in bits.tolist()]
    assert mem.outcomes() == expected and mem.width == bits.shape[1]
    out = qfmt.dump(r, F)
    assert out["measurements"] == bits.tolist() and out["measuredQubits"] == p["measuredQubits"]
    assert qfmt.load(out, F) == r


@given(st.dictionaries(st.integers(0, 2**12 - 1), st.integers(1, 50), min_size=1, max_size=20),
       st.integers(12, 14))
def test_counts_round_trip_through_probabilities(data: dict[int, int], width: int) -> None:
    counts = qfmt.Counts(data, width)
    out = qfmt.dump(counts, F)
    assert out["taskMetadata"]["shots"] == counts.shots()
    for key, p in out["measurementProbabilities"].items():
        assert p * counts.shots() == pytest.approx(data[int(key[::-1], 2)])
    back = qfmt.load(out, F).results[0].data["probabilities"]
    assert dict(back.to_counts(counts.shots())) == dict(counts)


KEYS = ["measurements", "measuredQubits", "taskMetadata", "additionalMetadata",
        "measurementProbabilities", "id", "shots", "deviceId", "01", "x"]


def _containers(kids: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(KEYS), kids, max_size=5)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=5), _containers, max_leaves=20)


@given(JSON)
def test_arbitrary_json_parses_or_raises_payload_error(data: Any) -> None:
    try:
        qfmt.load(data, F)
    except qfmt.PayloadError as err:
        assert err.format == F and err.path.startswith("$")
        assert "bug in the format plugin" not in err.reason


@given(task_results(), st.data())
def test_corrupted_bits_raise_payload_error_at_the_bit(case: tuple[dict[str, Any], np.ndarray],
                                                       data: st.DataObject) -> None:
    p, bits = case
    s = data.draw(st.integers(0, bits.shape[0] - 1))
    i = data.draw(st.integers(0, bits.shape[1] - 1))
    p["measurements"][s][i] = data.draw(st.sampled_from([2, -1, True, None, "2", 0.5, [], {}]))
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(p, F)
    assert ei.value.path == f"$.measurements[{s}][{i}]"


# -- conversions through the model ------------------------------------------------------------


def _builtin_ids() -> list[str]:
    return [fid for fid in outcome_formats() if fid != F]


def _load_options(fid: str) -> dict[str, Any]:
    fmt = qfmt.default_registry().get(fid)
    return {k: 3 for k in ("num_qubits", "num_bits") if fmt.load_options and k in fmt.load_options}


def _convert(payload: Any, src: str, dst: str, **base: Any) -> tuple[Any, bool]:
    """Convert, adding the options a refusal names (shots, then sampling); (output, exact)."""
    for extra in ({}, {"shots": 1000}, {"shots": 1000, "sample": True, "seed": 7}):
        try:
            return qfmt.convert(payload, src, dst, **base, **extra), not extra
        except qfmt.LossyConversionError as exc:
            assert exc.option, f"{src} -> {dst} refused without naming an option: {exc}"
    raise AssertionError(f"{src} -> {dst} is refused whatever the options")


@pytest.mark.parametrize("example", [MEMORY_EXAMPLE, PROBS_EXAMPLE], ids=lambda p: p.name)
@pytest.mark.parametrize("fid", _builtin_ids())
def test_example_converts_to_every_builtin_format_and_back(example: Path, fid: str) -> None:
    src = qfmt.load(example, F)
    out, _ = _convert(example.read_bytes(), F, fid)
    text = out if isinstance(out, (str, bytes)) else json.dumps(out)
    there = qfmt.load(text, fid, **_load_options(fid))
    if isinstance(there, qfmt.QuasiDistribution):  # may be negative: never a Braket result
        with pytest.raises(qfmt.LossyConversionError, match="quasi"):
            qfmt.convert(text, fid, F, shots=1000)
        return
    back, _ = _convert(text, fid, F, **_load_options(fid))
    again = qfmt.load(back, F)
    ghz = dict(qfmt.load(SHOTS_V2, "ionq.result.shots.json.v2").counts())
    assert dict(_counts(again)) == ghz == dict(_counts(src))
    keeps_shots = isinstance(there, qfmt.Memory) or (
        isinstance(there, qfmt.Result) and "memory" in there.results[0].data)
    if example == MEMORY_EXAMPLE and keeps_shots:  # per-shot formats: exact, shot by shot
        assert np.array_equal(again.memory().to_bool(), src.memory().to_bool())


def _counts(r: qfmt.Result) -> qfmt.Counts:
    data = r.results[0].data
    if "memory" in data:
        return data["memory"].counts()
    return data["probabilities"].to_counts(1000)


def test_ionq_shots_convert_into_braket() -> None:
    ionq = qfmt.load(SHOTS_V2, "ionq.result.shots.json.v2")
    out = qfmt.convert(SHOTS_V2.read_bytes(), "ionq.result.shots.json.v2", F)
    assert out["measuredQubits"] == [0, 1, 2]
    assert out["measurements"] == ionq.to_bool()[~ionq.leaked()].astype(int).tolist()
    assert out["measurements"] == json.loads(MEMORY_EXAMPLE.read_text())["measurements"]
    assert dict(qfmt.load(out, F).counts()) == dict(ionq.counts())
