"""Histogram plots with Qiskit's ``plot_histogram`` / ``plot_distribution`` semantics (matplotlib,
the ``plot`` extra; imported only when a plot is drawn).

What is drawn, per item of ``data`` (one series each; a list gives grouped bars):

- ``Counts``: counts ("Count" axis). ``Memory``: its counts. ``ExperimentResult``: its counts (or
  the counts of its memory). ``Result``: one series per experiment.
- ``ProbDistribution``: probabilities ("Probability"). ``QuasiDistribution``: quasi-probabilities
  ("Quasi-probability"), negative values drawn below a zero line.
- ``RegisterMarginals``: its joint distribution when that is lossless (one register, or the
  ``joint_register``), else one series per register (legend: the register names), since separate
  marginals cannot be joined.
- A Qiskit-style mapping (bitstring, ``0x`` or int keys): non-negative int values are counts,
  other values probabilities (quasi-probabilities when one is negative).

As Qiskit: when any series is a distribution, ``plot_histogram`` normalises every series to sum 1;
``plot_distribution`` always does. Unlike Qiskit, negative bars are drawn (Qiskit drops every bar
that is not positive) and the x labels are zero-padded display keys (register spaces kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._bits import bitstrings
from ._dist import Counts, Distribution, ProbDistribution, QuasiDistribution
from ._errors import OptionError, ResultError
from ._memory import Memory

__all__ = ["plot_distribution", "plot_histogram", "plot_histograms"]

SORTS = ("asc", "desc", "hamming", "value", "value_desc")
#: Above this many bars in all, bars get no value labels (they could not be read).
MAX_LABELLED_BARS = 64
#: Above this many outcomes, the x axis gets no tick labels.
MAX_TICK_LABELS = 128

_YLABEL = {"counts": "Count", "probability": "Probability", "quasi": "Quasi-probability"}


def _matplotlib() -> Any:
    from .kit import optional_import

    optional_import("matplotlib", extra="plot", needs="plotting needs matplotlib")
    import matplotlib.figure

    return matplotlib.figure


class _Series:
    """One series: display labels, values (float64) and its kind."""

    def __init__(self, name: str | None, kind: str, labels: list[str],
                 values: npt.NDArray[np.float64]) -> None:
        self.name = name
        self.kind = kind
        self.labels = labels
        self.values = values


def _labels(dist: Distribution[Any]) -> list[str]:
    """Zero-padded display keys, registers split by spaces (last register leftmost)."""
    layout = dist.layout
    if layout is not None and len(layout.registers) > 1 and layout.width == dist.width:
        return [layout.format(k) for k in dist.outcome_array.tolist()]
    return bitstrings(dist.outcome_array, dist.width)


def _from_dist(name: str | None, dist: Distribution[Any]) -> _Series:
    kind = ("counts" if isinstance(dist, Counts) else
            "probability" if isinstance(dist, ProbDistribution) else "quasi")
    return _Series(name, kind, _labels(dist), np.asarray(dist.value_array, dtype=np.float64))


def _from_mapping(name: str | None, data: Mapping[Any, Any]) -> _Series:
    values = list(data.values())
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
           and v >= 0 for v in values):
        return _from_dist(name, Counts(data))
    q = QuasiDistribution(data)
    s = _from_dist(name, q)
    if s.values.size == 0 or float(s.values.min()) >= 0:
        s.kind = "probability"
    return s


def _series_of(item: Any, name: str | None) -> list[_Series]:
    from ._results import ExperimentResult, RegisterMarginals, Result

    if isinstance(item, Distribution):
        return [_from_dist(name, item)]
    if isinstance(item, Memory):
        return [_from_dist(name, item.counts())]
    if isinstance(item, Result):
        out = []
        for i, exp in enumerate(item.results):
            label = exp.name or f"experiment {i}"
            out.append(_from_dist(label if name is None else f"{name} {label}",
                                  Result([exp]).counts()))
        return out
    if isinstance(item, ExperimentResult):
        return _series_of(Result([item]), name)
    if isinstance(item, RegisterMarginals):
        if len(item) == 1 or item.joint_register is not None:
            return [_from_dist(name, item.joint())]
        return [_from_dist(reg if name is None else f"{name} {reg}", d)
                for reg, d in item.registers.items()]
    if isinstance(item, Mapping):
        return [_from_mapping(name, item)]
    raise ResultError(f"cannot plot a {type(item).__name__}: give counts, a distribution, "
                      "memory, a result or a mapping")


def _keep_largest(s: _Series, number_to_keep: int) -> dict[str, float]:
    """Qiskit's rule: the ``number_to_keep`` largest values (ties: the later outcomes), the rest
    summed into ``rest`` (present even when 0)."""
    order = np.argsort(s.values, kind="stable")
    cut = max(0, s.values.size - number_to_keep)
    kept = order[cut:]
    out = {s.labels[int(i)]: float(s.values[int(i)]) for i in np.sort(kept)}
    out["rest"] = float(s.values[order[:cut]].sum())
    return out


def _hamming(a: str, b: str) -> int:
    if len(a) != len(b):
        raise OptionError(f"target_string {b!r} is not as long as the outcome {a!r}")
    return sum(x != y for x, y in zip(a, b))


def _order(labels: list[str], columns: list[dict[str, float]], sort: str,
           target_string: str | None) -> list[str]:
    """Labels left to right for ``sort`` (Qiskit's meanings; ``desc`` and ``value_desc`` are the
    reverse of ``asc`` and ``value``, as Qiskit inverts the axis)."""
    rest = [x for x in labels if x == "rest"]
    base = sorted(x for x in labels if x != "rest") + rest
    if sort in ("asc", "desc"):
        out = base
    elif sort == "hamming":
        if target_string is None:
            raise OptionError("sort='hamming' needs target_string=")
        target = target_string.replace(" ", "")
        out = sorted(base, key=lambda x: 0 if x == "rest" else _hamming(x.replace(" ", ""), target))
    else:
        top = {x: max(abs(c.get(x, 0.0)) for c in columns) for x in base}
        out = sorted(base, key=lambda x: top[x])
    return out[::-1] if sort.endswith("desc") else out


def value_label(value: float, counts: bool) -> str:
    """A bar's label: a count as an integer; a probability rounded to 3 decimals, ``0`` for
    anything that rounds to zero (never ``-0.000``)."""
    if counts:
        return str(round(float(value)))
    r = round(float(value), 3)
    return "0" if r == 0 else format(r, "g")


def _fit_labels(fig: Any, ax: Any, texts: list[Any]) -> None:
    """Grow the y range until every bar label lies inside the axes (so none covers the tick
    labels or the title)."""
    if not texts:
        return
    for _ in range(4):
        fig.canvas.draw()
        box = ax.get_window_extent()
        y0, y1 = ax.get_ylim()
        span = y1 - y0
        per_px = span / max(box.height, 1.0)
        need_top, need_bottom = 0.0, 0.0
        for t in texts:
            ext = t.get_window_extent()
            need_top = max(need_top, ext.y1 - box.y1 + 3)
            need_bottom = max(need_bottom, box.y0 - ext.y0 + 3)
        if need_top <= 0 and need_bottom <= 0:
            return
        ax.set_ylim(y0 - max(need_bottom, 0.0) * per_px * 1.2,
                    y1 + max(need_top, 0.0) * per_px * 1.2)


def _plot(data: Any, *, normalise: bool, number_to_keep: int | None, sort: str,
          target_string: str | None, legend: Sequence[str] | None, bar_labels: bool,
          title: str | None, figsize: tuple[float, float] | None, ax: Any, filename: Any,
          color: Any = None) -> Any:
    if sort not in SORTS:
        raise OptionError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    if number_to_keep is not None and (isinstance(number_to_keep, bool)
                                       or not isinstance(number_to_keep, int)
                                       or number_to_keep < 1):
        raise OptionError(f"number_to_keep must be a positive int, got {number_to_keep!r}")
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    if legend is not None and len(legend) != len(items):
        raise OptionError(f"legend has {len(legend)} entries for {len(items)} data sets")
    series: list[_Series] = []
    for i, item in enumerate(items):
        series.extend(_series_of(item, None if legend is None else str(legend[i])))
    if not series:
        raise ResultError("nothing to plot")
    kinds = {s.kind for s in series}
    if normalise or kinds != {"counts"}:
        for s in series:
            total = float(s.values.sum())
            if total:
                s.values = s.values / total
            if s.kind == "counts":
                s.kind = "probability"
        kinds = {s.kind for s in series}
    kind = "quasi" if "quasi" in kinds else ("probability" if "probability" in kinds
                                             else "counts")
    if number_to_keep is not None:
        columns = [_keep_largest(s, number_to_keep) for s in series]
    else:
        columns = [dict(zip(s.labels, s.values.tolist())) for s in series]
    labels = list(dict.fromkeys(x for c in columns for x in c))
    order = _order(labels, columns, sort, target_string)

    figure_mod = _matplotlib()
    own = ax is None
    if own:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = figure_mod.Figure(figsize=figsize or (7, 5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    if color is None:
        import matplotlib

        color = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    elif isinstance(color, str):
        color = [color]

    n = len(series)
    xs = np.arange(len(order), dtype=float)
    bar_w = 0.8 / n
    all_values = []
    containers = []
    for i, (s, col) in enumerate(zip(series, columns)):
        heights = np.array([col.get(x, 0.0) for x in order], dtype=np.float64)
        all_values.append(heights)
        bars = ax.bar(xs - 0.4 + bar_w * (i + 0.5), heights, bar_w, label=s.name,
                      color=color[i % len(color)], zorder=2)
        containers.append((bars, heights))
    values = np.concatenate(all_values) if all_values else np.zeros(1)
    vmin, vmax = min(0.0, float(values.min())), max(0.0, float(values.max()))
    span = (vmax - vmin) or 1.0
    ax.set_ylim(vmin - (0.05 * span if vmin < 0 else 0.0), vmax + 0.1 * span)
    if vmin < 0:
        ax.axhline(0.0, color="black", linewidth=0.8, zorder=3)
    texts: list[Any] = []
    labelled = bar_labels and len(order) * n <= MAX_LABELLED_BARS
    if labelled:
        rotate = n > 1 or len(order) > 12
        for bars, heights in containers:
            text = [value_label(h, kind == "counts") if h != 0 else "" for h in heights]
            texts.extend(ax.bar_label(bars, labels=text, padding=2, fontsize=8, zorder=4,
                                      rotation=90 if rotate else 0))
    ax.set_xticks(xs)
    if len(order) <= MAX_TICK_LABELS:
        long = len(order) > 8 or max((len(x) for x in order), default=0) > 5
        ax.set_xticklabels(order, rotation=70 if long else 0, ha="right" if long else "center",
                           rotation_mode="anchor", family="monospace", fontsize=9)
    else:
        ax.set_xticklabels([])
        ax.set_xlabel(f"{len(order)} outcomes (use number_to_keep= to label them)")
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_ylabel(_YLABEL[kind], fontsize=12)
    ax.grid(which="major", axis="y", zorder=0, linestyle="--", alpha=0.5)
    if title:
        ax.set_title(title)
    if any(s.name is not None for s in series):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=True)
    if own:
        fig.tight_layout()
    _fit_labels(fig, ax, texts)
    if own and texts:  # the fitted range may widen the tick labels: settle the layout again
        fig.tight_layout()
        _fit_labels(fig, ax, texts)
    if filename is not None:
        fig.savefig(filename)
    return fig


def plot_histogram(data: Any, *, number_to_keep: int | None = None, sort: str = "asc",
                   target_string: str | None = None, legend: Sequence[str] | None = None,
                   bar_labels: bool = True, title: str | None = None,
                   figsize: tuple[float, float] | None = None, color: Any = None, ax: Any = None,
                   filename: Any = None) -> Any:
    """A histogram of counts or distributions, with Qiskit's ``plot_histogram`` options.

    ``data``: a qfmt object (Counts, ProbDistribution, QuasiDistribution, Memory, RegisterMarginals,
    ExperimentResult, Result), a Qiskit-style mapping, or a list of them (grouped bars; ``legend``
    names them and sits outside the axes). Counts are drawn as counts unless a distribution is in
    the list (then all are normalised, as Qiskit does). ``number_to_keep`` keeps each series'
    largest values and sums the others into ``rest``; ``sort`` is ``asc``, ``desc``, ``hamming``
    (needs ``target_string``), ``value`` or ``value_desc``. ``ax`` draws into the given axes;
    ``filename`` also saves the figure. Returns the ``matplotlib.figure.Figure``. Needs
    ``qfmt[plot]``; see :mod:`qfmt._plot` for what each kind of object draws.
    """
    return _plot(data, normalise=False, number_to_keep=number_to_keep, sort=sort,
                 target_string=target_string, legend=legend, bar_labels=bar_labels, title=title,
                 figsize=figsize, ax=ax, filename=filename, color=color)


def plot_distribution(data: Any, *, number_to_keep: int | None = None, sort: str = "asc",
                      target_string: str | None = None, legend: Sequence[str] | None = None,
                      bar_labels: bool = True, title: str | None = None,
                      figsize: tuple[float, float] | None = None, color: Any = None,
                      ax: Any = None, filename: Any = None) -> Any:
    """As :func:`plot_histogram`, with every series normalised to sum 1 (Qiskit's
    ``plot_distribution``): y axis "Probability", or "Quasi-probability" when a quasi-distribution
    is drawn."""
    return _plot(data, normalise=True, number_to_keep=number_to_keep, sort=sort,
                 target_string=target_string, legend=legend, bar_labels=bar_labels, title=title,
                 figsize=figsize, ax=ax, filename=filename, color=color)


def plot_histograms(series: Sequence[tuple[str, Any]], output: str, *, top: int = 16,
                    size: tuple[int, int] = (1000, 600), title: str | None = None,
                    sort: str = "asc", target_string: str | None = None) -> None:
    """The ``qfmt plot`` command: named items side by side as probabilities, each keeping its
    ``top`` largest outcomes (the rest summed into ``rest``), saved at ``size`` pixels.
    ``size`` must be two positive ints and ``output`` name a type matplotlib writes (else an
    :class:`qfmt.OptionError`, before anything is drawn)."""
    w, h = size
    if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in (w, h)):
        raise OptionError(f"size must be two positive ints (pixels), got {size!r}")
    figure_mod = _matplotlib()
    kinds = figure_mod.Figure().canvas.get_supported_filetypes()
    suffix = str(output).rpartition(".")[2].lower() if "." in str(output) else ""
    if suffix not in kinds:
        raise OptionError(f"cannot write a plot to {output!r}: the file name must end in one of "
                          f"{', '.join('.' + k for k in sorted(kinds))}")
    items = [item for _, item in series]
    names = [name for name, _ in series]
    needs_keep = any(s.values.size > top for item in items for s in _series_of(item, None))
    fig = plot_distribution(items, legend=names if len(names) > 1 else None,
                            number_to_keep=top if needs_keep else None, sort=sort,
                            target_string=target_string, title=title, figsize=(w / 100, h / 100))
    fig.savefig(output, dpi=100)
