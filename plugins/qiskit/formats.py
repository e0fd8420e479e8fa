"""Qiskit's result formats, read and written without Qiskit installed.

- ``qiskit.result.json.v1``: the dict of ``Result.to_dict()`` / ``Result.from_dict()``.
- ``qiskit.counts.json.v1``: ``get_counts()`` output, bitstring keys with register spaces.
- ``qiskit.memory.json.v1``: ``get_memory()`` output, one formatted bitstring per shot.
- ``qiskit.probabilities.json.v1`` / ``qiskit.quasi.json.v1``: ``ProbDistribution`` /
  ``QuasiDistribution`` as JSON, zero-padded bitstring keys.

Keys: clbit 0 is the rightmost character (the project rule). Every serializer takes the
classical-bit map options that turn IonQ qubits into Qiskit classical bits:

- ``meas_mapped``: ``meas_mapped[clbit] = qubit`` (None: an unmeasured clbit, reads 0); outcomes
  that land on the same clbits are summed. For a multi-experiment Result, a dict keyed by child job
  id, experiment name or index applies a map per experiment.
- ``clbit_labels`` (``[[register, index], ...]``): with per-shot registers (IonQ shots v2), folds
  the registers into global clbits by name; it also defines the layout.
- ``creg_sizes`` (``[[name, size], ...]``) and ``memory_slots``: the Qiskit register layout.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import qfmt
from qfmt import kit

PROB_ATOL = kit.PROB_ATOL

RESULT = "qiskit.result.json.v1"
COUNTS = "qiskit.counts.json.v1"
MEMORY = "qiskit.memory.json.v1"
PROBS = "qiskit.probabilities.json.v1"
QUASI = "qiskit.quasi.json.v1"

TOP_KEYS = ("backend_name", "backend_version", "date", "header", "job_id", "status", "success",
            "results")
EXP_KEYS = ("shots", "success", "data", "meas_level")
EXP_OPTIONAL = ("header", "status", "seed", "meas_return")
#: A key of ``ExperimentResult.extra`` (never written): the source had a ``header`` key, even an
#: empty one, so the dump writes ``"header": {}`` again as Qiskit does.
HEADER_PRESENT = "qfmt:header-present"
#: A key of ``ExperimentResult.extra`` (never written): the source experiment had memory and no
#: counts, so the dump does not add counts derived from the memory (the round trip stays exact).
NO_COUNTS = "qfmt:no-counts"
#: The experiment header key with which qfmt marks the data fields it wrote from its own
#: distributions over the classical bits (``{"probabilities": "probabilities"}``, ``"quasi"``).
#: Without it, a ``probabilities`` or ``quasi`` data field is Aer save data (over the qubits
#: the save instruction named, or a list), kept verbatim and never read as the distribution
#: of the classical bits.
CLBIT_DISTRIBUTIONS = "qfmt_clbit_distributions"
#: A key qfmt writes in an experiment's header: the qubit each classical bit measured
#: (``ExperimentResult.measured_qubits``: Braket's ``measuredQubits``), which Qiskit's Result
#: dict has no field for. Qiskit keeps header keys it does not know, so it round-trips.
MEASURED_QUBITS = "qfmt_measured_qubits"


# -- JSON safety --------------------------------------------------------------------------------


#: What :func:`json_scalar` returns for a value that is not a JSON scalar.
NOT_SCALAR = object()


def json_scalar(value: Any, fmt: str, path: str) -> Any:
    """``value`` as a JSON scalar (None, bool, str, int, finite float; numpy integers and floats
    become Python's), :data:`NOT_SCALAR` for anything else; a NaN or infinity is an error."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            raise qfmt.PayloadError(fmt, path, f"{f!r} cannot be written as JSON")
        return f
    return NOT_SCALAR


def json_safe(value: Any, path: str = "$") -> Any:
    """Make a value valid JSON: dates as ISO strings, complex as [re, im], numpy scalars and
    arrays as numbers and lists, tuples as lists. Anything else unknown is an error, not a
    silently broken file."""
    scalar = json_scalar(value, RESULT, path)
    if scalar is not NOT_SCALAR:
        return scalar
    if isinstance(value, (complex, np.complexfloating)):
        return [json_safe(value.real, path), json_safe(value.imag, path)]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return json_safe(np.stack([value.real, value.imag], axis=-1), path)
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, kit.subpath(path, str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, kit.subpath(path, i)) for i, v in enumerate(value)]
    raise qfmt.PayloadError(RESULT, path, f"a {type(value).__name__} cannot be written as JSON")


# -- headers and layouts ------------------------------------------------------------------------


def _layout_from_header(header: Mapping[str, Any], fmt: str, path: str
                        ) -> tuple[int | None, qfmt.RegisterLayout | None]:
    """(memory_slots, layout) declared by an experiment header; checks they agree."""
    slots = header.get("memory_slots")
    if slots is not None:
        slots = kit.check_width(slots, fmt, kit.subpath(path, "memory_slots"), "memory_slots")
    sizes = header.get("creg_sizes")
    layout = None
    if sizes is not None:
        p = kit.subpath(path, "creg_sizes")
        regs = []
        for i, item in enumerate(kit.expect_list(sizes, fmt, p)):
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise qfmt.PayloadError(fmt, kit.subpath(p, i), "expected [name, size]")
            regs.append((item[0], kit.check_width(item[1], fmt, kit.subpath(p, i, 1), "size")))
        try:
            layout = qfmt.RegisterLayout(regs)
        except ValueError as exc:
            raise qfmt.PayloadError(fmt, p, str(exc)) from None
        if slots is not None and layout.width > slots:
            raise qfmt.PayloadError(fmt, p, f"creg_sizes add up to {layout.width} bits but "
                                    f"memory_slots is {slots}")
        if slots is None or layout.width != slots:
            # Qiskit splits keys only when both are known. Fewer register bits than memory
            # slots: the circuit has loose clbits (``Clbit()`` outside any register), whose
            # positions the header does not give; the data keeps every clbit at its position
            # and the header (creg_sizes included) is kept as it was.
            layout = None
    return slots, layout


def _check_fits(outcomes: Any, width: int | None, fmt: str, path: str,
                raw_keys: Sequence[str]) -> None:
    arr = np.asarray(outcomes, dtype=object if len(outcomes) and not isinstance(
        outcomes, np.ndarray) else None)
    if width is None or arr.size == 0 or int(arr.max()).bit_length() <= width:
        return
    for k, raw in zip(arr.tolist(), raw_keys):
        if int(k).bit_length() > width:
            raise qfmt.PayloadError(fmt, kit.subpath(path, raw),
                                    f"outcome {raw} is wider than memory_slots={width}")


# -- parsing qiskit.result.json.v1 ------------------------------------------------------------


def _complex_array(value: Any, fmt: str, path: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise qfmt.PayloadError(fmt, path, "expected nested [re, im] pairs of numbers") from None
    if arr.ndim == 0 or arr.shape[-1] != 2 or not np.isfinite(arr).all():
        raise qfmt.PayloadError(fmt, path, "expected nested [re, im] pairs of finite numbers")
    return arr[..., 0] + 1j * arr[..., 1]


def _widest(values: Any) -> int:
    """Bit length of the largest outcome (a uint64 array or a list of Python ints)."""
    if len(values) == 0:
        return 0
    return int(values.max() if isinstance(values, np.ndarray) else max(values)).bit_length()


def _parse_memory(items: Any, fmt: str, path: str, slots: int | None,
                  layout: qfmt.RegisterLayout | None) -> qfmt.Memory:
    items = kit.expect_list(items, fmt, path)
    values = kit.hex_shots(items, fmt, path)  # a uint64 array, or Python ints past 64 bits
    top = _widest(values)
    if slots is not None and top > slots:
        bad = next(i for i, v in enumerate(values) if int(v).bit_length() > slots)
        raise qfmt.PayloadError(fmt, kit.subpath(path, bad),
                                f"{items[bad]} is wider than memory_slots={slots}")
    width = slots if slots is not None else max(top, 1)
    return kit.evolve(kit.memory_from_ints(values, width=width, layout=layout),
                      width_inferred=slots is None)


def _marked(header: Mapping[str, Any], path: str) -> dict[str, str]:
    """The data fields the header marks as qfmt's distributions over the classical bits."""
    marks = header.get(CLBIT_DISTRIBUTIONS)
    if marks is None:
        return {}
    p = kit.subpath(path, CLBIT_DISTRIBUTIONS)
    marks = kit.expect_dict(marks, RESULT, p)
    for key, kind in marks.items():
        if kind not in ("probabilities", "quasi"):
            raise qfmt.PayloadError(RESULT, kit.subpath(p, key),
                                    f"expected 'probabilities' or 'quasi', got {kind!r}")
    return dict(marks)


def _complex_or_verbatim(value: Any, path: str) -> Any:
    """A statevector / unitary as a list of [re, im] pairs: a complex array (checked); a dict
    (Aer's conditional save data keyed by memory, an encoder's own envelope) verbatim."""
    return value if isinstance(value, dict) else _complex_array(value, RESULT, path)


def _parse_data(data: Any, meas_level: int, header: Mapping[str, Any], path: str
                ) -> dict[str, Any]:
    data = kit.expect_dict(data, RESULT, path)
    hpath = path.rsplit(".data", 1)[0] + ".header"
    slots, layout = _layout_from_header(header, RESULT, hpath)
    marks = _marked(header, hpath)
    for key in marks:
        if key not in data or key in ("counts", "memory"):
            raise qfmt.PayloadError(RESULT, kit.subpath(hpath, CLBIT_DISTRIBUTIONS, key),
                                    f"marks data field {key!r}, which is "
                                    + ("not in the data" if key not in data else "not one"))
    out: dict[str, Any] = {}
    for key, value in data.items():
        p = kit.subpath(path, key)
        if key == "counts":
            outcomes, values, kw, _ = kit.outcome_items(value, RESULT, kit.count_value, p,
                                                        allow_empty=True)
            _check_fits(outcomes, slots, RESULT, p, list(value))
            out[key] = kit.counts(outcomes, values, width=slots, key_width=kw, fmt=RESULT,
                                  path=p, option="memory_slots", layout=layout)
        elif key == "memory" and meas_level == 2:
            out[key] = _parse_memory(value, RESULT, p, slots, layout)
        elif key == "memory":
            _complex_array(value, RESULT, p)
            out[key] = value  # level 0/1: raw [re, im] lists, kept untouched
        elif key in ("statevector", "unitary"):
            out[key] = _complex_or_verbatim(value, p)
        elif marks.get(key) == "probabilities":
            # what dump_result writes for a ProbDistribution (hex keys), read back as one
            read: Any = kit.probability_reader(PROB_ATOL)
            outcomes, values, kw, _ = kit.outcome_items(value, RESULT, read, p)
            _check_fits(outcomes, slots, RESULT, p, list(value))
            out[key] = kit.probabilities(outcomes, values, width=slots, key_width=kw, fmt=RESULT,
                                         path=p, option="memory_slots", layout=layout)
        elif marks.get(key) == "quasi":
            qread: Any = kit.quasi_value
            outcomes, values, kw, _ = kit.outcome_items(value, RESULT, qread, p)
            _check_fits(outcomes, slots, RESULT, p, list(value))
            out[key] = kit.quasi(outcomes, values, width=slots, key_width=kw, fmt=RESULT,
                                 path=p, option="memory_slots", layout=layout)
        else:
            # Aer save data (probabilities, density_matrix, custom labels, ...) and any other
            # field: the simulator's own data, kept verbatim, never a classical distribution
            out[key] = value
    return out


def _parse_experiment(exp: Any, path: str) -> qfmt.ExperimentResult:
    exp = kit.expect_dict(exp, RESULT, path)
    for key in ("shots", "success", "data"):
        if key not in exp:
            raise qfmt.PayloadError(RESULT, path, f"missing key {key!r}")
    shots = exp["shots"]
    sp = kit.subpath(path, "shots")
    if isinstance(shots, list):
        if len(shots) != 2:
            raise qfmt.PayloadError(RESULT, sp, "shots must be an int or a [start, end] pair")
        shots = (kit.count_value(shots[0], RESULT, kit.subpath(sp, 0)),
                 kit.count_value(shots[1], RESULT, kit.subpath(sp, 1)))
    else:
        shots = kit.count_value(shots, RESULT, sp)
    success = exp["success"]
    if not isinstance(success, bool):
        raise qfmt.PayloadError(RESULT, kit.subpath(path, "success"), "expected true or false")
    meas_level = exp.get("meas_level", 2)
    if meas_level not in (0, 1, 2) or isinstance(meas_level, bool):
        raise qfmt.PayloadError(RESULT, kit.subpath(path, "meas_level"),
                                f"meas_level must be 0, 1 or 2, got {meas_level!r}")
    header = exp.get("header") or {}
    header = kit.expect_dict(header, RESULT, kit.subpath(path, "header"))
    data = _parse_data(exp["data"], meas_level, header, kit.subpath(path, "data"))
    extra = {k: v for k, v in exp.items() if k not in EXP_KEYS + EXP_OPTIONAL}
    measured = header.get(MEASURED_QUBITS)
    if measured is not None:
        mpath = kit.subpath(path, "header", MEASURED_QUBITS)
        measured = kit.expect_list(measured, RESULT, mpath)
        for i, q in enumerate(measured):
            if isinstance(q, bool) or not isinstance(q, (int, str)):
                raise qfmt.PayloadError(RESULT, kit.jpath(mpath, i),
                                        f"expected a qubit index or label, got {kit.type_name(q)}")
    if CLBIT_DISTRIBUTIONS in header or MEASURED_QUBITS in header:  # rewritten by the dump
        header = {k: v for k, v in header.items()
                  if k not in (CLBIT_DISTRIBUTIONS, MEASURED_QUBITS)}
    if "header" in exp and exp["header"] is not None and not header:
        extra[HEADER_PRESENT] = True
    if "memory" in data and "counts" not in data:
        extra[NO_COUNTS] = True
    job_id = extra.get("job_id")
    try:
        return qfmt.ExperimentResult(
            data, shots=shots, success=success, meas_level=meas_level, header=header,
            status=exp.get("status"), seed=exp.get("seed"), meas_return=exp.get("meas_return"),
            job_id=job_id if isinstance(job_id, str) else None, extra=extra,
            measured_qubits=None if measured is None else tuple(measured))
    except ValueError as exc:
        raise qfmt.PayloadError(RESULT, kit.subpath(path, "header", MEASURED_QUBITS),
                                str(exc)) from None


def parse_result(payload: Any) -> qfmt.Result:
    """Qiskit's ``Result.to_dict()`` (2.x, and 1.x with ``qobj_id``) -> Result. Unknown keys at
    every level are kept for the round trip."""
    obj = kit.expect_dict(payload, RESULT, "$")
    for key in ("results", "success"):
        if key not in obj:
            raise qfmt.PayloadError(RESULT, "$", f"missing key {key!r}")
    results = kit.expect_list(obj["results"], RESULT, "$.results")
    if not isinstance(obj["success"], bool):
        raise qfmt.PayloadError(RESULT, "$.success", "expected true or false")
    header = obj.get("header")
    if header is not None:
        header = kit.expect_dict(header, RESULT, "$.header")
    for key in ("backend_name", "backend_version", "date", "job_id", "status"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise qfmt.PayloadError(RESULT, kit.jpath(key),
                                    f"expected a string or null, got {kit.type_name(value)}")
    exps = [_parse_experiment(e, kit.jpath("results", i)) for i, e in enumerate(results)]
    extra = {k: v for k, v in obj.items() if k not in TOP_KEYS}
    return qfmt.Result(
        exps, backend_name=obj.get("backend_name"), backend_version=obj.get("backend_version"),
        date=obj.get("date"), header=header, job_id=obj.get("job_id"), status=obj.get("status"),
        success=obj["success"], extra=extra)


# -- the classical-bit map ----------------------------------------------------------------------


def _sizes(value: Any, name: str) -> list[tuple[str, int]]:
    try:
        return [(str(n), int(w)) for n, w in value]
    except (TypeError, ValueError):
        raise qfmt.OptionError(f"{name} must be [[name, size], ...], got {value!r}") from None


def _map_for(options: Mapping[str, Any], exp: qfmt.ExperimentResult | None, index: int
             ) -> dict[str, Any]:
    """The bit-map options that apply to one experiment (per-experiment dicts resolved)."""
    out = {}
    for key, value in options.items():
        if value is not None and isinstance(value, Mapping):
            keys = [index, str(index)] + ([exp.job_id, exp.name] if exp is not None else [])
            found = [value[k] for k in keys if k is not None and k in value]
            value = found[0] if found else None
        out[key] = value
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_bit_map(meas_mapped: Any, clbit_labels: Any, memory_slots: Any) -> None:
    """The bit-map options' shapes, as OptionErrors: ``meas_mapped`` a list of qubit indices or
    None, ``clbit_labels`` a list of [register name, index] pairs, ``memory_slots`` an int."""
    if meas_mapped is not None and (isinstance(meas_mapped, (str, bytes, Mapping)) or
                                    not isinstance(meas_mapped, Sequence) or
                                    not all(q is None or (_is_int(q) and q >= 0)
                                            for q in meas_mapped)):
        raise qfmt.OptionError(f"meas_mapped must be a list of qubit indices (or null for an "
                               f"unmeasured clbit), got {kit.short_repr(meas_mapped)}")
    if clbit_labels is not None and (isinstance(clbit_labels, (str, bytes, Mapping)) or
                                     not isinstance(clbit_labels, Sequence) or not all(
            isinstance(p, Sequence) and not isinstance(p, (str, bytes)) and len(p) == 2
            and isinstance(p[0], str) and _is_int(p[1]) and p[1] >= 0 for p in clbit_labels)):
        raise qfmt.OptionError(f"clbit_labels must be a list of [register name, index] pairs, "
                               f"got {kit.short_repr(clbit_labels)}")
    if memory_slots is not None and not (_is_int(memory_slots) and memory_slots >= 0):
        raise qfmt.OptionError(f"memory_slots must be a non-negative int, got "
                               f"{kit.short_repr(memory_slots)}")


def apply_bit_map(obj: Any, *, meas_mapped: Sequence[int | None] | None = None,
                  clbit_labels: Sequence[Sequence[Any]] | None = None,
                  creg_sizes: Sequence[Sequence[Any]] | None = None,
                  memory_slots: int | None = None) -> Any:
    """Turn qubit-indexed data (IonQ) into Qiskit classical bits, as described in the module
    docstring. Returns ``obj`` unchanged when no option is given."""
    if meas_mapped is None and clbit_labels is None and creg_sizes is None and memory_slots is None:
        return obj
    _check_bit_map(meas_mapped, clbit_labels, memory_slots)
    layout = None
    if creg_sizes is not None:
        layout = qfmt.RegisterLayout(_sizes(creg_sizes, "creg_sizes"))
    elif clbit_labels is not None:
        order: dict[str, int] = {}
        for name, idx in clbit_labels:
            order[str(name)] = max(order.get(str(name), 0), int(idx) + 1)
        layout = qfmt.RegisterLayout(list(order.items()))
    width = memory_slots if memory_slots is not None else (
        len(meas_mapped) if meas_mapped is not None else (
            layout.width if layout is not None else obj.width))
    if layout is not None and layout.width != width:
        raise qfmt.OptionError(f"creg_sizes/clbit_labels cover {layout.width} bits but "
                               f"memory_slots is {width}")
    src_layout = getattr(obj, "layout", None)
    sources: list[int | None]
    if clbit_labels is not None and src_layout is not None and (
            not src_layout.positional or any(str(n) in src_layout for n, _ in clbit_labels)):
        sources, how = _fold_by_labels(src_layout, clbit_labels, width)
    elif meas_mapped is not None:
        if len(meas_mapped) != width:
            raise qfmt.OptionError(f"meas_mapped has {len(meas_mapped)} entries for {width} "
                                   "classical bits")
        sources = [None if q is None else int(q) for q in meas_mapped]
        how = f"qubits mapped to classical bits by meas_mapped {list(meas_mapped)}"
    else:
        if width < obj.width and _bit_length(obj) > width:
            raise qfmt.OptionError(f"memory_slots={width} is narrower than the data "
                                   f"({obj.width} bits); pass meas_mapped to choose the bits")
        sources = [i if i < obj.width else None for i in range(width)]
        how = None
    return kit.map_bits(obj, sources, layout, how)


def _fold_by_labels(src: qfmt.RegisterLayout, clbit_labels: Sequence[Sequence[Any]], width: int
                    ) -> tuple[list[int | None], str]:
    """Sources of the global clbits named by ``clbit_labels`` in per-register data.

    The absent-register rule (as qiskit-ionq's ``_format_result_qasm3``): a register named in
    ``clbit_labels`` but absent from the data (a classical register the circuit never measured
    into, which IonQ does not report) reads 0, and the provenance names it. Labels that name no
    register of the data at all, or an index past a present register's width, are refused:
    they describe another circuit."""
    if len(clbit_labels) != width:
        raise qfmt.OptionError(f"clbit_labels has {len(clbit_labels)} entries for "
                               f"{width} classical bits")
    labels = [(str(n), int(i)) for n, i in clbit_labels]
    absent = sorted({n for n, _ in labels if n not in src})
    if len(absent) == len({n for n, _ in labels}):
        raise qfmt.OptionError(f"clbit_labels name registers {absent}, none of which is in the "
                               f"data (registers {list(src.names)})")
    sources: list[int | None] = []
    for name, index in labels:
        if name not in src:
            sources.append(None)
            continue
        try:
            sources.append(src.bit(name, index))
        except IndexError:
            raise qfmt.OptionError(f"clbit_labels names bit {index} of register {name!r}, which "
                                   f"has {src[name].width} bits in the data") from None
    how = f"registers folded into classical bits by clbit_labels {[list(x) for x in labels]}"
    if absent:
        how += f"; registers {absent} are not in the data and read 0"
    return sources, how


def _bit_length(obj: Any) -> int:
    """Bit length of the widest outcome of a distribution or Memory, from its arrays (the OR of
    all shots' packed bytes for Memory: no Python int per shot)."""
    if isinstance(obj, qfmt.Memory):
        if obj.bits.size == 0:
            return 0
        seen = np.bitwise_or.reduce(obj.bits, axis=0)
        used = np.flatnonzero(seen)
        return 0 if used.size == 0 else int(used[-1]) * 8 + int(seen[used[-1]]).bit_length()
    outs = obj.outcome_array
    return int(outs.max()).bit_length() if outs.size else 0


# -- serializing --------------------------------------------------------------------------------


def _hex_counts(d: Any) -> dict[str, Any]:
    return dict(zip(map(hex, d.outcome_array.tolist()), d.value_array.tolist()))


def _hex_memory(mem: qfmt.Memory) -> list[str]:
    if mem.width <= 64:
        return [hex(v) for v in mem.as_uint64().tolist()]
    return [hex(v) for v in mem.outcomes()]


def _header_for(exp: qfmt.ExperimentResult, width: int | None, layout: Any, inferred: bool,
                clbit_labels: Any) -> dict[str, Any]:
    """The experiment header, with memory_slots / creg_sizes / clbit_labels describing the data
    as written (after any bit map)."""
    header = dict(exp.header or {})
    if width is not None and not inferred:
        header["memory_slots"] = width
    if layout is not None:  # Qiskit backends always name the registers, even a single one
        header["creg_sizes"] = [[n, w] for n, w in layout.sizes]
    if clbit_labels is not None:
        header["clbit_labels"] = [[str(n), int(i)] for n, i in clbit_labels]
    if exp.measured_qubits is not None:
        header[MEASURED_QUBITS] = list(exp.measured_qubits)
    return header


def _serialize_experiment(exp: qfmt.ExperimentResult, bitmap: Mapping[str, Any],
                          shots: int | None, path: str) -> dict[str, Any]:
    probs = exp.data.get("probabilities")
    derive = shots is not None and "counts" not in exp.data and "memory" not in exp.data and \
        isinstance(probs, qfmt.ProbDistribution)
    data: dict[str, Any] = {}
    width = layout = None
    inferred = True
    derived: qfmt.Counts | None = None
    marks: dict[str, str] = {}
    mem = exp.data.get("memory")
    if isinstance(mem, qfmt.Memory) and "counts" not in exp.data and \
            not exp.extra.get(NO_COUNTS):
        # as a Qiskit backend run with memory=True reports it, so that Qiskit's get_counts()
        # works: counts (of the memory as written) before the memory
        exp = kit.evolve(exp, data={"counts": mem.counts(include_leakage=True), **exp.data})
    for key, value in exp.data.items():
        if key == "memory" and isinstance(value, qfmt.Memory):
            value = apply_bit_map(value, **bitmap)
            data[key] = _hex_memory(value)
        elif isinstance(value, (qfmt.Counts, qfmt.ProbDistribution, qfmt.QuasiDistribution)):
            value = apply_bit_map(value, **bitmap)
            data[key] = _hex_counts(value)
            if not isinstance(value, qfmt.Counts):
                marks[key] = "quasi" if isinstance(value, qfmt.QuasiDistribution) \
                    else "probabilities"
        else:
            data[key] = json_safe(value, kit.subpath(path, "data", key))
            continue
        width, layout, inferred = value.width, value.layout, value.width_inferred
        if derive and key == "probabilities":
            # Qiskit readers want counts: derive them (largest remainder) from the distribution
            # as written, i.e. after the classical-bit map, so they agree with it
            derived = value.to_counts(shots)
    if derived is not None:
        data["counts"] = _hex_counts(derived)
        exp = kit.evolve(exp, shots=shots)
    out: dict[str, Any] = {
        "shots": list(exp.shots) if isinstance(exp.shots, tuple) else (
            exp.shots if exp.shots is not None else _shots_of(exp)),
        "success": exp.success, "data": data, "meas_level": exp.meas_level,
    }
    header = _header_for(exp, width, layout, inferred, bitmap.get("clbit_labels"))
    if marks:
        header[CLBIT_DISTRIBUTIONS] = marks
    if header or exp.extra.get(HEADER_PRESENT):
        out["header"] = json_safe(header, kit.subpath(path, "header"))
    for key in ("status", "seed", "meas_return"):
        value = getattr(exp, key)
        if value is not None:
            out[key] = json_safe(value, kit.subpath(path, key))
    for key, value in exp.extra.items():
        if key not in (HEADER_PRESENT, NO_COUNTS):
            out[key] = json_safe(value, kit.subpath(path, key))
    if exp.job_id is not None and "job_id" not in out:
        out["job_id"] = exp.job_id
    return out


def _shots_of(exp: qfmt.ExperimentResult) -> int:
    c = exp.data.get("counts")
    if isinstance(c, qfmt.Counts):
        return c.shots()
    m = exp.data.get("memory")
    if isinstance(m, qfmt.Memory):
        return len(m)
    p = exp.data.get("probabilities")
    return p.shots if isinstance(p, qfmt.ProbDistribution) and p.shots else 0


def dump_result(result: qfmt.Result, *, meas_mapped: Any = None, clbit_labels: Any = None,
                creg_sizes: Any = None, memory_slots: Any = None,
                shots: int | None = None, include_leakage: bool = False) -> dict[str, Any]:
    """Result -> Qiskit's ``to_dict()`` form: the eight top-level keys in Qiskit's order, then
    extras; counts and memory as lowercase hex; statevector/unitary as [re, im] pairs; always
    valid JSON. Bit-map options may be dicts keyed by experiment (job id, name or index).

    Experiments with only probabilities (an IonQ aggregate) keep them as a ``probabilities``
    data field (hex keys), which Qiskit passes through; with ``shots=`` counts are derived too
    (largest remainder), so Qiskit's ``get_counts()`` works.

    Per-shot memory without counts gets counts too (before it, hex keys), as a Qiskit backend
    run with ``memory=True`` reports it, so that Qiskit's ``get_counts()`` works; an experiment
    read from a Qiskit payload with only memory is written with only memory (exact round trip).
    Per-shot data that is not yet a Result (IonQ shots) becomes an experiment with counts and
    memory (see :func:`_wrap_shots`; ``include_leakage`` is the conversion's option, read
    there). Distributions qfmt writes under other keys (``probabilities``, ``quasi``) are
    marked in the header (:data:`CLBIT_DISTRIBUTIONS`); every other data field (Aer's save
    data) is written as it was read."""
    options = {"meas_mapped": meas_mapped, "clbit_labels": clbit_labels,
               "creg_sizes": creg_sizes, "memory_slots": memory_slots}
    exps = [_serialize_experiment(e, _map_for(options, e, i), shots, kit.jpath("results", i))
            for i, e in enumerate(result.results)]
    extra = dict(result.extra)
    out: dict[str, Any] = {
        "backend_name": result.backend_name, "backend_version": result.backend_version,
        "date": json_safe(result.date, "$.date"),
        "header": json_safe(result.header, "$.header"),
        "job_id": json_safe(result.job_id, "$.job_id"),
        "status": json_safe(result.status, "$.status"), "success": bool(result.success),
        "results": exps,
    }
    for key, value in extra.items():
        out[key] = json_safe(value, kit.jpath(key))
    return out


# -- the flat formats ---------------------------------------------------------------------------


def _flat_layout(split: tuple[int, ...] | None) -> qfmt.RegisterLayout | None:
    if split is None or len(split) < 2:
        return None
    return qfmt.RegisterLayout([(f"c{i}", n) for i, n in enumerate(split)])


def _empty_registers(payload: Any) -> tuple[dict[str, Any], tuple[int, ...]] | None:
    """Keys with empty register groups, as Qiskit's ``get_counts()`` shows a
    ``ClassicalRegister(0)`` (``"100 "``: an empty register after ``c``, the last register
    leftmost): the keys without the empty groups, and the register widths (first register
    first, zeros included). None when no key has an empty group."""
    if not isinstance(payload, dict) or not payload:
        return None
    first = next(iter(payload))
    if not isinstance(first, str) or first.startswith(("0x", "0X", "0b", "0B")) or \
            "" not in first.split(" "):
        return None
    groups = tuple(len(g) for g in reversed(first.split(" ")))
    out: dict[str, Any] = {}
    for key, value in payload.items():
        parts = key.split(" ") if isinstance(key, str) else None
        if parts is None or tuple(len(g) for g in reversed(parts)) != groups:
            raise qfmt.PayloadError(COUNTS, kit.subpath("$", str(key)),
                                    f"{kit.short_repr(key)} does not have the register widths "
                                    f"{list(groups)} (first register first) of the first key")
        out[" ".join(g for g in parts if g)] = value
    if sum(groups) == 0:
        raise qfmt.PayloadError(COUNTS, kit.subpath("$", first), "every register is empty")
    return out, groups


def parse_counts(payload: Any) -> qfmt.Counts:
    """``{"110 10": 5, ...}`` (hex and ``0b`` keys accepted too) -> Counts; register spaces
    become a layout (registers named c0, c1, ... first register rightmost). An empty register
    (Qiskit's ``"100 "`` for a ``ClassicalRegister(0)``) is a register of width 0."""
    empty = _empty_registers(payload)
    if empty is not None:
        payload, groups = empty
    outcomes, values, kw, split = kit.outcome_items(payload, COUNTS, kit.count_value)
    if empty is not None:
        split = groups
    return kit.counts(outcomes, values, key_width=kw, fmt=COUNTS, layout=_flat_layout(split))


def _display(dist: Any) -> dict[str, Any]:
    if dist.layout is not None and len(dist.layout.registers) > 1:
        keys = [dist.layout.format(k) for k in dist.outcome_array.tolist()]
        return dict(zip(keys, dist.value_array.tolist()))
    return dist.bitstrings()  # type: ignore[no-any-return]


def dump_counts(counts: qfmt.Counts, *, meas_mapped: Any = None, clbit_labels: Any = None,
                creg_sizes: Any = None, memory_slots: Any = None) -> dict[str, int]:
    """Counts -> ``get_counts()`` form: zero-padded bitstrings, register spaces."""
    counts = apply_bit_map(counts, meas_mapped=meas_mapped, clbit_labels=clbit_labels,
                           creg_sizes=creg_sizes, memory_slots=memory_slots)
    return _display(counts)


def parse_memory(payload: Any) -> qfmt.Memory:
    """``["110 10", ...]`` (or hex entries) -> Memory; every entry must have one width."""
    items = kit.expect_list(payload, MEMORY, "$")
    if not items:
        raise qfmt.PayloadError(MEMORY, "$", "expected at least one shot, got an empty list")
    if isinstance(items[0], str) and items[0].startswith(("0x", "0X")):
        values = kit.hex_shots(items, MEMORY, "$")
        top = _widest(values)
        return kit.evolve(kit.memory_from_ints(values, width=max(top, 1)), width_inferred=True)
    first = items[0]
    if not isinstance(first, str):
        raise qfmt.PayloadError(MEMORY, "$[0]", f"expected a bitstring, got {kit.type_name(first)}")
    groups = [len(g) for g in reversed(first.split(" "))]
    width = sum(groups)
    ints = []
    for i, item in enumerate(items):
        p = kit.jpath(i)
        if not isinstance(item, str):
            raise qfmt.PayloadError(MEMORY, p, f"expected a bitstring, got {kit.type_name(item)}")
        if [len(g) for g in reversed(item.split(" "))] != groups:
            raise qfmt.PayloadError(MEMORY, p, f"{item!r} does not have the register widths "
                                    f"{groups} of the first shot")
        ints.append(kit.binary_key(item.replace(" ", ""), MEMORY, p))
    return kit.memory_from_ints(ints, width=width, layout=_flat_layout(tuple(groups)))


def dump_memory(memory: qfmt.Memory, *, meas_mapped: Any = None, clbit_labels: Any = None,
                creg_sizes: Any = None, memory_slots: Any = None) -> list[str]:
    """Memory -> ``get_memory()`` form: one zero-padded bitstring per shot, register spaces.
    (Shots with leakage were left out before, unless ``include_leakage=True``.)"""
    memory = apply_bit_map(memory, meas_mapped=meas_mapped, clbit_labels=clbit_labels,
                           creg_sizes=creg_sizes, memory_slots=memory_slots)
    if memory.width_inferred:
        memory = kit.evolve(memory, width_inferred=False)
    return kit.memory_strings(memory)


def _parse_dist(cls: type, fmt: str, read: Any) -> Any:
    def parse(payload: Any, *, atol: float = PROB_ATOL, normalize: bool = False) -> Any:
        reader = read(atol) if cls is qfmt.ProbDistribution else read
        outcomes, values, kw, split = kit.outcome_items(payload, fmt, reader)
        if cls is qfmt.ProbDistribution:
            return kit.probabilities(outcomes, values, key_width=kw, fmt=fmt,
                                     layout=_flat_layout(split), atol=atol, normalize=normalize)
        return kit.quasi(outcomes, values, key_width=kw, fmt=fmt, layout=_flat_layout(split))
    parse.__doc__ = f"Bitstring-keyed (hex and 0b accepted) {cls.__name__} JSON."
    return parse


def _dump_dist(dist: Any, *, meas_mapped: Any = None, clbit_labels: Any = None,
               creg_sizes: Any = None, memory_slots: Any = None) -> dict[str, float]:
    """Distribution -> ``binary_probabilities()`` form: bitstrings zero-padded to the width."""
    dist = apply_bit_map(dist, meas_mapped=meas_mapped, clbit_labels=clbit_labels,
                         creg_sizes=creg_sizes, memory_slots=memory_slots)
    return dict(zip(kit.bitstrings(dist.outcome_array, dist.width),
                    np.asarray(dist.value_array, dtype=float).tolist()))


_BITMAP = ("meas_mapped", "clbit_labels", "creg_sizes", "memory_slots")


def _wrap_shots(obj: Any, **options: Any) -> tuple[Any, dict[str, Any]]:
    """Before the conversion to a Result (``before_conversion`` of the Result format):
    per-shot Memory becomes one experiment with ``counts`` and ``memory``, the shape a Qiskit
    backend run with ``memory=True`` gives. A Result passes unchanged: its data is its own."""
    if isinstance(obj, qfmt.Memory):
        counts = obj.counts(include_leakage=bool(options.get("include_leakage")))
        exp = qfmt.ExperimentResult({"counts": counts, "memory": obj}, shots=counts.shots())
        return qfmt.Result([exp]), options
    return obj, options




def _map_first(obj: Any, **options: Any) -> tuple[Any, dict[str, Any]]:
    """Before the conversion (``before_conversion``): apply the classical-bit map to the
    data as given, so that probabilities become counts (``shots=``) after the map merged the
    outcomes that land on the same clbits: the rounding applies to the distribution written."""
    bitmap = {k: options.pop(k, None) for k in _BITMAP}
    if isinstance(obj, (qfmt.Counts, qfmt.ProbDistribution, qfmt.QuasiDistribution,
                        qfmt.Memory)) and any(v is not None for v in bitmap.values()):
        return apply_bit_map(obj, **bitmap), options
    return obj, {**options, **bitmap}




def _all_bits(keys: Sequence[Any]) -> bool:
    """Every key a string of 0 and 1, one at least two characters long: Qiskit keys whatever
    their widths (Qiskit writes them unpadded without a header), which decimal keys may look
    like too ("10" is 2 or 10). Single-character keys read the same either way."""
    return bool(keys) and all(isinstance(k, str) and k and set(k) <= {"0", "1"} for k in keys) \
        and any(len(k) > 1 for k in keys)


def _score(keys: Sequence[Any], base: float) -> float:
    """Detection score (docs/detection.md's scale): ``base`` when the keys carry Qiskit's marks
    (zero padding, hex or ``0b`` prefixes, register spaces); 0.5 ("accepted, nothing specific")
    when they are plain 0/1 strings, which decimal formats may read differently; else low."""
    if kit.looks_binary(list(keys)):
        return base
    return min(base, 0.5) if _all_bits(keys) else base - 0.45


def _sniff_flat(base: float) -> Any:
    def sniff(payload: Any) -> float:
        return _score(list(payload) if isinstance(payload, dict) else [], base)
    return sniff


def _sniff_quasi(payload: Any) -> float:
    """As the other flat formats, but 0 when the values do not sum to 1 (within rounding):
    quasi-probabilities sum to 1, so ``{"0": -5}`` or ``{"0": 1e32}`` is no quasi-distribution
    (a count that a counts format refused, more likely)."""
    values = list(payload.values()) if isinstance(payload, dict) else []
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        try:
            total = math.fsum(values)
        except (OverflowError, ValueError):  # values beyond floats: no quasi-distribution
            return 0.0
        if not abs(total - 1.0) <= max(PROB_ATOL, 1e-6 * len(values)):
            return 0.0
    return _score(list(payload) if isinstance(payload, dict) else [], 0.5)


_ORDER = ("bitstring; the rightmost character is clbit 0, registers split by spaces, the last "
          "register leftmost")


#: What each format carries (names of qfmt.CAPABILITIES). Bitstring keys keep registers and
#: their clbit positions (spaces) but not their names; probabilities are written as flat
#: bitstrings.
_POSITIONAL = frozenset({"registers", "register-positions", "empty-registers", "joint"})
_CAPABILITIES: dict[str, frozenset[str]] = {
    RESULT: _POSITIONAL | {"experiments", "shot-order", "shots", "register-names", "bit-labels",
                           "state", "result-types", "experiment-data", "metadata"},
    COUNTS: _POSITIONAL | {"shots"},
    MEMORY: _POSITIONAL | {"shot-order", "shots"},
    PROBS: frozenset(),
    QUASI: frozenset(),
}


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The Qiskit result formats."""
    def fmt(fid: str, desc: str, parse: Any, dump: Any, produces: type,
            sniff: Any = None, order: str = _ORDER, score: float | None = None) -> qfmt.Format:
        caps = _CAPABILITIES[fid]
        return qfmt.Format(fid, desc, parse, dump, kit.load_schema(fid), produces, None, sniff,
                           score=score, bit_order=order, capabilities=caps,
                           registers="registers" in caps,
                           before_conversion=_wrap_shots if fid == RESULT else _map_first)

    return [
        fmt(RESULT, "Qiskit Result.to_dict(): experiments with hex counts and memory",
            parse_result, dump_result, qfmt.Result, score=0.95,
            order="hex outcome; bit i of int(key, 16) is clbit i"),
        fmt(COUNTS, "Qiskit get_counts(): bitstring keys with register spaces", parse_counts,
            dump_counts, qfmt.Counts, _sniff_flat(0.65)),
        fmt(MEMORY, "Qiskit get_memory(): one bitstring per shot", parse_memory, dump_memory,
            qfmt.Memory, lambda p: _score(p[:1000], 0.75)),
        fmt(PROBS, "Qiskit ProbDistribution: bitstring -> probability",
            _parse_dist(qfmt.ProbDistribution, PROBS, kit.probability_reader), _dump_dist,
            qfmt.ProbDistribution, _sniff_flat(0.7)),
        fmt(QUASI, "Qiskit QuasiDistribution: bitstring -> quasi-probability",
            _parse_dist(qfmt.QuasiDistribution, QUASI, kit.quasi_value), _dump_dist,
            qfmt.QuasiDistribution, _sniff_quasi),
    ]
