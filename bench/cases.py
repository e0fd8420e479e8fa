"""Benchmark cases: payload generators, what qfmt does, and the named baseline it is measured
against in the same run. Targets are ratios; a missed target is reported, never hidden."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

import qfmt
import qfmt.kit


@dataclass(frozen=True)
class Size:
    """Payload sizes; ``full`` are the sizes the targets are stated for."""

    shots_v1: int
    shots_v2: int
    outcomes_bits: int
    children: int
    memory_entries: int
    mitigation_qubits: int
    mitigation_outcomes: int
    shots_big: int  # the linear-scaling case: this many shots v1 against shots_v1
    hist_memory_bits: int  # histogram v2 peak memory: 2**this many outcomes
    mitigation_big: int  # the second mitigation size (qubits)
    full_size: bool = True

    @classmethod
    def full(cls) -> Size:
        return cls(1_000_000, 200_000, 16, 500, 1_000_000, 20, 100_000, 10_000_000, 20, 24)

    @classmethod
    def smoke(cls) -> Size:
        return cls(2_000, 500, 8, 5, 2_000, 8, 200, 20_000, 8, 10, full_size=False)


@dataclass
class Row:
    """One line of the table. ``target`` is "report" for rows without a target; ``meets`` is None
    for those and for a targeted row whose baseline could not run (a miss in the summary)."""

    name: str
    qfmt_s: float | None
    baseline: str
    baseline_s: float | None
    target: str
    ratio: float | None = None
    meets: bool | None = None
    note: str = ""
    unit: str = "x"

    @property
    def targeted(self) -> bool:
        return self.target != "report"

    def line(self) -> str:
        def fmt(v: float | None) -> str:
            return "        -   " if v is None else f"{v * 1e3:9.1f} ms"

        ratio = "-" if self.ratio is None else (
            f"{self.ratio:6.2f}x" if self.unit == "x" else f"{self.ratio:6.1f} {self.unit}")
        verdict = {True: "meets", False: "MISSES"}.get(self.meets,  # type: ignore[call-overload]
                                                       "NOT MEASURED" if self.targeted else "")
        return (f"{self.name:<40} qfmt {fmt(self.qfmt_s)} | {self.baseline:<38} "
                f"{fmt(self.baseline_s)} | {ratio:>9} (target {self.target}) {verdict}"
                + (f"  [{self.note}]" if self.note else ""))

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "targeted": self.targeted}


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    return paired([fn], repeat)[0]


#: a round of one call of each function slower than this gets at most 3 runs
SLOW_ROUND_S = 10.0


def paired(fns: Sequence[Callable[[], Any]], repeat: int) -> list[float]:
    """Median time of each of ``fns``, measured alternating (one call of each per round) so that
    qfmt and its baseline share whatever load the machine has. One warm-up round (imports,
    caches) is not timed; a warm-up round slower than :data:`SLOW_ROUND_S` caps the runs at 3."""
    t0 = time.perf_counter()
    for fn in fns:
        fn()
    if time.perf_counter() - t0 > SLOW_ROUND_S:
        repeat = min(repeat, 3)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            gc.collect()
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [statistics.median(ts) for ts in times]


# -- payloads -------------------------------------------------------------------------------


RNG_SEED = 20261122


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def shots_v1(n: int, width: int = 20) -> bytes:
    """``n`` random ``width``-bit outcomes as a JSON array of decimal strings (the bytes
    ``orjson.dumps([str(v) for v in values])`` writes, built in numpy: 10**7 shots fit)."""
    values = _rng().integers(0, 2**width, size=n)
    if n == 0:
        return b"[]"
    digits = len(str(2**width - 1))
    powers = 10 ** np.arange(digits - 1, -1, -1, dtype=np.int64)
    ndig = 1 + (values[:, None] >= powers[None, :-1]).sum(axis=1)
    cells = np.empty((n, digits + 3), dtype=np.uint8)
    cells[:, 0] = ord('"')
    cells[:, 1:-2] = (values[:, None] // powers[None, :]) % 10 + ord("0")
    cells[:, -2] = ord('"')
    cells[:, -1] = ord(",")
    keep = np.ones(cells.shape, dtype=bool)
    keep[:, 1:-2] = np.arange(digits - 1, -1, -1)[None, :] < ndig[:, None]
    return b"[" + cells[keep].tobytes()[:-1] + b"]"


def shots_v2(n: int) -> bytes:
    bits = _rng().integers(0, 2, size=(n, 20)).tolist()
    return orjson.dumps({"shots": [{"registers": {"a": row[:10], "b": row[10:]}}
                                   for row in bits]})


def _outcome_weights(bits: int) -> np.ndarray:
    w = _rng().random(2**bits) + 0.01
    return w / w.sum()


def histogram_v1(bits: int, width: int = 20) -> bytes:
    """2**bits distinct outcomes of ``width`` bits (65,536 of 20 bits at full size)."""
    keys = _rng().choice(2**width, size=2**bits, replace=False)
    counts = _rng().integers(1, 1000, size=2**bits)
    return orjson.dumps({str(k): int(c) for k, c in zip(keys.tolist(), counts.tolist())})


def probabilities_v1(bits: int, width: int = 20) -> bytes:
    keys = _rng().choice(2**width, size=2**bits, replace=False)
    return orjson.dumps({str(k): float(p) for k, p in zip(keys.tolist(),
                                                           _outcome_weights(bits).tolist())})


def _v2(top: str, flat: bytes, width: int = 20) -> bytes:
    data = orjson.loads(flat)
    return orjson.dumps({top: {"registers": {"output_all": {
        format(int(k), f"0{width}b"): v for k, v in data.items()}}}})


def aggregate(children: int) -> bytes:
    rng = _rng()
    out = {}
    for i in range(children):
        keys = rng.choice(2**10, size=64, replace=False)
        w = rng.random(64) + 0.01
        w /= w.sum()
        out[f"06a2099c-0000-7000-8000-{i:012d}"] = {str(k): float(p) for k, p in
                                                     zip(keys.tolist(), w.tolist())}
    return orjson.dumps(out)


def qiskit_result(entries: int) -> bytes:
    values = _rng().integers(0, 2**20, size=entries)
    mem = [hex(v) for v in values.tolist()]
    counts: dict[str, int] = {}
    for h in mem:
        counts[h] = counts.get(h, 0) + 1
    return orjson.dumps({
        "backend_name": "b", "backend_version": "1", "date": None, "header": {}, "job_id": "j",
        "status": "DONE", "success": True,
        "results": [{"shots": entries, "success": True, "data": {"counts": counts, "memory": mem},
                     "meas_level": 2,
                     "header": {"name": "c", "memory_slots": 20,
                                "creg_sizes": [["c", 20]]}}]})


def sampler_v2(n: int, width: int = 20) -> bytes:
    """A SamplerV2 PrimitiveResult as RuntimeEncoder writes it: one ``meas`` BitArray of ``n``
    shots x ``width`` bits (npy, zlib, base64; big-endian bytes per shot)."""
    import base64
    import io
    import zlib

    values = _rng().integers(0, 2**width, size=n).astype(">u8")
    nb = -(-width // 8)
    arr = np.ascontiguousarray(values.view(np.uint8).reshape(n, 8)[:, 8 - nb:])
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    blob = base64.b64encode(zlib.compress(buf.getvalue())).decode()
    bits = {"__type__": "BitArray", "__value__": {
        "array": {"__type__": "ndarray", "__value__": blob}, "num_bits": width}}
    return orjson.dumps({"__type__": "PrimitiveResult", "__value__": {
        "pub_results": [{"__type__": "SamplerPubResult", "__value__": {
            "data": {"__type__": "DataBin", "__value__": {
                "field_names": ["meas"], "shape": [], "fields": {"meas": bits}}},
            "metadata": {"shots": n, "circuit_metadata": {}}}}],
        "metadata": {"version": 2}}})


# -- cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    """A named benchmark: ``run(size, repeat)`` returns its rows (one per target)."""

    name: str
    run: Callable[[Size, int], list[Row]]


def _ratio_row(name: str, q: float, baseline: str, b: float, limit: float, note: str,
               target: str | None = None) -> Row:
    ratio = q / b
    return Row(name, q, baseline, b, target or f"<= {limit:g}x", ratio, ratio <= limit, note)


def _speedup_row(name: str, q: float, baseline: str, b: float | None, limit: float,
                 note: str) -> Row:
    if b is None:
        return Row(name, q, baseline, None, f">= {limit:g}x faster", note=note)
    return Row(name, q, baseline, b, f">= {limit:g}x faster", b / q, b / q >= limit,
               note + ("; " if note else "") + "ratio = speed-up")


def _cli_convert(path: str, fmt: str, out: str, options: dict[str, Any]) -> None:
    from qfmt.cli import main

    argv = ["convert", path, "--from", fmt, "--to", fmt, "-o", out]
    if "num_qubits" in options:
        argv += ["--num-qubits", str(options["num_qubits"])]
    main(argv, standalone_mode=False)


def _load_family(name: str, fmt: str, make: Callable[[Size], bytes],
                 describe: Callable[[Size], str], limit: float, **options: Any) -> Case:
    """Four rows for one payload: ``qfmt.load`` of compact bytes against ``orjson.loads`` (target
    ``limit``); of pretty-printed bytes (OPT_INDENT_2) and of a ``pathlib.Path`` against orjson of
    the same bytes (the path's baseline reads the file too), each targeted at 1.3 x the compact
    ratio of this run; and ``qfmt convert FILE --from F --to F -o OUT`` in the CLI (in process)
    against orjson loads+dumps of the same bytes, targeted at 1.3 x the ratio of the library's
    ``qfmt.convert`` against that same baseline."""
    def run(size: Size, repeat: int) -> list[Row]:
        import os
        import pathlib
        import shutil
        import tempfile

        compact = make(size)
        pretty = orjson.dumps(orjson.loads(compact), option=orjson.OPT_INDENT_2)
        folder = tempfile.mkdtemp(prefix="qfmt-bench-load-")
        try:
            path = pathlib.Path(folder, "payload.json")
            path.write_bytes(compact)
            out = os.path.join(folder, "out.json")
            qc, bc, qp, bp, qf, bf = paired([
                lambda: qfmt.load(compact, fmt, **options), lambda: orjson.loads(compact),
                lambda: qfmt.load(pretty, fmt, **options), lambda: orjson.loads(pretty),
                lambda: qfmt.load(path, fmt, **options),
                lambda: orjson.loads(path.read_bytes())], repeat)
            qcli, qconv, bconv = paired([
                lambda: _cli_convert(str(path), fmt, out, options),
                lambda: qfmt.convert(compact, fmt, fmt, **options),
                lambda: orjson.dumps(orjson.loads(compact))], repeat)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        what = f"{describe(size)}, {len(compact) / 1e6:.1f} MB"
        compact_ratio = qc / bc
        derived = 1.3 * compact_ratio
        conv_ratio = qconv / bconv
        return [
            _ratio_row(f"load {name}", qc, "orjson.loads (same bytes)", bc, limit, what),
            _ratio_row(f"load {name} pretty", qp, "orjson.loads (same pretty bytes)", bp,
                       derived, f"OPT_INDENT_2, {len(pretty) / 1e6:.1f} MB; target = 1.3 x the "
                       f"compact {compact_ratio:.2f}x", f"<= {derived:.2f}x"),
            _ratio_row(f"load {name} from Path", qf, "orjson.loads(path.read_bytes())", bf,
                       derived, f"target = 1.3 x the compact {compact_ratio:.2f}x",
                       f"<= {derived:.2f}x"),
            _ratio_row(f"cli convert {name}", qcli, "orjson.dumps(orjson.loads(bytes))", bconv,
                       1.3 * conv_ratio, f"qfmt.cli.main(['convert', FILE, '--from', F, '--to', "
                       f"F, '-o', OUT]) in process; target = 1.3 x qfmt.convert(bytes, F, F) "
                       f"{qconv * 1e3:.1f} ms = {conv_ratio:.2f}x the same baseline",
                       f"<= {1.3 * conv_ratio:.2f}x"),
        ]
    return Case(f"load {name}", run)


def _dumps_case(size: Size, repeat: int) -> list[Row]:
    shots = shots_v1(size.shots_v1)
    hist = histogram_v1(size.outcomes_bits)
    mem = qfmt.load(shots, "ionq.result.shots.json.v1", num_qubits=20)
    counts = qfmt.load(hist, "ionq.result.histogram.json.v1", num_qubits=20)
    plain_list, plain_dict = orjson.loads(shots), orjson.loads(hist)
    qs, bs, qh, bh = paired([
        lambda: qfmt.dumps(mem, "ionq.result.shots.json.v1"), lambda: orjson.dumps(plain_list),
        lambda: qfmt.dumps(counts, "ionq.result.histogram.json.v1"),
        lambda: orjson.dumps(plain_dict)], repeat)
    return [
        _ratio_row("dumps shots v1", qs, "orjson.dumps(plain list of str)", bs, 2.0,
                   f"Memory of {len(mem):,} shots x 20 bits"),
        _ratio_row("dumps histogram v1", qh, "orjson.dumps(plain dict)", bh, 2.0,
                   f"Counts of {len(counts):,} outcomes x 20 bits"),
    ]


def _detect_case(size: Size, repeat: int) -> list[Row]:
    payload = shots_v1(size.shots_v1)
    fmt = "ionq.result.shots.json.v1"
    qd, qv, b = paired([lambda: qfmt.detect(payload), lambda: qfmt.validate(payload, fmt),
                        lambda: qfmt.load(payload, fmt, num_qubits=20)], repeat)
    what = f"{size.shots_v1:,} shots v1 x 20 bits, {len(payload) / 1e6:.1f} MB"
    return [_ratio_row("detect shots v1", qd, "qfmt.load with the format given", b, 2.0, what),
            _ratio_row("validate shots v1", qv, "qfmt.load with the format given", b, 2.0, what)]


def _scaling_case(size: Size, repeat: int) -> list[Row]:
    small, big = shots_v1(size.shots_v1), shots_v1(size.shots_big)
    fmt = "ionq.result.shots.json.v1"
    q_big, q_small = paired([lambda: qfmt.load(big, fmt, num_qubits=20),
                             lambda: qfmt.load(small, fmt, num_qubits=20)], repeat)
    n = size.shots_big / size.shots_v1
    limit = 1.05 * n
    return [_ratio_row(f"load shots v1 x{n:g} shots", q_big, f"the same with {size.shots_v1:,} "
                       "shots", q_small, limit, f"{size.shots_big:,} shots, "
                       f"{len(big) / 1e6:.0f} MB; linear would be {n:g}x")]


def _marginal_case(size: Size, repeat: int) -> list[Row]:
    data = orjson.loads(histogram_v1(size.outcomes_bits))
    counts = qfmt.load(data, "ionq.result.histogram.json.v1", num_qubits=20)
    idx = [0, 3, 5, 7, 11, 13, 17, 19]
    display = dict(counts.bitstrings())
    what = f"{len(counts):,} outcomes, 20 bits, {len(idx)} indices"
    try:
        from qiskit.result import marginal_distribution
    except ImportError:
        q, qd = paired([lambda: qfmt.marginal_distribution(counts, idx),
                        lambda: qfmt.marginal_distribution(display, idx)], repeat)
        missing = "qiskit (not installed)"
        return [_speedup_row("marginal_distribution of Counts", q, missing, None, 3, what),
                _speedup_row("marginal_distribution of a dict", qd, missing, None, 2, what)]
    q, qd, b = paired([lambda: qfmt.marginal_distribution(counts, idx),
                       lambda: qfmt.marginal_distribution(display, idx),
                       lambda: marginal_distribution(display, idx)], repeat)
    base = "qiskit marginal_distribution(dict)"
    return [_speedup_row("marginal_distribution of Counts", q, base, b, 3,
                         what + "; qfmt given its Counts"),
            _speedup_row("marginal_distribution of a dict", qd, base, b, 2,
                         what + "; both given Qiskit's plain dict of bitstrings")]


def _remap_inputs(size: Size) -> list[tuple[str, str, Any, dict[str, Any], dict[str, float],
                                            int, str]]:
    """(row, format, payload, options, probabilities for qiskit-ionq, its shots, note)."""
    bits = size.outcomes_bits
    rng = _rng()
    keys = rng.choice(2**20, size=2**bits, replace=False)
    counts = rng.integers(1, 1000, size=2**bits)
    shots = int(counts.sum())
    hist = {str(k): int(c) for k, c in zip(keys.tolist(), counts.tolist())}
    on = {str(k): c / shots for k, c in zip(keys.tolist(), counts.tolist())}
    weights = _outcome_weights(bits)
    off = {str(k): float(p) for k, p in zip(keys.tolist(), weights.tolist())}
    # a histogram that left out leaked shots: it sums to fewer than the shots the job ran
    requested = int(shots / 0.97)
    return [
        ("remap histogram", "ionq.result.histogram.json.v1", hist, {}, on, shots,
         "histogram summing to the shots (on the grid)"),
        ("remap histogram off grid", "ionq.result.histogram.json.v1", hist, {},
         {k: c / shots for k, c in hist.items()}, requested,
         "histogram summing to 97% of the job's shots (leaked shots left out): qiskit-ionq "
         "rounds p x shots off the grid; qfmt keeps the counts"),
        ("remap probabilities on grid", "ionq.result.probabilities.json.v1", on,
         {"shots": shots}, on, shots, "probabilities k/shots, shots="),
        ("remap probabilities off grid", "ionq.result.probabilities.json.v1", off,
         {"shots": shots}, off, shots, "probabilities not on k/shots, shots= (largest "
         "remainder in qfmt, round() in qiskit-ionq)"),
    ]


def _remap_case(size: Size, repeat: int) -> list[Row]:
    clbits = [19 - i if i % 3 else None for i in range(20)]
    clbits_ionq = [b if b is not None else 99 for b in clbits]  # qiskit-ionq's "unmeasured"
    try:
        from qiskit_ionq.ionq_job import _build_counts
    except ImportError:
        _build_counts = None
    rows = []
    for name, fmt, data, opts, probs, shots, note in _remap_inputs(size):
        def ours(data: Any = data, fmt: str = fmt, opts: dict[str, Any] = opts) -> Any:
            return qfmt.convert(data, fmt, "qiskit.counts.json.v1", num_qubits=20,
                                meas_mapped=clbits, **opts)
        what = f"{len(data):,} outcomes x 20 bits -> Qiskit counts, meas_mapped; {note}"
        if _build_counts is None:
            rows.append(_speedup_row(name, median_time(ours, repeat),
                                     "qiskit_ionq (not installed)", None, 10, what))
            continue
        q, b = paired([ours, lambda probs=probs, shots=shots: _build_counts(
            probs, 20, clbits_ionq, shots)], repeat)
        rows.append(_speedup_row(name, q, "qiskit_ionq _build_counts", b, 10, what))
    return rows


# -- peak memory, each in a fresh interpreter --------------------------------------------------


def _child(code: str) -> dict[str, float]:
    """Run ``code`` (which prints one JSON object) in a fresh interpreter that can import
    ``bench``, so earlier cases leave nothing in the traced heap."""
    import json
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=root)
    if done.returncode:
        raise RuntimeError(f"benchmark child failed: {done.stderr.strip()[-500:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def traced(fn: Callable[[], Any]) -> dict[str, float]:
    """Peak and retained bytes (tracemalloc: numpy's buffers are traced) of calling ``fn``."""
    gc.collect()
    tracemalloc.start()
    result = fn()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return {"peak": peak, "retained": retained}


def child_shots_memory(n: int) -> dict[str, float]:
    payload = shots_v1(n)
    out = traced(lambda: qfmt.load(payload, "ionq.result.shots.json.v1", num_qubits=20))
    return {**out, "input": len(payload)}


def child_histogram_memory(bits: int) -> dict[str, float]:
    payload = _v2("histogram", histogram_v1(bits, max(20, bits)), max(20, bits))
    out = traced(lambda: qfmt.load(payload, "ionq.result.histogram.json.v2"))
    return {**out, "input": len(payload)}


def _mitigation_inputs(n: int, outcomes: int) -> tuple[qfmt.LocalReadoutMitigator, qfmt.Counts,
                                                       list[np.ndarray]]:
    rng = _rng()
    mats = [np.array([[1 - a, b], [a, 1 - b]]) for a, b in rng.uniform(0.005, 0.05, (n, 2))]
    keys = np.sort(rng.choice(2**n, size=min(outcomes, 2**n), replace=False)).astype(np.uint64)
    values = rng.integers(1, 100, len(keys)).astype(np.uint64)
    counts = qfmt.kit.counts(keys, values, width=n)
    return qfmt.LocalReadoutMitigator(mats), counts, mats


def numpy_quasi(counts: qfmt.Counts, mats: Sequence[np.ndarray]) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """The baseline: the same mitigation in plain numpy. The counts' probabilities as a dense
    ``2**n`` vector, reshaped to ``(2,) * n`` (axis 0 = the most significant bit), one inverse 2x2
    matrix applied per axis with ``tensordot``; the non-zero entries (outcomes, values)."""
    n = counts.width
    vec = np.zeros(2**n)
    vec[counts.outcome_array.astype(np.int64)] = counts.value_array / counts.value_array.sum()
    vec = vec.reshape((2,) * n)
    for bit, mat in enumerate(mats):
        axis = n - 1 - bit
        vec = np.moveaxis(np.tensordot(np.linalg.inv(mat), vec, axes=([1], [axis])), 0, axis)
    flat = vec.reshape(-1)
    nz = np.flatnonzero(flat)
    return nz.astype(np.uint64), flat[nz]


def child_mitigation_memory(n: int, outcomes: int, which: str) -> dict[str, float]:
    mit, counts, mats = _mitigation_inputs(n, outcomes)
    if which == "numpy":
        return traced(lambda: numpy_quasi(counts, mats))
    return traced(lambda: mit.quasi_probabilities(counts))


def _in_child(call: str) -> dict[str, float]:
    return _child(f"import json, bench.cases as c; print(json.dumps(c.{call}))")


def _mb(v: float) -> str:
    return f"{v / 1e6:.1f} MB" if v >= 1e6 else f"{v / 1e6:.3f} MB"


def _memory_rows(size: Size, repeat: int) -> list[Row]:
    scale = size.shots_v1 / 1_000_000
    s = _in_child(f"child_shots_memory({size.shots_v1})")
    what = f"{size.shots_v1:,} shots v1 x 20 bits from {_mb(s['input'])} of bytes; fresh process"
    peak_limit, kept_limit = 40e6 * scale, 16e6 * scale
    h = _in_child(f"child_histogram_memory({size.hist_memory_bits})")
    hist_ratio = h["peak"] / h["input"]
    return [
        Row("peak memory, load shots v1", None, "-", None, f"<= {_mb(peak_limit)}",
            s["peak"] / 1e6, s["peak"] <= peak_limit, what + f"; retained {_mb(s['retained'])}",
            "MB"),
        Row("retained memory, load shots v1", None, "-", None, f"<= {_mb(kept_limit)}",
            s["retained"] / 1e6, s["retained"] <= kept_limit, what, "MB"),
        Row("peak memory, load histogram v2", None, "its input size", None, "<= 6x",
            hist_ratio, hist_ratio <= 6, f"2**{size.hist_memory_bits} outcomes of "
            f"{max(20, size.hist_memory_bits)} bits; peak {_mb(h['peak'])}, input "
            f"{_mb(h['input'])}, retained {_mb(h['retained'])}; fresh process"),
    ]


def _mitigation_case(size: Size, repeat: int) -> list[Row]:
    rows = []
    for n in (size.mitigation_qubits, size.mitigation_big):
        mit, counts, mats = _mitigation_inputs(n, size.mitigation_outcomes)
        ours = mit.quasi_probabilities(counts)
        nz, vals = numpy_quasi(counts, mats)
        assert np.array_equal(ours.outcome_array, nz) and np.allclose(ours.value_array, vals), \
            "the numpy baseline does not compute what qfmt computes"
        q, b = paired([lambda mit=mit, counts=counts: mit.quasi_probabilities(counts),
                       lambda counts=counts, mats=mats: numpy_quasi(counts, mats)], repeat)
        peak = _in_child(f"child_mitigation_memory({n}, {size.mitigation_outcomes}, 'qfmt')")
        base = _in_child(f"child_mitigation_memory({n}, {size.mitigation_outcomes}, 'numpy')")
        what = (f"{n} qubits, {len(counts):,} outcomes -> 2**{n} quasi-probabilities; numpy "
                f"peak {_mb(base['peak'])}")
        full_n = 20 if n == size.mitigation_qubits else 24
        limit = (48e6 if full_n == 20 else 400e6) * 2.0 ** (n - full_n)
        row = f"mitigation quasi_probabilities {n}q"
        rows.append(Row(f"{row} peak", None, "-", None, f"<= {_mb(limit)}", peak["peak"] / 1e6,
                        peak["peak"] <= limit, what + "; fresh process", "MB"))
        if full_n == 24:
            rows.append(_ratio_row(f"{row} time", q, "numpy-only tensordot per axis", b, 1.5,
                                   what))
        else:
            rows.append(Row(f"{row} time", q, "numpy-only tensordot per axis", b, "report",
                            q / b, None, what))
    return rows


def _import_time(module: str) -> float:
    code = (f"import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)


def _import_case(size: Size, repeat: int) -> list[Row]:
    qs, bs = [], []
    for _ in range(max(3, repeat) if size.full_size else repeat):  # alternating, one fresh
        # interpreter per import
        qs.append(_import_time("qfmt"))
        bs.append(_import_time("numpy"))
    q, b = statistics.median(qs), statistics.median(bs)
    return [_ratio_row("import qfmt", q, "import numpy", b, 1.3, "fresh interpreters")]


def _sampler_case(size: Size, repeat: int) -> list[Row]:
    """Load a SamplerV2 file into packed Memory. The baseline only parses the JSON; qfmt also
    decodes base64, inflates zlib and reorders the bytes, so the ratio is reported, not
    targeted."""
    payload = sampler_v2(size.shots_v1)
    q, b = paired([lambda: qfmt.load(payload, "qiskit.primitives.sampler.json.v1"),
                   lambda: orjson.loads(payload)], repeat)
    return [Row("load qiskit primitives sampler", q, "orjson.loads (same bytes)", b, "report",
                q / b, None, f"{size.shots_v1:,} shots x 20 bits, {len(payload) / 1e6:.1f} MB")]


def _qiskit_result_case(size: Size, repeat: int) -> list[Row]:
    payload = qiskit_result(size.memory_entries)

    def ours() -> Any:
        r = qfmt.load(payload, "qiskit.result.json.v1")
        return qfmt.dumps(r, "qiskit.result.json.v1")

    note = f"{size.memory_entries:,} memory entries"
    try:
        from qiskit.result import Result
    except ImportError:
        q, b = paired([ours, lambda: orjson.dumps(orjson.loads(payload))], repeat)
        return [Row("qiskit.result load+dump", q, "orjson loads+dumps", b, "report", q / b, None,
                    note + "; Qiskit not installed")]

    def counts_memory(r: Any) -> Any:
        return r.get_counts(), r.get_memory()

    q, b, qk, ours_counts = paired([
        ours, lambda: orjson.dumps(orjson.loads(payload)),
        lambda: counts_memory(Result.from_dict(orjson.loads(payload))),
        lambda: counts_memory(qfmt.load(payload, "qiskit.result.json.v1"))], repeat)
    return [Row("qiskit.result load+dump", q, "orjson loads+dumps", b, "report", q / b, None,
                note + f"; load+get_counts+get_memory: qfmt {ours_counts * 1e3:.0f} ms vs "
                f"Qiskit from_dict {qk * 1e3:.0f} ms ({qk / ours_counts:.1f}x faster)")]


def _outcomes(size: Size) -> str:
    return f"{2**size.outcomes_bits:,} outcomes of 20 bits"


# -- batch conversion and Parquet (issue 17) -------------------------------------------------


def _batch_inputs(folder: str, size: Size) -> list[str]:
    """size.children // 2 files of size.shots_v2 // 20 shots each (250 x 10,000 at full size)."""
    import os

    files = []
    for i in range(max(2, size.children // 2)):
        path = os.path.join(folder, f"run-{i:04d}.json")
        with open(path, "wb") as fh:
            fh.write(shots_v1(max(10, size.shots_v2 // 20)))
        files.append(path)
    return files


def _batch_case(size: Size, repeat: int) -> list[Row]:
    import concurrent.futures
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="qfmt-bench-batch-")
    try:
        files = _batch_inputs(folder, size)
        out = f"{folder}/out"

        def run(**kw: Any) -> None:
            shutil.rmtree(out, ignore_errors=True)
            report = qfmt.convert_many(files, "qfmt.shots.parquet.v1",
                                       src="ionq.result.shots.json.v1", out_dir=out,
                                       progress=False, num_qubits=20, **kw)
            assert report.ok, report.failed[:1]

        times = {}
        with concurrent.futures.ProcessPoolExecutor(1) as one, \
                concurrent.futures.ProcessPoolExecutor(2) as two:
            times["local 1"] = median_time(lambda: run(executor=one), repeat)
            times["local 2"] = median_time(lambda: run(executor=two), repeat)
        try:
            import distributed
        except ImportError:
            distributed = None
        if distributed is not None:
            for n in (1, 2) if size.full_size else (1,):  # smoke: one cluster start
                with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                              host="127.0.0.1", dashboard_address=None) as c, \
                        distributed.Client(c) as client:
                    ex = client.get_executor()
                    times[f"dask {n}"] = median_time(lambda ex=ex: run(executor=ex), repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rates = ", ".join(f"{k} worker(s) {len(files) / t:.0f} files/s" for k, t in times.items())
    speedup = times["local 1"] / times["local 2"]
    return [Row("batch convert (files/s)", times["local 2"], "the same batch on 1 worker",
               times["local 1"], "report", speedup, None,
               f"{len(files)} shots v1 files of {max(10, size.shots_v2 // 20):,} shots -> "
               f"Parquet; {rates}; ratio = 2-worker speed-up (local pool)")]


def _shot_memory(n: int) -> qfmt.Memory:
    return qfmt.Memory.from_ints(_rng().integers(0, 2**20, size=n).astype(np.uint64), width=20)


def _parquet_case(size: Size, repeat: int) -> list[Row]:
    mem = _shot_memory(size.shots_v1)
    pq_fmt, js_fmt = "qfmt.shots.parquet.v1", "ionq.result.shots.json.v1"
    raw = qfmt.dumps(mem, pq_fmt)
    text = qfmt.dumps(mem, js_fmt)
    assert qfmt.load(raw, pq_fmt) == mem
    q, b = paired([lambda: qfmt.load(qfmt.dumps(mem, pq_fmt), pq_fmt),
                   lambda: qfmt.load(qfmt.dumps(mem, js_fmt), js_fmt, num_qubits=20)], repeat)
    qw = median_time(lambda: qfmt.dumps(mem, pq_fmt), repeat)
    qr = median_time(lambda: qfmt.load(raw, pq_fmt), repeat)
    qk = median_time(lambda: qfmt.load(qfmt.dumps(mem, "qiskit.memory.json.v1"),
                                       "qiskit.memory.json.v1"), repeat)
    limit = 4.5e6 * size.shots_v1 / 1_000_000
    return [Row("parquet shots write+read", q, "shots v1 JSON write+read", b, "< 1x, <= 4.5 MB",
               q / b, q < b and len(raw) <= limit,
               f"{size.shots_v1:,} shots x 20 bits: Parquet {len(raw) / 1e6:.2f} MB (write "
               f"{qw * 1e3:.0f} ms, read {qr * 1e3:.0f} ms), shots v1 JSON {len(text) / 1e6:.1f} "
               f"MB, qiskit memory JSON write+read {qk * 1e3:.0f} ms")]


def _parquet_scaling_case(size: Size, repeat: int) -> list[Row]:
    small, big = _shot_memory(size.shots_v1), _shot_memory(size.shots_v1 * 10)
    raws = [qfmt.dumps(m, "qfmt.shots.parquet.v1") for m in (small, big)]

    def work(raw: Any) -> Any:  # load the shots, convert them to counts Parquet
        return qfmt.convert(raw, "qfmt.shots.parquet.v1", "qfmt.counts.parquet.v1")

    t_big, t_small = paired([lambda: work(raws[1]), lambda: work(raws[0])], repeat)
    return [Row("parquet load+convert x10 shots", t_big, "the same with 1/10 of the shots",
               t_small, "<= 10.5x", t_big / t_small, t_big / t_small <= 10.5,
               f"{size.shots_v1:,} -> {size.shots_v1 * 10:,} shots, shots -> counts Parquet")]


CASES: list[Case] = [
    _load_family("shots v1", "ionq.result.shots.json.v1", lambda s: shots_v1(s.shots_v1),
                 lambda s: f"{s.shots_v1:,} shots x 20 bits", 1.0, num_qubits=20),
    _load_family("shots v2", "ionq.result.shots.json.v2", lambda s: shots_v2(s.shots_v2),
                 lambda s: f"{s.shots_v2:,} shots x 20 bits, 2 registers", 1.0),
    _load_family("histogram v1", "ionq.result.histogram.json.v1",
                 lambda s: histogram_v1(s.outcomes_bits), _outcomes, 1.0, num_qubits=20),
    _load_family("histogram v2", "ionq.result.histogram.json.v2",
                 lambda s: _v2("histogram", histogram_v1(s.outcomes_bits)), _outcomes, 1.0),
    _load_family("probabilities v1", "ionq.result.probabilities.json.v1",
                 lambda s: probabilities_v1(s.outcomes_bits), _outcomes, 1.3, num_qubits=20),
    _load_family("probabilities v2", "ionq.result.probabilities.json.v2",
                 lambda s: _v2("probabilities", probabilities_v1(s.outcomes_bits)), _outcomes,
                 1.3),
    _load_family("aggregate", "ionq.result.probabilities-aggregate.json.v1",
                 lambda s: aggregate(s.children), lambda s: f"{s.children} children x 64 outcomes",
                 1.5),
    Case("dumps", _dumps_case),
    Case("detect and validate", _detect_case),
    Case("linear scaling of shots v1", _scaling_case),
    Case("memory", _memory_rows),
    Case("marginal_distribution", _marginal_case),
    Case("remap to qiskit counts", _remap_case),
    Case("local mitigation", _mitigation_case),
    Case("import qfmt", _import_case),
    Case("load qiskit primitives sampler", _sampler_case),
    Case("qiskit.result load+dump", _qiskit_result_case),
    Case("batch convert", _batch_case),
    Case("parquet shots", _parquet_case),
    Case("parquet scaling", _parquet_scaling_case),
]
