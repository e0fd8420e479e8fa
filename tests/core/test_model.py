"""The canonical model: layouts, key kinds, widths, memory packing, results, provenance and the
cattrs round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from tests import strategies as S


class TestLayout:
    def test_bits_map_to_registers(self) -> None:
        layout = qfmt.RegisterLayout([("c0", 2), ("c1", 3)])
        assert layout.width == 5
        assert [layout.locate(i) for i in range(5)] == \
            [("c0", 0), ("c0", 1), ("c1", 0), ("c1", 1), ("c1", 2)]
        assert layout.bit("c1", 2) == 4
        assert layout.split(0b10110) == {"c0": 0b10, "c1": 0b101}
        assert layout.format(0b11010) == "110 10"  # last register leftmost, as Qiskit

    def test_invalid_layouts(self) -> None:
        with pytest.raises(ValueError, match="unique"):
            qfmt.RegisterLayout([("a", 1), ("a", 2)])
        with pytest.raises(ValueError):
            qfmt.RegisterLayout([("a", -1)])
        with pytest.raises(IndexError):
            qfmt.RegisterLayout([("a", 2)]).locate(2)


class TestKeys:
    def test_all_key_kinds_mean_the_same(self) -> None:
        ref = qfmt.Counts({5: 1, 2: 3}, 3)
        assert qfmt.Counts({"0x5": 1, "0x2": 3}, 3) == ref
        assert qfmt.Counts({"0b101": 1, "0b10": 3}, 3) == ref
        assert qfmt.Counts({"101": 1, "010": 3}) == ref

    def test_bitstring_keys_carry_width_and_registers(self) -> None:
        c = qfmt.Counts({"001 01": 2, "110 10": 5})
        assert c.width == 5 and not c.width_inferred
        assert c.layout == qfmt.RegisterLayout([("c0", 2), ("c1", 3)])
        assert c[0b00101] == 2 and c["110 10"] == 5

    def test_width_inferred_is_marked(self) -> None:
        c = qfmt.Counts({5: 1})
        assert (c.width, c.width_inferred) == (3, True)
        assert qfmt.Counts({5: 1}, 8).bitstrings() == {"00000101": 1}

    @pytest.mark.parametrize("data", [
        {"0x1": 1, "01": 2},  # hex and bitstring mixed
        {"01": 1, "1": 2},  # bitstrings of different widths
        {1: 1, "0x1": 2},  # equal after normalisation
        {"2": 1},  # not a bitstring
        {-1: 3},
        {1.5: 3},
        {"0x": 1},
        {1: -1},
        {1: True},
    ])
    def test_bad_keys_and_values(self, data: dict) -> None:  # type: ignore[type-arg]
        with pytest.raises(qfmt.PayloadError):
            qfmt.Counts(data)

    def test_declared_width_too_small(self) -> None:
        with pytest.raises(qfmt.PayloadError, match="needs 3 bits"):
            qfmt.Counts({5: 1}, 2)


class TestDistributions:
    def test_counts_api(self) -> None:
        c = qfmt.Counts({"01": 30, "10": 70})
        assert c.shots() == 100 and c.most_frequent() == 2
        assert c.hex_outcomes() == {"0x1": 30, "0x2": 70}
        assert c.int_outcomes() == {1: 30, 2: 70}
        with pytest.raises(qfmt.ResultError, match="tie"):
            qfmt.Counts({0: 5, 1: 5}).most_frequent()
        with pytest.raises(qfmt.ResultError, match="empty"):
            qfmt.Counts({}).most_frequent()

    def test_probabilities_sum_checked(self) -> None:
        with pytest.raises(qfmt.PayloadError, match="sum to"):
            qfmt.ProbDistribution({0: 0.5})
        p = qfmt.ProbDistribution({0: 0.5}, normalize=True)
        assert dict(p) == {0: 1.0} and p.provenance[0].kind == "renormalized"

    def test_quasi_allows_negative(self) -> None:
        q = qfmt.QuasiDistribution({0: -0.1, 1: 1.1}, shots=100, stddev_upper_bound=0.2)
        assert q[0] == -0.1 and q.shots == 100
        with pytest.raises(qfmt.PayloadError):
            qfmt.QuasiDistribution({0: float("nan")})

    def test_counts_to_probabilities_keeps_width_and_shots(self) -> None:
        p = qfmt.Counts({0: 1, 3: 3}, 4).probabilities()
        assert dict(p) == {0: 0.25, 3: 0.75} and p.width == 4 and p.shots == 4
        assert p.binary_probabilities() == {"0000": 0.25, "0011": 0.75}


class TestMemory:
    @given(st.integers(1, 200), st.data())
    def test_ints_round_trip_any_width(self, w: int, data: st.DataObject) -> None:
        values = data.draw(st.lists(st.integers(0, 2**w - 1), min_size=0, max_size=30))
        m = qfmt.Memory.from_ints(values, w)
        assert m.outcomes() == values and len(m) == len(values)
        assert m.bits.shape == (len(values), max(1, (w + 7) // 8))
        bools = m.to_bool()
        assert all(int(bools[s, i]) == (v >> i) & 1 for s, v in enumerate(values)
                   for i in range(w))
        assert qfmt.Memory.from_bits(bools) == attrs_evolve_width(m)
        assert dict(m.counts()) == {v: values.count(v) for v in set(values)}

    def test_memory_is_read_only(self) -> None:
        m = qfmt.Memory.from_ints([1, 2], 2)
        with pytest.raises(ValueError):
            m.bits[0, 0] = 3

    def test_select_bits(self) -> None:
        m = qfmt.Memory.from_ints([0b110, 0b001], 3)
        assert m.select([2, 0]).outcomes() == [0b01, 0b10]
        with pytest.raises(IndexError, match=r"range \[0, 2\]"):
            m.select([3])

    def test_registers(self) -> None:
        layout = qfmt.RegisterLayout([("a", 1), ("b", 2)])
        m = qfmt.Memory.from_ints([0b101, 0b010], layout=layout)
        assert m.register("b").outcomes() == [0b10, 0b01]
        with pytest.raises(qfmt.ResultError):
            m.register("zzz")


def attrs_evolve_width(m: qfmt.Memory) -> qfmt.Memory:
    return qfmt.Memory(m.bits, m.width)


class TestResult:
    def make(self) -> qfmt.Result:
        ok = qfmt.ExperimentResult({"counts": qfmt.Counts({1: 3})}, header={"name": "bell"},
                                   job_id="child-1")
        bad = qfmt.ExperimentResult({}, success=False, status="ERROR", header={"name": "x"})
        return qfmt.Result([ok, bad], success=False)

    def test_lookup(self) -> None:
        r = self.make()
        assert dict(r.counts(0)) == {1: 3}
        assert r.get_counts("bell") == r.get_counts(-2) == r.get_counts("child-1")

        class Circ:
            name = "bell"

        assert r.get_counts(Circ()) == r.get_counts(0)

    def test_failed_experiment_raises_on_access(self) -> None:
        r = self.make()
        with pytest.raises(qfmt.ResultError, match="failed"):
            r.get_counts("x")
        with pytest.raises(qfmt.ResultError, match="failed"):
            r.get_counts()  # the list form touches the failed one too
        with pytest.raises(qfmt.ResultError, match="no experiment"):
            r.get_counts("nope")
        with pytest.raises(qfmt.ResultError, match="index 5"):
            r.get_counts(5)

    def test_counts_from_memory(self) -> None:
        r = qfmt.Result([qfmt.ExperimentResult({"memory": qfmt.Memory.from_ints([1, 1, 0], 1)})])
        assert dict(r.counts()) == {1: 2, 0: 1}


class TestCattrs:
    @given(S.outcome_maps(S.counts_values))
    def test_counts(self, case: tuple[dict[int, int], int]) -> None:
        c = qfmt.Counts(case[0], case[1])
        assert qfmt.structure(qfmt.unstructure(c), qfmt.Counts) == c

    def test_every_type_round_trips(self) -> None:
        import orjson

        layout = qfmt.RegisterLayout([("a", 1), ("b", 2)])
        mem = qfmt.load({"shots": [{"registers": {"a": [1], "b": [0, 1]}, "leakage_bits": [1]},
                                   {"registers": {"a": [0], "b": [1, 1]}}]},
                        "ionq.result.shots.json.v2")
        objs = [
            qfmt.Counts({1: 2}, 3, layout=None),
            qfmt.ProbDistribution({0: 0.5, 7: 0.5}, shots=10, layout=layout),
            qfmt.QuasiDistribution({0: -0.5, 1: 1.5}, stddev_upper_bound=0.1),
            mem,
            qfmt.load({"histogram": {"registers": {"a": {"1": 2}, "b": {"01": 2}}}},
                      "ionq.result.histogram.json.v2"),
            qfmt.load({"c": {"0": 1}}, "ionq.result.probabilities-aggregate.json.v1"),
        ]
        for obj in objs:
            data = orjson.loads(orjson.dumps(qfmt.unstructure(obj)))
            back = qfmt.structure(data, type(obj))
            assert back == obj
            if isinstance(obj, qfmt.Memory):
                assert back.leaked().tolist() == obj.leaked().tolist()

    def test_bad_data(self) -> None:
        with pytest.raises(qfmt.PayloadError):
            qfmt.structure({"nope": 1}, qfmt.Counts)


def test_results_holding_arrays_compare_by_value() -> None:
    """A statevector (a numpy array) in the data compares by value, not by raising."""
    import numpy as np

    def exp(vec: list[complex]) -> qfmt.ExperimentResult:
        return qfmt.ExperimentResult({"statevector": np.array(vec)}, header={"name": "s"})

    assert exp([1, 0j]) == exp([1, 0j]) and qfmt.Result([exp([1, 0j])]) == qfmt.Result([exp([1, 0j])])
    assert exp([1, 0j]) != exp([0j, 1]) and exp([1, 0j]) != exp([1, 0j, 0j])


def test_kit_memory_refuses_registers_that_do_not_cover_the_width() -> None:
    """Found by the fuzz suite in a Parquet file's metadata: a payload error, never a bare
    ValueError from the model."""
    import numpy as np

    from qfmt import kit

    with pytest.raises(qfmt.PayloadError, match="cover 30 bits but the width is 36"):
        kit.memory(np.zeros((2, 5), dtype=np.uint8), width=36, fmt="f",
                   layout=[("A", 10), ("B", 20)])


def test_evolve_checks_a_probability_sum_with_the_tolerance_it_was_read_with() -> None:
    """A distribution loaded with a wider ``atol`` can be evolved (re-checked with its own)."""
    import attrs

    payload = {"0": 0.5, "1": 0.49}  # sums to 0.99
    p = qfmt.load(payload, "ionq.result.probabilities.json.v1", atol=0.02)
    wider = attrs.evolve(p, width=3)
    assert wider.width == 3 and wider.atol == 0.02 and dict(wider) == dict(p)
    with pytest.raises(qfmt.PayloadError, match="sum to"):
        attrs.evolve(p, atol=1e-4)


def test_bitstring_object_keeps_exact_int_keys_past_64_bits() -> None:
    # [0, 2**63] as a numpy array is float64: the keys must stay exact Python ints
    from qfmt import kit

    data, width = kit.bitstring_object({"0" * 65: 1, "01" + "0" * 63: 2}, "x", kit.count_value)
    assert data == {0: 1, 2**63: 2} and width == 65
    assert all(type(k) is int for k in data)
