"""Notebook views: the ``_repr_html_`` of the canonical objects (registered as views, see
:mod:`qfmt._views`; the short text summaries reprs share live with the model).

Every view is bounded: a distribution shows its ``TOP_ROWS`` largest values (by magnitude) and
says how many more there are, so a 2**20-outcome result renders as fast as a small one. All text
that comes from data (register names, header fields, notes) is HTML-escaped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dist import Counts, Distribution
from ._expectations import Expectations
from ._layout import layout_text, width_text
from ._memory import Memory
from ._results import ExperimentResult, RegisterMarginals, Result, value_text
from ._views import provides

#: Rows shown for one distribution; the rest is summarised as "N more".
TOP_ROWS = 16
#: Experiments of a Result, registers of a RegisterMarginals, blocks of Expectations shown.
TOP_ITEMS = 8
#: Provenance notes shown.
TOP_NOTES = 6

_STYLE = ("font-family: monospace; font-size: 12px; border-collapse: collapse; "
          "margin: 2px 0 6px 0")
_CELL = "padding: 1px 8px; text-align: left"


def escape(text: str) -> str:
    """``html.escape(text)``, written out: ``import qfmt`` registers these views, and the ``html``
    module would load its table of 2,000 entities with it."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def _notes(provenance: tuple[Any, ...]) -> str:
    if not provenance:
        return ""
    items = "".join(f"<li>{escape(str(n))}</li>" for n in provenance[:TOP_NOTES])
    more = len(provenance) - TOP_NOTES
    if more > 0:
        items += f"<li>... {more:,} more notes</li>"
    return f"<ul style='margin: 0 0 4px 0; font-size: 11px'>{items}</ul>"


def _fmt_value(v: float, counts: bool) -> str:
    if counts:
        return f"{int(v):,}"
    r = float(v)
    return "0" if r == 0 else f"{r:.6g}"


def _summary(dist: Any) -> str:
    parts = []
    if isinstance(dist, Counts):
        parts.append(f"{dist.shots():,} shots")
    elif getattr(dist, "shots", None):
        parts.append(f"{dist.shots:,} shots")
    parts.append(f"{len(dist):,} outcomes")
    parts.append(f"width {width_text(dist.width, dist.width_inferred)}")
    if dist.layout is not None:
        parts.append(f"registers {layout_text(dist.layout)}")
    return ", ".join(parts)


@provides
def dist_html(dist: Distribution[Any], title: str | None = None, rows: int = TOP_ROWS) -> str:
    """A distribution as a table of its largest values with bars (negative ones in red)."""
    counts = isinstance(dist, Counts)
    values = np.asarray(dist.value_array, dtype=np.float64)
    mags = np.abs(values)
    top = np.argsort(-mags, kind="stable")[:rows]
    peak = float(mags.max()) if mags.size else 0.0
    total = dist.shots() if isinstance(dist, Counts) else 0
    body = []
    for i in top.tolist():
        v = float(values[i])
        pct = 100.0 * abs(v) / peak if peak else 0.0
        colour = "#d62728" if v < 0 else "#1f77b4"
        bar = (f"<div style='background: {colour}; height: 10px; width: {pct:.1f}%; "
               "min-width: 1px'></div>")
        share = f" ({100.0 * v / total:.1f}%)" if counts and total else ""
        body.append(f"<tr><td style='{_CELL}'>{escape(dist.display_key(int(dist.outcome_array[i])))}"
                    f"</td><td style='{_CELL}; text-align: right'>{_fmt_value(v, counts)}{share}"
                    f"</td><td style='{_CELL}; width: 160px'>{bar}</td></tr>")
    more = len(dist) - len(body)
    if more > 0:
        body.append(f"<tr><td style='{_CELL}' colspan='3'>... {more:,} more outcomes</td></tr>")
    head = escape(title if title is not None else type(dist).__name__)
    return (f"<div><b>{head}</b>: {escape(_summary(dist))}"
            f"<table style='{_STYLE}'><tr><th style='{_CELL}'>outcome</th>"
            f"<th style='{_CELL}'>{'count' if counts else 'value'}</th><th></th></tr>"
            f"{''.join(body)}</table>{_notes(dist.provenance)}</div>")


@provides
def memory_html(mem: Memory, title: str | None = None) -> str:
    """Per-shot memory: its size and the table of its most frequent outcomes."""
    parts = [f"{len(mem):,} shots", f"width {width_text(mem.width, mem.width_inferred)}"]
    if mem.layout is not None:
        parts.append(f"registers {layout_text(mem.layout)}")
    if mem.leakage is not None:
        parts.append(f"{int(mem.leaked().sum()):,} with leakage")
    head = escape(title if title is not None else "Memory")
    counts = mem.counts()
    return (f"<div><b>{head}</b>: {escape(', '.join(parts))}"
            f"{dist_html(counts, title='counted', rows=TOP_ROWS // 2)}"
            f"{_notes(mem.provenance)}</div>")


def any_html(value: Any, title: str | None = None) -> str:
    """The view of any object an experiment may hold."""
    if isinstance(value, Distribution):
        return dist_html(value, title)
    if isinstance(value, Memory):
        return memory_html(value, title)
    head = f"<b>{escape(title)}</b>: " if title is not None else ""
    return f"<div>{head}{escape(value_text(value))}</div>"


@provides
def marginals_html(m: RegisterMarginals) -> str:
    """One table per register (at most ``TOP_ITEMS``)."""
    names = list(m.registers)
    joint = f", joint register {m.joint_register!r}" if m.joint_register is not None else ""
    out = [f"<div><b>RegisterMarginals</b>: {len(names):,} registers{escape(joint)}"]
    for name in names[:TOP_ITEMS]:
        out.append(dist_html(m.registers[name], title=f"register {name}", rows=TOP_ROWS // 2))
    if len(names) > TOP_ITEMS:
        out.append(f"<div>... {len(names) - TOP_ITEMS:,} more registers</div>")
    out.append(_notes(m.provenance) + "</div>")
    return "".join(out)


@provides
def experiment_html(exp: ExperimentResult, index: int | None = None) -> str:
    """An experiment: its name, shots, status and each data field."""
    bits = []
    if exp.name is not None:
        bits.append(f"name {exp.name!r}")
    if exp.shots is not None:
        bits.append(f"shots {exp.shots}")
    labels = getattr(exp, "measured_qubits", None)
    if labels is not None:
        shown = ", ".join(map(str, labels[:16])) + (", ..." if len(labels) > 16 else "")
        bits.append(f"measured qubits [{shown}]")
    if not exp.success:
        bits.append("FAILED" + (f" ({exp.status})" if exp.status else ""))
    label = "ExperimentResult" if index is None else f"experiment {index}"
    out = [f"<div><b>{label}</b>: {escape(', '.join(bits) or 'no header')}"
           "<div style='margin-left: 12px'>"]
    for key, value in list(exp.data.items())[:TOP_ITEMS]:
        out.append(any_html(value, title=str(key)))
    if len(exp.data) > TOP_ITEMS:
        out.append(f"<div>... {len(exp.data) - TOP_ITEMS:,} more fields</div>")
    out.append("</div></div>")
    return "".join(out)


@provides
def result_html(res: Result) -> str:
    """A job's result: its top-level fields and its first ``TOP_ITEMS`` experiments."""
    fields = [f"{k} {v!r}" for k, v in (("backend", res.backend_name), ("job_id", res.job_id),
                                         ("status", res.status)) if v is not None]
    if not res.success:
        fields.append("FAILED")
    fields.append(f"{len(res.results):,} experiments")
    out = [f"<div><b>Result</b>: {escape(', '.join(fields))}"]
    for i, exp in enumerate(res.results[:TOP_ITEMS]):
        out.append(experiment_html(exp, i))
    if len(res.results) > TOP_ITEMS:
        out.append(f"<div>... {len(res.results) - TOP_ITEMS:,} more experiments</div>")
    out.append("</div>")
    return "".join(out)


def _preview(arr: Any, n: int = 4) -> str:
    flat = np.asarray(arr).ravel()
    head = ", ".join(f"{float(x):.4g}" if np.isrealobj(flat) else str(x) for x in flat[:n])
    return f"[{head}{', ...' if flat.size > n else ''}]"


@provides
def expectations_html(e: Expectations) -> str:
    """Estimator results: one row per block with its shape, fields and first values."""
    rows = []
    for i, block in enumerate(e.pubs[:TOP_ROWS]):
        evs = _preview(block.data["evs"]) if "evs" in block.data else ""
        stds = _preview(block.data["stds"]) if "stds" in block.data else ""
        rows.append(f"<tr><td style='{_CELL}'>{i}</td><td style='{_CELL}'>{block.shape}</td>"
                    f"<td style='{_CELL}'>{escape(', '.join(block.fields))}</td>"
                    f"<td style='{_CELL}'>{escape(evs)}</td><td style='{_CELL}'>{escape(stds)}"
                    "</td></tr>")
    if len(e.pubs) > TOP_ROWS:
        rows.append(f"<tr><td style='{_CELL}' colspan='5'>... {len(e.pubs) - TOP_ROWS:,} more "
                    "blocks</td></tr>")
    return (f"<div><b>Expectations</b>: {len(e.pubs):,} blocks<table style='{_STYLE}'><tr>"
            + "".join(f"<th style='{_CELL}'>{h}</th>" for h in
                      ("pub", "shape", "fields", "evs", "stds"))
            + f"</tr>{''.join(rows)}</table>{_notes(e.provenance)}</div>")
