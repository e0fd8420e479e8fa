"""Issue 23, a command line that never shows a traceback: every failure is one ``qfmt: error:``
line in the command line's words with the documented exit code (2 usage, 1 payload, 3 missing
extra, 130 interrupt), text from files and plugins is printed literally, and output for
machines draws no boxes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import qfmt
from qfmt import cli
from qfmt.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
HIST_V1 = EXAMPLES / "ionq" / "histogram-v1.json"  # 3 bits
QUASI = EXAMPLES / "qiskit" / "quasi.json"
RESULT = EXAMPLES / "qiskit" / "result.json"
PARQUET = EXAMPLES / "arrow" / "counts.parquet"
BOXES = set("┏┃━┡│└─┌┐┘╇╭╮╰╯")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def one_error(err: str) -> str:
    """The one ``qfmt: error:`` line of ``err`` (other lines may only be ``qfmt:`` notes)."""
    lines = err.splitlines()
    errors = [x for x in lines if x.startswith("qfmt: error: ")]
    assert len(errors) == 1, err
    assert all(x.startswith("qfmt: ") for x in lines), err
    assert "Traceback" not in err
    return errors[0]


# Python words a command-line error must not use: a call to make (``f()``), a keyword
# argument (``shots=``) other than in ``--option name=value``, a module path
PYTHON_WORDS = re.compile(r"\w\(\)|(?<![-\w])(?<!--option )[a-z_]+=(?!\w*[^\w\s])|qfmt\.\w+\(")


def assert_cli_words(line: str) -> None:
    text = re.sub(r"--option [a-z_]+=\S*", "", line)
    assert not PYTHON_WORDS.search(text), line
    assert "src=" not in line and "qfmt.formats()" not in line, line


# -- plot ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, says", [
    (["-o", "out.txt"], "-o 'out.txt'"),
    (["--size", "0x0", "-o", "a.png"], "--size 0x0"),
    (["--size", "9x", "-o", "a.png"], "--size takes WxH"),
    (["--size", "100000x10", "-o", "a.png"], "1 to 8000 pixels"),
    (["--top", "0", "-o", "a.png"], "--top"),
    (["--top", "-1", "-o", "a.png"], "--top"),
    (["--target", "010", "-o", "a.png"], "--target applies to --sort hamming"),
    (["--sort", "hamming", "-o", "a.png"], "--sort hamming needs --target"),
    (["--sort", "hamming", "--target", "0101", "-o", "a.png"], "--target '0101' has 4 bits"),
    (["--sort", "hamming", "--target", "0a1", "-o", "a.png"], "bitstring of 0 and 1"),
])
def test_plot_refuses_bad_arguments_with_exit_2_and_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = run("plot", str(HIST_V1), *args)
    line = one_error(err)
    assert code == 2 and says in line, err
    assert_cli_words(line)
    assert not list(tmp_path.iterdir())  # nothing written


def test_plot_without_o_writes_histogram_png_and_says_so(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("plot", str(HIST_V1), "--size", "300x200", "--sort", "hamming",
                         "--target", "111")
    assert code == 0, err
    assert (tmp_path / "histogram.png").read_bytes()[:4] == b"\x89PNG"
    assert out == "histogram.png\n"
    assert "qfmt: wrote histogram.png (PNG, 300x200 pixels)" in err


def test_plot_library_refuses_an_unknown_image_type_and_a_zero_size(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")
    from qfmt._plot import plot_histograms

    counts = qfmt.Counts({0: 3, 1: 4})
    with pytest.raises(qfmt.OptionError, match=r"\.png"):
        plot_histograms([("a", counts)], str(tmp_path / "out.txt"))
    with pytest.raises(qfmt.OptionError, match="positive"):
        plot_histograms([("a", counts)], str(tmp_path / "out.png"), size=(0, 0))
    assert not list(tmp_path.iterdir())


# -- detection: values are checked before a looser format takes the payload ---------------------

def test_negative_count_is_refused_with_the_histograms_reason(tmp_path: Path) -> None:
    bad = tmp_path / "neg.json"
    bad.write_text('{"0": -5}')
    for command in (["show"], ["convert", "--to", "qiskit.counts.json.v1"], ["validate"],
                    ["detect"]):
        code, out, err = run(*command, str(bad))
        line = one_error(err)
        assert code == 1, (command, err)
        assert "ionq.result.histogram.json.v1 refused it at $[\"0\"]: count must not be " \
               "negative, got -5" in line, line
        assert "100.0%" not in out and "quasi" not in err
        assert_cli_words(line)
    with pytest.raises(qfmt.PayloadError, match="count must not be negative"):
        qfmt.load('{"0": -5}')
    found = qfmt.detect('{"0": -5}')  # listed (the quasi format reads the numbers), scored 0
    assert list(found) == ["qiskit.quasi.json.v1"] and found.scores == {found[0]: 0.0}


def test_a_count_too_large_is_not_read_as_a_quasi_distribution(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"0": 99999999999999999999999999999999}')
    code, out, err = run("show", str(big))
    assert code == 1 and "100.0%" not in out
    assert "quasi" not in one_error(err)
    # named as a histogram, the count is too large (not "not a whole number")
    with pytest.raises(qfmt.PayloadError, match=r"count 1e\+32 exceeds 2\*\*64 - 1"):
        qfmt.load(big.read_bytes(), "ionq.result.histogram.json.v1")
    code, _, err = run("show", str(big), "--format", "ionq.result.histogram.json.v1")
    assert code == 1 and "exceeds 2**64 - 1" in one_error(err)


def test_a_quasi_distribution_summing_to_1_is_still_detected() -> None:
    assert qfmt.detect(QUASI.read_bytes())[0] == "qiskit.quasi.json.v1"
    assert qfmt.detect(b'{"00": 0.5, "11": 0.50002, "01": -0.00002}')[0] == \
        "qiskit.quasi.json.v1"


def test_load_of_a_file_name_without_a_format_hints_at_pathlib(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.chdir(tmp_path)
    Path("run.json").write_text('{"0": 5}')
    with pytest.raises(qfmt.PayloadError, match=r"pass pathlib\.Path\('run\.json'\) to read a "
                                                r"file") as info:
        qfmt.load("run.json")
    assert "not valid JSON" in str(info.value) and len(str(info.value).splitlines()) == 1
    code, _, err = run("show", "-", "--from", "ionq.result.histogram.json.v1")  # no hint on a CLI
    assert code == 1 and "pathlib" not in err


def test_parquet_without_pyarrow_names_the_extra_and_exits_3() -> None:
    block = ("import sys\n"
             "class Block:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] == 'pyarrow':\n"
             "            raise ImportError('blocked: ' + name)\n"
             "sys.meta_path.insert(0, Block())\n"
             "from qfmt.cli import main\n"
             "main(prog_name='qfmt')\n")
    for args in (["show", str(PARQUET)], ["detect", str(PARQUET)],
                 ["convert", str(PARQUET), "--to", "qiskit.counts.json.v1"],
                 ["show", str(PARQUET), "--from", "qfmt.counts.parquet.v1"]):
        out = subprocess.run([sys.executable, "-c", block, *args], capture_output=True,
                             text=True, timeout=120)
        line = one_error(out.stderr)
        assert out.returncode == 3, (args, out.stderr)
        assert "qfmt[arrow]" in line and "UTF-8" not in line


# -- CLI words, not Python words ----------------------------------------------------------------

@pytest.mark.parametrize("args, code, says", [
    (["convert", str(QUASI), "--to", "qiskit.counts.json.v1"], 1, "cannot become counts"),
    (["convert", str(HIST_V1), "--to", "nope.v1"], 2, "see `qfmt formats`"),
    (["schema", "nope.v1"], 2, "see `qfmt formats`"),
    (["convert", str(EXAMPLES / "ionq" / "probabilities-v1.json"), "--to",
      "qiskit.counts.json.v1"], 1, "--shots N"),
    (["convert", str(HIST_V1), "--to", "qiskit.counts.json.v1", "--num-qubits", "1"], 1,
     "--num-qubits 1"),
    (["convert", str(HIST_V1), "--to", "qiskit.counts.json.v1", "--option", "foo=1"], 2,
     "takes no --option foo; it takes "),
    (["convert", str(RESULT), "--to", "qiskit.counts.json.v1", "--experiment", "nope"], 2,
     "no experiment named 'nope'"),
    (["show", str(HIST_V1), "--num-qubits", "-1"], 2, "--num-qubits: -1 is outside"),
    (["fetch", "job-1", "--to", "nope.v1"], 2, "see `qfmt formats`"),
])
def test_errors_use_command_line_words(args: list[str], code: int, says: str) -> None:
    got, _, err = run(*args, env={"IONQ_API_KEY": "k"})
    line = one_error(err)
    assert got == code and says in line, err
    assert_cli_words(line)


def test_probabilities_that_do_not_sum_to_1_point_at_option_flags(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text('{"0": 0.5, "1": 0.6}')
    code, _, err = run("convert", str(bad), "--from", "ionq.result.probabilities.json.v1",
                       "--to", "qiskit.counts.json.v1")
    line = one_error(err)
    assert code == 1 and "--option normalize=true" in line and "--option atol=" in line
    assert_cli_words(line)
    code, _out, err = run("convert", str(bad), "--from", "ionq.result.probabilities.json.v1",
                          "--to", "qiskit.probabilities.json.v1", "--option", "normalize=true")
    assert code == 0, err
    for command in (["show"], ["plot", "-o", str(tmp_path / "p.svg")]):  # the flag they name
        code, _out, err = run(*command, str(bad), "--from", "ionq.result.probabilities.json.v1",
                              "--option", "normalize=true")
        assert code == 0, err
    assert "renormalized" in run("show", str(bad), "--from", "ionq.result.probabilities.json.v1",
                                 "--option", "normalize=true")[1]
    code, _out, err = run("show", str(bad), "--from", "ionq.result.probabilities.json.v1",
                          "--option", "shots=3")
    assert code == 2 and "takes no --shots" in one_error(err)


def test_cli_words_translates_options_and_keeps_payload_values() -> None:
    assert cli.cli_words("pass shots=N to allow it") == "pass --shots N to allow it"
    assert cli.cli_words("pass join_registers=True") == "pass --join-registers"
    assert cli.cli_words("or atol= to widen") == "or --option atol=VALUE to widen"
    assert cli.cli_words("pass join_registers=True or allow_loss='joint' to allow it") == \
        "pass --join-registers or --allow-loss joint to allow it"
    assert cli.cli_words("(quasi-probabilities may be negative: use "
                         "nearest_probability_distribution() first)") == \
        "(quasi-probabilities may be negative)"
    assert cli.cli_words("outcome 5 is wider than memory_slots=2") == \
        "outcome 5 is wider than memory_slots=2"  # a Qiskit header's field, not an option
    assert cli.cli_words("wider than memory_slots=2", ["memory_slots"]) == \
        "wider than --option memory_slots=2"  # the user passed it


@pytest.mark.parametrize("value, kind", [("atol=abc", "a number"), ("normalize=3", "true or false"),
                                         ("num_bits=x", "an integer or null")])
def test_a_bad_option_value_is_a_usage_error(value: str, kind: str) -> None:
    src = EXAMPLES / ("stim/shots.b8" if value.startswith("num_bits") else
                      "qiskit/probabilities.json")
    fmt = "stim.shots.b8" if value.startswith("num_bits") else "qiskit.probabilities.json.v1"
    code, _, err = run("convert", str(src), "--from", fmt, "--to", "qiskit.counts.json.v1",
                       "--shots", "10", "--option", value)
    line = one_error(err)
    assert code == 2 and f"takes {kind}" in line, err


def test_an_option_value_the_format_refuses_is_a_usage_error() -> None:
    code, _, err = run("convert", str(EXAMPLES / "stim" / "shots.b8"), "--from", "stim.shots.b8",
                       "--to", "stim.shots.01", "--option", "num_bits=-3")
    line = one_error(err)
    assert code == 2 and "--option num_bits: -3 is outside" in line, err
    assert_cli_words(line)


# -- batch ---------------------------------------------------------------------------------------

def test_batch_errors_name_the_file_once_and_keep_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_text('{"0": 5, "1": 7}')
    (folder / "neg.json").write_text('{"0": -5}')
    (folder / "text.json").write_text("not json")
    code, _, err = run("convert", str(folder / "*.json"), "--to", "qiskit.counts.json.v1",
                       "-o", str(tmp_path / "out"))
    assert code == 1, err
    errors = [x for x in err.splitlines() if x.startswith("qfmt: error: ")]
    assert len(errors) == 2, err
    for line in errors:
        name = re.match(r"qfmt: error: (\S+): ", line)
        assert name is not None and line.count(Path(name.group(1)).name) == 1, line
        assert_cli_words(line)
    neg = next(x for x in errors if "neg.json" in x)
    assert "count must not be negative" in neg
    text = next(x for x in errors if "text.json" in x)
    assert "not valid JSON" in text


# -- experiment, top, target ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [["show"], ["convert", "--to", "qiskit.counts.json.v1"]])
@pytest.mark.parametrize("value", ["²", "٣", "-²"])
def test_experiment_in_non_ascii_digits_is_refused(command: list[str], value: str) -> None:
    code, _, err = run(*command, str(RESULT), "--experiment", value)
    assert code == 2 and "ASCII digits" in one_error(err)


def test_show_top_must_not_be_negative() -> None:
    code, out, err = run("show", str(HIST_V1), "--top", "-1")
    assert code == 2 and "--top" in one_error(err) and out == ""
    code, out, _ = run("show", str(HIST_V1), "--top", "0")
    assert code == 0 and "(8 more)" in out


# -- literal text, no boxes when piped -----------------------------------------------------------

def test_file_names_are_printed_literally_never_as_markup(tmp_path: Path) -> None:
    path = tmp_path / "run[red].json"
    path.write_bytes(HIST_V1.read_bytes())
    code, out, _err = run("show", str(path))
    assert code == 0 and f"{path}  format ionq.result.histogram.json.v1" in out
    assert "\x1b" not in out


def test_busy_spinner_shows_the_file_name_literally() -> None:
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    with cli._busy("reading run[red].json", console=console):
        console.print("x")
    assert "run[red].json" in buf.getvalue()


def test_plugin_descriptions_keep_their_brackets_in_the_formats_table() -> None:
    code, out, _ = run("formats", "--table", env={"COLUMNS": "250"})
    assert code == 0 and "[display, probability, ...]" in out


def test_plugins_piped_draw_no_boxes_and_table_on_request() -> None:
    code, out, _ = run("plugins")
    assert code == 0 and not BOXES & set(out)
    first = out.splitlines()[0].split("\t")
    assert first[0].endswith("(built-in)") and first[-1] == "loaded" and len(first) == 5
    code, out, _ = run("plugins", "--table")
    assert code == 0 and BOXES & set(out)
    for args in (["plugins", "--json"], ["formats"], ["formats", "--json"],
                 ["show", str(HIST_V1), "--json"], ["detect", str(HIST_V1), "--json"]):
        code, out, _ = run(*args)
        assert code == 0 and not BOXES & set(out), args


# -- one error path: usage errors, bugs, Ctrl-C --------------------------------------------------

def test_click_usage_errors_are_one_line_with_exit_2() -> None:
    for args in (["show"], ["--bogus"], ["convert", str(HIST_V1)], ["show", str(HIST_V1),
                                                                    "--sort", "x"]):
        code, _out, err = run(*args)
        line = one_error(err)
        assert code == 2 and "--help" in line and "Usage:" not in err, (args, err)


def test_a_group_alone_still_shows_its_help() -> None:
    for args in ([], ["cache"]):
        r = CliRunner().invoke(main, args)
        assert "Usage:" in r.output and "Commands:" in r.output and "qfmt: error" not in r.output
        assert r.exit_code in (0, 2)  # click's own choice (2 since click 8.2)


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("something odd")

    monkeypatch.setattr(qfmt, "load", broken)
    code, _, err = run("convert", str(HIST_V1), "--to", "qiskit.counts.json.v1")
    line = one_error(err)
    assert code == 1 and "something odd" in line and "--debug" in line
    r = CliRunner().invoke(main, ["--debug", "convert", str(HIST_V1), "--to",
                                  "qiskit.counts.json.v1"])
    assert isinstance(r.exception, ValueError)


@pytest.mark.parametrize("args", [["show", str(HIST_V1)],
                                  ["convert", str(HIST_V1), "--to", "qiskit.counts.json.v1"],
                                  ["cache", "path"]])
def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        args: list[str]) -> None:
    def interrupted(*a: Any, **k: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_read", interrupted)
    from qfmt.plugins.ionq import _store

    monkeypatch.setattr(_store.ArtifactStore, "__init__", interrupted)
    code, _out, err = run(*args, env={"QFMT_CACHE_DIR": str(tmp_path)})
    assert code == 130 and one_error(err) == "qfmt: error: interrupted", err


def test_ctrl_c_at_a_prompt_exits_130() -> None:
    r = CliRunner().invoke(main, ["cache", "clear"], input=None)  # EOF at the prompt: Abort
    assert r.exit_code == 130 and "qfmt: error: interrupted" in r.stderr


def test_a_real_sigint_exits_130() -> None:
    """The process signals itself while reading its input: Python's own SIGINT handling, then
    the command line's, as when a user presses Ctrl-C."""
    code = ("import os, signal, time\n"
            "from qfmt import cli\n"
            "def read(path):\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    time.sleep(60)  # the KeyboardInterrupt comes first\n"
            "cli._read = read\n"
            "cli.main(['show', '-'], prog_name='qfmt')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 130 and out.stderr == "qfmt: error: interrupted\n", out.stderr


# -- nothing lost silently, on the command line (issue 22) -----------------------------------

def test_convert_prints_each_allowed_loss_and_refuses_the_others() -> None:
    permuted = Path(__file__).parents[1] / "corpus" / "braket" / "subset-permuted.json"
    code, _, err = run("convert", str(permuted), "--to", "qiskit.memory.json.v1")
    assert code == 1 and "measured qubits [3, 0, 4, 2]" in one_error(err)
    assert "--allow-loss bit-labels" in one_error(err)
    code, out, err = run("convert", str(permuted), "--to", "qiskit.memory.json.v1",
                         "--allow-loss", "bit-labels")
    assert code == 0 and json.loads(out)
    assert "qfmt: note: qiskit.memory.json.v1 does not carry measured qubits [3, 0, 4, 2]" in err


def test_shots_on_counts_is_an_error_not_ignored() -> None:
    code, out, err = run("convert", str(HIST_V1), "--to", "ionq.result.histogram.json.v2",
                         "--shots", "10")
    assert code != 0 and out == ""
    assert "--shots" in one_error(err) and "shots=" not in one_error(err)
