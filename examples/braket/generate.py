"""Regenerate the Braket examples: the shipped 3-qubit GHZ run (``examples/ionq/shots-v2.json``)
as Amazon Braket task results. Run from the repository root:
``python examples/braket/generate.py``.

- ``task-result.json``: ``measurements`` per shot, as a gate-model simulator or a device that
  returns shots writes them (1000 shots: the 3 shots that leaked are left out, since Braket
  has no leakage marks).
- ``task-result-probabilities.json``: ``measurementProbabilities`` with ``taskMetadata.shots``,
  as Braket returns results of devices that report probabilities.

Braket writes qubit ``measuredQubits[i]`` as character *i* (leftmost first): the outcome "qubit
0 set, others clear" (canonical 1) is ``[1, 0, 0]`` and ``"100"``.
"""

from __future__ import annotations

from pathlib import Path

import qfmt

HERE = Path(__file__).parent
FORMAT = "braket.task_result.gate_model_task_result.v1"
TASK_ARN = "arn:aws:braket:us-east-1:123456789012:quantum-task/6a2f1b8e-3c1d-4b59-9f0e-2d7c8a41e5b3"
DEVICE_ARN = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
PROGRAM = """OPENQASM 3.0;
bit[3] b;
qubit[3] q;
h q[0];
cnot q[0], q[1];
cnot q[1], q[2];
b[0] = measure q[0];
b[1] = measure q[1];
b[2] = measure q[2];"""


def task(data: dict[str, object]) -> qfmt.Result:
    """One Braket task holding ``data``, with the metadata a device run has."""
    metadata = {"braketSchemaHeader": {"name": "braket.task_result.task_metadata", "version": "1"},
                "id": TASK_ARN, "shots": 1000, "deviceId": DEVICE_ARN,
                "createdAt": "2026-11-22T09:30:00.000Z", "endedAt": "2026-11-22T09:31:12.000Z",
                "status": "COMPLETED"}
    additional = {"action": {"braketSchemaHeader": {"name": "braket.ir.openqasm.program",
                                                    "version": "1"},
                             "source": PROGRAM, "inputs": {}}}
    exp = qfmt.ExperimentResult(data, shots=1000, job_id=TASK_ARN,
                                extra={"measuredQubits": [0, 1, 2]})
    return qfmt.Result([exp], backend_name=DEVICE_ARN, job_id=TASK_ARN,
                       extra={"taskMetadata": metadata, "additionalMetadata": additional})


def main() -> None:
    shots = qfmt.load(HERE.parent / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2")
    # Braket has no leakage marks: qfmt leaves the 3 leaked shots out when writing (and out of
    # the counts), and says so in the provenance
    outputs = {
        "task-result.json": qfmt.dumps(task({"memory": shots}), FORMAT),
        "task-result-probabilities.json": qfmt.dumps(task({"counts": shots.counts()}), FORMAT,
                                                     pretty=True),
    }
    for name, text in outputs.items():
        (HERE / name).write_text(text + "\n")


if __name__ == "__main__":
    main()
