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


def mitigated(counts: qfmt.Counts) -> qfmt.QuasiDistribution:
    """Undo a 2 % / 3 % readout error per qubit: the inverse assignment matrix applied to the
    measured distribution gives quasi-probabilities, some slightly negative."""
    a = np.array([[0.98, 0.03], [0.02, 0.97]])  # a[i, j] = P(read i | prepared j)
    full = np.kron(np.kron(a, a), a)  # qubit 0 least significant
    p = np.zeros(8)
    for k, v in counts.items():
        p[k] = v / counts.shots()
    quasi = np.linalg.solve(full, p)
    return qfmt.QuasiDistribution({k: round(float(q), 6) for k, q in enumerate(quasi)}, 3,
                                  shots=counts.shots())


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

    # The same run as Qiskit sees it: qubit i is clbit i, one register "meas" (as measure_all
    # names it); leaked shots are left out of the memory, as IonQ leaves them out of shots v1.
    layout = {"creg_sizes": [["meas", 3]], "clbit_labels": None}
    result = qfmt.Result(
        [qfmt.ExperimentResult({"memory": mem}, shots=1000,
                               header={"name": "ghz3", "n_qubits": 3,
                                       "qubit_labels": [["q", i] for i in range(3)],
                                       "clbit_labels": [["meas", i] for i in range(3)]})],
        backend_name="ionq_qpu.forte-1", backend_version="0.4", date="2026-11-22T09:30:00Z",
        header={"backend_name": "ionq_qpu.forte-1"}, job_id=CHILD_A, status="COMPLETED")
    qiskit_outputs = {
        "result.json": qfmt.dumps(result, "qiskit.result.json.v1", pretty=True,
                                  creg_sizes=layout["creg_sizes"]),
        "counts.json": qfmt.dumps(counts, "qiskit.counts.json.v1", pretty=True),
        "memory.json": qfmt.dumps(mem, "qiskit.memory.json.v1"),
        "probabilities.json": qfmt.dumps(counts, "qiskit.probabilities.json.v1", pretty=True),
        "quasi.json": qfmt.dumps(mitigated(counts), "qiskit.quasi.json.v1", pretty=True),
    }
    for name, text in qiskit_outputs.items():
        (HERE / "qiskit" / name).write_text(text + "\n")


if __name__ == "__main__":
    (HERE / "ionq").mkdir(exist_ok=True)
    (HERE / "qiskit").mkdir(exist_ok=True)
    main()
