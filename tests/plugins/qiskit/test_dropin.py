"""Qiskit drop-in (issue 11): what Qiskit's names return, qfmt returns, on results that real
Qiskit 2.x (``BasicSimulator``) and qiskit-ionq's own converters produce; and one regression test
per wrong-number case the issue lists."""

from __future__ import annotations

import json
import random
import types
from typing import Any

import matplotlib
import numpy as np
import orjson
import pytest
import qiskit.result as qr
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.providers.basic_provider import BasicSimulator

import qfmt

matplotlib.use("Agg")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RESULT = "qiskit.result.json.v1"
COUNTS = "qiskit.counts.json.v1"
MEMORY = "qiskit.memory.json.v1"
PROBS_V1 = "ionq.result.probabilities.json.v1"
SHOTS_V1 = "ionq.result.shots.json.v1"
SHOTS_V2 = "ionq.result.shots.json.v2"
HIST_V2 = "ionq.result.histogram.json.v2"
AGG = "ionq.result.probabilities-aggregate.json.v1"


# -- real Qiskit: BasicSimulator with several classical registers and memory=True --------------


def _circuit(seed: int) -> QuantumCircuit:
    """A random circuit measuring into 2 or 3 classical registers (some clbits never measured)."""
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 3))]
    regs = [ClassicalRegister(s, f"r{i}") for i, s in enumerate(sizes)]
    qc = QuantumCircuit(QuantumRegister(n, "q"), *regs, name=f"circ{seed}")
    for q in range(n):
        if rng.random() < 0.7:
            qc.h(q)
    for q in range(n - 1):
        if rng.random() < 0.5:
            qc.cx(q, q + 1)
    clbits = [b for r in regs for b in r]
    for b in rng.sample(clbits, k=max(1, len(clbits) - rng.randint(0, 1))):
        qc.measure(rng.randrange(n), b)
    return qc


def _simulate(seed: int, shots: int = 64) -> Any:
    qcs = [_circuit(seed), _circuit(seed + 1000)]
    return BasicSimulator().run(qcs, shots=shots, memory=True, seed_simulator=seed).result()


def _ours(theirs: Any) -> qfmt.Result:
    return qfmt.Result.from_dict(orjson.loads(orjson.dumps(theirs.to_dict(), default=str)))


SEEDS = [1, 2, 3, 5, 8]


@pytest.fixture(scope="module", params=SEEDS)
def simulated(request: pytest.FixtureRequest) -> tuple[Any, qfmt.Result]:
    theirs = _simulate(request.param)
    return theirs, _ours(theirs)


def test_getters_equal_qiskits(simulated: tuple[Any, qfmt.Result]) -> None:
    theirs, ours = simulated
    assert ours.get_counts() == theirs.get_counts()  # a list: one per experiment
    for i in range(2):
        qc, oc = theirs.get_counts(i), ours.get_counts(i)
        assert isinstance(oc, dict) and oc == qc and dict(oc) == dict(qc)
        assert all(isinstance(k, str) for k in oc) and " " in next(iter(oc))
        assert ours.get_memory(i) == theirs.get_memory(i)
        assert oc.int_outcomes() == qc.int_outcomes()
        assert oc.hex_outcomes() == qc.hex_outcomes()
        assert oc.shots() == qc.shots()
        assert (oc.memory_slots, oc.creg_sizes) == (qc.memory_slots, qc.creg_sizes)
        try:
            expected: Any = qc.most_frequent()
        except Exception as exc:  # Qiskit raises on ties
            expected = type(exc)
        if isinstance(expected, str):
            assert oc.most_frequent() == expected
        else:
            with pytest.raises(qfmt.ResultError):
                oc.most_frequent()
        # Qiskit-shaped code works: string methods on keys, JSON. (Key order: ours ascend by
        # outcome; Qiskit keeps the order the backend wrote, which no format promises.)
        assert sorted(k for k in oc if k.startswith("1")) == \
            sorted(k for k in qc if k.startswith("1"))
        assert json.loads(json.dumps(oc)) == json.loads(json.dumps(qc))
        assert json.dumps(oc, sort_keys=True) == json.dumps(qc, sort_keys=True)
        assert json.dumps(ours.get_memory(i)) == json.dumps(theirs.get_memory(i))
    # and the dump is what Qiskit wrote
    assert ours.to_dict()["results"] == orjson.loads(orjson.dumps(theirs.to_dict()["results"]))


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SEEDS), st.data())
def test_marginals_equal_qiskits(seed: int, data: st.DataObject) -> None:
    theirs = _simulate(seed, shots=32)
    ours = _ours(theirs)
    slots = theirs.results[0].header["memory_slots"]
    idx = data.draw(st.lists(st.integers(0, slots - 1), min_size=1, max_size=slots, unique=True))
    qc, oc = theirs.get_counts(0), ours.get_counts(0)
    # bitstrings in, bitstrings out; order of indices respected (it may permute)
    assert qfmt.marginal_distribution(oc, idx) == qr.marginal_distribution(qc, idx)
    assert qfmt.marginal_distribution(dict(qc), idx) == qr.marginal_distribution(dict(qc), idx)
    assert qfmt.marginal_counts(oc, idx) == dict(qr.marginal_counts(qc, idx))
    # canonical in, canonical out
    canon = qfmt.marginal_distribution(ours.counts(0), idx)
    assert isinstance(canon, qfmt.Counts)
    assert canon.bitstrings() == qr.marginal_distribution(qc, idx)
    # memory: Qiskit's marginal_memory takes hex memory (bitstrings it reads as hex digits)
    hexmem = theirs.results[0].data.memory
    assert qfmt.marginal_memory(hexmem, idx) == qr.marginal_memory(hexmem, idx)
    assert qfmt.marginal_memory(hexmem, idx, int_return=True) == \
        qr.marginal_memory(hexmem, idx, int_return=True)
    assert qfmt.marginal_memory(ours.memory(0), idx, hex_return=True) == [
        hex(int(m, 16)) for m in qr.marginal_memory(hexmem, idx, hex_return=True)]
    # marginal_counts on a Result: counts and the shrunk header agree with Qiskit's
    m_theirs = qr.marginal_counts(_simulate(seed, shots=32), sorted(idx))
    m_ours = qfmt.marginal_counts(ours, sorted(idx))
    assert m_ours.get_counts() == m_theirs.get_counts()
    for i in range(2):
        assert m_ours.results[i].header["memory_slots"] == \
            m_theirs.results[i].header["memory_slots"]
        assert m_ours.results[i].header["creg_sizes"] == \
            m_theirs.results[i].header["creg_sizes"]
    # memory in the order of counts (Qiskit writes it bit-reversed: defect 1)
    assert m_ours.memory(0).counts().display() == dict(m_ours.get_counts(0))


def test_plot_histogram_labels_like_qiskits(simulated: tuple[Any, qfmt.Result]) -> None:
    from qiskit.visualization import plot_histogram

    theirs, ours = simulated

    def labels(counts: Any) -> list[str]:
        fig = plot_histogram(counts)
        out = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        matplotlib.pyplot.close(fig)
        return out

    got = labels(ours.get_counts(0))
    assert got == labels(theirs.get_counts(0))
    assert all(" " in label for label in got)


def test_plain_bitstring_dicts_give_bitstrings_back() -> None:
    counts = {"000": 457, "101": 43, "111": 500}
    m = qfmt.marginal_distribution(counts, [2, 0])
    assert m == qr.marginal_distribution(counts, [2, 0]) == {"00": 457, "11": 543}
    assert all(isinstance(k, str) for k in m)
    mc = qfmt.marginal_counts(counts, [0, 2])
    assert mc == dict(qr.marginal_counts(qr.Counts(counts), [0, 2]))


def test_two_kinds_of_counts_are_told_apart() -> None:
    r = qfmt.Result.from_dict(orjson.loads(orjson.dumps(_simulate(4).to_dict(), default=str)))
    q = r.get_counts(0)
    c = r.counts(0)
    assert isinstance(q, qfmt.QiskitCounts) and isinstance(q, dict)
    assert isinstance(c, qfmt.Counts) and not isinstance(c, dict)
    assert q.to_counts() == c and dict(q) == c.display()
    assert isinstance(q.most_frequent() if len(set(q.values())) == len(q) else "x", str)


# -- qiskit-ionq's own conversion functions (where they are not a documented defect) -----------


def _ionq_job() -> Any:
    import qiskit_ionq.ionq_job as ij

    return ij


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.data())
def test_meas_mapped_memory_equals_qiskit_ionqs(n: int, data: st.DataObject) -> None:
    ij = _ionq_job()
    shots = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=1, max_size=30))
    clbits = data.draw(st.lists(st.one_of(st.none(), st.integers(0, n - 1)), min_size=1,
                                max_size=5))
    theirs = ij._build_memory(shots, n, clbits)
    ours = qfmt.convert([str(s) for s in shots], SHOTS_V1, MEMORY, num_qubits=n,
                        meas_mapped=clbits)
    assert ours == theirs


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.data())
def test_meas_mapped_probabilities_equal_qiskit_ionqs(n: int, data: st.DataObject) -> None:
    ij = _ionq_job()
    hist = data.draw(st.dictionaries(st.integers(0, 2**n - 1), st.integers(1, 50), min_size=1))
    total = sum(hist.values())
    probs = {str(k): v / total for k, v in hist.items()}
    clbits = data.draw(st.lists(st.one_of(st.none(), st.integers(0, n - 1)), min_size=1,
                                max_size=4))
    mapped = ij.map_output(probs, clbits, n)
    ours = qfmt.load(probs, PROBS_V1, num_qubits=n)
    got = qfmt.load(qfmt.dump(ours, "qiskit.probabilities.json.v1", meas_mapped=clbits),
                    "qiskit.probabilities.json.v1")
    assert {k: v for k, v in dict(got).items() if v} == pytest.approx(
        {k: v for k, v in mapped.items() if v})
    # counts on the shot grid: qiskit-ionq's round(p * shots) is exact there, and so are we
    their_counts, _ = ij._build_counts(probs, n, clbits, total)
    our_counts = qfmt.convert(probs, PROBS_V1, COUNTS, num_qubits=n, shots=total,
                              meas_mapped=clbits)
    assert {k: v for k, v in our_counts.items() if v} == their_counts


def _fold_like_qiskit_ionq(shots: list[dict[str, Any]], labels: list[list[Any]],
                           sizes: list[list[Any]]) -> Any:
    """qiskit-ionq's IonQJob._format_result_qasm3 on a stand-in job (no network)."""
    ij = _ionq_job()
    from qiskit.providers import jobstatus
    from qiskit_ionq.helpers import compress_to_metadata_string

    header = {"clbit_labels": labels, "creg_sizes": sizes,
              "memory_slots": len(labels), "name": "c"}
    job = types.SimpleNamespace(
        backend=lambda: types.SimpleNamespace(name="ionq_simulator", backend_version="0.4"),
        _status=jobstatus.JobStatus.DONE, memory=True, job_id=lambda: "job",
        _execution_time=0.0,
        _metadata={"metadata": {"qiskit_header": compress_to_metadata_string(header)}})
    return ij.IonQJob._format_result_qasm3(job, shots)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_clbit_labels_fold_equals_qiskit_ionqs(data: st.DataObject) -> None:
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    names = [f"m{i}" for i in range(len(sizes))]
    labels = [[n, i] for n, s in zip(names, sizes) for i in range(s)]
    present = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    n_shots = data.draw(st.integers(1, 12))
    shots = [{"registers": {**{n: [data.draw(st.integers(0, 1)) for _ in range(s)]
                                for n, s in zip(names, sizes) if n in present},
                            "output_all": [0]}} for _ in range(n_shots)]
    creg = [[n, s] for n, s in zip(names, sizes)]
    theirs = _fold_like_qiskit_ionq(shots, labels, creg)
    payload = {"shots": shots}
    mem = qfmt.convert(payload, SHOTS_V2, MEMORY, clbit_labels=labels, creg_sizes=creg)
    assert mem == theirs.get_memory()
    counts = qfmt.convert(payload, SHOTS_V2, COUNTS, clbit_labels=labels, creg_sizes=creg)
    assert counts == theirs.get_counts()


# -- the wrong-number cases of the issue, one regression test each ------------------------------


def test_meas_mapped_rounds_after_the_map() -> None:
    probs = {str(k): 1 / 8 for k in range(8)}
    out = qfmt.convert(probs, PROBS_V1, COUNTS, num_qubits=3, shots=4, meas_mapped=[2])
    assert out == {"0": 2, "1": 2}
    # off the shot grid: totals exact, each mapped outcome within one shot of p * shots
    probs = {"0": 0.3, "1": 0.3, "6": 0.2, "7": 0.2}
    out = qfmt.convert(probs, PROBS_V1, COUNTS, num_qubits=3, shots=7, meas_mapped=[0, 2])
    assert sum(out.values()) == 7
    mapped = {"00": 0.3, "01": 0.3, "10": 0.2, "11": 0.2}
    assert all(abs(out[k] - p * 7) < 1 for k, p in mapped.items())


def test_aggregate_counts_agree_with_their_own_probabilities() -> None:
    agg = {"06a2099c-f845-7208-8000-8111ee2dccbc": {str(k): 1 / 8 for k in range(8)}}
    d = qfmt.convert(agg, AGG, RESULT, num_qubits=3, shots=4, meas_mapped=[2])
    theirs = qr.Result.from_dict(d)
    assert theirs.get_counts() == {"0": 2, "1": 2}
    probs = d["results"][0]["data"]["probabilities"]
    assert probs == {"0x0": 0.5, "0x1": 0.5}
    assert d["results"][0]["shots"] == 4


def test_absent_register_in_clbit_labels_reads_zero_and_says_so() -> None:
    payload = {"shots": [{"registers": {"x": [1], "a": [0]}}, {"registers": {"x": [0], "a": [1]}}]}
    labels = [["a", 0], ["b", 0]]
    assert qfmt.convert(payload, SHOTS_V2, MEMORY, clbit_labels=labels) == ["0 0", "0 1"]
    assert qfmt.convert(payload, SHOTS_V2, COUNTS, clbit_labels=labels) == {"0 0": 1, "0 1": 1}
    mem = qfmt.load(payload, SHOTS_V2)
    from qfmt.plugins.qiskit.formats import apply_bit_map

    mapped = apply_bit_map(mem, clbit_labels=labels)
    assert any("['b'] are not in the data and read 0" in n.detail for n in mapped.provenance)
    # labels naming no register of the data, or a bit past a register's width: refused
    with pytest.raises(qfmt.OptionError, match=r"none of which is in the data"):
        qfmt.convert(payload, SHOTS_V2, MEMORY, clbit_labels=[["b", 0]])
    with pytest.raises(qfmt.OptionError, match=r"bit 1 of register 'a'"):
        qfmt.convert(payload, SHOTS_V2, MEMORY, clbit_labels=[["a", 0], ["a", 1]])


def test_qiskit_memory_with_registers_keeps_the_joint_output_all() -> None:
    theirs = _simulate(3)
    mem = theirs.get_memory(0)
    out = qfmt.convert(mem, MEMORY, HIST_V2)
    regs = out["histogram"]["registers"]
    assert "output_all" in regs
    joint = {k: v for k, v in regs["output_all"].items()}
    assert joint == {k.replace(" ", ""): v for k, v in theirs.get_counts(0).items()}
    # the same data as Qiskit counts gives the same histogram
    assert qfmt.convert(dict(theirs.get_counts(0)), COUNTS, HIST_V2) == out


def test_from_qiskit_keeps_the_width_of_the_keys() -> None:
    c = qfmt.from_qiskit(qr.Counts({"001": 3, "110": 1}))
    assert c.width == 3 and not c.width_inferred
    assert dict(qfmt.to_qiskit(c)) == {"001": 3, "110": 1}
    c2 = qfmt.from_qiskit(qr.Counts({"01 1": 3, "10 0": 1}))
    assert [r.width for r in c2.layout.registers] == [1, 2]
    assert dict(qfmt.to_qiskit(c2)) == {"01 1": 3, "10 0": 1}


def test_memory_only_experiment_gets_no_counts_invented() -> None:
    d = {"backend_name": "b", "backend_version": "1", "date": None, "header": {},
         "job_id": "j", "status": None, "success": True,
         "results": [{"shots": 2, "success": True, "data": {"memory": ["0x1", "0x2"]},
                      "meas_level": 2, "header": {"memory_slots": 2}}]}
    out = qfmt.dump(qfmt.load(d, RESULT), RESULT)
    assert out == d
    with pytest.raises(Exception, match="No counts"):
        qr.Result.from_dict(out).get_counts()
    # IonQ shots becoming a Result are reported as a memory=True Qiskit run: counts and memory
    r = qfmt.convert(["1", "2", "2"], SHOTS_V1, RESULT, num_qubits=2)
    assert qr.Result.from_dict(r).get_counts() == {"01": 1, "10": 2}


def test_empty_experiment_header_is_kept() -> None:
    exp = {"shots": 2, "success": True, "data": {"counts": {"0x1": 2}}, "meas_level": 2}
    d = {"backend_name": "b", "backend_version": "1", "date": None, "header": {},
         "job_id": "j", "status": None, "success": True,
         "results": [{**exp, "header": {}}, exp]}
    out = qfmt.dump(qfmt.load(d, RESULT), RESULT)
    assert out == d == qr.Result.from_dict(d).to_dict()
    assert "header" in out["results"][0] and "header" not in out["results"][1]


def test_hex_zero_is_one_bit_wide() -> None:
    c = qfmt.load({"0x0": 10}, COUNTS)
    assert c.width == 1
    assert qfmt.dump(c, COUNTS) == {"0": 10} == dict(qr.Counts({"0x0": 10}))


def test_to_qiskit_pads_to_the_width_and_writes_memory_slots() -> None:
    c = qfmt.load({"1": 3, "6": 1}, "ionq.result.histogram.json.v1")  # width inferred: 3
    q = qfmt.to_qiskit(c)
    assert dict(q) == {"001": 3, "110": 1} == qfmt.dump(c, COUNTS)
    assert q.memory_slots == 3
    c4 = qfmt.load({"1": 3}, "ionq.result.histogram.json.v1", num_qubits=4)
    assert dict(qfmt.to_qiskit(c4)) == {"0001": 3}


def test_to_qiskit_memory_is_qiskits_memory_list() -> None:
    theirs = _simulate(2)
    ours = _ours(theirs)
    assert qfmt.to_qiskit(ours.memory(0)) == theirs.get_memory(0)
    back = qfmt.from_qiskit(theirs.get_memory(0))
    assert back.outcomes() == ours.memory(0).outcomes() and back.width == ours.memory(0).width
    assert [r.width for r in back.layout.registers] == \
        [w for _, w in theirs.results[0].header["creg_sizes"]]
    mem = qfmt.load(["1", "6"], SHOTS_V1, num_qubits=3)
    assert qfmt.to_qiskit(mem) == ["001", "110"]


# -- detection never guesses silently --------------------------------------------------------


@pytest.mark.parametrize("payload, candidates", [
    ({"110": 3, "111": 5}, ["ionq.result.histogram.json.v1", COUNTS]),
    ({"10": 600, "11": 400}, ["ionq.result.histogram.json.v1", COUNTS]),
    (["10", "11"], [SHOTS_V1, MEMORY]),
    ({"10": 0.5, "11": 0.5}, ["ionq.result.probabilities.json.v1",
                              "qiskit.probabilities.json.v1"]),
])
def test_ambiguous_payloads_are_refused(payload: Any, candidates: list[str]) -> None:
    found = qfmt.detect(payload)
    assert found.ambiguous and found.candidates == candidates
    with pytest.raises(qfmt.AmbiguousFormatError) as err:
        qfmt.load(payload)
    assert err.value.candidates == tuple(candidates)
    assert all(c in str(err.value) for c in candidates) and "fmt=" in str(err.value)
    with pytest.raises(qfmt.AmbiguousFormatError):
        qfmt.convert(payload, None, "ionq.result.histogram.json.v2")
    # naming the format works, and reads it that format's way
    assert isinstance(qfmt.load(payload, candidates[1]),
                      (qfmt.Counts, qfmt.ProbDistribution, qfmt.Memory))


@pytest.mark.parametrize("payload, fid", [
    ({"0": 500, "3": 500}, "ionq.result.histogram.json.v1"),
    ({"000": 457, "111": 543}, COUNTS),       # zero-padded: IonQ never writes such keys
    ({"0": 0.5, "1": 0.5}, "ionq.result.probabilities.json.v1"),   # read the same by all
    (["000", "101"], MEMORY),
    ({"01 1": 3}, COUNTS),
])
def test_unambiguous_payloads_load_without_a_format(payload: Any, fid: str) -> None:
    found = qfmt.detect(payload)
    assert not found.ambiguous and found[0] == fid
    assert qfmt.load(payload) == qfmt.load(payload, fid)


def test_third_party_permissive_plugin_cannot_take_over() -> None:
    reg = qfmt.Registry()

    def parse(payload: Any) -> qfmt.Counts:
        return qfmt.Counts({len(k): int(v) for k, v in payload.items()})

    loose = qfmt.Format("acme.loose.v1", "accepts anything", parse, lambda c: {},
                        {"$schema": "http://json-schema.org/draft-07/schema#",
                         "$id": "acme.loose.v1", "type": "object"}, qfmt.Counts,
                        sniff=lambda p: 7.0)
    qfmt.register(loose, registry=reg)
    found = qfmt.detect({"0": 5, "3": 5}, registry=reg)
    assert found.scores["acme.loose.v1"] == 1.0  # clamped to the scale
    assert found.ambiguous
    with pytest.raises(qfmt.AmbiguousFormatError, match=r"acme\.loose\.v1"):
        qfmt.load({"0": 5, "3": 5}, registry=reg)

    # at equal scores a built-in comes first
    same = qfmt.Format("aaa.same.v1", "reads like IonQ", lambda p: qfmt.load(
        p, "ionq.result.histogram.json.v1"), lambda c: {},
        {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "aaa.same.v1",
         "type": "object"}, qfmt.Counts, sniff=lambda p: 0.6)
    reg2 = qfmt.Registry()
    qfmt.register(same, registry=reg2)
    found = qfmt.detect({"0": 5, "3": 5}, registry=reg2)
    assert not found.ambiguous
    assert found[:2] == ["ionq.result.histogram.json.v1", "aaa.same.v1"]


def test_detection_never_names_a_reading_it_did_not_parse() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        keys = {str(int(k)): int(v) for k, v in zip(rng.integers(0, 64, 5),
                                                    rng.integers(1, 9, 5))}
        found = qfmt.detect(keys)
        for fid in found:
            qfmt.load(keys, fid)  # every listed format really reads it
        if not found.ambiguous:
            assert qfmt.load(keys) == qfmt.load(keys, found[0])


def test_quasi_in_a_result_reads_back_as_quasi() -> None:
    q = qfmt.QuasiDistribution({0: -0.1, 3: 1.1}, 2)
    d = qfmt.dump(q, RESULT)
    assert d["results"][0]["data"]["quasi"] == {"0x0": -0.1, "0x3": 1.1}
    back = qfmt.load(d, RESULT).data()["quasi"]
    assert isinstance(back, qfmt.QuasiDistribution) and dict(back) == dict(q)


def test_marginal_memory_of_hex_reads_bits_past_the_widest_entry_as_zero() -> None:
    for mem, idx in ((["0x0", "0x0"], [1]), (["0x1"], [5]), (["0x1", "0x2"], [3, 0])):
        assert qfmt.marginal_memory(mem, idx) == qr.marginal_memory(mem, idx)
        assert qfmt.marginal_memory(mem, idx, int_return=True) == \
            qr.marginal_memory(mem, idx, int_return=True)
    with pytest.raises(qfmt.IndexRangeError):  # bitstrings carry their width
        qfmt.marginal_memory(["01", "10"], [2])
