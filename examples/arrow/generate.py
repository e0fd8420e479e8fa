"""Regenerate the Parquet examples from the GHZ run of ``examples/ionq/shots-v2.json`` (run from
the repository root after ``examples/generate.py``): ``python examples/arrow/generate.py``."""

from __future__ import annotations

from pathlib import Path

import qfmt

HERE = Path(__file__).parent

if __name__ == "__main__":
    shots = qfmt.load(HERE.parent / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2")
    for name, fid in (("shots", "qfmt.shots.parquet.v1"), ("counts", "qfmt.counts.parquet.v1")):
        out = qfmt.dumps(shots, fid)
        assert isinstance(out, bytes)
        (HERE / f"{name}.parquet").write_bytes(out)
