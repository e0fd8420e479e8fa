"""`python -m bench --smoke` runs every case and gives every targeted row a verdict (no timing
assertions: the numbers at smoke sizes mean nothing). The baselines (Qiskit, qiskit-ionq) are in
the test extra, so every targeted row must be measured."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_smoke_run_prints_a_verdict_for_every_target(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    sys.path.insert(0, str(ROOT))
    try:
        from bench.cases import CASES
    finally:
        sys.path.remove(str(ROOT))
    rows = json.loads(out.read_text())
    lines = done.stdout.splitlines()
    # every case ran and printed its rows, in order
    assert len(rows) >= len(CASES)
    for row in rows:
        line = next(ln for ln in lines if re.match(re.escape(row["name"]) + r"\s+qfmt ", ln))
        if row["targeted"]:
            assert row["meets"] in (True, False), row
            assert line.split("(target ", 1)[1].split(")", 1)[1].split()[0] == \
                ("meets" if row["meets"] else "MISSES"), line
    names = [r["name"] for r in rows]
    for expected in ("load shots v1", "load shots v1 pretty", "load shots v1 from Path",
                     "cli convert aggregate", "dumps histogram v1", "validate shots v1",
                     "marginal_distribution of a dict", "remap probabilities off grid",
                     "peak memory, load histogram v2", "import qfmt",
                     "parquet load+convert x10 shots"):
        assert expected in names
    assert sum(n.startswith("remap ") for n in names) == 4
    targeted = [r for r in rows if r["targeted"]]
    met = sum(bool(r["meets"]) for r in targeted)
    summary = re.fullmatch(r"(\d+) of (\d+) targets met(; missed: .*)?", lines[-1])
    assert summary is not None, lines[-1]
    assert (int(summary[1]), int(summary[2])) == (met, len(targeted))
    for r in targeted:
        assert (f"{r['name']} (" in (summary[3] or "")) == (not r["meets"])
