"""The walls of the architecture, read from the source: core's imports form a DAG, core is
vendor-neutral, and plugins use only the public API (``qfmt`` and ``qfmt.kit``).

The tests read the code's imports and string constants with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import qfmt
import qfmt.kit

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
PLUGINS = ROOT / "plugins"

#: Vendor words core must not use in code (docstrings may mention them: they are documentation).
VENDOR_WORDS = ("ionq", "output_all", "braket", "cirq", "pytket", "azure", "microsoft", "stim")
#: The one format id core may name: Qiskit's Result.to_dict() form, which Result.to_dict and
#: Result.from_dict are defined to produce (dispatched through the registry).
ALLOWED_IDS = {"qiskit.result.json.v1": {"_results.py"}}
#: The lazy aliases the issue keeps importable from qfmt (qfmt.Client, qfmt.to_qiskit...): the
#: only place core names a plugin module, and it imports none at import time.
LAZY_ALIASES = {"__init__.py"}


def _modules(folder: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path, ast.parse(path.read_text(), str(path))


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _strings(tree: ast.Module) -> Iterator[ast.Constant]:
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node


def _imports(tree: ast.Module) -> Iterator[tuple[ast.AST, str, list[str]]]:
    """(node, absolute-or-relative module name, imported names) for every import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node, "." * node.level + (node.module or ""), [a.name for a in node.names]


def _builtin_ids() -> set[str]:
    return {i.id for i in qfmt.formats() if i.builtin}


def test_core_is_vendor_neutral() -> None:
    """Nothing under core/ imports a plugin, and no code string of core names a vendor, a
    vendor register or a built-in format id (but the one Qiskit-defined ``to_dict`` id)."""
    ids = _builtin_ids()
    assert ids, "the built-in formats should be listed"
    problems = []
    for path, tree in _modules(CORE):
        rel = path.relative_to(CORE).as_posix()
        for node, module, _ in _imports(tree):
            if "plugins" in module.split(".") and rel not in LAZY_ALIASES:
                problems.append(f"{rel}:{node.lineno}: imports {module}")
            if "plugins" in module.split(".") and rel in LAZY_ALIASES and \
                    not _under_type_checking(tree, node):
                problems.append(f"{rel}:{node.lineno}: imports {module} at import time")
        for const in _strings(tree):
            text = const.value
            if text in ids and rel not in ALLOWED_IDS.get(text, set()):
                problems.append(f"{rel}:{const.lineno}: names format id {text!r}")
            low = text.lower()
            for word in VENDOR_WORDS:
                if word in low and not (rel in LAZY_ALIASES and text.startswith("plugins.")):
                    problems.append(f"{rel}:{const.lineno}: names {word!r} in {text[:60]!r}")
    assert problems == []


def _under_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    """True when ``target`` runs only for type checkers or when a function is called."""
    for node in ast.walk(tree):
        deferred = (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and
                    node.test.id == "TYPE_CHECKING") or \
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if deferred and any(target is n for n in ast.walk(node)):
            return True
    return False


def test_lazy_aliases_do_not_import_plugins_with_qfmt() -> None:
    """The lazy aliases really are lazy: ``import qfmt`` loads no plugin module."""
    import subprocess

    code = "import sys, qfmt; print(sorted(m for m in sys.modules if m.startswith('qfmt.plugins.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _public_names(module: str) -> set[str]:
    mod = __import__(module, fromlist=["_"])
    return set(getattr(mod, "__all__", ())) | {n for n in dir(mod) if not n.startswith("_")}


def test_plugins_use_only_the_public_kit() -> None:
    """A plugin (built-in or not) imports ``qfmt`` and ``qfmt.kit`` and public names from them,
    its own package, the standard library and third-party packages; never a private qfmt module
    or name, nor another vendor's package."""
    allowed = {"qfmt": _public_names("qfmt"), "qfmt.kit": set(qfmt.kit.__all__)}
    problems = []
    for path, tree in _modules(PLUGINS):
        rel = path.relative_to(PLUGINS).as_posix()
        own = "qfmt.plugins." + rel.split("/")[0] if "/" in rel else None
        for node, module, names in _imports(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if module.startswith("."):
                if module.startswith("..") or own is None:
                    problems.append(f"{where}: relative import {module} leaves its package")
                continue
            if module != "qfmt" and not module.startswith("qfmt."):
                continue
            if own is not None and (module == own or module.startswith(own + ".")):
                continue
            if module not in allowed:
                problems.append(f"{where}: imports {module}")
                continue
            bad = [n for n in names if n not in allowed[module]]
            if bad:
                problems.append(f"{where}: imports private {module} names {bad}")
        problems += [f"{rel}:{line}: uses {chain}" for line, chain in _private_chains(tree)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "kit" and node.attr not in allowed["qfmt.kit"] and \
                    not node.attr.startswith("_"):
                problems.append(f"{rel}:{node.lineno}: uses kit.{node.attr}, not in kit.__all__")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "qfmt" and not node.attr.startswith("_") and \
                    node.attr not in allowed["qfmt"] and node.attr != "plugins":
                problems.append(f"{rel}:{node.lineno}: uses qfmt.{node.attr}, not public")
    assert problems == []


def _qfmt_names(tree: ast.Module) -> set[str]:
    """The names a module binds to qfmt or to something of qfmt: ``import qfmt`` (and
    ``import qfmt.x``), ``from qfmt import kit, Result``, ``from qfmt.kit import counts as c``
    (the plugin's own package, ``qfmt.plugins.<vendor>``, left out)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names
                      if a.name == "qfmt" or a.name.startswith("qfmt.")}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and \
                (node.module == "qfmt" or node.module.startswith("qfmt.")) and \
                not node.module.startswith("qfmt.plugins"):
            names |= {a.asname or a.name for a in node.names}
    return names


def _private_chains(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """``(line, "qfmt.Result._trusted")`` for every attribute chain rooted at a name bound to
    qfmt (see :func:`_qfmt_names`) that reaches a private name (``_x``; dunders are public)."""
    roots = _qfmt_names(tree)
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue  # only the outermost attribute of a chain
        parts, cur = [], node
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in roots:
            chain = [cur.id, *reversed(parts)]
            if any(p.startswith("_") and not p.endswith("__") for p in chain[1:]):
                yield node.lineno, ".".join(chain)


def test_the_private_chain_finder_sees_attribute_chains() -> None:
    tree = ast.parse("import qfmt\nfrom qfmt import kit, Result as R\nimport numpy as np\n"
                     "a = qfmt.Result._trusted([])\nb = kit.counts._x\nc = R._trusted\n"
                     "d = qfmt.__version__\ne = np._core\nf = qfmt.kit._build.counts(1)\n")
    assert sorted(_private_chains(tree)) == [
        (4, "qfmt.Result._trusted"), (5, "kit.counts._x"), (6, "R._trusted"),
        (9, "qfmt.kit._build.counts")]


def _author_docs() -> str:
    """The prose of the author's guides: CONTRIBUTING.md, docs/plugins.md and docs/api/kit.md
    without its ``::: qfmt.kit.x`` reference entries (each of which only lists a name)."""
    text = [(ROOT / "CONTRIBUTING.md").read_text(), (ROOT / "docs" / "plugins.md").read_text()]
    text += [line for line in (ROOT / "docs" / "api" / "kit.md").read_text().splitlines()
             if not line.startswith(":::")]
    return "\n".join(text)


def test_the_kit_exports_what_plugins_use_or_authors_are_told_to_use() -> None:
    """``kit.__all__`` is the kit's audit: every name is used by a built-in plugin (as
    ``kit.x`` or ``from qfmt.kit import x``) or named in the author's guides' prose; a name
    that is neither belongs in a private module of core."""
    import re

    used: set[str] = set()
    for _, tree in _modules(PLUGINS):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "kit":
                used.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.module == "qfmt.kit":
                used |= {a.name for a in node.names}
    docs = _author_docs()
    unused = [n for n in qfmt.kit.__all__ if n not in used and
              not re.search(rf"\b{re.escape(n)}\b", docs)]
    assert unused == []
    assert len(set(qfmt.kit.__all__)) == len(qfmt.kit.__all__)
    public = {n for n in vars(qfmt.kit) if not n.startswith("_")} - {"annotations", "Any",
                                                                      "TYPE_CHECKING"}
    assert public <= set(qfmt.kit.__all__), public - set(qfmt.kit.__all__)


@pytest.mark.parametrize("module", ["qfmt", "qfmt.kit"])
def test_public_modules_export_only_existing_names(module: str) -> None:
    mod = __import__(module, fromlist=["_"])
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert missing == []


# -- core's imports form a DAG -------------------------------------------------------------------


def _core_module_names() -> dict[str, Path]:
    """``qfmt._dist`` -> core/_dist.py, ``qfmt`` -> core/__init__.py, for every module of core."""
    out = {}
    for path in sorted(CORE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = ["qfmt", *path.relative_to(CORE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """Ids of every node inside an ``if TYPE_CHECKING:`` block (never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
                (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING") or
                (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def core_import_graph() -> dict[str, dict[str, int]]:
    """Module -> {core module it imports: first line}, for every ``import`` and ``from`` of core,
    at module level and inside functions, relative and ``qfmt.``-absolute, ``if TYPE_CHECKING:``
    blocks left out. ``from . import kit`` is an edge to ``qfmt.kit``, ``from . import X`` (a
    name of the package) an edge to ``qfmt``; plugins are outside core (the lazy aliases)."""
    modules = _core_module_names()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = graph.setdefault(name, {})
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != name and \
                        not target.startswith("qfmt.plugins"):
                    edges.setdefault(target, node.lineno)
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str]:
    """One import cycle as ``[a, b, ..., a]``, or ``[]`` when the graph is a DAG."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {}}) == \
        ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {"c": 2}, "c": {}, "d": {"a": 1}}) == []


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    graph = core_import_graph()
    assert "qfmt._dist" in graph["qfmt"] and "qfmt._errors" in graph["qfmt._dist"]
    assert "qfmt.kit" in graph["qfmt._arrow"]  # from . import kit, inside from_arrow
    assert "qfmt" in graph["qfmt.testing"] and "qfmt" in graph["qfmt.cli"]


def test_core_imports_form_a_dag() -> None:
    """No import circle in core, counting imports inside functions: the model imports no view,
    registry or plugin (it reaches them through :mod:`qfmt._views`), nothing below ``qfmt``
    imports ``qfmt`` itself."""
    graph = core_import_graph()
    cycle = find_cycle(graph)
    shown = " -> ".join(f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle))
    assert cycle == [], f"import cycle: {shown} -> {cycle[-1] if cycle else ''}"


#: The canonical types: they import no view, no registry, no plugin and not ``qfmt`` itself.
MODEL = ("qfmt._dist", "qfmt._memory", "qfmt._results", "qfmt._expectations", "qfmt._display")
#: What the model may import: the bottom layer, the view registry, and one another.
BELOW_MODEL = ("qfmt._errors", "qfmt._bits", "qfmt._layout", "qfmt._read", "qfmt._keys",
               "qfmt._rules", "qfmt._json", "qfmt._views")


def _reachable(graph: dict[str, dict[str, int]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), {}):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_model_reaches_only_the_bottom_layer() -> None:
    graph = core_import_graph()
    allowed = set(MODEL) | set(BELOW_MODEL)
    for name in MODEL:
        assert _reachable(graph, name) <= allowed, (name, _reachable(graph, name) - allowed)
    for name in BELOW_MODEL:
        assert not _reachable(graph, name) & set(MODEL), name


def test_every_view_the_model_asks_for_is_registered() -> None:
    """``view("x")`` in the model names a function some view module registered with
    ``@provides`` (``import qfmt`` imports them all)."""
    from qfmt import _views

    asked = set()
    for name in MODEL:
        tree = ast.parse(_core_module_names()[name].read_text())
        asked |= {node.args[0].value for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "view" and isinstance(node.args[0], ast.Constant)}
    assert {"dist_html", "counts_to_table", "result_to_dict"} <= asked
    assert asked <= set(_views._VIEWS), asked - set(_views._VIEWS)


# -- the job errors belong to the IonQ jobs client -----------------------------------------------

JOB_ERRORS = {"JobError": (), "JobTimeoutError": (TimeoutError,),
              "JobInvalidStateError": (RuntimeError,), "JobFailureError": (RuntimeError,),
              "JobApiError": (ConnectionError,)}


def test_job_errors_live_in_the_ionq_plugin_and_stay_qfmt_errors() -> None:
    """``qfmt.JobError`` etc. are the IonQ plugin's classes (lazy aliases, like ``qfmt.Client``),
    still qfmt errors of the same builtins, caught by ``except qfmt.JobError``."""
    import pickle

    from qfmt.plugins.ionq import errors

    core_classes = {n.name for _, tree in _modules(CORE) for n in ast.walk(tree)
                    if isinstance(n, ast.ClassDef)}
    assert not core_classes & set(JOB_ERRORS)
    for name, builtins in JOB_ERRORS.items():
        cls = getattr(qfmt, name)
        assert cls is getattr(errors, name) and name in qfmt.__all__
        assert issubclass(cls, qfmt.QfmtError) and issubclass(cls, builtins or Exception)
        assert name == "JobError" or issubclass(cls, qfmt.JobError)
    err = qfmt.JobFailureError("j1", "QuantumComputerError", "boom")
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.code, str(back)) == (type(err), "QuantumComputerError", str(err))
    with pytest.raises(qfmt.JobError, match="HTTP 502"):
        raise errors.JobApiError("HTTP 502", 502)
