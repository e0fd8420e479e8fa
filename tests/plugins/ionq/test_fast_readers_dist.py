"""The byte readers of the IonQ histogram and probabilities formats against the general path: for any text, the
fast reader declines (None) or gives the very object the general reader gives; and ``qfmt.load``
of the bytes gives the same object or the same error (class and JSON path) as the general path."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt._json import loads
from qfmt.plugins.ionq import formats as F
from qfmt.testing import strategies as qst

READERS = [
    (F.HIST_V1, F.parse_histogram_v1_raw, F.parse_histogram_v1),
    (F.HIST_V2, F.parse_histogram_v2_raw, F.parse_histogram_v2),
    (F.PROB_V1, F.parse_probabilities_v1_raw, F.parse_probabilities_v1),
    (F.PROB_V2, F.parse_probabilities_v2_raw, F.parse_probabilities_v2),
]


def _general(fmt: str, parse: Any, raw: bytes) -> Any:
    try:
        return parse(loads(raw, fmt))
    except qfmt.QfmtError as exc:
        return exc


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Exception) or isinstance(b, Exception):
        return type(a) is type(b) and getattr(a, "path", None) == getattr(b, "path", None)
    if isinstance(a, qfmt.RegisterMarginals):
        return a == b and all(a.registers[n].width == b.registers[n].width and
                              a.registers[n].provenance == b.registers[n].provenance
                              for n in a.registers)
    return bool(a == b and a.width == b.width and a.width_inferred == b.width_inferred and
                a.layout == b.layout and a.provenance == b.provenance)


def _check(fmt: str, raw_reader: Any, parse: Any, raw: bytes) -> None:
    expected = _general(fmt, parse, raw)
    try:
        fast = raw_reader(raw)
    except qfmt.QfmtError as exc:
        fast = exc
    if fast is not None:
        assert _same(fast, expected), (raw[:200], fast, expected)
    try:
        loaded: Any = qfmt.load(raw, fmt)
    except qfmt.QfmtError as exc:
        loaded = exc
    assert _same(loaded, expected), (raw[:200], loaded, expected)


def _texts(payload: Any) -> list[bytes]:
    compact = orjson.dumps(payload)
    return [compact, orjson.dumps(payload, option=orjson.OPT_INDENT_2), b" \n" + compact + b"\t"]


_MUTATIONS = st.sampled_from([
    lambda t: t[:-1],                                        # truncated
    lambda t: t.replace(b'"1"', b'"\\u0031"', 1),            # unicode escape in a key
    lambda t: t.replace(b":", b":-", 1),                     # a negative count
    lambda t: t.replace(b",", b'.5,', 1),                    # a float count
    lambda t: t.replace(b'{"', b'{"7":1,"07":2,"', 1),       # two keys naming one state
    lambda t: t.replace(b'{"', b'{"x":1,"', 1),              # a bad key
    lambda t: t.replace(b"}", b',"3":1,"3":2}', 1),          # a duplicate key
    lambda t: t.replace(b":", b": ", 1),                     # whitespace variant
    lambda t: t.replace(b":", b':"', 1),                     # a string value (broken)
    lambda t: t.replace(b"1", b"1 1", 1),                    # a space inside a number
    lambda t: t.replace(b'"', b'" ', 1),                     # a space inside a key
    lambda t: t.replace(b'"', b'"-', 1),                     # a sign in a key
    lambda t: t.replace(b'":', b'.5":', 1),                  # a float key
    lambda t: t.replace(b'":', b'e1":', 1),                  # an exponent in a key
    lambda t: t.replace(b":", b":true,\"9\":", 1),            # a true value
    lambda t: t.replace(b":", b":null,\"9\":", 1),            # a null value
    lambda t: t.replace(b":", b":[0],\"9\":", 1),             # an array value
    lambda t: t.replace(b":", b":1e400,\"9\":", 1),           # a number too large for a float
    lambda t: t.replace(b":", b":-0.0,\"9\":", 1),            # negative zero
    lambda t: t.replace(b":", b":1E-2,\"9\":", 1),            # an exponent value
])


@pytest.mark.parametrize(("fmt", "raw_reader", "parse"), READERS, ids=[r[0] for r in READERS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fast_reader_agrees_with_general_path(fmt: str, raw_reader: Any, parse: Any,
                                              data: st.DataObject) -> None:
    if fmt == F.HIST_V1:
        counts = data.draw(qst.counts(max_outcomes=40))
        payload: Any = F.dump_histogram_v1(counts)
    elif fmt == F.HIST_V2:
        marg = data.draw(qst.register_marginals(qfmt.Counts))
        payload = F.dump_histogram_v2(marg)
    elif fmt == F.PROB_V1:
        payload = F.dump_probabilities_v1(data.draw(qst.probabilities(max_outcomes=40)))
    else:
        payload = F.dump_probabilities_v2(data.draw(qst.register_marginals(
            qfmt.ProbDistribution)))
    for raw in _texts(payload):
        _check(fmt, raw_reader, parse, raw)
        _check(fmt, raw_reader, parse, data.draw(_MUTATIONS)(raw))


@pytest.mark.parametrize("raw", [
    b'{"3":10,"3":5}', b'{"3":10,"03":5}', b'{"\\u0033":10,"3":5}', b'{"1":-1}', b'{"1":1.5}',
    b'{"1":1e3}', b'{"1":007}', b'{"1":1', b'{"1" :1}', b'{ "1": 1 }', b'{"a":1}', b'{}',
    b'{"18446744073709551616":1}', b'{"1":18446744073709551616}',
])
def test_histogram_v1_edge_texts(raw: bytes) -> None:
    _check(F.HIST_V1, F.parse_histogram_v1_raw, F.parse_histogram_v1, raw)


@pytest.mark.parametrize("raw", [
    b'{"histogram":{"registers":{"a":{"01":1,"01":2}}}}',
    b'{"histogram":{"registers":{"a":{"01":1,"1":2}}}}',
    b'{"histogram":{"registers":{"a":{"01":1},"a":{"01":2}}}}',
    b'{"histogram":{"registers":{"a":{"01":-1}}}}',
    b'{"histogram":{"registers":{"a":{"0\\u0031":1}}}}',
    b'{"histogram":{"registers":{"a":{}}}}',
    b'{"histogram":{"registers":{}}}',
    b'{"histogram":{"registers":{"a":{"01":1}}}',
])
def test_histogram_v2_edge_texts(raw: bytes) -> None:
    _check(F.HIST_V2, F.parse_histogram_v2_raw, F.parse_histogram_v2, raw)


@pytest.mark.parametrize("raw", [
    b'{"3":0.5,"3":0.5}', b'{"3":0.5,"03":0.5}', b'{"\\u0033":0.5,"3":0.5}', b'{"1":-1}',
    b'{"1":1}', b'{"1":1.0}', b'{"1":1e0}', b'{"1":10E-1}', b'{"-0":1}', b'{"1.0":1}',
    b'{"1e0":1}', b'{"01":1}', b'{"1":01}', b'{"1":.5,"2":0.5}', b'{"1":0.5,"2":0.5,}',
    b'{"1":0.5}', b'{"1":1.5}', b'{"1":NaN}', b'{"1":1e400}', b'{"1":"1"}', b'{"1":true}',
    b'{"1":null}', b'{"1":[1]}', b'{"1":{"2":1}}', b'{"":1}', b'{"1":}', b'{"1" :1}',
    b'{"1":1', b'{}', b'{"18446744073709551616":1}', b'{"18446744073709551615":1}',
    b'{"1":1}\n', b'{"1":0.5,"2":0.5000000001}', b'{"1":-0.0,"2":1}', b'{"1":0.5}{"2":0.5}',
])
def test_probabilities_v1_edge_texts(raw: bytes) -> None:
    _check(F.PROB_V1, F.parse_probabilities_v1_raw, F.parse_probabilities_v1, raw)


@pytest.mark.parametrize("raw", [
    b'{"probabilities":{"registers":{"a":{"01":0.5,"01":0.5}}}}',
    b'{"probabilities":{"registers":{"a":{"01":0.5,"1":0.5}}}}',
    b'{"probabilities":{"registers":{"a":{"01":1},"a":{"01":1}}}}',
    b'{"probabilities":{"registers":{"a":{"01":-1,"10":2}}}}',
    b'{"probabilities":{"registers":{"a":{"0\\u0031":1}}}}',
    b'{"probabilities":{"registers":{"\\u0061":{"01":1}}}}',
    b'{"probabilities":{"registers":{"a":{"01":true}}}}',
    b'{"probabilities":{"registers":{"a":{"01":"1"}}}}',
    b'{"probabilities":{"registers":{"a":{"01":null}}}}',
    b'{"probabilities":{"registers":{"a":{"01":[1]}}}}',
    b'{"probabilities":{"registers":{"a":{"01":1e400}}}}',
    b'{"probabilities":{"registers":{"a":{"0.":1}}}}',
    b'{"probabilities":{"registers":{"a":{"01":1}},"x":1}}',
    b'{"probabilities":{"registers":{"a":{"01":1}}},"x":1}',
    b'{"probabilities":{"registers":{"a":{}}}}',
    b'{"probabilities":{"registers":{}}}',
    b'{"probabilities":{"registers":{"a":{"01":1}}}',
    b'{"probabilities":{"registers":{"a":{"01":1},"b b":{"1":1}}}}',
    b'{"probabilities":{"registers":{"\xc3\xa9":{"01":1}}}}',
    b'{"probabilities":{"registers":{"a":{"01":0.25,"10":0.75},"output_all":{"1":1}}}}',
    b'{"probabilities":{"registers":{"a:b":{"01":1}}}}',
    b'{"probabilities":{"registers":{"a{":{"01":1}}}}',
    b'{"probabilities":{"registers":{"a":{"01"}}}}',
    b'{"probabilities":{"registers":{"a":{"01":1,"10"}}}}',
    b'{"probabilities":{"registers":{"a":{"01":{"1":1}}}}}',
    b'["probabilities",["registers",["a",["01",1]]]]',
    b'{"probabilities":["registers",{"a":{"01":1}}]}',
    b'{"probabilities":{"registers":{"a":{"01":0.5,"10":0.5}}}}',
])
def test_probabilities_v2_edge_texts(raw: bytes) -> None:
    _check(F.PROB_V2, F.parse_probabilities_v2_raw, F.parse_probabilities_v2, raw)


def test_probability_readers_take_the_fast_path() -> None:
    """The byte readers answer (do not decline) for the compact text qfmt and IonQ write."""
    v1 = b'{"5":0.5,"3":2.5e-1,"0":0.25}'
    assert F.parse_probabilities_v1_raw(v1) == F.parse_probabilities_v1(orjson.loads(v1))
    v2 = b'{"probabilities":{"registers":{"c":{"01":0.5,"10":1E-1,"11":0.4}}}}'
    assert F.parse_probabilities_v2_raw(v2) == F.parse_probabilities_v2(orjson.loads(v2))
