"""qfmt.testing: every built-in format passes the conformance kit on the shipped examples and on
generated payloads; deliberately broken formats fail it, naming the check and the example; the
strategies build objects that survive round trips."""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qfmt
import qfmt.testing
from qfmt import kit
from qfmt.testing import strategies as qst

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Each shipped example file, and the format it is written in.
EXAMPLE_FORMATS = {
    "ionq/histogram-v1.json": "ionq.result.histogram.json.v1",
    "ionq/histogram-v2.json": "ionq.result.histogram.json.v2",
    "ionq/probabilities-aggregate.json": "ionq.result.probabilities-aggregate.json.v1",
    "ionq/probabilities-v1.json": "ionq.result.probabilities.json.v1",
    "ionq/probabilities-v2.json": "ionq.result.probabilities.json.v2",
    "ionq/shots-v1.json": "ionq.result.shots.json.v1",
    "ionq/shots-v2.json": "ionq.result.shots.json.v2",
    "qiskit/counts.json": "qiskit.counts.json.v1",
    "qiskit/memory.json": "qiskit.memory.json.v1",
    "qiskit/estimator.json": "qiskit.primitives.estimator.json.v1",
    "qiskit/probabilities.json": "qiskit.probabilities.json.v1",
    "qiskit/quasi.json": "qiskit.quasi.json.v1",
    "qiskit/result.json": "qiskit.result.json.v1",
    "qiskit/sampler.json": "qiskit.primitives.sampler.json.v1",
    "cirq/result.json": "cirq.result.json.v1",
    "pytket/shots.json": "pytket.backend-result.json.v1",
    "pytket/counts.json": "pytket.backend-result.json.v1",
    "arrow/shots.parquet": "qfmt.shots.parquet.v1",
    "arrow/counts.parquet": "qfmt.counts.parquet.v1",
    "azure/results-v1.json": "microsoft.quantum-results.v1",
    "azure/results-v2.json": "microsoft.quantum-results.v2",
    "stim/shots.01": "stim.shots.01",
    "stim/shots.b8": "stim.shots.b8",
    "braket/task-result.json": "braket.task_result.gate_model_task_result.v1",
    "braket/task-result-probabilities.json": "braket.task_result.gate_model_task_result.v1",
}
# Stim's b8 bytes carry no width: the example is the 3-qubit run
TAKES_NUM_BITS = {"stim.shots.b8"}
# IonQ's v1 formats carry no width: the examples are one 3-qubit run
TAKES_NUM_QUBITS = {"ionq.result.histogram.json.v1", "ionq.result.probabilities.json.v1",
                    "ionq.result.shots.json.v1", "ionq.result.probabilities-aggregate.json.v1"}
BUILTIN = sorted(set(EXAMPLE_FORMATS.values()))
# Formats that leave leaked shots out: a memory whose every shot leaked cannot be written to them
# without include_leakage=True (see test_memory_whose_every_shot_leaked_is_refused).
DROP_LEAKED = {"ionq.result.shots.json.v1", "qiskit.memory.json.v1"}


def _examples(fid: str) -> list[Any]:
    files = [EXAMPLES / name for name, f in EXAMPLE_FORMATS.items() if f == fid]
    if fid in TAKES_NUM_BITS:
        return [(f, {"num_bits": 3}) for f in files] + [(files[0].read_bytes(), {"num_bits": 3})]
    out: list[Any] = [*files, files[0].read_bytes() if files[0].suffix != ".json" else
                      files[0].read_text()]
    if fid in TAKES_NUM_QUBITS:
        out.append((files[0], {"num_qubits": 3}))
    return out


@contextlib.contextmanager
def _every_failure_reported() -> Iterator[None]:
    saved = qfmt.testing._MAX_BAD_PER_EXAMPLE, qfmt.testing._MAX_LINES
    qfmt.testing._MAX_BAD_PER_EXAMPLE = qfmt.testing._MAX_LINES = 10**6
    try:
        yield
    finally:
        qfmt.testing._MAX_BAD_PER_EXAMPLE, qfmt.testing._MAX_LINES = saved


def _conforms(fid: str, examples: list[Any]) -> None:
    with _every_failure_reported():
        qfmt.testing.check_format(fid, examples)


# the generated-payload tests run check_format per example: a fraction of the profile's examples
_MAX_EXAMPLES = settings().max_examples


# -- the built-in formats ---------------------------------------------------------------------


def test_every_example_file_is_mapped_and_every_builtin_format_has_one() -> None:
    shipped = {p.relative_to(EXAMPLES).as_posix()
               for pattern in ("*/*.json", "*/*.parquet", "*/*.01", "*/*.b8")
               for p in EXAMPLES.glob(pattern)}
    assert shipped == set(EXAMPLE_FORMATS)
    assert set(BUILTIN) == {i.id for i in qfmt.formats() if i.builtin}
    for name, fid in EXAMPLE_FORMATS.items():
        if fid not in TAKES_NUM_BITS:  # b8 bytes are any bytes: only the option tells
            assert qfmt.detect(EXAMPLES / name)[0] == fid


@pytest.mark.parametrize("fid", BUILTIN)
def test_builtin_format_passes_on_the_shipped_examples(fid: str) -> None:
    _conforms(fid, _examples(fid))


@pytest.mark.parametrize("fid", BUILTIN)
@settings(max_examples=max(5, _MAX_EXAMPLES // 6))
@given(data=st.data())
def test_builtin_format_passes_on_generated_payloads(fid: str, data: st.DataObject) -> None:
    objects = qst.memory().filter(lambda m: not m.leaked().all()) if fid in DROP_LEAKED else None
    if fid in TAKES_NUM_BITS:  # the bytes carry no width: pass the generated memory's
        mem = data.draw(qst.memory().filter(lambda m: not m.leaked().all()), label="memory")
        _conforms(fid, [(qfmt.dump(mem, fid, join_registers=True), {"num_bits": mem.width})])
        return
    payload = data.draw(qst.payloads(fid, objects=objects), label="payload")
    _conforms(fid, [payload])


@pytest.mark.parametrize("fid", sorted(DROP_LEAKED))
def test_memory_whose_every_shot_leaked_is_refused(fid: str) -> None:
    """Leaving every shot out would write an empty shot list that the format refuses: qfmt
    refuses first, naming the option that keeps the leaked shots."""
    leaky = qfmt.load({"shots": [{"registers": {"q": [1, 0]}, "leakage_bits": [1]}]},
                      "ionq.result.shots.json.v2")
    with pytest.raises(qfmt.LossyConversionError, match="include_leakage=True"):
        qfmt.dump(leaky, fid)
    kept = qfmt.load(qfmt.dump(leaky, fid, include_leakage=True), fid)
    assert kept.shots == 1 and kept.outcomes() == [1]


def test_a_registry_can_be_passed(registry: Any) -> None:
    qfmt.testing.check_format("qiskit.counts.json.v1", [{"01": 3, "10": 1}], registry=registry)


# -- deliberately broken formats ----------------------------------------------------------------

FID = "acme.counts.v1"
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": FID,
    "type": "object",
    "required": ["num_bits", "counts"],
    "additionalProperties": False,
    "properties": {
        "num_bits": {"type": "integer", "minimum": 1},
        "counts": {"type": "object", "minProperties": 1,
                   "propertyNames": {"pattern": "^[01]+$"},
                   "additionalProperties": {"type": "integer", "minimum": 0}},
    },
}
GOOD_EXAMPLES: list[Any] = [
    {"num_bits": 2, "counts": {"11": 3, "01": 1, "00": 7}},
    '{"num_bits": 1, "counts": {"1": 5}}',
]


def parse(payload: Any) -> qfmt.Counts:
    obj = kit.expect_dict(payload, FID, "$")
    kit.expect_keys(obj, FID, "$", {"num_bits", "counts"})
    width = kit.check_width(obj["num_bits"], FID, "$.num_bits", "num_bits")
    data, w = kit.bitstring_object(obj["counts"], FID, kit.count_value, "$.counts")
    if w != width:
        raise qfmt.PayloadError(FID, "$.counts", f"keys have {w} bits, num_bits is {width}")
    return qfmt.Counts(data, width)


def serialize(counts: qfmt.Counts) -> dict[str, Any]:
    return {"num_bits": counts.width, "counts": counts.bitstrings()}


def acme(**changes: Any) -> qfmt.Format:
    fields: dict[str, Any] = {"id": FID, "description": "ACME counts", "parse": parse,
                              "serialize": serialize, "schema": SCHEMA, "produces": qfmt.Counts}
    fields.update(changes)
    return qfmt.Format(**fields)


def _registry_with(fmt: qfmt.Format) -> Any:
    """A fresh registry holding ``fmt`` (through ``qfmt.register`` where it exists, else as a
    hand-registered plugin object)."""
    make = getattr(qfmt, "Registry", None) or qfmt._registry.Registry
    reg = make()
    register = getattr(qfmt, "register", None)  # from the registry rework
    if callable(register):
        register(fmt, registry=reg)
    else:
        class Plugin:
            @qfmt.hookimpl
            def qfmt_formats(self) -> list[qfmt.Format]:
                return [fmt]

        reg.register(Plugin(), "acme-test")
    return reg


def failure(fmt: qfmt.Format, examples: list[Any] = GOOD_EXAMPLES, *,
            registered: bool = True) -> str:
    """The message check_format fails ``fmt`` with (by id from a registry holding it, or, for
    formats a registry refuses, as the Format object itself)."""
    with pytest.raises(AssertionError) as info:
        if registered:
            qfmt.testing.check_format(FID, examples, registry=_registry_with(fmt))
        else:
            qfmt.testing.check_format(fmt, examples)
    return str(info.value)


def test_the_good_acme_format_passes_by_id_and_as_an_object() -> None:
    qfmt.testing.check_format(FID, GOOD_EXAMPLES, registry=_registry_with(acme()))
    qfmt.testing.check_format(acme(), GOOD_EXAMPLES)


@settings(max_examples=max(5, _MAX_EXAMPLES // 4))
@given(payload=qst.payloads(acme()))
def test_the_good_acme_format_passes_on_generated_payloads(payload: Any) -> None:
    qfmt.testing.check_format(acme(), [payload])


def test_wrong_schema_id() -> None:
    msg = failure(acme(schema={**SCHEMA, "$id": "acme.count.v1"}), registered=False)
    assert "(a) schema: $id is 'acme.count.v1', not the format id 'acme.counts.v1'" in msg


def test_schema_that_is_not_draft7() -> None:
    msg = failure(acme(schema={**SCHEMA, "type": "thing"}), registered=False)
    assert "(a) schema: not a valid draft-07 schema" in msg
    msg = failure(acme(schema={**SCHEMA, "$schema": "https://json-schema.org/draft/2020-12/schema"}),
                  registered=False)
    assert "(a) schema: $schema is 'https://json-schema.org/draft/2020-12/schema'" in msg


def test_parser_returning_the_wrong_type() -> None:
    msg = failure(acme(parse=lambda payload: parse(payload).probabilities()))
    assert "(b) load, example 0 {'num_bits': 2, 'counts': {" in msg
    assert "ProbDistribution" in msg and "Counts" in msg


def test_parser_refusing_a_valid_example() -> None:
    def strict(payload: Any) -> qfmt.Counts:
        if isinstance(payload, dict) and payload.get("num_bits") == 1:
            raise qfmt.PayloadError(FID, "$.num_bits", "one bit is not enough")
        return parse(payload)

    msg = failure(acme(parse=strict))
    assert "(b) load, example 1 '{\"num_bits\": 1, \"counts\": {\"1\": 5}}': qfmt.load raised " \
           "PayloadError" in msg
    assert "example 0" not in msg


def test_fast_path_disagreeing_with_the_parser() -> None:
    def raw(data: bytes) -> qfmt.Counts:
        got = parse(json.loads(data))
        return qfmt.Counts(dict(got), got.width + 1)  # one bit too wide

    msg = failure(acme(parse_raw=raw))
    assert "(b) load" in msg and "as JSON text and as parsed JSON load to different objects" in msg


def test_serializer_losing_an_outcome() -> None:
    def lossy(counts: qfmt.Counts) -> dict[str, Any]:
        out = serialize(counts)
        if len(out["counts"]) > 1:
            del out["counts"][min(out["counts"])]
        return out

    msg = failure(acme(serialize=lossy))
    assert "(c) round trip, example 0" in msg
    assert "load -> dump -> load changed the object" in msg
    assert "example 1" not in msg  # a single outcome survives


def test_serializer_whose_dump_keeps_changing() -> None:
    stamp = itertools.count()

    def stamped(counts: qfmt.Counts) -> dict[str, Any]:
        return {**serialize(counts), "written": next(stamp)}

    def tolerant(payload: Any) -> qfmt.Counts:
        return parse({k: v for k, v in payload.items() if k != "written"})

    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "written": {"type": "integer"}}}
    msg = failure(acme(parse=tolerant, serialize=stamped, schema=schema))
    assert "(c) round trip" in msg and "dump -> load -> dump changed the dump" in msg


def test_schema_rejecting_a_valid_example() -> None:
    msg = failure(acme(schema={**SCHEMA, "properties": {
        **SCHEMA["properties"], "num_bits": {"type": "integer", "minimum": 2}}}))
    assert "(d) schema agreement, example 1" in msg
    assert "the example loads but the schema rejects it: $.num_bits: 1 is less than the minimum" \
           in msg


def test_dump_that_is_not_plain_json() -> None:
    def numpy_counts(counts: qfmt.Counts) -> dict[str, Any]:
        out = serialize(counts)
        return {**out, "num_bits": np.int64(out["num_bits"])}

    msg = failure(acme(serialize=numpy_counts))
    assert "(d) schema agreement" in msg
    assert "the dump is not plain JSON data: $.num_bits is a numpy.int64" in msg


def test_parser_raising_key_error_on_a_bad_variant() -> None:
    def careless(payload: Any) -> qfmt.Counts:
        obj = kit.expect_dict(payload, FID, "$")
        return parse({"num_bits": obj["num_bits"], "counts": obj.get("counts")})  # KeyError

    msg = failure(acme(parse=careless))
    assert "(e) bad input, example 0" in msg
    assert "$.num_bits removed: the parser let KeyError: 'num_bits' escape" in msg
    assert "(a)" not in msg and "(b)" not in msg and "(c)" not in msg and "(d)" not in msg


def test_parser_raising_type_error_outside_load() -> None:
    def careless(payload: Any) -> qfmt.Counts:
        if not isinstance(payload, dict):
            raise qfmt.OptionError("not a dict")  # a qfmt error, but not a PayloadError
        return parse(payload)

    msg = failure(acme(parse=careless))
    assert "the top level replaced by None: raised OptionError: not a dict, not a " \
           "qfmt.PayloadError" in msg


def test_parser_naming_another_format() -> None:
    def other(payload: Any) -> qfmt.Counts:
        try:
            return parse(payload)
        except qfmt.PayloadError as exc:
            raise qfmt.PayloadError("acme.other", exc.path, exc.reason) from None

    msg = failure(acme(parse=other))
    assert "raised a PayloadError naming format 'acme.other', not 'acme.counts.v1'" in msg


def test_schema_that_accepts_what_the_parser_refuses() -> None:
    loose = {"$schema": SCHEMA["$schema"], "$id": FID, "type": "object"}
    msg = failure(acme(schema=loose))
    assert "(e) bad input, example 0" in msg
    assert "$.num_bits replaced by None: qfmt.load refuses it (PayloadError: " in msg
    assert "but the schema accepts it" in msg


def test_schema_that_rejects_what_the_parser_accepts() -> None:
    def lax(payload: Any) -> qfmt.Counts:  # reads the width from the keys, ignores num_bits
        data, w = kit.bitstring_object(kit.expect_dict(payload, FID, "$").get("counts"), FID,
                                       kit.count_value, "$.counts")
        return qfmt.Counts(data, w)

    msg = failure(acme(parse=lax))
    assert "(e) bad input" in msg
    assert "$.num_bits replaced by None: the schema rejects it ($.num_bits: None is not of type " \
           "'integer') but qfmt.load accepts it" in msg


def test_a_failure_report_is_short_and_names_every_example() -> None:
    examples = [{"num_bits": n, "counts": {"1" * n: n}} for n in range(1, 40)]
    msg = failure(acme(parse=lambda p: parse(p).probabilities()), examples)
    lines = msg.splitlines()
    assert lines[0] == "format 'acme.counts.v1' fails 39 conformance check(s):"
    assert len(lines) == 17 and lines[-1] == "  ... and 24 more"
    assert all(len(line) < 400 for line in lines)


def test_examples_must_be_given_and_well_formed() -> None:
    with pytest.raises(ValueError, match="at least one example"):
        qfmt.testing.check_format(FID, [], registry=_registry_with(acme()))
    with pytest.raises(TypeError, match="payload, options_dict"):
        qfmt.testing.check_format(acme(), [({"num_bits": 1}, {}, {})])


def test_options_reach_load_and_dump() -> None:
    seen: list[tuple[str, Any]] = []

    def parse_w(payload: Any, *, pad: int = 0) -> qfmt.Counts:
        seen.append(("load", pad))
        c = parse(payload)
        return qfmt.Counts(dict(c), c.width + pad)

    def serialize_w(counts: qfmt.Counts, *, sort: bool = False) -> dict[str, Any]:
        seen.append(("dump", sort))
        out = serialize(counts)
        return {**out, "num_bits": out["num_bits"]}

    # with pad=1 the loaded width is one more than the payload says: the round trip keeps
    # adding a bit, so check_format must fail on it; without options it passes
    fmt = acme(parse=parse_w, serialize=serialize_w)
    qfmt.testing.check_format(fmt, [(GOOD_EXAMPLES[0], {"sort": True})])
    assert ("dump", True) in seen and ("load", 0) in seen
    msg = failure(fmt, [(GOOD_EXAMPLES[0], {"pad": 1})], registered=False)
    assert "(c) round trip" in msg


@pytest.mark.skipif(not qfmt.testing._VERBS_TAKE_REGISTRY,
                    reason="formats that are not JSON arrive with the registry rework")
def test_non_json_format_gets_byte_mutations() -> None:
    csv = "acme.counts.csv.v1"

    def parse_csv(raw: bytes) -> qfmt.Counts:
        lines = raw.decode("ascii", "replace").splitlines()
        if not lines or lines[0] != "outcome,count":
            raise qfmt.PayloadError(csv, "$", "expected the header line outcome,count")
        rows = [line.split(",") for line in lines[1:]]
        return qfmt.Counts({key: int(n) for key, n in rows})  # a ValueError escapes

    def dump_csv(counts: qfmt.Counts) -> str:
        return "outcome,count\n" + "".join(f"{k},{v}\n" for k, v in counts.bitstrings().items())

    def parse_csv_checked(raw: bytes) -> qfmt.Counts:
        try:
            return parse_csv(raw)
        except ValueError as exc:
            raise qfmt.PayloadError(csv, "$", f"not outcome,count lines: {exc}") from None

    fmt = qfmt.Format(csv, "ACME CSV", parse_csv, dump_csv,
                      {"$schema": SCHEMA["$schema"], "$id": csv, "type": "string"}, qfmt.Counts,
                      media_type="text/csv")
    good = qfmt.Format(csv, "ACME CSV", parse_csv_checked, dump_csv, fmt.schema, qfmt.Counts,
                       media_type="text/csv")
    qfmt.testing.check_format(good, [b"outcome,count\n01,3\n10,4\n", "outcome,count\n1,2\n"])
    # the last byte flipped makes int() fail: the ValueError escapes the parser
    with pytest.raises(AssertionError, match=r"\(e\) bad input, example 0 .*: byte 23 flipped: "
                       r"the parser let ValueError"):
        qfmt.testing.check_format(fmt, [b"outcome,count\n01,3\n10,4\n"])


# -- the strategies -----------------------------------------------------------------------------

ROUND_TRIPS = [
    (qst.counts(), "qiskit.counts.json.v1"),
    (qst.probabilities(), "qiskit.probabilities.json.v1"),
    (qst.quasi(), "qiskit.quasi.json.v1"),
    (qst.memory(layout=False, leakage=False), "qiskit.memory.json.v1"),
    (qst.memory(layout=True, positional=False), "ionq.result.shots.json.v2"),
    (qst.register_marginals(qfmt.Counts, joint_name="output_all"), "ionq.result.histogram.json.v2"),
    (qst.register_marginals(qfmt.ProbDistribution, joint_name="output_all"), "ionq.result.probabilities.json.v2"),
]


@pytest.mark.parametrize(("strategy", "fid"), ROUND_TRIPS, ids=[f for _, f in ROUND_TRIPS])
@given(data=st.data())
def test_generated_objects_round_trip_through_builtin_formats(strategy: Any, fid: str,
                                                              data: st.DataObject) -> None:
    obj = data.draw(strategy)
    assert qfmt.load(qfmt.dumps(obj, fid), fid) == obj


@given(qst.memory(leakage=True, layout=True, positional=False))
def test_generated_leakage_is_kept_by_shots_v2(mem: qfmt.Memory) -> None:
    back = qfmt.load(qfmt.dump(mem, "ionq.result.shots.json.v2"), "ionq.result.shots.json.v2")
    assert back == mem
    assert back.leaked().tolist() == mem.leaked().tolist()
    assert dict(back.counts()) == dict(mem.counts())


@given(qst.results(qfmt.ProbDistribution, job_ids=True))
def test_generated_results_round_trip_through_the_aggregate(result: qfmt.Result) -> None:
    fid = "ionq.result.probabilities-aggregate.json.v1"
    widths = {e.job_id: e.data["probabilities"].width for e in result}
    back = qfmt.load(qfmt.dump(result, fid), fid, num_qubits=widths)
    assert [e.job_id for e in back] == [e.job_id for e in result]
    for a, b in zip(back, result):
        assert a.data["probabilities"] == b.data["probabilities"]


@given(st.data())
def test_strategies_respect_their_parameters(data: st.DataObject) -> None:
    w = data.draw(st.integers(1, 80))
    c = data.draw(qst.counts(w, max_outcomes=3, layout=True))
    assert c.width == w and 1 <= len(c) <= 3 and c.layout is not None and c.layout.width == w
    assert all(0 <= k < 2**w and v >= 1 for k, v in c.items())
    p = data.draw(qst.probabilities(w))
    assert abs(sum(dict(p).values()) - 1) < 1e-9 and p.layout is None
    q = data.draw(qst.quasi(w))
    assert all(-1 <= v <= 1 for v in dict(q).values())
    m = data.draw(qst.memory(w, max_shots=5, leakage=False, layout=False))
    assert m.width == w and 1 <= len(m) <= 5 and not m.leaked().any() and m.layout is None
    r = data.draw(qst.results(qfmt.Memory, max_experiments=2))
    assert 1 <= len(r) <= 2 and all(isinstance(e.data["memory"], qfmt.Memory) for e in r)
    rm = data.draw(qst.register_marginals(qfmt.Counts, joint_name="all", joint=True))
    assert "all" in rm and rm.joint_register == "all" and rm.kind is qfmt.Counts


def test_payloads_skip_what_the_format_cannot_hold() -> None:
    def at_most_two(counts: qfmt.Counts) -> dict[str, Any]:
        if len(counts) > 2:
            raise qfmt.LossyConversionError("ACME holds two outcomes at most")
        return serialize(counts)

    seen: list[int] = []

    @settings(max_examples=20)
    @given(qst.payloads(acme(serialize=at_most_two)))
    def run(payload: Any) -> None:
        seen.append(len(payload["counts"]))

    run()
    assert seen and set(seen) <= {1, 2}


def test_import_without_hypothesis_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import qfmt.testing\n"
        "assert 'hypothesis' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "try:\n"
        "    import qfmt.testing.strategies\n"
        "except qfmt.MissingDependencyError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert "install qfmt[testing]" in out


def test_importing_the_kit_does_not_import_hypothesis() -> None:
    code = "import sys, qfmt.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "False"


# -- the capability check a plugin author runs -----------------------------------------------

def test_check_conversions_catches_a_format_that_drops_what_it_declares() -> None:
    # acme writes flat bitstrings: it declares registers (the default for registers=True) but
    # drops them, so register names and positions vanish without a word
    with pytest.raises(AssertionError, match="register"):
        qfmt.testing.check_conversions(FID, registry=_registry_with(acme()))
    honest = acme(registers=False, capabilities={"shots"})
    qfmt.testing.check_conversions(FID, registry=_registry_with(honest))
