"""Nothing lost silently, for every pair of formats: each format declares what it carries
(``Format.capabilities``), core computes what a conversion loses, and refuses or notes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt.testing import capability_objects, check_conversion

BUILTIN = sorted({row.id for row in qfmt.formats() if row.builtin and row.status == "loaded"})
HIST_V1, HIST_V2 = "ionq.result.histogram.json.v1", "ionq.result.histogram.json.v2"


@pytest.mark.parametrize("fid", BUILTIN)
def test_every_route_through_a_format_keeps_or_announces(fid: str) -> None:
    """The conversion matrix: objects filling every capability, written as ``fid`` and read
    back, then written as every built-in format (every ordered pair, and every two-step route
    through ``fid``): what is kept is the same, what is lost is refused or noted."""
    qfmt.testing.check_conversions(fid)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(BUILTIN), st.sampled_from(BUILTIN),
       st.sampled_from(BUILTIN))
def test_three_step_routes_on_generated_objects(seed: int, a: str, b: str, c: str) -> None:
    for obj in capability_objects(seed).values():
        for fid in (a, b, c):
            obj = check_conversion(obj, fid)
            if obj is None:
                break


def test_declared_capabilities_are_capability_names() -> None:
    reg = qfmt.default_registry()
    for fid in BUILTIN:
        assert reg.resolve(fid).carries <= set(qfmt.CAPABILITIES), fid


def test_a_format_without_a_declaration_carries_what_its_type_implies(
        registry: qfmt.Registry) -> None:
    fmt = qfmt.Format("acme.shots.v1", "shots", lambda p: None, lambda o: None,
                      {"$id": "acme.shots.v1"}, qfmt.Memory, carries_leakage=True)
    assert fmt.carries == {"shot-order", "shots", "registers", "register-names", "joint",
                           "leakage"}
    with pytest.raises(qfmt.FormatContractError, match="not capability names"):
        qfmt.register(qfmt.Format("acme.x.v1", "x", lambda p: None, lambda o: None,
                                  {"$id": "acme.x.v1"}, qfmt.Counts,
                                  capabilities={"shots", "colour"}), registry=registry)
    with pytest.raises(qfmt.FormatContractError, match="disagree"):
        qfmt.register(qfmt.Format("acme.y.v1", "y", lambda p: None, lambda o: None,
                                  {"$id": "acme.y.v1"}, qfmt.Counts, registers=False,
                                  capabilities={"registers"}), registry=registry)


# -- what a loss looks like to a user ------------------------------------------------------------

def _result_with_state() -> qfmt.Result:
    mem = qfmt.Memory.from_ints([0, 3, 3], 2)
    state = np.array([2 ** -0.5, 0, 0, 2 ** -0.5], dtype=complex)
    return qfmt.Result([qfmt.ExperimentResult({"memory": mem, "statevector": state,
                                               "expval": 0.5}, shots=3)])


def test_a_refused_loss_names_each_capability_and_its_option() -> None:
    res = _result_with_state()
    found = qfmt.losses(res, HIST_V1)
    assert {x.capability: x.allowed for x in found} == {
        "state": False, "experiment-data": False, "shot-order": True}
    with pytest.raises(qfmt.LossyConversionError) as ei:
        qfmt.dump(res, HIST_V1)
    msg = str(ei.value)
    assert "statevector" in msg and "expval" in msg
    assert "allow_loss='state'" in msg and "allow_loss='experiment-data'" in msg
    assert [x.capability for x in ei.value.losses] == ["state", "experiment-data"]
    assert "\n" not in msg


def test_an_allowed_loss_is_noted_in_the_provenance() -> None:
    res = _result_with_state()
    out = qfmt.dump(res, HIST_V1, allow_loss=["state", "experiment-data"])
    assert out == {"0": 1, "3": 2}
    from qfmt._api import _prepared

    prepared, _ = _prepared(res, qfmt.default_registry().resolve(HIST_V1),
                            {"allow_loss": "state,experiment-data"})
    kinds = [n.kind for n in prepared.provenance]
    assert {"lost-state", "lost-experiment-data", "lost-shot-order"} <= set(kinds)
    assert qfmt.losses(res, HIST_V1, allow_loss=["state", "experiment-data"])[0].allowed


def test_allow_loss_takes_only_capabilities_whose_loss_is_refused() -> None:
    res = _result_with_state()
    with pytest.raises(qfmt.OptionError, match="allow_loss"):
        qfmt.dump(res, HIST_V1, allow_loss="colour")
    with pytest.raises(qfmt.OptionError, match="allow_loss"):
        qfmt.dump(res, HIST_V1, allow_loss="experiments")  # experiment= picks one
    with pytest.raises(qfmt.OptionError):
        qfmt.dump(res, HIST_V1, allow_loss=5)


def test_the_same_object_round_trips_where_the_format_carries_everything() -> None:
    res = _result_with_state()
    assert qfmt.losses(res, "qiskit.result.json.v1") == []
    back = qfmt.load(qfmt.dump(res, "qiskit.result.json.v1"), "qiskit.result.json.v1")
    assert np.allclose(back.results[0].data["statevector"], res.results[0].data["statevector"])
    assert back.results[0].data["expval"] == 0.5


# -- options are used or refused, never ignored -----------------------------------------------

AGG = {"c0": {"0": 1.0}, "c1": {"0": 0.5, "3": 0.5}, "c2": {"1": 0.25, "2": 0.75}}
AGG_ID = "ionq.result.probabilities-aggregate.json.v1"


def test_experiment_picks_one_for_a_multi_experiment_destination_too() -> None:
    out = qfmt.convert(AGG, AGG_ID, "qiskit.result.json.v1", experiment=2, shots=4)
    res = qfmt.load(out, "qiskit.result.json.v1")
    assert len(res.results) == 1 and dict(res.counts()) == {1: 1, 2: 3}
    assert qfmt.convert(AGG, AGG_ID, AGG_ID, experiment="c1") == {"c1": {"0": 0.5, "3": 0.5}}


def test_shots_on_counts_is_refused_not_ignored() -> None:
    with pytest.raises(qfmt.OptionError, match="holds 1000 shots"):
        qfmt.convert({"0": 500, "3": 500}, HIST_V1, HIST_V2, shots=10)
    # the same number only confirms it
    assert qfmt.convert({"0": 500, "3": 500}, HIST_V1, HIST_V1, shots=1000) == {"0": 500,
                                                                              "3": 500}


@pytest.mark.parametrize(("options", "word"), [
    ({"seed": 3}, "seed="), ({"sample": True, "seed": 3}, "sample=True"),
    ({"job_id": "x"}, "job_id="), ({"experiment": 1}, "experiment=")])
def test_value_options_nothing_uses_are_refused(options: dict[str, Any], word: str) -> None:
    with pytest.raises(qfmt.OptionError, match=word):
        qfmt.convert({"0": 5}, HIST_V1, HIST_V1, **options)


def test_experiment_zero_names_the_one_experiment_of_plain_data() -> None:
    assert qfmt.convert({"0": 5}, HIST_V1, HIST_V1, experiment=0) == {"0": 5}


# -- registers laid end to end (Cirq's keys, IonQ shots v2) -------------------------------------

# cirq.to_json(cirq.ResultDict(records={"a": [[[1]], [[0]], [[1]]],
#                                       "b": [[[0, 1]], [[1, 1]], [[0, 0]]]}))
CIRQ_TWO_KEYS = {"cirq_type": "ResultDict",
                 "params": {"cirq_type": "ParamResolver", "param_dict": []},
                 "records": {"a": {"packed_digits": "a0", "binary": True, "dtype": "uint8",
                                   "shape": [3, 1, 1]},
                             "b": {"packed_digits": "70", "binary": True, "dtype": "uint8",
                                   "shape": [3, 1, 2]}}}


def test_several_cirq_keys_to_ionq_v2_refuse_to_drop_the_joint() -> None:
    with pytest.raises(qfmt.LossyConversionError, match="joint") as ei:
        qfmt.convert(CIRQ_TWO_KEYS, "cirq.result.json.v1", HIST_V2)
    assert ei.value.losses[0].capability == "joint"
    marginals = qfmt.convert(CIRQ_TWO_KEYS, "cirq.result.json.v1", HIST_V2, allow_loss="joint")
    assert set(marginals["histogram"]["registers"]) == {"a", "b"}
    joined = qfmt.load(qfmt.convert(CIRQ_TWO_KEYS, "cirq.result.json.v1", HIST_V2,
                                    join_registers=True), HIST_V2)
    assert joined.joint_register == "output_all" and joined.joint().width == 3


def test_formats_json_lists_capabilities() -> None:
    from click.testing import CliRunner

    from qfmt.cli import main

    out = CliRunner().invoke(main, ["formats", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.output)}
    reg = qfmt.default_registry()
    for fid in BUILTIN:
        assert rows[fid]["capabilities"] == sorted(reg.resolve(fid).carries)


def test_the_docs_table_shows_each_formats_capabilities() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "formats" / "index.md").read_text()
    reg = qfmt.default_registry()
    caps = list(qfmt.CAPABILITIES)
    for fid in BUILTIN:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{fid}` |")),
                   None)
        assert row is not None, f"{fid} has no row in the capabilities table"
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert [c == "yes" for c in cells] == [c in reg.resolve(fid).carries for c in caps], fid


# -- the cases, one by one --------------------------------------------------------------

BRAKET = "braket.task_result.gate_model_task_result.v1"
PERMUTED = Path(__file__).parents[1] / "corpus" / "braket" / "subset-permuted.json"


@pytest.mark.parametrize("dst", ["qiskit.memory.json.v1", "cirq.result.json.v1",
                                 "pytket.backend-result.json.v1", "qfmt.shots.parquet.v1",
                                 "ionq.result.shots.json.v2", "stim.shots.01",
                                 "qiskit.primitives.sampler.json.v1"])
def test_braket_measured_qubits_are_never_renumbered_silently(dst: str) -> None:
    """measuredQubits [3, 0, 4, 2] used to come back as [0, 1, 2, 3] through these."""
    task = qfmt.load(PERMUTED, BRAKET)
    assert task.results[0].measured_qubits == (3, 0, 4, 2)
    with pytest.raises(qfmt.LossyConversionError, match=r"measured qubits \[3, 0, 4, 2\]"):
        qfmt.dump(task, dst, allow_loss="result-types")
    qfmt.dump(task, dst, allow_loss=["result-types", "bit-labels"])  # allowed: noted


def test_braket_measured_qubits_survive_qiskit_result_and_come_back() -> None:
    text = PERMUTED.read_text()
    via = qfmt.convert(text, BRAKET, "qiskit.result.json.v1")
    back = qfmt.load(qfmt.convert(via, "qiskit.result.json.v1", BRAKET), BRAKET)
    assert back.results[0].measured_qubits == (3, 0, 4, 2)
    assert json.loads(qfmt.dumps(back, BRAKET))["measuredQubits"] == [3, 0, 4, 2]


def test_a_renamed_or_dropped_register_name_is_noted() -> None:
    from qfmt._api import _prepared

    mem = qfmt.load(CIRQ_TWO_KEYS, "cirq.result.json.v1")
    prepared, _ = _prepared(mem, qfmt.default_registry().resolve(HIST_V1),
                            {"join_registers": True})
    notes = {n.kind: n.detail for n in prepared.provenance}
    assert "register names ['a', 'b']" in notes["lost-register-names"]


def test_the_matrix_objects_fill_every_capability() -> None:
    from qfmt._capabilities import held

    filled: set[str] = set()
    for obj in capability_objects().values():
        filled |= set(held(obj))
    assert filled == set(qfmt.CAPABILITIES)
