"""The conversion matrix: every (source, target) pair of IonQ formats, exact or lossy, and the
rules for registers, leakage and rounding."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from tests import strategies as S
from tests.plugins.ionq.test_formats import AGG, ALL, HIST_V1, HIST_V2, PROB_V1, PROB_V2, SHOTS_V1, SHOTS_V2

# One experiment (2 qubits, qubit 0 set in outcome 1) seen through every format.
SHOTS = ["0", "1", "3", "3", "0", "0", "1", "3"]
SAME: dict[str, Any] = {
    PROB_V1: {"0": 0.375, "1": 0.25, "3": 0.375},
    PROB_V2: {"probabilities": {"registers": {"output_all": {"00": 0.375, "01": 0.25,
                                                             "11": 0.375}}}},
    HIST_V1: {"0": 3, "1": 2, "3": 3},
    HIST_V2: {"histogram": {"registers": {"output_all": {"00": 3, "01": 2, "11": 3}}}},
    SHOTS_V1: SHOTS,
    SHOTS_V2: {"shots": [{"registers": {"output_all": [int(s) & 1, int(s) >> 1]}}
                         for s in SHOTS]},
    AGG: {"child-a": {"0": 0.375, "1": 0.25, "3": 0.375}},
}
KIND = {PROB_V1: "p", PROB_V2: "p", HIST_V1: "c", HIST_V2: "c", SHOTS_V1: "m", SHOTS_V2: "m",
        AGG: "r"}

# what each target needs from each kind of source, beyond the payload itself
NEEDS: dict[tuple[str, str], dict[str, Any]] = {
    ("p", "c"): {"shots": 8},
    ("p", "m"): {"shots": 8, "sample": True, "seed": 7},
    ("c", "m"): {"sample": True, "seed": 7},
    ("p", "r"): {"job_id": "child-a"},
    ("c", "r"): {"job_id": "child-a"},
    ("m", "r"): {"job_id": "child-a"},
    ("r", "c"): {"shots": 8},
    ("r", "m"): {"shots": 8, "sample": True, "seed": 7},
}
FIRST_OPTION = {"shots": "shots=", "sample": "sample=True", "job_id": "job_id="}

CELLS = [(s, d) for s in ALL for d in ALL]


def _as_counts(payload: Any, fid: str) -> dict[int, int]:
    obj = qfmt.load(payload, fid, **({"num_qubits": 2} if fid in (PROB_V1, HIST_V1, SHOTS_V1)
                                     else {}))
    if KIND[fid] == "p" or KIND[fid] == "r":
        return dict(qfmt._convert.coerce(obj, qfmt.Counts, shots=8))
    return dict(qfmt._convert.coerce(obj, qfmt.Counts))


@pytest.mark.parametrize(("src", "dst"), CELLS, ids=[f"{s.split('.')[2]}.{s[-2:]}->"
                                                     f"{d.split('.')[2]}.{d[-2:]}"
                                                     for s, d in CELLS])
def test_conversion_matrix_cell(src: str, dst: str) -> None:
    needs = NEEDS.get((KIND[src], KIND[dst]), {})
    if needs:
        with pytest.raises(qfmt.LossyConversionError) as ei:
            qfmt.convert(SAME[src], src, dst)
        first = next(iter(needs))
        assert FIRST_OPTION[first] in str(ei.value)
    out = qfmt.convert(SAME[src], src, dst, **needs)
    qfmt.validate(out, dst)
    assert _as_counts(out, dst) == {0: 3, 1: 2, 3: 3}
    if not (KIND[dst] == "m" and KIND[src] != "m"):
        # nothing was synthesised: the output is exactly the same experiment in that format
        assert out == SAME[dst]


def test_probabilities_to_counts_preserve_total_and_mark_derived() -> None:
    c = qfmt.load(qfmt.convert({"0": 1 / 3, "1": 1 / 3, "2": 1 / 3}, PROB_V1, HIST_V1,
                               shots=100), HIST_V1)
    assert c.shots() == 100 and dict(c) == {0: 34, 1: 33, 2: 33}
    p = qfmt.load({"0": 1 / 3, "1": 1 / 3, "2": 1 / 3}, PROB_V1)
    derived = qfmt._convert.coerce(p, qfmt.Counts, shots=100)
    assert derived.provenance[-1].kind == "derived-from-probabilities"


@given(S.prob_maps(), st.integers(0, 10_000))
def test_largest_remainder_properties(case: tuple[dict[int, float], int], shots: int) -> None:
    probs, _ = case
    counts = qfmt.largest_remainder(probs, shots)
    assert set(counts) == set(probs)  # no outcome dropped
    assert sum(counts.values()) == shots
    total = sum(probs.values())
    for k, p in probs.items():
        assert abs(counts[k] - p * shots / total) < 1 + 1e-9
    assert qfmt.largest_remainder(dict(reversed(list(probs.items()))), shots) == counts


def test_largest_remainder_ties_go_to_smaller_outcome() -> None:
    assert qfmt.largest_remainder({5: 0.5, 2: 0.5}, 3) == {5: 1, 2: 2}


def test_counts_to_memory_sampling_is_reproducible_and_exact() -> None:
    a = qfmt.convert(SAME[HIST_V1], HIST_V1, SHOTS_V1, sample=True, seed=3)
    b = qfmt.convert(SAME[HIST_V1], HIST_V1, SHOTS_V1, sample=True, seed=3)
    assert a == b and sorted(a) == sorted(SHOTS)
    m = qfmt._convert.coerce(qfmt.load(SAME[HIST_V1], HIST_V1), qfmt.Memory, sample=True,
                             seed=3)
    assert m.provenance[-1].kind == "sampled-memory"
    with pytest.raises(qfmt.LossyConversionError, match="seed"):
        qfmt.convert(SAME[HIST_V1], HIST_V1, SHOTS_V1, sample=True)


class TestRegisters:
    TWO = {"histogram": {"registers": {"mid": {"0": 4, "1": 6}, "result": {"01": 10}}}}
    WITH_ALL = {"histogram": {"registers": {"mid": {"0": 4, "1": 6},
                                            "output_all": {"001": 4, "011": 6}}}}

    def test_separate_marginals_never_joined(self) -> None:
        with pytest.raises(qfmt.LossyConversionError, match="separate marginals"):
            qfmt.convert(self.TWO, HIST_V2, HIST_V1)
        with pytest.raises(qfmt.LossyConversionError):
            qfmt.convert(self.TWO, HIST_V2, PROB_V1, join_registers=True)

    def test_output_all_is_the_joint(self) -> None:
        assert qfmt.convert(self.WITH_ALL, HIST_V2, HIST_V1) == {"1": 4, "3": 6}
        joint = qfmt.load(self.WITH_ALL, HIST_V2).joint()
        assert joint.provenance[-1].kind == "joint-from-register"
        assert "mid" in joint.provenance[-1].detail

    def test_v2_to_v2_keeps_every_register(self) -> None:
        assert qfmt.convert(self.TWO, HIST_V2, HIST_V2) == self.TWO
        probs = qfmt.convert(self.TWO, HIST_V2, PROB_V2)
        assert probs["probabilities"]["registers"]["mid"] == {"0": 0.4, "1": 0.6}

    SHOTS2 = {"shots": [{"registers": {"mid": [1], "result": [0, 1]}},
                        {"registers": {"mid": [0], "result": [1, 1]}}]}

    def test_shots_v2_registers_fold_only_on_request(self) -> None:
        with pytest.raises(qfmt.LossyConversionError, match="join_registers=True"):
            qfmt.convert(self.SHOTS2, SHOTS_V2, SHOTS_V1)
        # mid is bit 0, result bits 1-2
        assert qfmt.convert(self.SHOTS2, SHOTS_V2, SHOTS_V1, join_registers=True) == ["5", "6"]
        # registers laid end to end in payload order: their joint (output_all) would invent a
        # bit order, so it is refused unless joined on request or explicitly left out
        with pytest.raises(qfmt.LossyConversionError, match="allow_loss='joint'") as ei:
            qfmt.convert(self.SHOTS2, SHOTS_V2, HIST_V2)
        assert [loss.capability for loss in ei.value.losses] == ["joint"]
        assert qfmt.convert(self.SHOTS2, SHOTS_V2, HIST_V2, allow_loss="joint") == {
            "histogram": {"registers": {"mid": {"1": 1, "0": 1}, "result": {"10": 1, "11": 1}}}}
        joined = qfmt.convert(self.SHOTS2, SHOTS_V2, HIST_V2, join_registers=True)
        assert joined == {"histogram": {"registers": {
            "output_all": {"101": 1, "110": 1}, "mid": {"1": 1, "0": 1},
            "result": {"10": 1, "11": 1}}}}

    def test_shots_v2_with_output_all_to_v1(self) -> None:
        s = {"shots": [{"registers": {"mid": [1], "output_all": [0, 1]}}]}
        assert qfmt.convert(s, SHOTS_V2, SHOTS_V1) == ["2"]
        assert qfmt.convert(s, SHOTS_V2, HIST_V1) == {"2": 1}
        assert qfmt.convert(s, SHOTS_V2, SHOTS_V1, join_registers=True) == ["2"]


class TestAggregate:
    TWO = {"b-child": {"0": 1}, "a-child": {"0": 0.5, "3": 0.5}}

    def test_several_children_need_a_choice(self) -> None:
        with pytest.raises(qfmt.LossyConversionError, match="experiment="):
            qfmt.convert(self.TWO, AGG, PROB_V1)
        assert qfmt.convert(self.TWO, AGG, PROB_V1, experiment="a-child") == {"0": 0.5,
                                                                              "3": 0.5}
        assert qfmt.convert(self.TWO, AGG, HIST_V1, experiment="b-child", shots=10) == \
            {"0": 10}

    def test_pairing_is_by_id_not_order(self) -> None:
        r = qfmt.load(self.TWO, AGG)
        assert dict(r.get_probabilities("a-child")) == {0: 0.5, 3: 0.5}
        assert qfmt.dump(r, AGG) == self.TWO

    def test_num_qubits_per_child(self) -> None:
        r = qfmt.load(self.TWO, AGG, num_qubits={"a-child": 3, "b-child": 1})
        assert [e.data["probabilities"].width for e in r] == [1, 3]
        with pytest.raises(qfmt.OptionError, match="zzz"):
            qfmt.load(self.TWO, AGG, num_qubits={"zzz": 2})


def test_unknown_conversion_option() -> None:
    with pytest.raises(qfmt.OptionError, match="shot"):
        qfmt.convert(SAME[PROB_V1], PROB_V1, HIST_V1, shot=10)


def test_dumps_is_json_text() -> None:
    text = qfmt.dumps(qfmt.load(SAME[HIST_V1], HIST_V1), HIST_V2)
    assert isinstance(text, str) and qfmt.load(text, HIST_V2) == qfmt.load(SAME[HIST_V2],
                                                                            HIST_V2)


# -- the conversion matrix is consistent: A -> B -> C equals A -> C wherever both are exact -----

BUILTIN = sorted({row.id for row in qfmt.formats() if row.builtin and row.status == "loaded"})


def _dist(obj: Any, normalized: bool) -> list[tuple[int, float]]:
    vals = [float(v) for v in obj.value_array.tolist()]
    total = sum(vals) if normalized else 1.0
    return sorted((int(k), round(v / total, 12)) for k, v in zip(obj.outcome_array.tolist(), vals))


def _same(x: Any, y: Any) -> bool:
    """Whether two canonical objects hold the same data: outcomes and their values (as numbers;
    counts against probabilities as the distribution they define, since counts -> probabilities
    is exact for the distribution), per register and per experiment. Widths are left out: v1
    formats carry none (the documented rule)."""
    if isinstance(x, qfmt.Memory) != isinstance(y, qfmt.Memory) and \
            isinstance(x, (qfmt.Memory, qfmt.Distribution)) and \
            isinstance(y, (qfmt.Memory, qfmt.Distribution)):
        # per-shot data on one side only: compare the distributions (shot order is carried by
        # one of them only; counts -> memory needs sampling, so it is never an exact step)
        x, y = (v.counts() if isinstance(v, qfmt.Memory) else v for v in (x, y))
    if isinstance(x, qfmt.Distribution) and isinstance(y, qfmt.Distribution):
        kinds = type(x) is not type(y)
        return _dist(x, kinds) == _dist(y, kinds)
    if isinstance(x, qfmt.Memory) and isinstance(y, qfmt.Memory):
        # a format without leakage leaves leaked shots out (the documented default, noted in
        # the provenance): compare the shots that were not leaked
        def kept(m: qfmt.Memory) -> list[int]:
            return [v for v, leaked in zip(m.outcomes(), m.leaked().tolist()) if not leaked]
        return kept(x) == kept(y)
    if isinstance(x, qfmt.RegisterMarginals) and isinstance(y, qfmt.RegisterMarginals):
        if len(x) == 1 or len(y) == 1:
            # one side went through a format without registers: it carries the joint register
            # alone (its name too is not carried; rule [R] of docs/conversions.md)
            return _same(x.joint(), y.joint())
        if (x.joint_register is None) != (y.joint_register is None):
            # one route went through registers whose bit positions are not known (Cirq's keys):
            # the joint register is written only where the positions are (rule [R] of docs/conversions.md),
            # so compare the registers both carry
            def named(m: Any) -> dict[str, Any]:
                return {n: d for n, d in m.registers.items() if n != m.joint_register}
            xs, ys = list(named(x).values()), list(named(y).values())
        else:
            xs, ys = list(x.registers.values()), list(y.registers.values())
        # register names are not carried by every format (Azure numbers its tuple items): the
        # registers, in order, must hold the same data
        return len(xs) == len(ys) and all(_same(a, b) for a, b in zip(xs, ys))
    if isinstance(x, qfmt.Result) and isinstance(y, qfmt.Result):
        def main(e: Any) -> Any:
            return next((e.data[k] for k in ("counts", "probabilities", "quasi", "memory")
                         if k in e.data), None)
        return len(x.results) == len(y.results) and all(
            _same(main(e), main(f)) for e, f in zip(x.results, y.results))
    return bool(x == y)


def _exact(payload: Any, src: str, dst: str) -> Any:
    """``convert`` with no option (so only exact steps), or None when it is refused as lossy or
    needs an option (``stim.shots.b8`` bytes carry no width: ``num_bits=`` must say it)."""
    try:
        out = qfmt.convert(payload, src, dst)
        qfmt.load(out, dst)
    except (qfmt.LossyConversionError, qfmt.OptionError):
        return None
    return out


@given(st.sampled_from(BUILTIN), st.sampled_from(BUILTIN), st.sampled_from(BUILTIN), st.data())
def test_conversion_matrix_is_consistent(a: str, b: str, c: str, data: st.DataObject) -> None:
    from qfmt.testing import strategies as qst

    payload = data.draw(qst.payloads(a))
    direct = _exact(payload, a, c)
    step = _exact(payload, a, b)
    via = None if step is None else _exact(step, b, c)
    if direct is None or via is None:
        return
    assert _same(qfmt.load(via, c), qfmt.load(direct, c)), (a, b, c, direct, via)


def test_counts_of_shots_that_all_leaked_are_refused_not_written_empty() -> None:
    payload = {"shots": [{"registers": {"output_all": [0]}, "leakage_bits": [1]}]}
    for dst in (HIST_V1, HIST_V2, PROB_V1, "qiskit.counts.json.v1"):
        with pytest.raises(qfmt.LossyConversionError, match="include_leakage=True"):
            qfmt.convert(payload, SHOTS_V2, dst)
    assert qfmt.convert(payload, SHOTS_V2, HIST_V1, include_leakage=True) == {"0": 1}
