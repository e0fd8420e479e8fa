"""Every docstring example of the installed package runs (the README's blocks run in
tests/test_readme.py)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import qfmt
import qfmt.plugins

# (the test extra installs every optional dependency, so every module imports)
MODULES = sorted({m.name for pkg in (qfmt, qfmt.plugins)
                  for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
                  if m.name != "qfmt.__main__"})


def test_every_module_is_collected() -> None:
    assert {"qfmt._dist", "qfmt.kit", "qfmt.plugins.ionq.formats", "qfmt.testing"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {"qfmt": qfmt, **vars(module)}
    for test in finder.find(module, name, globs=dict(globs)):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
    if name in ("qfmt._dist", "qfmt.kit", "qfmt._rules", "qfmt._display"):
        assert result.attempted >= 3  # the examples were found and run
