"""Cirq: ``cirq.to_json`` of a ``ResultDict`` (format ``cirq.result.json.v1``), and interop with
real Cirq results.

- :mod:`qfmt.plugins.cirq.formats`: the format (``qfmt_formats`` hook) and its bit order.
- :func:`to_cirq` / :func:`from_cirq`: qfmt objects to ``cirq.ResultDict`` and back (the ``cirq``
  extra: ``pip install "qfmt[cirq]"``; Cirq is imported only when they are called).
"""

from __future__ import annotations

from typing import Any

from .formats import FMT, qfmt_formats

__all__ = ["FMT", "from_cirq", "qfmt_formats", "to_cirq"]


def to_cirq(obj: Any, **options: Any) -> Any:
    """A qfmt object as ``cirq.ResultDict`` (a list of them for a Result of several
    experiments); see :func:`qfmt.plugins.cirq.interop.to_cirq`."""
    from .interop import to_cirq as _to

    return _to(obj, **options)


def from_cirq(obj: Any) -> Any:
    """A ``cirq.Result`` (or a sequence of them) as a :class:`qfmt.Result`; see
    :func:`qfmt.plugins.cirq.interop.from_cirq`."""
    from .interop import from_cirq as _from

    return _from(obj)
