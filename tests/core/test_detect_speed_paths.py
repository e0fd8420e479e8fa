"""``Format.parse_checks_schema``: detect, validate and problems ask the parser first and the
schema only when the parser refuses. Two things must hold for that to change no answer:

- the promise itself: whatever the parser accepts passes the schema (checked on valid payloads
  and on payloads with one node replaced, removed or added, for every format making it);
- the answers: detect, problems and validate give what the schema-first route gives (a copy
  of each format without the promise, in a registry of its own).
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qfmt
from qfmt.testing.strategies import payloads

REG = qfmt.Registry(entry_points=False)
PROMISING = [fid for fid in REG.ids() if REG.get(fid).parse_checks_schema]

# the same formats without the promise: the schema is checked first, as before
SLOW = qfmt.Registry(builtins=(), entry_points=False)
for _fid in REG.ids():
    SLOW.register(attrs.evolve(REG.get(_fid), parse_checks_schema=False))

FAST = qfmt.Registry(builtins=(), entry_points=False)
for _fid in REG.ids():
    FAST.register(REG.get(_fid))

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**63 - 1),
                         st.floats(allow_nan=False, allow_infinity=False),
                         st.sampled_from(["", "0", "7", "01", "0x3", "101", "a", "3\n", "٣"]))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["0", "1", "10", "a", "registers",
                                                              "shots", "histogram"]),
                                             inner, max_size=3), max_leaves=6)


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_nodes(v, (*path, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data[:8]):
            out.extend(_nodes(v, (*path, i)))
    return out


def _replace(data: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        if how == "add" and isinstance(data, dict):
            return {**data, "extra": value}
        if how == "add" and isinstance(data, list):
            return [*data, value]
        return value
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    if not rest and how == "remove":
        del copy[head]
    else:
        copy[head] = _replace(data[head], rest, how, value)
    return copy


@st.composite
def mutated(draw: Any, fid: str) -> Any:
    """A payload of ``fid`` with one node replaced, removed or added (often invalid)."""
    data = draw(payloads(fid, registry=REG))
    path = draw(st.sampled_from(_nodes(data)))
    how = draw(st.sampled_from(["replace", "remove", "add"] if path else ["replace", "add"]))
    return _replace(data, path, how, draw(json_values))


def _accepts(fid: str, payload: Any) -> bool:
    try:
        qfmt.load(payload, fid, registry=SLOW)
    except qfmt.QfmtError:
        return False
    return True


def test_the_ionq_formats_make_the_promise() -> None:
    assert {"ionq.result.shots.json.v1", "ionq.result.shots.json.v2",
            "ionq.result.histogram.json.v1"} <= set(PROMISING)


@pytest.mark.parametrize("fid", PROMISING)
@SETTINGS
@given(data=st.data())
def test_what_the_parser_accepts_passes_the_schema(fid: str, data: st.DataObject) -> None:
    payload = data.draw(payloads(fid, registry=REG) | mutated(fid) | json_values)
    if _accepts(fid, payload):
        errors = [e.message for e in SLOW.iter_errors(SLOW.get(fid), payload)]
        assert not errors, f"{fid} parses {payload!r} but its schema refuses it: {errors}"


def _answers(payload: Any, fid: str, reg: qfmt.Registry) -> tuple[Any, ...]:
    found = qfmt.problems(payload, fid, registry=reg)
    shallow = qfmt.problems(payload, fid, semantic=False, registry=reg)
    return ([(p.format, p.path, p.reason) for p in found],
            [(p.format, p.path, p.reason) for p in shallow])


def _detection(payload: Any, reg: qfmt.Registry) -> tuple[Any, ...]:
    d = qfmt.detect(payload, registry=reg)
    return list(d), d.readings, d.scores


@pytest.mark.parametrize("fid", PROMISING)
@settings(SETTINGS, max_examples=12)
@given(data=st.data())
def test_problems_and_detect_answer_as_the_schema_first_route(fid: str,
                                                              data: st.DataObject) -> None:
    payload = data.draw(payloads(fid, registry=REG) | mutated(fid))
    assert _answers(payload, fid, FAST) == _answers(payload, fid, SLOW)
    text = orjson.dumps(payload)
    assert _answers(text, fid, FAST) == _answers(text, fid, SLOW)
    assert _detection(payload, FAST) == _detection(payload, SLOW)
    assert _detection(text, FAST) == _detection(text, SLOW)


def test_problems_still_lists_schema_violations_with_their_paths() -> None:
    bad = b'["1","x","3",-2]'
    paths = [p.path for p in qfmt.problems(bad, "ionq.result.shots.json.v1")]
    assert paths == ["$[1]", "$[3]"]
    with pytest.raises(qfmt.ValidationError) as info:
        qfmt.validate(b'{"0":3,"1":-1}', "ionq.result.histogram.json.v1")
    assert info.value.path == '$["1"]'


def test_a_valid_payload_is_valid_and_detected() -> None:
    text = orjson.dumps([str(i % 8) for i in range(1000)])
    assert qfmt.problems(text, "ionq.result.shots.json.v1") == []
    qfmt.validate(text, "ionq.result.shots.json.v1")
    assert qfmt.detect(text)[0] == "ionq.result.shots.json.v1"


def test_the_promise_must_be_a_bool() -> None:
    f = attrs.evolve(REG.get("ionq.result.shots.json.v1"), id="acme.shots.v1",
                     schema={**REG.get("ionq.result.shots.json.v1").schema, "$id": "acme.shots.v1"},
                     parse_checks_schema="yes")
    with pytest.raises(qfmt.FormatContractError, match="parse_checks_schema"):
        qfmt.register(f, registry=qfmt.Registry(builtins=(), entry_points=False))


# -- detect on JSON text: the start of the text refuses formats, the JSON is parsed once -------

ALL_IDS = [fid for fid in REG.ids() if REG.get(fid).is_json]
# only the JSON formats: text is also offered to the others (stim reads "0"), parsed JSON not
JSON_ONLY = qfmt.Registry(builtins=(), entry_points=False)
for _fid in ALL_IDS:
    JSON_ONLY.register(REG.get(_fid))


@pytest.mark.parametrize("fid", ALL_IDS)
@settings(SETTINGS, max_examples=15)
@given(data=st.data())
def test_detect_on_text_answers_as_detect_on_the_parsed_json(fid: str,
                                                              data: st.DataObject) -> None:
    """Text is refused by the start of its text (qfmt._prefix) before it is parsed; parsed
    JSON never is: both routes must give the same ids, readings and scores."""
    payload = data.draw(payloads(fid, registry=REG) | mutated(fid) | json_values)
    text = orjson.dumps(payload, option=data.draw(st.sampled_from([0, orjson.OPT_INDENT_2])))
    assert _detection(text, JSON_ONLY) == _detection(payload, JSON_ONLY)


@pytest.mark.parametrize("text", [b'{"shots": 5}', b' [ "0x1" ]', b'{"a\\u0062": 1}',
                                  b'{"histogram": {}}', b"[]", b"{}", b'{"0": 1.0}',
                                  b'{"0": 2, "1": 0.5}', b'[{"measurements": {}}]', b"7"])
def test_detect_on_small_texts_answers_as_on_the_parsed_json(text: bytes) -> None:
    assert _detection(text, JSON_ONLY) == _detection(orjson.loads(text), JSON_ONLY)


def test_the_prefix_refuses_only_what_the_schema_refuses() -> None:
    from qfmt._prefix import Probe, schema_refuses

    def check(sub: Any, value: Any) -> bool:
        import jsonschema
        return bool(jsonschema.Draft7Validator(sub).is_valid(value))

    schema = {"type": "object", "required": ["shots"],
              "properties": {"shots": {"type": "array", "items": {"type": "integer"}}},
              "additionalProperties": False}
    refused = [b'["shots"]', b'{"other": 1, "shots": []}', b'{"shots": ["1"]}', b'{"x": 1}',
               b'{"shots": {}}']
    kept = [b'{"shots": [1]}', b'{"shots": []}', b'{"sh\\u006fts": [1]}', b'{"shots": [1.0]}']
    assert [schema_refuses(schema, Probe(t), schema, check) for t in refused] == [True] * 5
    assert [schema_refuses(schema, Probe(t), schema, check) for t in kept] == [False] * 4


def _acme_registry(**ranking: Any) -> qfmt.Registry:
    """A registry of one JSON format whose byte reader reads ``{"acme": 1}`` (and whose
    ``parse`` must never run on it), ranked by ``ranking`` (``score=`` or ``sniff=``)."""
    def parse(payload: Any) -> qfmt.Counts:
        raise AssertionError("the byte reader read this text: parse must not run")

    def parse_raw(raw: bytes) -> qfmt.Counts | None:
        return qfmt.Counts({0: 1}, width=1) if raw == b'{"acme": 1}' else None

    schema = {"$id": "acme.const.v1", "type": "object", "required": ["acme"]}
    reg = qfmt.Registry(builtins=(), entry_points=False)
    reg.register(qfmt.Format("acme.const.v1", "acme", parse, lambda o: {"acme": 1}, schema,
                             qfmt.Counts, parse_raw=parse_raw, parse_checks_schema=True,
                             **ranking))
    return reg


def test_a_constant_score_ranks_a_format_without_parsing_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``score=`` is the format's rank whatever the payload: detect need not parse JSON text
    that the byte reader read; a ``sniff`` gets the parsed payload."""
    import qfmt._json

    parsed: list[Any] = []
    loads = qfmt._json.loads

    def counting_loads(*args: Any, **kwargs: Any) -> Any:
        parsed.append(args[0])
        return loads(*args, **kwargs)

    monkeypatch.setattr(qfmt._json, "loads", counting_loads)
    found = qfmt.detect(b'{"acme": 1}', registry=_acme_registry(score=0.8))
    assert (list(found), found.scores, parsed) == (["acme.const.v1"], {"acme.const.v1": 0.8}, [])

    seen: list[Any] = []
    found = qfmt.detect(b'{"acme": 1}', registry=_acme_registry(
        sniff=lambda p: seen.append(p) or 0.8))
    assert (found.scores, seen, parsed) == ({"acme.const.v1": 0.8}, [{"acme": 1}],
                                            [b'{"acme": 1}'])


def test_builtin_formats_rank_with_score_or_sniff_never_both() -> None:
    both = [fid for fid in REG.ids() if REG.get(fid).score is not None and
            (REG.get(fid).sniff is not None or REG.get(fid).sniff_raw is not None)]
    assert both == []
    assert REG.get("ionq.result.histogram.json.v2").score == 0.9
    assert qfmt.detect({"histogram": {"registers": {"r": {"1": 2}}}}, registry=REG).scores == {
        "ionq.result.histogram.json.v2": 0.9}


def test_readings_compare_outcomes_whatever_the_byte_width() -> None:
    from qfmt._detect import _same_reading

    narrow = qfmt.kit.memory_from_ints([1, 2, 3], width=3)
    wide = qfmt.kit.memory_from_ints([1, 2, 3], width=12)
    other = qfmt.kit.memory_from_ints([1, 2, 2], width=12)
    assert _same_reading(attrs.evolve(narrow, width_inferred=True), wide)
    assert not _same_reading(attrs.evolve(narrow, width_inferred=True), other)
    assert not _same_reading(narrow, wide)  # both widths stated and different
    c1 = qfmt.kit.counts([0, 5], [3, 1], width=3)
    q1 = qfmt.kit.quasi([0, 5], [3.0, 1.0], width=3)
    assert _same_reading(c1, q1)
    assert not _same_reading(c1, qfmt.kit.quasi([0, 5], [3.0, 1.5], width=3))
    big = qfmt.kit.counts([2**70, 2**71], [1, 1], width=72)
    assert _same_reading(big, qfmt.kit.counts([2**70, 2**71], [1, 1], width=72))
    assert not _same_reading(big, qfmt.kit.counts([2**70, 2**72], [1, 1], width=73))
