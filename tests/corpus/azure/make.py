"""Make the Azure Quantum corpus: job output in the shapes Azure Quantum's service writes
(``microsoft.quantum-results.v1`` / ``.v2``), from seeded samples of small programs.

azure-quantum has no writer for these formats (the service writes them), so each payload is built
here in the documented shape, and checked with azure-quantum's own readers (``Job.get_results``,
``get_results_histogram``, ``get_results_shots``, run offline with the download replaced by the
payload) before it is written.

Pinned: azure-quantum==3.13.0, numpy==2.4.6 (see VERSIONS). Run from anywhere:
``python tests/corpus/azure/make.py`` (seeded, so the files are the same on each run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import numpy as np
from azure.quantum import Job, JobDetails

HERE = Path(__file__).resolve().parent
V1 = "microsoft.quantum-results.v1"
V2 = "microsoft.quantum-results.v2"


def sdk_job(fmt: str, payload: Any) -> Job:
    """An azure-quantum Job whose results download is ``payload`` (no network)."""
    details = JobDetails(id="", name="", provider_id="", target="", container_uri="",
                         input_data_format="", output_data_format=fmt)
    details.status = "Succeeded"
    job = Job(workspace=None, job_details=details)
    job.has_completed = Mock(return_value=True)  # type: ignore[method-assign]
    text = payload if isinstance(payload, str) else json.dumps(payload)
    job.download_data = Mock(return_value=text.encode())  # type: ignore[method-assign]
    return job


def display(outcome: Any) -> str:
    if isinstance(outcome, dict):
        return "(" + ", ".join(display(outcome[f"Item{i + 1}"]) for i in range(len(outcome))) + ")"
    return "[" + ", ".join(str(v) for v in outcome) + "]"


def item(shots: list[Any], with_shots: bool = True) -> dict[str, Any]:
    """One Results item: the histogram in order of first appearance, and the shots."""
    hist: dict[str, dict[str, Any]] = {}
    for s in shots:
        key = json.dumps(s)
        if key not in hist:
            hist[key] = {"Outcome": s, "Display": display(s), "Count": 0}
        hist[key]["Count"] += 1
    out: dict[str, Any] = {"Histogram": list(hist.values())}
    if with_shots:
        out["Shots"] = shots
    return out


def ghz(rng: np.random.Generator, n: int, qubits: int, flip: float = 0.0) -> list[list[Any]]:
    ideal = np.repeat(rng.integers(0, 2, size=(n, 1)), qubits, axis=1)
    return (ideal ^ (rng.random((n, qubits)) < flip)).tolist()  # type: ignore[no-any-return]


def write(payload: Any, name: str, fmt: str) -> None:
    job = sdk_job(fmt, payload)
    if fmt == V2:
        job.get_results_histogram()  # the SDK reads it (raises if not)
        if all("Shots" in r for r in payload["Results"]):
            sdk_job(fmt, payload).get_results_shots()
    else:
        assert isinstance(job.get_results(), dict)
    (HERE / f"{name}.json").write_text(json.dumps(payload, separators=(",", ":")) + "\n")


def main() -> None:
    rng = np.random.default_rng(22)
    # a 3-qubit GHZ run: histogram and shots
    write({"DataFormat": V2, "Results": [item(ghz(rng, 20, 3))]}, "v2-shots", V2)
    # the same kind of run with a Histogram and no Shots
    write({"DataFormat": V2, "Results": [item(ghz(rng, 40, 3, 0.1), with_shots=False)]},
          "v2-histogram-only", V2)
    # lost qubits ("-") in the shots, and in a histogram without shots
    lossy = ghz(rng, 24, 3, 0.05)
    lossy[3][1] = "-"
    lossy[10][2] = "-"
    lossy[11][0] = "-"
    write({"DataFormat": V2, "Results": [item(lossy)]}, "v2-loss", V2)
    write({"DataFormat": V2, "Results": [item(lossy, with_shots=False)]},
          "v2-loss-histogram-only", V2)
    # a batch of two programs: one returning a tuple of two result arrays, one a plain array
    tuples = [{"Item1": s[:1], "Item2": s[1:]} for s in ghz(rng, 12, 3)]
    write({"DataFormat": V2, "Results": [item(tuples), item(ghz(rng, 16, 2, 0.1))]},
          "v2-batch", V2)
    # v1: flat display, probability pairs; with a lost qubit
    write({"Histogram": ["[0, 0]", 0.5, "[1, 1]", 0.5]}, "v1", V1)
    write({"Histogram": ["[0, 0]", 0.45, "[1, 1]", 0.5, "[1, -]", 0.05]}, "v1-loss", V1)


if __name__ == "__main__":
    main()
