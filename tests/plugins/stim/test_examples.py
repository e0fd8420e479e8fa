"""The shipped GHZ run as Stim shot data: converted to every built-in format and back where
exact, and produced from examples/ionq/shots-v2.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import qfmt
from tests.plugins.azure.test_examples import EXACT_BACK, PROB, roundtrip_every_format

EXAMPLES = Path(__file__).parents[3] / "examples"
CASES = [("stim.shots.01", EXAMPLES / "stim" / "shots.01"),
         ("stim.shots.b8", EXAMPLES / "stim" / "shots.b8")]


@pytest.mark.parametrize("fid,path", CASES, ids=[c[0] for c in CASES])
def test_example_to_every_format_and_back(fid: str, path: Path) -> None:
    exact = roundtrip_every_format(fid, path.read_bytes(), 3)
    assert {"ionq.result.shots.json.v1", "qiskit.memory.json.v1", "stim.shots.01",
            "stim.shots.b8", "microsoft.quantum-results.v2"} <= exact <= EXACT_BACK


@pytest.mark.parametrize("fid,path", CASES, ids=[c[0] for c in CASES])
def test_from_ionq_shots_v2(fid: str, path: Path) -> None:
    src = EXAMPLES / "ionq" / "shots-v2.json"
    out: Any = qfmt.convert(src, "ionq.result.shots.json.v2", fid)
    assert out == path.read_bytes() or out == path.read_text()
    mem = qfmt.load(src, "ionq.result.shots.json.v2")
    assert dict(qfmt.load(out, fid, num_bits=3).counts()) == dict(mem.counts())
    assert qfmt.convert(out, fid, PROB, num_bits=3) == \
        qfmt.convert(src, "ionq.result.shots.json.v2", PROB)
