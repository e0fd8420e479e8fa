"""The plugin registry: third-party formats through the ``qfmt.formats`` entry point, broken
plugins, conflicts, laziness, and the listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import qfmt
from qfmt import Registry
from tests.helpers import FIXTURES, make_dist

ACME = {"num_bits": 2, "counts": {"01": 3, "10": 1}}


def test_third_party_format_through_entry_point(site: Path, registry: Registry) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "2.5")
    c = qfmt.load(ACME, "acme.counts.v1", registry=registry)
    assert dict(c) == {1: 3, 2: 1} and c.width == 2
    # and it converts to and from the built-in formats through the canonical model
    assert qfmt.convert(ACME, "acme.counts.v1", "ionq.result.histogram.json.v1",
                        registry=registry) == {"1": 3, "2": 1}
    assert qfmt.convert({"1": 3}, "ionq.result.histogram.json.v1", "acme.counts.v1",
                        num_qubits=3, registry=registry) == {"num_bits": 3, "counts": {"001": 3}}
    row = next(r for r in qfmt.formats(registry=registry) if r.id == "acme.counts.v1")
    assert (row.plugin, row.distribution, row.version, row.status) == \
        ("acme", "acme-qfmt", "2.5", "loaded")
    assert "acme.counts.v1" in qfmt.detect(ACME, registry=registry)
    with pytest.raises(qfmt.PayloadError) as ei:
        qfmt.load({"num_bits": 2, "counts": {"01": -1}}, "acme.counts.v1", registry=registry)
    assert ei.value.path == '$.counts["01"]'
    # the default registry never saw it
    assert "acme.counts.v1" not in qfmt.default_registry().ids(discover=False)


def test_broken_plugins_warn_and_the_rest_keeps_working(site: Path, registry: Registry) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"}, "0.1")
    make_dist(site, "raising-qfmt", {"raising": "raising_qfmt"}, "0.2")
    with pytest.warns(RuntimeWarning) as rec:
        rows = qfmt.formats(registry=registry)
    messages = " ".join(str(w.message) for w in rec)
    assert "'broken'" in messages and "broken-qfmt" in messages
    assert "'raising'" in messages and "raising-qfmt" in messages and "boom" in messages
    failed = {r.plugin: r for r in rows if r.status == "failed"}
    assert set(failed) == {"broken", "raising"}
    assert "a_module_that_does_not_exist" in (failed["broken"].error or "")
    assert failed["raising"].distribution == "raising-qfmt"
    assert dict(qfmt.load(ACME, "acme.counts.v1", registry=registry)) == {1: 3, 2: 1}
    assert qfmt.load({"0": 1}, "ionq.result.histogram.json.v1", registry=registry)[0] == 1


def test_strict_mode_turns_plugin_failure_into_an_error(site: Path, registry: Registry,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "broken-qfmt", {"broken": "broken_qfmt"})
    monkeypatch.setenv("QFMT_STRICT_PLUGINS", "1")
    with pytest.raises(qfmt.PluginError, match="broken-qfmt") as ei:
        qfmt.formats(registry=registry)
    assert isinstance(ei.value, ImportError)


def test_disable_plugins_skips_third_party(site: Path, registry: Registry,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    monkeypatch.setenv("QFMT_DISABLE_PLUGINS", "1")
    assert "acme.counts.v1" not in {r.id for r in qfmt.formats(registry=registry)}
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load(ACME, "acme.counts.v1", registry=registry)
    assert "acme_qfmt" not in sys.modules


def test_duplicate_id_raises_for_that_id_only(site: Path, registry: Registry) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"}, "1.0")
    make_dist(site, "acme-fork", {"fork": "acme_dup_qfmt"}, "3.0")
    with pytest.raises(qfmt.FormatConflictError) as ei:
        qfmt.load(ACME, "acme.counts.v1", registry=registry)
    err = ei.value
    assert isinstance(err, LookupError)
    assert {p for p, _ in err.claimants} == {"acme", "fork"}
    assert {d for _, d in err.claimants} == {"acme-qfmt", "acme-fork"}
    assert "qfmt.prefer" in str(err) and "acme-fork" in str(err) and "acme-qfmt" in str(err)
    # other ids, from either plugin and built in, keep working
    assert dict(qfmt.load(ACME, "dup.only.v1", registry=registry)) == {1: 3, 2: 1}
    assert qfmt.load({"0": 1}, "ionq.result.histogram.json.v1", registry=registry)[0] == 1
    statuses = {(r.plugin, r.status) for r in qfmt.formats(registry=registry)
                if r.id == "acme.counts.v1"}
    assert statuses == {("acme", "conflict"), ("fork", "conflict")}
    # the documented ways to choose
    qfmt.prefer("acme.counts.v1", "fork", registry=registry)
    assert qfmt.schema("acme.counts.v1", registry=registry)["$id"] == "acme.counts.v1"
    assert dict(qfmt.load(ACME, "acme.counts.v1", registry=registry)) == {1: 3, 2: 1}
    assert registry.get("acme.counts.v1").description == "ACME counts, another implementation"


def test_prefer_through_environment(site: Path, registry: Registry,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "acme-qfmt", {"acme": "acme_qfmt"})
    make_dist(site, "acme-fork", {"fork": "acme_dup_qfmt"})
    monkeypatch.setenv("QFMT_PREFER", "acme.counts.v1=acme")
    assert qfmt.load(ACME, "acme.counts.v1", registry=registry).width == 2
    assert registry.get("acme.counts.v1").description == "ACME counts"


def test_third_party_claiming_a_builtin_id(site: Path, registry: Registry) -> None:
    make_dist(site, "shadow-qfmt", {"shadow": "shadow_qfmt"})
    with pytest.warns(RuntimeWarning, match="built-in"):
        rows = qfmt.formats(registry=registry)
    assert ("shadow", "conflict") in {(r.plugin, r.status) for r in rows}
    # the built-in stays in charge (stable behaviour whatever ran before) ...
    hist = "ionq.result.histogram.json.v1"
    assert dict(qfmt.load({"1": 2}, hist, registry=registry)) == {1: 2}
    # ... unless the user chooses the third-party one
    qfmt.prefer(hist, "shadow", registry=registry)
    assert dict(qfmt.load(ACME, hist, registry=registry)) == {1: 3, 2: 1}
    assert dict(qfmt.load({"1": 2}, hist)) == {1: 2}  # the default registry is untouched


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


def test_hand_added_plugin(site: Path) -> None:
    reg = Registry(entry_points=False)
    import acme_qfmt  # type: ignore[import-not-found]

    reg.add_plugin(acme_qfmt, "acme-by-hand")
    assert qfmt.load(ACME, "acme.counts.v1", registry=reg).width == 2
    assert {(r.id, r.plugin) for r in reg.listing() if not r.builtin} == \
        {("acme.counts.v1", "acme-by-hand")}
    # register() is for Formats; a plugin object gets a message naming the right method
    with pytest.raises(qfmt.FormatContractError, match="add_plugin"):
        reg.register(acme_qfmt)  # type: ignore[arg-type]


def test_format_options_come_from_signatures() -> None:
    f = qfmt.default_registry().get("ionq.result.probabilities.json.v1")
    assert f.load_options == {"num_qubits", "atol", "normalize"}
    assert f.dump_options == frozenset()  # join_registers is the conversion's, not the serializer's


# -- the registry as an object ----------------------------------------------------------------


def test_default_registry_is_the_one_behind_the_verbs(registry: Registry) -> None:
    assert qfmt.default_registry() is qfmt.default_registry()
    assert isinstance(qfmt.default_registry(), qfmt.Registry)
    empty = Registry(builtins=(), entry_points=False)
    assert empty.ids() == [] and qfmt.formats(registry=empty) == []
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load({"0": 1}, "ionq.result.histogram.json.v1", registry=empty)
    assert set(registry.ids(discover=False)) == set(qfmt.default_registry().ids(discover=False))


def _counts_format(fid: str = "mine.counts.v1", **changes: object) -> qfmt.Format:
    def parse(payload: object) -> qfmt.Counts:
        return qfmt.Counts({int(k): v for k, v in dict(payload).items()}, 2)  # type: ignore[call-overload]

    def serialize(counts: qfmt.Counts) -> dict[str, int]:
        return {str(k): v for k, v in dict(counts).items()}

    fields: dict[str, object] = {
        "id": fid, "description": "mine", "parse": parse, "serialize": serialize,
        "schema": {"$schema": "http://json-schema.org/draft-07/schema#", "$id": fid,
                   "type": "object", "additionalProperties": {"type": "integer"}},
        "produces": qfmt.Counts}
    fields.update(changes)
    return qfmt.Format(**fields)  # type: ignore[arg-type]


def test_register_a_format_in_code(registry: Registry) -> None:
    fmt = _counts_format()
    qfmt.register(fmt, registry=registry)
    assert dict(qfmt.load({"3": 5}, "mine.counts.v1", registry=registry)) == {3: 5}
    assert qfmt.convert({"1": 2}, "ionq.result.histogram.json.v1", "mine.counts.v1",
                        num_qubits=2, registry=registry) == {"1": 2}
    assert qfmt.detect({"3": 5}, registry=registry)  # the schema validator works
    row = next(r for r in qfmt.formats(registry=registry) if r.id == "mine.counts.v1")
    assert (row.plugin, row.status) == ("qfmt.register", "loaded")
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load({"3": 5}, "mine.counts.v1")  # only in that registry

    # an id that exists: a conflict, unless replace=True
    with pytest.raises(qfmt.FormatConflictError, match="replace=True"):
        qfmt.register(_counts_format(), registry=registry)
    with pytest.raises(qfmt.FormatConflictError, match="ionq"):
        qfmt.register(_counts_format("ionq.result.histogram.json.v1"), registry=registry)
    other = _counts_format(description="mine, again")
    qfmt.register(other, registry=registry, replace=True)
    assert registry.get("mine.counts.v1") is other
    replaced = _counts_format("ionq.result.histogram.json.v1")
    qfmt.register(replaced, registry=registry, replace=True)
    assert registry.get("ionq.result.histogram.json.v1") is replaced
    assert qfmt.default_registry().get("ionq.result.histogram.json.v1") is not replaced


def _id_is_int(f: qfmt.Format) -> qfmt.Format:
    return qfmt.Format(7, f.description, f.parse, f.serialize,  # type: ignore[arg-type]
                       f.schema, f.produces)


@pytest.mark.parametrize(("make", "rule"), [
    (lambda: _id_is_int(_counts_format()), "id must be a non-empty str"),
    (lambda: _counts_format(""), "id must be a non-empty str"),
    (lambda: _counts_format(schema={"$id": "other.v1", "type": "object"}),
     "schema $id is 'other.v1', not the format id"),
    (lambda: _counts_format(schema={"type": "object"}), "schema $id is None"),
    (lambda: _counts_format(schema={"$id": "mine.counts.v1", "type": 12}),
     "not a valid draft-07 schema"),
    (lambda: _counts_format(schema={"$id": "mine.counts.v1", "$schema":
                                    "https://json-schema.org/draft/2020-12/schema"}),
     "formats use draft-07"),
    (lambda: _counts_format(schema=[1]), "schema must be a JSON Schema object"),
    (lambda: _counts_format(produces=dict), "produces must be a canonical type"),
    (lambda: _counts_format(element=int), "element must be None or a canonical type"),
    (lambda: _counts_format(parse="parse"), "parse must be callable"),
    (lambda: _counts_format(serialize=None), "serialize must be callable"),
    (lambda: _counts_format(sniff=0.5), "sniff must be None or callable"),
    (lambda: _counts_format(sniff=lambda p: 0.9, score=0.9),
     "give sniff (a score read from the payload) or score (a constant), not both"),
    (lambda: _counts_format(sniff_raw=lambda raw: 0.9, score=0.9), "not both"),
    (lambda: _counts_format(score=1.5), "score must be None or a number in [0, 1]"),
    (lambda: _counts_format(score=float("nan")), "score must be None or a number in [0, 1]"),
    (lambda: _counts_format(score="0.9"), "score must be None or a number in [0, 1]"),
    (lambda: _counts_format(score=True), "score must be None or a number in [0, 1]"),
    (lambda: _counts_format(media_type=None), "media_type must be a str"),
    (lambda: _counts_format(media_type="csv"), "media_type must be a str"),
    (lambda: {"id": "x"}, "takes a qfmt.Format"),
])
def test_register_checks_the_format_contract(registry: Registry, make: Any, rule: str) -> None:
    with pytest.raises(qfmt.FormatContractError) as ei:
        qfmt.register(make(), registry=registry)
    err = ei.value
    assert rule in str(err) and rule in err.rule
    assert isinstance(err, qfmt.PluginError) and isinstance(err, TypeError)
    assert len(str(err).splitlines()) == 1
    assert "mine.counts.v1" not in registry.ids(discover=False)


def test_canonical_types_are_listed_once() -> None:
    assert qfmt._registry.canonical_types() == (
        qfmt.Counts, qfmt.ProbDistribution, qfmt.QuasiDistribution, qfmt.Memory,
        qfmt.RegisterMarginals, qfmt.Result, qfmt.Expectations)
    for t in qfmt._registry.canonical_types():
        qfmt._registry.check_format(_counts_format(produces=t))  # each one is accepted


def test_plugin_formats_breaking_the_contract_fail_alone(site: Path, registry: Registry) -> None:
    make_dist(site, "halfbad-qfmt", {"halfbad": "halfbad_qfmt"}, "0.3")
    with pytest.warns(RuntimeWarning) as rec:
        rows = qfmt.formats(registry=registry)
    failed = {r.id: r for r in rows if r.status == "failed"}
    assert set(failed) == {"half.badid.v1", "half.produces.v1", "half.schema.v1",
                           "'not a format'"}
    assert all(r.plugin == "halfbad" and r.distribution == "halfbad-qfmt"
               for r in failed.values())
    assert "schema $id is 'something.else.v1'" in (failed["half.badid.v1"].error or "")
    assert "produces must be a canonical type" in (failed["half.produces.v1"].error or "")
    assert "draft-07" in (failed["half.schema.v1"].error or "")
    assert "halfbad-qfmt" in " ".join(str(w.message) for w in rec)
    # the plugin's other formats keep working
    assert dict(qfmt.load(ACME, "half.good.v1", registry=registry)) == {1: 3, 2: 1}
    with pytest.raises(qfmt.UnknownFormatError):
        qfmt.load(ACME, "half.badid.v1", registry=registry)
    # a parser that returns something else than it declares names the format and the plugin
    with pytest.raises(qfmt.FormatContractError) as ei:
        qfmt.load(ACME, "half.liar.v1", registry=registry)
    assert "'half.liar.v1'" in str(ei.value) and "'halfbad'" in str(ei.value)
    assert "not the Counts" in str(ei.value)
    # detection skips the liar with a warning instead of failing for everyone
    with pytest.warns(RuntimeWarning, match="half.liar.v1"):
        assert "half.good.v1" in qfmt.detect(ACME, registry=registry)


def test_strict_mode_makes_a_contract_failure_an_error(site: Path, registry: Registry,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(site, "halfbad-qfmt", {"halfbad": "halfbad_qfmt"})
    monkeypatch.setenv("QFMT_STRICT_PLUGINS", "1")
    with pytest.raises(qfmt.FormatContractError, match=r"half\.badid\.v1"):
        qfmt.formats(registry=registry)


def test_validators_are_compiled_once_per_format_in_the_registry(registry: Registry) -> None:
    f = registry.get("ionq.result.histogram.json.v1")
    assert registry.validator(f) is registry.validator(f)
    other = Registry()
    assert other.validator(other.get(f.id)) is not registry.validator(f)
    # two formats with equal schemas each get their own validator, built from their schema
    a, b = _counts_format("a.v1"), _counts_format("b.v1")
    assert registry.validator(a).schema["$id"] == "a.v1"
    assert registry.validator(b).schema["$id"] == "b.v1"


def test_validate_raises_validation_error_with_every_problem() -> None:
    with pytest.raises(qfmt.ValidationError) as ei:
        qfmt.validate({"0": -1, "1": "x"}, "ionq.result.histogram.json.v1")
    err = ei.value
    assert isinstance(err, qfmt.PayloadError) and isinstance(err, ValueError)
    assert [p.path for p in err.problems] == ['$["0"]', '$["1"]']
    assert (err.format, err.path) == ("ionq.result.histogram.json.v1", '$["0"]')
    import pickle

    back = pickle.loads(pickle.dumps(err))
    assert [p.path for p in back.problems] == ['$["0"]', '$["1"]'] and str(back) == str(err)


def test_index_range_error_is_exported() -> None:
    with pytest.raises(qfmt.IndexRangeError) as ei:
        qfmt.marginal_distribution({0: 1, 3: 1}, [5])
    assert isinstance(ei.value, IndexError) and isinstance(ei.value, qfmt.ResultError)


# -- plugin commands on the command line ------------------------------------------------------


def test_plugin_cli_commands(site: Path) -> None:
    make_dist(site, "hello-qfmt", {"hello": "hello_qfmt"}, "0.9")
    make_dist(site, "clibad-qfmt", {"clibad": "clibad_qfmt"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(FIXTURES)])}
    for name in ("QFMT_DISABLE_PLUGINS", "QFMT_STRICT_PLUGINS"):
        env.pop(name, None)

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qfmt", *args], env=env, cwd=site,
                              input=stdin, capture_output=True, text=True, timeout=120)

    r = cli("hello", "--name", "Ada")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello, Ada, from a plugin\n"
    # the failing hook is warned about, naming plugin and distribution, and skipped
    assert "'clibad'" in r.stderr and "clibad-qfmt" in r.stderr and "boom" in r.stderr
    # a plugin command never replaces a built-in one
    assert "'convert'" in r.stderr and "exists already" in r.stderr
    r = cli("--help")
    assert r.returncode == 0 and "hello" in r.stdout and "Say hello" in r.stdout
    r = cli("convert", "-", "--from", "ionq.result.histogram.json.v1", "--to",
            "ionq.result.histogram.json.v2", "--num-qubits", "1", stdin='{"1": 4}')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"histogram": {"registers": {"output_all": {"1": 4}}}}
    # built-in commands do not read plugins at all
    assert "clibad" not in r.stderr
    env["QFMT_STRICT_PLUGINS"] = "1"
    r = cli("hello")
    assert r.returncode == 2 and "clibad-qfmt" in r.stderr and "Traceback" not in r.stderr
