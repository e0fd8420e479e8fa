"""The azure-quantum SDK's own readers (``Job.get_results``, ``get_results_histogram``,
``get_results_shots``, offline: the job's download is the payload) on payloads and on qfmt's
output: same counts, same shots, and the SDK reads what qfmt writes to equal data."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock

import numpy as np
from azure.quantum import Job, JobDetails

import qfmt
from tests.plugins.azure.test_formats import SDK_V1, SDK_V2_DASH, SDK_V2_ERRORS, TUPLES, V1, V2


def sdk_job(fmt: str, payload: Any) -> Job:
    details = JobDetails(id="", name="", provider_id="", target="", container_uri="",
                         input_data_format="", output_data_format=fmt)
    details.status = "Succeeded"
    job = Job(workspace=None, job_details=details)
    job.has_completed = Mock(return_value=True)  # type: ignore[method-assign]
    text = payload if isinstance(payload, str) else json.dumps(payload)
    job.download_data = Mock(return_value=text.encode())  # type: ignore[method-assign]
    return job


def noisy_batch(seed: int) -> dict[str, Any]:
    """A two-item batch of 3-qubit GHZ shots with flips and two lost qubits, in Azure's shape."""
    rng = np.random.default_rng(seed)
    items = []
    for n in (120, 80):
        ideal = np.repeat(rng.integers(0, 2, size=(n, 1)), 3, axis=1)
        shots: list[list[Any]] = (ideal ^ (rng.random((n, 3)) < 0.05)).tolist()
        shots[7][1] = "-"
        hist: dict[str, int] = {}
        for s in shots:
            hist[json.dumps(s)] = hist.get(json.dumps(s), 0) + 1
        items.append({"Histogram": [{"Outcome": json.loads(k), "Display": k.replace('"', ""),
                                     "Count": c} for k, c in hist.items()], "Shots": shots})
    return {"DataFormat": V2, "Results": items}


def test_counts_and_shots_agree_with_the_sdk() -> None:
    payload = noisy_batch(3)
    r = qfmt.load(payload, V2)
    hists = sdk_job(V2, payload).get_results_histogram()
    shots = sdk_job(V2, payload).get_results_shots()
    for exp, hist, sdk_shots in zip(r, hists, shots):
        mem = exp.data["memory"]
        raw = {tuple(v["outcome"]): v["count"] for v in hist.values()}
        kept = {k: c for k, c in raw.items() if "-" not in k}
        ours = {tuple((o >> i) & 1 for i in range(3)): c for o, c in mem.counts().items()}
        assert ours == kept
        lost = mem.leaked()
        good = [s for s in sdk_shots if "-" not in s]
        assert mem.to_bool()[~lost].astype(int).tolist() == good
        assert lost.sum() == len(sdk_shots) - len(good)


def test_sdk_reads_qfmt_output_to_equal_data() -> None:
    for payload in (noisy_batch(4), SDK_V2_DASH, SDK_V2_ERRORS, TUPLES):
        out = qfmt.dumps(qfmt.load(payload, V2), V2)
        assert sdk_job(V2, out).get_results_histogram() == \
            sdk_job(V2, payload).get_results_histogram()
        assert sdk_job(V2, out).get_results_shots() == sdk_job(V2, payload).get_results_shots()
        assert sdk_job(V2, out).get_results() == sdk_job(V2, payload).get_results()
    out = qfmt.dumps(qfmt.load(SDK_V1, V1), V1)
    assert sdk_job(V1, out).get_results() == sdk_job(V1, SDK_V1).get_results() == \
        {"[0]": 0.5, "[1]": 0.5}


def test_sdk_reads_ionq_shots_converted_by_qfmt() -> None:
    v2 = {"shots": [{"registers": {"output_all": [1, 0, 0]}},
                    {"registers": {"output_all": [1, 1, 1]}, "leakage_bits": [0, 1, 0]}]}
    out = qfmt.dumps(qfmt.load(v2, "ionq.result.shots.json.v2"), V2)
    assert sdk_job(V2, out).get_results_shots() == [[1, 0, 0], [1, "-", 1]]
