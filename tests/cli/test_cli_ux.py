"""Issue 18, the command line people touch: spinners on a terminal only, ``--json`` outputs,
``--pretty``, ``-o newdir/``, ``--register``, ``show`` details, the path hint of ``qfmt.load``,
plugin warnings as one clean line, a dead server for ``fetch``, and shell completion."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner
from rich.console import Console

import qfmt
from qfmt import Registry, cli
from qfmt.cli import main
from tests.helpers import FIXTURES, make_dist

EXAMPLES = Path(__file__).parents[2] / "examples"
HIST_V2 = EXAMPLES / "ionq" / "histogram-v2.json"
QFMT_DIR = str(Path(qfmt.__file__).parent)
JOB = "617a1f8b-59d4-435d-aa33-695433d7155e"
# an IonQ v2 histogram of two registers and no output_all: no joint distribution exists
TWO_REGISTERS = {"histogram": {"registers": {"a": {"0": 10, "1": 5},
                                             "b": {"00": 7, "11": 8}}}}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def qfmt_process(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qfmt", *args], capture_output=True, text=True,
                          timeout=120, **kw)  # type: ignore[call-overload, no-any-return]


# -- 1. spinner and batch summary ----------------------------------------------------------------

def test_spinner_on_a_terminal_stderr_only_and_never_when_redirected() -> None:
    piped = qfmt_process("show", str(HIST_V2))
    assert piped.returncode == 0
    assert "\x1b" not in piped.stderr and "reading" not in piped.stderr
    assert "\x1b" not in piped.stdout
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "qfmt", "show", str(HIST_V2)],
                            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out = proc.stdout.read() if proc.stdout is not None else b""
    assert proc.wait(timeout=120) == 0
    reader.join(timeout=30)
    os.close(master)
    err = b"".join(chunks)
    assert f"reading {HIST_V2}".encode() in err and b"\x1b[" in err  # the spinner, on stderr
    assert b"reading" not in out and b"\x1b" not in out and b"452" in out


def test_busy_spinner_renders_on_the_given_console_and_notes_print_above_it() -> None:
    console = Console(record=True, force_terminal=True, width=80)
    with cli._busy("converting big.json", console=console):
        cli._note("qfmt: big.json: detected format x")
    text = console.export_text()
    assert "qfmt: big.json: detected format x" in text


def test_batch_errors_have_the_error_prefix_and_the_summary_is_the_last_line(
        tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"0": "x"}')
    code, _, err = run("convert", str(HIST_V2), str(bad), "--to", "qiskit.counts.json.v1",
                       "-o", str(tmp_path / "out"), "-j", "1")
    assert code == 1
    lines = err.strip().splitlines()
    assert any(line.startswith(f"qfmt: error: {bad}: ") for line in lines)
    assert lines[-1].startswith("qfmt: converted 1 of 2 files") and "(1 failed)" in lines[-1]
    code, _, err = run("convert", str(HIST_V2), str(bad), "--to", "qiskit.counts.json.v1",
                       "-o", str(tmp_path / "out2"), "-j", "1", "--option", "nonsense=1")
    lines = err.strip().splitlines()
    assert code == 2 and lines[0].startswith("qfmt: error: ") and "nonsense" in lines[0]
    assert lines[-1].startswith("qfmt: converted 0 files")


# -- 2. --json and --pretty ----------------------------------------------------------------------

def test_detect_validate_show_json_as_a_real_subprocess(tmp_path: Path) -> None:
    detect = qfmt_process("detect", "--json", str(HIST_V2))
    assert detect.returncode == 0
    got = json.loads(detect.stdout)
    assert got["candidates"] == ["ionq.result.histogram.json.v2"] and got["ambiguous"] is False
    assert got["readings"][0][0] == "ionq.result.histogram.json.v2"
    assert got["scores"]["ionq.result.histogram.json.v2"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"histogram": {"registers": {"output_all": {"00": -1}}}}')
    valid = qfmt_process("validate", "--json", "-f", "ionq.result.histogram.json.v2", str(bad))
    assert valid.returncode == 1
    report = json.loads(valid.stdout)
    assert report["valid"] is False and report["format"] == "ionq.result.histogram.json.v2"
    problem = report["problems"][0]
    assert problem["format"] == "ionq.result.histogram.json.v2" and "output_all" in problem["path"]
    show = qfmt_process("show", "--json", "--top", "2", str(HIST_V2))
    assert show.returncode == 0
    item = json.loads(show.stdout)["items"][0]
    assert (item["kind"], item["shots"], item["width"], item["outcomes"]) == ("counts", 1000, 3, 8)
    assert [(t["bits"], t["value"]) for t in item["top"]] == [("000", 457), ("111", 452)]
    assert item["more"] == {"outcomes": 6, "value": 91}


def test_detect_json_of_an_unreadable_file_still_prints_json_and_exits_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text('{"nothing": "here"}')
    code, out, err = run("detect", "--json", str(junk))
    assert code == 1 and json.loads(out)["formats"] == [] and "qfmt: error:" in err


def test_validate_json_of_a_valid_file() -> None:
    code, out, _ = run("validate", "--json", str(HIST_V2))
    assert code == 0 and json.loads(out) == {"file": str(HIST_V2),
                                             "format": "ionq.result.histogram.json.v2",
                                             "valid": True, "problems": []}


def test_cache_list_json(tmp_path: Path) -> None:
    from qfmt.plugins.ionq._store import ArtifactStore

    env = {"QFMT_CACHE_DIR": str(tmp_path / "cache")}
    code, out, _ = run("cache", "list", "--json", env=env)
    assert code == 0 and json.loads(out) == []
    os.environ["QFMT_CACHE_DIR"] = env["QFMT_CACHE_DIR"]
    try:
        ArtifactStore().put(JOB, "results", b'{"0": 1}', format="ionq.result.histogram.json.v1")
    finally:
        del os.environ["QFMT_CACHE_DIR"]
    code, out, _ = run("cache", "list", "--json", env=env)
    [row] = json.loads(out)
    assert (row["job_id"], row["key"], row["format"], row["size"]) == \
        (JOB, "results", "ionq.result.histogram.json.v1", 8)
    assert len(row["sha256"]) == 64


def test_convert_pretty_indents_json_and_refuses_non_json(tmp_path: Path) -> None:
    code, out, _ = run("convert", str(HIST_V2), "--to", "qiskit.counts.json.v1", "--pretty")
    assert code == 0 and out.startswith('{\n  "000": 457,') and json.loads(out)["111"] == 452
    code, _, err = run("convert", str(HIST_V2), "--to", "qfmt.counts.parquet.v1", "--pretty",
                       "-o", str(tmp_path / "x.parquet"))
    assert code == 2 and "--pretty applies to JSON formats" in err
    assert not (tmp_path / "x.parquet").exists()


# -- 3. -o newdir/, --register, show ---------------------------------------------------------

def test_convert_into_a_new_folder_with_a_trailing_slash(tmp_path: Path) -> None:
    target = tmp_path / "newdir"
    r = qfmt_process("convert", str(HIST_V2), "--to", "qiskit.counts.json.v1", "-o",
                     f"{target}/")
    assert r.returncode == 0, r.stderr
    assert target.is_dir() and [p.name for p in target.iterdir()] == ["histogram-v2.json"]
    assert json.loads((target / "histogram-v2.json").read_text())["000"] == 457
    code, _, _ = run("convert", str(HIST_V2), "--to", "qfmt.counts.parquet.v1", "-o",
                     f"{tmp_path / 'pq'}/")
    assert code == 0
    assert qfmt.load(tmp_path / "pq" / "histogram-v2.parquet", "qfmt.counts.parquet.v1")[0] == 457


def test_register_selects_one_register_of_a_v2_payload_without_output_all(
        tmp_path: Path) -> None:
    src = tmp_path / "regs.json"
    src.write_text(json.dumps(TWO_REGISTERS))
    code, _, err = run("convert", str(src), "--to", "qiskit.counts.json.v1")
    assert code == 1 and "--register NAME" in err
    code, out, _ = run("convert", str(src), "--to", "qiskit.counts.json.v1", "--register", "b")
    assert code == 0 and json.loads(out) == {"00": 7, "11": 8}
    code, out, _ = run("convert", str(src), "--to", "ionq.result.histogram.json.v1",
                       "--register", "a")
    assert code == 0 and json.loads(out) == {"0": 10, "1": 5}
    code, _, err = run("convert", str(src), "--to", "qiskit.counts.json.v1", "--register", "c")
    assert code == 2 and err.splitlines()[-1] == \
        "qfmt: error: --register 'c': the payload's registers are ['a', 'b']"


def test_register_of_a_laid_out_result_keeps_that_register() -> None:
    result = qfmt.load(EXAMPLES / "qiskit" / "result.json", "qiskit.result.json.v1")
    counts = result.counts()
    laid = qfmt.kit.evolve(counts, layout=qfmt.RegisterLayout([("low", 1), ("high", 2)]))
    picked = cli._select_register(laid, "high")
    assert dict(picked) == dict(qfmt.marginal_distribution(counts, [1, 2]))
    assert picked.layout is None and picked.provenance[-1].kind == "register-selected"


def test_show_singular_bit_signed_quasi_share_and_experiment(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text('{"0": 3, "1": 1}')
    code, out, _ = run("show", str(one), "-f", "qiskit.counts.json.v1")
    assert code == 0 and "1 bit" in out and "1 bits" not in out
    quasi = tmp_path / "quasi.json"
    quasi.write_text('{"0": 1.2, "1": -0.2}')
    code, out, _ = run("show", str(quasi), "-f", "qiskit.quasi.json.v1")
    row = next(line for line in out.splitlines() if line.strip().startswith("1 "))
    assert "-20.0%" in row and "█" not in row
    code, out, _ = run("show", "--json", str(quasi), "-f", "qiskit.quasi.json.v1")
    shares = {t["outcome"]: t["share"] for t in json.loads(out)["items"][0]["top"]}
    assert shares == pytest.approx({0: 1.2, 1: -0.2})
    agg = EXAMPLES / "ionq" / "probabilities-aggregate.json"
    code, out, _ = run("show", "--json", str(agg))
    labels = [i["label"] for i in json.loads(out)["items"]]
    assert len(labels) > 1
    code, out, _ = run("show", "--json", str(agg), "--experiment", "1")
    assert [i["label"] for i in json.loads(out)["items"]] == [labels[1]]
    code, _, err = run("show", str(one), "--experiment", "0")
    assert code == 2 and "--experiment" in err


# -- 4. load's hint for a str path ----------------------------------------------------------

def test_load_of_a_str_naming_a_file_hints_at_pathlib(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file.json").write_text(HIST_V2.read_text())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load("file.json", "ionq.result.histogram.json.v2")
    assert "pass pathlib.Path('file.json') to read a file" in str(info.value)
    assert "\n" not in str(info.value) and info.value.path == "$"
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load("missing.json", "ionq.result.histogram.json.v2")
    assert "pathlib" not in str(info.value)
    with pytest.raises(qfmt.PayloadError) as info:
        qfmt.load('{"histogram": 1}', "ionq.result.histogram.json.v2")
    assert "pathlib" not in str(info.value)
    assert dict(qfmt.load(Path("file.json"), "ionq.result.histogram.json.v2").joint())[7] == 452


# -- 5. plugin warnings --------------------------------------------------------------------

def test_plugin_warnings_point_at_the_caller_not_at_qfmt(site: Path, registry: Registry) -> None:
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.1")
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    make_dist(site, "shadow-qfmt", {"shadow": "shadow_qfmt"}, "1.0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry.plugins()
    assert caught, "a failing plugin is warned about"
    for w in caught:
        assert issubclass(w.category, RuntimeWarning)
        assert not w.filename.startswith(QFMT_DIR), (w.filename, str(w.message))
        assert w.filename == __file__
    assert any("broken" in str(w.message) for w in caught)


def test_plugin_warnings_are_one_clean_line_in_the_cli(site: Path) -> None:
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.1")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(FIXTURES)])}
    for name in ("QFMT_DISABLE_PLUGINS", "QFMT_STRICT_PLUGINS", "QFMT_BLOCK_PLUGINS"):
        env.pop(name, None)
    r = qfmt_process("formats", env=env, cwd=site)
    assert r.returncode == 0
    lines = [line for line in r.stderr.splitlines() if "broken" in line]
    assert len(lines) == 1 and lines[0].startswith("qfmt: warning: qfmt plugin 'broken'")
    assert "RuntimeWarning" not in r.stderr and "warnings.warn" not in r.stderr
    assert "ionq.result.histogram.json.v1" in r.stdout


# -- 6. fetch against a dead server --------------------------------------------------------

def test_fetch_from_a_dead_server_is_one_clear_line() -> None:
    pytest.importorskip("httpx", reason="the client extra is part of the test extra")
    with socket.socket() as s:  # a port on which nothing listens once the socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = run("fetch", JOB, "--base-url", f"http://127.0.0.1:{port}", "--timeout",
                         "1", env={"IONQ_API_KEY": "test-key-not-real-0123456789"})
    assert code == 4 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qfmt: error: ")
    assert "refused" in lines[0].lower() and not lines[0].endswith("None")


def test_os_errors_without_a_file_name_never_say_none() -> None:
    assert cli.os_error_text(ConnectionRefusedError(111, "Connection refused")) == \
        "Connection refused"
    assert cli.os_error_text(FileNotFoundError(2, "No such file or directory", "a.json")) == \
        "No such file or directory: a.json"


# -- 7. shell completion -------------------------------------------------------------------

def _complete(args: list[str], incomplete: str) -> list[str]:
    comp = ShellComplete(main, {}, "qfmt", "_QFMT_COMPLETE")
    return [c.value for c in comp.get_completions(args, incomplete)]


@pytest.mark.parametrize("args", [["convert", "x.json", "--to"], ["convert", "--from"],
                                  ["validate", "--format"], ["show", "-f"], ["schema"],
                                  ["fetch", JOB, "--to"], ["schema-diff"]])
def test_completion_of_format_ids(args: list[str]) -> None:
    got = _complete(args, "ionq.result.hist")
    assert got == ["ionq.result.histogram.json.v1", "ionq.result.histogram.json.v2"]
    assert set(_complete(args, "")) == {r.id for r in qfmt.formats() if r.status != "failed"}


def test_completion_through_the_environment_protocol() -> None:
    env = {**os.environ, "_QFMT_COMPLETE": "bash_complete",
           "COMP_WORDS": "qfmt convert a.json --to qiskit.co", "COMP_CWORD": "4"}
    r = qfmt_process(env=env)
    assert r.returncode == 0 and r.stdout.split() == ["plain,qiskit.counts.json.v1"]
    source = qfmt_process(env={**os.environ, "_QFMT_COMPLETE": "bash_source"})
    assert "_qfmt_completion" in source.stdout and "complete -o nosort" in source.stdout
