"""The JSON Schemas: well-formed draft-07 with $id = format id; examples and generated valid
payloads pass both schema and parser; generated invalid payloads fail both."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from tests import strategies as S
from tests.core.test_convert import SAME
from tests.plugins.ionq.test_formats import ALL, IONQ_EXAMPLES

GENERATORS = {
    "ionq.result.histogram.json.v1": S.histogram_v1().map(lambda c: c[0]),
    "ionq.result.probabilities.json.v1": S.probabilities_v1().map(lambda c: c[0]),
    "ionq.result.histogram.json.v2": S.histogram_v2(),
    "ionq.result.probabilities.json.v2": S.probabilities_v2(),
    "ionq.result.shots.json.v1": S.shots_v1().map(lambda c: c[0]),
    "ionq.result.shots.json.v2": S.shots_v2(),
    "ionq.result.probabilities-aggregate.json.v1": S.aggregates(),
}


@pytest.mark.parametrize("fid", ALL)
def test_schema_is_draft7_with_id(fid: str) -> None:
    schema = qfmt.schema(fid)
    assert schema["$id"] == fid
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    schema["mutated"] = True  # a copy: the registry's schema is untouched
    assert "mutated" not in qfmt.schema(fid)


@pytest.mark.parametrize("fid", ALL)
def test_examples_validate(fid: str) -> None:
    qfmt.validate(IONQ_EXAMPLES[fid], fid)
    qfmt.validate(SAME[fid], fid)


@pytest.mark.parametrize("fid", ALL)
@given(data=st.data())
def test_generated_valid_payloads_pass_schema_and_parser(fid: str, data: st.DataObject) -> None:
    payload = data.draw(GENERATORS[fid])
    assert qfmt.problems(payload, fid, semantic=False) == []
    qfmt.load(payload, fid)


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


# every leaf of these formats is a count, probability, bit or decimal state: none of these
# values is valid in any of those places (NaN is left out: JSON text cannot hold it, and the
# parser's own test covers it)
INVALID_LEAVES = st.sampled_from([True, None, -1, [], {}, 2.5, "x", "-3"])


@pytest.mark.parametrize("fid", ALL)
@given(data=st.data())
def test_generated_invalid_payloads_fail_schema_and_parser(fid: str, data: st.DataObject) -> None:
    payload = copy.deepcopy(data.draw(GENERATORS[fid]))
    path = data.draw(st.sampled_from(_leaves(payload)))
    bad = data.draw(INVALID_LEAVES)
    if fid == "ionq.result.shots.json.v1" and bad == -1:
        bad = "-1"
    _set(payload, path, bad)
    assert qfmt.problems(payload, fid, semantic=False), "schema accepted an invalid payload"
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(payload, fid)


@pytest.mark.parametrize("fid", ALL)
@given(data=st.data())
def test_invalid_keys_fail_schema_and_parser(fid: str, data: st.DataObject) -> None:
    payload = copy.deepcopy(data.draw(GENERATORS[fid]))
    bad_key = data.draw(st.sampled_from(["-1", "x", "0b1", "2"]))
    target = payload
    if fid.endswith(("histogram.json.v2", "probabilities.json.v2")):
        top = next(iter(payload))
        target = next(iter(payload[top]["registers"].values()))
    elif fid.endswith("aggregate.json.v1"):
        target = next(iter(payload.values()))
    elif "shots" in fid:
        return  # no outcome keys
    if fid.endswith("json.v1") and bad_key == "2":
        bad_key = "x2"
    target[bad_key] = next(iter(target.values()))
    assert qfmt.problems(payload, fid, semantic=False)
    with pytest.raises(qfmt.PayloadError):
        qfmt.load(payload, fid)


def test_validate_reports_every_problem_with_paths() -> None:
    payload = {"0": -1, "1": "x", "2": 3}
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.validate(payload, "ionq.result.histogram.json.v1")
    paths = [p.path for p in ei.value.problems]  # type: ignore[attr-defined]
    assert paths == ['$["0"]', '$["1"]']


def test_validate_includes_semantic_checks() -> None:
    mixed = {"histogram": {"registers": {"r": {"01": 1, "1": 2}}}}
    assert qfmt.problems(mixed, "ionq.result.histogram.json.v2", semantic=False) == []
    with pytest.raises(qfmt.PayloadError, match="one width"):
        qfmt.validate(mixed, "ionq.result.histogram.json.v2")


def test_detect_ranks_formats() -> None:
    assert qfmt.detect({"0": 500, "1": 250})[0] == "ionq.result.histogram.json.v1"
    assert qfmt.detect({"0": 1})[:2] == ["ionq.result.histogram.json.v1",
                                        "ionq.result.probabilities.json.v1"]
    assert qfmt.detect({"0": 0.5, "1": 0.5})[0] == "ionq.result.probabilities.json.v1"
    # zero-padded bitstrings read as Qiskit's, decimal states as IonQ's
    assert qfmt.detect({"00": 0.5, "11": 0.5})[0] == "qiskit.probabilities.json.v1"
    assert qfmt.detect({"01 1": 3})[0] == "qiskit.counts.json.v1"
    assert qfmt.detect({"00": -0.5, "11": 1.5}) == ["qiskit.quasi.json.v1"]
    assert qfmt.detect(["01", "10"])[0] == "qiskit.memory.json.v1"
    assert qfmt.detect(["1", "2"]) == ["ionq.result.shots.json.v1"]
    for fid in ALL:
        assert qfmt.detect(IONQ_EXAMPLES[fid])[0] == fid
    assert qfmt.detect({"nothing": "here"}) == []


def test_deeply_nested_python_payload_is_a_payload_error() -> None:
    deep: list = []  # type: ignore[type-arg]
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    for fid in ALL:
        with pytest.raises(qfmt.PayloadError):
            qfmt.validate(deep, fid)
        with pytest.raises(qfmt.PayloadError):
            qfmt.load(deep, fid)
    assert qfmt.detect(deep) == []
