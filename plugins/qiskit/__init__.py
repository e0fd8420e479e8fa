"""Qiskit: the ``qiskit.result`` formats and interop with real Qiskit objects.

- :mod:`qfmt.plugins.qiskit.formats`: the formats (``qfmt_formats`` hook) and the classical-bit map.
- :mod:`qfmt.plugins.qiskit.interop`: ``to_qiskit`` / ``from_qiskit`` (the ``qiskit`` extra).
"""

from __future__ import annotations

from .formats import qfmt_formats

__all__ = ["qfmt_formats"]
