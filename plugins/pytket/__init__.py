"""pytket: ``BackendResult.to_dict()`` as the format ``pytket.backend-result.json.v1``.

- :mod:`qfmt.plugins.pytket.formats`: the format (``qfmt_formats`` hook); reading and writing
  needs no pytket.
- :mod:`qfmt.plugins.pytket.interop`: :func:`to_pytket` / :func:`from_pytket` with real
  ``pytket.backends.backendresult.BackendResult`` objects (the ``pytket`` extra).
"""

from __future__ import annotations

from .formats import FMT, qfmt_formats
from .interop import from_pytket, to_pytket

__all__ = ["FMT", "from_pytket", "qfmt_formats", "to_pytket"]
