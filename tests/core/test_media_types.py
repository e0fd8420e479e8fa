"""Formats that are not JSON: a CSV and a binary format written as a third-party plugin
(``tests/fixtures/plugins/acme_csv_qfmt.py``, installed through a ``qfmt.formats`` entry point),
through the Python API and the command line."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qfmt
from qfmt import Registry
from tests.helpers import FIXTURES, make_dist

CSV = "acme.counts.csv.v1"
BIN = "acme.counts.bin.v1"
HIST_V1 = "ionq.result.histogram.json.v1"
CSV_TEXT = "outcome,count\n01,3\n10,1\n"


@pytest.fixture
def csv_site(site: Path) -> Path:
    make_dist(site, "acme-csv", {"acme_csv": "acme_csv_qfmt"}, "1.2")
    return site


def test_loads_from_bytes_str_and_path(csv_site: Path, registry: Registry) -> None:
    path = csv_site / "counts.csv"
    path.write_bytes(CSV_TEXT.encode())
    for payload in (CSV_TEXT.encode(), CSV_TEXT, path, bytearray(CSV_TEXT.encode())):
        c = qfmt.load(payload, CSV, registry=registry)
        assert isinstance(c, qfmt.Counts)
        assert dict(c) == {1: 3, 2: 1} and c.width == 2, payload
    row = next(r for r in qfmt.formats(registry=registry) if r.id == CSV)
    assert (row.plugin, row.distribution, row.status) == ("acme_csv", "acme-csv", "loaded")
    assert registry.get(CSV).media_type == "text/csv" and not registry.get(CSV).is_json


def test_bad_csv_is_a_payload_error_with_a_path(csv_site: Path, registry: Registry) -> None:
    cases = {
        "outcome,count\n01,3\n0x,1\n": ("$[2][0]", "not a bitstring"),
        "outcome,count\n01,3\n10,-1\n": ("$[2][1]", "not a non-negative integer"),
        "outcome,count\n01,3\n1,1\n": ("$[2][0]", "has 1 bits"),
        "outcome,count\n01,3\n01,2\n": ("$[2][0]", "appears twice"),
        "state,n\n01,3\n": ("$[0]", "header"),
        "outcome,count\n": ("$", "no outcome lines"),
    }
    for text, (path, reason) in cases.items():
        with pytest.raises(qfmt.PayloadError) as ei:
            qfmt.load(text, CSV, registry=registry)
        assert (ei.value.format, ei.value.path) == (CSV, path), text
        assert reason in ei.value.reason, text
    with pytest.raises(qfmt.PayloadError, match="not UTF-8"):
        qfmt.load(b"outcome,count\n\xff,1\n", CSV, registry=registry)
    # a non-JSON format takes bytes, str or a path: parsed JSON is refused, not guessed at
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load({"01": 3}, CSV, registry=registry)
    assert ei.value.path == "$" and "expected bytes, str or a path" in ei.value.reason
    with pytest.raises(qfmt.PayloadError, match="cannot read"):
        qfmt.load(csv_site / "missing.csv", CSV, registry=registry)


def test_written_back_as_csv_text(csv_site: Path, registry: Registry) -> None:
    counts = qfmt.load(CSV_TEXT, CSV, registry=registry)
    assert qfmt.dumps(counts, CSV, registry=registry) == CSV_TEXT  # a str stays a str
    assert qfmt.dump(counts, CSV, registry=registry) == CSV_TEXT
    assert qfmt.convert({"1": 3, "2": 1}, HIST_V1, CSV, num_qubits=2,
                        registry=registry) == CSV_TEXT
    assert qfmt.convert(CSV_TEXT.encode(), CSV, HIST_V1, registry=registry) == {"1": 3, "2": 1}
    # conversions go through the canonical model: probabilities need shots, as for JSON
    with pytest.raises(qfmt.LossyConversionError):
        qfmt.convert({"0": 0.5, "3": 0.5}, "ionq.result.probabilities.json.v1", CSV,
                     registry=registry)
    assert qfmt.convert({"0": 0.5, "3": 0.5}, "ionq.result.probabilities.json.v1", CSV,
                        shots=4, num_qubits=2, registry=registry) == \
        "outcome,count\n00,2\n11,2\n"


def test_bytes_stay_bytes(csv_site: Path, registry: Registry) -> None:
    counts = qfmt.load(CSV_TEXT, CSV, registry=registry)
    blob = qfmt.dumps(counts, BIN, registry=registry)
    assert isinstance(blob, bytes) and blob.startswith(b"ACME\x02")
    assert qfmt.dump(counts, BIN, registry=registry) == blob
    assert dict(qfmt.load(blob, BIN, registry=registry)) == {1: 3, 2: 1}
    assert qfmt.convert(blob, BIN, CSV, registry=registry) == CSV_TEXT


@functools.cache
def _offline_registry() -> Registry:
    """A registry with the built-ins and the fixture plugin added by hand (no entry points)."""
    reg = Registry(entry_points=False)
    sys.path.insert(0, str(FIXTURES))
    try:
        import acme_csv_qfmt  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(FIXTURES))
    reg.add_plugin(acme_csv_qfmt, "acme_csv")
    return reg


@given(st.dictionaries(st.integers(0, 15), st.integers(0, 10**6), min_size=1))
def test_csv_round_trip(data: dict[int, int]) -> None:
    reg = _offline_registry()
    counts = qfmt.Counts(data, width=4)
    text = qfmt.dumps(counts, CSV, registry=reg)
    assert dict(qfmt.load(text, CSV, registry=reg)) == data
    assert qfmt.load(text, CSV, registry=reg).width == 4
    assert dict(qfmt.load(qfmt.dumps(counts, BIN, registry=reg), BIN, registry=reg)) == data


def test_validate_runs_only_the_parser(csv_site: Path, registry: Registry) -> None:
    # the schema documents the payload ({"type": "string", "contentMediaType": "text/csv"});
    # bytes and paths are not JSON strings, yet they are valid
    assert qfmt.schema(CSV, registry=registry)["contentMediaType"] == "text/csv"
    path = csv_site / "c.csv"
    path.write_text(CSV_TEXT)
    for payload in (CSV_TEXT, CSV_TEXT.encode(), path):
        assert qfmt.problems(payload, CSV, registry=registry) == []
        qfmt.validate(payload, CSV, registry=registry)
    bad = "outcome,count\n01,x\n"
    [problem] = qfmt.problems(bad, CSV, registry=registry)
    assert problem.path == "$[1][1]"
    with pytest.raises(qfmt.ValidationError) as ei:
        qfmt.validate(bad, CSV, registry=registry)
    assert ei.value.path == "$[1][1]" and len(ei.value.problems) == 1
    assert qfmt.problems(bad, CSV, semantic=False, registry=registry) == []


def test_detect_tries_non_json_formats_on_the_bytes(csv_site: Path, registry: Registry) -> None:
    path = csv_site / "c.csv"
    path.write_text(CSV_TEXT)
    for payload in (CSV_TEXT, CSV_TEXT.encode(), path):
        assert qfmt.detect(payload, registry=registry)[0] == CSV
    blob = qfmt.dumps(qfmt.Counts({1: 3}, width=2), BIN, registry=registry)
    assert qfmt.detect(blob, registry=registry) == [BIN]
    # JSON text: JSON formats on the parsed JSON; the CSV parser refuses it
    found = qfmt.detect(b'{"1": 3, "2": 1}', registry=registry)
    assert found[0] == HIST_V1 and CSV not in found and BIN not in found
    # parsed JSON is never handed to a non-JSON format
    assert CSV not in qfmt.detect({"1": 3}, registry=registry)
    assert qfmt.detect(b"neither JSON nor CSV", registry=registry) == []


def test_contributing_csv_example_works() -> None:
    """The CSV plugin sketch in CONTRIBUTING.md runs as written."""
    import re
    import types

    text = (Path(__file__).parents[2] / "CONTRIBUTING.md").read_text()
    [block] = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if CSV in b]
    module = types.ModuleType("contributing_csv")
    exec(compile(block, "CONTRIBUTING.md", "exec"), module.__dict__)
    reg = Registry(entry_points=False)
    reg.add_plugin(module, "contributing_csv")
    assert dict(qfmt.load(CSV_TEXT, CSV, registry=reg)) == {1: 3, 2: 1}
    assert qfmt.convert({"1": 3, "2": 1}, HIST_V1, CSV, num_qubits=2, registry=reg) == CSV_TEXT
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load(b"outcome,count\n01,x\n", CSV, registry=reg)
    assert ei.value.path == "$[1][1]"


def test_media_type_rules() -> None:
    def fmt(media_type: str) -> qfmt.Format:
        return qfmt.Format("x.v1", "x", lambda p: p, lambda o: o, {"$id": "x.v1"}, qfmt.Counts,
                           media_type=media_type)

    assert fmt("application/json").is_json
    assert fmt("application/vnd.acme.counts+json").is_json
    assert fmt("Application/JSON; charset=utf-8").is_json
    assert not fmt("text/csv").is_json
    assert not fmt("application/octet-stream").is_json
    assert qfmt.Format("y.v1", "y", lambda p: p, lambda o: o, {"$id": "y.v1"},
                       qfmt.Counts).media_type == "application/json"


def test_non_json_serializer_must_return_bytes_or_str(registry: Registry) -> None:
    fid = "bad.csv.v1"
    bad = qfmt.Format(fid, "returns a dict", lambda raw: qfmt.Counts({0: 1}, width=1),
                      lambda counts: {"not": "text"}, {"$id": fid, "type": "string"},
                      qfmt.Counts, media_type="text/csv")
    qfmt.register(bad, registry=registry)
    assert dict(qfmt.load(b"anything", fid, registry=registry)) == {0: 1}
    with pytest.raises(qfmt.FormatContractError, match="not bytes or str") as ei:
        qfmt.dumps(qfmt.Counts({0: 1}, width=1), fid, registry=registry)
    assert "'qfmt.register'" in str(ei.value)


# -- the command line -------------------------------------------------------------------------


def _cli(site: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(FIXTURES)])}
    for name in ("QFMT_DISABLE_PLUGINS", "QFMT_STRICT_PLUGINS", "QFMT_PREFER"):
        env.pop(name, None)

    def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "qfmt", *args], env=env, cwd=site,
                              input=stdin, capture_output=True, timeout=120)
    return cli


def test_cli_reads_and_writes_csv(csv_site: Path, registry: Registry) -> None:
    cli = _cli(csv_site)
    csv_file = csv_site / "file.csv"
    csv_file.write_bytes(CSV_TEXT.encode())
    hist = csv_site / "x.json"
    hist.write_text('{"1": 3, "2": 1}')

    r = cli("convert", str(csv_file), "--to", "ionq.result.histogram.json.v1")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"1": 3, "2": 1} and r.stdout.endswith(b"}\n")
    r = cli("convert", str(csv_file), "--from", CSV, "--to", "ionq.result.histogram.json.v2")
    assert json.loads(r.stdout) == {"histogram": {"registers": {"output_all": {"01": 3,
                                                                               "10": 1}}}}
    r = cli("show", str(csv_file), "--from", CSV)
    assert r.returncode == 0, r.stderr
    assert b"acme.counts.csv.v1" in r.stdout and b"counts: 4 shots" in r.stdout
    r = cli("show", str(csv_file))  # detected from the bytes
    assert r.returncode == 0 and b"acme.counts.csv.v1" in r.stdout
    r = cli("detect", str(csv_file))
    assert r.stdout.splitlines()[0] == CSV.encode()
    assert cli("validate", str(csv_file)).returncode == 0
    r = cli("validate", "-", "--format", CSV, stdin=b"outcome,count\n01,x\n")
    assert r.returncode == 1 and b"$[1][1]" in r.stderr

    out = csv_site / "out.csv"
    r = cli("convert", str(hist), "--to", CSV, "--num-qubits", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == CSV_TEXT.encode()  # unchanged: no newline added or translated
    r = cli("convert", str(hist), "--to", CSV, "--num-qubits", "2")
    assert r.stdout == CSV_TEXT.encode()
    r = cli("convert", "-", "--from", CSV, "--to", HIST_V1, stdin=CSV_TEXT.encode())
    assert json.loads(r.stdout) == {"1": 3, "2": 1}


def test_cli_writes_bytes_unchanged(csv_site: Path, registry: Registry) -> None:
    cli = _cli(csv_site)
    hist = csv_site / "x.json"
    hist.write_text('{"1": 3, "2": 1}')
    blob = qfmt.convert({"1": 3, "2": 1}, HIST_V1, BIN, num_qubits=2, registry=registry)
    assert isinstance(blob, bytes)
    out = csv_site / "out.bin"
    r = cli("convert", str(hist), "--to", BIN, "--num-qubits", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == blob
    assert cli("convert", str(hist), "--to", BIN, "--num-qubits", "2").stdout == blob
    r = cli("convert", str(out), "--from", BIN, "--to", CSV)
    assert r.stdout == CSV_TEXT.encode()
    # several inputs into a folder: one file per input, named after the target's media type
    other = csv_site / "y.json"
    other.write_text('{"0": 5}')
    folder = csv_site / "folder"
    r = cli("convert", str(hist), str(other), "--to", CSV, "--num-qubits", "2", "-o",
            str(folder), "-j", "1")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["x.csv", "y.csv"]
    assert (folder / "y.csv").read_text() == "outcome,count\n00,5\n"
    r = cli("convert", str(hist), str(other), "--to", BIN, "--num-qubits", "2", "-o",
            str(folder), "-j", "1")
    assert (folder / "x.bin").read_bytes() == blob
