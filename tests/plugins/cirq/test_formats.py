"""cirq.result.json.v1 without Cirq: the bit order, the layout of measurement keys, the older
payloads, repeated keys, metadata kept through round trips, sweeps, qudits refused, bad input
with exact paths, and the GHZ example through every built-in format."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt.testing import strategies as qst
from tests.helpers import outcome_formats

FMT = "cirq.result.json.v1"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
EXAMPLE = EXAMPLES / "cirq" / "result.json"
EMPTY = {"cirq_type": "ParamResolver", "param_dict": []}
PARAMS = {"cirq_type": "ParamResolver",
          "param_dict": [[{"cirq_type": "sympy.Symbol", "name": "theta"}, 0.5], ["phi", 1]]}


def record(digits: Any, dtype: str = "int8") -> dict[str, Any]:
    """A packed record as Cirq's ``_pack_digits`` writes it (``np.packbits`` of the flattened
    array, most significant bit first)."""
    arr = np.asarray(digits, dtype=bool)
    return {"packed_digits": np.packbits(arr).tobytes().hex(), "binary": True, "dtype": dtype,
            "shape": list(arr.shape)}


def result_dict(records: dict[str, Any], params: Any = EMPTY, **more: Any) -> dict[str, Any]:
    return {"cirq_type": "ResultDict", "params": params, "records": records, **more}


def npy_hex(arr: Any) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue().hex()


# -- the bit order ------------------------------------------------------------------------------


def test_first_qubit_of_a_key_is_bit_0() -> None:
    """cirq.measure(q0, q1, q2, key="m") with q0 = 1 only: Cirq packs the digits (1, 0, 0)
    as 0b10000000 and its histogram reads them as 4; qfmt's outcome is 1 (bit 0 = q0)."""
    payload = result_dict({"m": {"packed_digits": "80", "binary": True, "dtype": "int8",
                                 "shape": [1, 1, 3]}})
    mem = qfmt.load(payload, FMT).memory()
    assert mem.outcomes() == [1] and mem.width == 3
    assert mem.layout == qfmt.RegisterLayout([("m", 3)], positional=True)
    assert qfmt.convert(payload, FMT, "qiskit.counts.json.v1") == {"001": 1}
    assert qfmt.convert(payload, FMT, "ionq.result.histogram.json.v1") == {"1": 1}
    assert qfmt.dump(qfmt.Memory.from_ints([1], 3), FMT) == payload


def test_every_outcome_is_cirqs_big_endian_integer_reversed() -> None:
    rows = [[int(b) for b in f"{v:04b}"] for v in range(16)]  # Cirq's big-endian digits of v
    mem = qfmt.load(result_dict({"k": record(np.array(rows)[:, None, :])}), FMT).memory()
    assert mem.outcomes() == [int(f"{v:04b}"[::-1], 2) for v in range(16)]


def test_keys_are_registers_in_payload_order() -> None:
    a = np.array([[[1, 0]], [[0, 1]]])            # key a: 2 qubits
    b = np.array([[[0, 0, 1]], [[1, 1, 0]]])      # key b: 3 qubits
    mem = qfmt.load(result_dict({"a": record(a), "b": record(b)}), FMT).memory()
    assert mem.layout == qfmt.RegisterLayout([("a", 2), ("b", 3)], positional=False)
    assert mem.to_bool().astype(int).tolist() == [[1, 0, 0, 0, 1], [0, 1, 1, 1, 0]]
    assert mem.register("b").outcomes() == [0b100, 0b011]
    # the keys are separate gates laid end to end: a format without registers must be told
    with pytest.raises(qfmt.LossyConversionError, match="join_registers=True"):
        qfmt.convert(result_dict({"a": record(a), "b": record(b)}), FMT,
                     "ionq.result.shots.json.v1")
    assert qfmt.convert(result_dict({"a": record(a), "b": record(b)}), FMT,
                        "ionq.result.shots.json.v1", join_registers=True) == ["17", "14"]


# -- older payloads, encodings and metadata ------------------------------------------------------


@pytest.mark.parametrize("cirq_type", ["ResultDict", "Result", "TrialResult"])
def test_older_measurements_payloads_read_like_records(cirq_type: str) -> None:
    """Cirq < 0.14 wrote ``measurements`` of shape (repetitions, qubits), and ``cirq_type``
    ``Result`` (< 0.14) or ``TrialResult`` (< 0.11); the digits are those of Cirq's own test data
    (``d32a``: 3 repetitions of 5 qubits). qfmt writes them back as ``records``."""
    old = {"cirq_type": cirq_type, "params": PARAMS,
           "measurements": {"m": {"packed_digits": "d32a", "binary": True, "dtype": "bool",
                                  "shape": [3, 5]}}}
    r = qfmt.load(old, FMT)
    assert r.memory().to_bool().astype(int).tolist() == [[1, 1, 0, 1, 0], [0, 1, 1, 0, 0],
                                                         [1, 0, 1, 0, 1]]
    new = qfmt.dump(r, FMT)
    assert new == result_dict({"m": {"packed_digits": "d32a", "binary": True, "dtype": "bool",
                                     "shape": [3, 1, 5]}}, PARAMS)
    assert qfmt.load(new, FMT) == r


def test_params_other_dtypes_and_unknown_keys_are_kept() -> None:
    payload = result_dict({"m": record([[[1, 0]], [[1, 1]]], dtype="bool"),
                           "n": record([[[1]], [[0]]])}, PARAMS, note={"run": 7})
    r = qfmt.load(payload, FMT)
    exp = r.experiment(0)
    assert exp.extra == {"params": PARAMS, "cirq_keys": {"note": {"run": 7}},
                         "cirq_records": {"m": {"dtype": "bool"}}}
    assert exp.shots == 2
    assert qfmt.dump(r, FMT) == payload
    # the defaults (empty resolver, int8, one instance) add nothing to extra
    plain = qfmt.load(result_dict({"m": record([[[1]]])}), FMT)
    assert plain.experiment(0).extra == {} and plain.extra == {}


def test_repeated_key_keeps_every_instance() -> None:
    """A key measured twice per repetition (shape (reps, 2, qubits)): one register of
    2 * qubits bits, instance j's qubit i at bit j * qubits + i; written back with its shape."""
    digits = np.array([[[1, 0, 0], [0, 1, 1]], [[0, 0, 1], [1, 1, 1]]])
    payload = result_dict({"m": record(digits)})
    r = qfmt.load(payload, FMT)
    mem = r.memory()
    assert mem.layout == qfmt.RegisterLayout([("m", 6)])
    assert mem.to_bool().astype(int).tolist() == digits.reshape(2, 6).tolist()
    assert r.experiment(0).extra == {"cirq_records": {"m": {"instances": 2}}}
    assert qfmt.dump(r, FMT) == payload


def test_non_binary_records_of_bits_are_read_and_qudits_refused() -> None:
    """``binary: false`` holds np.save bytes (Cirq writes it for qudit digits). Digits 0 and 1
    are read; any other digit is refused, never folded into a bit."""
    bits = np.array([[[1, 0]], [[0, 1]]], dtype=np.int16)
    rec = {"packed_digits": npy_hex(bits), "binary": False, "dtype": "int16", "shape": [2, 1, 2]}
    r = qfmt.load(result_dict({"m": rec}), FMT)
    assert r.memory().outcomes() == [1, 2]
    assert qfmt.dump(r, FMT)["records"]["m"] == record(bits, dtype="int16")
    qutrit = {**rec, "packed_digits": npy_hex(np.array([[[2, 0]], [[0, 1]]], dtype=np.int16))}
    with pytest.raises(qfmt.PayloadError, match="digit 2 is not a bit: qudit") as ei:
        qfmt.load(result_dict({"m": qutrit}), FMT)
    assert ei.value.path == "$.records.m.packed_digits"


# -- sweeps --------------------------------------------------------------------------------------


def test_a_sweep_is_one_experiment_per_result_dict() -> None:
    first = result_dict({"m": record([[[1, 0]]])},
                        {"cirq_type": "ParamResolver", "param_dict": [["t", 0]]})
    second = result_dict({"m": record([[[0, 1]], [[1, 1]]])},
                         {"cirq_type": "ParamResolver", "param_dict": [["t", 1]]})
    r = qfmt.load([first, second], FMT)
    assert len(r) == 2 and r.extra == {}
    assert [e.extra["params"]["param_dict"] for e in r] == [[["t", 0]], [["t", 1]]]
    assert [r.memory(i).outcomes() for i in range(2)] == [[1], [2, 3]]
    assert qfmt.dump(r, FMT) == [first, second]
    with pytest.raises(qfmt.LossyConversionError, match="experiment="):
        qfmt.convert([first, second], FMT, "ionq.result.shots.json.v2")
    assert qfmt.convert([first, second], FMT, "ionq.result.shots.json.v2", experiment=1) == \
        {"shots": [{"registers": {"m": [0, 1]}}, {"registers": {"m": [1, 1]}}]}


def test_a_one_element_sweep_stays_a_list() -> None:
    one = result_dict({"m": record([[[1]]])})
    r = qfmt.load([one], FMT)
    assert r.extra == {"cirq_sweep": True}
    assert qfmt.dump(r, FMT) == [one]
    assert qfmt.dump(qfmt.load(one, FMT), FMT) == one


# -- writing other formats' data ----------------------------------------------------------------


def test_a_memory_without_registers_gets_measurement_key() -> None:
    mem = qfmt.load(["1", "2"], "ionq.result.shots.json.v1", num_qubits=2)
    assert list(qfmt.dump(mem, FMT)["records"]) == ["m"]
    out = qfmt.dump(mem, FMT, measurement_key="q")
    assert list(out["records"]) == ["q"] and qfmt.load(out, FMT).memory().outcomes() == [1, 2]


def test_counts_need_sampling_and_leaked_shots_are_left_out() -> None:
    with pytest.raises(qfmt.LossyConversionError, match="sample=True and seed=N"):
        qfmt.convert({"1": 3}, "ionq.result.histogram.json.v1", FMT)
    out = qfmt.convert({"1": 3}, "ionq.result.histogram.json.v1", FMT, sample=True, seed=1)
    assert qfmt.load(out, FMT).memory().outcomes() == [1, 1, 1]
    leaky = {"shots": [{"registers": {"r": [1, 0]}, "leakage_bits": [0, 1]},
                       {"registers": {"r": [0, 1]}, "leakage_bits": [0, 0]}]}
    out = qfmt.convert(leaky, "ionq.result.shots.json.v2", FMT)
    assert qfmt.load(out, FMT).memory().outcomes() == [2]
    kept = qfmt.convert(leaky, "ionq.result.shots.json.v2", FMT, include_leakage=True)
    assert qfmt.load(kept, FMT).memory().outcomes() == [1, 2]


@settings(max_examples=30)
@given(mem=qst.memory(leakage=False))
def test_generated_memory_round_trips(mem: qfmt.Memory) -> None:
    r = qfmt.load(qfmt.dumps(mem, FMT), FMT)
    back = r.memory()
    layout = mem.layout or qfmt.RegisterLayout.single(mem.width, "m")
    assert back.to_bool().tolist() == mem.to_bool().tolist()
    assert back.layout is not None and back.layout.sizes == layout.sizes
    assert back.layout.positional == (len(layout.registers) == 1)
    assert r.experiment(0).shots == len(mem)


@settings(max_examples=15)
@given(payload=qst.payloads(FMT))
def test_generated_payloads_conform(payload: Any) -> None:
    qfmt.testing.check_format(FMT, [payload])


def test_hand_written_payloads_conform() -> None:
    qfmt.testing.check_format(FMT, [
        EXAMPLE, EXAMPLE.read_text(),
        result_dict({"a": record([[[1, 0]], [[0, 1]]]), "b": record([[[1]], [[1]]], "bool")},
                    PARAMS, note="kept"),
        [result_dict({"m": record([[[1, 0, 1], [0, 0, 1]]])})],
        {"cirq_type": "TrialResult", "params": EMPTY,
         "measurements": {"m": {"packed_digits": "d32a", "binary": True, "dtype": "uint8",
                                "shape": [3, 5]}}},
    ])


# -- bad input ----------------------------------------------------------------------------------

GOOD = result_dict({"m": record([[[1, 0]], [[0, 1]]])})


def _with(path: tuple[Any, ...], value: Any, base: Any = GOOD) -> Any:
    data = json.loads(json.dumps(base))
    target = data
    for p in path[:-1]:
        target = target[p]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


BAD = [
    ([], "$", "at least one ResultDict"),
    (7, "$", "expected a ResultDict object or a list"),
    ([GOOD, 3], "$[1]", "expected an object"),
    (_with(("cirq_type",), "Circuit"), "$.cirq_type", "expected 'ResultDict'"),
    (_with(("params",), KeyError), "$", "missing key 'params'"),
    (_with(("records",), KeyError), "$", "one of 'records' or 'measurements'"),
    ({**GOOD, "measurements": GOOD["records"]}, "$", "not both"),
    (_with(("records",), {}), "$.records", "at least one measurement key"),
    (_with(("params", "cirq_type"), "Sweep"), "$.params.cirq_type", "'ParamResolver'"),
    (_with(("params", "param_dict"), [["t"]]), "$.params.param_dict[0]", "[name, value] pair"),
    (_with(("records", "m", "binary"), 1), "$.records.m.binary", "true or false"),
    (_with(("records", "m", "dtype"), "complex128"), "$.records.m.dtype", "expected one of"),
    (_with(("records", "m", "shape"), [2, 2]), "$.records.m.shape", "[repetitions, instances"),
    (_with(("records", "m", "shape"), [2, 1, 0]), "$.records.m.shape", "at least one qubit"),
    (_with(("records", "m", "shape"), [2, 1.0, 2]), "$.records.m.shape[1]", "non-negative"),
    (_with(("records", "m", "shape"), [5, 1, 2]), "$.records.m.packed_digits", "needs 2"),
    (_with(("records", "m", "shape"), [1, 1, 5000]), "$.records.m.shape", "MAX_WIDTH"),
    (_with(("records", "m", "packed_digits"), "9 "), "$.records.m.packed_digits", "hex string"),
    (_with(("records", "m", "packed_digits"), "9060"), "$.records.m.packed_digits", "needs 1"),
    (_with(("records", "m", "extra"), 1), '$.records.m.extra', "unexpected key"),
    (_with(("records", "n"), record([[[1]]])), "$.records.n.shape", "1 repetitions, but key 'm'"),
    (_with(("records", "m"), {"packed_digits": "00", "binary": False, "dtype": "int8",
                              "shape": [1, 1, 1]}), "$.records.m.packed_digits", "np.save"),
    (_with(("records", "m"), {"packed_digits": npy_hex(np.zeros((1, 1, 2), np.int8)),
                              "binary": False, "dtype": "int8", "shape": [1, 1, 3]}),
     "$.records.m.packed_digits", "shape [1, 1, 2]"),
    (_with(("records", "m"), {"packed_digits": npy_hex(np.zeros((1, 1, 2), np.int8)),
                              "binary": False, "dtype": "int16", "shape": [1, 1, 2]}),
     "$.records.m.packed_digits", "are int8"),
    (_with(("records", "m"), {"packed_digits": npy_hex(np.zeros((1, 1, 2), np.int8))[:-2],
                              "binary": False, "dtype": "int8", "shape": [1, 1, 2]}),
     "$.records.m.packed_digits", "hold 1 bytes"),
]


@pytest.mark.parametrize(("payload", "path", "reason"), BAD)
def test_bad_input_names_the_path(payload: Any, path: str, reason: str) -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(payload, FMT)
    assert (ei.value.format, ei.value.path) == (FMT, path)
    assert reason in ei.value.reason
    assert qfmt.problems(payload, FMT)


def test_two_keys_wider_than_max_width_together_are_refused() -> None:
    wide = {"packed_digits": "00" * 75, "binary": True, "dtype": "int8", "shape": [1, 1, 600]}
    with pytest.raises(qfmt.PayloadError, match="1200 bits") as ei:
        qfmt.load(result_dict({"a": wide, "b": wide}), FMT)
    assert ei.value.path == "$.records.b.shape"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | st.floats(allow_nan=True)
    | st.sampled_from(["ResultDict", "ParamResolver", "80", "int8", "bool", "zz"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["cirq_type", "params", "param_dict", "records",
                                       "measurements", "m", "packed_digits", "binary", "dtype",
                                       "shape"]), children, max_size=5),
    max_leaves=16,
)


@given(payload=json_values)
def test_arbitrary_json_parses_or_raises_payload_error(payload: Any) -> None:
    try:
        qfmt.load(payload, FMT)
    except qfmt.PayloadError as err:
        assert err.format == FMT and err.path.startswith("$")


# -- the GHZ example through every built-in format -------------------------------------------------

# options a format's parser needs to read the example back (formats that carry no width)
LOAD_OPTIONS: dict[str, dict[str, Any]] = {
    "ionq.result.histogram.json.v1": {"num_qubits": 3},
    "ionq.result.probabilities.json.v1": {"num_qubits": 3},
    "ionq.result.shots.json.v1": {"num_qubits": 3},
    "ionq.result.probabilities-aggregate.json.v1": {"num_qubits": 3},
    "stim.shots.b8": {"num_bits": 3},
}
BUILTIN = [fid for fid in outcome_formats() if fid != FMT]


def test_example_is_the_ionq_shots_without_the_leaked_ones() -> None:
    """examples/ionq/shots-v2.json written as Cirq: its one register becomes a key, and the 3
    leaked shots are left out (the example names the key "m", as a Cirq user would)."""
    example = json.loads(EXAMPLE.read_text())
    out = qfmt.convert(EXAMPLES / "ionq" / "shots-v2.json", "ionq.result.shots.json.v2", FMT)
    assert out == {**example, "records": {"output_all": example["records"]["m"]}}
    ghz = qfmt.load(EXAMPLE, FMT)
    assert len(ghz.memory()) == 1000
    ionq = qfmt.load(EXAMPLES / "ionq" / "histogram-v1.json", "ionq.result.histogram.json.v1",
                     num_qubits=3)
    assert dict(ghz.counts()) == dict(ionq)


@pytest.mark.parametrize("fid", BUILTIN)
def test_example_to_every_builtin_format_and_back(fid: str) -> None:
    """Formats with per-shot memory give the example back exactly; the others hold the same
    counts (or, for quasi-probabilities, the same values)."""
    original = json.loads(EXAMPLE.read_text())
    counts = dict(qfmt.load(EXAMPLE, FMT).counts())
    try:
        out = qfmt.convert(EXAMPLE, FMT, fid)
    except qfmt.LossyConversionError as exc:
        assert exc.option is not None and "job_id" in exc.option  # an aggregate keyed by job id
        out = qfmt.convert(EXAMPLE, FMT, fid, job_id="ghz")
    fmt = qfmt.default_registry().get(fid)
    opts = LOAD_OPTIONS.get(fid, {})
    obj = qfmt.load(out, fid, **opts)
    holds_memory = fmt.produces is qfmt.Memory or (
        fmt.produces is qfmt.Result and fmt.element in (None, qfmt.Memory)
        and "memory" in obj.experiment(0).data)
    if holds_memory:
        assert qfmt.convert(out, fid, FMT, **opts) == original
        return
    if fmt.produces is qfmt.QuasiDistribution or fmt.element is qfmt.QuasiDistribution:
        assert dict(obj) == pytest.approx({k: v / 1000 for k, v in counts.items()})
        return
    back = qfmt.convert(out, fid, "ionq.result.histogram.json.v1", shots=1000, **opts)
    assert {int(k): v for k, v in back.items()} == counts
    with pytest.raises(qfmt.LossyConversionError):
        qfmt.convert(out, fid, FMT, **opts)
