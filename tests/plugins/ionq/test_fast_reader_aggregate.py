"""The byte reader of the IonQ probabilities aggregate against the general path: for any text, the
fast reader declines (None) or gives the very Result the general reader gives (every experiment,
its job id, each child's outcomes, values, width, ``width_inferred`` and provenance); and
``qfmt.load`` of the bytes gives the same Result or the same error (class and JSON path)."""

from __future__ import annotations

import contextlib
from typing import Any

import attrs
import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
from qfmt._json import loads
from qfmt.plugins.ionq import formats as F

AGG = F.AGGREGATE


def _general(raw: bytes, **options: Any) -> Any:
    try:
        return F.parse_aggregate(loads(raw, AGG), **options)
    except qfmt.QfmtError as exc:
        return exc


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Exception) or isinstance(b, Exception):
        return type(a) is type(b) and getattr(a, "path", None) == getattr(b, "path", None)
    if not (isinstance(a, qfmt.Result) and a == b and len(a.results) == len(b.results)):
        return False
    for x, y in zip(a.results, b.results):
        p, q = x.data["probabilities"], y.data["probabilities"]
        if not (x.job_id == y.job_id and p.width == q.width and
                p.width_inferred == q.width_inferred and p.provenance == q.provenance and
                p.atol == q.atol and p.shots == q.shots and
                np.array_equal(p.value_array, q.value_array) and
                p.outcome_array.dtype == q.outcome_array.dtype):
            return False
    return True


def _check(raw: bytes, **options: Any) -> Any:
    expected = _general(raw, **options)
    try:
        fast = F.parse_aggregate_raw(raw, **options)
    except qfmt.QfmtError as exc:  # the fast reader may only decline, never raise
        raise AssertionError(f"the byte reader raised {exc!r}") from exc
    if fast is not None:
        assert _same(fast, expected), (raw[:200], fast, expected)
    try:
        loaded: Any = qfmt.load(raw, AGG, **options)
    except qfmt.QfmtError as exc:
        loaded = exc
    assert _same(loaded, expected), (raw[:200], loaded, expected)
    return fast


def _texts(payload: Any) -> list[bytes]:
    compact = orjson.dumps(payload)
    return [compact, orjson.dumps(payload, option=orjson.OPT_INDENT_2), b" \n" + compact + b"\t"]


def _child(n: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    keys = rng.choice(2**10, size=n, replace=False)
    w = rng.random(n) + 0.01
    w /= w.sum()
    return {str(k): float(p) for k, p in zip(keys.tolist(), w.tolist())}


CHILD_IDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
PROBS = st.lists(st.integers(1, 50), min_size=1, max_size=6).map(
    lambda ws: [w / sum(ws) for w in ws])


@st.composite
def payloads(draw: Any) -> dict[str, dict[str, float]]:
    ids = draw(st.lists(CHILD_IDS, min_size=1, max_size=5, unique=True))
    out = {}
    for cid in ids:
        probs = draw(PROBS)
        keys = draw(st.lists(st.integers(0, 2**20), min_size=len(probs),
                             max_size=len(probs), unique=True))
        out[cid] = {str(k): p for k, p in zip(keys, probs)}
    return out


def test_fast_reader_reads_a_large_aggregate_as_the_general_reader() -> None:
    payload = {f"06a2099c-0000-7000-8000-{i:012d}": _child(64, i) for i in range(50)}
    for raw in _texts(payload):
        fast = _check(raw)
        assert fast is not None
        assert [e.job_id for e in fast.results] == list(payload)
        assert dict(fast.results[3].data["probabilities"]) == \
            {int(k): v for k, v in payload[list(payload)[3]].items()}
    mapped = {c: 10 + i % 3 for i, c in enumerate(payload)}
    for options in ({"num_qubits": 12}, {"num_qubits": mapped}, {"normalize": True},
                    {"atol": 0.5}, {"num_qubits": 5}, {"num_qubits": {"nope": 3}}):
        _check(orjson.dumps(payload), **options)


@settings(max_examples=60, deadline=None)
@given(payloads())
def test_fast_reader_matches_the_general_reader(payload: dict[str, Any]) -> None:
    for raw in _texts(payload):
        _check(raw)
    _check(orjson.dumps(payload), num_qubits=21)
    _check(orjson.dumps(payload), normalize=True)


_MUTATIONS = st.sampled_from([
    lambda t: t[:-1],                                          # truncated
    lambda t: t[: len(t) // 2],                                # truncated in the middle
    lambda t: t.replace(b'":{"', b'":{"7":0.1,"7":0.2,"', 1),  # a duplicate key in a child
    lambda t: t.replace(b'":{"', b'":{"7":0.1,"07":0.2,"', 1),  # two keys naming one state
    lambda t: t.replace(b'{"', b'{"c":{"1":1.0},"c":{"1":1.0},"', 1),  # duplicate child ids
    lambda t: t.replace(b'{"', b'{"":{"1":1.0},"', 1),         # an empty child id
    lambda t: t.replace(b'":{"', b'":{"x":0.0,"', 1),          # a bad key
    lambda t: t.replace(b'":{"', b'":{"-0":0.0,"', 1),         # a signed key
    lambda t: t.replace(b'":{"', b'":{"1.5":0.0,"', 1),        # a float key
    lambda t: t.replace(b'":{"', b'":{"1e3":0.0,"', 1),        # an exponent key
    lambda t: t.replace(b'":{"', b'":{"123456789012345678901":0.0,"', 1),  # a 21-digit key
    lambda t: t.replace(b'":{"', b'":{"9":0.5,"', 1),          # the sum off 1
    lambda t: t.replace(b'":{"', b'":{"9":-0.0,"', 1),         # a negative zero value
    lambda t: t.replace(b'":{"', b'":{"9":"0.0","', 1),        # a string value
    lambda t: t.replace(b'":{"', b'":{"9":true,"', 1),         # a true value
    lambda t: t.replace(b'":{"', b'":{"9":null,"', 1),         # a null value
    lambda t: t.replace(b'":{"', b'":{"9":[0.0],"', 1),        # an array value
    lambda t: t.replace(b'":{"', b'":{"9":{},"', 1),           # an object value
    lambda t: t.replace(b'":{"', b'":{"9":1e400,"', 1),        # an infinite value
    lambda t: t.replace(b'":{"', b'":{"9":2,"', 1),            # a value above 1
    lambda t: t.replace(b'":{"', b'":{"9":0,"', 1),            # an integer value
    lambda t: t.replace(b'":{"', b'":{"9" : 0,"', 1),          # whitespace between tokens
    lambda t: t.replace(b'":{"', b'":{"9 ":0.0,"', 1),         # whitespace inside a key
    lambda t: t.replace(b'":{"', b'":{},"x":{"', 1),           # an empty child
    lambda t: t.replace(b'":{"', b'":[],"x":{"', 1),           # a child that is an array
    lambda t: t.replace(b'":{"', b'":1,"x":{"', 1),            # a child that is a number
    lambda t: t.replace(b'{"', b'{"a:b":{"1":1.0},"', 1),      # a colon in a child id
    lambda t: t.replace(b'{"', b'{"a{b}":{"1":1.0},"', 1),     # braces in a child id
    lambda t: t.replace(b'{"', b'{"a,b":{"1":1.0},"', 1),      # a comma in a child id
    lambda t: t.replace(b'{"', b'{"a b":{"1":1.0},"', 1),      # a space in a child id
    lambda t: t.replace(b'{"', b'{"a\\"b":{"1":1.0},"', 1),    # an escape in a child id
    lambda t: t.replace(b'{"', b'{"\\ud800":{"1":1.0},"', 1),  # a lone surrogate escape
    lambda t: t.replace(b'{"', b'{"a\x01":{"1":1.0},"', 1),    # a control character
    lambda t: t.replace(b'{"', b'{"a}":{"1":1.0},"', 1),       # a closing brace in a child id
    lambda t: t.replace(b'{"', b'{"a},\\"b":{"1":1.0},"', 1),  # an escaped quote after a brace
    lambda t: t.replace(b'{"', b'{"-a":{"1":1.0},"', 1),       # a child id with a leading sign
    lambda t: t.replace(b'":{"', b'":{"9223372036854775808":0.0,"', 1),   # 2**63
    lambda t: t.replace(b'":{"', b'":{"18446744073709551615":0.0,"', 1),  # 2**64 - 1
    lambda t: t.replace(b'":{"', b'":{"18446744073709551616":0.0,"', 1),  # 2**64
    lambda t: t.replace(b'":{"', b'":{"0":0.0,"', 1),          # the zero key
    lambda t: t.replace(b":", b"::", 1),                       # a doubled colon
    lambda t: t.replace(b",", b",,", 1),                       # a doubled comma
    lambda t: t.replace(b":", b",", 1),                        # a comma for a colon
    lambda t: t.replace(b"}", b"]", 1),                        # a bracket for a brace
    lambda t: b"[" + t + b"]",                                 # not an object
    lambda t: b"{}",                                           # no child
    lambda t: t + b"{}",                                       # trailing data
])


@settings(max_examples=150, deadline=None)
@given(payloads(), _MUTATIONS, st.booleans())
def test_bad_texts_give_the_general_readers_error(payload: dict[str, Any], mutate: Any,
                                                  pretty: bool) -> None:
    raw = mutate(orjson.dumps(payload))
    _check(raw)
    if pretty:
        with contextlib.suppress(orjson.JSONDecodeError):  # not JSON: the compact text is enough
            _check(orjson.dumps(orjson.loads(raw), option=orjson.OPT_INDENT_2))
    mapped = {c: 21 for c in payload}
    _check(raw, num_qubits=mapped)


def test_trusted_constructors_equal_the_public_ones() -> None:
    p = qfmt.ProbDistribution({1: 0.25, 2: 0.75}, width=3)
    exp = qfmt.ExperimentResult._trusted_many("probabilities", [p], ["job-1"])[0]
    public = qfmt.ExperimentResult({"probabilities": p}, job_id="job-1")
    assert attrs.asdict(exp, recurse=False) == attrs.asdict(public, recurse=False)
    res = qfmt.Result._trusted([exp])
    assert attrs.asdict(res, recurse=False) == attrs.asdict(qfmt.Result([public]),
                                                            recurse=False)
    built = qfmt.kit.result("probabilities", [p], job_ids=["job-1"])
    assert attrs.asdict(built, recurse=False) == attrs.asdict(res, recurse=False)
    assert attrs.asdict(built.results[0], recurse=False) == attrs.asdict(public, recurse=False)
    outs = np.array([1, 2, 0, 5], dtype=np.uint64)
    vals = np.array([0.25, 0.75, 0.5, 0.5])
    a, b = qfmt.ProbDistribution._trusted_slices(
        outs, vals, [2, 4], [3, 4], [False, True], [(), ()], shots=None, atol=1e-4)
    assert a == p and a.width == 3 and not a.width_inferred
    assert b == qfmt.ProbDistribution({0: 0.5, 5: 0.5}, width=4) and b.width_inferred
    assert dict(b) == {0: 0.5, 5: 0.5} and not b.outcome_array.flags.writeable
