"""The vendors' real payload corpus (``tests/corpus/<vendor>/``, each folder's ``make.py`` made
its files with the vendor's SDK, pinned in its ``VERSIONS``): every file loads with qfmt, its
numbers equal those the SDK reads from the same file, and it round-trips through its own format
(the SDK reads qfmt's output to the same numbers)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qfmt

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def files(vendor: str, pattern: str = "*.json") -> list[Path]:
    found = sorted((HERE / vendor).glob(pattern))
    assert found, f"no {pattern} in tests/corpus/{vendor}"
    return found


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def bits_of(outcome: int, width: int) -> tuple[int, ...]:
    return tuple((outcome >> i) & 1 for i in range(width))


def test_each_vendor_folder_has_its_script_and_pinned_versions() -> None:
    for vendor in ("braket", "cirq", "pytket", "stim", "azure"):
        make = (HERE / vendor / "make.py").read_text()
        pins = (HERE / vendor / "VERSIONS").read_text().split()
        assert pins and all("==" in p for p in pins)
        assert all(p in make for p in pins if not p.startswith(("numpy", "sympy")))
    for path in HERE.glob("*/*"):
        if path.parent.name in ("braket", "cirq", "pytket", "stim", "azure"):
            assert path.stat().st_size < 8000, path


# -- Amazon Braket (LocalSimulator's state-vector simulator) ----------------------------------

BRAKET = "braket.task_result.gate_model_task_result.v1"


@pytest.mark.parametrize("path", files("braket"), ids=ids(files("braket")))
def test_braket(path: Path) -> None:
    from braket.task_result import GateModelTaskResult
    from braket.tasks import GateModelQuantumTaskResult

    from qfmt.plugins.braket import to_braket

    text = path.read_text()
    raw = json.loads(text)
    theirs = GateModelQuantumTaskResult.from_string(text)
    ours = qfmt.load(text, BRAKET)
    exp = ours.results[0]
    assert exp.measured_qubits == tuple(raw["measuredQubits"])
    if theirs.measured_qubits is not None:  # (the SDK leaves it None for a shots=0 task)
        assert exp.measured_qubits == tuple(theirs.measured_qubits)
    assert exp.shots == theirs.task_metadata.shots and ours.job_id == theirs.task_metadata.id
    if theirs.task_metadata.shots:
        mem = ours.memory()
        assert mem.width == len(theirs.measured_qubits)
        assert np.array_equal(mem.to_bool().astype(int), np.asarray(theirs.measurements))
        braket_keys = Counter({"".join(map(str, bits_of(k, mem.width))): v
                               for k, v in ours.counts().items()})
        assert braket_keys == theirs.measurement_counts
    else:
        assert "memory" not in exp.data and "probabilities" not in exp.data
    if raw.get("resultTypes"):
        # kept verbatim as experiment data, and the SDK computes the same values from qfmt's
        # output
        assert exp.data["result_types"] == raw["resultTypes"]
        back = to_braket(ours)
        assert len(back.values) == len(theirs.values)
        for got, want in zip(back.values, theirs.values):
            if isinstance(want, dict):
                assert got == pytest.approx(want)
            else:
                assert np.allclose(got, want)
    # its own format: the schema object is the same, and qfmt reads its output back equal
    out = qfmt.dumps(ours, BRAKET)
    assert GateModelTaskResult.parse_raw(out) == GateModelTaskResult.parse_raw(text)
    assert qfmt.load(out, BRAKET) == ours
    if theirs.measured_qubits is not None:
        assert to_braket(ours).measured_qubits == theirs.measured_qubits


# -- Cirq (cirq.Simulator) ---------------------------------------------------------------------

CIRQ = "cirq.result.json.v1"


def _cirq_check(ours: qfmt.ExperimentResult, theirs: Any) -> None:
    mem = ours.data["memory"]
    assert mem.layout is not None and list(mem.layout.names) == list(theirs.records)
    for key, rec in theirs.records.items():
        reps = rec.shape[0]
        # instance j's qubit i is bit j * qubits + i of the key's register
        assert np.array_equal(mem.register(key).to_bool().astype(int),
                              np.asarray(rec).reshape(reps, -1))
    assert ours.shots == theirs.repetitions


@pytest.mark.parametrize("path", [p for p in files("cirq") if p.name != "qudits.json"],
                         ids=ids([p for p in files("cirq") if p.name != "qudits.json"]))
def test_cirq(path: Path) -> None:
    import cirq

    text = path.read_text()
    theirs = cirq.read_json(json_text=text)
    ours = qfmt.load(text, CIRQ)
    many = theirs if isinstance(theirs, list) else [theirs]
    assert len(ours.results) == len(many)
    for exp, one in zip(ours.results, many):
        _cirq_check(exp, one)
        if one.params.param_dict:
            assert exp.extra["params"] == json.loads(cirq.to_json(one.params))
    out = qfmt.dumps(ours, CIRQ)
    assert json.loads(out) == json.loads(text)
    assert cirq.read_json(json_text=out) == theirs
    # and the objects: from_cirq reads what cirq holds, to_cirq gives it back
    from qfmt.plugins.cirq import from_cirq, to_cirq

    assert from_cirq(theirs) == ours
    assert to_cirq(ours) == theirs


def test_cirq_several_keys_keep_their_names_and_join_only_when_asked() -> None:
    ours = qfmt.load((HERE / "cirq" / "several-keys.json").read_text(), CIRQ)
    text = qfmt.dumps(ours, CIRQ)
    with pytest.raises(qfmt.LossyConversionError, match="join_registers"):
        qfmt.convert(text, CIRQ, BRAKET)
    joined = qfmt.load(qfmt.convert(text, CIRQ, BRAKET, join_registers=True), BRAKET)
    assert joined.memory().outcomes() == ours.memory().outcomes()
    via = qfmt.convert(qfmt.dumps(ours, CIRQ), CIRQ, "ionq.result.shots.json.v2")
    assert qfmt.load(via, "ionq.result.shots.json.v2").layout.names == ("a", "z", "m")


def test_cirq_qudits_are_refused_clearly() -> None:
    import cirq

    text = (HERE / "cirq" / "qudits.json").read_text()
    assert int(cirq.read_json(json_text=text).records["t"].max()) == 2  # the SDK has digit 2
    with pytest.raises(qfmt.PayloadError, match="digit 2 is not a bit: qudit") as err:
        qfmt.load(text, CIRQ)
    assert err.value.path == "$.records.t.packed_digits" and "\n" not in str(err.value)


# -- pytket (BackendResult built with pytket's API) --------------------------------------------

PYTKET = "pytket.backend-result.json.v1"


@pytest.mark.parametrize("path", files("pytket"), ids=ids(files("pytket")))
def test_pytket(path: Path) -> None:
    from pytket.backends.backendresult import BackendResult
    from pytket.circuit import BasisOrder, Bit

    raw = json.loads(path.read_text())
    theirs = BackendResult.from_dict(raw)
    ours = qfmt.load(raw, PYTKET)
    exp = ours.results[0]
    bits = [Bit(name, idx[0]) for name, idx in raw["bits"]]
    if "shots" in raw:
        assert np.array_equal(ours.memory().to_bool().astype(int),
                              theirs.get_shots(cbits=bits))
    if "counts" in raw or "shots" in raw:
        ours_counts = Counter({bits_of(k, len(bits)): v for k, v in ours.counts().items()})
        assert ours_counts == Counter(theirs.get_counts(cbits=bits))
        assert exp.header["bits"] == raw["bits"]
    if "state" in raw:
        assert np.allclose(ours.get_statevector(), theirs.get_state(basis=BasisOrder.dlo))
    if "unitary" in raw:
        assert np.allclose(ours.get_unitary(), theirs.get_unitary(basis=BasisOrder.dlo))
    assert exp.measured_qubits is None  # pytket records no qubit -> bit map
    out = qfmt.dump(ours, PYTKET)
    assert BackendResult.from_dict(out) == theirs
    assert qfmt.load(out, PYTKET) == ours
    from qfmt.plugins.pytket import from_pytket, to_pytket

    assert from_pytket(theirs) == ours and to_pytket(ours) == theirs


def test_pytket_two_registers_and_unit_labels_through_other_formats() -> None:
    raw = json.loads((HERE / "pytket" / "two-registers.json").read_text())
    assert qfmt.load(raw, PYTKET).memory().layout.sizes == (("c", 2), ("d", 1))
    c1 = json.loads((HERE / "pytket" / "bit-c1.json").read_text())
    for via in ("qiskit.result.json.v1", "cirq.result.json.v1", "ionq.result.shots.json.v2",
                "qfmt.shots.parquet.v1"):
        for payload in (raw, c1):
            out = qfmt.convert(payload, PYTKET, via)
            assert qfmt.convert(out, via, PYTKET) == payload, via


def test_pytket_states_are_kept_as_experiment_data() -> None:
    state = qfmt.load((HERE / "pytket" / "state.json").read_text(), PYTKET)
    via = qfmt.convert(qfmt.dumps(state, PYTKET), PYTKET, "qiskit.result.json.v1")
    assert np.allclose(qfmt.load(via, "qiskit.result.json.v1").get_statevector(),
                       state.get_statevector())


# -- Stim (its sampler's sample_write) ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["01", "b8"])
def test_stim_wider_than_64_bits(fmt: str) -> None:
    import stim

    path = HERE / "stim" / f"m70.{fmt}"
    raw = path.read_bytes()
    theirs = stim.read_shot_data_file(path=str(path), format=fmt, num_measurements=70)
    ours = qfmt.load(raw, f"stim.shots.{fmt}", num_bits=70)
    assert ours.width == 70 and np.array_equal(ours.to_bool(), theirs)
    assert max(ours.outcomes()) >= 2**64  # bits 64..69 are set in some shots
    assert all(o == sum(int(b) << i for i, b in enumerate(row))
               for o, row in zip(ours.outcomes(), theirs))
    out = qfmt.dumps(ours, f"stim.shots.{fmt}")
    assert (out if isinstance(out, bytes) else out.encode()) == raw
    # Stim's numpy samples (bools, or bit-packed little-endian as its samplers give them)
    from qfmt.plugins.stim import from_samples, to_samples

    packed = np.packbits(theirs, axis=1, bitorder="little")
    assert from_samples(theirs) == ours == from_samples(packed, num_bits=70, bit_packed=True)
    assert np.array_equal(to_samples(ours), theirs)
    assert np.array_equal(to_samples(ours, bit_packed=True), packed)
    # the wide outcomes survive a JSON format and back
    via = qfmt.convert(raw, f"stim.shots.{fmt}", "ionq.result.shots.json.v2", num_bits=70)
    assert qfmt.load(via, "ionq.result.shots.json.v2").outcomes() == ours.outcomes()


# -- Azure Quantum (azure-quantum's readers) ---------------------------------------------------

V1 = "microsoft.quantum-results.v1"
V2 = "microsoft.quantum-results.v2"


def sdk_job(fmt: str, payload: Any) -> Any:
    """An azure-quantum Job whose results download is ``payload`` (offline)."""
    from unittest.mock import Mock

    from azure.quantum import Job, JobDetails

    details = JobDetails(id="", name="", provider_id="", target="", container_uri="",
                         input_data_format="", output_data_format=fmt)
    details.status = "Succeeded"
    job = Job(workspace=None, job_details=details)
    job.has_completed = Mock(return_value=True)
    text = payload if isinstance(payload, str) else json.dumps(payload)
    job.download_data = Mock(return_value=text.encode())
    return job


def _azure_display(outcome: int, layout: Any, width: int) -> str:
    bits = bits_of(outcome, width)
    if layout is None:
        return "[" + ", ".join(map(str, bits)) + "]"
    parts, off = [], 0
    for reg in layout.registers:
        parts.append("[" + ", ".join(map(str, bits[off:off + reg.width])) + "]")
        off += reg.width
    return "(" + ", ".join(parts) + ")"


@pytest.mark.parametrize("path", files("azure", "v2-*.json"), ids=ids(files("azure", "v2-*.json")))
def test_azure_v2(path: Path) -> None:
    text = path.read_text()
    raw = json.loads(text)
    hists = sdk_job(V2, text).get_results_histogram()
    hists = hists if isinstance(hists, list) else [hists]
    ours = qfmt.load(text, V2)
    assert len(ours.results) == len(hists) == len(raw["Results"])
    for exp, hist, item in zip(ours.results, hists, raw["Results"]):
        counts = exp.data["memory"].counts() if "memory" in exp.data else exp.data["counts"]
        mine = {_azure_display(k, counts.layout, counts.width): v for k, v in counts.items()}
        theirs = {d: v["count"] for d, v in hist.items() if "-" not in d}
        assert mine == theirs
        lost = sum(v["count"] for d, v in hist.items() if "-" in d)
        if "memory" in exp.data:
            assert int(exp.data["memory"].leaked().sum()) == lost
            assert exp.shots == len(item["Shots"])
        else:
            assert "Shots" not in item
            assert sum(e["Count"] for e in exp.extra.get("lost_histogram", [])) == lost
            assert exp.shots == sum(e["Count"] for e in item["Histogram"])
    if all("Shots" in item for item in raw["Results"]):
        shots = sdk_job(V2, text).get_results_shots()
        shots = shots if len(raw["Results"]) > 1 else [shots]
        for exp, sdk_shots in zip(ours.results, shots):
            mem = exp.data["memory"]
            leaked = mem.leaked()
            flat = [[b for s in shot for b in s] if isinstance(shot, tuple) else shot
                    for shot in sdk_shots]
            assert [s for s, gone in zip(flat, leaked) if not gone] == \
                mem.to_bool()[~leaked].astype(int).tolist()
            assert [i for i, s in enumerate(flat) if "-" in s] == np.flatnonzero(leaked).tolist()
    # its own format: qfmt reads its output back equal, and so does the SDK
    out = qfmt.dumps(ours, V2)
    assert qfmt.load(out, V2) == ours
    assert sdk_job(V2, out).get_results_histogram() == sdk_job(V2, text).get_results_histogram()
    if all("Shots" in item for item in raw["Results"]):
        assert sdk_job(V2, out).get_results_shots() == sdk_job(V2, text).get_results_shots()


@pytest.mark.parametrize("path", files("azure", "v1*.json"), ids=ids(files("azure", "v1*.json")))
def test_azure_v1(path: Path) -> None:
    text = path.read_text()
    theirs = sdk_job(V1, text).get_results()
    lossy = any("-" in d for d in theirs)
    if lossy:
        with pytest.raises(qfmt.LossyConversionError, match="drop_lost=True"):
            qfmt.load(text, V1)
    ours = qfmt.load(text, V1, drop_lost=lossy)
    kept = {d: p for d, p in theirs.items() if "-" not in d}
    total = sum(kept.values())
    assert {_azure_display(k, ours.layout, ours.width): v for k, v in ours.items()} == \
        pytest.approx({d: p / total for d, p in kept.items()})
    out = qfmt.dumps(ours, V1)
    assert qfmt.load(out, V1) == attrs_without_notes(ours)
    assert sdk_job(V1, out).get_results() == pytest.approx({d: p / total for d, p in kept.items()})


def attrs_without_notes(dist: qfmt.ProbDistribution) -> qfmt.ProbDistribution:
    import attrs

    return attrs.evolve(dist, provenance=())


# -- every destination: kept, or the loss announced --------------------------------------------


def _corpus_objects() -> dict[str, Any]:
    """Every corpus payload that holds outcomes, loaded (qudits are refused; a shots=0 Braket
    task and pytket's state results hold no outcomes: their data is checked above)."""
    out: dict[str, Any] = {}
    for p in files("braket"):
        out[f"braket/{p.name}"] = qfmt.load(p.read_text(), BRAKET)
    for p in files("cirq"):
        if p.name != "qudits.json":
            out[f"cirq/{p.name}"] = qfmt.load(p.read_text(), CIRQ)
    for p in files("pytket"):
        out[f"pytket/{p.name}"] = qfmt.load(p.read_text(), PYTKET)
    for fmt in ("01", "b8"):
        out[f"stim/m70.{fmt}"] = qfmt.load((HERE / "stim" / f"m70.{fmt}").read_bytes(),
                                           f"stim.shots.{fmt}", num_bits=70)
    for p in files("azure", "v2-*.json"):
        out[f"azure/{p.name}"] = qfmt.load(p.read_text(), V2)
    out["azure/v1.json"] = qfmt.load((HERE / "azure" / "v1.json").read_text(), V1)
    from qfmt.testing._conversions import _outcome_keys

    return {name: obj for name, obj in out.items()
            if not isinstance(obj, qfmt.Result) or all(_outcome_keys(e) for e in obj.results)}


def test_every_corpus_payload_converts_to_every_format_or_announces_the_loss() -> None:
    import qfmt.testing

    objects = _corpus_objects()
    assert len(objects) >= 15
    targets = sorted(r.id for r in qfmt.default_registry().listing() if r.status == "loaded")
    failures = []
    for name, obj in objects.items():
        for fid in targets:
            try:
                qfmt.testing.check_conversion(obj, fid)
            except AssertionError as exc:
                failures.append(f"{name} -> {exc}")
    assert not failures, "\n".join(failures)


def test_outcome_free_payloads_keep_their_data_through_qiskit_result() -> None:
    shots0 = qfmt.load((HERE / "braket" / "shots0.json").read_text(), BRAKET)
    via = qfmt.dumps(shots0, "qiskit.result.json.v1")  # (measured qubits [0, 1]: no labels)
    back = qfmt.load(via, "qiskit.result.json.v1")
    assert back.results[0].data["result_types"] == shots0.results[0].data["result_types"]
    assert qfmt.load(qfmt.dumps(back, BRAKET), BRAKET).results[0].data == shots0.results[0].data
    with pytest.raises(qfmt.LossyConversionError, match="allow_loss='result-types'"):
        qfmt.dumps(shots0, "pytket.backend-result.json.v1")
