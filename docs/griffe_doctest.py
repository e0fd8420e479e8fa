"""Griffe extension: doctest examples in docstrings render as code blocks.

The docstrings are Sphinx style, where a ``>>>`` example is a doctest block. Markdown has no
doctest blocks: it reads ``>>>`` as three nested blockquotes and runs the example and its output
together into one paragraph. This extension (``extensions:`` of mkdocstrings' python handler in
``mkdocs.yml``) wraps every doctest block of every docstring (from a ``>>>`` line to the next
blank line, outside fenced code) in a ```` ```pycon ```` fence, so the reference shows the
example and its output as highlighted code. The docstrings themselves are not changed.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import griffe
    _Extension: Any = griffe.Extension
except ImportError:  # without the docs extra: fence_doctests still works (tests/test_docs.py)
    _Extension = object

__all__ = ["DoctestBlocks", "fence_doctests"]

_PROMPT = re.compile(r"^(\s*)>>>(?: |$)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def fence_doctests(text: str) -> str:
    """``text`` with each doctest block (a ``>>>`` line and the lines after it up to a blank
    line) fenced as ```` ```pycon ````, at the block's indentation; lines inside fenced code are
    left alone."""
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        prompt = None if fenced else _PROMPT.match(line)
        if prompt is None:
            out.append(line)
            i += 1
            continue
        indent = prompt.group(1)
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if out and out[-1].strip():
            out.append("")
        out.extend([f"{indent}```pycon", *block, f"{indent}```"])
        if i < len(lines) and lines[i].strip():
            out.append("")
    return "\n".join(out)


class DoctestBlocks(_Extension):  # type: ignore[misc, valid-type]
    """Fence the doctest blocks of every docstring of the loaded package (see the module)."""

    def on_package(self, *, pkg: Any, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` and everything in it, once it is loaded."""
        seen: set[int] = set()
        stack: list[Any] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen or obj.is_alias:
                continue
            seen.add(id(obj))
            if obj.docstring is not None and ">>>" in obj.docstring.value:
                obj.docstring.value = fence_doctests(obj.docstring.value)
            stack.extend(obj.members.values())
