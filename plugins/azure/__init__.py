"""Azure Quantum: the ``microsoft.quantum-results.v1`` and ``.v2`` job output formats.

- :mod:`qfmt.plugins.azure.formats`: the formats (``qfmt_formats`` hook). Reading and writing
  them needs no Azure SDK.
"""

from __future__ import annotations

from .formats import qfmt_formats

__all__ = ["qfmt_formats"]
