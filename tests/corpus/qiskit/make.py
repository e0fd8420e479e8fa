"""Regenerate the Qiskit corpus: payloads produced by the real SDKs, never by qfmt.

Made with (also written to ``VERSIONS`` by this script, which refuses other versions unless
``--any-version`` is given, so a regenerated corpus says what produced it):

    qiskit 2.6.2, qiskit-aer 0.18.2, qiskit-ibm-runtime 0.51.0, numpy 2.4.6

Run from the repository root: ``python tests/corpus/qiskit/make.py``. Every run uses fixed
seeds; the files are rewritten byte for byte the same with the same versions.

- ``aer-save-kinds.json``: AerSimulator (statevector method), four experiments in one Result,
  with every save instruction of that method: ``save_probabilities_dict([2])`` under Aer's
  default label ``probabilities`` (the qubit 2 distribution, while the measured counts say
  clbit 2 = 1), ``save_probabilities`` (a list) with a custom label, ``save_statevector``,
  ``save_statevector_dict``, ``save_density_matrix``, ``save_amplitudes``,
  ``save_amplitudes_squared``, ``save_expectation_value``,
  ``save_expectation_value_variance``, per-shot (``pershot=True``) and conditional
  (``conditional=True``) saves; ``memory=True``.
- ``aer-stabilizer.json``, ``aer-mps.json``, ``aer-unitary.json``, ``aer-superop.json``: the
  save instructions of the other methods (``save_clifford``, ``save_stabilizer``,
  ``save_matrix_product_state``, ``save_unitary``, ``save_superop``).
- ``aer-loose-clbits.json``: circuits with a loose ``Clbit()`` (outside any register): Aer's
  ``creg_sizes`` add up to fewer bits than ``memory_slots``.
- ``aer-empty-register.json``: ``ClassicalRegister(0)`` after, before and between registers
  (Qiskit's ``get_counts()`` keys ``' 100'``, ``'100 '``, ``'1  10'``).
- ``meas-level1.json``: a measurement level 1 Result (IQ points, ``meas_return`` single and
  avg). Aer cannot simulate level 1, so this one is built with ``qiskit.result.Result`` /
  ``ExperimentResult`` / ``ExperimentResultData`` the way a backend reports it (complex
  memory), then ``to_dict()`` as for the others.
- ``sampler-sweep.json``: ``StatevectorSampler`` (SamplerV2), one pub with a (2, 3) parameter
  sweep and two classical registers ``a`` (2 bits) and ``b`` (1 bit), 16 shots, saved with
  ``json.dumps(result, cls=RuntimeEncoder)`` as IBM's guide does.
- ``estimator-array.json``: ``StatevectorEstimator`` (EstimatorV2), one pub whose observables
  are a (2, 3) array broadcast against 3 parameter values, saved with ``RuntimeEncoder``.

The Result dicts (``Result.to_dict()``) are not JSON as Qiskit returns them: Aer puts numpy
arrays, complex numbers and ``qiskit.quantum_info`` objects in them. :func:`plain` writes them
the usual way (what qfmt reads): complex numbers as ``[re, im]``, arrays as nested lists,
quantum_info states and operators as their matrix (``.data``), a Clifford (and a
StabilizerState) as ``Clifford.to_dict()``, int-keyed dicts (Aer's ``ProbDistribution``) with
Qiskit's lowercase hex keys, tuples as lists, dates as ISO strings.
"""

from __future__ import annotations

import datetime
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
PINNED = {"qiskit": "2.6.2", "qiskit-aer": "0.18.2", "qiskit-ibm-runtime": "0.51.0",
          "numpy": "2.4.6"}
SEED = 1234


def plain(value: Any) -> Any:
    """An Aer ``Result.to_dict()`` value as plain JSON (see the module docstring)."""
    from qiskit.quantum_info import Clifford, StabilizerState

    if isinstance(value, StabilizerState):
        return plain(value.clifford.to_dict())
    if isinstance(value, Clifford):
        return plain(value.to_dict())
    if hasattr(value, "data") and isinstance(getattr(value, "data", None), np.ndarray):
        return plain(value.data)  # Statevector, DensityMatrix, Operator, SuperOp
    if isinstance(value, dict):
        return {(hex(k) if isinstance(k, (int, np.integer)) else str(k)): plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (complex, np.complexfloating)):
        return [float(value.real), float(value.imag)]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def result_json(result: Any) -> dict[str, Any]:
    """``Result.to_dict()`` as plain JSON, with the run-dependent fields fixed (job id, date,
    timings), so that regenerating gives the same bytes."""
    d = plain(result.to_dict())
    d["job_id"] = "corpus-job"
    d["date"] = "2026-01-01T00:00:00"
    for key in ("time_taken", "metadata"):
        d.pop(key, None)
    for exp in d["results"]:
        for key in ("time_taken", "metadata"):
            exp.pop(key, None)
    return d  # type: ignore[no-any-return]


def aer_results() -> dict[str, dict[str, Any]]:
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import Clbit
    from qiskit.quantum_info import Pauli, SparsePauliOp
    from qiskit_aer import AerSimulator

    out = {}
    sv = AerSimulator(method="statevector", seed_simulator=SEED)

    # experiment 0: the case: probabilities of qubit 2 only, counts over 3 clbits
    qc0 = QuantumCircuit(3, 3, name="probs-dict")
    qc0.x(2)
    qc0.save_probabilities_dict([2])
    qc0.measure([0, 1, 2], [0, 1, 2])
    # experiment 1: list probabilities, custom labels, state saves, expectation values
    qc1 = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(2, "c"), name="states")
    qc1.h(0)
    qc1.cx(0, 1)
    qc1.save_probabilities([0, 1], label="probs_list")
    qc1.save_probabilities_dict([0, 1], label="probs_custom")
    qc1.save_statevector()
    qc1.save_statevector_dict(label="sv_dict")
    qc1.save_density_matrix([0], label="rho_q0")
    qc1.save_amplitudes([0, 3], label="amps")
    qc1.save_amplitudes_squared([0, 1, 2, 3], label="amps_sq")
    qc1.save_expectation_value(Pauli("ZZ"), [0, 1], label="zz")
    qc1.save_expectation_value_variance(SparsePauliOp(["XX", "ZI"], [0.5, 0.5]), [0, 1],
                                        label="op_var")
    qc1.measure([0, 1], [0, 1])
    # experiment 2: per-shot and conditional saves after a mid-circuit measurement
    qc2 = QuantumCircuit(2, 2, name="pershot-conditional")
    qc2.h(0)
    qc2.measure(0, 0)
    qc2.save_probabilities([1], label="pershot_probs", pershot=True)
    qc2.save_expectation_value(Pauli("Z"), [0], label="cond_z", conditional=True)
    qc2.save_statevector(label="cond_sv", conditional=True)
    qc2.cx(0, 1)
    qc2.measure(1, 1)
    # experiment 3: two registers, no save (several experiments, plain counts)
    a, b = ClassicalRegister(2, "a"), ClassicalRegister(1, "b")
    qc3 = QuantumCircuit(QuantumRegister(3, "q"), a, b, name="two-regs")
    qc3.h(0)
    qc3.cx(0, 2)
    qc3.measure([0, 1, 2], [0, 1, 2])
    out["aer-save-kinds"] = result_json(sv.run([qc0, qc1, qc2, qc3], shots=8,
                                               memory=True).result())

    stab = QuantumCircuit(2, 2, name="stabilizer")
    stab.h(0)
    stab.cx(0, 1)
    stab.save_clifford(label="cliff")
    stab.save_stabilizer(label="stab")
    stab.measure([0, 1], [0, 1])
    out["aer-stabilizer"] = result_json(AerSimulator(method="stabilizer", seed_simulator=SEED)
                                        .run(stab, shots=6, memory=True).result())

    mps = QuantumCircuit(2, 2, name="mps")
    mps.h(0)
    mps.cx(0, 1)
    mps.save_matrix_product_state(label="mps")
    mps.measure([0, 1], [0, 1])
    out["aer-mps"] = result_json(AerSimulator(method="matrix_product_state", seed_simulator=SEED)
                                 .run(mps, shots=6, memory=True).result())

    uni = QuantumCircuit(2, name="unitary")
    uni.h(0)
    uni.cx(0, 1)
    uni.save_unitary()
    out["aer-unitary"] = result_json(AerSimulator(method="unitary", seed_simulator=SEED)
                             .run(uni, shots=1).result())

    sup = QuantumCircuit(1, name="superop")
    sup.h(0)
    sup.save_superop()
    out["aer-superop"] = result_json(AerSimulator(method="superop", seed_simulator=SEED)
                             .run(sup, shots=1).result())

    # loose clbits: in the middle (a, loose, b) and first (loose, a)
    qa, qb = ClassicalRegister(2, "a"), ClassicalRegister(1, "b")
    loose1 = QuantumCircuit(QuantumRegister(4, "q"), qa, [Clbit()], qb, name="loose-middle")
    loose1.x([0, 2, 3])
    loose1.measure([0, 1, 2, 3], [0, 1, 2, 3])
    loose2 = QuantumCircuit(QuantumRegister(3, "q"), [Clbit()], qa, name="loose-first")
    loose2.x([0, 1])
    loose2.h(2)
    loose2.measure([0, 1, 2], [0, 1, 2])
    out["aer-loose-clbits"] = result_json(sv.run([loose1, loose2], shots=8, memory=True)
                                          .result())

    # empty registers: after c, before c, between a and b
    c, e = ClassicalRegister(3, "c"), ClassicalRegister(0, "e")
    after = QuantumCircuit(QuantumRegister(3, "q"), c, e, name="empty-after")
    after.x(2)
    after.h(0)
    after.measure([0, 1, 2], [0, 1, 2])
    before = QuantumCircuit(QuantumRegister(3, "q"), e, c, name="empty-before")
    before.x(2)
    before.measure([0, 1, 2], [0, 1, 2])
    between = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "a"), e,
                             ClassicalRegister(1, "b"), name="empty-between")
    between.x([1, 2])
    between.h(0)
    between.measure([0, 1, 2], [0, 1, 2])
    out["aer-empty-register"] = result_json(sv.run([after, before, between], shots=8,
                                                   memory=True).result())
    return out


def meas_level1() -> dict[str, Any]:
    """Level 1 (kerneled) results as a backend reports them; Aer has no level-1 simulation."""
    from qiskit.result import Result
    from qiskit.result.models import ExperimentResult, ExperimentResultData

    rng = np.random.default_rng(SEED)
    single = (rng.normal(size=(4, 2)) + 1j * rng.normal(size=(4, 2))).round(6)  # shots x slots
    avg = single.mean(axis=0).round(6)
    exps = [
        ExperimentResult(shots=4, success=True, meas_level=1, meas_return="single",
                         data=ExperimentResultData(memory=single),
                         header={"name": "iq-single", "memory_slots": 2,
                                 "creg_sizes": [["c", 2]]}),
        ExperimentResult(shots=4, success=True, meas_level=1, meas_return="avg",
                         data=ExperimentResultData(memory=avg),
                         header={"name": "iq-avg", "memory_slots": 2, "creg_sizes": [["c", 2]]}),
    ]
    r = Result(backend_name="fake_backend", backend_version="1.0", job_id="corpus-job",
               success=True, results=exps, date="2026-01-01T00:00:00", status="COMPLETED",
               header={"backend_name": "fake_backend"})
    return result_json(r)


def primitives() -> dict[str, str]:
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import Parameter
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import RuntimeEncoder

    theta = Parameter("theta")
    qc = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "a"),
                        ClassicalRegister(1, "b"))
    qc.rx(theta, 0)
    qc.cx(0, 1)
    qc.x(2)
    qc.measure([0, 1], [0, 1])
    qc.measure(2, 2)
    values = np.linspace(0, np.pi, 6).reshape(2, 3, 1)
    sampled = StatevectorSampler(seed=SEED).run([(qc, values)], shots=16).result()

    est = QuantumCircuit(2)
    est.ry(theta, 0)
    est.cx(0, 1)
    obs = [[SparsePauliOp("ZZ"), SparsePauliOp("XX"), SparsePauliOp("IZ")],
           [SparsePauliOp(["ZI", "XX"], [0.5, 0.5]), SparsePauliOp("YY"), SparsePauliOp("II")]]
    params = np.array([[0.0], [np.pi / 3], [np.pi / 2]])
    estimated = StatevectorEstimator(seed=SEED).run([(est, obs, params)]).result()
    for res in (sampled, estimated):
        # the timings and versions Qiskit records vary by run: fix them
        res.metadata.clear()
        res.metadata["version"] = 2
    return {"sampler-sweep": json.dumps(sampled, cls=RuntimeEncoder),
            "estimator-array": json.dumps(estimated, cls=RuntimeEncoder)}


def main() -> None:
    found = {name: version(name) for name in PINNED}
    if found != PINNED and "--any-version" not in sys.argv:
        sys.exit(f"the corpus is pinned to {PINNED}; found {found} (pass --any-version)")
    payloads = {**aer_results(), "meas-level1": meas_level1()}
    for name, d in payloads.items():
        (HERE / f"{name}.json").write_text(json.dumps(d, indent=1) + "\n")
    for name, text in primitives().items():
        (HERE / f"{name}.json").write_text(text + "\n")
    (HERE / "VERSIONS").write_text("".join(f"{k}=={v}\n" for k, v in found.items()))


if __name__ == "__main__":
    main()
