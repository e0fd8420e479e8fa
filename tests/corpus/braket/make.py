"""Make the Braket corpus: raw ``GateModelTaskResult`` JSON from Braket's local state-vector
simulator (the ``"braket_sv"`` backend ``braket.devices.LocalSimulator()`` runs; its ``run``
returns the schema object whose ``.json()`` is the task's ``results.json``).

Pinned: amazon-braket-sdk==1.127.5, amazon-braket-default-simulator==1.41.2,
amazon-braket-schemas==1.32.1.post0 (see VERSIONS). Run from anywhere:
``python tests/corpus/braket/make.py``; shots are sampled, so the files change on each run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from braket.circuits import Circuit, observables
from braket.circuits.serialization import IRType
from braket.default_simulator import StateVectorSimulator
from braket.tasks import GateModelQuantumTaskResult

HERE = Path(__file__).resolve().parent


def plain(value: Any) -> Any:
    """numpy values as JSON, complex numbers as ``[re, im]``: how a Braket device writes state
    vectors and amplitudes in results.json (the SDK's ``cast_result_types`` reads them back)."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (complex, np.complexfloating)):
        return [float(value.real), float(value.imag)]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def task(circuit: Circuit, shots: int, name: str) -> None:
    raw = StateVectorSimulator().run(circuit.to_ir(IRType.OPENQASM), shots=shots)
    data = plain(raw.dict(exclude_none=True))
    if shots:
        # with shots the simulator returns the requested result types without values, and the
        # SDK computes them from the measurements: written here with their values, as a
        # device's results.json holds them
        done = GateModelQuantumTaskResult.from_object(raw).result_types
        data["resultTypes"] = [{"type": rt.type.dict(exclude_none=True), "value": plain(rt.value)}
                               for rt in done]
    if data.get("measurements") == []:
        # a shots=0 run has no measurements, and the schema (minItems 1) refuses an empty list
        del data["measurements"]
    text = json.dumps(data, separators=(",", ":"))
    (HERE / f"{name}.json").write_text(text + "\n")


def main() -> None:
    # five qubits, four measured in the order 3, 0, 4, 2 (qubit 1 is not measured)
    task(Circuit().h(0).cnot(0, 1).x(3).h(4).measure([3, 0, 4, 2]), 16, "subset-permuted")
    # result types next to the measurements
    task(Circuit().h(0).cnot(0, 1).x(2).probability(target=[0])
         .expectation(observables.Z(), target=[1]).variance(observables.X(), target=[2]),
         12, "result-types")
    # an exact (shots=0) task: result types only, no measurements
    task(Circuit().h(0).cnot(0, 1).state_vector().amplitude(["00", "11"]).probability()
         .expectation(observables.Z() @ observables.Z(), target=[0, 1]), 0, "shots0")


if __name__ == "__main__":
    main()
