"""Regenerate ``sampler.json`` and ``estimator.json``: the shipped 3-qubit GHZ run (the 1000
shots of ``result.json``) as Qiskit's primitives V2 would save it with ``RuntimeEncoder``.
Run from the repository root: ``python examples/qiskit/generate_primitives.py``.

- ``sampler.json``: a SamplerV2 ``PrimitiveResult``, one scalar pub, one register ``meas`` of
  3 bits (qubit i is clbit i), as ``measure_all`` names it.
- ``estimator.json``: an EstimatorV2 ``PrimitiveResult``, one pub of shape (4,): the
  observables ZZI, IZZ, ZIZ and ZZZ (rightmost character is qubit 0) estimated from those shots,
  with standard errors ``sqrt((1 - ev**2) / shots)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qfmt

HERE = Path(__file__).parent
OBSERVABLES = ("ZZI", "IZZ", "ZIZ", "ZZZ")


def main() -> None:
    run = qfmt.load((HERE / "result.json").read_text(), "qiskit.result.json.v1")
    mem = run.memory(0)
    shots = len(mem)
    sampler = qfmt.Result(
        [qfmt.ExperimentResult(
            {"memory": mem}, shots=shots,
            header={"metadata": {"shots": shots, "circuit_metadata": {"name": "ghz3"}}})],
        extra={"metadata": {"version": 2}})
    counts = mem.counts()
    evs = np.array([qfmt.sampled_expectation_value(counts, op) for op in OBSERVABLES])
    stds = np.sqrt((1 - evs**2) / shots)
    estimator = qfmt.Expectations(
        [qfmt.ExpectationValues(
            {"evs": evs, "stds": stds, "ensemble_standard_error": stds.copy()},
            metadata={"shots": shots, "target_precision": float(1 / np.sqrt(shots)),
                      "circuit_metadata": {"name": "ghz3"}})],
        metadata={"version": 2})
    (HERE / "sampler.json").write_text(
        qfmt.dumps(sampler, "qiskit.primitives.sampler.json.v1", pretty=True) + "\n")
    (HERE / "estimator.json").write_text(
        qfmt.dumps(estimator, "qiskit.primitives.estimator.json.v1", pretty=True) + "\n")


if __name__ == "__main__":
    main()
