"""IonQ: the seven v0.4 result formats, their byte-level readers, and the jobs client.

- :mod:`qfmt.plugins.ionq.formats`: the formats (``qfmt_formats`` hook).
- :mod:`qfmt.plugins.ionq.client`: :class:`~qfmt.plugins.ionq.client.Client` /
  :class:`~qfmt.plugins.ionq.client.Job` for the v0.4 jobs API (the ``client`` extra).
- :mod:`qfmt.plugins.ionq._store`: the durable artifact store the client downloads into.
- :mod:`qfmt.plugins.ionq.commands`: the ``qfmt fetch``, ``qfmt cache`` and ``qfmt schema-diff``
  commands (``qfmt_cli_commands`` hook).
"""

from __future__ import annotations

from typing import Any

import qfmt

from .formats import qfmt_formats

__all__ = ["qfmt_cli_commands", "qfmt_formats"]


@qfmt.hookimpl
def qfmt_cli_commands() -> list[Any]:
    """The IonQ commands of the ``qfmt`` CLI (imported only when the CLI starts)."""
    from .commands import cache_cmd, fetch_cmd, schema_diff_cmd

    return [fetch_cmd, cache_cmd, schema_diff_cmd]
