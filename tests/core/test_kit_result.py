"""``kit.result``: the public Result builder for readers of many experiments (IonQ's aggregate)
gives what the public constructors give, and refuses what they could not hold."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from qfmt import kit
from qfmt.testing import strategies as qst


@given(st.lists(qst.counts(), max_size=5), st.data())
def test_result_equals_the_public_constructors(dists: list[qfmt.Counts], data: st.DataObject
                                               ) -> None:
    ids = data.draw(st.none() | st.lists(st.none() | st.text(max_size=4), min_size=len(dists),
                                         max_size=len(dists)))
    built = kit.result("counts", dists, job_ids=ids)
    public = qfmt.Result([qfmt.ExperimentResult({"counts": d}, job_id=None if ids is None
                                                else ids[i]) for i, d in enumerate(dists)])
    assert built == public
    assert attrs.asdict(built, recurse=False).keys() == attrs.asdict(public, recurse=False).keys()
    for a, b in zip(built.results, public.results):
        assert attrs.asdict(a, recurse=False) == attrs.asdict(b, recurse=False)
    assert [e.data["counts"] for e in built.results] == dists


def test_result_refuses_mismatched_or_mistyped_arguments() -> None:
    c = kit.counts([0], [1])
    with pytest.raises(ValueError, match="2 values but 1 job ids"):
        kit.result("counts", [c, c], job_ids=["a"])
    with pytest.raises(TypeError, match="job ids must be str or None"):
        kit.result("counts", [c], job_ids=[7])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="data key must be a str"):
        kit.result(1, [c])  # type: ignore[arg-type]
