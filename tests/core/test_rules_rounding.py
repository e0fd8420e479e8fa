"""Largest-remainder rounding without a sort: the same counts as the stable-sort definition (ties
to the smaller outcome), for arrays and for dicts in any key order, any key size."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt._rules import largest_remainder_array


def _by_sorting(p: np.ndarray, shots: int) -> list[int]:
    """The definition: floor each share, then one shot each to the largest remainders in a
    stable order (the earlier entry wins a tie)."""
    exact = p * (shots / float(p.sum()))
    base = np.floor(exact)
    rem = (exact - base).tolist()
    counts = base.astype(np.uint64).tolist()
    left = shots - sum(counts)
    for i in sorted(range(p.size), key=lambda i: -rem[i])[:max(left, 0)]:
        counts[i] += 1
    return counts


# weights from a few small integers: many exact ties between remainders
weights = st.lists(st.integers(1, 6), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(weights, st.integers(0, 10**6))
def test_array_rounding_is_the_stable_sort_definition(w: list[int], shots: int) -> None:
    p = np.array(w, dtype=np.float64) / sum(w)
    got = largest_remainder_array(p, shots)
    assert got.dtype == np.uint64
    assert int(got.sum()) == shots
    assert got.tolist() == _by_sorting(p, shots)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1e-9, 1.0), min_size=1, max_size=100), st.integers(0, 5000))
def test_array_rounding_of_arbitrary_floats(w: list[float], shots: int) -> None:
    p = np.array(w)
    got = largest_remainder_array(p, shots)
    assert int(got.sum()) == shots
    assert got.tolist() == _by_sorting(p, shots)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**80), min_size=1, max_size=50, unique=True), st.data())
def test_dict_rounding_keeps_key_order_and_breaks_ties_by_outcome(keys: list[int],
                                                                 data: st.DataObject) -> None:
    small = data.draw(st.booleans())
    keys = [k % 2**60 for k in keys] if small else keys
    keys = list(dict.fromkeys(keys))
    keys = data.draw(st.permutations(keys))
    probs = {k: 1 / len(keys) for k in keys}  # all remainders tie
    shots = data.draw(st.integers(0, 3 * len(keys)))
    got = qfmt.largest_remainder(probs, shots)
    assert list(got) == keys  # the caller's order
    ordered = sorted(keys)
    expect = dict(zip(ordered, largest_remainder_array(
        np.array([probs[k] for k in ordered]), shots).tolist()))
    assert got == expect
    assert sum(got.values()) == shots


def test_ties_go_to_the_smaller_outcome() -> None:
    assert qfmt.largest_remainder({2: 1 / 3, 0: 1 / 3, 1: 1 / 3}, 10) == {2: 3, 0: 4, 1: 3}
    assert qfmt.largest_remainder({5: 0.5, 2**70: 0.5}, 3) == {5: 2, 2**70: 1}
