"""Hypothesis strategies for canonical objects and IonQ payloads."""

from __future__ import annotations

import math
import string
from typing import Any

from hypothesis import strategies as st

widths = st.integers(min_value=1, max_value=70)  # crosses the 64-bit boundary


@st.composite
def outcome_maps(draw: Any, values: st.SearchStrategy[Any], width: int | None = None,
                 max_size: int = 12) -> tuple[dict[int, Any], int]:
    w = draw(widths) if width is None else width
    keys = draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=max_size, unique=True))
    return {k: draw(values) for k in keys}, w


counts_values = st.integers(min_value=0, max_value=10**9)


@st.composite
def prob_maps(draw: Any, width: int | None = None) -> tuple[dict[int, float], int]:
    weights, w = draw(outcome_maps(st.integers(1, 1000), width))
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()}, w


register_names = st.text(string.ascii_letters + "_", min_size=1, max_size=8)


@st.composite
def histogram_v1(draw: Any) -> tuple[dict[str, int], int]:
    data, w = draw(outcome_maps(counts_values))
    return {str(k): v for k, v in data.items()}, w


@st.composite
def probabilities_v1(draw: Any) -> tuple[dict[str, float], int]:
    data, w = draw(prob_maps())
    return {str(k): v for k, v in data.items()}, w


def _v2(draw: Any, top: str, inner: Any) -> dict[str, Any]:
    names = draw(st.lists(register_names, min_size=1, max_size=3, unique=True))
    regs = {}
    for name in names:
        data, w = draw(inner)
        regs[name] = {format(k, f"0{w}b"): v for k, v in data.items()}
    return {top: {"registers": regs}}


@st.composite
def histogram_v2(draw: Any) -> dict[str, Any]:
    return _v2(draw, "histogram", outcome_maps(counts_values))


@st.composite
def probabilities_v2(draw: Any) -> dict[str, Any]:
    return _v2(draw, "probabilities", prob_maps())


@st.composite
def shots_v1(draw: Any) -> tuple[list[str], int]:
    w = draw(widths)
    shots = draw(st.lists(st.integers(0, 2**w - 1), min_size=1, max_size=40))
    return [str(s) for s in shots], w


@st.composite
def shots_v2(draw: Any) -> dict[str, Any]:
    names = draw(st.lists(register_names, min_size=1, max_size=3, unique=True))
    rwidths = {n: draw(st.integers(1, 12)) for n in names}
    n = draw(st.integers(1, 30))
    leak_w = draw(st.none() | st.integers(1, 6))
    shots = []
    for _ in range(n):
        shot: dict[str, Any] = {"registers": {
            name: draw(st.lists(st.integers(0, 1), min_size=w, max_size=w))
            for name, w in rwidths.items()}}
        if leak_w is not None and draw(st.booleans()):
            shot["leakage_bits"] = draw(st.lists(st.integers(0, 1), min_size=leak_w,
                                                 max_size=leak_w))
        shots.append(shot)
    return {"shots": shots}


@st.composite
def aggregates(draw: Any) -> dict[str, Any]:
    ids = draw(st.lists(st.uuids().map(str), min_size=1, max_size=4, unique=True))
    out = {}
    for child in ids:
        data, _ = draw(prob_maps())
        out[child] = {str(k): v for k, v in data.items()}
    return out


# values that are never a valid count, probability or bit
bad_scalars = st.sampled_from([True, False, None, -1, "1", [], {}, 1.5, -0.25, 2.5, "x"])
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])


@st.composite
def qiskit_results(draw: Any, max_experiments: int = 3) -> dict[str, Any]:
    """Result.to_dict() payloads as Qiskit 2.x writes them (level-2 data)."""
    exps = []
    for e in range(draw(st.integers(1, max_experiments))):
        nregs = draw(st.integers(1, 3))
        sizes = [draw(st.integers(1, 25)) for _ in range(nregs)]
        width = sum(sizes)
        cregs = [[f"c{i}", s] for i, s in enumerate(sizes)]
        shots = draw(st.lists(st.integers(0, 2**width - 1), min_size=1, max_size=20))
        counts: dict[str, int] = {}
        for s in shots:
            counts[hex(s)] = counts.get(hex(s), 0) + 1
        header = {"name": f"circuit-{e}", "creg_sizes": cregs, "memory_slots": width,
                  "clbit_labels": [[n, i] for n, s in cregs for i in range(s)],
                  "n_qubits": width, "global_phase": 0.0, "metadata": {"k": e}}
        exp: dict[str, Any] = {"shots": len(shots), "success": True,
                               "data": {"counts": counts}, "meas_level": 2, "header": header}
        if draw(st.booleans()):
            exp["data"]["memory"] = [hex(s) for s in shots]
        if draw(st.booleans()):
            exp["status"] = "DONE"
        if draw(st.booleans()):
            exp["seed"] = draw(st.integers(0, 1000))
            exp["meas_return"] = "single"
        if draw(st.booleans()):
            exp["time_taken"] = draw(st.floats(0, 10))
        exps.append(exp)
    out: dict[str, Any] = {"backend_name": draw(st.sampled_from(["aer", "ionq_qpu", None])),
                           "backend_version": "1.0.0", "date": "2026-11-22T10:00:00",
                           "header": {"backend_name": "aer"}, "job_id": "job-1",
                           "status": "COMPLETED", "success": True, "results": exps}
    if draw(st.booleans()):
        out["qobj_id"] = "legacy"
    return out
