"""Issue 13: no bad payload, hostile size or broken plugin gets past qfmt's errors, and nothing is
silently lost. One test per case the fuzzing run found (see tests/test_fuzz.py for the fuzzer)."""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

import qfmt
from qfmt import Registry, kit
from qfmt.cli import main
from tests.helpers import make_dist

H1 = "ionq.result.histogram.json.v1"
H2 = "ionq.result.histogram.json.v2"
P2 = "ionq.result.probabilities.json.v2"
S1 = "ionq.result.shots.json.v1"
S2 = "ionq.result.shots.json.v2"
AGG = "ionq.result.probabilities-aggregate.json.v1"
QR = "qiskit.result.json.v1"
QC = "qiskit.counts.json.v1"


def _deep(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def _result(header: Any = None, count: int = 1) -> dict[str, Any]:
    return {"backend_name": "b", "backend_version": "1", "job_id": "j", "success": True,
            "results": [{"shots": 1, "success": True, "data": {"counts": {"0x0": count}},
                         "header": header if header is not None else {}}]}


# -- text that is not JSON ------------------------------------------------------------------


@pytest.mark.parametrize("fid", [H1, H2, S1, S2])
def test_lone_surrogates_in_text_are_a_payload_error(fid: str) -> None:
    with pytest.raises(qfmt.PayloadError, match="not valid Unicode") as ei:
        qfmt.load('{"\ud800": 1}', fid)
    assert ei.value.format == fid


@pytest.mark.parametrize("text", [b'\x0b{"1":5}\x0c', b'\x0c{"1":5}', b'{"1":5}\x0b'])
def test_byte_readers_accept_only_json_whitespace(text: bytes) -> None:
    with pytest.raises(qfmt.PayloadError, match="not valid JSON"):
        qfmt.load(text, H1)
    with pytest.raises(qfmt.PayloadError, match="not valid JSON"):
        qfmt.load(b"\x0b" + b'["1","2"]', S1)
    # JSON's own whitespace is fine
    assert dict(qfmt.load(b' \t\r\n{"1":5}\n', H1)) == {1: 5}


# -- duplicate keys -------------------------------------------------------------------------


@pytest.mark.parametrize(("fid", "text", "path"), [
    (H1, '{"3": 10, "3": 5}', '$["3"]'),
    (H1, '{"3":10,"3":5}', '$["3"]'),
    (H2, '{"histogram":{"registers":{"a":{"0":1},"a":{"1":1}}}}', "$.histogram.registers.a"),
    (H2, '{"histogram":{"registers":{"a":{"0":1,"0":2}}}}', '$.histogram.registers.a["0"]'),
    (S2, '{"shots":[{"registers":{"a":[1],"a":[0]}}]}', "$.shots[0].registers.a"),
    (QC, '{"0x1": 10, "0x1": 5}', '$["0x1"]'),
    (AGG, '{"c1": {"0": 1}, "c1": {"1": 1}}', "$.c1"),
])
def test_duplicate_keys_are_refused_naming_the_key(fid: str, text: str, path: str) -> None:
    for form in (text, text.encode(), text.replace(":", ": ").encode()):
        with pytest.raises(qfmt.PayloadError, match="duplicate key") as ei:
            qfmt.load(form, fid)
        assert ei.value.path == path


def test_duplicate_keys_from_a_path_and_in_validate(tmp_path: Path) -> None:
    p = tmp_path / "h.json"
    p.write_text('{"1": 2, "1": 3}')
    with pytest.raises(qfmt.PayloadError, match="duplicate key '1'"):
        qfmt.load(p, H1)
    assert "duplicate key" in qfmt.problems(p, H1)[0].reason
    assert qfmt.detect(p) == []


def test_keys_equal_as_numbers_are_still_refused_and_escaped_colons_are_no_duplicate() -> None:
    with pytest.raises(qfmt.PayloadError, match="repeats key"):
        qfmt.load('{"7": 10, "07": 5}', H1)
    data = qfmt.load('{"backend_name": "a\\u003ab", "backend_version": "1", "job_id": "j", '
                     '"success": true, "results": []}', QR)
    assert data.backend_name == "a:b"


# -- internal errors that were reported as plugin bugs ---------------------------------------


@pytest.mark.parametrize(("payload", "path", "reason"), [
    ({"shots": [{"registers": {"a": [2**64]}}]}, "$.shots[0].registers.a[0]", "0 or 1"),
    ({"shots": [{"registers": {"a": [1] * 2000}}]}, "$.shots[0].registers.a", "2000 bits"),
    ({"shots": [{"registers": {"a": [1] * 600, "b": [0] * 600}}]}, "$.shots[0].registers.b",
     "1200 bits together"),
    ({"shots": [{"registers": {"a": [_deep(100_000)]}}]}, "$.shots[0].registers.a[0]", "0 or 1"),
])
def test_shots_v2_limits_are_payload_errors(payload: Any, path: str, reason: str) -> None:
    with pytest.raises(qfmt.PayloadError, match=reason) as ei:
        qfmt.load(payload, S2)
    assert ei.value.path == path
    assert "bug" not in str(ei.value)


def test_shots_v2_too_wide_from_bytes_fails_before_reading_the_rest() -> None:
    shot = b'{"registers":{"a":[' + b",".join([b"1"] * 2000) + b"]}}"
    payload = b'{"shots":[' + b",".join([shot] * 500) + b"]}"
    tracemalloc.start()
    try:
        with pytest.raises(qfmt.PayloadError, match="2000 bits") as ei:
            qfmt.load(payload, S2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ei.value.path == "$.shots[0].registers.a"
    assert peak < 2 * len(payload)


def test_a_huge_key_with_leading_zeros_is_decoded_exactly() -> None:
    key = "0" * 100_000 + "5"
    assert dict(qfmt.load({key: 1}, H1)) == {5: 1}
    assert dict(qfmt.load(orjson.dumps({key: 1}), H1)) == {5: 1}
    with pytest.raises(qfmt.PayloadError, match="wider than 1024 bits"):
        qfmt.load({"9" * 100_000: 1}, H1)


# -- accepted means writable ---------------------------------------------------------------


@pytest.mark.parametrize("count", [2**64, 10**100_000], ids=["2**64", "10**100000"])
def test_counts_beyond_uint64_are_refused(count: int) -> None:
    with pytest.raises(qfmt.PayloadError, match="2\\*\\*64 - 1") as ei:
        qfmt.load({"0": count}, H1)
    assert ei.value.path == '$["0"]' and len(str(ei.value)) < 300
    with pytest.raises(qfmt.PayloadError, match="2\\*\\*64 - 1"):
        qfmt.load(_result(count=count), QR)
    top = qfmt.load({"0": kit.MAX_COUNT}, H1)
    assert qfmt.dumps(top, H1) == '{"0":18446744073709551615}'


def test_sampling_more_shots_than_memory_holds_is_refused() -> None:
    with pytest.raises(qfmt.LossyConversionError, match="samples at most"):
        qfmt.convert({"0": 2**64 - 1}, H1, S1, sample=True, seed=1)


def test_deep_pass_through_fields_are_refused() -> None:
    header: dict[str, Any] = {}
    d = header
    for _ in range(50_000):
        d["a"] = {}
        d = d["a"]
    with pytest.raises(qfmt.PayloadError, match="nested deeper than 64 levels"):
        qfmt.load(_result(header), QR)
    ok = qfmt.load(_result({"a": _deep(60)}), QR)
    repr(ok)
    qfmt.dumps(ok, QR)


def test_unwritable_pass_through_values_and_names_are_refused() -> None:
    with pytest.raises(qfmt.PayloadError, match="64-bit range"):
        qfmt.load(_result({"x": [2**70]}), QR)
    with pytest.raises(qfmt.PayloadError, match="surrogate"):
        qfmt.load({"histogram": {"registers": {"\ud800": {"0": 1}}}}, H2)
    with pytest.raises(qfmt.PayloadError, match="surrogate"):
        qfmt.load({**_result(), "backend_name": "\udcff"}, QR)


def test_json_text_deeper_than_orjson_writes_is_refused() -> None:
    text = '{"backend_name": "b", "backend_version": "1", "job_id": "j", "success": true, ' \
           '"results": [], "header": {"x": ' + "[" * 300 + "]" * 300 + "}}"
    with pytest.raises(qfmt.PayloadError, match="deeper than 254"):
        qfmt.load(text, QR)


# -- messages ------------------------------------------------------------------------------


def test_messages_quote_a_short_prefix_and_stay_on_one_line() -> None:
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load({"shots": [{"registers": {"a": [list(range(10**6))]}}]}, S2)
    assert len(str(ei.value)) < 300 and "(1000000 items)" in str(ei.value)
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load({"a\nb" + "x" * 10_000: 1}, H1)
    msg = str(ei.value)
    assert "\n" not in msg and len(msg) < 600 and "a\\x0ab" in msg
    err = qfmt.PayloadError("f", "$", "x" * 10**6 + "\u2028")
    assert len(str(err)) < 400 and "\u2028" not in str(err)


def test_short_repr_never_fails() -> None:
    assert kit.short_repr(_deep(100_000)).startswith("[[[")
    assert kit.short_repr(10**100_000) == "<int of 332193 bits>"
    assert len(kit.short_repr("y" * 10**6)) < 80


# -- hostile sizes -------------------------------------------------------------------------


def test_too_many_registers_are_refused_before_reading_them() -> None:
    regs = {f"r{i}": [1] for i in range(kit.MAX_REGISTERS + 1)}
    with pytest.raises(qfmt.PayloadError, match="registers; qfmt reads at most 1024"):
        qfmt.load({"shots": [{"registers": regs}]}, S2)
    with pytest.raises(qfmt.PayloadError, match="registers; qfmt reads at most 1024"):
        qfmt.load(orjson.dumps({"shots": [{"registers": regs}]}), S2)
    h2 = {"histogram": {"registers": {f"r{i}": {"1": 1} for i in range(100_000)}}}
    for form in (h2, orjson.dumps(h2)):
        with pytest.raises(qfmt.PayloadError, match="registers; qfmt reads at most") as ei:
            qfmt.load(form, H2)
        assert ei.value.path == "$.histogram.registers"
    with pytest.raises(qfmt.PayloadError, match="registers; qfmt reads at most"):
        qfmt.load({"probabilities": {"registers": {f"r{i}": {"1": 1.0} for i in range(2000)}}},
                  P2)


# -- plugins -------------------------------------------------------------------------------


def test_plugins_that_exit_do_not_end_the_host(site: Path, registry: Registry) -> None:
    make_dist(site, "exit-import-qfmt", {"exiti": "exit_import_qfmt"})
    make_dist(site, "exit-hook-qfmt", {"exith": "exit_hook_qfmt"})
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    with pytest.warns(RuntimeWarning):
        rows = qfmt.formats(registry=registry)
    failed = {r.plugin: r for r in rows if r.status == "failed"}
    assert set(failed) == {"exiti", "exith"}
    assert "SystemExit" in (failed["exiti"].error or "")
    assert failed["exith"].distribution == "exit-hook-qfmt"
    assert dict(qfmt.load({"num_bits": 1, "counts": {"1": 2}}, "acme.counts.v1",
                          registry=registry)) == {1: 2}


def test_broken_schemas_fail_alone_and_detect_keeps_working(site: Path,
                                                            registry: Registry) -> None:
    make_dist(site, "badschema-qfmt", {"badschema": "badschema_qfmt"})
    with pytest.warns(RuntimeWarning):
        assert qfmt.detect({"0": 5, "1": 3}, registry=registry)[0] == H1
    rows = {r.id: r for r in qfmt.formats(registry=registry)}
    assert rows["bad.type.v1"].status == "failed"
    assert rows["bad.ref.v1"].status == "failed"
    assert rows["good.acme.v1"].status == "loaded"
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.validate({}, "bad.ref.v1", registry=registry)
    assert qfmt.detect({"0": 5}, registry=registry)[0] == H1  # no warning the second time


def test_a_schema_failing_in_use_is_a_contract_error_in_validate(registry: Registry) -> None:
    fmt = qfmt.Format("mine.v1", "d", lambda p: qfmt.Counts({0: 1}, width=1),
                      lambda c: {}, {"$id": "mine.v1", "$ref": "#/definitions/none"},
                      qfmt.Counts)
    with pytest.raises(qfmt.FormatContractError, match="schema cannot be used"):
        qfmt.validate({}, fmt, registry=registry)


def test_misbehaving_parsers_and_serializers_raise_qfmt_errors(site: Path,
                                                               registry: Registry) -> None:
    make_dist(site, "liar-qfmt", {"liar": "liar_qfmt"}, "3.1")
    counts = qfmt.load({"n": 2}, "liar.ok.v1", registry=registry)
    with pytest.raises(qfmt.FormatContractError, match="parse returned a dict"):
        qfmt.load({"n": 2}, "liar.type.v1", registry=registry)
    for fid in ("liar.keyerror.v1", "liar.exit.v1"):
        with pytest.raises(qfmt.PayloadError, match=re.escape("plugin 'liar' (distribution "
                                                                  "liar-qfmt 3.1)")):
            qfmt.load({"n": 2}, fid, registry=registry)
    with pytest.raises(qfmt.PayloadError, match="KeyError"):
        qfmt.load(b'{"n": 2}', "liar.raw.v1", registry=registry)
    with pytest.raises(qfmt.FormatContractError, match="ValueError"):
        qfmt.dump(counts, "liar.dump.v1", registry=registry)
    with pytest.raises(qfmt.FormatContractError, match="not JSON"):
        qfmt.dumps(counts, "liar.notjson.v1", registry=registry)
    with pytest.warns(RuntimeWarning, match="detect skips this format"):
        assert "liar.ok.v1" in qfmt.detect({"n": 2}, registry=registry)  # liars break nothing


def test_cli_survives_broken_plugins_and_prints_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "badschema-qfmt", {"badschema": "badschema_qfmt"})
    make_dist(site, "exit-hook-qfmt", {"exith": "exit_hook_qfmt"})
    payload = tmp_path / "h.json"
    payload.write_text('{"0": 5, "1": 3}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"a\\nb": 5}')
    from tests.helpers import FIXTURES

    env = {"PYTHONPATH": f"{site}:{FIXTURES}", "PATH": "/usr/bin:/bin"}
    for args in (["validate", str(payload)], ["show", str(payload)],
                 ["convert", str(payload), "--to", "ionq.result.histogram.json.v2"]):
        out = subprocess.run([sys.executable, "-m", "qfmt", *args], capture_output=True,
                             text=True, env=env)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "qfmt", "convert", str(bad), "--from", H1,
                          "--to", H2], capture_output=True, text=True, env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("qfmt: error")]
    assert len(errors) == 1 and "a\\x0ab" in errors[0]


def test_cli_experiment_with_a_non_ascii_digit_is_a_usage_error(tmp_path: Path) -> None:
    agg = tmp_path / "agg.json"
    agg.write_text('{"c1": {"0": 1}, "c2": {"1": 1}}')
    res = CliRunner().invoke(main, ["convert", str(agg), "--from", AGG, "--to",
                                    "ionq.result.probabilities.json.v1", "--experiment", "²"])
    assert res.exit_code == 2, res.output  # looks like an index and is none (issue 23)
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "²" in res.output
    res = CliRunner().invoke(main, ["convert", str(agg), "--from", AGG, "--to",
                                    "ionq.result.probabilities.json.v1", "--experiment", "1"])
    assert res.exit_code == 0 and orjson.loads(res.output) == {"1": 1.0}
