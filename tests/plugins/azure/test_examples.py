"""The shipped GHZ run as Azure Quantum output: converted to every built-in format and back where
exact, and produced from examples/ionq/shots-v2.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import qfmt
from tests.helpers import outcome_formats

EXAMPLES = Path(__file__).parents[3] / "examples"
PROB = "ionq.result.probabilities.json.v1"
QUASI = "qiskit.quasi.json.v1"  # every distribution converts to it: the comparator
#: Formats a per-shot payload comes back from unchanged (they keep every shot in order).
EXACT_BACK = {"ionq.result.shots.json.v1", "ionq.result.shots.json.v2", "qiskit.memory.json.v1",
              "qiskit.result.json.v1", "stim.shots.01", "stim.shots.b8",
              "microsoft.quantum-results.v2", "microsoft.quantum-results.v1",
              "ionq.result.probabilities.json.v1", "ionq.result.probabilities.json.v2",
              "qiskit.probabilities.json.v1", "qiskit.quasi.json.v1",
              "ionq.result.histogram.json.v1", "ionq.result.histogram.json.v2",
              "qiskit.counts.json.v1", "ionq.result.probabilities-aggregate.json.v1",
              "cirq.result.json.v1", "pytket.backend-result.json.v1", "qfmt.shots.parquet.v1",
              "qfmt.counts.parquet.v1", "qiskit.primitives.sampler.json.v1",
              "braket.task_result.gate_model_task_result.v1"}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bytes) and isinstance(b, str):
        b = b.encode()
    return bool(a == b)


def _opts(fid: str, width: int) -> dict[str, Any]:
    return {"num_bits": width} if fid == "stim.shots.b8" else {}


def roundtrip_every_format(src: str, payload: Any, width: int) -> set[str]:
    """Convert ``payload`` to every built-in format: each conversion either works, keeping the
    distribution (compared as Qiskit quasi-probabilities), or is refused naming an option.
    Returns the formats the payload comes back from exactly, without options."""
    opts = _opts(src, width)
    before = qfmt.convert(payload, src, QUASI, **opts)
    exact = set()
    for dst in outcome_formats():
        try:
            out = qfmt.convert(payload, src, dst, **opts)
        except qfmt.LossyConversionError as exc:
            assert "pass " in str(exc) or "use " in str(exc), (dst, str(exc))
            continue
        dst_opts = _opts(dst, width)
        assert qfmt.convert(out, dst, QUASI, **dst_opts) == before, dst
        try:
            back = qfmt.convert(out, dst, src, **dst_opts)
        except qfmt.LossyConversionError:
            continue  # per-shot data from a distribution needs sample=True: not exact
        if _same(payload if not isinstance(payload, Path) else payload.read_bytes(), back) or \
                (not isinstance(back, (bytes, str)) and
                 qfmt.load(payload, src, **opts) == qfmt.load(back, src, **opts)):
            exact.add(dst)
    return exact


CASES = [("microsoft.quantum-results.v2", EXAMPLES / "azure" / "results-v2.json"),
         ("microsoft.quantum-results.v1", EXAMPLES / "azure" / "results-v1.json")]


@pytest.mark.parametrize("fid,path", CASES, ids=[c[0] for c in CASES])
def test_example_to_every_format_and_back(fid: str, path: Path) -> None:
    exact = roundtrip_every_format(fid, _json(path), 3)
    if fid.endswith("v2"):
        assert {"ionq.result.shots.json.v2", "qiskit.memory.json.v1", "stim.shots.01",
                "stim.shots.b8"} <= exact
    else:
        assert {"ionq.result.probabilities.json.v1", "qiskit.probabilities.json.v1"} <= exact


def _json(path: Path) -> Any:
    import json

    return json.loads(path.read_text())


@pytest.mark.parametrize("fid,path", CASES, ids=[c[0] for c in CASES])
def test_from_ionq_shots_v2(fid: str, path: Path) -> None:
    src = EXAMPLES / "ionq" / "shots-v2.json"
    mem = qfmt.load(src, "ionq.result.shots.json.v2")
    out = qfmt.convert(src, "ionq.result.shots.json.v2", fid)
    if fid.endswith("v1"):
        assert out == _json(path)
        return
    # the example leaves the leaked shots out; converting keeps them, marked as lost
    assert dict(qfmt.load(out, fid).counts()) == dict(qfmt.load(path, fid).counts()) == \
        dict(mem.counts())
    lost = qfmt.load(out, fid).memory().leaked()
    assert lost.nonzero()[0].tolist() == mem.leaked().nonzero()[0].tolist() == [17, 404, 871]
    assert qfmt.convert(out, fid, PROB) == qfmt.convert(src, "ionq.result.shots.json.v2", PROB)
