"""Hostile sizes fail fast and in bounded memory, for ``load``, ``validate`` and ``detect``: a
shots v2 register holding a huge list, a huge string key in histogram v1 text, a huge integer
shot in shots v1 data, a payload with a violation per element. Each is refused with the error
(class, format, JSON path) a small payload with the same problem gets, and the peak of traced
memory stays a small multiple of the payload's size (no timing assertions).

JSON text goes through orjson, whose parser reserves a buffer of about 13 to 25 times the text
for its values (traced, though mostly never touched: the resident size grows by about the text);
for text the bound is that reservation plus a small multiple of the text, measured on the same
bytes."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
import pytest

import qfmt

SHOTS_V1 = "ionq.result.shots.json.v1"
SHOTS_V2 = "ionq.result.shots.json.v2"
HIST_V1 = "ionq.result.histogram.json.v1"
MEMORY = "qiskit.memory.json.v1"
SLACK = 1 << 20  # error messages, a registry's first use of a schema...


def _peak(call: Callable[[], Any]) -> tuple[int, Any]:
    """The peak of traced memory while ``call`` runs, and what it returned or raised."""
    tracemalloc.start()
    try:
        try:
            out: Any = call()
        except Exception as exc:
            out = exc
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def _size(build: Callable[[], Any]) -> tuple[int, Any]:
    """A payload built by ``build`` and the memory it takes (traced)."""
    return _peak(build)


def _parser_peak(raw: bytes) -> int:
    return _peak(lambda: orjson.loads(raw))[0]


def _warm() -> None:
    """Every plugin imported and every schema compiled before anything is measured."""
    for payload in ([0], b"[0]", {"0": 1}, b'{"0":1}', {"shots": [{"registers": {"a": [1]}}]}):
        qfmt.detect(payload)
        for fid in (SHOTS_V1, SHOTS_V2, HIST_V1, MEMORY):
            qfmt.problems(payload, fid)


@pytest.fixture(scope="module", autouse=True)
def _warmed() -> None:
    _warm()


def _refused(out: Any, cls: type, fmt: str, path: str) -> None:
    assert isinstance(out, cls), out
    assert (out.format, out.path) == (fmt, path), out
    assert "bug in the format plugin" not in str(out) and "\n" not in str(out)


# -- a shots v2 register of 10^5 elements -----------------------------------------------------

def _huge_register() -> dict[str, Any]:
    return {"shots": [{"registers": {"a": list(range(100_000))}}]}


def test_a_huge_register_is_refused_by_validate_without_walking_it() -> None:
    size, payload = _size(_huge_register)
    peak, out = _peak(lambda: qfmt.validate(payload, SHOTS_V2))
    _refused(out, qfmt.ValidationError, SHOTS_V2, "$.shots[0].registers.a")
    assert "100000 bits" in out.reason and len(out.problems) == 1
    assert peak < 3 * size + SLACK, (peak, size)


@pytest.mark.parametrize("verb", ["load", "validate"])
def test_a_huge_register_in_text(verb: str) -> None:
    raw = orjson.dumps(_huge_register())
    call = (lambda: qfmt.load(raw, SHOTS_V2)) if verb == "load" else \
        (lambda: qfmt.validate(raw, SHOTS_V2))
    peak, out = _peak(call)
    _refused(out, qfmt.PayloadError, SHOTS_V2, "$.shots[0].registers.a")
    assert peak < _parser_peak(raw) + 3 * len(raw) + SLACK, (peak, len(raw))


def test_detect_passes_a_huge_register_over() -> None:
    raw = orjson.dumps(_huge_register())
    peak, found = _peak(lambda: qfmt.detect(raw))
    assert found == []
    assert peak < _parser_peak(raw) + 3 * len(raw) + SLACK, (peak, len(raw))
    size, payload = _size(_huge_register)
    peak, found = _peak(lambda: qfmt.detect(payload))
    assert found == []
    assert peak < 3 * size + SLACK, (peak, size)


# -- a string key of megabytes in histogram v1 text --------------------------------------------

_KEY_DIGITS = 4_000_000


@pytest.mark.parametrize("digit", [b"1", b"7"])
@pytest.mark.parametrize("verb", ["load", "validate", "detect"])
def test_a_huge_key_in_histogram_text(verb: str, digit: bytes) -> None:
    raw = b'{"' + digit * _KEY_DIGITS + b'":1}'
    path = f'$["{digit.decode() * 24}...({_KEY_DIGITS} chars)"]'
    if verb == "detect":
        peak, out = _peak(lambda: qfmt.detect(raw))
        assert out == []
    else:
        peak, out = _peak(lambda: getattr(qfmt, verb)(raw, HIST_V1))
        _refused(out, qfmt.PayloadError, HIST_V1, path)
        assert f"a key of {_KEY_DIGITS} characters" in out.reason
    assert peak < _parser_peak(raw) + 3 * len(raw) + SLACK, (peak, len(raw))


def test_a_huge_key_of_leading_zeros_is_the_number_it_spells() -> None:
    raw = b'{"' + b"0" * _KEY_DIGITS + b'5":1}'
    peak, out = _peak(lambda: qfmt.load(raw, HIST_V1))
    assert out == qfmt.Counts({5: 1}, width=3)
    assert peak < _parser_peak(raw) + 3 * len(raw) + SLACK, (peak, len(raw))


# -- an integer shot of 10^5 digits in shots v1 data -------------------------------------------

@pytest.mark.parametrize("verb", ["load", "validate", "detect"])
def test_a_huge_integer_shot(verb: str) -> None:
    size, payload = _size(lambda: ["1", 10**100_000])
    peak, out = _peak(lambda: getattr(qfmt, verb)(payload, *([SHOTS_V1] if verb != "detect"
                                                              else [])))
    if verb == "detect":
        assert out == []
    else:
        _refused(out, qfmt.PayloadError, SHOTS_V1, "$[1]")
        assert "<int of 332193 bits>" in out.reason
    assert peak < 3 * size + SLACK, (peak, size)


def test_a_huge_integer_anywhere_is_refused_before_the_schema_walk() -> None:
    """A format whose parser does not vouch for its schema: the integer is named, by path,
    before a schema validator would have to print it."""
    payload = ["0x1", ["0x2", 10**100_000]]
    problems = qfmt.problems(payload, MEMORY)
    assert [(p.format, p.path) for p in problems] == [(MEMORY, "$[1][1]")]


# -- a violation per element -------------------------------------------------------------------

def test_problems_lists_at_most_max_problems() -> None:
    from qfmt._api import MAX_PROBLEMS

    size, payload = _size(lambda: [2] * 100_000)
    peak, problems = _peak(lambda: qfmt.problems(payload, MEMORY))
    assert len(problems) == MAX_PROBLEMS
    assert all(p.format == MEMORY for p in problems) and problems[0].path == "$[0]"
    assert peak < 3 * size + SLACK, (peak, size)
