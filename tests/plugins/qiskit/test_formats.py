"""Qiskit's result formats and the qiskit.result feature set on qfmt's own types (no Qiskit
needed; tests/test_qiskit_parity.py compares with the real thing)."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from tests import strategies as S

RESULT = "qiskit.result.json.v1"
COUNTS = "qiskit.counts.json.v1"
MEMORY = "qiskit.memory.json.v1"
PROBS = "qiskit.probabilities.json.v1"
QUASI = "qiskit.quasi.json.v1"

# the reference result of ../shared/reference/qiskit.md, as Qiskit 2.6 writes it
REF: dict[str, Any] = {
    "backend_name": "my_backend", "backend_version": "1.2.3", "date": "2024-01-01T00:00:00",
    "header": {"backend_name": "my_backend"}, "job_id": "job-1", "status": "COMPLETED",
    "success": True,
    "results": [{"shots": 10, "success": True,
                 "data": {"counts": {"0x0": 3, "0x5": 2, "0x1a": 5},
                          "memory": ["0x0", "0x5", "0x1a", "0x1a", "0x0", "0x5", "0x1a", "0x1a",
                                     "0x0", "0x1a"]},
                 "meas_level": 2,
                 "header": {"name": "bell", "creg_sizes": [["c0", 2], ["c1", 3]],
                            "memory_slots": 5,
                            "clbit_labels": [["c0", 0], ["c0", 1], ["c1", 0], ["c1", 1],
                                             ["c1", 2]]},
                 "status": "DONE", "seed": 42, "meas_return": "single", "time_taken": 0.01}],
    "qobj_id": "legacy-qobj"}
REF_COUNTS = {"000 00": 3, "001 01": 2, "110 10": 5}


def ref() -> qfmt.Result:
    return qfmt.Result.from_dict(copy.deepcopy(REF))


class TestResultFormat:
    def test_reference_reads_like_qiskit(self) -> None:
        r = ref()
        assert r.get_counts() == REF_COUNTS
        assert r.counts().display() == REF_COUNTS and isinstance(r.get_counts(), dict)
        assert r.get_memory()[:3] == ["000 00", "001 01", "110 10"]
        assert r.get_counts("bell") == r.get_counts(0) == r.get_counts(-1)
        assert r.success and r.job_id == "job-1" and r.extra["qobj_id"] == "legacy-qobj"

    def test_round_trip_is_exact_in_content_and_key_order(self) -> None:
        out = ref().to_dict()
        assert out == REF
        assert list(out) == list(REF)
        assert list(out["results"][0]) == list(REF["results"][0])
        assert qfmt.dumps(ref(), RESULT) == json.dumps(REF, separators=(",", ":"))

    @given(S.qiskit_results())
    def test_generated_results_round_trip(self, payload: dict[str, Any]) -> None:
        r = qfmt.load(payload, RESULT)
        assert qfmt.dump(r, RESULT) == payload
        qfmt.validate(payload, RESULT)
        for i, exp in enumerate(payload["results"]):
            counts = r.counts(i)
            assert counts.shots() == exp["shots"] == r.get_counts(i).shots()
            if "memory" in exp["data"]:
                assert set(r.get_memory(i)) <= r.get_counts(i).keys()

    def test_unknown_keys_pass_through(self) -> None:
        d = copy.deepcopy(REF)
        d["client_version"] = {"qiskit": "2.6.2"}
        d["results"][0]["data"]["snapshots"] = {"x": [1, 2]}
        d["results"][0]["seed_simulator"] = 7
        d["results"][0]["header"]["custom"] = [1, {"a": None}]
        assert qfmt.load(d, RESULT).to_dict() == d

    def test_qiskit_1x_dicts(self) -> None:
        d = copy.deepcopy(REF)
        d["header"] = None
        d["results"][0].pop("status")
        r = qfmt.load(d, RESULT)
        assert r.header is None and r.to_dict() == d

    def test_statevector_unitary_and_level1_memory(self) -> None:
        d = {"backend_name": None, "backend_version": None, "date": None, "header": None,
             "job_id": None, "status": None, "success": True, "results": [
                 {"shots": 1, "success": True, "meas_level": 2,
                  "data": {"statevector": [[0.7071067811865476, 0.0], [0.0, 0.7071067811865476]],
                           "unitary": [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]]}},
                 {"shots": 2, "success": True, "meas_level": 1, "meas_return": "single",
                  "data": {"memory": [[[0.1, 0.2], [0.3, 0.4]], [[1.0, -1.0], [0.5, 0.5]]]}}]}
        r = qfmt.load(d, RESULT)
        assert np.allclose(r.get_statevector(0), [2**-0.5, 1j * 2**-0.5])
        assert r.get_statevector(0, decimals=3).tolist() == [0.707 + 0j, 0.707j]
        assert r.get_unitary(0).tolist() == [[1, 0], [0, 1]]
        assert r.get_memory(1).tolist() == [[0.1 + 0.2j, 0.3 + 0.4j], [1 - 1j, 0.5 + 0.5j]]
        assert r.to_dict() == d

    def test_partial_results_guard_failed_experiments(self) -> None:
        d = copy.deepcopy(REF)
        d["success"] = False
        d["results"].append({"shots": 10, "success": False, "data": {}, "meas_level": 2,
                             "status": "ERROR: compilation failed", "header": {"name": "bad"}})
        r = qfmt.load(d, RESULT)
        assert not r.success and r.get_counts("bell") == REF_COUNTS
        with pytest.raises(qfmt.ResultError, match="compilation failed"):
            r.get_counts("bad")
        with pytest.raises(qfmt.ResultError):
            r.get_counts()  # the list touches the failed one
        assert r.to_dict() == d

    def test_several_experiments_give_lists(self) -> None:
        d = copy.deepcopy(REF)
        d["results"] = [copy.deepcopy(d["results"][0]) for _ in range(2)]
        d["results"][1]["header"]["name"] = "other"
        r = qfmt.load(d, RESULT)
        assert r.get_counts() == [REF_COUNTS, REF_COUNTS]
        assert len(r.get_memory()) == 2

    def test_json_safety(self) -> None:
        r = qfmt.Result([qfmt.ExperimentResult(
            {"counts": qfmt.Counts({1: np.int64(3)}, 1), "extra_field": np.float32(0.5),
             "statevector": np.array([1, 1j]) / np.sqrt(2)},
            shots=3, seed=np.int64(4))], date=datetime.datetime(2026, 1, 2, 3, 4, 5),  # type: ignore[arg-type]
            extra={"time_taken": np.float64(1.5), "values": (1, 2)})
        text = qfmt.dumps(r, RESULT)
        back = json.loads(text)
        assert back["date"] == "2026-01-02T03:04:05"
        assert back["results"][0]["data"]["statevector"][1] == pytest.approx([0.0, 2**-0.5])
        assert back["results"][0]["seed"] == 4
        # dump (not only dumps) gives plain Python values: json.dumps accepts it
        json.dumps(qfmt.dump(r, RESULT))
        assert back["time_taken"] == 1.5 and back["values"] == [1, 2]


BAD: list[tuple[Any, str, str]] = [
    ({**REF, "results": {}}, "$.results", "expected an array"),
    ({k: v for k, v in REF.items() if k != "results"}, "$", "missing key 'results'"),
    ({**REF, "success": "yes"}, "$.success", "true or false"),
]


def _exp(**changes: Any) -> dict[str, Any]:
    d = copy.deepcopy(REF)
    exp = d["results"][0]
    for path, value in changes.items():
        node = exp
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value
    return d


BAD += [
    (_exp(data__counts={"0x1": 1, "01": 2}), '$.results[0].data.counts["01"]', "mixed key kinds"),
    (_exp(data__counts={"0x1": 1, "0b1": 2}), '$.results[0].data.counts["0b1"]',
     "mixed key kinds"),
    (_exp(data__counts={"0x40": 1}), '$.results[0].data.counts["0x40"]', "memory_slots=5"),
    (_exp(data__counts={"0xg": 1}), '$.results[0].data.counts["0xg"]', "not a hex"),
    (_exp(data__counts={"0x1": -1}), '$.results[0].data.counts["0x1"]', "negative"),
    (_exp(data__counts={"0x1": True}), '$.results[0].data.counts["0x1"]', "boolean"),
    (_exp(data__memory=["0x1", "0x40"]), "$.results[0].data.memory[1]", "memory_slots=5"),
    (_exp(data__memory=["0x1", 7]), "$.results[0].data.memory[1]", "hex outcome"),
    (_exp(data__memory="0x1"), "$.results[0].data.memory", "expected an array"),
    (_exp(header__creg_sizes=[["c0", 2], ["c1", 4]]), "$.results[0].header.creg_sizes",
     "add up to 6"),
    (_exp(header__creg_sizes=[["c0", 2, 1]]), "$.results[0].header.creg_sizes[0]", "[name, size]"),
    (_exp(header__memory_slots=-1), "$.results[0].header.memory_slots", "outside"),
    (_exp(shots="10"), "$.results[0].shots", "number"),
    (_exp(meas_level=3), "$.results[0].meas_level", "0, 1 or 2"),
    (_exp(data=[]), "$.results[0].data", "expected an object"),
    (_exp(data__statevector=[[1, 0], [0]]), "$.results[0].data.statevector", "[re, im]"),
]


@pytest.mark.parametrize(("payload", "path", "fragment"), BAD)
def test_bad_result_payloads(payload: Any, path: str, fragment: str) -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, RESULT)
    assert ei.value.format == RESULT and ei.value.path == path
    assert fragment in ei.value.reason


@pytest.mark.parametrize(("fid", "payload", "path"), [
    (COUNTS, {"01": 1, "0x1": 2}, '$["0x1"]'),
    (COUNTS, {"01": 1, "001": 2}, '$["001"]'),
    (COUNTS, {"0 1": 1, "01": 2}, '$["01"]'),
    (COUNTS, {"0 1": 1, "0  1": 2}, '$["0  1"]'),
    (COUNTS, {"0  1": 1, "0 1": 2}, '$["0 1"]'),
    (COUNTS, {"012": 1}, '$["012"]'),
    (COUNTS, {}, "$"),
    (MEMORY, ["01", "1"], "$[1]"),
    (MEMORY, ["0 1", "01"], "$[1]"),
    (MEMORY, ["01", 1], "$[1]"),
    (MEMORY, [], "$"),
    (PROBS, {"0": 0.2}, "$"),
    (PROBS, {"0": 1.5}, '$["0"]'),
    (QUASI, {"0": float("nan")}, '$["0"]'),
])
def test_bad_flat_payloads(fid: str, payload: Any, path: str) -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, fid)
    assert ei.value.format == fid and ei.value.path == path


class TestCounts:
    def test_key_kinds_and_display(self) -> None:
        c = qfmt.Counts({"0x0": 3, "0x5": 2, "0x1a": 5}, 5, layout=[("c0", 2), ("c1", 3)])
        assert c == qfmt.Counts({"000 00": 3, "001 01": 2, "110 10": 5})
        assert c == qfmt.Counts({"0b0": 3, "0b101": 2, "0b11010": 5}, layout=c.layout)
        assert c["110 10"] == c[26] == c["0x1a"] == 5
        assert c.display_key(c.most_frequent()) == "110 10"
        assert c.hex_outcomes() == {"0x0": 3, "0x5": 2, "0x1a": 5}
        assert c.int_outcomes() == {0: 3, 5: 2, 26: 5}
        assert c.shots() == 10

    def test_display_without_header_is_unpadded(self) -> None:
        assert qfmt.Counts({"0x5": 3, "0x1": 1}).display() == {"101": 3, "1": 1}
        assert qfmt.Counts({"0x5": 3}, 4).display() == {"0101": 3}

    def test_time_taken(self) -> None:
        assert qfmt.Counts({1: 1}, time_taken=0.5).time_taken == 0.5


class TestMarginals:
    def test_marginal_counts_on_a_result_keeps_memory_and_counts_in_step(self) -> None:
        m = qfmt.marginal_counts(ref(), [0, 3])
        counts = m.get_counts()
        assert counts == {"0 0": 3, "0 1": 2, "1 0": 5}
        memory = m.get_memory()
        assert {k: memory.count(k) for k in set(memory)} == counts  # defect 1 fixed
        h = m.results[0].header
        assert h["memory_slots"] == 2 and h["creg_sizes"] == [["c0", 1], ["c1", 1]]
        assert h["clbit_labels"] == [["c0", 0], ["c1", 1]]
        assert ref().get_counts() == REF_COUNTS  # not in place by default

    @pytest.mark.parametrize("mm", [True, False, None])
    def test_every_option_still_serialises(self, mm: bool | None) -> None:
        m = qfmt.marginal_counts(ref(), [1, 4], marginalize_memory=mm)
        d = json.loads(qfmt.dumps(m, RESULT))
        back = qfmt.load(d, RESULT)
        assert back.get_counts() == m.get_counts()
        assert ("memory" in d["results"][0]["data"]) is (mm is not False)

    def test_inplace(self) -> None:
        r = ref()
        out = qfmt.marginal_counts(r, [0], inplace=True)
        assert out is r and r.get_counts() == {"0": 8, "1": 2}

    def test_counts_version_ignores_index_order_like_qiskit(self) -> None:
        c = ref().get_counts()
        # a dict in, Qiskit's dict out: bitstrings without register spaces
        assert qfmt.marginal_counts(c, [3, 0]) == qfmt.marginal_counts(c, [0, 3]) == \
            {"00": 3, "01": 2, "10": 5}
        assert qfmt.marginal_counts(ref().counts(), [0, 3]).display() == \
            {"0 0": 3, "0 1": 2, "1 0": 5}
        assert qfmt.marginal_counts(c, [0, 3], format_marginal=True) == \
            {"_0_ _0": 3, "_0_ _1": 2, "_1_ _0": 5}

    def test_marginal_distribution_respects_order_and_labels_right(self) -> None:
        c = ref().get_counts()
        assert qfmt.marginal_distribution(c, [3, 0]) == {"00": 3, "10": 2, "01": 5}
        assert qfmt.marginal_distribution(ref().counts(), [3, 0]).display() == \
            {"00": 3, "10": 2, "01": 5}
        # defect 5 fixed: 0x1a has bit 3 = 1, bit 0 = 0 -> "_1_ _0"
        assert qfmt.marginal_distribution(c, [3, 0], format_marginal=True) == \
            {"_0_ _0": 3, "_0_ _1": 2, "_1_ _0": 5}

    def test_marginal_distribution_takes_distributions_directly(self) -> None:
        p = qfmt.ProbDistribution({0: 0.5, 3: 0.25, 6: 0.25}, 3, shots=8)
        m = qfmt.marginal_distribution(p, [1])
        assert isinstance(m, qfmt.ProbDistribution) and dict(m) == {0: 0.5, 1: 0.5}
        assert m.shots == 8
        q = qfmt.QuasiDistribution({0: -0.25, 1: 1.25}, 2)
        assert dict(qfmt.marginal_distribution(q, [0])) == {0: -0.25, 1: 1.25}
        assert qfmt.marginal_distribution({"01": 2, "11": 3}, [1]) == {"0": 2, "1": 3}

    def test_marginal_memory_widths_from_data_not_first_key(self) -> None:
        assert qfmt.marginal_memory(["0x1", "0x10"], [0]) == ["1", "0"]  # defect 2 fixed
        assert qfmt.marginal_memory(["0x0", "0x5", "0x1a"], [3, 0]) == ["00", "10", "01"]
        assert qfmt.marginal_memory(["0x0", "0x5", "0x1a"], [3, 0], int_return=True) == [0, 2, 1]
        assert qfmt.marginal_memory(["0x0", "0x5", "0x1a"], [3, 0], hex_return=True) == \
            ["0x0", "0x2", "0x1"]
        assert qfmt.marginal_memory(ref().memory(), [4]) == ["0", "0", "1", "1", "0", "0", "1",
                                                            "1", "0", "1"]

    @pytest.mark.parametrize("indices", [[5], [], [-1], [0, 0]])
    def test_bad_indices(self, indices: list[int]) -> None:
        with pytest.raises(qfmt.ResultError, match=r"indices must be in range \[0, 4\]"):
            qfmt.marginal_distribution(ref().get_counts(), indices)

    @given(S.outcome_maps(S.counts_values, max_size=20), st.data())
    def test_marginals_preserve_totals(self, case: tuple[dict[int, int], int],
                                       data: st.DataObject) -> None:
        counts, w = case
        c = qfmt.Counts(counts, w)
        idx = data.draw(st.lists(st.integers(0, w - 1), min_size=1, max_size=w, unique=True))
        m = qfmt.marginal_distribution(c, idx)
        assert m.shots() == c.shots() and m.width == len(idx)
        for k, v in counts.items():
            mk = sum(((k >> i) & 1) << j for j, i in enumerate(idx))
            assert m[mk] >= v


class TestDistributions:
    def test_binary_and_hex(self) -> None:
        p = qfmt.ProbDistribution({"011": 0.5, "100": 0.5}, shots=10)
        assert p.binary_probabilities() == {"011": 0.5, "100": 0.5}
        assert p.binary_probabilities(5) == {"00011": 0.5, "00100": 0.5}
        assert p.hex_probabilities() == {"0x3": 0.5, "0x4": 0.5}
        assert p.shots == 10

    def test_nearest_probability_distribution_reference(self) -> None:
        q = qfmt.QuasiDistribution({0: -0.1, 1: 0.2, 2: 0.4, 3: 0.5}, 4, shots=100)
        p, dist = q.nearest_probability_distribution(return_distance=True)
        assert {k: round(v, 4) for k, v in p.items()} == {1: 0.1667, 2: 0.3667, 3: 0.4667}
        assert round(dist, 5) == 0.11547
        assert p.width == 4 and p.shots == 100  # the width is kept
        assert p.binary_probabilities()["0001"] == pytest.approx(1 / 6)

    @given(st.dictionaries(st.integers(0, 31), st.floats(-1, 1), min_size=1, max_size=12))
    def test_nearest_is_a_distribution(self, data: dict[int, float]) -> None:
        total = sum(data.values())
        if abs(total) < 1e-3:
            return
        q = qfmt.QuasiDistribution({k: v / total for k, v in data.items()}, 5)
        p = q.nearest_probability_distribution()
        assert all(v >= 0 for v in p.values())
        assert sum(p.values()) == pytest.approx(1.0)


class TestFlatFormats:
    @given(S.outcome_maps(S.counts_values), st.data())
    def test_counts_round_trip(self, case: tuple[dict[int, int], int],
                               data: st.DataObject) -> None:
        counts, w = case
        cuts = sorted(data.draw(st.lists(st.integers(1, max(1, w - 1)), max_size=2,
                                         unique=True))) if w > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, w])]
        layout = qfmt.RegisterLayout([(f"c{i}", s) for i, s in enumerate(sizes)])
        c = qfmt.Counts(counts, w, layout=layout if len(sizes) > 1 else None)
        payload = qfmt.dump(c, COUNTS)
        assert all(len(k.replace(" ", "")) == w for k in payload)
        assert qfmt.load(payload, COUNTS) == c
        assert qfmt.dump(qfmt.load(payload, COUNTS), COUNTS) == payload

    @given(st.integers(1, 70), st.data())
    def test_memory_round_trip(self, w: int, data: st.DataObject) -> None:
        values = data.draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=20))
        payload = [format(v, f"0{w}b") for v in values]
        m = qfmt.load(payload, MEMORY)
        assert m.outcomes() == values and qfmt.dump(m, MEMORY) == payload
        hexed = qfmt.load([hex(v) for v in values], MEMORY)
        assert hexed.outcomes() == values

    @given(S.prob_maps())
    def test_probabilities_round_trip(self, case: tuple[dict[int, float], int]) -> None:
        probs, w = case
        payload = {format(k, f"0{w}b"): v for k, v in probs.items()}
        p = qfmt.load(payload, PROBS)
        assert p.width == w and qfmt.dump(p, PROBS) == payload

    def test_quasi(self) -> None:
        payload = {"00": -0.25, "11": 1.25}
        assert qfmt.dump(qfmt.load(payload, QUASI), QUASI) == payload


class TestIonQToQiskit:
    HIST = {"0": 457, "1": 9, "3": 14, "7": 452}

    def test_every_ionq_format_converts_to_qiskit_and_back(self) -> None:
        from pathlib import Path

        ex = Path(__file__).parents[3] / "examples" / "ionq"
        expected = {"000": 457, "001": 9, "010": 23, "011": 14, "100": 15, "101": 18, "110": 12,
                    "111": 452}
        cases = {
            "ionq.result.histogram.json.v1": ("histogram-v1.json", {"num_qubits": 3}),
            "ionq.result.histogram.json.v2": ("histogram-v2.json", {}),
            "ionq.result.shots.json.v1": ("shots-v1.json", {"num_qubits": 3}),
            "ionq.result.shots.json.v2": ("shots-v2.json", {}),
            "ionq.result.probabilities.json.v1": ("probabilities-v1.json",
                                                  {"num_qubits": 3, "shots": 1000}),
            "ionq.result.probabilities.json.v2": ("probabilities-v2.json", {"shots": 1000}),
        }
        for fid, (name, opts) in cases.items():
            payload = json.loads((ex / name).read_text())
            assert qfmt.convert(payload, fid, COUNTS, **opts) == expected, fid
            r = qfmt.convert(payload, fid, RESULT, **opts)
            qfmt.validate(r, RESULT)
            if "shots.json" in fid:
                continue  # the Result's memory excludes leaked shots: checked below
            back = qfmt.convert(r, RESULT, fid)
            if "probabilities" in fid:
                assert qfmt.convert(back, fid, COUNTS, shots=1000) == expected
            else:
                assert back == payload, fid
        # exact both ways for the distribution formats
        probs = json.loads((ex / "probabilities-v1.json").read_text())
        assert qfmt.convert(qfmt.convert(probs, "ionq.result.probabilities.json.v1", PROBS,
                                         num_qubits=3),
                            PROBS, "ionq.result.probabilities.json.v1") == probs
        shots = json.loads((ex / "shots-v1.json").read_text())
        mem = qfmt.convert(shots, "ionq.result.shots.json.v1", MEMORY, num_qubits=3)
        assert qfmt.convert(mem, MEMORY, "ionq.result.shots.json.v1") == shots

    def test_meas_mapped_sums_outcomes_on_the_same_clbits(self) -> None:
        # clbit 0 <- qubit 2, clbit 1 unmeasured; qubits 0 and 1 are not read
        out = qfmt.convert(self.HIST, "ionq.result.histogram.json.v1", COUNTS, num_qubits=3,
                           meas_mapped=[2, None])
        assert out == {"00": 457 + 9 + 14, "01": 452}

    def test_creg_layout(self) -> None:
        out = qfmt.convert({"1": 7, "2": 3}, "ionq.result.histogram.json.v1", COUNTS,
                           num_qubits=2, meas_mapped=[1, None, 0],
                           creg_sizes=[["a", 1], ["b", 2]])
        assert out == {"10 0": 7, "00 1": 3}

    def test_shots_v2_registers_fold_by_clbit_labels(self) -> None:
        s2 = {"shots": [{"registers": {"mid": [0], "result": [0, 1]}}]}
        labels = [["mid", 0], ["result", 0], ["result", 1]]
        assert qfmt.convert(s2, "ionq.result.shots.json.v2", COUNTS, clbit_labels=labels) == \
            {"10 0": 1}
        r = qfmt.convert(s2, "ionq.result.shots.json.v2", RESULT, clbit_labels=labels)
        assert r["results"][0]["header"]["clbit_labels"] == labels
        assert qfmt.load(r, RESULT).get_memory() == ["10 0"]

    def test_bit_map_per_experiment(self) -> None:
        agg = {"child-b": {"1": 1.0}, "child-a": {"2": 1.0}}
        out = qfmt.convert(agg, "ionq.result.probabilities-aggregate.json.v1", RESULT,
                           num_qubits=2,
                           meas_mapped={"child-a": [1, 0], "child-b": [0, 1]})
        data = {e["job_id"]: e["data"]["probabilities"] for e in out["results"]}
        assert data == {"child-b": {"0x1": 1.0}, "child-a": {"0x1": 1.0}}

    def test_aggregate_pairs_by_child_id(self) -> None:
        agg = {"b": {"0": 0.25, "3": 0.75}, "a": {"1": 1}}
        r = qfmt.convert(agg, "ionq.result.probabilities-aggregate.json.v1", RESULT,
                         num_qubits=2)
        assert [e["job_id"] for e in r["results"]] == ["b", "a"]
        # reorder the experiments: the aggregate is still keyed by id
        r["results"].reverse()
        back = qfmt.convert(r, RESULT, "ionq.result.probabilities-aggregate.json.v1")
        assert back == {"a": {"1": 1.0}, "b": {"0": 0.25, "3": 0.75}}
        res = qfmt.load(r, RESULT)
        assert dict(res.get_probabilities("b")) == {0: 0.25, 3: 0.75}
        with_counts = qfmt.convert(agg, "ionq.result.probabilities-aggregate.json.v1", RESULT,
                                   num_qubits=2, shots=100)
        assert with_counts["results"][0]["data"] == {
            "probabilities": {"0x0": 0.25, "0x3": 0.75}, "counts": {"0x0": 25, "0x3": 75}}
        assert with_counts["results"][0]["shots"] == 100

    def test_counts_only_result_to_aggregate_needs_ids(self) -> None:
        with pytest.raises(qfmt.LossyConversionError, match="job_id"):
            qfmt.convert(REF, RESULT, "ionq.result.probabilities-aggregate.json.v1")
        out = qfmt.convert(REF, RESULT, "ionq.result.probabilities-aggregate.json.v1",
                           job_id="child-1")
        assert out == {"child-1": {"0": 0.3, "5": 0.2, "26": 0.5}}

    def test_leaked_shots_stay_out_of_qiskit_memory(self) -> None:
        s2 = {"shots": [{"registers": {"output_all": [1]}, "leakage_bits": [1]},
                        {"registers": {"output_all": [0]}, "leakage_bits": [0]}]}
        r = qfmt.convert(s2, "ionq.result.shots.json.v2", RESULT)
        assert r["results"][0]["data"] == {"counts": {"0x0": 1}, "memory": ["0x0"]}
        kept = qfmt.convert(s2, "ionq.result.shots.json.v2", RESULT, include_leakage=True)
        assert kept["results"][0]["data"]["memory"] == ["0x1", "0x0"]


@pytest.mark.parametrize("options", [
    {"meas_mapped": "abc"}, {"meas_mapped": [0, "x"]}, {"meas_mapped": [True]},
    {"meas_mapped": [-1]}, {"clbit_labels": [["c", "x"]]}, {"clbit_labels": "c0"},
    {"memory_slots": "3"}])
def test_a_malformed_bit_map_is_an_option_error(options: dict[str, Any]) -> None:
    with pytest.raises(qfmt.OptionError):
        qfmt.convert('{"0": 5}', "ionq.result.histogram.json.v1", "qiskit.counts.json.v1",
                     **options)
