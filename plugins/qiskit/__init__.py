"""Qiskit: the ``qiskit.result`` formats, the primitives V2 result formats, and interop with real
Qiskit objects.

- :mod:`qfmt.plugins.qiskit.formats`: the ``qiskit.result`` formats and the classical-bit map.
- :mod:`qfmt.plugins.qiskit.primitives`: ``SamplerV2`` / ``EstimatorV2`` ``PrimitiveResult`` as
  saved with ``RuntimeEncoder``; ``to_qiskit_primitive`` / ``from_qiskit_primitive``.
- :mod:`qfmt.plugins.qiskit.interop`: ``to_qiskit`` / ``from_qiskit`` (the ``qiskit`` extra).
"""

from __future__ import annotations

import qfmt

from . import formats as _result_formats
from . import primitives as _primitives

__all__ = ["qfmt_formats"]


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The Qiskit formats: ``qiskit.result`` and the primitives V2 results."""
    return [*_result_formats.qfmt_formats(), *_primitives.formats()]
