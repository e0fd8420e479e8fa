"""Qiskit primitives V2 results (qiskit.primitives.sampler.json.v1 / estimator.json.v1) without
Qiskit: the shipped GHZ examples, the encoding rules, bad inputs, conversions from other formats,
and memory use at a million shots. tests/plugins/qiskit/test_primitives_sdk.py compares with the
real StatevectorSampler / StatevectorEstimator and RuntimeEncoder / RuntimeDecoder."""

from __future__ import annotations

import base64
import copy
import gc
import io
import json
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings

import qfmt
from qfmt.plugins.qiskit import primitives as prim
from qfmt.testing import strategies as qst

SAMPLER = "qiskit.primitives.sampler.json.v1"
ESTIMATOR = "qiskit.primitives.estimator.json.v1"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def npy(arr: np.ndarray, *, allow_pickle: bool = False) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return base64.b64encode(zlib.compress(buf.getvalue())).decode()


def bitarray(arr: np.ndarray, num_bits: int) -> dict[str, Any]:
    return {"__type__": "BitArray", "__value__": {
        "array": {"__type__": "ndarray", "__value__": npy(arr)}, "num_bits": num_bits}}


def sampler_doc(fields: dict[str, Any], shape: list[int] | None = None,
                pub_meta: Any = None, meta: Any = None) -> dict[str, Any]:
    """A SamplerV2 PrimitiveResult as RuntimeEncoder writes it (one pub)."""
    return {"__type__": "PrimitiveResult", "__value__": {
        "pub_results": [{"__type__": "SamplerPubResult", "__value__": {
            "data": {"__type__": "DataBin", "__value__": {
                "field_names": list(fields), "shape": shape or [], "fields": fields}},
            "metadata": pub_meta if pub_meta is not None else {"shots": 4}}}],
        "metadata": meta if meta is not None else {"version": 2}}}


# -- the shipped GHZ examples -------------------------------------------------------------------


def test_sampler_example_is_the_shipped_ghz_run() -> None:
    r = qfmt.load(EXAMPLES / "qiskit" / "sampler.json", SAMPLER)
    ref = qfmt.load(EXAMPLES / "qiskit" / "result.json", "qiskit.result.json.v1")
    assert r.get_counts(0) == ref.get_counts(0)
    assert r.get_memory(0) == ref.get_memory(0)
    assert r.memory(0).layout == qfmt.RegisterLayout([("meas", 3)])
    assert r.results[0].header == {"pub": 0, "shape": [], "index": [],
                                   "metadata": {"shots": 1000,
                                                "circuit_metadata": {"name": "ghz3"}}}
    assert r.extra == {"metadata": {"version": 2}}
    assert qfmt.detect(EXAMPLES / "qiskit" / "sampler.json")[0] == SAMPLER


def test_estimator_example_holds_the_ghz_parities() -> None:
    e = qfmt.load(EXAMPLES / "qiskit" / "estimator.json", ESTIMATOR)
    counts = qfmt.load(EXAMPLES / "qiskit" / "counts.json", "qiskit.counts.json.v1")
    want = [qfmt.sampled_expectation_value(counts, op) for op in ("ZZI", "IZZ", "ZIZ", "ZZZ")]
    assert isinstance(e, qfmt.Expectations) and len(e) == 1 and e[0].shape == (4,)
    assert e[0].fields == ("evs", "stds", "ensemble_standard_error")
    np.testing.assert_allclose(e.evs(0), want)
    np.testing.assert_allclose(e[0].stds, np.sqrt((1 - np.array(want) ** 2) / 1000))
    assert e.metadata == {"version": 2} and e[0].metadata["shots"] == 1000
    assert qfmt.detect(EXAMPLES / "qiskit" / "estimator.json")[0] == ESTIMATOR


@pytest.mark.parametrize("name, fid", [("sampler.json", SAMPLER), ("estimator.json", ESTIMATOR)])
def test_examples_dump_back_to_the_same_arrays_and_metadata(name: str, fid: str) -> None:
    text = (EXAMPLES / "qiskit" / name).read_text()
    obj = qfmt.load(text, fid)
    again = qfmt.dumps(obj, fid, pretty=True)
    assert qfmt.load(again, fid) == obj
    assert json.loads(again) == json.loads(text)  # zlib and npy are deterministic here


def test_reading_and_writing_need_no_qiskit() -> None:
    code = f"""
import sys
sys.modules["qiskit"] = None
sys.modules["qiskit_ibm_runtime"] = None
import qfmt
from pathlib import Path
r = qfmt.load(Path({str(EXAMPLES / 'qiskit' / 'sampler.json')!r}), "{SAMPLER}")
e = qfmt.load(Path({str(EXAMPLES / 'qiskit' / 'estimator.json')!r}), "{ESTIMATOR}")
qfmt.dumps(r, "{SAMPLER}"), qfmt.dumps(e, "{ESTIMATOR}")
print(sum(r.get_counts(0).values()), e[0].shape)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["1000", "(4,)"]


# -- the encoding -------------------------------------------------------------------------------


def test_bit_order_is_big_endian_across_bytes_with_the_first_field_at_bit_0() -> None:
    # 10-bit register "a": shot 0 has clbit 0 and clbit 9 set -> bytes [0b10, 0b1] (last byte low)
    a = np.array([[0b10, 0b00000001], [0, 0b10000000]], dtype=np.uint8)
    b = np.array([[0b101], [0b010]], dtype=np.uint8)  # 3-bit register "b"
    r = qfmt.load(sampler_doc({"a": bitarray(a, 10), "b": bitarray(b, 3)}), SAMPLER)
    mem = r.memory(0)
    assert mem.layout == qfmt.RegisterLayout([("a", 10), ("b", 3)])
    assert mem.outcomes() == [(1 | 1 << 9) | 0b101 << 10, (1 << 7) | 0b010 << 10]
    assert r.get_memory(0) == ["101 1000000001", "010 0010000000"]
    assert dict(r.counts(0)) == {(1 << 7) | 0b010 << 10: 1, (1 | 1 << 9) | 0b101 << 10: 1}


def test_a_pub_of_shape_2_2_gives_four_experiments_in_c_order() -> None:
    arr = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3, 1) % 4
    r = qfmt.load(sampler_doc({"c": bitarray(arr, 2)}, shape=[2, 2]), SAMPLER)
    assert [e.header["index"] for e in r.results] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    for i, idx in enumerate(np.ndindex(2, 2)):
        assert r.memory(i).outcomes() == arr[idx][:, 0].tolist()
        assert r.results[i].shots == 3 and r.results[i].header["shape"] == [2, 2]


def test_registers_wider_than_64_bits_zero_shots_and_empty_databins() -> None:
    wide = np.zeros((2, 9), dtype=np.uint8)
    wide[0, 0] = 0b10  # bit 65 of a 70-bit register; bit 0 is the lowest of the last byte
    wide[1, 8] = 1
    r = qfmt.load(sampler_doc({"w": bitarray(wide, 70), "c": bitarray(
        np.array([[1], [0]], dtype=np.uint8), 1)}), SAMPLER)
    assert r.memory(0).outcomes() == [1 << 65 | 1 << 70, 1]
    assert r.get_counts(0) == {"1 0000" + "1" + "0" * 65: 1, "0 " + "0" * 69 + "1": 1}
    zero = qfmt.load(sampler_doc({"meas": bitarray(np.zeros((0, 1), np.uint8), 3)}), SAMPLER)
    assert len(zero.memory(0)) == 0 and zero.results[0].shots == 0
    empty = qfmt.load(sampler_doc({}, shape=[3]), SAMPLER)
    assert len(empty.results) == 3 and empty.memory(2).width == 0
    for doc in (zero, empty):
        assert qfmt.load(qfmt.dump(doc, SAMPLER), SAMPLER) == doc
    assert qfmt.dump(empty, SAMPLER)["__value__"]["pub_results"][0]["__value__"]["data"][
        "__value__"] == {"field_names": [], "shape": [3], "fields": {}}


def test_metadata_envelopes_pass_through_and_decode_on_request() -> None:
    meta = {"execution": {"execution_spans": {"__type__": "ExecutionSpans", "__value__": {
        "spans": [{"__type__": "DoubleSliceSpan", "__value__": {
            "start": {"__type__": "datetime", "__value__": "2026-11-22T09:30:00.123456+00:00"},
            "stop": {"__type__": "datetime", "__value__": "2026-11-22T09:30:02+00:00"},
            "data_slices": {"0": [[3], 0, 3, 0, 4]}}}]}}},
        "version": 2}
    doc = sampler_doc({"c": bitarray(np.zeros((4, 1), np.uint8), 1)}, meta=meta)
    r = qfmt.load(doc, SAMPLER)
    assert r.extra["metadata"] == meta
    assert qfmt.dump(r, SAMPLER)["__value__"]["metadata"] == meta
    start = prim.decode_metadata(meta)["execution"]["execution_spans"]["__value__"]["spans"][0][
        "__value__"]["start"]
    assert start.isoformat() == "2026-11-22T09:30:00.123456+00:00"


def test_python_metadata_is_written_as_runtime_envelopes() -> None:
    import datetime

    when = datetime.datetime(2026, 11, 22, 9, 30, tzinfo=datetime.timezone.utc)
    r = qfmt.Result([qfmt.ExperimentResult(
        {"memory": qfmt.Memory.from_ints([1, 0], 1)},
        header={"metadata": {"at": when, "z": 1j, "arr": np.array([1.5, 2.5])}})])
    meta = qfmt.dump(r, SAMPLER)["__value__"]["pub_results"][0]["__value__"]["metadata"]
    assert meta["at"] == {"__type__": "datetime", "__value__": when.isoformat()}
    assert meta["z"] == {"__type__": "complex", "__value__": [0.0, 1.0]}
    assert prim.decode_metadata(meta)["arr"].tolist() == [1.5, 2.5]


class _Unpickled:
    seen = False

    def __reduce__(self) -> Any:
        return (_mark, ())


def _mark() -> None:
    _Unpickled.seen = True


def test_a_pickled_array_is_refused_and_never_unpickled() -> None:
    evil = np.array([_Unpickled()], dtype=object)
    doc = sampler_doc({"c": bitarray(np.zeros((4, 1), np.uint8), 1)})
    doc["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"]["fields"]["c"][
        "__value__"]["array"]["__value__"] = npy(evil, allow_pickle=True)
    with pytest.raises(qfmt.PayloadError, match="pickled") as info:
        qfmt.load(doc, SAMPLER)
    assert info.value.path == ("$.__value__.pub_results[0].__value__.data.__value__.fields.c."
                               "__value__.array.__value__")
    assert not _Unpickled.seen
    est = {"__type__": "PrimitiveResult", "__value__": {"pub_results": [
        {"__type__": "PubResult", "__value__": {"data": {"__type__": "DataBin", "__value__": {
            "shape": [1], "fields": {"evs": {"__type__": "ndarray",
                                             "__value__": npy(evil, allow_pickle=True)}}}}}}]}}
    with pytest.raises(qfmt.PayloadError, match="pickled"):
        qfmt.load(est, ESTIMATOR)
    assert not _Unpickled.seen


FIELD = "$.__value__.pub_results[0].__value__.data.__value__.fields.c"


def _bad(edit: Any) -> dict[str, Any]:
    doc = sampler_doc({"c": bitarray(np.array([[1], [2], [3], [0]], np.uint8), 2)})
    edit(doc["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"])
    return doc


def _set_array(value: str) -> Any:
    def edit(d: dict[str, Any]) -> None:
        d["fields"]["c"]["__value__"]["array"]["__value__"] = value
    return edit


def _rename(d: dict[str, Any], name: str) -> None:
    d["fields"] = {name: d["fields"]["c"]}
    d["field_names"] = [name]


@pytest.mark.parametrize("edit, path, reason", [
    (_set_array("***"), FIELD + ".__value__.array.__value__", "not valid base64"),
    (_set_array(base64.b64encode(b"plain").decode()), FIELD + ".__value__.array.__value__",
     "not zlib"),
    (_set_array(base64.b64encode(zlib.compress(b"not npy")).decode()),
     FIELD + ".__value__.array.__value__", "not a .npy array"),
    (_set_array(npy(np.zeros((4, 1), np.int64))), FIELD + ".__value__.array", "uint8"),
    (_set_array(npy(np.zeros((4, 2), np.uint8))), FIELD + ".__value__.array",
     r"expected \(\*\[\], shots, 1\)"),
    (_set_array(npy(np.full((4, 1), 4, np.uint8))), FIELD + ".__value__.array",
     "above num_bits=2"),
    (lambda d: d.update(field_names=["x"]), "$.__value__.pub_results[0].__value__.data."
     "__value__.field_names", "do not list the fields"),
    (lambda d: _rename(d, "shape"), "$.__value__.pub_results[0].__value__.data.__value__."
     "fields.shape", "cannot be a DataBin field"),
    (lambda d: d.update(shape=[-1]), "$.__value__.pub_results[0].__value__.data.__value__."
     "shape[0]", "non-negative"),
    (lambda d: d["fields"]["c"].update(__type__="ndarray"), FIELD + ".__type__",
     "expected 'BitArray'"),
])
def test_bad_sampler_payloads_name_the_path(edit: Any, path: str, reason: str) -> None:
    with pytest.raises(qfmt.PayloadError, match=reason) as info:
        qfmt.load(_bad(edit), SAMPLER)
    assert info.value.format == SAMPLER and info.value.path == path


def test_fields_with_different_shot_counts_are_refused() -> None:
    doc = sampler_doc({"a": bitarray(np.zeros((4, 1), np.uint8), 1),
                       "b": bitarray(np.zeros((3, 1), np.uint8), 1)})
    with pytest.raises(qfmt.PayloadError, match="different numbers of shots"):
        qfmt.load(doc, SAMPLER)


def test_list_encoded_arrays_are_refused_as_qiskit_cannot_read_them() -> None:
    doc = _bad(lambda d: d["fields"]["c"]["__value__"].update(
        array={"__type__": "ndarray", "__value__": [[1], [2]]}))
    with pytest.raises(qfmt.PayloadError, match="base64 string"):
        qfmt.load(doc, SAMPLER)


# -- writing from other formats -----------------------------------------------------------------


def _fields(doc: dict[str, Any], pub: int = 0) -> dict[str, Any]:
    return doc["__value__"]["pub_results"][pub]["__value__"]["data"]["__value__"]["fields"]


def _bits(field: dict[str, Any]) -> tuple[np.ndarray, int]:
    v = field["__value__"]
    return prim.decode_ndarray(v["array"]["__value__"], SAMPLER), v["num_bits"]


def test_ionq_shots_v2_registers_become_fields_by_name() -> None:
    shots = {"shots": [{"registers": {"mid": [1], "result": [0, 1, 1]}},
                       {"registers": {"mid": [0], "result": [1, 0, 0]}}]}
    doc = qfmt.convert(shots, "ionq.result.shots.json.v2", SAMPLER)
    fields = _fields(doc)
    assert list(fields) == ["mid", "result"]
    arr, n = _bits(fields["result"])
    assert n == 3 and arr[:, 0].tolist() == [0b110, 0b001]
    r = qfmt.load(doc, SAMPLER)
    assert r.get_memory(0) == ["110 1", "001 0"]


@pytest.mark.parametrize("src, payload, opts", [
    ("ionq.result.shots.json.v1", ["5", "2"], {"num_qubits": 3}),
    ("qiskit.memory.json.v1", ["101", "010"], {}),
])
def test_flat_memory_becomes_one_field_meas_or_the_named_register(
        src: str, payload: Any, opts: dict[str, Any]) -> None:
    doc = qfmt.convert(payload, src, SAMPLER, **opts)
    assert list(_fields(doc)) == ["meas"]
    doc = qfmt.convert(payload, src, SAMPLER, register="c", **opts)
    arr, n = _bits(_fields(doc)["c"])
    assert n == 3 and arr[:, 0].tolist() == [5, 2]


def test_counts_and_probabilities_refuse_unless_sampled() -> None:
    counts = qfmt.Counts({0: 3, 7: 1}, 3)
    with pytest.raises(qfmt.LossyConversionError, match="sample=True"):
        qfmt.dump(counts, SAMPLER)
    with pytest.raises(qfmt.LossyConversionError, match="shots="):
        qfmt.dump(counts.probabilities(), SAMPLER)
    r = qfmt.load(qfmt.dump(counts, SAMPLER, sample=True, seed=5), SAMPLER)
    assert dict(r.counts(0)) == {0: 3, 7: 1}


def test_register_names_that_cannot_be_fields_are_refused_with_a_rename_option() -> None:
    mem = qfmt.Memory.from_ints([1, 6], 3, layout=qfmt.RegisterLayout([("shape", 1),
                                                                       ("my reg", 2)]))
    with pytest.raises(qfmt.LossyConversionError) as info:
        qfmt.dump(mem, SAMPLER)
    assert "'shape'" in str(info.value) and "'my reg'" in str(info.value)
    assert "rename=" in str(info.value)
    doc = qfmt.dump(mem, SAMPLER, rename={"shape": "s", "my reg": "my_reg"})
    assert list(_fields(doc)) == ["s", "my_reg"]
    assert qfmt.load(doc, SAMPLER).memory(0).outcomes() == [1, 6]


def test_leaked_shots_follow_the_per_shot_rule() -> None:
    shots = {"shots": [{"registers": {"q": [1, 0]}, "leakage_bits": [1]},
                       {"registers": {"q": [0, 1]}}, {"registers": {"q": [1, 1]}}]}
    mem = qfmt.load(shots, "ionq.result.shots.json.v2")
    r = qfmt.load(qfmt.dump(mem, SAMPLER), SAMPLER)
    assert r.memory(0).outcomes() == [2, 3]
    kept = qfmt.load(qfmt.dump(mem, SAMPLER, include_leakage=True), SAMPLER)
    assert kept.memory(0).outcomes() == [1, 2, 3]


def test_a_qiskit_result_converts_with_one_scalar_pub_per_experiment() -> None:
    ref = qfmt.load(EXAMPLES / "qiskit" / "result.json", "qiskit.result.json.v1")
    two = qfmt.Result([*ref.results, *ref.results])
    doc = qfmt.dump(two, SAMPLER)
    assert len(doc["__value__"]["pub_results"]) == 2
    back = qfmt.load(doc, SAMPLER)
    assert back.get_counts(1) == ref.get_counts(0)
    # and back to the qiskit.result world: the same display keys
    assert qfmt.load(qfmt.dump(back, "qiskit.result.json.v1"),
                     "qiskit.result.json.v1").get_counts(0) == ref.get_counts(0)


# -- property tests -----------------------------------------------------------------------------


@settings(max_examples=40)
@given(mem=qst.memory(layout=True, leakage=False, positional=True, max_shots=12))
def test_any_positional_memory_round_trips_exactly(mem: qfmt.Memory) -> None:
    names = {n: f"r{i}" for i, n in enumerate(mem.layout.names)} if mem.layout else {}
    back = qfmt.load(qfmt.dumps(mem, SAMPLER, rename=names), SAMPLER).memory(0)
    assert np.array_equal(back.bits, mem.bits) and back.width == mem.width
    assert mem.layout is not None and back.layout is not None
    assert back.layout.sizes == tuple((names[n], w) for n, w in mem.layout.sizes)


@settings(max_examples=40)
@given(exp=qst.expectations())
def test_any_expectations_round_trip_exactly(exp: qfmt.Expectations) -> None:
    text = qfmt.dumps(exp, ESTIMATOR)
    assert qfmt.load(text, ESTIMATOR) == exp
    qfmt.testing.check_format(ESTIMATOR, [text])


@settings(max_examples=30)
@given(exp=qst.expectations(max_pubs=1))
def test_mutated_estimator_payloads_parse_or_raise_payload_errors(exp: qfmt.Expectations) -> None:
    doc = qfmt.dump(exp, ESTIMATOR)
    dbin = doc["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"]
    for bad in (None, -1, "x", [], {}, {"__type__": "ndarray", "__value__": 3}):
        for key in ("shape", "fields", "field_names"):
            mutated = copy.deepcopy(doc)
            mutated["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"][key] = bad
            try:
                qfmt.load(mutated, ESTIMATOR)
            except qfmt.PayloadError as exc:
                assert exc.format == ESTIMATOR
    assert dbin["field_names"] == list(exp[0].fields)


# -- expectation values -------------------------------------------------------------------------


def test_expectations_keep_field_order_shape_and_zne_fields() -> None:
    block = qfmt.ExpectationValues({
        "evs": np.zeros((2, 3)), "stds": np.ones((2, 3)),
        "evs_noise_factors": np.arange(18.0).reshape(2, 3, 3),
        "evs_extrapolated": np.arange(12.0).reshape(2, 3, 2)}, metadata={"zne": True},
        extra={"pub_result_type": "EstimatorPubResult"})
    exp = qfmt.Expectations([block], {"version": 2})
    doc = qfmt.dump(exp, ESTIMATOR)
    assert doc["__value__"]["pub_results"][0]["__type__"] == "EstimatorPubResult"
    back = qfmt.load(doc, ESTIMATOR)
    assert back == exp and back[0].fields == block.fields and back[0].shape == (2, 3)
    with pytest.raises(ValueError, match="does not start with"):
        qfmt.ExpectationValues({"evs": np.zeros(3)}, shape=(2,))
    with pytest.raises(qfmt.LossyConversionError):
        qfmt.dump(exp, "qiskit.counts.json.v1")
    with pytest.raises(qfmt.LossyConversionError):
        qfmt.dump(qfmt.Counts({0: 1}, 1), ESTIMATOR)


# -- scale --------------------------------------------------------------------------------------


def test_a_million_shot_twenty_bit_file_loads_within_16_mb() -> None:
    rng = np.random.default_rng(15)
    values = rng.integers(0, 2**20, size=1_000_000, dtype=np.uint32)
    arr = values.astype(">u4").view(np.uint8).reshape(-1, 4)[:, 1:]  # 3 big-endian bytes
    text = orjson.dumps(sampler_doc({"meas": bitarray(np.ascontiguousarray(arr), 20)}))
    del arr
    gc.collect()
    tracemalloc.start()
    try:
        r = qfmt.load(text, SAMPLER)
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert retained <= 16 * 2**20, f"{retained / 2**20:.1f} MB retained"
    assert np.array_equal(r.memory(0).as_uint64(), values.astype(np.uint64))


def test_the_command_line_shows_expectations_and_refuses_to_plot_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qfmt.cli import main

    est = str(EXAMPLES / "qiskit" / "estimator.json")
    shown = CliRunner().invoke(main, ["show", est])
    assert shown.exit_code == 0 and "block 0  shape [4]" in shown.output
    assert "evs: 0.86, 0.876, 0.9, 0.002" in shown.output
    plotted = CliRunner().invoke(main, ["plot", est, "-o", str(tmp_path / "x.png")])
    assert plotted.exit_code == 1 and "no outcomes" in plotted.output
    sampler = CliRunner().invoke(main, ["show", str(EXAMPLES / "qiskit" / "sampler.json")])
    assert sampler.exit_code == 0 and "1000 shots, 3 bits, registers meas[3]" in sampler.output
