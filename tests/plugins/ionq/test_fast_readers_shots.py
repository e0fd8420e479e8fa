"""The shots v1 / v2 raw readers against the general path (orjson, then the parser): on compact
and pretty text, from bytes, a path and an open file, good and bad input alike, the answer is the
same object or the same error (format, JSON path, class)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
from qfmt._json import loads
from qfmt.plugins.ionq import formats as ionq
from tests.test_byte_readers_differential import SHAPES, check_text, texts

V1, V2 = ionq.SHOTS_V1, ionq.SHOTS_V2


def _general(raw: bytes, fmt: str, **options: Any) -> Any:
    """What the ordinary path answers: orjson (checked) then the parser, no raw reader."""
    try:
        data = loads(raw, fmt)
        return ionq.parse_shots_v1(data, **options) if fmt == V1 else ionq.parse_shots_v2(data)
    except qfmt.QfmtError as exc:
        return exc


def _loaded(payload: Any, fmt: str, **options: Any) -> Any:
    try:
        return qfmt.load(payload, fmt, **options)
    except qfmt.QfmtError as exc:
        return exc


def _same(got: Any, want: Any) -> None:
    if isinstance(want, Exception):
        assert isinstance(got, type(want)), (got, want)
        assert (getattr(got, "format_id", None), getattr(got, "path", None)) == \
            (getattr(want, "format_id", None), getattr(want, "path", None)), (got, want)
    else:
        assert not isinstance(got, Exception), got
        assert got == want
        assert (got.width, got.width_inferred, got.layout, got.provenance) == \
            (want.width, want.width_inferred, want.layout, want.provenance)


def _forms(raw: bytes, tmp: Path) -> list[Any]:
    path = tmp / "payload.json"
    path.write_bytes(raw)
    return [raw, path, io.BytesIO(raw)]


def _check(raw: bytes, fmt: str, tmp: Path, **options: Any) -> None:
    want = _general(raw, fmt, **options)
    for payload in _forms(raw, tmp):
        _same(_loaded(payload, fmt, **options), want)


def _texts(data: Any) -> list[bytes]:
    return [orjson.dumps(data), orjson.dumps(data, option=orjson.OPT_INDENT_2),
            json.dumps(data, indent="\t").encode(), json.dumps(data).encode()]


_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- shots v1 --------------------------------------------------------------------------------

_state = st.one_of(
    st.integers(0, 2**20).map(str),
    st.integers(0, 2**70).map(str),                      # past 64 bits: the careful path
    st.integers(0, 999).map(lambda v: "00" + str(v)),    # leading zeros in a string: allowed
    st.sampled_from(["", " 1", "1 ", "1 2", "-1", "+1", "1.0", "0x1", "\u0661", "a"]),
    st.integers(0, 2**20),                               # an integer instead of a string
)


@_SETTINGS
@given(st.lists(_state, min_size=0, max_size=30), st.sampled_from([None, 8, 20, 80]))
def test_shots_v1_reader_matches_the_general_path(tmp_path: Path, states: list[Any],
                                                  num_qubits: int | None) -> None:
    for raw in _texts(states):
        _check(raw, V1, tmp_path, num_qubits=num_qubits)


@pytest.mark.parametrize("raw", [
    b'["1","2"', b'["1",]', b'[,"1"]', b'["1""2"]', b'["1",,"2"]', b'["\\u0031"]',
    b'["1" ,"2"]', b'[ "1" , "2" ]', b'[01]', b'[1,02]', b'[0,1]', b'["1",2]', b'[1,"2"]',
    b'["18446744073709551615"]', b'["18446744073709551616"]', b'["99999999999999999999"]',
    b'["1"]\n', b'\n\t ["1"] \r\n', b'["1"]x', b'["1"\x0b]', b'[]', b'[ ]', b'"1"', b'{}',
    b'["1","2"]' + b" " * 100, b'["\xff"]', b'["1"][', b'[[1]]',
    # stray quotes: not JSON (the reader once read ["0""] as [0]), and an odd count of quotes
    # next to whitespace (which once raised IndexError)
    b'["0""]', b'["0","1""]', b'["1""","2"]', b'["0""  ]', b'[ "1"" ]', b'[\n "1",\n "2"" \n]',
    b'["0","0", 0"]',
])
def test_shots_v1_reader_edge_cases(tmp_path: Path, raw: bytes) -> None:
    for nq in (None, 3, 64, 70):
        _check(raw, V1, tmp_path, num_qubits=nq)


def test_shots_v1_reader_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunk boundaries (made small here) change nothing, also for a bad element far in."""
    from qfmt.plugins.ionq import _text

    monkeypatch.setattr(_text, "_CHUNK", 64)
    states = [str(i * 7919 % 2**20) for i in range(500)]
    for bad in (None, " 5", "5 ", "", 5, "1a"):
        data = list(states)
        if bad is not None:
            data[377] = bad
        for raw in _texts(data):
            _check(raw, V1, tmp_path, num_qubits=20)
    assert qfmt.load(orjson.dumps(states), V1).outcomes() == [int(s) for s in states]


# -- shots v2 --------------------------------------------------------------------------------

_bits = st.lists(st.integers(0, 1), min_size=1, max_size=5)
_names = st.sampled_from(["a", "b", "output_all", "r 1", "q.0"])


@st.composite
def _v2_payload(draw: Any) -> Any:
    names = draw(st.lists(_names, min_size=1, max_size=3, unique=True))
    widths = {n: draw(st.integers(1, 4)) for n in names}
    shots = []
    for _ in range(draw(st.integers(1, 6))):
        regs = {n: draw(st.lists(st.integers(0, 1), min_size=w, max_size=w))
                for n, w in widths.items()}
        shot: dict[str, Any] = {"registers": regs}
        if draw(st.booleans()):
            shot["leakage_bits"] = draw(st.lists(st.integers(0, 1), min_size=2, max_size=2))
        shots.append(shot)
    # one damage, or none: a ragged register, ints as strings, a bad bit, a missing register
    kind = draw(st.sampled_from(["none", "none", "ragged", "str", "bit", "missing", "extra"]))
    shot = draw(st.sampled_from(shots))
    name = draw(st.sampled_from(names))
    if kind == "ragged":
        shot["registers"][name] = shot["registers"][name] + [0]
    elif kind == "str":
        shot["registers"][name] = [str(b) for b in shot["registers"][name]]
    elif kind == "bit":
        shot["registers"][name] = [2, *shot["registers"][name][1:]]
    elif kind == "missing" and len(names) > 1:
        del shot["registers"][name]
    elif kind == "extra":
        shot["registers"]["zz"] = [1]
    return {"shots": shots}


@_SETTINGS
@given(_v2_payload())
def test_shots_v2_reader_matches_the_general_path(tmp_path: Path, payload: Any) -> None:
    for raw in _texts(payload):
        _check(raw, V2, tmp_path)


@pytest.mark.parametrize("raw", [
    b'{"shots":[{"registers":{"a":[0,1],"a":[1,1]}}]}',          # a repeated register key
    b'{"shots":[{"registers":{"a":[0,1]}},{"registers":{"a":[1]}}]}',
    b'{"shots":[{"registers":{"\\u0061":[0,1]}}]}',
    b'{"shots":[{"registers":{"a":[0,1]}}]', b'{"shots":[]}', b'{"shots":[{"registers":{}}]}',
    b'{"shots":[{"registers":{"a":[0,1]},"leakage_bits":[1,0]}]}',
    b'{"shots":[{"registers":{"a":[01]}}]}',
])
def test_shots_v2_reader_edge_cases(tmp_path: Path, raw: bytes) -> None:
    for text in (raw, json.dumps(json.loads(raw), indent=2).encode() if _json_ok(raw) else raw):
        _check(text, V2, tmp_path)


def _json_ok(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def test_an_open_text_file_and_detection_read_once(tmp_path: Path) -> None:
    path = tmp_path / "shots.json"
    path.write_bytes(b'["1","2","3"]')
    with open(path, encoding="utf-8") as fh:
        assert qfmt.load(fh, V1, num_qubits=2).outcomes() == [1, 2, 3]
    with open(path, "rb") as fh:
        assert qfmt.load(fh).outcomes() == [1, 2, 3]  # detected, then parsed from one read


def test_pretty_text_takes_the_raw_readers() -> None:
    """Indented text is read by the raw readers, not declined to the per-shot parser."""
    v1 = [str(i) for i in range(50)]
    v2 = {"shots": [{"registers": {"a": [i % 2, 1], "b": [0]}} for i in range(50)]}
    for indent in (orjson.OPT_INDENT_2, None):
        assert ionq.parse_shots_v1_raw(orjson.dumps(v1, option=indent), num_qubits=6) == \
            ionq.parse_shots_v1(v1, num_qubits=6)
        assert ionq.parse_shots_v2_raw(orjson.dumps(v2, option=indent)) == ionq.parse_shots_v2(v2)
    assert ionq.parse_shots_v2_raw(json.dumps(v2, indent=1).replace('"b"', '"b "').encode()) \
        is None  # whitespace inside a name: declined, the general path names the register


@_SETTINGS
@given(st.data(), st.integers(0, 2**32 - 1))
def test_shots_v1_reader_in_tiny_chunks_agrees(monkeypatch: pytest.MonkeyPatch,
                                               data: st.DataObject, seed: int) -> None:
    """Chunks of a few bytes (each made compact on its own, cut at any comma, inside a string
    too) change no answer: generated pretty, oddly spaced and broken texts as in
    tests/test_byte_readers_differential.py."""
    from qfmt.plugins.ionq import _text

    monkeypatch.setattr(_text, "_CHUNK", data.draw(st.sampled_from([1, 4, 16])))
    tree = data.draw(SHAPES[V1])
    for raw in texts(tree, random.Random(seed), 10):
        check_text(V1, raw, {})
