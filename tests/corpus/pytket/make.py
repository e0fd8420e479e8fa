"""Make the pytket corpus: ``BackendResult.to_dict()`` of results built with pytket's own API.

No pytket simulator backend installs offline from the package registry with the test extra
(pytket-qiskit would bring qiskit-aer), so the states and unitaries are pytket's own
(``Circuit.get_statevector()``, ``Circuit.get_unitary()``), the shots are seeded samples of such a
state, and ``BackendResult`` / ``OutcomeArray`` package them exactly as a backend does.

Pinned: pytket==2.18.5, numpy==2.4.6 (see VERSIONS). Run from anywhere:
``python tests/corpus/pytket/make.py`` (seeded, so the files are the same on each run).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pytket.backends.backendresult import BackendResult
from pytket.circuit import Bit, Circuit, Qubit
from pytket.utils.outcomearray import OutcomeArray

HERE = Path(__file__).resolve().parent


def write(result: BackendResult, name: str) -> None:
    # (to_dict() leaves numpy ints in counts: written as JSON numbers)
    text = json.dumps(result.to_dict(), separators=(",", ":"), default=int)
    BackendResult.from_dict(json.loads(text))  # pytket reads it back
    (HERE / f"{name}.json").write_text(text + "\n")


def sample(circuit: Circuit, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Readouts of every qubit (``readouts[s][i]`` is qubit i), sampled from pytket's state
    (ILO-BE: qubit 0 is the most significant bit of an index)."""
    probs = np.abs(circuit.get_statevector()) ** 2
    n = circuit.n_qubits
    picks = rng.choice(len(probs), size=shots, p=probs / probs.sum())
    return np.array([[(k >> (n - 1 - i)) & 1 for i in range(n)] for k in picks], dtype=np.uint8)


def main() -> None:
    rng = np.random.default_rng(22)
    ghz = Circuit(3).H(0).CX(0, 1).CX(1, 2).X(2)
    reads = sample(ghz, 12, rng)
    # two registers: qubits 0 and 1 into c[0], c[1], qubit 2 into d[0]
    two = [Bit("c", 0), Bit("c", 1), Bit("d", 0)]
    write(BackendResult(shots=OutcomeArray.from_readouts(reads.tolist()), c_bits=two),
          "two-registers")
    # the same as counts
    counts = OutcomeArray.from_readouts(reads.tolist()).counts()
    write(BackendResult(counts=counts, c_bits=two), "two-registers-counts")
    # a register whose only bit is c[1]
    write(BackendResult(shots=OutcomeArray.from_readouts(reads[:, :1].tolist()),
                        c_bits=[Bit("c", 1)]), "bit-c1")
    # a state and a unitary (pytket's own), on qubits named q[0], q[1], q[2]
    circ = Circuit(3).H(0).CX(0, 1).Ry(0.3, 2).S(1)
    qubits = [Qubit("q", i) for i in range(3)]
    write(BackendResult(state=circ.get_statevector(), q_bits=qubits), "state")
    write(BackendResult(unitary=Circuit(2).H(0).CX(0, 1).T(1).get_unitary(),
                        q_bits=qubits[:2]), "unitary")


if __name__ == "__main__":
    main()
