"""Every payload of the real-SDK corpus, written to every built-in format: it round-trips or
the loss is refused or noted as declared (``qfmt.testing.check_conversion``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import qfmt
from qfmt.testing import check_conversion

ROOT = Path(__file__).parent
BUILTIN = sorted({row.id for row in qfmt.formats() if row.builtin and row.status == "loaded"})

# payloads that need a format or an option to load (the rest are detected)
HOW: dict[str, tuple[str, dict[str, Any]]] = {
    "azure/v1-loss.json": ("microsoft.quantum-results.v1", {"drop_lost": True}),
    "stim/m70.01": ("stim.shots.01", {}),
    "stim/m70.b8": ("stim.shots.b8", {"num_bits": 70}),
}
# refused on purpose (tests/corpus/test_vendor_corpus.py says why)
REFUSED = {"cirq/qudits.json"}

FILES = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/*")
               if p.suffix in (".json", ".01", ".b8") and str(p.relative_to(ROOT)) not in REFUSED)


def _load(name: str) -> Any:
    fid, options = HOW.get(name, (None, {}))
    return qfmt.load(ROOT / name, fid, **options)


def test_the_corpus_is_all_here() -> None:
    assert len(FILES) >= 30
    for vendor in ("qiskit", "braket", "cirq", "pytket", "azure", "stim"):
        assert any(f.startswith(vendor + "/") for f in FILES), vendor


@pytest.mark.parametrize("name", FILES)
def test_every_destination_round_trips_or_refuses_as_declared(name: str) -> None:
    obj = _load(name)
    written = 0
    for fid in BUILTIN:
        if check_conversion(obj, fid) is not None:
            written += 1
    assert written >= 1
