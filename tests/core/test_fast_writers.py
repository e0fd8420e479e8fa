"""JSON writers that write bytes straight from arrays: byte for byte what orjson writes for the
plain data (compact, and indented with OPT_INDENT_2 when ``pretty``), and ``qfmt.dumps``
through them gives exactly ``orjson.dumps(qfmt.dump(...))``."""

from __future__ import annotations

import numpy as np
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
from qfmt import kit
from qfmt.testing import strategies as qst

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# around every power of ten and of two, up to the largest uint64
edges = sorted({v for k in range(20) for v in (10**k - 1, 10**k, 10**k + 1)} |
               {v for k in range(65) for v in (2**k - 1, 2**k)})
u64 = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([e for e in edges if e < 2**64]))
arrays = st.lists(u64, max_size=40).map(lambda xs: np.array(xs, dtype=np.uint64))


def _orjson(data: object, pretty: bool) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 if pretty else 0)


@SETTINGS
@given(values=arrays, pretty=st.booleans())
def test_decimal_strings_are_what_orjson_writes(values: np.ndarray, pretty: bool) -> None:
    expected = _orjson([str(v) for v in values.tolist()], pretty)
    assert kit.json_decimal_strings(values, pretty=pretty) == expected


@SETTINGS
@given(pairs=st.lists(st.tuples(u64, u64), max_size=40, unique_by=lambda t: t[0]),
       pretty=st.booleans())
def test_decimal_counts_are_what_orjson_writes(pairs: list[tuple[int, int]],
                                               pretty: bool) -> None:
    keys = np.array([k for k, _ in pairs], dtype=np.uint64)
    values = np.array([v for _, v in pairs], dtype=np.uint64)
    expected = _orjson({str(k): v for k, v in pairs}, pretty)
    assert kit.json_decimal_counts(keys, values, pretty=pretty) == expected


def test_python_ints_past_64_bits_use_the_ordinary_writer() -> None:
    big = np.empty(2, dtype=object)
    big[:] = [2**70, 3]
    assert kit.json_decimal_strings(big) == b'["1180591620717411303424","3"]'
    assert kit.json_decimal_counts(big, np.array([1, 2], dtype=np.uint64),
                                   pretty=True) == b'{\n  "1180591620717411303424": 1,\n  "3": 2\n}'


@SETTINGS
@given(mem=qst.memory(), pretty=st.booleans())
def test_dumps_of_shots_v1_is_orjson_of_dump(mem: qfmt.Memory, pretty: bool) -> None:
    fid = "ionq.result.shots.json.v1"
    text = qfmt.dumps(mem, fid, pretty=pretty, include_leakage=True,
                      join_registers=True)
    assert isinstance(text, str)
    assert text.encode() == _orjson(qfmt.dump(mem, fid, include_leakage=True,
                                                 join_registers=True), pretty)
    assert qfmt.load(text, fid, num_qubits=mem.width).outcomes() == mem.outcomes()


@SETTINGS
@given(counts=qst.counts(), pretty=st.booleans())
def test_dumps_of_histogram_v1_is_orjson_of_dump(counts: qfmt.Counts, pretty: bool) -> None:
    fid = "ionq.result.histogram.json.v1"
    text = qfmt.dumps(counts, fid, pretty=pretty)
    assert isinstance(text, str)
    assert text.encode() == _orjson(qfmt.dump(counts, fid), pretty)
    assert dict(qfmt.load(text, fid, num_qubits=counts.width)) == dict(counts)


def test_a_serialize_raw_that_returns_text_breaks_the_contract() -> None:
    reg = qfmt.Registry(builtins=(), entry_points=False)
    base = qfmt.Registry(entry_points=False).get("ionq.result.shots.json.v1")
    import attrs

    qfmt.register(attrs.evolve(base, serialize_raw=lambda m, pretty=False: "[]"), registry=reg)
    mem = qfmt.load(["1", "2"], base.id, registry=reg)
    try:
        qfmt.dumps(mem, base.id, registry=reg)
    except qfmt.FormatContractError as exc:
        assert "serialize_raw returned a str" in str(exc)
    else:
        raise AssertionError("a str from serialize_raw was accepted")


def test_a_declining_serialize_raw_falls_back_to_serialize() -> None:
    reg = qfmt.Registry(builtins=(), entry_points=False)
    base = qfmt.Registry(entry_points=False).get("ionq.result.shots.json.v1")
    import attrs

    qfmt.register(attrs.evolve(base, serialize_raw=lambda m, pretty=False: None), registry=reg)
    mem = qfmt.load(["1", "2"], base.id, registry=reg)
    assert qfmt.dumps(mem, base.id, registry=reg) == '["1","2"]'


@SETTINGS
@given(values=st.lists(u64, max_size=40), width=st.integers(1, 64))
def test_memory_as_uint64_holds_the_outcomes(values: list[int], width: int) -> None:
    ints = [v % 2**width for v in values]
    mem = kit.memory_from_ints(ints, width=width)
    got = mem.as_uint64()
    assert got.dtype == np.uint64 and got.tolist() == ints == mem.outcomes()
    got[:1] = 1  # a fresh array: writing to it leaves the memory alone
    assert mem.outcomes() == ints
