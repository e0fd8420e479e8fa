"""Regenerate the pytket examples: the 3-qubit GHZ run of ``examples/ionq/shots-v2.json`` as
pytket's ``BackendResult.to_dict()`` writes it. Run from the repository root:
``python examples/pytket/generate.py``.

- ``shots.json``: the per-shot readouts (``"shots"``), the 3 leaked shots left out (pytket has
  no place for leakage), classical bits ``c[0], c[1], c[2]`` reading qubits 0, 1, 2.
- ``counts.json``: the same run as pytket's counts (``"counts"``), as a backend that returns
  counts only writes it.
"""

from __future__ import annotations

from pathlib import Path

import qfmt
from qfmt import kit

HERE = Path(__file__).parent
FMT = "pytket.backend-result.json.v1"


def main() -> None:
    mem = qfmt.load(HERE.parent / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2")
    # pytket names the classical bits of measure_all() c[0], c[1], ...: bit i reads qubit i
    mem = kit.evolve(mem, layout=qfmt.RegisterLayout.single(mem.width, "c"))
    counts = mem.counts()  # the leaked shots left out, as IonQ does
    outputs = {
        "shots.json": qfmt.dumps(mem, FMT),
        "counts.json": qfmt.dumps(counts, FMT),
    }
    for name, text in outputs.items():
        (HERE / name).write_text(text + "\n")


if __name__ == "__main__":
    main()
