"""The surface people touch: ``qfmt formats`` (full ids, piped or on a terminal), ``qfmt plugins``,
``QFMT_BLOCK_PLUGINS``, and the packaging metadata (one version, the license)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import qfmt
from qfmt import Registry, cli
from qfmt.cli import main
from tests.helpers import FIXTURES, make_dist

REPO = Path(__file__).parents[2]


def _loaded_ids() -> list[str]:
    return sorted({r.id for r in qfmt.formats() if r.status != "failed"})


def test_formats_piped_prints_every_full_id_once_per_line(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "qfmt", "formats"], capture_output=True, text=True,
                       cwd=tmp_path, env={**os.environ, "COLUMNS": "40"}, check=True)
    assert r.stdout.splitlines() == _loaded_ids()
    assert "ionq.result.probabilities-aggregate.json.v1" in r.stdout.splitlines()


def test_formats_ids_flag_and_table_flag() -> None:
    runner = CliRunner()
    ids = runner.invoke(main, ["formats", "--ids"], catch_exceptions=False)
    assert ids.exit_code == 0 and ids.stdout.splitlines() == _loaded_ids()
    table = runner.invoke(main, ["formats", "--table"], catch_exceptions=False)
    assert table.exit_code == 0 and "format id" in table.stdout and "loaded" in table.stdout


def test_formats_on_a_narrow_terminal_never_truncates_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(record=True, width=60, force_terminal=True)
    monkeypatch.setattr(cli, "_is_terminal", lambda: True)
    monkeypatch.setattr(cli, "_console", lambda: console)
    r = CliRunner().invoke(main, ["formats"], catch_exceptions=False)
    assert r.exit_code == 0
    lines = console.export_text().splitlines()
    assert any("format id" in line for line in lines)
    for fid in _loaded_ids():
        # each id whole on one line of the table, not cut with an ellipsis or folded
        assert any(fid in line for line in lines), fid
    assert "…" not in "".join(line.split("│")[1] for line in lines if line.count("│") > 2)


def test_plugins_lists_builtins_with_their_formats() -> None:
    r = CliRunner().invoke(main, ["plugins", "--json"], catch_exceptions=False)
    assert r.exit_code == 0
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    ionq = rows["qfmt.plugins.ionq"]
    assert ionq["builtin"] is True and ionq["status"] == "loaded" and ionq["error"] is None
    assert (ionq["distribution"], ionq["version"]) == ("qfmt", qfmt.__version__)
    assert "ionq.result.histogram.json.v1" in ionq["formats"]
    builtin_ids = {fid for row in rows.values() if row["builtin"] for fid in row["formats"]}
    assert builtin_ids == {i.id for i in qfmt.formats() if i.builtin}
    table = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["plugins"], catch_exceptions=False)
    assert "qfmt.plugins.ionq (built-in)" in table.stdout and "loaded" in table.stdout


def test_registry_plugins_report_loaded_failed_and_partly_failed(site: Path,
                                                                 registry: Registry) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.1")
    make_dist(site, "raising-qfmt", {"raising": "raising_qfmt"}, "0.2")
    make_dist(site, "halfbad-qfmt", {"halfbad": "halfbad_qfmt"})
    with pytest.warns(RuntimeWarning):
        rows = {r.name: r for r in registry.plugins()}
    acme = rows["acme"]
    assert (acme.distribution, acme.version, acme.formats, acme.status, acme.error,
            acme.builtin) == ("acme-qfmt", "2.5", ("acme.counts.v1",), "loaded", None, False)
    assert rows["broken"].status == "failed" and rows["broken"].formats == ()
    assert "import failed" in (rows["broken"].error or "")
    assert rows["raising"].status == "failed" and "boom" in (rows["raising"].error or "")
    assert rows["raising"].distribution == "raising-qfmt"
    half = rows["halfbad"]
    assert half.status == "loaded" and "half.good.v1" in half.formats
    assert "half.badid.v1" not in half.formats and "half.badid.v1" in (half.error or "")
    names = [r.name for r in registry.plugins()]
    assert names.index("qfmt.plugins.ionq") < names.index("acme")  # built-ins first


def test_block_plugins_skips_named_entry_points(site: Path, registry: Registry,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    make_dist(site, "acme-fork", {"fork": "acme_dup_qfmt"}, "3.0")
    monkeypatch.setenv("QFMT_BLOCK_PLUGINS", " fork , nothing-by-this-name")
    # without the block, both claim acme.counts.v1 (a conflict); blocked, acme provides it alone
    assert registry.get("acme.counts.v1").description == "ACME counts"
    with pytest.raises(qfmt.UnknownFormatError):
        registry.get("dup.only.v1")
    assert "acme_dup_qfmt" not in sys.modules  # never imported
    rows = {r.name: r for r in registry.plugins()}
    assert (rows["fork"].status, rows["fork"].distribution, rows["fork"].version,
            rows["fork"].formats) == ("blocked", "acme-fork", "3.0", ())
    assert rows["acme"].status == "loaded"
    assert "nothing-by-this-name" not in rows
    assert {r.plugin for r in qfmt.formats(registry=registry)} >= {"acme"}
    assert "fork" not in {r.plugin for r in qfmt.formats(registry=registry)}


def test_block_plugins_through_the_command_line(site: Path) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    make_dist(site, "hello-qfmt", {"hello": "hello_qfmt"}, "1.0")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(FIXTURES)]),
           "QFMT_BLOCK_PLUGINS": "hello,acme"}
    env.pop("QFMT_DISABLE_PLUGINS", None)
    r = subprocess.run([sys.executable, "-m", "qfmt", "plugins", "--json"], env=env, cwd=site,
                       capture_output=True, text=True, check=True)
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["acme"]["status"] == rows["hello"]["status"] == "blocked"
    assert rows["hello"]["distribution"] == "hello-qfmt"
    # a blocked plugin adds no command and no format
    hello = subprocess.run([sys.executable, "-m", "qfmt", "hello"], env=env, cwd=site,
                           capture_output=True, text=True)
    assert hello.returncode == 2 and "hello" in hello.stderr
    ids = subprocess.run([sys.executable, "-m", "qfmt", "formats"], env=env, cwd=site,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert "acme.counts.v1" not in ids and "ionq.result.histogram.json.v1" in ids


def test_version_and_license_have_one_source() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" not in meta and "version" in meta["dynamic"]
    assert meta["license"] == "Apache-2.0" and meta["license-files"] == ["LICENSE"]
    assert "Apache License" in (REPO / "LICENSE").read_text()
    extras = set(meta["optional-dependencies"]) - {"all", "test", "dev", "docs"}  # docs: site tools
    (everything,) = meta["optional-dependencies"]["all"]
    assert set(everything.removeprefix("qfmt[").removesuffix("]").split(",")) == extras


def test_an_unknown_id_names_the_plugin_that_failed_or_is_blocked(
        site: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    # a plugin named like the id's first part failed to import (a missing dependency)
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.3")
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    monkeypatch.setenv("QFMT_BLOCK_PLUGINS", "acme")
    with pytest.warns(RuntimeWarning, match="broken"), \
            pytest.raises(qfmt.UnknownFormatError) as failed:
        registry.get("broken.counts.v1")
    message = str(failed.value)
    assert "plugin 'broken' (distribution broken-qfmt)" in message and "failed to load" in message
    assert "a_module_that_does_not_exist" in message and "\n" not in message
    with pytest.raises(qfmt.UnknownFormatError, match="blocked by QFMT_BLOCK_PLUGINS"):
        registry.get("acme.counts.v1")
    # an id no failed or blocked plugin is named like keeps the suggestions
    with pytest.raises(qfmt.UnknownFormatError, match="did you mean") as other:
        registry.get("ionq.result.histogram.json.v3")
    assert other.value.hint is None
