"""Make the Stim corpus: measurement samples wider than 64 bits, written by Stim's own sampler
(``CompiledMeasurementSampler.sample_write``) in the ``01`` and ``b8`` formats.

Pinned: stim==1.16.0 (see VERSIONS). Run from anywhere: ``python tests/corpus/stim/make.py``
(seeded, so the files are the same on each run).
"""

from __future__ import annotations

from pathlib import Path

import stim

HERE = Path(__file__).resolve().parent
#: 70 measurements: bits 64 and up only fit past a uint64
WIDTH = 70


def circuit() -> stim.Circuit:
    """A Bell pair on qubits 0 and 69, X on 3 and 64, random bit 5, and a noisy 66; all measured."""
    c = stim.Circuit()
    c.append("H", [0])
    c.append("CNOT", [0, 69])
    c.append("X", [3, 64])
    c.append("H", [5])
    c.append("X_ERROR", [66], 0.3)
    c.append("M", list(range(WIDTH)))
    return c


def main() -> None:
    for fmt in ("01", "b8"):
        circuit().compile_sampler(seed=22).sample_write(
            9, filepath=str(HERE / f"m{WIDTH}.{fmt}"), format=fmt)


if __name__ == "__main__":
    main()
