"""The README's Python examples run as written (so the docs describe what the code does).

``run_block`` is shared with tests/test_docs.py, which runs the blocks of the pages in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of a Markdown file, in order."""
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def _python_blocks() -> list[str]:
    return python_blocks(README)


def run_block(block: str, label: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one documentation block from the repository root, as a reader would: a block that
    fetches (``qfmt.Client()``) against the local fake IonQ server, the plugin example as a plugin
    module in a fresh registry, any other block as it is."""
    monkeypatch.chdir(README.parent)  # the examples' paths are relative to the repository
    if "qfmt.Client()" in block:
        _run_against_local_server(block, tmp_path, monkeypatch)
        return
    if "@qfmt.hookimpl" in block:
        # the plugin example: import it as a module and register it in a fresh registry
        import qfmt

        reg = qfmt.Registry(entry_points=False)
        (tmp_path / "acme_readme.py").write_text(block)
        monkeypatch.syspath_prepend(str(tmp_path))
        import acme_readme  # type: ignore[import-not-found]

        reg.add_plugin(acme_readme, "acme")
        assert dict(qfmt.load({"3": 2}, "acme.counts.v1", num_qubits=2, registry=reg)) == {3: 2}
        assert qfmt.convert({"3": 2}, "acme.counts.v1", "ionq.result.histogram.json.v2",
                            registry=reg) == \
            {"histogram": {"registers": {"output_all": {"11": 2}}}}
        assert "acme.counts.v1" not in qfmt.default_registry().ids(discover=False)
        return
    exec(compile(block, label, "exec"), {})


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  ) -> None:
    run_block(_python_blocks()[index], f"README.md block {index}", tmp_path, monkeypatch)


def test_readme_quick_start_shows_right_values() -> None:
    ns: dict[str, object] = {}
    exec(_python_blocks()[0], ns)
    counts = ns["counts"]
    assert repr(counts) == "Counts({0: 500, 1: 250, 3: 250}, width=2)"
    assert "{'histogram': {'registers': {'output_all': {'00': 50, '11': 50}}}}" in \
        README.read_text()


def _run_against_local_server(block: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetching example, against tests/plugins/ionq/server.py on 127.0.0.1 with the README's ids."""
    import qfmt
    from tests.plugins.ionq.server import FakeIonQ, FakeJob, serve

    fake = FakeIonQ()
    single, parent = "06a2099c-f845-7208-8000-8111ee2dccbc", "06a2099c-f846-7d32-8000-5726853513db"
    examples = README.parent / "examples" / "ionq"
    fake.jobs[single] = FakeJob(single, ["started", "completed"], {
        "ionq.result.histogram.json.v1": fake.add_artifact(
            single, "h", "ionq.result.histogram.json.v1",
            (examples / "histogram-v1.json").read_bytes()),
        "ionq.result.shots.json.v2": fake.add_artifact(
            single, "s", "ionq.result.shots.json.v2", (examples / "shots-v2.json").read_bytes())},
        qubits=3)
    fake.jobs[parent] = FakeJob(parent, ["failed"], child_job_ids=["c1", "c2"],
                                failure={"code": "QuantumComputerError", "message": "c2"})
    fake.jobs["c1"] = FakeJob("c1", ["completed"], {"ionq.result.histogram.json.v1":
                              fake.add_artifact("c1", "h", "ionq.result.histogram.json.v1",
                                                {"0": 5})}, qubits=1)
    fake.jobs["c2"] = FakeJob("c2", ["failed"], failure={"code": "InternalError", "message": "x"})
    fake.schemas["ionq.result.histogram.json.v1"] = qfmt.schema("ionq.result.histogram.json.v1")
    with serve(fake) as url:
        monkeypatch.setenv("IONQ_API_URL", url)
        monkeypatch.setenv("IONQ_API_KEY", "readme")
        monkeypatch.setenv("QFMT_CACHE_DIR", str(tmp_path / "cache"))
        ns: dict[str, object] = {}
        exec(compile(block.replace("wait=5", "wait=0.01"), "fetch block", "exec"), ns)
    assert ns["result"].get_counts().shots() == 1000  # type: ignore[attr-defined]
    assert all(auth == "apiKey readme" for _, _, auth in fake.requests)
