"""pytket.backend-result.json.v1 on qfmt's own types, with hand-written payloads (no pytket
needed to read or write; test_sdk.py compares with the real BackendResult)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt import kit
from qfmt.plugins.pytket.formats import bits_of_layout, flip_qubits, layout_of
from qfmt.testing import strategies as qst

FMT = "pytket.backend-result.json.v1"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
C3 = [["c", [0]], ["c", [1]], ["c", [2]]]


def shots_payload(rows: list[list[int]], width: int, bits: Any = None) -> dict[str, Any]:
    return {"qubits": [], "bits": C3 if bits is None else bits,
            "shots": {"width": width, "array": rows}}


def counts_payload(entries: list[tuple[list[int], int]], width: int,
                   bits: Any = None) -> dict[str, Any]:
    return {"qubits": [], "bits": C3 if bits is None else bits,
            "counts": [{"outcome": {"width": width, "array": [row]}, "count": n}
                       for row, n in entries]}


# -- the bit order ----------------------------------------------------------------------------


def test_bits_entry_i_is_canonical_bit_i() -> None:
    # readouts (1,0,0), (0,1,1), (1,1,1) packed MSB first: 0x80, 0x60, 0xE0
    r = qfmt.load(shots_payload([[128], [96], [224]], 3), FMT)
    assert r.memory().outcomes() == [0b001, 0b110, 0b111]
    assert r.memory().to_bool().astype(int).tolist() == [[1, 0, 0], [0, 1, 1], [1, 1, 1]]
    assert r.counts().bitstrings() == {"001": 1, "110": 1, "111": 1}


def test_bit_order_across_bytes() -> None:
    # 10 bits: readout bit 0 is the top bit of byte 0, bit 8 the top bit of byte 1, bit 9 next
    bits = [["c", [i]] for i in range(10)]
    r = qfmt.load(shots_payload([[128, 0], [0, 128], [1, 64]], 10, bits), FMT)
    assert r.memory().outcomes() == [1, 1 << 8, (1 << 7) | (1 << 9)]


def test_wider_than_64_bits() -> None:
    bits = [["c", [i]] for i in range(70)]
    row = [0] * 9
    row[8] = 0b00000100  # readout bit 69: byte 8, bit 7 - 5
    row[0] = 0b10000000  # readout bit 0
    r = qfmt.load(counts_payload([(row, 5)], 70, bits), FMT)
    assert dict(r.counts()) == {(1 << 69) | 1: 5}
    assert qfmt.dump(r, FMT)["counts"][0]["outcome"]["array"] == [row]


def test_the_ghz_outcome_of_the_readme_table() -> None:
    # qubit 0 set, others clear: canonical 1, readout (1, 0, 0), byte 0x80
    assert dict(qfmt.load(counts_payload([([128], 1)], 3), FMT).counts()) == {1: 1}
    assert qfmt.dump(qfmt.Counts({1: 1}, 3), FMT)["counts"] == [
        {"outcome": {"width": 3, "array": [[128]]}, "count": 1}]


# -- registers, widths, metadata --------------------------------------------------------------


def test_registers_laid_end_to_end_give_a_layout() -> None:
    bits = [["c", [0]], ["c", [1]], ["d", [0]]]
    r = qfmt.load(shots_payload([[128], [32]], 3, bits), FMT)
    assert r.memory().layout == qfmt.RegisterLayout([("c", 2), ("d", 1)])
    assert r.memory().register("d").outcomes() == [0, 1]
    assert qfmt.dump(r, "qiskit.counts.json.v1") == {"0 01": 1, "1 00": 1}


@pytest.mark.parametrize(("bits", "registers"), [
    ([["c", [1]], ["c", [0]], ["d", [0]]], [("c[1]", 1), ("c", 1), ("d", 1)]),  # another order
    ([["c", [0]], ["d", [0]], ["c", [1]]], [("c", 1), ("d", 1), ("c[1]", 1)]),  # a split
    ([["c", [0]], ["c", [2]], ["c", [3]]], [("c", 1), ("c[2]", 2)]),            # a gap
    ([["c", [0, 0]], ["c", [0, 1]], ["x", []]], None),  # multi-dimensional and scalar unit ids
])
def test_other_bit_names_keep_their_order_and_round_trip(bits: list[Any],
                                                         registers: Any) -> None:
    payload = shots_payload([[128], [96]], 3, bits)
    r = qfmt.load(payload, FMT)
    assert r.memory().layout == (None if registers is None else qfmt.RegisterLayout(registers))
    assert r.results[0].header["bits"] == bits
    assert r.memory().outcomes() == [1, 6]  # still bits[i] -> bit i
    assert qfmt.dump(r, FMT) == payload


@pytest.mark.parametrize("via", ["qiskit.result.json.v1", "cirq.result.json.v1",
                                 "ionq.result.shots.json.v2", "qfmt.shots.parquet.v1"])
@pytest.mark.parametrize("bits", [[["c", [1]]], [["c", [0]], ["d", [0]], ["c", [1]]],
                                  [["c", [0]], ["c", [1]], ["d", [0]]]])
def test_unit_labels_survive_formats_that_keep_register_names(via: str, bits: Any) -> None:
    # a register whose only bit is c[1] comes back as c[1], never renamed c[0]
    payload = shots_payload([[128], [0]] if len(bits) == 1 else [[128], [96]], len(bits), bits)
    out = qfmt.convert(payload, FMT, via, join_registers=True)
    assert qfmt.convert(out, via, FMT)["bits"] == bits


def test_layout_of() -> None:
    assert layout_of([["a", [0]], ["b", [0]], ["b", [1]]]) == qfmt.RegisterLayout(
        [("a", 1), ("b", 2)])
    assert layout_of([]) is None
    assert layout_of([["a", [0]], ["b", [0]], ["a", [1]]]) == qfmt.RegisterLayout(
        [("a", 1), ("b", 1), ("a[1]", 1)])
    assert layout_of([["a", [1]], ["a[1]", [0]]]) is None  # a name with "[" is left alone
    assert layout_of([["a", [1]], ["b", [0]], ["a", [1]]]) is None  # a unit twice
    assert bits_of_layout(qfmt.RegisterLayout([("c[3]", 2), ("c", 1)])) == \
        [["c", [3]], ["c", [4]], ["c", [0]]]


def test_missing_or_empty_bits_are_pytkets_defaults() -> None:
    payload = shots_payload([[128]], 3)
    del payload["bits"]
    r = qfmt.load(payload, FMT)
    assert r.results[0].header["bits"] == C3
    assert qfmt.dump(r, FMT) == {**payload, "bits": C3}
    assert qfmt.load({**payload, "bits": []}, FMT) == r


def test_width_is_what_was_measured() -> None:
    # two measured bits in a one-byte row: width 2, not 8
    r = qfmt.load(shots_payload([[192], [64]], 2, C3[:2]), FMT)
    assert r.memory().width == 2 and not r.memory().width_inferred
    assert r.counts().bitstrings() == {"11": 1, "10": 1}
    # a row wider than needed (a device-sized array) is read at the width; bits past it are 0
    wide = qfmt.load(shots_payload([[192, 0, 0], [64, 0, 0]], 2, C3[:2]), FMT)
    assert wide.memory() == r.memory()
    assert qfmt.dump(wide, FMT)["shots"]["array"] == [[192], [64]]


def test_zero_width_shots() -> None:
    r = qfmt.load(shots_payload([[], []], 0, []), FMT)
    assert len(r.memory()) == 2 and r.memory().width == 0
    assert qfmt.dump(r, FMT) == shots_payload([[], []], 0, [])


def test_empty_counts_take_the_width_of_the_bits() -> None:
    r = qfmt.load({"qubits": [], "bits": C3, "counts": []}, FMT)
    assert r.counts().width == 3 and len(r.counts()) == 0
    assert qfmt.dump(r, FMT) == {"qubits": [], "bits": C3, "counts": []}


def test_numpy_counts_from_to_dict_load() -> None:
    # BackendResult.to_dict() of counts keeps numpy integers as the counts
    payload = counts_payload([([128], np.int64(3))], 3)
    assert dict(qfmt.load(payload, FMT).counts()) == {1: 3}


# -- state results ----------------------------------------------------------------------------


def test_flip_qubits_reverses_the_index_bits() -> None:
    v = np.arange(8)
    assert flip_qubits(v, 3).tolist() == [0, 4, 2, 6, 1, 5, 3, 7]
    m = np.arange(16).reshape(4, 4)
    assert flip_qubits(m, 2).tolist() == m[[0, 2, 1, 3]][:, [0, 2, 1, 3]].tolist()
    assert (flip_qubits(flip_qubits(m, 2), 2) == m).all()


def test_state_is_in_qfmt_qubit_order() -> None:
    # X on qubits[0] of two: pytket writes index 2 (qubits[0] most significant); qfmt index 1
    payload = {"qubits": [["q", [0]], ["q", [1]]], "bits": [],
               "state": {"real": [0.0, 0.0, 1.0, 0.0], "imag": [0.0, 0.0, 0.0, 0.0]}}
    r = qfmt.load(payload, FMT)
    assert r.get_statevector().tolist() == [0, 1, 0, 0]
    assert qfmt.dump(r, FMT) == payload
    # Qiskit's statevector has the same order: qubit 0 least significant
    q = qfmt.convert(payload, FMT, "qiskit.result.json.v1")
    assert q["results"][0]["data"]["statevector"] == [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0],
                                                       [0.0, 0.0]]


def test_unitary_and_density_matrix_round_trip() -> None:
    rng = np.random.default_rng(7)
    u = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    dm = rng.normal(size=(4, 4))
    payload = {"qubits": [["a", [0]], ["b", [0]]], "bits": [],
               "unitary": {"real": u.real.tolist(), "imag": u.imag.tolist()},
               "density_matrix": {"real": dm.tolist(), "imag": np.zeros((4, 4)).tolist()}}
    r = qfmt.load(payload, FMT)
    assert np.array_equal(r.data()["unitary"], flip_qubits(u, 2))
    assert np.array_equal(r.data()["density_matrix"], flip_qubits(dm, 2))
    assert qfmt.dump(r, FMT) == payload


def test_state_without_qubits_gets_default_qubits() -> None:
    r = qfmt.load({"state": {"real": [1.0, 0.0], "imag": [0.0, 0.0]}}, FMT)
    assert r.results[0].header["qubits"] == [["q", [0]]]


# -- writing other objects --------------------------------------------------------------------


def test_memory_and_counts_from_elsewhere() -> None:
    mem = qfmt.Memory.from_ints([1, 2, 3], 2)
    assert qfmt.dump(mem, FMT) == {"qubits": [], "bits": [["c", [0]], ["c", [1]]],
                                   "shots": {"width": 2, "array": [[128], [64], [192]]}}
    layered = kit.evolve(mem, layout=qfmt.RegisterLayout([("m", 1), ("n", 1)]))
    assert qfmt.dump(layered, FMT)["bits"] == [["m", [0]], ["n", [0]]]


def test_leaked_shots_are_left_out_unless_asked() -> None:
    leaky = qfmt.load({"shots": [{"registers": {"c": [1, 0]}},
                                 {"registers": {"c": [0, 1]}, "leakage_bits": [1, 0]}]},
                      "ionq.result.shots.json.v2")
    out = qfmt.dump(leaky, FMT)
    assert out["shots"]["array"] == [[128]]
    assert qfmt.dump(leaky, FMT, include_leakage=True)["shots"]["array"] == [[128], [64]]


def test_several_experiments_need_experiment() -> None:
    r = qfmt.Result([qfmt.ExperimentResult({"counts": qfmt.Counts({1: 2}, 1)}, job_id="a"),
                     qfmt.ExperimentResult({"counts": qfmt.Counts({0: 3}, 1)}, job_id="b")])
    with pytest.raises(qfmt.LossyConversionError, match="experiment="):
        qfmt.dump(r, FMT)
    assert qfmt.dump(r, FMT, experiment="b")["counts"][0]["count"] == 3


def test_probabilities_need_shots() -> None:
    p = qfmt.ProbDistribution({0: 0.5, 3: 0.5}, 2)
    with pytest.raises(qfmt.LossyConversionError, match="shots=N"):
        qfmt.dump(p, FMT)
    out = qfmt.dump(p, FMT, shots=10)
    assert [e["count"] for e in out["counts"]] == [5, 5]
    with pytest.raises(qfmt.LossyConversionError, match="quasi"):
        qfmt.dump(qfmt.QuasiDistribution({0: 1.1, 1: -0.1}, 1), FMT)


def test_counts_that_are_not_the_memorys_are_refused() -> None:
    mem = qfmt.Memory.from_ints([1, 1], 1)
    r = qfmt.Result([qfmt.ExperimentResult({"memory": mem, "counts": qfmt.Counts({1: 3}, 1)})])
    with pytest.raises(qfmt.LossyConversionError, match="not its memory"):
        qfmt.dump(r, FMT)
    ok = qfmt.Result([qfmt.ExperimentResult({"memory": mem, "counts": mem.counts()})])
    assert "shots" in qfmt.dump(ok, FMT)


def test_stale_header_bits_are_not_used() -> None:
    r = qfmt.load(shots_payload([[128], [96]], 3), FMT)
    narrowed = qfmt.marginal_counts(r, [0, 1])
    assert qfmt.dump(narrowed, FMT)["bits"] == [["c", [0]], ["c", [1]]]


# -- bad input --------------------------------------------------------------------------------

GOOD = shots_payload([[128], [96]], 3)


def _with(path: list[Any], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    out = copy.deepcopy(GOOD if base is None else base)
    target = out
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return out


COUNTS3 = counts_payload([([128], 1), ([96], 2)], 3)
STATE = {"qubits": [], "bits": [], "state": {"real": [1.0, 0.0], "imag": [0.0, 0.0]}}


@pytest.mark.parametrize("payload, path, fragment", [
    ([], "$", "expected an object"),
    ({"qubits": [], "bits": C3}, "$", "no results"),
    ({**GOOD, "counts": COUNTS3["counts"]}, "$", "not both"),
    ({**GOOD, "foo": 1}, "$.foo", "unexpected key"),
    (_with(["bits", 1], ["c", 1]), "$.bits[1]", "register name"),
    (_with(["bits", 1], ["c", [-1]]), "$.bits[1][1][0]", "index"),
    (_with(["bits", 1], ["c", [True]]), "$.bits[1][1][0]", "index"),
    (_with(["bits", 2], ["c", [0]]), "$.bits[2]", "listed twice"),
    (_with(["bits"], C3[:2]), "$.bits", "2 bits for outcomes of width 3"),
    (_with(["shots", "width"], -1), "$.shots.width", "outside"),
    (_with(["shots", "width"], 9), "$.shots.array", "cannot hold width=9"),
    (_with(["shots", "array"], []), "$.shots.array", "at least one row"),
    (_with(["shots", "array"], [[128], [96, 0]]), "$.shots.array[1]", "but the first has 1"),
    (_with(["shots", "array"], [[128], [256]]), "$.shots.array[1][0]", "[0, 255]"),
    (_with(["shots", "array"], [[128], [True]]), "$.shots.array[1][0]", "[0, 255]"),
    (_with(["shots", "array"], [[128], [97]]), "$.shots.array[1]", "past width=3"),
    (_with(["shots", "array"], [[128], [0, 1]]), "$.shots.array[1]", "but the first has 1"),
    (_with(["counts", 1, "count"], -2, COUNTS3), "$.counts[1].count", "negative"),
    (_with(["counts", 1, "outcome", "width"], 4, COUNTS3), "$.counts[1].outcome.width",
     "differs"),
    (_with(["counts", 1, "outcome", "array"], [[96], [0]], COUNTS3),
     "$.counts[1].outcome.array", "one row"),
    (_with(["counts", 1, "outcome"], {"width": 3, "array": [[128]]}, COUNTS3),
     "$.counts[1].outcome", "counts[0]"),
    ({**STATE, "state": {"real": [1.0, 0.0, 0.0], "imag": [0.0] * 3}}, "$.state.real",
     "power of two"),
    (_with(["state", "imag"], [0.0], STATE), "$.state.imag", "differs"),
    (_with(["state", "real"], [1.0, None], STATE), "$.state.real[1]", "number"),
    (_with(["state", "real"], [1.0, float("nan")], STATE), "$.state.real", "finite"),
    (_with(["qubits"], [["q", [0]], ["q", [1]]], STATE), "$.qubits", "2 qubits"),
    ({**STATE, "unitary": {"real": [[1.0, 0.0, 0.0]], "imag": [[0.0, 0.0, 0.0]]}},
     "$.unitary.real[0]", "matrix"),
])
def test_bad_payloads(payload: Any, path: str, fragment: str) -> None:
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load(payload, FMT)
    assert info.value.format == FMT
    assert info.value.path == path
    assert fragment in info.value.reason


@settings(max_examples=40)
@given(st.recursive(st.none() | st.booleans() | st.integers(-3, 300) | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["bits", "qubits", "shots", "counts",
                                                       "width", "array", "outcome", "count",
                                                       "state", "real", "imag"]), inner,
                                      max_size=4),
                    max_leaves=12))
def test_arbitrary_json_parses_or_raises_payload_error(payload: Any) -> None:
    try:
        qfmt.load(payload, FMT)
    except qfmt.PayloadError as exc:
        assert exc.format == FMT and "bug in the format plugin" not in exc.reason


# -- conformance and round trips --------------------------------------------------------------


def test_conforms_on_hand_written_payloads() -> None:
    qfmt.testing.check_format(FMT, [
        EXAMPLES / "pytket" / "shots.json", EXAMPLES / "pytket" / "counts.json",
        shots_payload([[128], [96]], 3, [["c", [1]], ["c", [0]], ["d", [0, 1]]]),
        counts_payload([([128, 0], 2), ([0, 64], 1)], 10, [["c", [i]] for i in range(10)]),
        shots_payload([[], []], 0, []),
    ])


@settings(max_examples=30)
@given(qst.payloads(FMT, objects=st.one_of(qst.memory().filter(lambda m: not m.leaked().all()),
                                           qst.counts(), qst.results(max_experiments=1))))
def test_conforms_on_generated_payloads(payload: Any) -> None:
    qfmt.testing.check_format(FMT, [payload])


@given(qst.memory(leakage=False))
def test_memory_round_trips_bit_for_bit(mem: qfmt.Memory) -> None:
    back = qfmt.load(qfmt.dump(mem, FMT), FMT).memory()
    assert np.array_equal(back.bits, mem.bits) and back.width == mem.width
    if mem.layout is not None and mem.layout.positional and \
            all(r.width for r in mem.layout.registers):
        assert back.layout is not None and back.layout.sizes == mem.layout.sizes


@given(qst.counts())
def test_counts_round_trip(counts: qfmt.Counts) -> None:
    back = qfmt.load(qfmt.dump(counts, FMT), FMT).counts()
    assert dict(back) == dict(counts) and back.width == counts.width


def test_detect_names_the_format_first() -> None:
    for name in ("shots.json", "counts.json"):
        assert qfmt.detect(EXAMPLES / "pytket" / name)[0] == FMT
