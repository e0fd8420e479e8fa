"""pytket's ``BackendResult.to_dict()`` / ``BackendResult.from_dict()``, read and written
without pytket installed.

The payload::

    {"qubits": [["q", [0]], ...], "bits": [["c", [0]], ["c", [1]], ...],
     "shots": {"width": 2, "array": [[64], [192], ...]},             # or
     "counts": [{"outcome": {"width": 2, "array": [[192]]}, "count": 7}, ...],
     "state": {"real": [...], "imag": [...]}, "unitary": {...}, "density_matrix": {...}}

**Bit order.** Canonical bit *i* is the *i*-th entry of ``bits``. An ``OutcomeArray`` row is
``np.packbits`` of the readout in ``bits`` order: bit *i* is bit ``7 - i % 8`` (most significant
first) of byte ``i // 8``. ``BackendResult.get_counts()`` orders its tuples by the *sorted* bits
(ILO), not by ``bits`` order: pass ``cbits=`` to compare when they differ.

**What it loads to.** A :class:`qfmt.Result` with one experiment (a ``BackendResult`` is one
circuit's result): ``data["memory"]`` (a :class:`qfmt.Memory`) for ``shots``, or
``data["counts"]`` (:class:`qfmt.Counts`) for ``counts`` (pytket never holds both), and the
state results ``data["statevector"]``, ``data["unitary"]``, ``data["density_matrix"]`` as complex
numpy arrays **in qfmt's (and Qiskit's) qubit order**: bit *i* of an index is qubit *i* of
``qubits``. pytket writes them the other way round (``qubits[0]`` is the most significant bit of
an index, its ILO-BE convention); the parser and serializer swap the axes, so a pytket state
converted to ``qiskit.result.json.v1`` is right for Qiskit.
``header["bits"]`` and ``header["qubits"]`` keep the unit ids exactly (register name and index
list), so any naming survives a round trip. The ``bits`` also give the data a positional
:class:`qfmt.RegisterLayout` (see :func:`layout_of`): each run of consecutive indices of a
register is a register, named ``c`` when it starts at ``c[0]`` and ``c[1]`` when it starts at
``c[1]``, so formats that keep register names bring the unit labels back; multi-dimensional
indices give no layout (the header still has them). pytket records no measurement map, so
``measured_qubits`` stays None (``qubits`` orders the state results).

The widths are the ``OutcomeArray`` widths, which pytket checks against ``bits``: what was
measured, never the device. Bits past the width in a row's last byte must be 0. A payload with
``bits: []`` gets pytket's default ``c[0], c[1], ...`` (as ``BackendResult`` does); one with
state results and ``qubits: []`` gets ``q[0], q[1], ...``.

**Writing.** The serializer takes one experiment (``experiment=`` picks one of several): its
memory as ``shots`` (its counts, if it also has them, must be the memory's), else its counts,
else its probabilities with ``shots=N`` (largest remainder, as elsewhere), plus any state
results. The bits come from ``header["bits"]`` when they still describe the data (same width
and registers), else from the data's layout, else ``c[i]``. pytket has no place for leakage:
leaked shots are left out (``include_leakage=True`` keeps them as plain shots), as for every
format without leakage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

import qfmt
from qfmt import kit

FMT = "pytket.backend-result.json.v1"

#: Top-level keys of ``BackendResult.to_dict()``, in pytket's order.
KEYS = ("qubits", "bits", "shots", "counts", "state", "unitary", "density_matrix")
#: pytket state key -> qfmt data key.
STATE_KEYS = {"state": "statevector", "unitary": "unitary", "density_matrix": "density_matrix"}
_MAX_INDEX = 2**32 - 1  # pytket unit indices are C++ unsigned ints

#: ``_REVERSE[b]`` is byte ``b`` with its bit order reversed: pytket's MSB-first rows <->
#: qfmt's little-endian packing, byte by byte.
_REVERSE = np.array([int(f"{i:08b}"[::-1], 2) for i in range(256)], dtype=np.uint8)

Unit = list[Any]  # [register name, [index, ...]]


# -- unit ids ---------------------------------------------------------------------------------


def _is_index(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and \
        0 <= int(value) <= _MAX_INDEX


def _units(value: Any, path: str, what: str) -> list[Unit]:
    """``[[name, [index, ...]], ...]`` checked and normalised (plain ints); no duplicates."""
    items = kit.expect_list(value, FMT, path)
    out: list[Unit] = []
    seen: dict[tuple[str, tuple[int, ...]], int] = {}
    for i, item in enumerate(items):
        p = kit.subpath(path, i)
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], list)):
            raise qfmt.PayloadError(FMT, p, f"a {what} must be [register name, [index, ...]], "
                                    f"got {kit.type_name(item)}")
        for j, idx in enumerate(item[1]):
            if not _is_index(idx):
                raise qfmt.PayloadError(FMT, kit.subpath(p, 1, j), "an index must be an integer "
                                        f"in [0, {_MAX_INDEX}], got {idx!r}")
        key = (item[0], tuple(int(k) for k in item[1]))
        if key in seen:
            raise qfmt.PayloadError(FMT, p, f"{what} {_unit_name(key)} is listed twice "
                                    f"(also at index {seen[key]})")
        seen[key] = i
        out.append([key[0], list(key[1])])
    return out


def _unit_name(key: tuple[str, tuple[int, ...]]) -> str:
    return f"{key[0]}[{', '.join(map(str, key[1]))}]" if key[1] else key[0]


def _valid_units(value: Any) -> list[Unit] | None:
    """``value`` as unit ids if it is a valid list of them (for header entries), else None."""
    try:
        return _units(value, "$", "unit")
    except qfmt.PayloadError:
        return None


def default_units(name: str, n: int) -> list[Unit]:
    """pytket's default unit ids: ``name[0], name[1], ...``."""
    return [[name, [i]] for i in range(n)]


def layout_of(bits: Sequence[Unit]) -> qfmt.RegisterLayout | None:
    """The registers ``bits`` lay end to end, as a positional layout: each run of consecutive
    indices of one register is a register of the layout, named by the register when the run
    starts at index 0 (``c[0], c[1], d[0]`` -> ``[("c", 2), ("d", 1)]``) and by its first unit
    otherwise (``c[1]`` -> ``[("c[1]", 1)]``; ``c[0], d[0], c[1]`` -> ``c``, ``d``, ``c[1]``), so
    formats that keep register names keep the unit labels too (:func:`bits_of_layout` reads them
    back). None for multi-dimensional indices or names that hold ``[`` themselves."""
    runs: list[tuple[str, int, int]] = []  # (name, first index, width)
    for name, idx in bits:
        if len(idx) != 1 or "[" in name:
            return None
        if runs and runs[-1][0] == name and idx[0] == runs[-1][1] + runs[-1][2]:
            runs[-1] = (name, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((name, idx[0], 1))
    names = [name if start == 0 else f"{name}[{start}]" for name, start, _ in runs]
    if len(set(names)) != len(names):
        return None
    return qfmt.RegisterLayout(list(zip(names, (w for _, _, w in runs)))) if runs else None


_RUN = re.compile(r"(.+)\[(\d+)\]")


def bits_of_layout(layout: qfmt.RegisterLayout) -> list[Unit]:
    """Unit ids for a layout: each register's bits in order; a register named ``c[3]`` (see
    :func:`layout_of`) holds ``c[3], c[4], ...``."""
    out: list[Unit] = []
    for r in layout.registers:
        m = _RUN.fullmatch(r.name)
        name, start = (m.group(1), int(m.group(2))) if m else (r.name, 0)
        out.extend([name, [start + i]] for i in range(r.width))
    return out


# -- OutcomeArray -----------------------------------------------------------------------------


def _byte_rows(value: Any, path: str) -> npt.NDArray[np.uint8]:
    """A non-empty list of equal-length lists of bytes (0..255) -> ``(rows, bytes)`` uint8."""
    rows = kit.expect_list(value, FMT, path)
    if not rows:
        raise qfmt.PayloadError(FMT, path, "expected at least one row of bytes, got none")
    return kit.int_rows(rows, FMT, path, high=255, unit="byte", empty_rows=True)


def _outcome_array(value: Any, path: str) -> tuple[npt.NDArray[np.uint8], int]:
    """An ``OutcomeArray.to_dict()`` -> (qfmt little-endian packed rows, width). The rows must
    hold ``width`` bits, and the bits past it must be 0."""
    obj = kit.expect_dict(value, FMT, path)
    kit.expect_keys(obj, FMT, path, {"width", "array"})
    width = kit.check_width(obj["width"], FMT, kit.subpath(path, "width"))
    ap = kit.subpath(path, "array")
    raw = _byte_rows(obj["array"], ap)
    if raw.shape[1] * 8 < width:
        raise qfmt.PayloadError(FMT, ap, f"rows of {raw.shape[1]} bytes cannot hold "
                                f"width={width} bits")
    packed = _REVERSE[raw]
    if kit.packed_width(packed) > width:
        full, rest = divmod(width, 8)
        mask = np.zeros(packed.shape[1], dtype=np.uint8)
        mask[:full] = 0xFF
        if rest:
            mask[full] = (1 << rest) - 1
        bad = int(np.argmax((packed & ~mask).any(axis=1)))
        raise qfmt.PayloadError(FMT, kit.subpath(ap, bad),
                                f"row has bits set past width={width}")
    return packed, width


def _pytket_rows(packed: npt.NDArray[np.uint8], width: int) -> list[list[int]]:
    """qfmt packed rows -> pytket's MSB-first byte rows of ``ceil(width / 8)`` bytes."""
    rows: list[list[int]] = _REVERSE[packed[:, :(width + 7) // 8]].tolist()
    return rows


# -- state results ----------------------------------------------------------------------------


def _qubit_count(n: int) -> int | None:
    """log2(n) if ``n`` is a power of two, else None."""
    return n.bit_length() - 1 if n > 0 and n & (n - 1) == 0 else None


def flip_qubits(array: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
    """Reverse the qubit order of a state vector or operator on ``n`` qubits (each axis of
    ``2**n``): pytket's ``qubits[0]``-most-significant indices <-> qfmt's qubit-0-least. Its own
    inverse."""
    if n <= 1:
        return np.array(array)
    axes = [k * n + (n - 1 - j) for k in range(array.ndim) for j in range(n)]
    return np.ascontiguousarray(array.reshape((2,) * (n * array.ndim)).transpose(axes)
                                ).reshape(array.shape)


def _real_part(value: Any, path: str, matrix: bool) -> npt.NDArray[np.float64]:
    rows = kit.expect_list(value, FMT, path)
    if not rows:
        raise qfmt.PayloadError(FMT, path, "expected at least one entry, got none")
    items = rows
    if matrix:
        for i, row in enumerate(rows):
            kit.expect_list(row, FMT, kit.subpath(path, i))
            if len(row) != len(rows):
                raise qfmt.PayloadError(FMT, kit.subpath(path, i), f"row has {len(row)} entries: "
                                        f"a {len(rows)} x {len(rows)} matrix needs {len(rows)}")
        items = list(chain.from_iterable(rows))
    if not set(map(type, items)) <= {int, float}:
        for i, x in enumerate(items):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                at = kit.subpath(path, *divmod(i, len(rows))) if matrix else kit.subpath(path, i)
                raise qfmt.PayloadError(FMT, at, f"expected a number, got {kit.type_name(x)}")
    arr = np.array(rows, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise qfmt.PayloadError(FMT, path, "entries must be finite numbers")
    return arr


def _complex_array(value: Any, path: str, matrix: bool) -> tuple[npt.NDArray[np.complex128], int]:
    """``{"real": ..., "imag": ...}`` -> (complex array in qfmt qubit order, qubit count)."""
    obj = kit.expect_dict(value, FMT, path)
    kit.expect_keys(obj, FMT, path, {"real", "imag"})
    real = _real_part(obj["real"], kit.subpath(path, "real"), matrix)
    imag = _real_part(obj["imag"], kit.subpath(path, "imag"), matrix)
    if real.shape != imag.shape:
        raise qfmt.PayloadError(FMT, kit.subpath(path, "imag"), f"shape {list(imag.shape)} "
                                f"differs from the real part's {list(real.shape)}")
    n = _qubit_count(real.shape[0])
    if n is None:
        raise qfmt.PayloadError(FMT, kit.subpath(path, "real"), f"{real.shape[0]} entries per "
                                "axis is not a power of two")
    return flip_qubits(real + 1j * imag, n), n


# -- parsing ----------------------------------------------------------------------------------


def parse_backend_result(payload: Any) -> qfmt.Result:
    """``BackendResult.to_dict()`` -> a Result of one experiment (see the module docstring)."""
    obj = kit.expect_dict(payload, FMT, "$")
    kit.expect_keys(obj, FMT, "$", set(), set(KEYS))
    if "shots" in obj and "counts" in obj:
        raise qfmt.PayloadError(FMT, "$", "a BackendResult holds shots or counts, not both")
    if not any(k in obj for k in ("shots", "counts", *STATE_KEYS)):
        raise qfmt.PayloadError(FMT, "$", "no results: expected shots, counts, state, unitary "
                                "or density_matrix")
    bits = _units(obj.get("bits", []), "$.bits", "bit")
    qubits = _units(obj.get("qubits", []), "$.qubits", "qubit")
    data: dict[str, Any] = {}
    shots: int | None = None
    if "shots" in obj or "counts" in obj:
        measured, width = (_parse_shots(obj["shots"]) if "shots" in obj
                           else _parse_counts(obj["counts"], len(bits)))
        if bits and len(bits) != width:
            raise qfmt.PayloadError(FMT, "$.bits", f"{len(bits)} bits for outcomes of "
                                    f"width {width}")
        bits = bits or default_units("c", width)
        measured = kit.evolve(measured, layout=layout_of(bits))
        if isinstance(measured, qfmt.Memory):
            data["memory"], shots = measured, len(measured)
        else:
            data["counts"], shots = measured, measured.shots()
    n_qubits = None
    for key, name in STATE_KEYS.items():
        if key not in obj:
            continue
        path = kit.jpath(key)
        array, n = _complex_array(obj[key], path, matrix=key != "state")
        if n_qubits is not None and n != n_qubits:
            raise qfmt.PayloadError(FMT, path, f"{n} qubits, but an earlier state result has "
                                    f"{n_qubits}")
        n_qubits = n
        data[name] = array
    if n_qubits is not None:
        if qubits and len(qubits) != n_qubits:
            raise qfmt.PayloadError(FMT, "$.qubits", f"{len(qubits)} qubits for state results "
                                    f"on {n_qubits}")
        qubits = qubits or default_units("q", n_qubits)
    return qfmt.Result([qfmt.ExperimentResult(data, shots=shots,
                                              header={"qubits": qubits, "bits": bits})])


def _parse_shots(value: Any) -> tuple[qfmt.Memory, int]:
    packed, width = _outcome_array(value, "$.shots")
    return kit.memory(packed, width=width, fmt=FMT, path="$.shots.array"), width


def _parse_counts(value: Any, n_bits: int) -> tuple[qfmt.Counts, int]:
    entries = kit.expect_list(value, FMT, "$.counts")
    rows = []
    values = []
    width = None
    for i, entry in enumerate(entries):
        p = kit.jpath("counts", i)
        entry = kit.expect_dict(entry, FMT, p)
        kit.expect_keys(entry, FMT, p, {"outcome", "count"})
        op = kit.subpath(p, "outcome")
        packed, w = _outcome_array(entry["outcome"], op)
        if packed.shape[0] != 1:
            raise qfmt.PayloadError(FMT, kit.subpath(op, "array"), "an outcome is one row, got "
                                    f"{packed.shape[0]}")
        if width is None:
            width = w
        elif w != width:
            raise qfmt.PayloadError(FMT, kit.subpath(op, "width"), f"width {w} differs from "
                                    f"counts[0]'s {width}")
        rows.append(kit.resize_packed(packed, w)[0])
        values.append(kit.count_value(entry["count"], FMT, kit.subpath(p, "count")))
    width = n_bits if width is None else width
    nb = kit.nbytes_for(width)
    packed_all = np.array(rows, dtype=np.uint8).reshape(len(rows), nb)
    outcomes = kit.unpack_ints(packed_all)
    if len(set(outcomes)) != len(outcomes):
        first: dict[int, int] = {}
        for i, k in enumerate(outcomes):
            if k in first:
                raise qfmt.PayloadError(FMT, kit.jpath("counts", i, "outcome"), "the same "
                                        f"outcome as counts[{first[k]}]")
            first[k] = i
    return kit.counts(outcomes, values, width=width, fmt=FMT, path="$.counts"), width


# -- serializing ------------------------------------------------------------------------------


def _same_counts(a: qfmt.Counts, b: qfmt.Counts) -> bool:
    return bool(np.array_equal(a.outcome_array, b.outcome_array)
                and np.array_equal(a.value_array, b.value_array))


def _measured(exp: qfmt.ExperimentResult, shots: int | None) -> qfmt.Memory | qfmt.Counts | None:
    data = exp.data
    mem, counts, probs = data.get("memory"), data.get("counts"), data.get("probabilities")
    if isinstance(mem, qfmt.Memory):
        if isinstance(counts, qfmt.Counts) and not _same_counts(counts, mem.counts()):
            raise qfmt.LossyConversionError(
                f"experiment {exp.name!r} has counts that are not its memory's, and a pytket "
                "BackendResult holds one of them: drop the counts or the memory first")
        return mem
    if isinstance(counts, qfmt.Counts):
        return counts
    if isinstance(probs, qfmt.ProbDistribution):
        if shots is None:
            raise qfmt.LossyConversionError(
                "a pytket BackendResult holds shots or counts, and probabilities carry no shot "
                "counts: counts would be invented", "shots=N")
        return probs.to_counts(shots)
    if isinstance(data.get("quasi"), qfmt.QuasiDistribution):
        raise qfmt.LossyConversionError("quasi-probabilities (may be negative) cannot become "
                                        "pytket counts; use nearest_probability_distribution() "
                                        "first")
    return None


def _bits_for(obj: qfmt.Memory | qfmt.Counts, header: Mapping[str, Any]) -> list[Unit]:
    mine = _valid_units(header.get("bits"))
    if mine is not None and len(mine) == obj.width:
        lay = layout_of(mine)
        if obj.layout is None or (lay.sizes if lay else None) == obj.layout.sizes:
            return mine
    if obj.layout is not None:
        return bits_of_layout(obj.layout)
    return default_units("c", obj.width)


def _state_of(exp: qfmt.ExperimentResult, name: str, key: str) -> tuple[Any, int] | None:
    value = exp.data.get(name)
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.complex128)
    path = kit.jpath(key)
    n = _qubit_count(arr.shape[0]) if arr.ndim >= 1 else None
    if arr.ndim != (1 if key == "state" else 2) or n is None or \
            (arr.ndim == 2 and arr.shape[0] != arr.shape[1]):
        raise qfmt.PayloadError(FMT, path, f"data[{name!r}] of shape {list(arr.shape)} is not a "
                                f"{'state vector' if key == 'state' else 'square matrix'} on "
                                "qubits")
    if not np.isfinite(arr).all():
        raise qfmt.PayloadError(FMT, path, f"data[{name!r}] has entries that are not finite")
    pytket = flip_qubits(arr, n)
    return {"real": pytket.real.tolist(), "imag": pytket.imag.tolist()}, n


def dump_backend_result(result: qfmt.Result, *, experiment: Any = None,
                        shots: int | None = None) -> dict[str, Any]:
    """One experiment of ``result`` -> ``BackendResult.to_dict()`` (see the module docstring).
    ``experiment`` (index, name or child job id) picks one of several; ``shots=N`` derives
    counts from probabilities."""
    if experiment is None and len(result.results) != 1:
        names = [e.job_id or e.name for e in result.results]
        raise qfmt.LossyConversionError(
            f"the result has {len(result.results)} experiments ({names}) and a pytket "
            "BackendResult holds one", "experiment=<index, name or job id>")
    exp = result.experiment(experiment)
    measured = _measured(exp, shots)
    states = {key: _state_of(exp, name, key) for key, name in STATE_KEYS.items()}
    found = {k: v for k, v in states.items() if v is not None}
    if measured is None and not found:
        raise qfmt.LossyConversionError(
            f"experiment {exp.name!r} has no memory, counts, probabilities or state results for "
            "a pytket BackendResult")
    counts = {n for _, n in found.values()}
    if len(counts) > 1:
        raise qfmt.PayloadError(FMT, "$", f"the state results are on different numbers of "
                                f"qubits: {sorted(counts)}")
    header = exp.header
    qubits = _valid_units(header.get("qubits"))
    if counts:
        n = counts.pop()
        if qubits is None or len(qubits) != n:
            qubits = default_units("q", n)
    out: dict[str, Any] = {"qubits": qubits or [], "bits": []}
    if isinstance(measured, qfmt.Memory):
        out["bits"] = _bits_for(measured, header)
        out["shots"] = {"width": measured.width,
                        "array": _pytket_rows(measured.bits, measured.width)}
    elif isinstance(measured, qfmt.Counts):
        out["bits"] = _bits_for(measured, header)
        packed = kit.pack_ints(measured.outcome_array.tolist(), measured.width)
        rows = _pytket_rows(packed, measured.width)
        out["counts"] = [{"outcome": {"width": measured.width, "array": [row]}, "count": c}
                         for row, c in zip(rows, measured.value_array.tolist())]
    else:
        bits = _valid_units(header.get("bits"))
        out["bits"] = bits or []
    for key, (value, _) in found.items():
        out[key] = value
    return out


# -- the format -------------------------------------------------------------------------------


def _sniff(payload: Any) -> float:
    return 0.9 if isinstance(payload, dict) and "bits" in payload else 0.6


BIT_ORDER = ("bits[i] is bit i; an OutcomeArray row is np.packbits of the readout, bit i at "
             "bit 7 - i % 8 of byte i // 8 (most significant first)")


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The pytket format."""
    return [qfmt.Format(
        FMT, "pytket BackendResult.to_dict(): shots or counts as packed OutcomeArrays, states",
        parse_backend_result, dump_backend_result, kit.load_schema(FMT), qfmt.Result, None,
        _sniff, bit_order=BIT_ORDER,
        capabilities={"shot-order", "shots", "registers", "register-names", "register-positions",
                      "joint", "state"})]
