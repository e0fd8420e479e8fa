"""The seven IonQ result formats: IonQ's own examples, the bit-order rule, round trips and bad
input."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from tests import strategies as S

PROB_V1 = "ionq.result.probabilities.json.v1"
PROB_V2 = "ionq.result.probabilities.json.v2"
HIST_V1 = "ionq.result.histogram.json.v1"
HIST_V2 = "ionq.result.histogram.json.v2"
SHOTS_V1 = "ionq.result.shots.json.v1"
SHOTS_V2 = "ionq.result.shots.json.v2"
AGG = "ionq.result.probabilities-aggregate.json.v1"
ALL = [PROB_V1, PROB_V2, HIST_V1, HIST_V2, SHOTS_V1, SHOTS_V2, AGG]

# The examples on IonQ's result formats page, verbatim.
IONQ_EXAMPLES: dict[str, Any] = {
    PROB_V1: {"0": 0.5, "1": 0.25, "3": 0.25},
    PROB_V2: {"probabilities": {"registers": {"output_all": {"11": 0.5, "00": 0.5}}}},
    HIST_V1: {"0": 500, "1": 250, "3": 250},
    HIST_V2: {"histogram": {"registers": {"output_all": {"11": 500, "00": 500}}}},
    SHOTS_V1: ["2", "1", "3", "0"],
    SHOTS_V2: {"shots": [{"registers": {"output_all": [1, 0]}},
                         {"registers": {"output_all": [0, 1]}}]},
    AGG: {"06a2099c-f845-7208-8000-8111ee2dccbc": {"2": 1},
          "06a2099c-f846-7d32-8000-5726853513db": {"0": 0.5, "1": 0.5}},
}


class TestIonQExamples:
    def test_probabilities_v1(self) -> None:
        p = qfmt.load(IONQ_EXAMPLES[PROB_V1], PROB_V1, num_qubits=2)
        assert isinstance(p, qfmt.ProbDistribution)
        assert dict(p) == {0: 0.5, 1: 0.25, 3: 0.25}
        assert p.width == 2 and not p.width_inferred
        assert p.binary_probabilities() == {"00": 0.5, "01": 0.25, "11": 0.25}

    def test_histogram_v1_width_is_inferred_without_num_qubits(self) -> None:
        c = qfmt.load(IONQ_EXAMPLES[HIST_V1], HIST_V1)
        assert dict(c) == {0: 500, 1: 250, 3: 250}
        assert c.shots() == 1000
        assert (c.width, c.width_inferred) == (2, True)

    def test_declared_width_wins_over_keys(self) -> None:
        c = qfmt.load({"1": 10}, HIST_V1, num_qubits=5)
        assert c.width == 5 and not c.width_inferred
        assert c.bitstrings() == {"00001": 10}

    def test_v2_registers(self) -> None:
        m = qfmt.load(IONQ_EXAMPLES[HIST_V2], HIST_V2)
        assert isinstance(m, qfmt.RegisterMarginals)
        assert dict(m["output_all"]) == {3: 500, 0: 500}
        assert m["output_all"].width == 2
        p = qfmt.load(IONQ_EXAMPLES[PROB_V2], PROB_V2)
        assert dict(p.joint()) == {3: 0.5, 0: 0.5}

    def test_shots(self) -> None:
        m1 = qfmt.load(IONQ_EXAMPLES[SHOTS_V1], SHOTS_V1)
        assert m1.outcomes() == [2, 1, 3, 0]
        m2 = qfmt.load(IONQ_EXAMPLES[SHOTS_V2], SHOTS_V2)
        # registers[name][i] is bit i: [1, 0] is outcome 1, [0, 1] is outcome 2
        assert m2.outcomes() == [1, 2]
        assert m2.layout == qfmt.RegisterLayout([("output_all", 2)], joint="output_all")

    def test_aggregate_keeps_child_ids(self) -> None:
        r = qfmt.load(IONQ_EXAMPLES[AGG], AGG)
        assert isinstance(r, qfmt.Result)
        assert [e.job_id for e in r.results] == list(IONQ_EXAMPLES[AGG])
        assert dict(r.get_probabilities("06a2099c-f845-7208-8000-8111ee2dccbc")) == {2: 1.0}
        assert dict(r.get_probabilities(1)) == {0: 0.5, 1: 0.5}

    @pytest.mark.parametrize("fid", ALL)
    def test_example_round_trips_exactly(self, fid: str) -> None:
        payload = IONQ_EXAMPLES[fid]
        out = qfmt.dump(qfmt.load(payload, fid), fid)
        assert json.loads(json.dumps(out)) == json.loads(json.dumps(payload))

    @pytest.mark.parametrize("fid", ALL)
    def test_text_and_bytes_payloads(self, fid: str) -> None:
        text = json.dumps(IONQ_EXAMPLES[fid])
        a = qfmt.load(text, fid)
        b = qfmt.load(text.encode(), fid)
        assert a == b == qfmt.load(IONQ_EXAMPLES[fid], fid)


def test_one_asymmetric_case_agrees_across_formats() -> None:
    """Qubit 0 measured 1, qubit 1 measured 0, hand-checked in every representation."""
    v1 = qfmt.load({"1": 100}, HIST_V1, num_qubits=2)
    v2 = qfmt.load({"histogram": {"registers": {"output_all": {"01": 100}}}}, HIST_V2)
    s1 = qfmt.load(["1"] * 100, SHOTS_V1, num_qubits=2)
    s2 = qfmt.load({"shots": [{"registers": {"output_all": [1, 0]}}] * 100}, SHOTS_V2)
    p1 = qfmt.load({"1": 1.0}, PROB_V1, num_qubits=2)
    assert dict(v1) == dict(v2.joint()) == dict(s1.counts()) == dict(s2.counts()) == {1: 100}
    assert dict(p1) == {1: 1.0}
    assert qfmt.dump(s2, HIST_V1) == {"1": 100}
    assert qfmt.dump(v1, HIST_V2) == {"histogram": {"registers": {"output_all": {"01": 100}}}}
    assert qfmt.dump(v1, SHOTS_V2, sample=True, seed=1)["shots"][0] == \
        {"registers": {"output_all": [1, 0]}}


class TestRoundTrips:
    @given(S.histogram_v1())
    def test_histogram_v1(self, case: tuple[dict[str, int], int]) -> None:
        payload, w = case
        obj = qfmt.load(payload, HIST_V1, num_qubits=w)
        out = qfmt.dump(obj, HIST_V1)
        assert out == payload and list(out) == sorted(payload, key=int)  # outcomes ascend
        assert qfmt.load(out, HIST_V1, num_qubits=w) == obj

    @given(S.probabilities_v1())
    def test_probabilities_v1(self, case: tuple[dict[str, float], int]) -> None:
        payload, w = case
        obj = qfmt.load(payload, PROB_V1, num_qubits=w)
        assert qfmt.dump(obj, PROB_V1) == payload
        assert qfmt.load(qfmt.dump(obj, PROB_V1), PROB_V1, num_qubits=w) == obj

    @given(S.histogram_v2())
    def test_histogram_v2(self, payload: dict[str, Any]) -> None:
        obj = qfmt.load(payload, HIST_V2)
        assert qfmt.dump(obj, HIST_V2) == payload
        assert qfmt.load(qfmt.dump(obj, HIST_V2), HIST_V2) == obj

    @given(S.probabilities_v2())
    def test_probabilities_v2(self, payload: dict[str, Any]) -> None:
        obj = qfmt.load(payload, PROB_V2)
        assert qfmt.dump(obj, PROB_V2) == payload

    @given(S.shots_v1())
    def test_shots_v1(self, case: tuple[list[str], int]) -> None:
        payload, w = case
        obj = qfmt.load(payload, SHOTS_V1, num_qubits=w)
        assert obj.outcomes() == [int(s) for s in payload]
        assert qfmt.dump(obj, SHOTS_V1) == payload
        assert qfmt.load(qfmt.dumps(obj, SHOTS_V1), SHOTS_V1, num_qubits=w) == obj

    @given(S.shots_v2())
    def test_shots_v2(self, payload: dict[str, Any]) -> None:
        obj = qfmt.load(payload, SHOTS_V2)
        assert qfmt.dump(obj, SHOTS_V2) == payload
        assert qfmt.load(qfmt.dump(obj, SHOTS_V2), SHOTS_V2) == obj

    @given(S.aggregates())
    def test_aggregate(self, payload: dict[str, Any]) -> None:
        obj = qfmt.load(payload, AGG)
        assert qfmt.dump(obj, AGG) == payload

    @given(S.outcome_maps(S.counts_values))
    def test_counts_object_round_trip(self, case: tuple[dict[int, int], int]) -> None:
        data, w = case
        c = qfmt.Counts(data, w)
        for fid in (HIST_V1, HIST_V2):
            back = qfmt.load(qfmt.dumps(c, fid), fid, **({"num_qubits": w} if fid == HIST_V1
                                                           else {}))
            joint = back.joint() if isinstance(back, qfmt.RegisterMarginals) else back
            assert dict(joint) == data and joint.width == w

    @given(st.integers(65, 300), st.data())
    def test_shots_beyond_64_bits(self, w: int, data: st.DataObject) -> None:
        values = data.draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=20))
        m = qfmt.load([str(v) for v in values], SHOTS_V1, num_qubits=w)
        assert m.outcomes() == values
        assert m.bits.nbytes <= len(values) * ((w + 7) // 8)
        s2 = qfmt.dump(m, SHOTS_V2)
        assert qfmt.load(s2, SHOTS_V2).outcomes() == values


class TestLeakage:
    PAYLOAD = {"shots": [
        {"registers": {"output_all": [1, 0]}, "leakage_bits": [0, 0]},
        {"registers": {"output_all": [1, 1]}, "leakage_bits": [0, 1]},
        {"registers": {"output_all": [0, 0]}},
    ]}

    def test_leaked_shots_kept_in_memory_and_excluded_from_counts(self) -> None:
        m = qfmt.load(self.PAYLOAD, SHOTS_V2)
        assert len(m) == 3 and m.leaked().tolist() == [False, True, False]
        c = m.counts()
        assert dict(c) == {1: 1, 0: 1}
        assert any(n.kind == "leakage-excluded" for n in c.provenance)
        assert dict(m.counts(include_leakage=True)) == {1: 1, 3: 1, 0: 1}
        assert qfmt.dump(m, HIST_V1) == {"0": 1, "1": 1}
        assert qfmt.dump(m, HIST_V1, include_leakage=True) == {"0": 1, "1": 1, "3": 1}

    def test_shots_v1_leaves_leaked_shots_out_unless_asked(self) -> None:
        assert qfmt.convert(self.PAYLOAD, SHOTS_V2, SHOTS_V1) == ["1", "0"]
        assert qfmt.convert(self.PAYLOAD, SHOTS_V2, SHOTS_V1, include_leakage=True) == \
            ["1", "3", "0"]

    def test_round_trip_keeps_which_shots_had_leakage_bits(self) -> None:
        assert qfmt.dump(qfmt.load(self.PAYLOAD, SHOTS_V2), SHOTS_V2) == self.PAYLOAD


class TestProbabilityTolerance:
    def test_real_deviation_accepted_and_not_renormalised(self) -> None:
        p = qfmt.load({"0": 0.499995, "1": 0.499995}, PROB_V1)
        assert dict(p) == {0: 0.499995, 1: 0.499995}

    def test_integer_one_and_scientific_notation(self) -> None:
        assert dict(qfmt.load('{"5": 1}', PROB_V1)) == {5: 1.0}
        assert dict(qfmt.load('{"0": 5e-1, "1": 5E-1}', PROB_V1)) == {0: 0.5, 1: 0.5}

    @pytest.mark.parametrize("payload", [{"0": 0.9}, {"0": 0.7, "1": 0.7}])
    def test_clearly_wrong_sums_rejected(self, payload: dict[str, float]) -> None:
        with pytest.raises(qfmt.PayloadError, match="sum to"):
            qfmt.load(payload, PROB_V1)

    def test_normalize_on_request_is_recorded(self) -> None:
        p = qfmt.load({"0": 0.45, "1": 0.45}, PROB_V1, normalize=True)
        assert math.isclose(sum(p.values()), 1.0)
        assert [n.kind for n in p.provenance] == ["renormalized"]

    def test_v2_each_register_must_sum_to_one(self) -> None:
        bad = {"probabilities": {"registers": {"a": {"0": 0.5, "1": 0.5},
                                               "b": {"00": 0.5}}}}
        with pytest.raises(qfmt.PayloadError) as ei:
            qfmt.load(bad, PROB_V2)
        assert ei.value.path == "$.probabilities.registers.b"


BAD: list[tuple[str, Any, str, str]] = [
    # (format, payload, JSON path, message fragment)
    (HIST_V1, [], "$", "expected an object"),
    (HIST_V1, {}, "$", "at least one outcome"),
    (HIST_V1, {"-1": 3}, '$["-1"]', "not a non-negative decimal"),
    (HIST_V1, {"+1": 3}, '$["+1"]', "not a non-negative decimal"),
    (HIST_V1, {" 1": 3}, '$[" 1"]', "not a non-negative decimal"),
    (HIST_V1, {"1_0": 3}, '$["1_0"]', "not a non-negative decimal"),
    (HIST_V1, {"\u0663": 3}, '$["\u0663"]', "not a non-negative decimal"),
    (HIST_V1, {"0x1": 3}, '$["0x1"]', "not a non-negative decimal"),
    (HIST_V1, {"7": 1, "07": 2}, '$["07"]', "repeats key"),
    (HIST_V1, {"1": True}, '$["1"]', "got boolean"),
    (HIST_V1, {"1": -4}, '$["1"]', "negative"),
    (HIST_V1, {"1": 2.5}, '$["1"]', "whole number"),
    (HIST_V1, {"1": math.nan}, '$["1"]', "whole number"),
    (HIST_V1, {"1": "4"}, '$["1"]', "got string"),
    (HIST_V1, {"1": None}, '$["1"]', "got null"),
    (HIST_V1, {"9" * 100_000: 1}, "$[", "wider than 1024 bits"),
    (PROB_V1, {"0": 1.5}, '$["0"]', "outside [0, 1]"),
    (PROB_V1, {"0": -0.5, "1": 1.5}, '$["0"]', "outside [0, 1]"),
    (PROB_V1, {"0": math.inf}, '$["0"]', "finite"),
    (PROB_V1, {"0": math.nan}, '$["0"]', "finite"),
    (PROB_V1, {"0": True}, '$["0"]', "got boolean"),
    (HIST_V2, {"histogram": {"registers": {"output_all": {"012": 3}}}},
     '$.histogram.registers.output_all["012"]', "not a bitstring"),
    (HIST_V2, {"histogram": {"registers": {"output_all": {"01": 3, "001": 1}}}},
     '$.histogram.registers.output_all["001"]', "one width"),
    (HIST_V2, {"histogram": {"registers": {}}}, "$.histogram.registers", "at least one register"),
    (HIST_V2, {"histogram": {"registers": {"r": {}}}}, "$.histogram.registers.r", "at least one"),
    (HIST_V2, {"histogram": {"registers": []}}, "$.histogram.registers", "expected an object"),
    (HIST_V2, {"histogram": {}}, "$.histogram", "missing key 'registers'"),
    (HIST_V2, {"histogram": {"registers": {"r": {"1": 1}}}, "x": 1}, "$.x", "unexpected key"),
    (HIST_V2, {"histogram": {"registers": {"r": {"1": False}}}}, '$.histogram.registers.r["1"]',
     "boolean"),
    (PROB_V2, {"probabilities": {"registers": {"r": {"1": 2}}}},
     '$.probabilities.registers.r["1"]', "outside [0, 1]"),
    (SHOTS_V1, [], "$", "at least one shot"),
    (SHOTS_V1, {"0": 1}, "$", "expected an array"),
    (SHOTS_V1, ["1", "x"], "$[1]", "not a non-negative decimal"),
    (SHOTS_V1, ["1", True], "$[1]", "got boolean"),
    (SHOTS_V1, ["1", -2], "$[1]", "negative"),
    (SHOTS_V1, ["1", 1.0], "$[1]", "got number"),
    (SHOTS_V1, ["1", None], "$[1]", "got null"),
    (SHOTS_V1, ["1", ""], "$[1]", "not a non-negative decimal"),
    (SHOTS_V1, ["1", "1\x002"], "$[1]", "not a non-negative decimal"),
    (SHOTS_V2, {"shots": []}, "$.shots", "at least one shot"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1, 0]}}, {"registers": {"r": [1]}}]},
     "$.shots[1].registers.r", "has 1 bits"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1, 2]}}]}, "$.shots[0].registers.r[1]",
     "0 or 1"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1, True]}}]}, "$.shots[0].registers.r[1]",
     "0 or 1"),
    (SHOTS_V2, {"shots": [{"registers": {"r": []}}]}, "$.shots[0].registers.r", "at least one"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1]}}, {"registers": {"s": [1]}}]},
     "$.shots[1].registers", "registers differ"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1]}, "leakage_bits": [0]},
                          {"registers": {"r": [1]}, "leakage_bits": [0, 1]}]},
     "$.shots[1].leakage_bits", "has 2 bits"),
    (SHOTS_V2, {"shots": [{"registers": {"r": [1]}, "oops": 1}]}, "$.shots[0].oops",
     "unexpected key"),
    (SHOTS_V2, {"shots": [5]}, "$.shots[0]", "expected an object"),
    (AGG, {}, "$", "at least one child"),
    (AGG, {"c1": {"0": 0.5}}, '$.c1', "sum to"),
    (AGG, {"c1": []}, "$.c1", "expected an object"),
    (AGG, {"c1": {"a": 1}}, "$.c1.a", "not a non-negative decimal"),
]


@pytest.mark.parametrize(("fid", "payload", "path", "fragment"), BAD,
                         ids=[f"{b[0].split('.')[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_format_and_path(fid: str, payload: Any, path: str, fragment: str) -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, fid)
    err = ei.value
    assert isinstance(err, ValueError) and isinstance(err, qfmt.QfmtError)
    assert err.format == fid
    assert err.path.startswith(path) if path.endswith("[") else err.path == path
    assert fragment in err.reason
    assert fid in str(err) and err.path in str(err)


def test_huge_key_fails_fast() -> None:
    import time

    t = time.perf_counter()
    with pytest.raises(qfmt.PayloadError):
        qfmt.load('{"' + "7" * 100_000 + '": 1}', HIST_V1)
    assert time.perf_counter() - t < 1.0


def test_num_qubits_too_small_is_an_error() -> None:
    with pytest.raises(qfmt.PayloadError, match="needs 3 bits") as ei:
        qfmt.load({"0": 1, "4": 2}, HIST_V1, num_qubits=2)
    assert ei.value.path == '$["4"]'
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(["0", "4"], SHOTS_V1, num_qubits=2)
    assert ei.value.path == "$[1]"


def test_invalid_json_text() -> None:
    with pytest.raises(qfmt.PayloadError, match="not valid JSON"):
        qfmt.load('{"0": NaN}', HIST_V1)
    with pytest.raises(qfmt.PayloadError, match="not valid JSON"):
        qfmt.load("[" * 100_000, SHOTS_V1)


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(qfmt.OptionError, match="num_qubit"):
        qfmt.load({"0": 1}, HIST_V1, num_qubit=2)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=5) | st.sampled_from(["0", "1", "01", "10", "output_all", "registers"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["0", "1", "3", "01", "histogram", "probabilities",
                                       "registers", "shots", "output_all", "leakage_bits", "x"])
                      | st.text(max_size=4), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize("fid", ALL)
@given(payload=json_values)
def test_arbitrary_json_parses_or_raises_payload_error(fid: str, payload: Any) -> None:
    try:
        qfmt.load(payload, fid)
    except qfmt.PayloadError as err:
        assert err.format == fid and err.path.startswith("$")


@given(S.shots_v2(), st.data())
def test_corrupted_shots_v2_raise_payload_error(payload: dict[str, Any],
                                                data: st.DataObject) -> None:
    shot = data.draw(st.integers(0, len(payload["shots"]) - 1))
    regs = payload["shots"][shot]["registers"]
    name = data.draw(st.sampled_from(sorted(regs)))
    bit = data.draw(st.integers(0, len(regs[name]) - 1))
    regs[name][bit] = data.draw(S.bad_scalars.filter(lambda v: v not in (0, 1) or
                                                     isinstance(v, bool)))
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, SHOTS_V2)
    assert ei.value.path.startswith(f"$.shots[{shot}].registers")


@given(S.histogram_v1(), st.data())
def test_corrupted_histogram_v1_raises_payload_error(case: tuple[dict[str, int], int],
                                                     data: st.DataObject) -> None:
    payload, _ = case
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(S.bad_scalars | S.non_finite)
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, HIST_V1)
    assert ei.value.path == f'$["{key}"]'


def test_memory_is_numpy_backed_and_compact() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**20, size=100_000)
    m = qfmt.load([str(v) for v in values.tolist()], SHOTS_V1, num_qubits=20)
    assert m.bits.dtype == np.uint8 and m.bits.shape == (100_000, 3)
    assert np.array_equal(m.as_uint64(), values.astype(np.uint64))


@given(st.lists(st.one_of(st.integers(0, 2**64 - 1).map(str), st.text(max_size=6),
                          st.integers(0, 99).map(lambda i: f"{i},{i}")), min_size=1, max_size=12))
def test_vectorised_decimal_decoder_agrees_with_the_exact_one(items: list[str]) -> None:
    """The numpy fast path and the per-item path accept the same inputs with the same values."""
    from qfmt.kit import fast_decimals

    fast = fast_decimals(items)
    try:
        exact = [qfmt.kit.decimal_key(x, "t", "$") for x in items]
    except qfmt.PayloadError:
        assert fast is None
        return
    if fast is not None:
        values, leading = fast
        assert values.tolist() == exact
        assert leading == any(len(x) > 1 and x.startswith("0") for x in items)


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=20), st.booleans(),
       st.booleans())
def test_shots_v1_text_fast_path(values: list[int], quoted: bool, spaced: bool) -> None:
    import json as _json

    payload = [str(v) for v in values] if quoted else values
    text = _json.dumps(payload, separators=(", ", ": ") if spaced else (",", ":"))
    m = qfmt.load(text, SHOTS_V1)
    assert m.outcomes() == values
    assert m == qfmt.load(_json.loads(text), SHOTS_V1)


@given(S.shots_v2(), st.data())
def test_shots_v2_text_fast_path_agrees(payload: dict[str, Any], data: st.DataObject) -> None:
    """The byte-level reader gives exactly what the ordinary parser gives, and declines (falls
    back) on anything it does not handle; corrupted text still fails with the exact path."""
    compact = json.dumps(payload, separators=(",", ":"))
    from qfmt.plugins.ionq.formats import parse_shots_v2_raw

    fast = parse_shots_v2_raw(compact.encode())
    slow = qfmt.load(payload, SHOTS_V2)
    assert fast is not None  # simple register names, compact text: the fast path takes it
    assert fast == slow and fast.leaked().tolist() == slow.leaked().tolist()
    assert qfmt.dump(fast, SHOTS_V2) == payload
    assert qfmt.load(compact, SHOTS_V2) == slow
    assert qfmt.load(json.dumps(payload), SHOTS_V2) == slow  # with spaces: the ordinary path
    # corrupt one bit in the text: both paths reject it
    pos = data.draw(st.sampled_from([i for i, c in enumerate(compact) if c in "01"
                                     and compact[i - 1] in "[,"]))
    bad = compact[:pos] + data.draw(st.sampled_from(["2", "true", "", "00"])) + compact[pos + 1:]
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(bad, SHOTS_V2)


@given(S.histogram_v1(), st.booleans(), st.data())
def test_histogram_v1_text_fast_path_agrees(case: tuple[dict[str, int], int], spaced: bool,
                                            data: st.DataObject) -> None:
    from qfmt.plugins.ionq.formats import parse_histogram_v1_raw

    payload, w = case
    text = json.dumps(payload, separators=(", ", ": ") if spaced else (",", ":"))
    slow = qfmt.load(payload, HIST_V1, num_qubits=w)
    fast = parse_histogram_v1_raw(text.encode(), num_qubits=w)
    # text (compact, or spaced: made compact first) with keys and counts of at most 19
    # digits takes the fast path
    assert (fast is None) is any(len(k) > 19 for k in payload)
    if fast is not None:
        assert fast == slow
    assert qfmt.load(text, HIST_V1, num_qubits=w) == slow and list(slow) == sorted(
        int(k) for k in payload)
    # corrupt the text: a bad key, a bad count, or a key repeated with a leading zero
    key = data.draw(st.sampled_from(sorted(payload)))
    sep = ": " if spaced else ":"
    fresh = str(max(int(k) for k in payload) + 1)  # a state not in the payload
    corrupt = data.draw(st.sampled_from([f'"-1"{sep}1, "{key}"', f'"x"{sep}1, "{key}"',
                                         f'"0{key}"{sep}1, "{key}"',
                                         f'"{fresh}"{sep}true, "{key}"']))
    bad = text.replace(f'"{key}"', corrupt, 1)
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(bad, HIST_V1, num_qubits=80)


@given(S.histogram_v2(), st.data())
def test_histogram_v2_text_fast_path_agrees(payload: dict[str, Any], data: st.DataObject) -> None:
    from qfmt.plugins.ionq.formats import parse_histogram_v2_raw

    compact = json.dumps(payload, separators=(",", ":"))
    slow = qfmt.load(payload, HIST_V2)
    fast = parse_histogram_v2_raw(compact.encode())
    regs = payload["histogram"]["registers"]
    if all(len(k) <= 64 for r in regs.values() for k in r):
        assert fast is not None and fast == slow
        assert list(fast.registers) == list(regs)
    assert qfmt.load(compact, HIST_V2) == slow
    assert qfmt.load(json.dumps(payload), HIST_V2) == slow
    # corrupt a key: a non-bit character, or one bit more than its register's width
    name = data.draw(st.sampled_from(sorted(regs)))
    key = next(iter(regs[name]))  # the register's first key, which follows its opening brace
    choices = ["2" + key[1:], "-" + key[1:]] + ([key + "0"] if len(regs[name]) > 1 else [])
    new = data.draw(st.sampled_from(choices))
    bad = compact.replace(f'"{name}":{{"{key}"', f'"{name}":{{"{new}"', 1)
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(bad, HIST_V2)
