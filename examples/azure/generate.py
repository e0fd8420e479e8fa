"""Regenerate the Azure Quantum examples: the GHZ run of ``examples/ionq/shots-v2.json`` (leaked
shots left out) as Azure Quantum job output. Run from the repository root:
``python examples/azure/generate.py``."""

from __future__ import annotations

from pathlib import Path

import qfmt
from qfmt import kit

HERE = Path(__file__).parent
SOURCE = HERE.parent / "ionq" / "shots-v2.json"


def main() -> None:
    mem = kit.without_leakage(qfmt.load(SOURCE, "ionq.result.shots.json.v2"))
    (HERE / "results-v2.json").write_text(
        qfmt.dumps(mem, "microsoft.quantum-results.v2") + "\n")
    (HERE / "results-v1.json").write_text(
        qfmt.dumps(mem, "microsoft.quantum-results.v1", pretty=True) + "\n")


if __name__ == "__main__":
    main()
