"""The plugin registry: third-party formats through the ``qfmt.formats`` entry point, broken
plugins, conflicts, laziness, and the listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import qfmt
from qfmt._registry import Registry

FIXTURES = Path(__file__).parent / "fixtures" / "plugins"
FIXTURE_MODULES = {"acme_qfmt", "acme_dup_qfmt", "broken_qfmt", "raising_qfmt", "shadow_qfmt"}


def make_dist(site: Path, dist: str, entry_points: dict[str, str], version: str = "1.0") -> None:
    """Write an installed distribution's metadata (a ``*.dist-info``) into ``site``."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[qfmt.formats]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> Iterator[Path]:
    """A folder on sys.path where tests install tiny distributions; fixture plugin modules are
    importable and forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(FIXTURES))
    monkeypatch.delenv("QFMT_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("QFMT_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("QFMT_PREFER", raising=False)
    yield tmp_path
    for mod in FIXTURE_MODULES:
        sys.modules.pop(mod, None)


ACME = {"num_bits": 2, "counts": {"01": 3, "10": 1}}


def test_third_party_format_through_entry_point(site: Path) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    c = qfmt.load(ACME, "acme.counts.v1")
    assert dict(c) == {1: 3, 2: 1} and c.width == 2
    # and it converts to and from the built-in formats through the canonical model
    assert qfmt.convert(ACME, "acme.counts.v1", "ionq.result.histogram.json.v1") == \
        {"1": 3, "2": 1}
    assert qfmt.convert({"1": 3}, "ionq.result.histogram.json.v1", "acme.counts.v1",
                        num_qubits=3) == {"num_bits": 3, "counts": {"001": 3}}
    row = next(r for r in qfmt.formats() if r.id == "acme.counts.v1")
    assert (row.plugin, row.distribution, row.version, row.status) == \
        ("acme", "acme-qfmt", "2.5", "loaded")
    assert "acme.counts.v1" in qfmt.detect(ACME)
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load({"num_bits": 2, "counts": {"01": -1}}, "acme.counts.v1")
    assert ei.value.path == '$.counts["01"]'


def test_broken_plugins_warn_and_the_rest_keeps_working(site: Path) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.1")
    make_dist(site, "raising-qfmt", {"raising": "raising_qfmt"}, "0.2")
    with pytest.warns(RuntimeWarning) as rec:
        rows = qfmt.formats()
    messages = " ".join(str(w.message) for w in rec)
    assert "'broken'" in messages and "broken-qfmt" in messages
    assert "'raising'" in messages and "raising-qfmt" in messages and "boom" in messages
    failed = {r.plugin: r for r in rows if r.status == "failed"}
    assert set(failed) == {"broken", "raising"}
    assert "a_module_that_does_not_exist" in (failed["broken"].error or "")
    assert failed["raising"].distribution == "raising-qfmt"
    assert dict(qfmt.load(ACME, "acme.counts.v1")) == {1: 3, 2: 1}
    assert qfmt.load({"0": 1}, "ionq.result.histogram.json.v1")[0] == 1


def test_strict_mode_turns_plugin_failure_into_an_error(site: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"})
    monkeypatch.setenv("QFMT_STRICT_PLUGINS", "1")
    with pytest.raises(qfmt.PluginError, match="broken-qfmt") as ei:
        qfmt.formats()
    assert isinstance(ei.value, ImportError)


def test_disable_plugins_skips_third_party(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    monkeypatch.setenv("QFMT_DISABLE_PLUGINS", "1")
    assert "acme.counts.v1" not in {r.id for r in qfmt.formats()}
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load(ACME, "acme.counts.v1")
    assert "acme_qfmt" not in sys.modules


def test_duplicate_id_raises_for_that_id_only(site: Path) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "1.0")
    make_dist(site, "acme-fork", {"fork": "acme_dup_qfmt"}, "3.0")
    with pytest.raises(qfmt.FormatConflictError) as ei:
        qfmt.load(ACME, "acme.counts.v1")
    err = ei.value
    assert isinstance(err, LookupError)
    assert {p for p, _ in err.claimants} == {"acme", "fork"}
    assert {d for _, d in err.claimants} == {"acme-qfmt", "acme-fork"}
    assert "qfmt.prefer" in str(err) and "acme-fork" in str(err) and "acme-qfmt" in str(err)
    # other ids, from either plugin and built in, keep working
    assert dict(qfmt.load(ACME, "dup.only.v1")) == {1: 3, 2: 1}
    assert qfmt.load({"0": 1}, "ionq.result.histogram.json.v1")[0] == 1
    statuses = {(r.plugin, r.status) for r in qfmt.formats() if r.id == "acme.counts.v1"}
    assert statuses == {("acme", "conflict"), ("fork", "conflict")}
    # the documented ways to choose
    qfmt.prefer("acme.counts.v1", "fork")
    assert qfmt.schema("acme.counts.v1")["$id"] == "acme.counts.v1"
    assert dict(qfmt.load(ACME, "acme.counts.v1")) == {1: 3, 2: 1}


def test_prefer_through_environment(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    make_dist(site, "acme-fork", {"fork": "acme_dup_qfmt"})
    monkeypatch.setenv("QFMT_PREFER", "acme.counts.v1=acme")
    assert qfmt.load(ACME, "acme.counts.v1").width == 2


def test_third_party_claiming_a_builtin_id(site: Path) -> None:
    make_dist(site, "shadow-qfmt", {"shadow": "shadow_qfmt"})
    with pytest.warns(RuntimeWarning, match="built-in"):
        rows = qfmt.formats()
    assert ("shadow", "conflict") in {(r.plugin, r.status) for r in rows}
    # the built-in stays in charge (stable behaviour whatever ran before) ...
    assert dict(qfmt.load({"1": 2}, "ionq.result.histogram.json.v1")) == {1: 2}
    # ... unless the user chooses the third-party one
    qfmt.prefer("ionq.result.histogram.json.v1", "shadow")
    assert dict(qfmt.load(ACME, "ionq.result.histogram.json.v1")) == {1: 3, 2: 1}


def test_unknown_id_suggests_close_ids() -> None:
    with pytest.raises(qfmt.UnknownFormatError) as ei:
        qfmt.load({}, "ionq.result.histogram.json")
    assert isinstance(ei.value, KeyError)
    assert "ionq.result.histogram.json.v1" in ei.value.suggestions
    assert "did you mean" in str(ei.value)
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load({}, "ionq.qasm3.v1")  # a circuit format id: a clear error, not a guess


def test_listing_has_every_builtin_with_provenance() -> None:
    rows = {r.id: r for r in qfmt.formats()}
    for fid in ("ionq.result.probabilities.json.v1", "ionq.result.shots.json.v2",
                "ionq.result.probabilities-aggregate.json.v1"):
        assert rows[fid].status == "loaded" and rows[fid].distribution == "qfmt"
        assert rows[fid].version == qfmt.__version__ and rows[fid].builtin


def test_import_and_builtin_load_import_no_third_party_plugin(tmp_path: Path) -> None:
    make_dist(tmp_path, "acme-qfmt", {"acme": "acme_qfmt"})
    code = textwrap.dedent("""
        import json, sys
        import qfmt
        qfmt.load({"0": 1}, "ionq.result.histogram.json.v1")
        qfmt.convert({"0": 1}, "ionq.result.histogram.json.v1", "ionq.result.histogram.json.v2")
        before = "acme_qfmt" in sys.modules
        heavy = sorted(m for m in ("jsonschema", "cattrs", "click", "rich", "matplotlib", "httpx",
                                   "qiskit", "sqlite3")
                       if m in sys.modules)
        qfmt.formats()
        after = "acme_qfmt" in sys.modules
        print(json.dumps([before, after, heavy]))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(FIXTURES)])}
    env.pop("QFMT_DISABLE_PLUGINS", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout
    before, after, heavy = json.loads(out)
    assert before is False and after is True
    assert heavy == []  # import qfmt stays light: schemas validators and the CLI load lazily


def test_hand_registered_plugin(registry: Registry) -> None:
    sys.path.insert(0, str(FIXTURES))
    try:
        import acme_qfmt

        registry.register(acme_qfmt, "acme-by-hand")
        assert qfmt.load(ACME, "acme.counts.v1").width == 2
    finally:
        sys.path.remove(str(FIXTURES))
        sys.modules.pop("acme_qfmt", None)


def test_format_options_come_from_signatures() -> None:
    f = qfmt._registry.REGISTRY.get("ionq.result.probabilities.json.v1")
    assert f.load_options == {"num_qubits", "atol", "normalize"}
    assert f.dump_options == frozenset()  # join_registers is the conversion's, not the serializer's
