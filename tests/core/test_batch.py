"""qfmt.convert_many and `qfmt convert FILE... -o DIR` on a local pool and on a real
dask.distributed cluster (two worker processes on 127.0.0.1, started and closed here)."""

from __future__ import annotations

import concurrent.futures
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

import qfmt
from qfmt.cli import main

distributed = pytest.importorskip("distributed", reason="dask[distributed] is in the test extra")

EXAMPLES = Path(__file__).parents[2] / "examples"
PROBS_V2 = "ionq.result.probabilities.json.v2"
SHOTS_PQ = "qfmt.shots.parquet.v1"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    with distributed.Client(cluster) as cl:
        yield cl


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """The shipped examples (one GHZ run in every built-in format), plus a broken file."""
    folder = tmp_path / "in"
    folder.mkdir()
    files = []
    for sub in ("ionq", "qiskit"):
        for p in sorted((EXAMPLES / sub).glob("*.json")):
            dest = folder / f"{sub}-{p.name}"
            shutil.copy(p, dest)
            files.append(dest)
    bad = folder / "broken.json"
    bad.write_text('{"0": "x"}')
    return [*files, bad]


def serial(path: Path, dst: str, **options: Any) -> bytes:
    """One file converted in this process with the plain API: what a batch must write."""
    raw = path.read_bytes()
    found = qfmt.detect(raw)
    if not found or max(found.scores.values()) == 0:
        qfmt.load(raw)  # raises what a batch records: why no format reads the file
    out = qfmt.convert(raw, found[0], dst, **options)
    return out if isinstance(out, bytes) else orjson.dumps(out) + b"\n"


def check_against_serial(report: qfmt.BatchReport, files: list[Path], dst: str,
                         **options: Any) -> None:
    assert [r.path for r in report] == [str(f) for f in files]      # input order
    for f, rec in zip(files, report):
        try:
            expected = serial(f, dst, **options)
        except qfmt.QfmtError as exc:
            assert not rec.ok and rec.output is None, f
            assert rec.error is not None and rec.error.startswith(str(exc)), f
            assert not (Path(report.out_dir) / (f.stem + Path(rec.path).suffix)).exists()
            continue
        assert rec.ok, (f, rec.error)
        assert Path(rec.output).read_bytes() == expected, f
        assert rec.source == qfmt.detect(f.read_bytes())[0]


def test_dask_outputs_equal_serial_conversion_and_bad_files_are_reported(
        client: Any, inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = qfmt.convert_many([str(p) for p in inputs], PROBS_V2, out_dir=out,
                               executor=client.get_executor(), experiment=0)
    check_against_serial(report, inputs, PROBS_V2, experiment=0)
    failed = {Path(r.path).name: r for r in report.failed}
    refused = set()
    for f in inputs:
        try:
            serial(f, PROBS_V2, experiment=0)
        except qfmt.QfmtError:
            refused.add(f.name)
    assert set(failed) == refused and {"broken.json", "qiskit-quasi.json"} <= refused
    assert "no known format accepts" in (failed["broken.json"].error or "")
    assert failed["qiskit-quasi.json"].error_type == "LossyConversionError"
    assert isinstance(failed["qiskit-quasi.json"].exception, qfmt.LossyConversionError)
    assert not report.ok and len(report.succeeded) == len(inputs) - len(refused)
    assert report.summary().startswith(
        f"converted {len(inputs) - len(refused)} of {len(inputs)} files")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        Path(r.output).name for r in report.succeeded)                 # nothing else, no temps


def test_dask_parquet_batch_equals_local_pool_and_serial(client: Any, inputs: list[Path],
                                                         tmp_path: Path) -> None:
    shots = [p for p in inputs if "shots" in p.name or "memory" in p.name]
    many = [*shots, inputs[0].parent / "ionq-histogram-v1.json"]     # counts need sample=True
    on_dask = qfmt.convert_many(many, SHOTS_PQ, out_dir=tmp_path / "dask",
                                executor=client.get_executor(), chunksize=2)
    check_against_serial(on_dask, many, SHOTS_PQ)
    local = qfmt.convert_many(many, SHOTS_PQ, out_dir=tmp_path / "local", jobs=2)
    assert [(r.ok, r.error) for r in local] == [(r.ok, r.error) for r in on_dask]
    for a, b in zip(on_dask.succeeded, local.succeeded):
        assert Path(a.output).read_bytes() == Path(b.output).read_bytes()
    assert len(on_dask.succeeded) == len(shots) and all(
        r.error_type == "LossyConversionError" for r in on_dask.failed)


def test_globs_any_executor_and_unmatched_patterns(inputs: list[Path], tmp_path: Path) -> None:
    pattern = str(inputs[0].parent / "ionq-histogram-*.json")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        report = qfmt.convert_many([pattern, str(tmp_path / "nothing-*.json")],
                                   "qiskit.counts.json.v1", out_dir=tmp_path / "o",
                                   executor=pool, progress=False)
    assert [Path(r.path).name for r in report] == ["ionq-histogram-v1.json",
                                                   "ionq-histogram-v2.json", "nothing-*.json"]
    assert [r.ok for r in report] == [True, True, False]
    assert report[2].error == "no file matches this pattern"


def test_clashes_and_unknown_options_fail_before_any_work(inputs: list[Path],
                                                          tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    twin = other / inputs[0].name
    shutil.copy(inputs[0], twin)
    out = tmp_path / "never"
    with pytest.raises(qfmt.OptionError, match="would both be written to") as err:
        qfmt.convert_many([inputs[0], inputs[1], twin], PROBS_V2, out_dir=out)
    assert str(inputs[0]) in str(err.value) and str(twin) in str(err.value)
    with pytest.raises(qfmt.OptionError, match="shotz"):
        qfmt.convert_many(inputs[:2], PROBS_V2, out_dir=out, shotz=5)
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.convert_many(inputs[:2], "nope.v1", out_dir=out)
    # an output that would overwrite another input of the batch
    a, b = tmp_path / "a.json", tmp_path / "a.txt"
    shutil.copy(inputs[0], b)
    shutil.copy(inputs[1], a)
    with pytest.raises(qfmt.OptionError, match="written over the input"):
        qfmt.convert_many([b, a], PROBS_V2, out_dir=tmp_path)
    assert not out.exists()
    code = CliRunner().invoke(main, ["convert", str(inputs[0]), str(twin), "--to", PROBS_V2,
                                     "-o", str(out)]).exit_code
    assert code == 2 and not out.exists()


def test_cli_on_a_running_scheduler(cluster: Any, inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cli"
    r = CliRunner().invoke(main, ["convert", *map(str, inputs), "--to", PROBS_V2, "-o", str(out),
                                  "--experiment", "0", "--scheduler", cluster.scheduler_address],
                           catch_exceptions=False)
    refused = 0
    for f in inputs:
        try:
            serial(f, PROBS_V2, experiment=0)
        except qfmt.QfmtError:
            refused += 1
    assert r.exit_code == 1 and refused >= 2
    assert f"qfmt: error: {inputs[-1]}: " in r.stderr and "quasi.json" in r.stderr
    assert f"converted {len(inputs) - refused} of {len(inputs)} files to {out}" in r.stderr
    assert f"{refused} of {len(inputs)} files failed" in r.stderr
    for p in out.iterdir():
        assert p.read_bytes() == serial(inputs[0].parent / p.name, PROBS_V2, experiment=0)


def test_cli_starts_its_own_dask_cluster_and_takes_globs(inputs: list[Path],
                                                         tmp_path: Path) -> None:
    out = tmp_path / "own"
    pattern = str(inputs[0].parent / "ionq-shots-*.json")
    r = CliRunner().invoke(main, ["convert", pattern, "--to", SHOTS_PQ, "-o", str(out),
                                  "--executor", "dask", "-j", "1"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ionq-shots-v1.parquet",
                                                     "ionq-shots-v2.parquet"]
    for p in out.iterdir():
        assert p.read_bytes() == serial(inputs[0].parent / (p.stem + ".json"), SHOTS_PQ)


def test_cli_usage_errors(inputs: list[Path], tmp_path: Path) -> None:
    def run(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(main, ["convert", *args], catch_exceptions=False)
        return r.exit_code, r.stderr

    code, err = run(str(inputs[0]), str(inputs[1]), "--to", PROBS_V2, "-o", str(tmp_path / "x"),
                    "--scheduler", "tcp://127.0.0.1:1", "-j", "2")
    assert code == 2 and "-j" in err
    code, err = run(str(inputs[0]), "--to", PROBS_V2, "--executor", "dask")
    assert code == 2 and "for a batch" in err
    code, err = run(str(inputs[0]), str(inputs[1]), "--to", PROBS_V2, "-o", str(tmp_path / "x"),
                    "--executor", "local", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2


def _halfway(exc: BaseException) -> Any:
    """An ``open`` for qfmt._batch that writes half of a temporary file, then raises ``exc``."""
    real = open

    class Half:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Half:
            return self

        def __exit__(self, *args: Any) -> None:
            self.fh.close()

        def write(self, data: bytes) -> None:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise exc

    def fake(path: str, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real(path, mode, *args, **kwargs)
        return Half(fh) if "b" in mode and "x" in mode else fh

    return fake


def test_a_write_that_fails_midway_leaves_no_partial_output(
        inputs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qfmt._batch as batch

    out = tmp_path / "out"
    out.mkdir()
    kept = out / "ionq-shots-v1.parquet"
    kept.write_bytes(b"the previous, complete output")
    monkeypatch.setattr(batch, "open", _halfway(OSError(28, "No space left on device")),
                        raising=False)
    few = [p for p in inputs if "shots" in p.name] + [inputs[-1]]
    report = qfmt.convert_many(few, SHOTS_PQ, out_dir=out, jobs=1, progress=False)
    assert not any(r.ok for r in report)
    shots = [r for r in report if "shots" in r.path]
    assert shots and all(r.error == "No space left on device" for r in shots)
    assert [p.name for p in out.iterdir()] == [kept.name]              # no temp, no partial file
    assert kept.read_bytes() == b"the previous, complete output"


def test_a_process_killed_midway_leaves_no_partial_output(inputs: list[Path],
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = inputs[0].parent / "ionq-shots-v2.json"
    # the same Half writer as above, standalone: the child must not import pytest or dask
    code = f"""
import os, qfmt, qfmt._batch as batch
real = open
class Half:
    def __init__(self, fh): self.fh = fh
    def __enter__(self): return self
    def __exit__(self, *a): self.fh.close()
    def write(self, data):
        self.fh.write(data[: len(data) // 2]); self.fh.flush(); os._exit(9)
batch.open = lambda p, m="r", *a, **k: Half(real(p, m)) if "x" in m else real(p, m, *a, **k)
qfmt.convert_many([{str(src)!r}], {SHOTS_PQ!r}, src="ionq.result.shots.json.v2",
                  out_dir={str(out)!r}, jobs=1, progress=False)
"""
    root = Path(__file__).parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    names = [p.name for p in out.iterdir()]
    assert len(names) == 1 and names[0].endswith(".qfmt-partial")      # only the hidden temp
    assert not (out / "ionq-shots-v2.parquet").exists()
    again = qfmt.convert_many([src], SHOTS_PQ, out_dir=out, progress=False)   # a rerun completes
    assert again.ok and (out / "ionq-shots-v2.parquet").read_bytes() == serial(src, SHOTS_PQ)


def test_an_ambiguous_file_fails_in_a_batch_naming_the_candidates(tmp_path: Path) -> None:
    """A batch never guesses either: a file two formats read differently fails, the rest go."""
    amb = tmp_path / "amb.json"
    amb.write_text('{"110": 3, "111": 5}')  # Qiskit bitstrings, or IonQ decimal states 110, 111
    ok = tmp_path / "ok.json"
    ok.write_text('{"000": 3, "111": 5}')   # zero-padded: Qiskit counts
    report = qfmt.convert_many([str(amb), str(ok)], "ionq.result.histogram.json.v1",
                               out_dir=tmp_path / "out", jobs=1, progress=False)
    (bad,) = report.failed
    assert bad.path == str(amb) and bad.error_type == "AmbiguousFormatError"
    assert "qiskit.counts.json.v1" in (bad.error or "")
    assert [r.path for r in report.succeeded] == [str(ok)]
