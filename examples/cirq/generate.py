"""Regenerate the Cirq example: the shipped 3-qubit GHZ run (``examples/ionq/shots-v2.json``) as
``cirq.to_json`` of a ``ResultDict`` writes it. Run from the repository root:
``python examples/cirq/generate.py``.

The shots are read with qfmt and written with qfmt, so the file agrees with the others: the 3
shots that leaked are left out (a Cirq record has no place for leakage), leaving 1000
repetitions of one measurement key ``m`` over qubits 0, 1, 2 (as
``cirq.measure(q0, q1, q2, key="m")`` records them).
"""

from __future__ import annotations

from pathlib import Path

import qfmt
from qfmt import kit

HERE = Path(__file__).parent
SOURCE = HERE.parent / "ionq" / "shots-v2.json"


def main() -> None:
    mem = qfmt.load(SOURCE, "ionq.result.shots.json.v2")
    kept = kit.without_leakage(mem)  # the 3 leaked shots, left out as every leakage-less format does
    ghz = kit.evolve(kept, layout=qfmt.RegisterLayout.single(kept.width, "m"), provenance=())
    text = qfmt.dumps(ghz, "cirq.result.json.v1", pretty=True)
    (HERE / "result.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
