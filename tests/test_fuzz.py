"""Fuzzing every built-in format: no payload gets past qfmt's errors, and what is accepted can be
printed and written back.

Each hypothesis example draws a valid payload of the format (``qfmt.testing.strategies``) and a
seed, and from them a batch of payloads: the valid one, mutated trees (a node replaced by a
hostile value or removed), a random JSON value, and mutated bytes (flips, insertions of JSON
punctuation and of characters JSON does not call whitespace, deletions, repeats, cuts). Each goes
in every input form: parsed data, compact and pretty bytes, ``str`` (invalid UTF-8 as lone
surrogates) and a ``Path``. The byte readers (``parse_raw``) are compared with the general path
on the same bytes.

Profiles: the default (CI) runs a few examples per format; ``HYPOTHESIS_PROFILE=thorough`` runs
``QFMT_FUZZ_EXAMPLES`` (default 700) examples per format, about 10^5 payloads each, and with
``QFMT_FUZZ_REPORT=<file>`` writes the number of payloads tried per format there.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
from qfmt.testing import strategies as qst

REGISTRY = qfmt.Registry(entry_points=False)
FORMATS = sorted(REGISTRY.ids(discover=False))
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = int(os.environ.get("QFMT_FUZZ_EXAMPLES", "700")) if THOROUGH else 6
MUTATIONS = 12  # tree and byte mutations per example
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

COUNTS: collections.Counter[str] = collections.Counter()
_TMP = Path(tempfile.mkdtemp(prefix="qfmt-fuzz-"))

_deep: Any = 0
for _ in range(300):
    _deep = [_deep]
HOSTILE: list[Any] = [None, True, False, -1, 0, 1, 2, 2**63, 2**64 - 1, 2**64, 10**400, 0.5,
                      1e308, -0.0, "", "x", "0", "07", "0x1", "01", "1 0", "\n", "\ud800",
                      "9" * 5000, "0" * 5000 + "1", [], {}, [0, 1], [2], [[1]], {"": 1},
                      {"0": 1}, {"registers": {}}, _deep, list(range(2000)), [1] * 1100]
PUNCTUATION = b'{}[]":,0123456789 -+.eE\\u\t\n\r\x0b\x0c\x00\xff\xc3'


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in list(tree.items())[:8]:
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree[:4]):
            out += _paths(v, (*prefix, i))
    return out


def _replace(tree: Any, path: tuple[Any, ...], value: Any, remove: bool) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        new = dict(tree)
        if not rest:
            if remove:
                del new[head]
            else:
                new[head] = value
        else:
            new[head] = _replace(tree[head], rest, value, remove)
        return new
    new_list = list(tree)
    if remove and not rest:
        del new_list[head]
    else:
        new_list[head] = _replace(tree[head], rest, value, remove)
    return new_list


def mutate_tree(tree: Any, rng: random.Random) -> Any:
    """A copy of ``tree`` with one node replaced by a hostile value, renamed, or removed."""
    path = rng.choice(_paths(tree))
    roll = rng.random()
    if roll < 0.15 and path:
        return _replace(tree, path, None, remove=True)
    if roll < 0.3 and path and isinstance(path[-1], str):  # rename a key
        value = tree
        for p in path:
            value = value[p]
        renamed = _replace(tree, path, None, remove=True)
        key = rng.choice(["", "0" + path[-1], path[-1] + "\n", "x" * 100, "\ud800", "00"])
        return _replace(renamed, (*path[:-1], key), value, remove=False) if \
            _holder_is_dict(renamed, path[:-1]) else renamed
    return _replace(tree, path, rng.choice(HOSTILE), remove=False)


def _holder_is_dict(tree: Any, path: tuple[Any, ...]) -> bool:
    for p in path:
        tree = tree[p]
    return isinstance(tree, dict)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(HOSTILE[:25])
    if roll < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["0", "1", "01", "shots", "histogram", "registers", "results", "x"]):
            random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    """``raw`` with a few byte-level mutations."""
    b = bytearray(raw)
    for _ in range(rng.randrange(1, 4)):
        roll = rng.random()
        i = rng.randrange(len(b) + 1)
        if roll < 0.25 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif roll < 0.5:
            b[i:i] = bytes([rng.choice(PUNCTUATION)])
        elif roll < 0.7 and b:
            del b[min(i, len(b) - 1)]
        elif roll < 0.85 and b:
            j = rng.randrange(len(b) + 1)
            lo, hi = min(i, j), max(i, j)
            b[hi:hi] = b[lo:hi][:200]  # repeat a span: duplicate keys, members, shots
        else:
            del b[i:]
    return bytes(b)


def _dumps(obj: Any, **kw: Any) -> bytes | None:
    try:
        return orjson.dumps(obj, **kw)
    except (orjson.JSONEncodeError, TypeError):
        return None  # hostile values (2**64, lone surrogates) have no JSON text


def check_one(fid: str, payload: Any) -> Any:
    """Load ``payload``: either a qfmt error (one line, small, not a wrapped internal error)
    or an object that can be printed and written back. Returns the object or the error."""
    COUNTS[fid] += 1
    try:
        obj = qfmt.load(payload, fid, registry=REGISTRY)
    except qfmt.QfmtError as exc:
        msg = str(exc)
        assert "bug in the format plugin" not in msg, msg
        assert "\n" not in msg and len(msg) < 2000, msg[:300]
        return exc
    repr(obj)
    qfmt.dumps(obj, fid, registry=REGISTRY)
    return obj


def _forms(fid: str, trees: list[Any], texts: list[bytes]) -> None:
    for tree in trees:
        check_one(fid, tree)
        for text in (_dumps(tree), _dumps(tree, option=orjson.OPT_INDENT_2)):
            if text is not None:
                texts.append(text)
    for text in texts:
        check_one(fid, text)
        check_one(fid, text.decode("utf-8", "surrogateescape"))
    path = _TMP / "payload.json"
    path.write_bytes(texts[-1])
    check_one(fid, path)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    target = os.environ.get("QFMT_FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1))


@pytest.mark.parametrize("fid", FORMATS)
@FUZZ
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_no_payload_gets_past_qfmt_errors(fid: str, data: st.DataObject, seed: int) -> None:
    base = data.draw(qst.payloads(fid, registry=REGISTRY), label="valid payload")
    rng = random.Random(seed)
    if isinstance(base, (bytes, str)):  # a format that is not JSON: its bytes, mutated
        raw = base.encode() if isinstance(base, str) else base
        for text in [raw, b"", *(mutate_bytes(raw, rng) for _ in range(MUTATIONS))]:
            check_one(fid, text)
        return
    trees = [base, random_json(rng)] + [mutate_tree(base, rng) for _ in range(MUTATIONS)]
    raw = _dumps(base)
    assert raw is not None
    texts = [mutate_bytes(raw, rng) for _ in range(MUTATIONS)]
    _forms(fid, trees, texts)
    # validate and detect let only qfmt errors out, too (a few payloads: they try every schema)
    for tree in trees[:3]:
        with contextlib.suppress(qfmt.QfmtError):
            qfmt.problems(tree, fid, registry=REGISTRY)
    qfmt.detect(texts[0], registry=REGISTRY)


RAW_FORMATS = [f for f in FORMATS if REGISTRY.get(f).parse_raw is not None]


def _general(fid: str, raw: bytes) -> Any:
    """The general path on ``raw``: checked JSON decoding, then the format's parser on data."""
    from qfmt._api import read_json

    try:
        return qfmt.load(read_json(raw, fid), fid, registry=REGISTRY)
    except qfmt.QfmtError as exc:
        return exc


@pytest.mark.parametrize("fid", RAW_FORMATS)
@FUZZ
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_byte_readers_agree_with_the_general_path(fid: str, data: st.DataObject,
                                                  seed: int) -> None:
    base = data.draw(qst.payloads(fid, registry=REGISTRY), label="valid payload")
    rng = random.Random(seed)
    raw = _dumps(base)
    assert raw is not None
    for text in [raw] + [mutate_bytes(raw, rng) for _ in range(MUTATIONS)]:
        fast, slow = check_one(fid, text), _general(fid, text)
        if isinstance(slow, qfmt.QfmtError):
            assert isinstance(fast, qfmt.QfmtError), (text[:200], fast)
        else:
            assert fast == slow, text[:200]
