"""The command line, through click's runner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import qfmt
from qfmt.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples" / "ionq"
QISKIT_EXAMPLES = EXAMPLES.parent / "qiskit"
FILES = {
    "ionq.result.shots.json.v2": "shots-v2.json",
    "ionq.result.shots.json.v1": "shots-v1.json",
    "ionq.result.histogram.json.v1": "histogram-v1.json",
    "ionq.result.histogram.json.v2": "histogram-v2.json",
    "ionq.result.probabilities.json.v1": "probabilities-v1.json",
    "ionq.result.probabilities.json.v2": "probabilities-v2.json",
    "ionq.result.probabilities-aggregate.json.v1": "probabilities-aggregate.json",
    "qiskit.result.json.v1": "../qiskit/result.json",
    "qiskit.counts.json.v1": "../qiskit/counts.json",
    "qiskit.memory.json.v1": "../qiskit/memory.json",
    "qiskit.probabilities.json.v1": "../qiskit/probabilities.json",
    "qiskit.quasi.json.v1": "../qiskit/quasi.json",
}


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_examples_are_one_experiment_in_every_format() -> None:
    counts = qfmt.load(EXAMPLES / "histogram-v1.json", "ionq.result.histogram.json.v1")
    for fid, name in FILES.items():
        obj = qfmt.load(EXAMPLES / name, fid)
        assert qfmt.detect(json.loads((EXAMPLES / name).read_text()))[0] == fid
        if fid.endswith("aggregate.json.v1"):
            obj = obj.experiment(0).data["probabilities"]
        if fid == "qiskit.quasi.json.v1":  # the readout-mitigated view of the same counts
            assert sum(obj.values()) == pytest.approx(1.0, abs=1e-5)
            assert set(obj) == set(counts) and min(obj.values()) < 0
            nearest = obj.nearest_probability_distribution()
            assert all(abs(nearest.get(k, 0) - v / 1000) < 0.05 for k, v in counts.items())
            continue
        as_counts = qfmt._convert.coerce(obj, qfmt.Counts, shots=counts.shots())
        assert dict(as_counts) == dict(counts), name


def test_shots_v1_example_is_shots_v2_without_leaked_shots() -> None:
    assert qfmt.convert(EXAMPLES / "shots-v2.json", "ionq.result.shots.json.v2",
                        "ionq.result.shots.json.v1") == \
        json.loads((EXAMPLES / "shots-v1.json").read_text())


def test_formats() -> None:
    code, out, _ = run("formats", "--json")
    assert code == 0
    ids = {row["id"] for row in json.loads(out)}
    assert set(FILES) <= ids
    r = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["formats", "--table"])
    assert r.exit_code == 0
    for fid in FILES:
        assert fid in r.stdout
    assert "qfmt 0.1.0" in r.stdout and "loaded" in r.stdout


def test_schema() -> None:
    code, out, _ = run("schema", "ionq.result.histogram.json.v2")
    assert code == 0 and json.loads(out)["$id"] == "ionq.result.histogram.json.v2"
    code, _, err = run("schema", "ionq.result.histogram.json.v9")
    assert code == 2 and "did you mean" in err and "Traceback" not in err


@pytest.mark.parametrize(("fid", "name"), FILES.items())
def test_detect(fid: str, name: str) -> None:
    code, out, _ = run("detect", str(EXAMPLES / name))
    assert code == 0 and out.splitlines()[0] == fid


def test_validate(tmp_path: Path) -> None:
    code, out, _ = run("validate", str(EXAMPLES / "shots-v2.json"), "--format",
                       "ionq.result.shots.json.v2")
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"0": -1, "1": "x", "2": 3}')
    code, _, err = run("validate", str(bad), "--format", "ionq.result.histogram.json.v1")
    assert code == 1
    assert '$["0"]' in err and '$["1"]' in err  # every problem, with its path
    code, _, err = run("validate", "-", "-f", "ionq.result.histogram.json.v1", input="{nope")
    assert code == 1 and "not valid JSON" in err


def test_convert_single_and_stdin(tmp_path: Path) -> None:
    code, out, _ = run("convert", str(EXAMPLES / "histogram-v1.json"), "--to",
                       "ionq.result.histogram.json.v2", "--num-qubits", "3")
    assert code == 0
    assert json.loads(out) == json.loads((EXAMPLES / "histogram-v2.json").read_text())
    code, out, _ = run("convert", "-", "--from", "ionq.result.histogram.json.v1", "--to",
                       "ionq.result.probabilities.json.v1", input='{"0": 1, "1": 3}')
    assert code == 0 and json.loads(out) == {"0": 0.25, "1": 0.75}
    target = tmp_path / "out.json"
    code, _, _ = run("convert", str(EXAMPLES / "probabilities-v1.json"), "--to",
                     "ionq.result.histogram.json.v1", "--shots", "1000", "-o", str(target))
    assert code == 0
    assert json.loads(target.read_text()) == json.loads((EXAMPLES / "histogram-v1.json")
                                                        .read_text())


def test_convert_refusals_name_the_flag() -> None:
    code, _, err = run("convert", str(EXAMPLES / "probabilities-v1.json"), "--to",
                       "ionq.result.histogram.json.v1")
    assert code == 1 and "--shots N" in err and "Traceback" not in err
    code, _, err = run("convert", str(EXAMPLES / "histogram-v1.json"), "--to",
                       "ionq.result.shots.json.v1")
    assert code == 1 and "--sample --seed N" in err
    code, _, err = run("convert", str(EXAMPLES / "histogram-v1.json"), "--to", "nope.v1")
    assert code == 2 and "unknown format" in err
    code, _, err = run("convert", "does-not-exist.json", "--to", "ionq.result.histogram.json.v1")
    assert code == 2 and "does-not-exist.json" in err


def test_convert_many_files_in_parallel_continues_past_bad_ones(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"0": "x"}')
    files = [str(EXAMPLES / n) for n in FILES.values()] + [str(bad)]
    out = tmp_path / "out"
    code, _, err = run("convert", *files, "--to", "ionq.result.probabilities.json.v2", "-o",
                       str(out), "--experiment", "0", "-j", "2")
    assert code == 1
    # the broken file, and the quasi-probabilities (no probability distribution) fail
    assert "broken.json" in err and "quasi.json" in err and "2 of 13 files failed" in err
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 11 and "broken.json" not in written
    for p in out.iterdir():
        qfmt.validate(p.read_bytes(), "ionq.result.probabilities.json.v2")


def test_show() -> None:
    code, out, _ = run("show", str(EXAMPLES / "shots-v2.json"), "--top", "3")
    assert code == 0
    assert "1003 shots" in out and "3 with leakage" in out and "left out" in out
    assert "000" in out and "111" in out and "(5 more)" in out
    code, out, _ = run("show", str(EXAMPLES / "probabilities-aggregate.json"))
    assert code == 0 and "06a2099c-f846-7d32-8000-5726853513db" in out
    code, out, _ = run("show", str(EXAMPLES / "histogram-v1.json"), "--num-qubits", "5")
    assert code == 0 and "00111" in out and "inferred" not in out


def test_plot_png_has_requested_size(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")
    target = tmp_path / "h.png"
    code, _, err = run("plot", str(EXAMPLES / "histogram-v1.json"),
                       str(EXAMPLES / "probabilities-v2.json"), "-o", str(target),
                       "--size", "640x480", "--top", "4")
    assert code == 0, err
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    import struct

    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (640, 480)


def test_plot_missing_matplotlib_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run("plot", str(EXAMPLES / "histogram-v1.json"), "-o",
                       str(tmp_path / "x.png"))
    assert code == 3 and "qfmt[plot]" in err


def test_debug_shows_traceback() -> None:
    r = CliRunner().invoke(main, ["--debug", "schema", "nope"])
    assert isinstance(r.exception, qfmt.UnknownFormatError)


def test_real_subprocess(tmp_path: Path) -> None:
    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qfmt", *args], input=stdin,
                              capture_output=True, text=True, cwd=tmp_path)

    r = cli("convert", "-", "--from", "ionq.result.shots.json.v1", "--to",
            "ionq.result.histogram.json.v1", stdin='["1", "1", "2"]')
    assert r.returncode == 0 and json.loads(r.stdout) == {"1": 2, "2": 1}
    r = cli("validate", str(EXAMPLES / "histogram-v2.json"))
    assert r.returncode == 0
    r = cli("show", "-", "--format", "ionq.result.histogram.json.v1", stdin="[1]")
    assert r.returncode == 1
    assert r.stderr.startswith("qfmt: error:") and "$: expected an object" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("--version")
    assert r.returncode == 0 and qfmt.__version__ in r.stdout


def test_every_subcommand_as_a_real_subprocess(tmp_path: Path) -> None:
    """Each subcommand once through `python -m qfmt`, as a person runs it, plus bad input."""
    import os

    from tests.plugins.ionq.server import FakeIonQ, FakeJob, serve

    env = {**os.environ, "QFMT_CACHE_DIR": str(tmp_path / "cache"), "IONQ_API_KEY": "k",
           "COLUMNS": "200"}

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qfmt", *args], input=stdin, env=env,
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)

    hist = str(EXAMPLES / "histogram-v1.json")
    assert "ionq.result.shots.json.v2" in cli("formats").stdout
    assert json.loads(cli("formats", "--json").stdout)
    assert json.loads(cli("schema", "qiskit.counts.json.v1").stdout)["$id"] == \
        "qiskit.counts.json.v1"
    assert cli("detect", hist).stdout.splitlines()[0] == "ionq.result.histogram.json.v1"
    assert cli("validate", hist, "--format", "ionq.result.histogram.json.v1").returncode == 0
    out = cli("convert", hist, "--to", "qiskit.counts.json.v1", "--num-qubits", "3")
    assert out.returncode == 0 and json.loads(out.stdout)["111"] == 452
    assert "counts: 1000 shots" in cli("show", hist).stdout
    png = tmp_path / "p.png"
    assert cli("plot", hist, "-o", str(png), "--size", "300x200").returncode == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert cli("cache", "path").stdout.strip() == str(tmp_path / "cache" / "artifacts.sqlite3")
    served = tmp_path / "served.json"
    served.write_text(json.dumps(qfmt.schema("ionq.result.histogram.json.v1")))
    assert cli("schema-diff", "ionq.result.histogram.json.v1", "--served",
               str(served)).returncode == 0
    fake = FakeIonQ()
    fake.jobs["j1"] = FakeJob("j1", ["completed"], {"ionq.result.histogram.json.v1":
        fake.add_artifact("j1", "h", "ionq.result.histogram.json.v1", {"0": 3, "1": 1})},
        qubits=1)
    with serve(fake) as url:
        got = cli("fetch", "j1", "--base-url", url, "--wait", "0", "--to",
                  "ionq.result.histogram.json.v2")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {"histogram": {"registers": {"output_all": {"0": 3,
                                                                                 "1": 1}}}}
    assert "j1\th" in cli("cache", "list").stdout
    assert "deleted 1" in cli("cache", "clear", "--yes").stdout
    # bad input: one line on stderr, the documented exit codes
    for args, code in ((("schema", "nope.v1"), 2), (("validate", "-", "-f",
                        "ionq.result.histogram.json.v1"), 1), (("convert", "missing.json",
                        "--to", "qiskit.counts.json.v1"), 2)):
        r = cli(*args, stdin='{"0": -1}')
        assert r.returncode == code, (args, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip()


# -- detection never guesses silently (issue 11) -------------------------------------------------

AMBIGUOUS = '{"110": 3, "111": 5}'  # IonQ decimal states 110 and 111, or Qiskit bitstrings 6, 7


@pytest.mark.parametrize("command", [["show"], ["convert", "--to", "qiskit.counts.json.v1"],
                                     ["validate"], ["plot", "-o", "x.png"]])
def test_ambiguous_file_exits_2_naming_the_candidates(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "x.json"
    path.write_text(AMBIGUOUS)
    cmd, *rest = command
    rest = [str(tmp_path / r) if r == "x.png" else r for r in rest]
    code, out, err = run(cmd, str(path), *rest)
    assert code == 2 and out == ""
    assert "ionq.result.histogram.json.v1" in err and "qiskit.counts.json.v1" in err
    assert "--from" in err and err.count("\n") == 1


def test_ambiguous_file_works_with_from(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"10": 600, "11": 400}')
    code, out, err = run("convert", str(path), "--from", "qiskit.counts.json.v1", "--to",
                         "ionq.result.histogram.json.v1")
    assert code == 0 and json.loads(out) == {"2": 600, "3": 400} and err == ""
    code, out, _ = run("convert", str(path), "--from", "ionq.result.histogram.json.v1", "--to",
                       "qiskit.counts.json.v1")
    assert code == 0 and json.loads(out) == {"1010": 600, "1011": 400}
    code, out, _ = run("show", str(path), "--format", "qiskit.counts.json.v1")
    assert code == 0 and "1000 shots" in out
    code, out, err = run("detect", str(path))
    assert code == 0 and out.split() == ["ionq.result.histogram.json.v1",
                                         "qiskit.counts.json.v1", "qiskit.quasi.json.v1"]
    assert "ambiguous" in err


def test_detected_format_is_named_on_stderr(tmp_path: Path) -> None:
    code, out, err = run("convert", str(EXAMPLES / "histogram-v1.json"), "--to",
                         "ionq.result.probabilities.json.v1")
    assert code == 0 and json.loads(out)
    # the detected format, then what the target does not carry (counts -> probabilities: the
    # shot count), each on a line of its own
    assert err == f"qfmt: {EXAMPLES / 'histogram-v1.json'}: detected format " \
        "ionq.result.histogram.json.v1\n" \
        "qfmt: note: ionq.result.probabilities.json.v1 does not carry its shot count (1000)\n"
    code, _, err = run("show", str(QISKIT_EXAMPLES / "counts.json"))
    assert code == 0 and "detected format qiskit.counts.json.v1" in err
