"""``kit.compact_json`` (pretty-printed JSON made compact, or declined) and what ``qfmt.load`` does
with it: pretty text reaches the byte readers of the formats, with the same answers and the same
errors as compact text."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt import kit
from qfmt.plugins.ionq import formats as F

_WS = " \t\n\r"
_KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | _KEYS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12)


def _strings(v: Any) -> list[str]:
    """Every key and string value of ``v``."""
    if isinstance(v, str):
        return [v]
    if isinstance(v, list):
        return [s for x in v for s in _strings(x)]
    if isinstance(v, dict):
        return [*v] + [s for x in v.values() for s in _strings(x)]
    return []


def _spaced(v: Any, gap: Any) -> bytes:
    """``v`` as orjson writes it, with ``gap()`` (random insignificant whitespace) between every
    two tokens."""
    if isinstance(v, list):
        return b"[" + gap() + b",".join(gap() + _spaced(x, gap) + gap() for x in v) + b"]"
    if isinstance(v, dict):
        return b"{" + gap() + b",".join(
            gap() + orjson.dumps(k) + gap() + b":" + gap() + _spaced(x, gap) + gap()
            for k, x in v.items()) + b"}"
    return orjson.dumps(v)


def _styles(v: Any, data: st.DataObject) -> list[tuple[bytes, bytes]]:
    """(text, the same value written compact by the same writer) for each style of writing."""
    ws = st.text(st.sampled_from(_WS), max_size=3).map(str.encode)
    compact = orjson.dumps(v)
    out = [(compact, compact), (orjson.dumps(v, option=orjson.OPT_INDENT_2), compact),
           (data.draw(ws) + _spaced(v, lambda: data.draw(ws)) + data.draw(ws), compact)]
    tight = json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()
    for indent in (None, 2, 4, "\t"):
        out.append((json.dumps(v, indent=indent, ensure_ascii=False).encode(), tight))
    return out


@settings(max_examples=150, deadline=None)
@given(v=_VALUES, data=st.data())
def test_compact_json_keeps_the_value_and_drops_only_whitespace(v: Any, data: st.DataObject) \
        -> None:
    """Any JSON value in any insignificant whitespace: the result is the compact text the same
    writer writes; it declines exactly when a string holds whitespace or the text an escape."""
    inner_ws = any(c in s for s in _strings(v) for c in _WS)
    for text, compact in _styles(v, data):
        got = kit.compact_json(text)
        if not any(c in text for c in _WS.encode()):
            assert got == text  # already compact: returned as it is
        elif b"\\" in text or inner_ws:
            assert got is None
        else:
            assert got == compact
            assert orjson.loads(got) == orjson.loads(text)


@settings(max_examples=200, deadline=None)
@given(v=_VALUES, data=st.data())
def test_whitespace_anywhere_never_changes_what_the_text_means(v: Any, data: st.DataObject) \
        -> None:
    """Whitespace put at any byte of the text (inside numbers, literals and strings too): the
    result is None, or it is valid exactly when the text is, with the same value."""
    text = orjson.dumps(v)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(_WS)).encode() + text[at:]
    got = kit.compact_json(text)
    if got is None:
        return
    try:
        want: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(got)
    else:
        assert orjson.loads(got) == want
        assert got == orjson.dumps(want) or not text.isascii()


@pytest.mark.parametrize("text", [
    b"[1 2]", b"[1,\n2 3]", b"[tr ue]", b"[- 1]", b"[1 .5]", b"[1 e5]", b"[1e +5]", b"12 3",
    b'["a b"]', b'["a\tb"]', b'{"a ":1}', b'{" a":1}', b'["a\\"b", 1 ]', b'[ "\\u0020"]',
    b'[ "a]', b'{"a": "b "}', b'["\r"]',
])
def test_declined_texts(text: bytes) -> None:
    """Whitespace that sits inside a token, an escape, an unpaired quote: declined."""
    assert kit.compact_json(text) is None


@pytest.mark.parametrize(("text", "want"), [
    (b' { "a" : [ 1 , true , null , -2.5e+3 , "x" ] }\n', b'{"a":[1,true,null,-2.5e+3,"x"]}'),
    (b'[1 ,"\xc3\xa9" ,{}]', b'[1,"\xc3\xa9",{}]'),
    (b"\t[\r\n]", b"[]"),
    (b"[1,2]", b"[1,2]"),
    (b"[1 2", None),
    (b"[1 ,2", b"[1,2"),  # not JSON before, not JSON after: whoever reads it decides
])
def test_compacted_texts(text: bytes, want: bytes | None) -> None:
    assert kit.compact_json(text) == want


# -- qfmt.load: pretty text reaches the byte readers -------------------------------------------

_N = 2


def _payloads() -> list[tuple[str, Any, dict[str, Any]]]:
    counts = qfmt.Counts({0: 5, 3: 7, 2: 1}, width=2)
    probs = qfmt.ProbDistribution({0: 0.5, 3: 0.25, 1: 0.25}, width=2)
    marg_c = qfmt.RegisterMarginals({"a": counts, "b": qfmt.Counts({1: 13}, width=1)})
    marg_p = qfmt.RegisterMarginals({"a": probs, "b": qfmt.ProbDistribution({1: 1.0}, width=1)})
    v2 = {"shots": [{"registers": {"a": [i % 2, 1], "b": [0]}} for i in range(6)]}
    leak = {"shots": [{"registers": {"a": [1, 0]}, "leakage_bits": [0, i % 2]}
                      for i in range(4)]}
    agg = {"06a2099c-0000-7000-8000-000000000001": {"0": 0.5, "3": 0.5},
           "06a2099c-0000-7000-8000-000000000002": {"1": 1.0}}
    return [
        (F.HIST_V1, F.dump_histogram_v1(counts), {"num_qubits": _N}),
        (F.HIST_V2, F.dump_histogram_v2(marg_c), {}),
        (F.PROB_V1, F.dump_probabilities_v1(probs), {"num_qubits": _N}),
        (F.PROB_V2, F.dump_probabilities_v2(marg_p), {}),
        (F.SHOTS_V1, ["0", "3", "1", "3"], {"num_qubits": _N}),
        (F.SHOTS_V2, v2, {}),
        (F.SHOTS_V2, leak, {}),
        (F.AGGREGATE, agg, {"num_qubits": _N}),
    ]


_PAYLOADS = _payloads()
_IDS = [f"{fid}-{i}" for i, (fid, _, _) in enumerate(_PAYLOADS)]


def _pretty(data: Any) -> list[bytes]:
    return [orjson.dumps(data, option=orjson.OPT_INDENT_2), json.dumps(data, indent=4).encode(),
            json.dumps(data, indent="\t").encode(), json.dumps(data).encode() + b"\r\n"]


def _outcome(raw: bytes, fid: str, options: dict[str, Any]) -> Any:
    try:
        return qfmt.load(raw, fid, **options)
    except qfmt.QfmtError as exc:
        # where orjson found invalid text differs between the two texts; the rest must not
        return (type(exc), getattr(exc, "path", None),
                re.sub(r"line \d+ column \d+ \(char \d+\)", "", str(exc)))


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, tuple):
        assert a == b
        return
    assert a == b
    for x, y in [(a, b)] + ([(a.registers[n], b.registers[n]) for n in a.registers]
                            if isinstance(a, qfmt.RegisterMarginals) else []):
        for name in ("width", "width_inferred", "layout", "provenance"):
            if hasattr(x, name):
                assert getattr(x, name) == getattr(y, name), name


@pytest.mark.parametrize(("fid", "data", "options"), _PAYLOADS, ids=_IDS)
def test_load_reads_pretty_text_as_it_reads_compact_text(fid: str, data: Any,
                                                         options: dict[str, Any]) -> None:
    compact = orjson.dumps(data)
    want = _outcome(compact, fid, options)
    assert not isinstance(want, tuple)
    for pretty in _pretty(data):
        _same(_outcome(pretty, fid, options), want)


_BREAK = [
    (rb'"3"', b'"x"'), (rb"\b7\b", b"-7"), (rb"\b1\b", b"1.5"), (rb'"a"', b'"a b"'),
    (rb"\]", b",]"), (rb"0\.5", b"0.75"), (rb"\b1\b", b"1 1"),
]


@pytest.mark.parametrize(("fid", "data", "options"), _PAYLOADS, ids=_IDS)
@pytest.mark.parametrize(("find", "put"), _BREAK)
def test_load_refuses_bad_pretty_text_as_it_refuses_compact_text(
        fid: str, data: Any, options: dict[str, Any], find: bytes, put: bytes) -> None:
    """The same error (class, JSON path, message) for a broken payload, compact or pretty."""
    compact = orjson.dumps(data)
    broken = re.sub(find, put, compact, count=1)
    if broken == compact:
        return
    want = _outcome(broken, fid, options)
    for pretty in _pretty(data):
        bad = re.sub(find, put, pretty, count=1)
        if _canonical(bad) != _canonical(broken):
            continue  # the edit broke the two texts differently
        _same(_outcome(bad, fid, options), want)


def _canonical(raw: bytes) -> bytes | None:
    try:
        return orjson.dumps(orjson.loads(raw))
    except orjson.JSONDecodeError:
        return None


@pytest.mark.parametrize(("fid", "data", "options"), _PAYLOADS[:-1], ids=_IDS[:-1])
def test_pretty_text_takes_the_byte_reader(fid: str, data: Any, options: dict[str, Any]) -> None:
    """Pretty text of every format with a byte reader is read by it: a registry whose general
    parser fails still loads it."""
    reg = qfmt.Registry(entry_points=False)

    def parse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the general parser ran")

    reg.register(kit.evolve(reg.get(fid), parse=parse), replace=True)
    want = qfmt.load(orjson.dumps(data), fid, **options)
    for pretty in _pretty(data):
        _same(qfmt.load(pretty, fid, registry=reg, **options), want)
