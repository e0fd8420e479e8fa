"""qfmt.plot_histogram / plot_distribution: what the returned Figure shows, checked on the Figure
itself, and the sort orders and ``number_to_keep`` compared with Qiskit's own plot_histogram."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import qfmt
from qfmt._plot import value_label


def _axes(fig: Any) -> Any:
    assert isinstance(fig, matplotlib.figure.Figure)
    return fig.axes[0]


def _ticks(ax: Any) -> list[str]:
    """Tick labels left to right as drawn (Qiskit inverts the axis for the desc sorts)."""
    ax.figure.canvas.draw()
    ticks = [(t.get_window_extent().x0 + t.get_window_extent().x1, t.get_text())
             for t in ax.get_xticklabels() if t.get_text()]
    return [text for _, text in sorted(ticks)]


def _bars(ax: Any) -> list[float]:
    return [float(p.get_height()) for p in ax.patches]


def _heights_by_label(ax: Any) -> dict[str, float]:
    """Bar heights keyed by the tick label under the bar (one series)."""
    labels = dict(zip(ax.get_xticks().round(6).tolist(),
                      [t.get_text() for t in ax.get_xticklabels()]))
    out = {}
    for p in ax.patches:
        centre = round(p.get_x() + p.get_width() / 2, 6)
        near = min(labels, key=lambda x: abs(x - centre))
        if p.get_height():
            out[labels[near]] = float(p.get_height())
    return out


def test_negative_quasi_probabilities_are_drawn_below_a_zero_line() -> None:
    q = qfmt.QuasiDistribution({0: -0.1, 1: 0.2, 2: 0.4, 3: 0.50001, 5: -0.00001}, width=3)
    fig = qfmt.plot_histogram(q)
    ax = _axes(fig)
    low, high = ax.get_ylim()
    assert low < -0.1 and high > 0.5
    assert ax.get_ylabel() == "Quasi-probability"
    assert _ticks(ax) == ["000", "001", "010", "011", "101"]
    assert _bars(ax) == pytest.approx([-0.1, 0.2, 0.4, 0.50001, -0.00001])
    assert any(line.get_ydata()[0] == 0 for line in ax.get_lines())  # the zero line
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["-0.1", "0.2", "0.4", "0.5", "0"]
    # every bar label sits inside the axes: none covers a tick label or leaves the figure
    fig.canvas.draw()
    box = ax.get_window_extent()
    ticks = [t.get_window_extent() for t in ax.get_xticklabels()]
    for t in ax.texts:
        ext = t.get_window_extent()
        assert box.y0 <= ext.y0 and ext.y1 <= box.y1, t.get_text()
        assert not any(ext.overlaps(tick) for tick in ticks)


def test_labels_of_tall_negative_bars_stay_inside_the_axes() -> None:
    q = qfmt.QuasiDistribution({i: v for i, v in enumerate([-0.45, 0.8, -0.3, 0.95])}, width=2)
    fig = qfmt.plot_distribution(q, figsize=(4, 3))
    ax = _axes(fig)
    fig.canvas.draw()
    box = ax.get_window_extent()
    for t in ax.texts:
        ext = t.get_window_extent()
        assert box.y0 <= ext.y0 and ext.y1 <= box.y1, t.get_text()


def test_two_series_are_grouped_and_the_legend_does_not_cover_the_bars() -> None:
    a = qfmt.Counts({"00": 500, "11": 480, "01": 20})
    b = qfmt.ProbDistribution({"00": 0.5, "11": 0.5})
    fig = qfmt.plot_histogram([a, b], legend=["run a", "run b"], title="Bell")
    ax = _axes(fig)
    assert ax.get_ylabel() == "Probability"  # counts normalised next to a distribution
    assert _ticks(ax) == ["00", "01", "11"]
    assert _bars(ax) == pytest.approx([0.5, 0.02, 0.48, 0.5, 0.0, 0.5])
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["run a", "run b"]
    fig.canvas.draw()
    lbox, abox = legend.get_window_extent(), ax.get_window_extent()
    assert lbox.x0 >= abox.x1  # outside, right of the axes
    assert lbox.x1 <= fig.bbox.x1 + 1  # and still inside the figure
    assert all(not lbox.overlaps(p.get_window_extent()) for p in ax.patches)


def test_counts_stay_counts_in_plot_histogram_and_are_normalised_in_plot_distribution() -> None:
    c = qfmt.Counts({"00": 600, "11": 400})
    ax = _axes(qfmt.plot_histogram(c))
    assert ax.get_ylabel() == "Count" and _bars(ax) == [600, 400]
    assert [t.get_text() for t in ax.texts] == ["600", "400"]
    ax = _axes(qfmt.plot_distribution(c))
    assert ax.get_ylabel() == "Probability" and _bars(ax) == pytest.approx([0.6, 0.4])
    assert ax.get_ylim()[0] == 0


QISKIT_DATA = {"001": 596, "011": 211, "010": 50, "000": 117, "101": 33, "111": 8, "100": 6,
               "110": 3}


@pytest.mark.parametrize(("sort", "target"), [("asc", None), ("desc", None), ("hamming", "001"),
                                               ("value", None), ("value_desc", None)])
def test_sort_orders_match_qiskit(sort: str, target: str | None) -> None:
    from qiskit.visualization import plot_histogram as qiskit_plot

    theirs = qiskit_plot(QISKIT_DATA, sort=sort, target_string=target)
    try:
        expected = _ticks(theirs.axes[0])
    finally:
        plt.close(theirs)
    for data in (QISKIT_DATA, qfmt.Counts(QISKIT_DATA)):
        ours = qfmt.plot_histogram(data, sort=sort, target_string=target)
        assert _ticks(_axes(ours)) == expected


def test_number_to_keep_sums_the_rest_as_qiskit_does() -> None:
    from qiskit.visualization import plot_histogram as qiskit_plot

    theirs = qiskit_plot(QISKIT_DATA, number_to_keep=3)
    try:
        expected_ticks = _ticks(theirs.axes[0])
        expected = _heights_by_label(theirs.axes[0])
    finally:
        plt.close(theirs)
    ax = _axes(qfmt.plot_histogram(qfmt.Counts(QISKIT_DATA), number_to_keep=3))
    assert _ticks(ax) == expected_ticks == ["000", "001", "011", "rest"]
    assert _heights_by_label(ax) == expected == {"000": 117, "001": 596, "011": 211, "rest": 100}


def test_hamming_needs_a_target_and_bad_options_are_refused() -> None:
    c = qfmt.Counts({"01": 1})
    with pytest.raises(qfmt.OptionError, match="target_string"):
        qfmt.plot_histogram(c, sort="hamming")
    with pytest.raises(qfmt.OptionError, match="sort must be one of"):
        qfmt.plot_histogram(c, sort="random")
    with pytest.raises(qfmt.OptionError, match="legend has 2 entries"):
        qfmt.plot_histogram(c, legend=["a", "b"])
    with pytest.raises(qfmt.OptionError, match="number_to_keep"):
        qfmt.plot_histogram(c, number_to_keep=0)
    with pytest.raises(qfmt.ResultError, match="cannot plot a str"):
        qfmt.plot_histogram("0101")


def test_ax_draws_into_the_given_axes_and_filename_saves(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    host = Figure(figsize=(8, 3))
    left, right = host.subplots(1, 2)
    out = qfmt.plot_histogram({"0": 3, "1": 1}, ax=right, title="right")
    assert out is host and right.get_title() == "right" and len(right.patches) == 2
    assert not left.patches
    target = tmp_path / "h.png"
    fig = qfmt.plot_distribution({"0": 3, "1": 1}, filename=str(target))
    assert isinstance(fig, Figure)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_what_each_kind_of_object_draws() -> None:
    mem = qfmt.Memory.from_ints([0, 3, 3, 3], width=2)
    assert _bars(_axes(qfmt.plot_histogram(mem))) == [1, 3]
    two = qfmt.Result([qfmt.ExperimentResult(data={"counts": qfmt.Counts({"0": 2})},
                                             header={"name": "first"}),
                       qfmt.ExperimentResult(data={"memory": mem}, header={"name": "second"})])
    ax = _axes(qfmt.plot_histogram(two))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first", "second"]
    assert _ticks(ax) == ["0", "00", "11"]
    regs = qfmt.RegisterMarginals({"a": qfmt.Counts({"1": 4}), "b": qfmt.Counts({"0": 1, "1": 3})})
    ax = _axes(qfmt.plot_histogram(regs))  # separate marginals: one series per register
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    joint = qfmt.RegisterMarginals({"all": qfmt.Counts({"01": 3, "10": 1}),
                                    "a": qfmt.Counts({"1": 4})}, joint_register="all")
    ax = _axes(qfmt.plot_histogram(joint))
    assert ax.get_legend() is None and _ticks(ax) == ["01", "10"]
    spaced = qfmt.Counts({0b11010: 5, 0b00101: 2}, layout=[("c0", 2), ("c1", 3)])
    assert _ticks(_axes(qfmt.plot_histogram(spaced))) == ["001 01", "110 10"]
    ints = _axes(qfmt.plot_histogram({0: 0.25, 3: 0.75}))
    assert ints.get_ylabel() == "Probability" and _ticks(ints) == ["00", "11"]


def test_many_outcomes_draw_without_tick_labels() -> None:
    n = 300
    c = qfmt.Counts(outcome_array=np.arange(n), value_array=np.ones(n, dtype=np.uint64),
                    width=9)
    ax = _axes(qfmt.plot_histogram(c))
    assert len(ax.patches) == n and not ax.texts
    assert "300 outcomes" in ax.get_xlabel()


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(qfmt.MissingDependencyError, match=r"qfmt\[plot\]"):
        qfmt.plot_histogram({"0": 1})


@given(st.floats(-2, 2, allow_nan=False))
def test_probability_labels_never_read_minus_zero(v: float) -> None:
    text = value_label(v, counts=False)
    assert not text.startswith("-0") or float(text) < 0
    assert text != "-0" and float(text) == pytest.approx(round(v, 3), abs=1e-12)


@settings(max_examples=15)
@given(st.dictionaries(st.integers(0, 15), st.integers(1, 10**6), min_size=1, max_size=12))
def test_bars_show_every_value_once(data: dict[int, int]) -> None:
    c = qfmt.Counts(data, width=4)
    fig = qfmt.plot_histogram(c, bar_labels=False)
    assert sorted(_bars(_axes(fig))) == sorted(float(v) for v in data.values())
    fig = qfmt.plot_distribution(c, bar_labels=False)
    assert sum(_bars(_axes(fig))) == pytest.approx(1.0)


def test_cli_plot_sorts_and_keeps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from qfmt import _plot
    from qfmt.cli import main

    drawn: list[Any] = []
    real = _plot.plot_distribution

    def spy(*args: Any, **kwargs: Any) -> Any:
        drawn.append(real(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(_plot, "plot_distribution", spy)
    payload = tmp_path / "counts.json"
    payload.write_text('{"00": 10, "01": 30, "11": 60}')
    target = tmp_path / "h.svg"
    r = CliRunner().invoke(main, ["plot", str(payload), "--from", "qiskit.counts.json.v1",
                                  "-o", str(target), "--sort", "value_desc", "--top", "2"])
    assert r.exit_code == 0, r.output
    assert target.read_text().lstrip().startswith("<?xml")
    ax = _axes(drawn[-1])
    assert _ticks(ax) == ["11", "01", "rest"] and ax.get_ylabel() == "Probability"
