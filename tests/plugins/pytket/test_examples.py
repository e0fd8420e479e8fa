"""The shipped pytket examples (the GHZ run of examples/ionq/shots-v2.json) converted to every
built-in format and back, and IonQ's shots converted into pytket's format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qfmt

FMT = "pytket.backend-result.json.v1"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SHOTS = EXAMPLES / "pytket" / "shots.json"
COUNTS = EXAMPLES / "pytket" / "counts.json"

def _kinds(fid: str) -> set[type]:
    f = qfmt.default_registry().get(fid)
    return {f.produces, *([f.element] if f.element is not None else [])}


# every built-in format of outcome data (expectation values are not outcomes: nothing converts)
BUILTIN = sorted(i.id for i in qfmt.formats() if i.builtin and i.id != FMT
                 and qfmt.Expectations not in _kinds(i.id))

# formats that hold per-shot data: the shots example goes there and back bit for bit
PER_SHOT = {"ionq.result.shots.json.v1", "ionq.result.shots.json.v2", "qiskit.memory.json.v1",
            "qiskit.result.json.v1"}
# probability formats: back to counts needs the shot count
PROBABILITIES = {fid for fid in BUILTIN if qfmt.ProbDistribution in _kinds(fid)}
# formats that write counts as probabilities: back to counts needs the shot count too
COUNTS_AS_PROBABILITIES = {"braket.task_result.gate_model_task_result.v1"}
# formats of other plugins that hold per-shot data only: counts would need sampling
SHOTS_ONLY = {fid for fid in BUILTIN if qfmt.Memory in _kinds(fid)} - {"qiskit.result.json.v1"}


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _there_and_back(src: Path, target: str) -> Any:
    """Convert ``src`` to ``target`` and back (giving each direction the options that format
    needs: a width for formats that carry none, a child job id, a shot count)."""
    fwd = {"job_id": "ghz"} if target == "ionq.result.probabilities-aggregate.json.v1" else {}
    out = qfmt.convert(src, FMT, target, **fwd)
    load_options = qfmt.default_registry().get(target).load_options or frozenset()
    back: dict[str, Any] = {k: 3 for k in ("num_qubits", "num_bits") if k in load_options}
    if target in PROBABILITIES | COUNTS_AS_PROBABILITIES:
        back["shots"] = 1000
    return qfmt.convert(out, target, FMT, **back)


def test_the_examples_are_the_ionq_run() -> None:
    ionq = qfmt.load(EXAMPLES / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2")
    shots = qfmt.load(SHOTS, FMT)
    kept = ~ionq.leaked()
    assert np.array_equal(shots.memory().bits, ionq.bits[kept])
    assert dict(shots.counts()) == dict(ionq.counts()) == dict(qfmt.load(COUNTS, FMT).counts())
    assert shots.results[0].header["bits"] == [["c", [0]], ["c", [1]], ["c", [2]]]


def test_ionq_shots_convert_into_pytket() -> None:
    out = qfmt.convert(EXAMPLES / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2", FMT)
    # the leaked shots are left out; the register keeps IonQ's name
    assert out["bits"] == [["output_all", [0]], ["output_all", [1]], ["output_all", [2]]]
    assert out["shots"] == _load(SHOTS)["shots"]
    kept = qfmt.convert(EXAMPLES / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2", FMT,
                        include_leakage=True)
    assert len(kept["shots"]["array"]) == 1003


@pytest.mark.parametrize("target", BUILTIN)
def test_shots_example_to_every_format_and_back(target: str) -> None:
    if target == "qiskit.quasi.json.v1":
        with pytest.raises(qfmt.LossyConversionError, match="quasi"):
            _there_and_back(SHOTS, target)
        return
    back = _there_and_back(SHOTS, target)
    if target in PER_SHOT:
        assert back == _load(SHOTS)   # exact, bit for bit, with the same bit names
    elif target in PROBABILITIES or "histogram" in target or "counts" in target:
        assert back == _load(COUNTS)  # the counts of the run: shot order is not carried
    else:  # a format of another plugin: the counts survive whatever it carries
        assert dict(qfmt.load(back, FMT).counts()) == dict(qfmt.load(COUNTS, FMT).counts())


@pytest.mark.parametrize("target", BUILTIN)
def test_counts_example_to_every_format_and_back(target: str) -> None:
    if target in (PER_SHOT | SHOTS_ONLY) - {"qiskit.result.json.v1"}:
        # counts have no shot order: per-shot formats need sampling
        with pytest.raises(qfmt.LossyConversionError, match="sample=True"):
            qfmt.convert(COUNTS, FMT, target)
        return
    if target == "qiskit.quasi.json.v1":
        with pytest.raises(qfmt.LossyConversionError, match="quasi"):
            _there_and_back(COUNTS, target)
        return
    back = _there_and_back(COUNTS, target)
    if target in PER_SHOT or target in PROBABILITIES or "histogram" in target or \
            "counts" in target:
        assert back == _load(COUNTS)
    else:
        assert dict(qfmt.load(back, FMT).counts()) == dict(qfmt.load(COUNTS, FMT).counts())


def test_sampled_memory_from_the_counts_example() -> None:
    out = qfmt.convert(COUNTS, FMT, "ionq.result.shots.json.v2", sample=True, seed=3)
    assert dict(qfmt.load(out, "ionq.result.shots.json.v2").counts()) == \
        dict(qfmt.load(COUNTS, FMT).counts())
