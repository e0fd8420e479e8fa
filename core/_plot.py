"""Histogram plots in the style of Qiskit's ``plot_histogram`` (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._bits import bitstring
from ._dist import Counts
from ._errors import MissingDependencyError
from ._memory import Memory


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise MissingDependencyError(
            "plotting needs matplotlib: install qfmt[plot] (pip install 'qfmt[plot]')") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _label(dist: Any, k: int, width: int) -> str:
    if dist.layout is not None and dist.layout.width == width:
        return str(dist.layout.format(k))
    return bitstring(k, width)


def plot_histograms(series: Sequence[tuple[str, Any]], output: str, *, top: int = 16,
                    size: tuple[int, int] = (1000, 600), title: str | None = None) -> None:
    """Draw one bar group per outcome and one bar per series (side by side), as probabilities.

    Outcomes are ranked by their largest probability over all series; past ``top`` they are
    summed into an ``other`` bar, so 10+ qubit results stay readable.
    """
    plt = _matplotlib()
    dists = []
    for name, item in series:
        d = item.counts() if isinstance(item, Memory) else item
        total = d.shots() if isinstance(d, Counts) else 1.0
        probs = {k: v / total for k, v in d.items()} if total else {}
        dists.append((name, d, probs))
    score: dict[int, float] = {}
    for _, _, probs in dists:
        for k, p in probs.items():
            score[k] = max(score.get(k, 0.0), abs(p))
    ranked = sorted(score, key=lambda k: (-score[k], k))
    shown = sorted(ranked[:top])
    other = len(ranked) > top
    ref = dists[0][1]
    label_width = max(d.width for _, d, _ in dists)
    labels = [_label(ref, k, label_width) for k in shown]
    if other:
        labels.append(f"other ({len(ranked) - top})")
    w, h = size
    fig, ax = plt.subplots(figsize=(w / 100, h / 100), dpi=100)
    n = max(1, len(dists))
    width = 0.8 / n
    xs = range(len(labels))
    for i, (name, _, probs) in enumerate(dists):
        values = [probs.get(k, 0.0) for k in shown]
        if other:
            values.append(sum(p for k, p in probs.items() if k not in set(shown)))
        pos = [x - 0.4 + width * (i + 0.5) for x in xs]
        bars = ax.bar(pos, values, width=width, label=name)
        if len(labels) * n <= 40:
            ax.bar_label(bars, labels=[f"{v:.3f}" if v else "" for v in values], fontsize=7,
                         rotation=90 if n > 1 else 0, padding=2)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, rotation=60 if len(labels) > 8 or label_width > 6 else 0,
                       ha="right" if len(labels) > 8 or label_width > 6 else "center",
                       fontsize=8, family="monospace")
    ax.set_ylabel("probability")
    ax.set_ylim(0, max([0.0] + [max(p.values(), default=0) for _, _, p in dists]) * 1.15 or 1)
    if n > 1:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)
