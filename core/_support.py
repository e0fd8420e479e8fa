"""What a plugin needs besides readers, builders and writers: optional dependencies imported
with a helpful error, and the JSON Schemas shipped as package data (re-exported by
:mod:`qfmt.kit`)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ._errors import MissingDependencyError

__all__ = ["load_schema", "optional_import"]

def optional_import(module: str, *, extra: str, needs: str) -> Any:
    """Import an optional dependency, or raise :class:`qfmt.MissingDependencyError` saying
    ``"<needs>: install qfmt[<extra>] (pip install 'qfmt[<extra>]')"``.

    >>> optional_import("numpy", extra="x", needs="this needs numpy").__name__
    'numpy'
    """
    try:  # the import statement's machinery (not importlib's), so import hooks see it
        return __import__(module, fromlist=["__name__"])
    except ImportError as exc:
        raise MissingDependencyError(
            f"{needs}: install qfmt[{extra}] (pip install 'qfmt[{extra}]')") from exc


def load_schema(format_id: str, package: str = "qfmt.schemas") -> dict[str, Any]:
    """Load ``<format_id>.json`` shipped as package data in ``package`` (its ``$id`` must be the
    format id)."""
    text = resources.files(package).joinpath(f"{format_id}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    if schema.get("$id") != format_id:
        raise ValueError(f"schema for {format_id} has $id {schema.get('$id')!r}")
    return schema
