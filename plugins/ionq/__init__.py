"""IonQ: the seven v0.4 result formats, their byte-level readers, and the jobs client.

- :mod:`qfmt.plugins.ionq.formats`: the formats (``qfmt_formats`` hook).
- :mod:`qfmt.plugins.ionq.client`: :class:`Client` / :class:`Job` for the v0.4 jobs API.
- :mod:`qfmt.plugins.ionq._store`: the durable artifact store the client downloads into.
"""

from __future__ import annotations

from .formats import qfmt_formats

__all__ = ["qfmt_formats"]
