"""Azure Quantum's job output formats ``microsoft.quantum-results.v1`` and ``.v2`` (as the
``azure-quantum`` SDK's ``Job.get_results``, ``get_results_histogram`` and ``get_results_shots``
read them).

Bit order: canonical bit *i* is ``Outcome[i]``, the *i*-th result recorded by the program. A tuple
of result arrays (``{"Item1": [...], "Item2": [...]}`` in JSON, ``([..], [..])`` in a display
string) is a set of registers ``Item1``, ``Item2``, ... laid end to end in recording order,
``Item1`` at bit 0 (a positional :class:`qfmt.RegisterLayout`).

- ``v1``: ``{"Histogram": ["[0, 1]", 0.5, "[1, 1]", 0.5]}``, flat pairs of display string and
  probability -> :class:`qfmt.ProbDistribution`.
- ``v2``: ``{"DataFormat": "microsoft.quantum-results.v2", "Results": [{"Histogram": [{"Outcome":
  [0, 1], "Display": "[0, 1]", "Count": 500}, ...], "Shots": [[0, 1], ...]}, ...]}`` ->
  :class:`qfmt.Result`, one experiment per ``Results`` item (a batch) with its shots as
  :class:`qfmt.Memory`. The histogram must agree with the shots; writing rebuilds it from them.
  An item with a ``Histogram`` and no ``Shots`` (azure-quantum's histogram reader takes it) is
  an experiment of :class:`qfmt.Counts` (its ``shots`` the total of every entry); its entries
  with a lost qubit are kept as they are in ``ExperimentResult.extra["lost_histogram"]``.
  Counts (with no memory) are written that way.

Lost qubits (Azure's ``"-"`` or ``2`` in an outcome) are never read as 0 or 1: in v2 they are the
memory's leakage marks (bit *i* leaked; the bit itself reads 0), so counts leave those shots out
unless ``include_leakage=True`` and writing v2 puts the marker back (``"-"``, or the payload's own
marker, kept in ``ExperimentResult.extra["loss_marker"]``). A v1 probability with a loss marker has
nowhere to go in a distribution: loading refuses it unless ``drop_lost=True``, which leaves those
outcomes out and rescales the rest (as the SDK's Qiskit provider does), noted in the provenance.

Shots that ended in an error (``{"Error": {...}}``) are kept apart too: out of the memory, in
``ExperimentResult.extra["shot_errors"]`` (``[{"shot": index, "Error": {...}}, ...]``) with their
histogram entries in ``extra["error_histogram"]``, and written back in place. Other keys of the
payload (top level, or of a ``Results`` item) are kept in ``Result.extra`` /
``ExperimentResult.extra`` and written back. Outcomes other than 0/1 results (integers, floats,
booleans, nested tuples) are not measured bits: loading refuses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

import qfmt
from qfmt import kit

V1 = "microsoft.quantum-results.v1"
V2 = "microsoft.quantum-results.v2"

#: What Azure writes for a lost qubit; ``2`` and ``"2"`` are read as loss too.
LOSS = "-"
_LOSS_MARKERS = ("-", 2, "2")
_OWN_EXTRA = ("shot_errors", "error_histogram", "loss_marker", "lost_histogram")


# -- outcomes ---------------------------------------------------------------------------------


def _bit(value: Any) -> int | None:
    """0 or 1 for a result, None for a loss marker; anything else raises ValueError."""
    if type(value) is int and value in (0, 1):
        return int(value)
    if (type(value) is int and value == 2) or (type(value) is str and value in ("-", "2")):
        return None
    raise ValueError(value)


def _registers_of(outcome: Any, fmt: str, path: str) -> list[list[Any]]:
    """A v2 outcome (a result array, or a tuple of them) -> its registers."""
    if type(outcome) is list:
        return [outcome]
    if type(outcome) is dict and outcome and all(type(k) is str for k in outcome):
        names = [f"Item{i + 1}" for i in range(len(outcome))]
        if set(outcome) != set(names):
            raise qfmt.PayloadError(fmt, path, "a tuple must have the keys Item1..ItemN, got "
                                    f"{sorted(outcome)}")
        regs = [outcome[n] for n in names]
        for n, r in zip(names, regs):
            if type(r) is not list:
                raise qfmt.PayloadError(fmt, kit.subpath(path, n),
                                        f"expected an array of results, got {kit.type_name(r)}: "
                                        "qfmt reads tuples of result arrays only")
        return regs
    raise qfmt.PayloadError(fmt, path, f"expected an array of results or a tuple of them, got "
                            f"{kit.type_name(outcome)}")


def _read_outcome(outcome: Any, fmt: str, path: str
                  ) -> tuple[list[int], list[bool], list[int], list[Any]]:
    """-> (bits, lost, register widths, loss markers seen)."""
    regs = _registers_of(outcome, fmt, path)
    bits: list[int] = []
    lost: list[bool] = []
    markers: list[Any] = []
    for k, reg in enumerate(regs):
        rpath = path if len(regs) == 1 and type(outcome) is list else kit.subpath(path, f"Item{k + 1}")
        if not reg:
            raise qfmt.PayloadError(fmt, rpath, "a result array must hold at least one result")
        for j, v in enumerate(reg):
            try:
                b = _bit(v)
            except ValueError:
                raise qfmt.PayloadError(fmt, kit.subpath(rpath, j),
                                        f"expected a result 0 or 1 (or a loss marker '-'), got "
                                        f"{v!r}") from None
            bits.append(0 if b is None else b)
            lost.append(b is None)
            if b is None:
                markers.append(v)
    return bits, lost, [len(r) for r in regs], markers


def _is_error(value: Any) -> bool:
    return type(value) is dict and set(value) == {"Error"}


def _display_register(bits: Sequence[int], lost: Sequence[bool], marker: Any) -> str:
    return "[" + ", ".join(str(marker) if m else str(b) for b, m in zip(bits, lost)) + "]"


def _display(bits: Sequence[int], lost: Sequence[bool], widths: Sequence[int],
             marker: Any) -> str:
    if len(widths) == 1:
        return _display_register(bits, lost, marker)
    parts, off = [], 0
    for w in widths:
        parts.append(_display_register(bits[off:off + w], lost[off:off + w], marker))
        off += w
    return "(" + ", ".join(parts) + ")"


def _layout(widths: Sequence[int]) -> qfmt.RegisterLayout | None:
    if len(widths) == 1:
        return None
    return qfmt.RegisterLayout([(f"Item{i + 1}", w) for i, w in enumerate(widths)],
                               positional=True)


def _widths_of(layout: qfmt.RegisterLayout | None, width: int) -> list[int]:
    if layout is None or len(layout.registers) <= 1:
        return [width]
    return [r.width for r in layout.registers]


# -- v1 ---------------------------------------------------------------------------------------

_V1_REG = r"\[\s*(?:[-012]\s*(?:,\s*[-012]\s*)*)?\]"
_V1_LIST = re.compile(rf"\s*{_V1_REG}\s*")
_V1_TUPLE = re.compile(rf"\s*\(\s*{_V1_REG}(?:\s*,\s*{_V1_REG})*\s*,?\s*\)\s*")
_V1_ITEM = re.compile(r"\[([^\[\]]*)\]")


def _v1_key(key: Any, path: str) -> tuple[list[int], list[bool], list[int]]:
    if type(key) is not str:
        raise qfmt.PayloadError(V1, path, f"expected an outcome string such as '[0, 1]', got "
                                f"{kit.type_name(key)}")
    if not (_V1_LIST.fullmatch(key) or _V1_TUPLE.fullmatch(key)):
        raise qfmt.PayloadError(V1, path, f"{key[:40]!r} is not an outcome such as '[0, 1]' or "
                                "'([0], [1, 0])'")
    bits: list[int] = []
    lost: list[bool] = []
    widths = []
    for inner in _V1_ITEM.findall(key):
        items = [s.strip() for s in inner.split(",")] if inner.strip() else []
        if not items:
            raise qfmt.PayloadError(V1, path, f"{key[:40]!r} has an empty result array")
        widths.append(len(items))
        for s in items:
            lost.append(s in ("-", "2"))
            bits.append(1 if s == "1" else 0)
    return bits, lost, widths


def _as_int(bits: Sequence[int]) -> int:
    return sum(1 << i for i, b in enumerate(bits) if b)


def parse_v1(payload: Any, *, atol: float = kit.PROB_ATOL, normalize: bool = False,
             drop_lost: bool = False) -> qfmt.ProbDistribution:
    """``{"Histogram": [display, probability, ...]}`` -> ProbDistribution (bit *i* =
    ``Outcome[i]``). Outcomes with a loss marker are refused unless ``drop_lost=True``."""
    obj = kit.expect_dict(payload, V1, "$")
    kit.expect_keys(obj, V1, "$", {"Histogram"})
    flat = kit.expect_list(obj["Histogram"], V1, "$.Histogram")
    if not flat:
        raise qfmt.PayloadError(V1, "$.Histogram", "expected at least one outcome, got none")
    if len(flat) % 2:
        raise qfmt.PayloadError(V1, "$.Histogram", f"expected outcome, probability pairs, got "
                                f"{len(flat)} items")
    read = kit.probability_reader(atol)
    outcomes: list[int] = []
    values: list[float] = []
    lost_p = 0.0
    lost_n = 0
    widths0: list[int] | None = None
    for k in range(0, len(flat), 2):
        kpath = kit.jpath("Histogram", k)
        bits, lost, widths = _v1_key(flat[k], kpath)
        if widths0 is None:
            widths0 = widths
        elif widths != widths0:
            raise qfmt.PayloadError(V1, kpath, f"outcome {flat[k]!r} has result arrays of "
                                    f"{widths} but the first outcome has {widths0}")
        p = read(flat[k + 1], V1, kit.jpath("Histogram", k + 1))
        if any(lost):
            if not drop_lost:
                raise qfmt.LossyConversionError(
                    f"{V1}: outcome {flat[k]!r} has a lost qubit, which a probability "
                    "distribution cannot mark; leaving it out would rescale the rest",
                    "drop_lost=True")
            lost_p += float(p)
            lost_n += 1
            continue
        outcomes.append(_as_int(bits))
        values.append(float(p))
    assert widths0 is not None
    width = sum(widths0)
    notes = []
    if lost_n:
        if not outcomes:
            raise qfmt.PayloadError(V1, "$.Histogram", "every outcome has a lost qubit: nothing "
                                    "is left with drop_lost=True")
        if not normalize:
            kit.check_sum(np.array([*values, lost_p]), V1, "$.Histogram", atol)
        arr = np.array(values) / sum(values)
        values = arr.tolist()
        notes.append(qfmt.Note("lost-excluded", f"{lost_n} outcomes with a lost qubit "
                               f"(probability {lost_p:.6g}) left out; the rest rescaled"))
    return kit.probabilities(outcomes, values, width=width, fmt=V1, path="$.Histogram",
                             layout=_layout(widths0), provenance=notes, atol=atol,
                             normalize=normalize)


def dump_v1(dist: qfmt.ProbDistribution) -> dict[str, Any]:
    """ProbDistribution -> ``{"Histogram": [display, probability, ...]}``."""
    widths = _widths_of(dist.layout, dist.width)
    flat: list[Any] = []
    rows = _bit_rows_of(dist.outcome_array, dist.width)
    nolost = [False] * dist.width
    for row, p in zip(rows, dist.value_array.tolist()):
        flat.append(_display(row, nolost, widths, LOSS))
        flat.append(p)
    return {"Histogram": flat}


def _bit_rows_of(outcomes: npt.NDArray[Any], width: int) -> list[list[int]]:
    if outcomes.dtype == np.uint64:
        shifts = np.arange(width, dtype=np.uint64)
        return ((outcomes[:, None] >> shifts) & np.uint64(1)).astype(np.uint8).tolist()  # type: ignore[no-any-return]
    return [[(int(o) >> i) & 1 for i in range(width)] for o in outcomes.tolist()]


# -- v2 ---------------------------------------------------------------------------------------


def _require(obj: dict[str, Any], path: str, keys: Sequence[str]) -> None:
    for key in keys:
        if key not in obj:
            raise qfmt.PayloadError(V2, path, f"missing key {key!r}")


def _fast_shots(shots: list[Any]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]] | None:
    """The common case (every shot a flat array of equal length): bits and loss in numpy."""
    if set(map(type, shots)) != {list} or len(set(map(len, shots))) != 1 or not shots[0]:
        return None
    if set(map(type, (v for s in shots for v in s))) != {int}:
        return None
    try:
        arr = np.array(shots, dtype=np.int64)
    except OverflowError:  # a value past 64 bits: the careful path names it
        return None
    if arr.min() < 0 or arr.max() > 2:
        return None
    lost = arr == 2
    return np.where(lost, 0, arr).astype(np.uint8), lost


def _parse_item(item: Any, i: int) -> qfmt.ExperimentResult:
    path = kit.jpath("Results", i)
    obj = kit.expect_dict(item, V2, path)
    _require(obj, path, ("Histogram",))
    hist = kit.expect_list(obj["Histogram"], V2, path + ".Histogram")
    extra: dict[str, Any] = {k: v for k, v in obj.items() if k not in ("Histogram", "Shots")}
    for k in _OWN_EXTRA:
        if k in extra:
            raise qfmt.PayloadError(V2, kit.subpath(path, k), f"{k!r} is a name qfmt keeps its "
                                    "own data under")
    if "Shots" not in obj:
        return _parse_histogram_only(hist, i, extra)
    shots = kit.expect_list(obj["Shots"], V2, path + ".Shots")
    if not shots:
        raise qfmt.PayloadError(V2, path + ".Shots", "expected at least one shot, got none")
    errors = [(s, shot) for s, shot in enumerate(shots) if _is_error(shot)]
    good = [shot for shot in shots if not _is_error(shot)] if errors else shots
    if not good:
        raise qfmt.PayloadError(V2, path + ".Shots", "every shot ended in an error: there are "
                                "no measured results")
    markers: set[Any] = set()
    fast = _fast_shots(good)
    if fast is not None:
        bits, lost = fast
        widths = [bits.shape[1]]
        if lost.any():
            markers.add(2)
    else:
        index = [s for s, shot in enumerate(shots) if not _is_error(shot)]
        rows, losts = [], []
        widths = []
        for j, shot in zip(index, good):
            spath = kit.jpath("Results", i, "Shots", j)
            b, m, w, seen = _read_outcome(shot, V2, spath)
            if not widths:
                widths = w
            elif w != widths:
                raise qfmt.PayloadError(V2, spath, f"shot {j} has result arrays of {w} but the "
                                        f"first shot has {widths}")
            rows.append(b)
            losts.append(m)
            markers.update(seen)
        bits = np.array(rows, dtype=np.uint8)
        lost = np.array(losts, dtype=bool)
    width = bits.shape[1]
    kit.check_width(width, V2, path + ".Shots[0]", "the number of results")
    mem = kit.memory_from_bits(bits, layout=_layout(widths))
    if lost.any():
        mem = kit.evolve(mem, leakage=np.packbits(lost, axis=1, bitorder="little"),
                         leakage_width=width)
        if len(markers) == 1 and next(iter(markers)) != LOSS:
            extra["loss_marker"] = next(iter(markers))
    error_hist = _check_histogram(hist, bits, lost, widths, len(errors), i)
    if errors:
        extra["shot_errors"] = [{"shot": s, "Error": e["Error"]} for s, e in errors]
        extra["error_histogram"] = error_hist
    return qfmt.ExperimentResult({"memory": mem}, shots=len(shots), extra=extra)


def _histogram_entries(hist: list[Any], i: int, widths: list[int] | None
                       ) -> Iterator[tuple[int, Any, int, tuple[list[int], list[bool],
                                                                list[int]] | None]]:
    """Each entry of the ``Histogram`` of ``Results`` item ``i``, checked: ``(index, entry,
    count, outcome)``, ``outcome`` None for an error entry, else ``(bits, lost marks, widths)``.
    Every outcome must have the result-array ``widths`` of the shots (None: of the first
    outcome); an outcome may not repeat."""
    seen: dict[tuple[tuple[int, ...], tuple[bool, ...]], int] = {}
    against = "the shots have" if widths is not None else "the first outcome has"
    for k, entry in enumerate(hist):
        hpath = kit.jpath("Results", i, "Histogram", k)
        e = kit.expect_dict(entry, V2, hpath)
        kit.expect_keys(e, V2, hpath, {"Outcome", "Count"}, {"Display"})
        count = kit.count_value(e["Count"], V2, hpath + ".Count")
        if "Display" in e and type(e["Display"]) is not str:
            raise qfmt.PayloadError(V2, hpath + ".Display", f"expected a string, got "
                                    f"{kit.type_name(e['Display'])}")
        if _is_error(e["Outcome"]):
            yield k, entry, count, None
            continue
        b, m, w, _ = _read_outcome(e["Outcome"], V2, hpath + ".Outcome")
        if widths is None:
            widths = w
        elif w != widths:
            raise qfmt.PayloadError(V2, hpath + ".Outcome", f"outcome has result arrays of {w} "
                                    f"but {against} {widths}")
        key = (tuple(b), tuple(m))
        if key in seen:
            raise qfmt.PayloadError(V2, hpath + ".Outcome", f"outcome repeats entry {seen[key]}")
        seen[key] = k
        yield k, entry, count, (b, m, w)


def _parse_histogram_only(hist: list[Any], i: int, extra: dict[str, Any]
                          ) -> qfmt.ExperimentResult:
    """A ``Results`` item with a ``Histogram`` and no ``Shots`` (azure-quantum's histogram reader
    takes it): its counts. Entries with a lost qubit, which counts cannot mark, are kept as they
    are in ``extra["lost_histogram"]`` (error entries in ``extra["error_histogram"]``); the
    experiment's ``shots`` is the total of every entry."""
    outcomes: list[int] = []
    values: list[int] = []
    lost_entries: list[Any] = []
    error_entries: list[Any] = []
    widths: list[int] | None = None
    total = 0
    for _, entry, count, outcome in _histogram_entries(hist, i, None):
        total += count
        if outcome is None:
            error_entries.append(entry)
            continue
        b, m, widths = outcome
        if any(m):
            lost_entries.append(entry)
            continue
        outcomes.append(_as_int(b))
        values.append(count)
    path = kit.jpath("Results", i, "Histogram")
    if widths is None:
        raise qfmt.PayloadError(V2, path, "a Results item without Shots needs at least one "
                                "measured outcome in its Histogram")
    counts = kit.counts(outcomes, values, width=sum(widths), fmt=V2, path=path,
                        layout=_layout(widths))
    if lost_entries:
        extra["lost_histogram"] = lost_entries
    if error_entries:
        extra["error_histogram"] = error_entries
    return qfmt.ExperimentResult({"counts": counts}, shots=total, extra=extra)


def _check_histogram(hist: list[Any], bits: npt.NDArray[np.uint8], lost: npt.NDArray[np.bool_],
                     widths: list[int], n_errors: int, i: int) -> list[Any]:
    """The histogram must count the shots; returns its error entries (kept as they are)."""
    path = kit.jpath("Results", i)
    error_entries = []
    error_total = 0
    outcomes = 0
    for k, entry, count, outcome in _histogram_entries(hist, i, widths):
        if outcome is None:
            error_entries.append(entry)
            error_total += count
            continue
        b, m, _ = outcome
        outcomes += 1
        shots = _count_rows(bits, lost, b, m)
        if count != shots:
            raise qfmt.PayloadError(V2, kit.jpath("Results", i, "Histogram", k) + ".Count",
                                    f"Count {count} but {shots} shots have this outcome")
    if error_total != n_errors:
        raise qfmt.PayloadError(V2, path + ".Histogram", f"the histogram counts {error_total} "
                                f"error shots but the shots hold {n_errors}")
    distinct = len(np.unique(np.concatenate([bits, lost.astype(np.uint8) * 2], axis=1), axis=0))
    if distinct != outcomes:
        raise qfmt.PayloadError(V2, path + ".Histogram", f"the histogram has {outcomes} "
                                f"outcomes but the shots have {distinct}")
    return error_entries


def _count_rows(bits: npt.NDArray[np.uint8], lost: npt.NDArray[np.bool_], b: list[int],
                m: list[bool]) -> int:
    return int(((bits == np.array(b, dtype=np.uint8)).all(axis=1) &
                (lost == np.array(m, dtype=bool)).all(axis=1)).sum())


def parse_v2(payload: Any) -> qfmt.Result:
    """``{"DataFormat": "microsoft.quantum-results.v2", "Results": [...]}`` -> Result, one
    experiment per ``Results`` item, each with its shots as Memory."""
    obj = kit.expect_dict(payload, V2, "$")
    _require(obj, "$", ("DataFormat", "Results"))
    if obj["DataFormat"] != V2:
        raise qfmt.PayloadError(V2, "$.DataFormat", f"expected {V2!r}, got {obj['DataFormat']!r}")
    items = kit.expect_list(obj["Results"], V2, "$.Results")
    if not items:
        raise qfmt.PayloadError(V2, "$.Results", "expected at least one result, got none")
    extra = {k: v for k, v in obj.items() if k not in ("DataFormat", "Results")}
    return qfmt.Result([_parse_item(item, i) for i, item in enumerate(items)], extra=extra)


def _lost_matrix(memory: qfmt.Memory, index: int) -> npt.NDArray[np.bool_]:
    n, w = len(memory), memory.width
    if memory.leakage is None:
        return np.zeros((n, w), dtype=bool)
    leak = np.unpackbits(memory.leakage, axis=1, bitorder="little",
                         count=memory.leakage_width).astype(bool)
    if memory.leakage_present is not None:
        leak[~memory.leakage_present] = False
    if leak[:, w:].any():
        raise qfmt.LossyConversionError(
            f"experiment {index}: leakage marks beyond the {w} measured bits cannot be written "
            "as loss markers")
    out = np.zeros((n, w), dtype=bool)
    out[:, :leak.shape[1]] = leak[:, :w]
    return out


def _render(bits: list[int], lost: list[bool], widths: list[int], marker: Any) -> Any:
    vals: list[Any] = [marker if m else b for b, m in zip(bits, lost)]
    if len(widths) == 1:
        return vals
    out, off = {}, 0
    for k, w in enumerate(widths):
        out[f"Item{k + 1}"] = vals[off:off + w]
        off += w
    return out


def _dump_counts(counts: qfmt.Counts, extra: dict[str, Any], marker: Any) -> dict[str, Any]:
    """A ``Results`` item of counts: a ``Histogram`` and no ``Shots`` (their order is unknown),
    the kept lost and error entries after the counted outcomes."""
    widths = _widths_of(counts.layout, counts.width)
    nolost = [False] * counts.width
    histogram: list[Any] = []
    for row, c in zip(_bit_rows_of(counts.outcome_array, counts.width),
                      counts.value_array.tolist()):
        histogram.append({"Outcome": _render(row, nolost, widths, marker),
                          "Display": _display(row, nolost, widths, marker), "Count": int(c)})
    histogram.extend(extra.pop("lost_histogram", []))
    histogram.extend(extra.pop("error_histogram", []))
    extra.pop("shot_errors", None)
    return {"Histogram": histogram, **extra}


def _dump_item(exp: qfmt.ExperimentResult, index: int, shots: int | None) -> dict[str, Any]:
    extra = dict(exp.extra)
    marker = extra.pop("loss_marker", LOSS)
    if marker not in _LOSS_MARKERS:
        marker = LOSS
    memory = exp.data.get("memory")
    if not isinstance(memory, qfmt.Memory):
        counts = exp.data.get("counts")
        probs = exp.data.get("probabilities")
        if not isinstance(counts, qfmt.Counts) and isinstance(probs, qfmt.ProbDistribution) \
                and shots is not None:
            counts = probs.to_counts(shots)
        if isinstance(counts, qfmt.Counts):
            return _dump_counts(counts, extra, marker)
        if isinstance(probs, qfmt.ProbDistribution):
            raise qfmt.LossyConversionError(
                f"experiment {index} holds probabilities and an Azure v2 Results item holds "
                "shots or counts: counts would be invented", "shots=N")
        held = sorted(k for k, v in exp.data.items() if isinstance(
            v, (qfmt.QuasiDistribution, qfmt.Memory, qfmt.Counts, qfmt.ProbDistribution)))
        raise qfmt.LossyConversionError(
            f"experiment {index} holds {held or 'no measured data'} and an Azure v2 Results "
            "item holds shots or counts (quasi-probabilities may be negative: use "
            "nearest_probability_distribution() first)")
    extra.pop("lost_histogram", None)
    shot_errors = extra.pop("shot_errors", [])
    error_hist = extra.pop("error_histogram", [])
    widths = _widths_of(memory.layout, memory.width)
    lost = _lost_matrix(memory, index)
    bits = (memory.to_bool() & ~lost).view(np.uint8)  # a lost qubit has no value
    # one row per distinct (bits, loss) pattern, in order of first appearance
    both = np.concatenate([bits, lost.view(np.uint8)], axis=1)
    uniq, first, inverse, counts = np.unique(both, axis=0, return_index=True,
                                             return_inverse=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    w = memory.width
    histogram: list[Any] = []
    rendered = []
    for u in order.tolist():
        b = uniq[u, :w].tolist()
        m = uniq[u, w:].astype(bool).tolist()
        out = _render(b, m, widths, marker)
        rendered.append(out)
        histogram.append({"Outcome": out, "Display": _display(b, m, widths, marker),
                          "Count": int(counts[u])})
    histogram.extend(error_hist)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    per_shot = rank[np.asarray(inverse).reshape(-1)]
    rows: list[Any] = [rendered[k] if len(widths) > 1 else list(rendered[k])
                       for k in per_shot.tolist()]
    for e in sorted(shot_errors, key=lambda e: e["shot"]):
        rows.insert(int(e["shot"]), {"Error": e["Error"]})
    return {"Histogram": histogram, "Shots": rows, **extra}


def dump_v2(result: qfmt.Result, *, shots: int | None = None) -> dict[str, Any]:
    """Result (one experiment per ``Results`` item, each with memory, or counts written as a
    ``Histogram`` without ``Shots``) -> v2 payload. ``shots=N`` turns probabilities into counts
    of N shots (largest remainder, noted in the provenance)."""
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 1):
        raise qfmt.OptionError(f"shots= must be a positive int, got {shots!r}")
    items = [_dump_item(exp, i, shots) for i, exp in enumerate(result.results)]
    return {"DataFormat": V2, "Results": items, **dict(result.extra)}


_ORDER = "bit i is Outcome[i], the i-th result recorded; tuple items follow in order (Item1 first)"


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """Azure Quantum's two result formats."""
    return [
        qfmt.Format(V1, "Azure Quantum histogram: flat [display, probability, ...] pairs",
                    parse_v1, dump_v1, kit.load_schema(V1), qfmt.ProbDistribution,
                    score=0.9, registers=False, bit_order=_ORDER,
                    capabilities=frozenset()),
        qfmt.Format(V2, "Azure Quantum results: per-item Histogram and Shots (batches)",
                    parse_v2, dump_v2, kit.load_schema(V2), qfmt.Result, None,
                    score=0.9, registers=False, carries_leakage=True,
                    bit_order=_ORDER,
                    capabilities={"experiments", "shot-order", "shots", "leakage"}),
    ]
