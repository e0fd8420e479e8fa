"""Benchmark cases: payload generators, what qfmt does, and the named baseline it is measured
against in the same run. Targets are ratios; a missed target is reported, never hidden."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

import qfmt


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

    @classmethod
    def full(cls) -> Size:
        return cls(1_000_000, 200_000, 16, 500, 1_000_000, 20, 100_000)

    @classmethod
    def smoke(cls) -> Size:
        return cls(2_000, 500, 8, 5, 2_000, 8, 200)


@dataclass
class Row:
    name: str
    qfmt_s: float | None
    baseline: str
    baseline_s: float | None
    target: str
    ratio: float | None = None
    meets: bool | None = None
    note: str = ""

    def line(self) -> str:
        def fmt(v: float | None) -> str:
            return "-" if v is None else f"{v * 1e3:9.1f} ms"

        ratio = "-" if self.ratio is None else f"{self.ratio:6.2f}x"
        verdict = {True: "meets", False: "MISSES", None: ""}[self.meets]
        return (f"{self.name:<36} qfmt {fmt(self.qfmt_s)} | {self.baseline:<36} "
                f"{fmt(self.baseline_s)} | {ratio:>8} (target {self.target}) {verdict}"
                + (f"  [{self.note}]" if self.note else ""))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm up (imports, caches)
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# -- payloads -------------------------------------------------------------------------------


RNG_SEED = 20261122


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def shots_v1(n: int, width: int = 20) -> bytes:
    values = _rng().integers(0, 2**width, size=n)
    return orjson.dumps([str(v) for v in values.tolist()])


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
    name: str
    run: Callable[[Size, int], Row]


def _load_case(name: str, fmt: str, make: Callable[[Size], bytes],
               describe: Callable[[Size], str], **options: Any) -> Case:
    def run(size: Size, repeat: int) -> Row:
        payload = make(size)
        q = median_time(lambda: qfmt.load(payload, fmt, **options), repeat)
        b = median_time(lambda: orjson.loads(payload), repeat)
        ratio = q / b
        return Row(name, q, "orjson.loads (same bytes)", b, "<= 1.3x", ratio, ratio <= 1.3,
                   f"{describe(size)}, {len(payload) / 1e6:.1f} MB")
    return Case(name, run)


def _sampler_case(size: Size, repeat: int) -> Row:
    """Load a SamplerV2 file into packed Memory. The baseline only parses the JSON; qfmt also
    decodes base64, inflates zlib and reorders the bytes, so the ratio is reported, not
    targeted."""
    payload = sampler_v2(size.shots_v1)
    q = median_time(lambda: qfmt.load(payload, "qiskit.primitives.sampler.json.v1"), repeat)
    b = median_time(lambda: orjson.loads(payload), repeat)
    return Row("load qiskit primitives sampler", q, "orjson.loads (same bytes)", b, "report",
               q / b, None, f"{size.shots_v1:,} shots x 20 bits, {len(payload) / 1e6:.1f} MB")


def _qiskit_result_case(size: Size, repeat: int) -> Row:
    payload = qiskit_result(size.memory_entries)

    def ours() -> Any:
        r = qfmt.load(payload, "qiskit.result.json.v1")
        return qfmt.dumps(r, "qiskit.result.json.v1")

    q = median_time(ours, repeat)
    b = median_time(lambda: orjson.dumps(orjson.loads(payload)), repeat)
    note = f"{size.memory_entries} memory entries"
    try:
        from qiskit.result import Result
    except ImportError:
        return Row("qiskit.result load+dump", q, "orjson loads+dumps", b, "report", q / b, None,
                   note + "; Qiskit not installed")
    qk = median_time(lambda: (lambda r: (r.get_counts(), r.get_memory()))(
        Result.from_dict(orjson.loads(payload))), repeat)
    ours_counts = median_time(lambda: (lambda r: (r.get_counts(), r.get_memory()))(
        qfmt.load(payload, "qiskit.result.json.v1")), repeat)
    return Row("qiskit.result load+dump", q, "orjson loads+dumps", b, "report", q / b, None,
               note + f"; load+get_counts+get_memory: qfmt {ours_counts * 1e3:.0f} ms vs "
               f"Qiskit from_dict {qk * 1e3:.0f} ms ({qk / ours_counts:.1f}x faster)")


def _marginal_case(size: Size, repeat: int) -> Row:
    data = orjson.loads(histogram_v1(size.outcomes_bits))
    counts = qfmt.load(data, "ionq.result.histogram.json.v1", num_qubits=20)
    idx = [0, 3, 5, 7, 11, 13, 17, 19]
    q = median_time(lambda: qfmt.marginal_distribution(counts, idx), repeat)
    try:
        from qiskit.result import marginal_distribution
    except ImportError:
        return Row("marginal_distribution", q, "qiskit (not installed)", None, ">= 3x faster")
    display = counts.bitstrings()
    b = median_time(lambda: marginal_distribution(display, idx), repeat)
    return Row("marginal_distribution", q, "qiskit.result.marginal_distribution", b,
               ">= 3x faster", b / q, b / q >= 3, f"{len(counts)} outcomes, 20 bits; ratio = "
               "speed-up")


def _remap_case(size: Size, repeat: int) -> Row:
    data = orjson.loads(histogram_v1(size.outcomes_bits))
    clbits = [19 - i if i % 3 else None for i in range(20)]
    clbits_ionq = [b if b is not None else 99 for b in clbits]  # qiskit-ionq's "unmeasured"
    shots = sum(data.values())
    q = median_time(lambda: qfmt.convert(data, "ionq.result.histogram.json.v1",
                                         "qiskit.counts.json.v1", num_qubits=20,
                                         meas_mapped=clbits), repeat)
    try:
        from qiskit_ionq.ionq_job import _build_counts
    except ImportError:
        return Row("histogram -> qiskit counts (remap)", q, "qiskit_ionq (not installed)", None,
                   ">= 10x faster")
    probs = {k: v / shots for k, v in data.items()}
    b = median_time(lambda: _build_counts(probs, 20, clbits_ionq, shots), repeat)
    return Row("histogram -> qiskit counts (remap)", q, "qiskit_ionq _build_counts", b,
               ">= 10x faster", b / q, b / q >= 10, "ratio = speed-up")


def _memory_case(size: Size, repeat: int) -> Row:
    payload = shots_v1(size.shots_v1)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    mem = qfmt.load(payload, "ionq.result.shots.json.v1", num_qubits=20)
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    retained = after - before
    limit = 16e6 * size.shots_v1 / 1_000_000
    return Row("memory of a loaded shots result", None, "-", None,
               f"<= {limit / 1e6:.0f} MB", retained / 1e6, retained <= limit,
               f"retained {retained / 1e6:.1f} MB, peak while loading {peak / 1e6:.1f} MB "
               f"(input {len(payload) / 1e6:.1f} MB), {len(mem)} shots; ratio = MB")


def _import_time(module: str, repeat: int) -> float:
    code = (f"import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(max(3, repeat))]
    return statistics.median(times)


def _import_case(size: Size, repeat: int) -> Row:
    q = _import_time("qfmt", repeat)
    b = _import_time("numpy", repeat)
    return Row("import qfmt", q, "import numpy", b, "<= 1.3x", q / b, q / b <= 1.3)


def _mitigation_case(size: Size, repeat: int) -> Row:
    n = size.mitigation_qubits
    rng = _rng()
    mats = [[[1 - a, b], [a, 1 - b]] for a, b in rng.uniform(0.005, 0.05, (n, 2))]
    mit = qfmt.LocalReadoutMitigator(mats)
    keys = rng.choice(2**n, size=min(size.mitigation_outcomes, 2**n), replace=False)
    counts = qfmt.Counts(dict(zip(keys.tolist(), rng.integers(1, 100, len(keys)).tolist())), n)
    q = median_time(lambda: mit.quasi_probabilities(counts), repeat)
    e = median_time(lambda: mit.expectation_value(counts), repeat)
    return Row("local mitigation quasi_probabilities", q, "expectation_value (no dense vector)", e,
               "report", q / e, None, f"{n} qubits, {len(counts)} outcomes -> 2**{n} quasi-probabilities")


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


def _batch_case(size: Size, repeat: int) -> Row:
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
            for n in (1, 2):
                with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                              host="127.0.0.1", dashboard_address=None) as c, \
                        distributed.Client(c) as client:
                    ex = client.get_executor()
                    times[f"dask {n}"] = median_time(lambda ex=ex: run(executor=ex), repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rates = ", ".join(f"{k} worker(s) {len(files) / t:.0f} files/s" for k, t in times.items())
    speedup = times["local 1"] / times["local 2"]
    return Row("batch convert (files/s)", times["local 2"], "the same batch on 1 worker",
               times["local 1"], "report", speedup, None,
               f"{len(files)} shots v1 files of {max(10, size.shots_v2 // 20):,} shots -> "
               f"Parquet; {rates}; ratio = 2-worker speed-up (local pool)")


def _shot_memory(n: int) -> qfmt.Memory:
    return qfmt.Memory.from_ints(_rng().integers(0, 2**20, size=n).astype(np.uint64), width=20)


def _parquet_case(size: Size, repeat: int) -> Row:
    mem = _shot_memory(size.shots_v1)
    pq_fmt, js_fmt = "qfmt.shots.parquet.v1", "ionq.result.shots.json.v1"
    raw = qfmt.dumps(mem, pq_fmt)
    text = qfmt.dumps(mem, js_fmt)
    assert qfmt.load(raw, pq_fmt) == mem
    q = median_time(lambda: qfmt.load(qfmt.dumps(mem, pq_fmt), pq_fmt), repeat)
    b = median_time(lambda: qfmt.load(qfmt.dumps(mem, js_fmt), js_fmt, num_qubits=20), repeat)
    qw = median_time(lambda: qfmt.dumps(mem, pq_fmt), repeat)
    qr = median_time(lambda: qfmt.load(raw, pq_fmt), repeat)
    qk = median_time(lambda: qfmt.load(qfmt.dumps(mem, "qiskit.memory.json.v1"),
                                       "qiskit.memory.json.v1"), repeat)
    limit = 4.5e6 * size.shots_v1 / 1_000_000
    return Row("parquet shots write+read", q, "shots v1 JSON write+read", b, "< 1x, <= 4.5 MB",
               q / b, q < b and len(raw) <= limit,
               f"{size.shots_v1:,} shots x 20 bits: Parquet {len(raw) / 1e6:.2f} MB (write "
               f"{qw * 1e3:.0f} ms, read {qr * 1e3:.0f} ms), shots v1 JSON {len(text) / 1e6:.1f} "
               f"MB, qiskit memory JSON write+read {qk * 1e3:.0f} ms")


def _parquet_scaling_case(size: Size, repeat: int) -> Row:
    small, big = _shot_memory(size.shots_v1), _shot_memory(size.shots_v1 * 10)
    raws = [qfmt.dumps(m, "qfmt.shots.parquet.v1") for m in (small, big)]

    def work(raw: Any) -> Any:  # load the shots, convert them to counts Parquet
        return qfmt.convert(raw, "qfmt.shots.parquet.v1", "qfmt.counts.parquet.v1")

    t_small = median_time(lambda: work(raws[0]), repeat)
    t_big = median_time(lambda: work(raws[1]), repeat)
    return Row("parquet load+convert x10 shots", t_big, "the same with 1/10 of the shots",
               t_small, "<= 10.5x", t_big / t_small, t_big / t_small <= 10.5,
               f"{size.shots_v1:,} -> {size.shots_v1 * 10:,} shots, shots -> counts Parquet")


CASES: list[Case] = [
    _load_case("load shots v1", "ionq.result.shots.json.v1",
               lambda s: shots_v1(s.shots_v1), lambda s: f"{s.shots_v1:,} shots x 20 bits",
               num_qubits=20),
    _load_case("load shots v2", "ionq.result.shots.json.v2", lambda s: shots_v2(s.shots_v2),
               lambda s: f"{s.shots_v2:,} shots x 20 bits, 2 registers"),
    _load_case("load histogram v1", "ionq.result.histogram.json.v1",
               lambda s: histogram_v1(s.outcomes_bits), _outcomes, num_qubits=20),
    _load_case("load histogram v2", "ionq.result.histogram.json.v2",
               lambda s: _v2("histogram", histogram_v1(s.outcomes_bits)), _outcomes),
    _load_case("load probabilities v1", "ionq.result.probabilities.json.v1",
               lambda s: probabilities_v1(s.outcomes_bits), _outcomes, num_qubits=20),
    _load_case("load probabilities v2", "ionq.result.probabilities.json.v2",
               lambda s: _v2("probabilities", probabilities_v1(s.outcomes_bits)), _outcomes),
    _load_case("load probabilities aggregate", "ionq.result.probabilities-aggregate.json.v1",
               lambda s: aggregate(s.children), lambda s: f"{s.children} children x 64 outcomes"),
    Case("load qiskit primitives sampler", _sampler_case),
    Case("qiskit.result load+dump", _qiskit_result_case),
    Case("marginal_distribution", _marginal_case),
    Case("histogram -> qiskit counts (remap)", _remap_case),
    Case("memory of a loaded shots result", _memory_case),
    Case("import qfmt", _import_case),
    Case("local mitigation", _mitigation_case),
    Case("batch convert", _batch_case),
    Case("parquet shots", _parquet_case),
    Case("parquet scaling", _parquet_scaling_case),
]
