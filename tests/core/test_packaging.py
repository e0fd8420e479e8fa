"""What an install puts on sys.path: the `qfmt` package with its plugins and schemas, and no
top-level `core`, `plugins` or `schemas` modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import qfmt

REPO = Path(__file__).parents[2]


def test_installed_layout_from_outside_the_repo(tmp_path: Path) -> None:
    code = """
import importlib.util, json, qfmt
from importlib import resources
names = sorted(p.name for p in resources.files("qfmt.schemas").iterdir() if p.suffix == ".json")
print(json.dumps({
    "qfmt": qfmt.__file__,
    "stray": [m for m in ("core", "plugins", "schemas") if importlib.util.find_spec(m)],
    "schemas": names,
    "typed": resources.files("qfmt").joinpath("py.typed").is_file(),
    "plugins": qfmt.load({"0": 1}, "ionq.result.histogram.json.v1")[0],
}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout
    info = json.loads(out)
    assert info["stray"] == []
    assert len(info["schemas"]) >= 7 and "ionq.result.shots.json.v2.json" in info["schemas"]
    assert info["typed"] and info["plugins"] == 1


def test_version_matches_metadata() -> None:
    from importlib import metadata

    assert metadata.version("qfmt") == qfmt.__version__


def test_building_the_wheel_prints_no_deprecation_warning(tmp_path: Path) -> None:
    """Packaging metadata in today's form (SPDX license, license-files, one version source): the
    build backend has nothing to warn about. Built offline, from a copy of the tree, with the
    setuptools of the test extra."""
    import shutil

    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache", "site"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, timeout=300)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-2000:]
    assert [p.name for p in (tmp_path / "dist").iterdir()] == [f"qfmt-{qfmt.__version__}-py3-none-any.whl"]
    warned = [line for line in log.splitlines() if "deprecat" in line.lower()]
    assert not warned, warned[:5]
