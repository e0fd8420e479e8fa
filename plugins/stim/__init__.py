"""Stim shot data: the ``01`` text and ``b8`` packed-byte result formats (non-JSON).

- :mod:`qfmt.plugins.stim.formats`: ``stim.shots.01`` and ``stim.shots.b8`` (``qfmt_formats``
  hook), and :func:`from_samples` / :func:`to_samples` for the numpy arrays Stim's samplers return
  (no Stim needed: they are plain numpy).
"""

from __future__ import annotations

from .formats import from_samples, qfmt_formats, to_samples

__all__ = ["from_samples", "qfmt_formats", "to_samples"]
