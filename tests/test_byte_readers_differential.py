"""Every byte reader (``Format.parse_raw``) against the general path, on generated JSON text.

For each of IonQ's byte readers, hypothesis draws a tree of the reader's shape (and now and then
of another reader's shape) whose leaves are raw JSON fragments: numbers of every form (leading
zeros, ``-0``, exponents, floats, huge integers, ``1e400``), keys with leading zeros, escapes
(``\\u0030``), signs, spaces and non-ASCII digits, duplicate keys and members, nesting. From each
tree a seeded generator writes many texts: whitespace between tokens (JSON's four bytes, and
``\\v``, ``\\f`` and U+00A0, which JSON refuses), whitespace inside tokens (``1 2``), missing and
doubled commas, a BOM, trailing garbage, and byte mutations. Each text goes to

- the general path: checked JSON decoding (``qfmt._json.loads``) then ``qfmt.load`` of the data
  (the parser, no byte reader);
- the byte reader itself (``parse_raw``): it may decline (None); when it answers, the answer is
  the general path's object (equal, with the same width, ``width_inferred``, layout and
  provenance), and when it raises, the general path raises too;
- ``qfmt.load`` of the bytes: the same object, or a qfmt error when the general path has one.

Profiles: the default runs ``EXAMPLES`` hypothesis examples per reader (``TEXTS`` texts each:
a few hundred texts, seconds). ``HYPOTHESIS_PROFILE=thorough`` runs ``QFMT_DIFF_EXAMPLES``
(default 5000) examples per reader, 10^5 texts each; ``QFMT_DIFF_REPORT=<file>`` writes the
number of texts each reader was given (see CONTRIBUTING.md, Fuzzing).
"""

from __future__ import annotations

import collections
import functools
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
from qfmt._json import loads

REGISTRY = qfmt.Registry(entry_points=False)
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = int(os.environ.get("QFMT_DIFF_EXAMPLES", "5000")) if THOROUGH else 30
TEXTS = 20  # texts written from each drawn tree
DIFF = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
COUNTS: collections.Counter[str] = collections.Counter()
#: per reader: how many texts the general path accepted, and the byte reader answered
ACCEPTED: collections.Counter[str] = collections.Counter()
FAST: collections.Counter[str] = collections.Counter()

# -- the leaves: raw JSON fragments ---------------------------------------------------------

#: numbers each format reads (as counts: integral; as probabilities: see PROBABILITY_FORMS)
COUNT_FORMS = ["0", "1", "7", "10", "255", "1000000", "18446744073709551615", "-0", "1e3",
               "2.0", "-0.0", "1E2", "0e0", "9007199254740992"]
ZERO_FORMS = ["0", "0.0", "-0", "-0.0", "0e0", "0E+5", "0.00"]
ONE_FORMS = ["1", "1.0", "1e0", "10e-1", "0.1e1", "1.00000000000000000001"]
HALF_FORMS = ["0.5", "5e-1", "5E-1", "0.50", "50e-2"]
#: numbers no format reads here, or text that is no JSON number at all
ODD_NUMBERS = [
    "-1", "-0.5", "1e400", "-1e400", "1e-400", "18446744073709551616", "9223372036854775808",
    "-9223372036854775809", "99999999999999999999999", "1" + "0" * 30, "0.1", "1.5",
    "4503599627370497", "1e20", "2", "3", "01", "007", "+1", ".5", "1.", "1e", "1e+", "--1",
    "0x1", "NaN", "Infinity", "-", "1_0", "\u0661", "1.5.1", "1ee1", "00", "-01", "true",
    "false", "null", '"1"', '"01"', '""', "[]", "{}", "[1]", '{"0":1}', "[[0]]",
]
#: keys no format here reads as an outcome, or odd ones (written between quotes as they are)
ODD_KEYS = ["", "-1", "+1", "-0", "1.0", "1e3", "1E3", " 1", "1 ", "1 2", "x", "0x1", "0b1",
            "\\u0030", "\\u0031\\u0030", "0\\u0031", "1\\n", "\\\"", "\\\\", "\uff11",
            "\u0661", "a b", "1\t", "\\/", "\\u00e9", "é", "1" * 20, "9" * 40, "0" * 30 + "1",
            "1" * 320, "18446744073709551616", "01" * 40, "2", "012"]
NAMES = ["output_all", "a", "q", "r.1", "a-b", "c_2", "0", "ab", "é", "\\u0061", "a b",
         "a\\\"b", "histogram"]
IDS = ["job-1", "job-2", "a", "b", "0", "x.y", "06a2099c-0000-7000-8000-000000000001", "é",
       "\\u0061", " ", "a b", "c\\/d"]
SEPARATORS = [b"", b"", b"", b" ", b"\n", b"\n  ", b"\n    ", b"\t", b"\r\n", b"  "]
ODD_SPACE = [b"\x0b", b"\x0c", b"\xc2\xa0", b"\x00", b"\x1f", b"\xe3\x80\x80"]
GARBAGE = [b"x", b"]", b"}", b" 1", b",", b"[]", b"\x00", b"\xff", b'"', b"{", b" ", b"\n",
           b"0", b" 0", b"{}"]

# a tree: ("obj", [(key_text, node), ...]) | ("arr", [node, ...]) | ("atom", json_text)


def _obj(members: list[tuple[str, Any]]) -> Any:
    return ("obj", members)


def _atom(text: str) -> Any:
    return ("atom", text)


def _padded(draw: Any, value: int) -> str:
    """``value`` in decimal, now and then with leading zeros."""
    return "0" * draw(st.sampled_from([0, 0, 0, 0, 1, 2, 25])) + str(value)


def _outcomes(draw: Any, n: int, bits: int) -> list[int]:
    return draw(st.lists(st.integers(0, 2**bits - 1), min_size=n, max_size=n, unique=True))


def _probabilities(draw: Any, n: int) -> list[str]:
    """``n`` number texts summing to 1 (in every form a writer might use)."""
    if n == 1:
        return [draw(st.sampled_from(ONE_FORMS))]
    if n == 2 and draw(st.booleans()):
        return [draw(st.sampled_from(HALF_FORMS)) for _ in range(2)]
    values = [repr(1 / n)] * n
    if draw(st.booleans()):
        values[0] = draw(st.sampled_from(ZERO_FORMS))
        values[1:] = [repr(1 / (n - 1))] * (n - 1)
    return values


def _decimal_flat(draw: Any, probability: bool) -> Any:
    n = draw(st.integers(1, 6))
    bits = draw(st.sampled_from([3, 6, 20, 64, 70]))
    keys = [_padded(draw, v) for v in _outcomes(draw, n, bits)]
    values = _probabilities(draw, n) if probability else \
        [draw(st.sampled_from(COUNT_FORMS)) if draw(st.integers(0, 3)) == 0
         else str(draw(st.integers(0, 10**6))) for _ in range(n)]
    return _obj([(k, _atom(v)) for k, v in zip(keys, values)])


def _bitstring_flat(draw: Any, probability: bool) -> Any:
    width = draw(st.sampled_from([1, 2, 3, 8, 64, 65]))
    n = draw(st.integers(1, min(5, 2**width)))
    keys = [format(v, f"0{width}b") for v in _outcomes(draw, n, width)]
    values = _probabilities(draw, n) if probability else \
        [str(draw(st.integers(0, 10**6))) for _ in range(n)]
    return _obj([(k, _atom(v)) for k, v in zip(keys, values)])


@st.composite
def shots_v1(draw: Any) -> Any:
    n = draw(st.integers(1, 12))
    bits = draw(st.sampled_from([3, 20, 64, 70]))
    quoted = draw(st.integers(0, 3)) > 0
    items = []
    for v in draw(st.lists(st.integers(0, 2**bits - 1), min_size=n, max_size=n)):
        if quoted:
            items.append(_atom(f'"{_padded(draw, v)}"'))
        else:
            items.append(_atom("-0" if v == 0 and draw(st.booleans()) else str(v)))
    return ("arr", items)


@st.composite
def histogram_v1(draw: Any) -> Any:
    return _decimal_flat(draw, False)


@st.composite
def probabilities_v1(draw: Any) -> Any:
    return _decimal_flat(draw, True)


def _register_nested(draw: Any, top: str, probability: bool) -> Any:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    registers = [(name, _bitstring_flat(draw, probability)) for name in names]
    return _obj([(top, _obj([("registers", _obj(registers))]))])


@st.composite
def histogram_v2(draw: Any) -> Any:
    return _register_nested(draw, "histogram", False)


@st.composite
def probabilities_v2(draw: Any) -> Any:
    return _register_nested(draw, "probabilities", True)


@st.composite
def shots_v2(draw: Any) -> Any:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    widths = {name: draw(st.integers(1, 3)) for name in names}
    leak_width = draw(st.integers(1, 3))
    leaky = draw(st.sampled_from(["never", "always", "some"]))
    shots = []
    for _ in range(draw(st.integers(1, 5))):
        regs = [(name, ("arr", [_atom(str(draw(st.integers(0, 1))))
                                for _ in range(widths[name])])) for name in names]
        members = [("registers", _obj(regs))]
        if leaky == "always" or (leaky == "some" and draw(st.booleans())):
            members.append(("leakage_bits", ("arr", [_atom(str(draw(st.integers(0, 1))))
                                                     for _ in range(leak_width)])))
        shots.append(_obj(members))
    return _obj([("shots", ("arr", shots))])


@st.composite
def aggregate(draw: Any) -> Any:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True))
    return _obj([(i, _decimal_flat(draw, True)) for i in ids])


SHAPES = {
    "ionq.result.shots.json.v1": shots_v1(),
    "ionq.result.shots.json.v2": shots_v2(),
    "ionq.result.histogram.json.v1": histogram_v1(),
    "ionq.result.histogram.json.v2": histogram_v2(),
    "ionq.result.probabilities.json.v1": probabilities_v1(),
    "ionq.result.probabilities.json.v2": probabilities_v2(),
    "ionq.result.probabilities-aggregate.json.v1": aggregate(),
}
READERS = sorted(f for f in REGISTRY.ids(discover=False) if REGISTRY.get(f).parse_raw is not None)

#: the options each reader is tried with (one drawn per example)
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "ionq.result.shots.json.v1": [{}, {"num_qubits": 8}, {"num_qubits": 64},
                                  {"num_qubits": 70}],
    "ionq.result.histogram.json.v1": [{}, {"num_qubits": 6}, {"num_qubits": 80}],
    "ionq.result.probabilities.json.v1": [{}, {"num_qubits": 6}, {"normalize": True},
                                          {"atol": 0.1}],
    "ionq.result.probabilities.json.v2": [{}, {"normalize": True}, {"atol": 0.1}],
    "ionq.result.probabilities-aggregate.json.v1": [
        {}, {"num_qubits": 70}, {"num_qubits": {"a": 20}}, {"normalize": True}],
}

# -- mutations: of the tree, of its tokens, of its bytes --------------------------------------


def _nodes(node: Any, out: list[Any]) -> list[Any]:
    out.append(node)
    kind, body = node
    if kind == "obj":
        for _, value in body:
            _nodes(value, out)
    elif kind == "arr":
        for item in body:
            _nodes(item, out)
    return out


def _copy(node: Any) -> Any:
    kind, body = node
    if kind == "obj":
        return ["obj", [[k, _copy(v)] for k, v in body]]
    if kind == "arr":
        return ["arr", [_copy(x) for x in body]]
    return ["atom", body]


def mutate_tree(tree: Any, rng: random.Random) -> Any:
    """A copy of ``tree`` with one change: an odd number or key, a repeated, removed or
    nested member, an empty container."""
    tree = _copy(tree)
    nodes = _nodes(tree, [])
    atoms = [n for n in nodes if n[0] == "atom"]
    objects = [n for n in nodes if n[0] == "obj" and n[1]]
    containers = [n for n in nodes if n[0] != "atom" and n[1]]
    roll = rng.random()
    if roll < 0.3 and atoms:
        rng.choice(atoms)[1] = rng.choice(ODD_NUMBERS + COUNT_FORMS + ONE_FORMS)
    elif roll < 0.5 and objects:
        member = rng.choice(rng.choice(objects)[1])
        member[0] = rng.choice([*ODD_KEYS, "0" + member[0], member[0] + "0"])
    elif roll < 0.65 and containers:
        body = rng.choice(containers)[1]
        body.insert(rng.randrange(len(body) + 1), _copy(rng.choice(body)))  # a repeat
    elif roll < 0.8 and containers:
        body = rng.choice(containers)[1]
        del body[rng.randrange(len(body))]
    elif atoms:
        node = rng.choice(atoms)
        node[:] = ["arr", [["atom", node[1]]]]  # nested one level deeper
    return tree


def _write(node: Any, gap: Any, rng: random.Random, odd: float) -> list[bytes]:
    """The tokens of ``node`` with ``gap()`` between them; with probability ``odd`` per spot a
    comma missing or doubled, or whitespace inside a token."""
    kind, body = node
    if kind == "atom":
        text = body.encode()
        if len(text) > 1 and rng.random() < odd:  # whitespace inside a number or literal
            cut = rng.randrange(1, len(text))
            text = text[:cut] + rng.choice(SEPARATORS[3:]) + text[cut:]
        return [text]
    parts: list[bytes] = [b"{" if kind == "obj" else b"["]
    for i, item in enumerate(body):
        if i:
            roll = rng.random()
            comma = b"" if roll < odd / 2 else b",," if roll < odd else b","
            parts += [gap(), comma]
        parts.append(gap())
        if kind == "obj":
            key, value = item
            key_text = f'"{key}"'.encode()
            if rng.random() < odd / 2:  # whitespace inside a key
                cut = rng.randrange(1, len(key_text))
                key_text = key_text[:cut] + rng.choice(SEPARATORS[3:]) + key_text[cut:]
            parts += [key_text, gap(), b":", gap(), *_write(value, gap, rng, odd)]
        else:
            parts += _write(item, gap, rng, odd)
    parts += [gap(), b"}" if kind == "obj" else b"]"]
    return parts


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    b = bytearray(raw)
    roll = rng.random()
    i = rng.randrange(len(b) + 1)
    if roll < 0.15 and b:
        del b[min(i, len(b) - 1)]
    elif roll < 0.4:
        b[i:i] = rng.choice([b",", b":", b'"', b"0", b"1", b"-", b".", b"e", b" ", b"\n",
                             b"\\", b"[", b"]", b"{", b"}", b"\\u0030", b"\t", b" 1", b"1 "])
    elif roll < 0.55 and b:
        j = rng.randrange(len(b) + 1)
        lo, hi = min(i, j), max(i, j)
        b[hi:hi] = b[lo:hi][:80]  # a repeated span: members, keys, elements
    elif roll < 0.7 and b:
        b[min(i, len(b) - 1)] = rng.choice(b'0123456789",:[]{} \n-.eE')
    elif roll < 0.8:
        b += rng.choice(GARBAGE)
    elif roll < 0.87:
        b[:0] = rng.choice([b"\xef\xbb\xbf", b" ", b"\n", b"\x0c", b"\x00"])
    else:
        del b[i:]
    return bytes(b)


def texts(tree: Any, rng: random.Random, n: int) -> list[bytes]:
    """``n`` texts of ``tree``: about half of them exactly the tree (compact, pretty, oddly
    but validly spaced), the others with one to three changes to the tree, its tokens or its
    bytes."""
    out = []
    for i in range(n):
        changes = 0 if i < 3 or rng.random() < 0.45 else rng.choice([1, 1, 1, 2, 3])
        node, odd, spaces = tree, 0.0, SEPARATORS
        for _ in range(changes):
            kind = rng.random()
            if kind < 0.45:
                node = mutate_tree(node, rng)
            elif kind < 0.6:
                odd = 0.05
            elif kind < 0.7:
                spaces = SEPARATORS + ODD_SPACE
        style = i if i < 3 else rng.randrange(3)
        pool = [b""] if style == 0 else spaces if style == 1 else spaces[3:]
        gap = functools.partial(rng.choice, pool)
        raw = b"".join(_write(node, gap, rng, odd))
        for _ in range(changes):
            if rng.random() < 0.3:
                raw = mutate_bytes(raw, rng)
        out.append(raw)
    return out


# -- the comparison ---------------------------------------------------------------------------


def _general(raw: bytes, fid: str, options: dict[str, Any]) -> Any:
    try:
        data = loads(raw, fid)
    except qfmt.QfmtError as exc:
        return exc
    return _answer(lambda: qfmt.load(data, fid, registry=REGISTRY, **options))


def _answer(call: Any) -> Any:
    try:
        return call()
    except qfmt.QfmtError as exc:
        assert "bug in the format plugin" not in str(exc), str(exc)
        assert "\n" not in str(exc)
        return exc


def _parts(obj: Any) -> list[Any]:
    """What two equal answers must share beyond ``==``: widths, inference, layouts, notes."""
    if isinstance(obj, qfmt.Result):
        return [(e.job_id, _parts(e.data["probabilities"])) for e in obj.results]
    if isinstance(obj, qfmt.RegisterMarginals):
        return [obj.joint_register, *((n, _parts(d)) for n, d in obj.registers.items())]
    return [getattr(obj, name, None) for name in
            ("width", "width_inferred", "layout", "provenance", "leakage_width")]


def _agree(got: Any, want: Any, raw: bytes, what: str) -> None:
    if isinstance(want, qfmt.QfmtError):
        assert isinstance(got, qfmt.QfmtError), (what, raw[:300], got, want)
        return
    assert not isinstance(got, Exception), (what, raw[:300], got, want)
    assert type(got) is type(want) and got == want, (what, raw[:300], got, want)
    assert _parts(got) == _parts(want), (what, raw[:300], _parts(got), _parts(want))


def check_text(fid: str, raw: bytes, options: dict[str, Any]) -> None:
    """The byte reader and ``qfmt.load`` of ``raw`` agree with the general path."""
    COUNTS[fid] += 1
    f = REGISTRY.get(fid)
    want = _general(raw, fid, options)
    fast = _answer(lambda: f.parse_raw(raw, **options))
    ACCEPTED[fid] += not isinstance(want, Exception)
    if fast is not None:
        FAST[fid] += not isinstance(fast, Exception)
        _agree(fast, want, raw, "parse_raw")
    _agree(_answer(lambda: qfmt.load(raw, fid, registry=REGISTRY, **options)), want, raw,
           "qfmt.load")


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    target = os.environ.get("QFMT_DIFF_REPORT")
    if target:
        path = Path(target)
        counts = json.loads(path.read_text()) if path.exists() else {}
        counts.update({fid: {"texts": n, "valid": ACCEPTED[fid], "read by the byte reader":
                             FAST[fid]} for fid, n in COUNTS.items()})
        path.write_text(json.dumps(dict(sorted(counts.items())), indent=1))


def test_every_reader_is_covered() -> None:
    assert sorted(SHAPES) == READERS


@pytest.mark.parametrize("fid", READERS)
@DIFF
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_byte_reader_agrees_with_the_general_path(fid: str, data: st.DataObject,
                                                  seed: int) -> None:
    own = data.draw(st.integers(0, 9), label="shape") < 8
    shape = SHAPES[fid] if own else data.draw(st.sampled_from(list(SHAPES.values())))
    tree = data.draw(shape, label="tree")
    options = data.draw(st.sampled_from(OPTIONS.get(fid, [{}])), label="options")
    rng = random.Random(seed)
    for raw in texts(tree, rng, TEXTS):
        check_text(fid, raw, options)


@pytest.mark.parametrize("fid, raw", [
    ("ionq.result.shots.json.v1", b"[1 2]"),
    ("ionq.result.shots.json.v1", b"[71127 8127242270969]"),
    ("ionq.result.shots.json.v1", b"[1,2 3]"),
    ("ionq.result.shots.json.v1", b'["1" "2"]'),
    ("ionq.result.shots.json.v1", b"[1\n2]"),
    ("ionq.result.histogram.json.v1", b'{"1": 2 3}'),
    ("ionq.result.histogram.json.v1", b'{"1":1 0,"2":5}'),
    ("ionq.result.probabilities.json.v1", b'{"1": 0. 5, "0": 0.5}'),
    ("ionq.result.probabilities.json.v1", b'{"1": 1 e0}'),
    ("ionq.result.probabilities-aggregate.json.v1", b'{"a": {"1": 1 0}}'),
    ("ionq.result.histogram.json.v2", b'{"histogram":{"registers":{"a":{"1": 2 0}}}}'),
    ("ionq.result.probabilities.json.v2",
     b'{"probabilities":{"registers":{"a":{"1": 1 .0}}}}'),
    ("ionq.result.shots.json.v2", b'{"shots":[{"registers":{"a":[1 0]}}]}'),
])
def test_whitespace_between_two_number_tokens_is_never_removed(fid: str, raw: bytes) -> None:
    """The reported cases: whitespace joining two numbers is not insignificant; each is read
    as the general path reads it (here: refused)."""
    check_text(fid, raw, {})
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(raw, fid, registry=REGISTRY, **({"num_qubits": 40} if "v1" in fid and
                                                   "shots" in fid else {}))
