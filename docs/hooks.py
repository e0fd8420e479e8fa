"""MkDocs hook: mkdocstrings reads the ``qfmt`` package from this source tree.

The package is laid out by ``pyproject.toml``'s ``package-dir`` (``core/`` -> ``qfmt``,
``plugins/`` -> ``qfmt.plugins``, ``schemas/`` -> ``qfmt.schemas``), which griffe cannot follow
(and ``mkdocs``, a console script, has the ``bin`` folder holding the ``qfmt`` command first on
``sys.path``). So a temporary folder gets a ``qfmt`` directory of symlinks in that layout, first
on ``sys.path``: the reference is built from the sources being edited, however qfmt is installed.
"""

from __future__ import annotations

import atexit
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the docstrings cross-reference in Sphinx roles (:func:`load`); the page shows the name alone
_ROLE = re.compile(r":(?:py:)?(?:func|meth|class|data|attr|mod|exc|obj):(?=<code>)")


def on_startup(**_: Any) -> None:
    """Lay out ``qfmt`` from ``core/``, ``plugins/`` and ``schemas/`` and put it on the path."""
    top = Path(tempfile.mkdtemp(prefix="qfmt-docs-"))
    atexit.register(shutil.rmtree, top, True)
    pkg = top / "qfmt"
    pkg.mkdir()
    for entry in (ROOT / "core").iterdir():
        if entry.name != "__pycache__":
            (pkg / entry.name).symlink_to(entry)
    (pkg / "plugins").symlink_to(ROOT / "plugins")
    (pkg / "schemas").symlink_to(ROOT / "schemas")
    sys.path[:] = [str(top)] + [p for p in sys.path if not (Path(p or ".") / "qfmt").is_file()]


def on_page_content(html: str, **_: Any) -> str:
    """Drop the Sphinx role prefix (``:func:``) the rendered docstrings keep before a name."""
    return _ROLE.sub("", html)
