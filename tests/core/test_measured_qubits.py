"""ExperimentResult.measured_qubits: the qubit label of each classical bit."""

from __future__ import annotations

import numpy as np
import pytest

import qfmt


def _exp(**kw: object) -> qfmt.ExperimentResult:
    return qfmt.ExperimentResult({"counts": qfmt.Counts({"0101": 3}, width=4)}, **kw)  # type: ignore[arg-type]


def test_default_is_unknown() -> None:
    assert _exp().measured_qubits is None


def test_labels_kept_as_tuple_and_compared() -> None:
    e = _exp(measured_qubits=[3, 0, np.int64(4), "q[2]"])
    assert e.measured_qubits == (3, 0, 4, "q[2]")
    assert type(e.measured_qubits[2]) is int
    assert e != _exp(measured_qubits=[0, 1, 2, 3])
    assert _exp(measured_qubits=[0, 1, 2, 3]) != _exp()   # trivial labels are still stored


@pytest.mark.parametrize("bad", [[0, 1, 2], [0, 1, 2, 3, 4], [0, 1, 2, 3.0], [True, 1, 2, 3],
                                 "0123"])
def test_bad_labels_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        _exp(measured_qubits=bad)


def test_inferred_width_not_checked() -> None:
    e = qfmt.ExperimentResult({"counts": qfmt.Counts({1: 3})}, measured_qubits=[5, 7, 9])
    assert e.measured_qubits == (5, 7, 9)


def test_repr_html_serde() -> None:
    e = _exp(measured_qubits=[3, 0, 4, 2])
    assert "measured_qubits=(3, 0, 4, 2)" in repr(e)
    assert "measured qubits [3, 0, 4, 2]" in e._repr_html_()
    r = qfmt.Result([e, _exp()])
    data = qfmt.unstructure(r)
    assert data["results"][0]["measured_qubits"] == [3, 0, 4, 2]
    assert data["results"][1]["measured_qubits"] is None
    assert qfmt.structure(data, qfmt.Result) == r


def test_marginal_counts_keeps_the_labels_of_the_kept_bits() -> None:
    r = qfmt.Result([_exp(measured_qubits=[3, 0, 4, 2])])
    out = qfmt.marginal_counts(r, [2, 0])
    assert out.results[0].measured_qubits == (3, 4)
    assert dict(out.counts()) == {3: 3}
