"""Apache Arrow / Parquet: per-shot memory and counts as columnar files (the ``arrow`` extra).

- ``qfmt.shots.parquet.v1``: a :class:`qfmt.Memory`, one row per shot.
- ``qfmt.counts.parquet.v1``: a :class:`qfmt.Counts`, one row per outcome.

See :mod:`qfmt.plugins.arrow.formats` for the columns; pandas, polars, DuckDB or pyarrow read the
files without qfmt.
"""

from __future__ import annotations

from .formats import qfmt_formats

__all__ = ["qfmt_formats"]
