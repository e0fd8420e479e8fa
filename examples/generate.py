"""Regenerate the example payloads: one 3-qubit GHZ run on noisy hardware, seen through every
built-in format. Run from the repository root: ``python examples/generate.py``.

The per-shot record (shots v2) is the source; every other file is derived from it with qfmt, so
the files agree with each other: shots v1, histograms and probabilities leave out the 3 shots
that leaked, as IonQ does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qfmt

HERE = Path(__file__).parent
CHILD_A = "06a2099c-f845-7208-8000-8111ee2dccbc"
CHILD_B = "06a2099c-f846-7d32-8000-5726853513db"


def ghz_shots(rng: np.random.Generator, n: int, flip: float = 0.03) -> np.ndarray:
    """``n`` shots of a 3-qubit GHZ state with independent bit flips: (n, 3) bits."""
    ideal = np.repeat(rng.integers(0, 2, size=(n, 1)), 3, axis=1)
    return ideal ^ (rng.random((n, 3)) < flip)


def main() -> None:
    rng = np.random.default_rng(20261122)
    bits = ghz_shots(rng, 1003)
    leaked = np.zeros((1003, 3), dtype=np.uint8)
    leaked[[17, 404, 871], [1, 0, 2]] = 1
    shots = [{"registers": {"output_all": row}, "leakage_bits": leak}
             for row, leak in zip(bits.tolist(), leaked.tolist())]
    shots_v2 = {"shots": shots}
    mem = qfmt.load(shots_v2, "ionq.result.shots.json.v2")
    counts = mem.counts()
    # a second circuit of the same job, for the aggregate: a Bell pair on qubits 0 and 1
    bell = qfmt.Counts({0b00: 507, 0b11: 481, 0b01: 7, 0b10: 5}, 2)
    aggregate = qfmt.Result([
        qfmt.ExperimentResult({"probabilities": counts.probabilities()}, job_id=CHILD_A),
        qfmt.ExperimentResult({"probabilities": bell.probabilities()}, job_id=CHILD_B),
    ])
    outputs = {
        "shots-v2.json": qfmt.dumps(mem, "ionq.result.shots.json.v2"),
        "shots-v1.json": qfmt.dumps(mem, "ionq.result.shots.json.v1"),
        "histogram-v1.json": qfmt.dumps(counts, "ionq.result.histogram.json.v1"),
        "histogram-v2.json": qfmt.dumps(counts, "ionq.result.histogram.json.v2", pretty=True),
        "probabilities-v1.json": qfmt.dumps(counts, "ionq.result.probabilities.json.v1"),
        "probabilities-v2.json": qfmt.dumps(counts, "ionq.result.probabilities.json.v2",
                                            pretty=True),
        "probabilities-aggregate.json": qfmt.dumps(
            aggregate, "ionq.result.probabilities-aggregate.json.v1", pretty=True),
    }
    for name, text in outputs.items():
        (HERE / "ionq" / name).write_text(text + "\n")


if __name__ == "__main__":
    (HERE / "ionq").mkdir(exist_ok=True)
    main()
