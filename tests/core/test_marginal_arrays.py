"""Marginals and bit maps on arrays: Qiskit's plain dict goes through a vectorised key decoder and
the dense (bincount) or sorted sum, and must give exactly what Qiskit 2.x gives and what the
general path (a canonical Counts) gives; remaps with unmeasured bits agree with a plain-Python
reference; sums stay exact past 2**53."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import qiskit.result as qr
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt import _marginal, kit

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@st.composite
def plain_counts(draw: Any, floats: bool = False) -> tuple[dict[str, Any], int]:
    """Qiskit's plain dict: bitstring keys of one width (1..64 bits), int counts (0 allowed) or
    float values; sizes that reach both the dense table and the sort."""
    w = draw(st.integers(1, 64))
    keys = draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=40, unique=True))
    if floats:
        values: st.SearchStrategy[Any] = st.floats(-1, 1, allow_nan=False)
    else:
        values = st.integers(0, 10**12)
    return {format(k, f"0{w}b"): draw(values) for k in keys}, w


def indices(w: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, w - 1), min_size=1, max_size=w, unique=True)


@settings(max_examples=150, deadline=None)
@given(plain_counts(), st.data())
def test_plain_counts_dict_is_qiskits_dict(case: tuple[dict[str, int], int],
                                           data: st.DataObject) -> None:
    counts, w = case
    idx = data.draw(indices(w))
    ours = qfmt.marginal_distribution(counts, idx)
    theirs = qr.marginal_distribution(counts, idx)
    assert type(ours) is dict and ours == theirs
    assert all(type(v) is int for v in ours.values())
    # the general path (a canonical Counts) says the same
    assert ours == qfmt.marginal_distribution(qfmt.Counts(counts), idx).bitstrings()


@settings(max_examples=100, deadline=None)
@given(plain_counts(floats=True), st.data())
def test_plain_float_dict_is_qiskits_dict(case: tuple[dict[str, float], int],
                                          data: st.DataObject) -> None:
    dist, w = case
    idx = data.draw(indices(w))
    ours = qfmt.marginal_distribution(dist, idx)
    theirs = qr.marginal_distribution(dist, idx)
    assert ours.keys() == theirs.keys()
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert all(type(v) is float for v in ours.values())


def test_plain_dict_without_indices_and_out_of_range() -> None:
    counts = {"011": 5, "110": 2}
    assert qfmt.marginal_distribution(counts) == qr.marginal_distribution(counts) == counts
    with pytest.raises(qfmt.QfmtError, match=r"indices must be in range \[0, 2\]"):
        qfmt.marginal_distribution(counts, [3])


@pytest.mark.parametrize("counts", [
    {"0 1": 3, "1 0": 2},              # register spaces
    {"0x1": 3, "0x2": 2},              # hex keys
    {"01": 3, "10": 2**63 + 5},        # a count past int64
])
def test_plain_dicts_the_fast_path_declines_still_work(counts: dict[str, Any]) -> None:
    assert _marginal._plain_marginal(counts, [0]) is None
    general = qfmt.marginal_distribution(qfmt.Counts(counts) if all(
        type(v) is int for v in counts.values()) else qfmt.QuasiDistribution(counts), [0])
    assert qfmt.marginal_distribution(counts, [0]) == general.bitstrings()


@pytest.mark.parametrize("counts", [
    {"01": 0.5, "10": float("nan")}, {"01": 3, "1": 2}, {"01": 3, "10": 2**70},
    {"01": 0.5, "10": True}])
def test_plain_dicts_the_general_path_refuses(counts: dict[str, Any]) -> None:
    assert _marginal._plain_marginal(counts, [0]) is None
    with pytest.raises(qfmt.QfmtError):
        qfmt.marginal_distribution(counts, [0])


def test_counts_past_2_53_are_summed_exactly() -> None:
    big = 2**60
    counts = qfmt.Counts({0b00: big, 0b10: big + 1, 0b01: 3}, 2)
    out = qfmt.marginal_distribution(counts, [0])
    assert dict(out) == {0: 2 * big + 1, 1: 3}
    assert qfmt.marginal_distribution({"00": big, "10": big + 1, "01": 3}, [0]) == \
        {"0": 2 * big + 1, "1": 3}


def _reference_remap(data: dict[int, Any], sources: list[int | None]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for key, v in data.items():
        m = sum(((key >> s) & 1) << j for j, s in enumerate(sources) if s is not None)
        out[m] = out.get(m, 0) + v
    return out


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 64), st.data())
def test_map_bits_with_unmeasured_bits_matches_a_reference(w: int, data: st.DataObject) -> None:
    keys = data.draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=60, unique=True))
    counts = {k: data.draw(st.integers(0, 10**6)) for k in keys}
    sources = data.draw(st.lists(st.one_of(st.none(), st.integers(0, w - 1)), min_size=1,
                                 max_size=min(64, w + 4)))
    got = kit.map_bits(qfmt.Counts(counts, w), sources)
    assert got.width == len(sources)
    assert dict(got) == _reference_remap(counts, sources)
    assert list(got.outcome_array) == sorted(got.outcome_array)
    probs = qfmt.ProbDistribution({k: 1 / len(keys) for k in keys}, w)
    assert dict(kit.map_bits(probs, sources)) == pytest.approx(
        _reference_remap(dict(probs), sources))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_dense_sums_equal_a_reference(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 300))
    w = data.draw(st.integers(1, 10))  # a table of at most 1024: always dense
    new = np.array(data.draw(st.lists(st.integers(0, 2**w - 1), min_size=n, max_size=n)),
                   dtype=np.uint64)
    values = np.arange(n, dtype=np.uint64) * np.uint64(7)
    dense = _marginal._dense_sum(new, values, w)
    assert dense is not None
    uniq, inverse = np.unique(new, return_inverse=True)
    expect = np.zeros(uniq.size, dtype=np.uint64)
    np.add.at(expect, inverse, values)
    assert dense[0].tolist() == uniq.tolist() and dense[1].tolist() == expect.tolist()
    assert dense[1].dtype == np.uint64 and dense[0].dtype == np.uint64


def test_remap_of_a_big_table_sorts_instead() -> None:
    outcomes = np.array([2**30, 5, 2**40 + 1], dtype=np.uint64)
    assert _marginal._dense_sum(outcomes, np.ones(3, dtype=np.uint64), 41) is None
    outs, vals = _marginal.remap(outcomes, np.array([1, 2, 3], dtype=np.uint64),
                                 list(range(41)))
    assert outs.tolist() == [5, 2**30, 2**40 + 1] and vals.tolist() == [2, 1, 3]


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 70), st.data())
def test_qiskit_memory_slots_narrower_than_the_data(w: int, data: st.DataObject) -> None:
    """Qiskit's memory_slots below the data's width is allowed exactly when no outcome (no shot)
    has a bit at or past it, for counts and for per-shot memory."""
    values = data.draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=30))
    slots = data.draw(st.integers(1, w - 1))
    fits = max(values).bit_length() <= slots
    counts = qfmt.Counts(dict.fromkeys(values, 1), w)
    memory = qfmt.Memory.from_ints(values, w)
    for obj, fid in ((counts, "qiskit.counts.json.v1"), (memory, "qiskit.memory.json.v1")):
        if fits:
            out = qfmt.load(qfmt.dump(obj, fid, memory_slots=slots), fid)
            assert out.width == slots
            assert sorted(set(out.keys() if fid.endswith("counts.json.v1") else
                              out.outcomes())) == sorted(set(values))
        else:
            with pytest.raises(qfmt.OptionError, match=f"memory_slots={slots} is narrower"):
                qfmt.dump(obj, fid, memory_slots=slots)


@settings(max_examples=100, deadline=None)
@given(plain_counts(), st.data())
def test_plain_marginal_counts_is_qiskits(case: tuple[dict[str, int], int],
                                          data: st.DataObject) -> None:
    counts, w = case
    idx = data.draw(indices(w))
    ours = qfmt.marginal_counts(counts, idx)
    assert type(ours) is dict and ours == qr.marginal_counts(counts, idx)
    assert ours == qfmt.marginal_counts(qfmt.Counts(counts), idx).bitstrings()
