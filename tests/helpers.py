"""Helpers shared by the tests of third-party plugins."""

from __future__ import annotations

from pathlib import Path

#: tiny third-party plugins, importable when this folder is on sys.path
FIXTURES = Path(__file__).parent / "fixtures" / "plugins"


def make_dist(site: Path, dist: str, entry_points: dict[str, str], version: str = "1.0") -> None:
    """Write an installed distribution's metadata (a ``*.dist-info`` with ``entry_points.txt``
    in group ``qfmt.formats``) into ``site``, a folder on ``sys.path`` (or ``PYTHONPATH`` of a
    subprocess): the entry points are then visible to ``importlib.metadata``."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[qfmt.formats]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def outcome_formats() -> list[str]:
    """The built-in formats of outcome data (counts, probabilities, shots, results of them):
    every format but those of expectation values, which no outcome data converts to or from."""
    import qfmt

    out = []
    for info in qfmt.formats():
        if not info.builtin or info.status != "loaded":
            continue
        f = qfmt.default_registry().get(info.id)
        if qfmt.Expectations not in (f.produces, f.element):
            out.append(info.id)
    return sorted(set(out))
