"""``Result.to_dict`` / ``Result.from_dict``: Qiskit's ``Result.to_dict()`` form, written and read
by the format that defines it, found in the default registry.

A view above the model (see :mod:`qfmt._views`): ``Result`` imports no registry, and the format's
plugin loads only when one of these is first called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._registry import default_registry
from ._results import QISKIT_RESULT, Result
from ._views import provides

__all__ = ["result_from_dict", "result_to_dict"]


@provides
def result_to_dict(result: Result) -> dict[str, Any]:
    """``result`` in the ``Result.to_dict()`` form, always valid JSON."""
    return default_registry().get(QISKIT_RESULT).serialize(result)  # type: ignore[no-any-return]


@provides
def result_from_dict(data: Mapping[str, Any]) -> Result:
    """The :class:`qfmt.Result` that the ``Result.to_dict()`` form ``data`` holds."""
    out = default_registry().get(QISKIT_RESULT).parse(data)
    if not isinstance(out, Result):
        raise TypeError(f"{QISKIT_RESULT} parsed into a {type(out).__name__}")
    return out
