"""How the canonical types reach the code that sits above them: a small registry of views.

The model (``_dist``, ``_memory``, ``_results``, ``_expectations``) imports no view, no registry
and no plugin, so that core's imports form a DAG. A model method whose work is done higher up
(``_repr_html_``, ``to_arrow``, ``Result.to_dict`` / ``from_dict``) calls ``view(name)(self)``:
the function a view module (``_html``, ``_arrow``, ``_dictview``) registered under ``name`` with
:func:`provides` when it was imported. ``qfmt/__init__`` imports every view module, and importing
any ``qfmt._x`` module runs ``qfmt/__init__`` first, so every view is registered before an object
of the model can ask for one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: The views, by name (a providing function's ``__name__``).
_VIEWS: dict[str, Callable[..., Any]] = {}


def provides(fn: F) -> F:
    """Register ``fn`` as the view named ``fn.__name__`` (a decorator; returns ``fn``)."""
    _VIEWS[fn.__name__] = fn
    return fn


def view(name: str) -> Callable[..., Any]:
    """The view registered as ``name``."""
    try:
        return _VIEWS[name]
    except KeyError:  # only while qfmt/__init__ is half-imported: a bug, not bad input
        raise LookupError(f"qfmt: no view {name!r} is registered (qfmt/__init__ imports the "
                          "module that provides it)") from None
