"""Azure Quantum's microsoft.quantum-results v1 and v2: payloads of the documented shape (the
azure-quantum SDK's own test payloads), the bit order, loss markers, error shots, batches,
round trips, bad input and conformance."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import qfmt
import qfmt.testing
from qfmt.testing import strategies as qst

V1 = "microsoft.quantum-results.v1"
V2 = "microsoft.quantum-results.v2"
EXAMPLES = Path(__file__).parents[3] / "examples" / "azure"

# The shapes of the azure-quantum SDK's tests (tests/test_job_results.py), verbatim.
SDK_V1 = {"Histogram": ["[0]", 0.50, "[1]", 0.50]}
SDK_V2 = {"DataFormat": V2, "Results": [{"Histogram": [
    {"Outcome": [0], "Display": "[0]", "Count": 2},
    {"Outcome": [1], "Display": "[1]", "Count": 2}], "Shots": [[0], [1], [1], [0]]}]}
SDK_V2_DASH = {"DataFormat": V2, "Results": [{"Histogram": [
    {"Outcome": [0, 1, "-"], "Display": "[0, 1, -]", "Count": 1}], "Shots": [[0, 1, "-"]]}]}
SDK_V2_ERRORS = {"DataFormat": V2, "Results": [{"Histogram": [
    {"Outcome": [1], "Display": "[1]", "Count": 3},
    {"Outcome": {"Error": {"Code": "0x20", "Name": "TestErrorThirtyTwo"}},
     "Display": "Error 0x20: TestErrorThirtyTwo", "Count": 1},
    {"Outcome": {"Error": {"Code": "0x40", "Name": "TestErrorSixtyFour"}},
     "Display": "Error 0x40: TestErrorSixtyFour", "Count": 1}],
    "Shots": [[1], {"Error": {"Code": "0x20", "Name": "TestErrorThirtyTwo", "Foo": "42"}}, [1],
              {"Error": {"Code": "0x40", "Name": "TestErrorSixtyFour", "Arg0": "99"}}, [1]]}]}
TUPLES = {"DataFormat": V2, "Results": [{"Histogram": [
    {"Outcome": {"Item1": [1, 0], "Item2": [1]}, "Display": "([1, 0], [1])", "Count": 2},
    {"Outcome": {"Item1": [0, 0], "Item2": [0]}, "Display": "([0, 0], [0])", "Count": 1}],
    "Shots": [{"Item1": [1, 0], "Item2": [1]}, {"Item1": [0, 0], "Item2": [0]},
              {"Item1": [1, 0], "Item2": [1]}]}]}


def batch(n: int) -> dict[str, Any]:
    return {"DataFormat": V2, "Results": [copy.deepcopy(SDK_V2["Results"][0]) for _ in range(n)]}


# -- what the SDK does with these payloads (azure/quantum/job/job.py and qiskit/job.py) --------

def sdk_get_results(payload: dict[str, Any]) -> dict[str, float]:
    """``Job.get_results``: v1 pairs to a dict; v2 item 0 to Display -> Count / len(Shots)."""
    if "DataFormat" not in payload:
        h = payload["Histogram"]
        return {h[i]: h[i + 1] for i in range(0, len(h), 2)}
    item = payload["Results"][0]
    return {o["Display"]: o["Count"] / len(item["Shots"]) for o in item["Histogram"]}


def sdk_qiskit_counts(item: dict[str, Any]) -> dict[str, int]:
    """The SDK's Qiskit provider: histogram counts keyed by the outcome's bits in recording
    order (``"".join``), shots with a loss marker dropped."""
    out: dict[str, int] = {}
    for o in item["Histogram"]:
        key = "".join(str(b) for b in o["Outcome"])
        if "-" in key or "2" in key:
            continue
        out[key] = out.get(key, 0) + o["Count"]
    return out


def recording_order(counts: qfmt.Counts) -> dict[str, int]:
    """Canonical counts with bit i written as character i (the SDK's join order)."""
    return {k[::-1]: v for k, v in counts.bitstrings().items()}


class TestSdkShapes:
    def test_v1(self) -> None:
        p = qfmt.load(SDK_V1, V1)
        assert isinstance(p, qfmt.ProbDistribution)
        assert dict(p) == {0: 0.5, 1: 0.5} and p.width == 1

    def test_v2(self) -> None:
        r = qfmt.load(SDK_V2, V2)
        assert isinstance(r, qfmt.Result) and len(r) == 1
        mem = r.memory()
        assert mem.outcomes() == [0, 1, 1, 0]
        assert dict(r.counts()) == {0: 2, 1: 2}
        assert r.results[0].shots == 4

    def test_batch_is_one_experiment_per_item(self) -> None:
        r = qfmt.load(batch(3), V2)
        assert len(r) == 3
        assert [e.data["memory"].outcomes() for e in r] == [[0, 1, 1, 0]] * 3
        with pytest.raises(qfmt.LossyConversionError, match="experiment="):
            qfmt.convert(batch(3), V2, "ionq.result.histogram.json.v1")
        assert qfmt.convert(batch(3), V2, "ionq.result.histogram.json.v1", experiment=2) == \
            {"0": 2, "1": 2}

    def test_tuples_are_registers_in_recording_order(self) -> None:
        r = qfmt.load(TUPLES, V2)
        mem = r.memory()
        assert mem.layout == qfmt.RegisterLayout([("Item1", 2), ("Item2", 1)], positional=True)
        # Item1 = [1, 0] is bits 0-1, Item2 = [1] is bit 2: 0b101
        assert mem.outcomes() == [0b101, 0, 0b101]
        assert qfmt.dump(r, V2) == TUPLES
        assert qfmt.convert(TUPLES, V2, V1) == {"Histogram": ["([0, 0], [0])", 1 / 3,
                                                             "([1, 0], [1])", 2 / 3]}

    def test_sdk_reads_qfmt_output_to_equal_data(self) -> None:
        for payload in (SDK_V2, SDK_V2_DASH, SDK_V2_ERRORS, TUPLES):
            out = json.loads(qfmt.dumps(qfmt.load(payload, V2), V2))
            assert sdk_get_results(out) == sdk_get_results(payload)
        out = qfmt.dump(qfmt.load(SDK_V1, V1), V1)
        assert sdk_get_results(out) == sdk_get_results(SDK_V1)

    def test_counts_agree_with_the_sdk_qiskit_provider(self) -> None:
        rng = np.random.default_rng(5)
        bits = rng.integers(0, 2, size=(200, 4)).tolist()
        bits[3][2] = "-"
        bits[50][0] = "-"
        hist: dict[str, int] = {}
        for row in bits:
            hist[json.dumps(row)] = hist.get(json.dumps(row), 0) + 1
        item = {"Histogram": [{"Outcome": json.loads(k), "Display": k.replace('"', ""),
                               "Count": c} for k, c in hist.items()], "Shots": bits}
        payload = {"DataFormat": V2, "Results": [item]}
        r = qfmt.load(payload, V2)
        assert recording_order(r.counts()) == sdk_qiskit_counts(item)
        assert r.counts().shots() == 198
        assert r.memory().leaked().nonzero()[0].tolist() == [3, 50]


class TestLoss:
    def test_loss_marker_is_leakage_never_a_bit(self) -> None:
        r = qfmt.load(SDK_V2_DASH, V2)
        mem = r.memory()
        assert mem.leaked().tolist() == [True]
        leak = np.unpackbits(mem.leakage, axis=1, bitorder="little", count=mem.leakage_width)
        assert leak.tolist() == [[0, 0, 1]]
        with pytest.raises(qfmt.LossyConversionError, match="include_leakage"):
            qfmt.convert(SDK_V2_DASH, V2, "ionq.result.shots.json.v1")
        assert qfmt.dump(r, V2) == SDK_V2_DASH

    def test_loss_survives_ionq_shots_v2(self) -> None:
        ionq = qfmt.convert(SDK_V2_DASH, V2, "ionq.result.shots.json.v2")
        assert ionq == {"shots": [{"registers": {"output_all": [0, 1, 0]},
                                   "leakage_bits": [0, 0, 1]}]}
        assert qfmt.convert(ionq, "ionq.result.shots.json.v2", V2) == SDK_V2_DASH

    def test_marker_2_is_kept(self) -> None:
        payload = {"DataFormat": V2, "Results": [{"Histogram": [
            {"Outcome": [2, 1], "Display": "[2, 1]", "Count": 1},
            {"Outcome": [1, 1], "Display": "[1, 1]", "Count": 1}], "Shots": [[2, 1], [1, 1]]}]}
        r = qfmt.load(payload, V2)
        assert dict(r.counts()) == {3: 1}
        assert r.results[0].extra == {"loss_marker": 2}
        assert qfmt.dump(r, V2) == payload

    def test_v1_loss_is_refused_unless_dropped(self) -> None:
        payload = {"Histogram": ["[0, 1]", 0.5, "[-, 1]", 0.25, "[1, 1]", 0.25]}
        with pytest.raises(qfmt.LossyConversionError, match="drop_lost=True"):
            qfmt.load(payload, V1)
        p = qfmt.load(payload, V1, drop_lost=True)
        assert dict(p) == pytest.approx({2: 2 / 3, 3: 1 / 3})
        assert [n.kind for n in p.provenance] == ["lost-excluded"]


class TestErrors:
    def test_error_shots_are_kept_apart_and_written_back(self) -> None:
        r = qfmt.load(SDK_V2_ERRORS, V2)
        exp = r.results[0]
        assert exp.data["memory"].outcomes() == [1, 1, 1]
        assert exp.shots == 5
        assert [e["shot"] for e in exp.extra["shot_errors"]] == [1, 3]
        assert qfmt.dump(r, V2) == SDK_V2_ERRORS

    def test_metadata_passes_through(self) -> None:
        payload = copy.deepcopy(SDK_V2)
        payload["JobId"] = "abc"
        payload["Results"][0]["Name"] = "main"
        r = qfmt.load(payload, V2)
        assert r.extra == {"JobId": "abc"} and r.results[0].extra == {"Name": "main"}
        assert qfmt.dump(r, V2) == payload


def test_bit_order_qubit_0_set() -> None:
    """The README row: qubit 0 measured 1, qubits 1 and 2 measured 0 is canonical 1."""
    c = qfmt.Counts({1: 1}, 3)
    assert qfmt.dump(c, V1) == {"Histogram": ["[1, 0, 0]", 1.0]}
    mem = qfmt.Memory.from_ints([1], 3)
    assert qfmt.dump(mem, V2)["Results"][0]["Shots"] == [[1, 0, 0]]
    assert qfmt.load({"Histogram": ["[1, 0, 0]", 1.0]}, V1).outcome_array.tolist() == [1]


def _with(payload: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    node = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("fid,payload,path,words", [
    (V1, {"Histogram": ["[0]", 0.5, "[1]"]}, "$.Histogram", "pairs"),
    (V1, {"Histogram": ["[0]", 0.5, "[0, 1]", 0.5]}, "$.Histogram[2]", "first outcome"),
    (V1, {"Histogram": ["01", 1.0]}, "$.Histogram[0]", "not an outcome"),
    (V1, {"Histogram": ["[0]", 0.7, "[1]", 0.5]}, "$", "sum to"),
    (V1, {"Histogram": []}, "$.Histogram", "at least one"),
    (V2, _with(SDK_V2, ["DataFormat"], V1), "$.DataFormat", "expected"),
    (V2, _with(SDK_V2, ["Results"], []), "$.Results", "at least one"),
    (V2, _with(SDK_V2, ["Results", 0, "Shots", 1], [3]), "$.Results[0].Shots[1][0]", "got 3"),
    (V2, _with(SDK_V2, ["Results", 0, "Shots", 1], [True]), "$.Results[0].Shots[1][0]", "True"),
    (V2, _with(SDK_V2, ["Results", 0, "Shots", 1], [0, 1]), "$.Results[0].Shots[1]",
     "first shot"),
    (V2, _with(SDK_V2, ["Results", 0, "Shots", 1], {"Item1": [1], "Item3": [0]}),
     "$.Results[0].Shots[1]", "Item1..ItemN"),
    (V2, _with(SDK_V2, ["Results", 0, "Histogram", 1, "Count"], 3),
     "$.Results[0].Histogram[1].Count", "2 shots"),
    (V2, _with(SDK_V2, ["Results", 0, "Histogram", 1, "Outcome"], [0]),
     "$.Results[0].Histogram[1].Outcome", "repeats"),
    (V2, _with(SDK_V2, ["Results", 0, "Shots"], [{"Error": {}}]), "$.Results[0].Shots",
     "every shot"),
    (V2, {"DataFormat": V2, "Results": [{"Histogram": []}]}, "$.Results[0].Histogram",
     "without Shots"),
    (V2, {"DataFormat": V2, "Results": [{"Histogram": [
        {"Outcome": [0], "Count": 1}, {"Outcome": [0, 1], "Count": 1}]}]},
     "$.Results[0].Histogram[1].Outcome", "first outcome"),
    (V2, {"DataFormat": V2, "Results": [{"Histogram": [
        {"Outcome": [0], "Count": 1}, {"Outcome": [0], "Count": 1}]}]},
     "$.Results[0].Histogram[1].Outcome", "repeats"),
])
def test_bad_input(fid: str, payload: Any, path: str, words: str) -> None:
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load(payload, fid)
    assert info.value.format == fid and info.value.path.startswith(path)
    assert words in str(info.value)


def test_examples_conform() -> None:
    qfmt.testing.check_format(V1, [EXAMPLES / "results-v1.json", SDK_V1,
                                   {"Histogram": ["([0], [1, 1])", 1.0]}])
    qfmt.testing.check_format(V2, [EXAMPLES / "results-v2.json", SDK_V2, batch(2), SDK_V2_DASH,
                                   SDK_V2_ERRORS, TUPLES])


@settings(max_examples=30)
@given(qst.payloads(V2, include_leakage=True))
def test_generated_v2_payloads_conform(payload: Any) -> None:
    qfmt.testing.check_format(V2, [payload])


@settings(max_examples=30)
@given(qst.payloads(V1))
def test_generated_v1_payloads_conform(payload: Any) -> None:
    qfmt.testing.check_format(V1, [payload])


@settings(max_examples=30)
@given(qst.memory(max_width=12))
def test_memory_round_trips_through_v2(mem: qfmt.Memory) -> None:
    try:
        dumped = qfmt.dump(mem, V2)
    except qfmt.LossyConversionError:
        return  # registers without a joint one, or leakage marks past the measured bits
    back = qfmt.load(dumped, V2).memory()
    assert back.width == mem.width
    assert back.leaked().tolist() == mem.leaked().tolist()
    assert dict(back.counts()) == dict(mem.counts())


HIST_ONLY = {"DataFormat": V2, "Results": [
    {"Histogram": [{"Outcome": [1, 0], "Display": "[1, 0]", "Count": 6},
                   {"Outcome": [0, 0], "Display": "[0, 0]", "Count": 3},
                   {"Outcome": ["-", 1], "Display": "[-, 1]", "Count": 1},
                   {"Outcome": {"Error": {"Code": "0x20"}}, "Display": "", "Count": 2}]},
    {"Histogram": [{"Outcome": [1, 1], "Display": "[1, 1]", "Count": 2}], "Shots": [[1, 1], [1, 1]]},
]}


def test_an_item_without_shots_loads_as_counts_and_keeps_lost_and_error_entries() -> None:
    r = qfmt.load(HIST_ONLY, V2)
    first = r.results[0]
    assert dict(first.data["counts"]) == {1: 6, 0: 3} and first.shots == 12
    assert first.extra["lost_histogram"] == [HIST_ONLY["Results"][0]["Histogram"][2]]
    assert first.extra["error_histogram"] == [HIST_ONLY["Results"][0]["Histogram"][3]]
    assert isinstance(r.results[1].data["memory"], qfmt.Memory)  # a batch may mix both
    out = qfmt.dump(r, V2)
    assert "Shots" not in out["Results"][0]
    assert sorted(map(json.dumps, out["Results"][0]["Histogram"])) == \
        sorted(map(json.dumps, HIST_ONLY["Results"][0]["Histogram"]))
    assert out["Results"][1] == HIST_ONLY["Results"][1]
    assert qfmt.load(out, V2) == r


def test_counts_from_other_formats_are_written_as_a_histogram_without_shots() -> None:
    out = qfmt.convert({"1": 7, "6": 3}, "ionq.result.histogram.json.v1", V2, num_qubits=3)
    assert out == {"DataFormat": V2, "Results": [{"Histogram": [
        {"Outcome": [1, 0, 0], "Display": "[1, 0, 0]", "Count": 7},
        {"Outcome": [0, 1, 1], "Display": "[0, 1, 1]", "Count": 3}]}]}
    probs = qfmt.load({"0": 0.25, "3": 0.75}, "ionq.result.probabilities.json.v1", num_qubits=2)
    with pytest.raises(qfmt.LossyConversionError, match="shots=N"):
        qfmt.dump(probs, V2)
    hist = qfmt.dump(probs, V2, shots=4)["Results"][0]["Histogram"]
    assert [(h["Outcome"], h["Count"]) for h in hist] == [([0, 0], 1), ([1, 1], 3)]
