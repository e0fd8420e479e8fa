"""The documentation site (docs/, mkdocs.yml): its Python examples run as written, every public
name has an API reference entry, and every page, include and reference entry points at something
real. (`mkdocs build --strict` itself runs in .ci/run: it needs the `docs` extra.)"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

import qfmt
import qfmt.kit
import qfmt.testing
from tests.test_readme import README, python_blocks, run_block

ROOT = README.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
BLOCKS = [(page, i) for page in PAGES for i in range(len(python_blocks(page)))]
# `::: identifier` lines of mkdocstrings, at the start of a line
ENTRY = re.compile(r"^::: ([\w.]+)\s*$", re.M)
SNIPPET = re.compile(r'^--8<-- "([^"]+)"\s*$', re.M)


def _rel(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


@pytest.mark.parametrize(("page", "index"), BLOCKS,
                         ids=[f"{_rel(p)}#{i}" for p, i in BLOCKS])
def test_docs_python_block_runs(page: Path, index: int, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    block = python_blocks(page)[index]
    run_block(block, f"docs/{_rel(page)} block {index}", tmp_path, monkeypatch)


def test_the_docs_have_examples_where_the_readme_had_them() -> None:
    # the long README sections moved here with their examples: each of these pages runs some
    for name in ("detection.md", "cli.md", "plugins.md", "jobs.md", "mitigation.md",
                 "scaling.md", "formats/qiskit.md", "formats/braket.md", "formats/cirq.md",
                 "formats/pytket.md", "formats/azure.md", "formats/stim.md", "api/kit.md"):
        assert python_blocks(DOCS / name), name


def _resolve(identifier: str) -> object:
    """The object an mkdocstrings identifier names: the longest importable module prefix, then
    attributes."""
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(identifier)


def _entries() -> list[str]:
    return [m for page in sorted((DOCS / "api").glob("*.md"))
            for m in ENTRY.findall(page.read_text())]


def test_every_reference_entry_names_a_real_object() -> None:
    entries = _entries()
    assert len(entries) > 100
    for identifier in entries:
        _resolve(identifier)  # raises if the name went stale
    assert len(entries) == len(set(entries)), "a name has two entries"


@pytest.mark.parametrize("module", [qfmt, qfmt.kit, qfmt.testing], ids=lambda m: m.__name__)
def test_every_public_name_has_a_reference_entry(module: object) -> None:
    documented: dict[str, list[object]] = {}
    for identifier in _entries():
        documented.setdefault(identifier.rsplit(".", 1)[-1], []).append(identifier)
    missing = []
    for name in module.__all__:  # type: ignore[attr-defined]
        target = getattr(module, name)
        if not any(_resolve(i) is target for i in documented.get(name, [])):  # type: ignore[arg-type]
            missing.append(name)
    assert not missing, f"{module.__name__}: no `::: ...` entry in docs/api/ for {missing}"  # type: ignore[attr-defined]


def test_the_strategies_module_has_a_reference_page() -> None:
    assert "qfmt.testing.strategies" in _entries()


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    nav = set(re.findall(r":\s+([\w/.-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    assert nav == {_rel(p) for p in PAGES}


def test_includes_name_real_files_and_sections() -> None:
    for page in PAGES:
        for target in SNIPPET.findall(page.read_text()):
            path, _, section = target.partition(":")
            text = (ROOT / path).read_text()
            if section:
                assert f"--8<-- [start:{section}]" in text, (page, target)
                assert f"--8<-- [end:{section}]" in text, (page, target)


def test_the_readme_tables_are_included_whole() -> None:
    """The format table and the bit-order table live in the README; the site includes them."""
    text = README.read_text()
    formats = text.split("--8<-- [start:formats] -->", 1)[1].split("<!-- --8<-- [end:formats]")[0]
    assert formats.count("\n| `") == len(qfmt.default_registry().ids(discover=False))
    bitorder = text.split("--8<-- [start:bitorder] -->", 1)[1].split("<!-- --8<-- [end:bitorder]")[0]
    for fid in qfmt.default_registry().ids(discover=False):
        assert f"| `{fid}` |" in formats and f"| `{fid}` |" in bitorder, fid


def test_qiskit_page_comments_state_real_values() -> None:
    """The values the Qiskit page's comments promise, computed."""
    text = (DOCS / "formats" / "qiskit.md").read_text()
    r = qfmt.load((ROOT / "examples/qiskit/result.json").read_text(), "qiskit.result.json.v1")
    shown = qfmt.marginal_counts(r, [0, 2]).get_counts()
    assert f"# {shown}" in text
    h = qfmt.load({"1": 7, "2": 3}, "ionq.result.histogram.json.v1", num_qubits=2)
    assert f"# {h.most_frequent()}, {qfmt.marginal_distribution(h, [1]).display()}" in text
    assert repr(r.counts()).startswith("Counts({0: 457, ")
    assert repr(r.get_counts()).startswith("{'000': 457, ")


def _fence_doctests() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("griffe_doctest", DOCS / "griffe_doctest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fence_doctests


def test_doctest_examples_render_as_code_blocks() -> None:
    """The API reference fences ``>>>`` examples as ```` ```pycon ```` (Markdown would read them
    as nested blockquotes): mkdocs.yml loads the griffe extension, and it fences every example
    of every public docstring, output lines included, and nothing inside fenced code."""
    config = (ROOT / "mkdocs.yml").read_text()
    assert "docs/griffe_doctest.py:DoctestBlocks" in config
    fence = _fence_doctests()
    text = "Intro.\n>>> f(1,\n...   2)\n3\n\nAfter.\n\n```python\n>>> kept\n```\n"
    assert fence(text) == ("Intro.\n\n```pycon\n>>> f(1,\n...   2)\n3\n```\n\nAfter.\n\n"
                           "```python\n>>> kept\n```\n")
    import inspect

    seen = 0
    for module in (qfmt, qfmt.kit, qfmt.testing):
        for name in module.__all__:
            doc = inspect.getdoc(getattr(module, name)) or ""
            if ">>>" not in doc:
                continue
            seen += 1
            inside = False
            for line in fence(doc).splitlines():
                if line.strip().startswith("```"):
                    inside = not inside
                assert inside or not line.lstrip().startswith(">>>"), (name, line)
    assert seen >= 5
