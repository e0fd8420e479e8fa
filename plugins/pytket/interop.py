"""Real pytket ``BackendResult`` objects to qfmt's and back (the ``pytket`` extra:
``pip install "qfmt[pytket]"``). pytket is imported only when one of these is called::

    from qfmt.plugins.pytket import from_pytket, to_pytket

    result = from_pytket(backend_result)      # a qfmt.Result of one experiment
    result.memory().counts()                  # canonical: bit i is backend_result's bits[i]
    to_pytket(result) == backend_result       # True: through to_dict() / from_dict()
    to_pytket(qfmt.load(path, "ionq.result.shots.json.v2"))   # any format, via the model
"""

from __future__ import annotations

from typing import Any

import qfmt
from qfmt import kit

from .formats import FMT

__all__ = ["from_pytket", "to_pytket"]


def _backend_result() -> Any:
    module = kit.optional_import("pytket.backends.backendresult", extra="pytket",
                                 needs="this needs pytket")
    return module.BackendResult


def to_pytket(obj: Any, **options: Any) -> Any:
    """A qfmt object (a Result of one experiment, Memory, Counts, or anything ``qfmt.dump``
    converts; ``options`` as for ``qfmt.dump``, e.g. ``experiment=``, ``shots=``) as a
    ``pytket.backends.backendresult.BackendResult``, through ``BackendResult.from_dict``."""
    backend_result = _backend_result()
    return backend_result.from_dict(qfmt.dump(obj, FMT, **options))


def from_pytket(result: Any) -> qfmt.Result:
    """A pytket ``BackendResult`` as a :class:`qfmt.Result` of one experiment (its shots as
    ``memory`` or its counts as ``counts``, its state results, and its unit ids in the header).

    A result carrying a classical post-processing circuit (``ppcirc``) is refused:
    ``to_dict()`` keeps the raw readouts only, so qfmt would not show what ``get_counts()``
    does. Apply it first, e.g. ``BackendResult(shots=OutcomeArray.from_readouts(
    r.get_shots(cbits=bits)), c_bits=bits)``."""
    backend_result = _backend_result()
    if not isinstance(result, backend_result):
        raise qfmt.OptionError(f"from_pytket takes a pytket BackendResult, got "
                               f"{type(result).__name__}")
    if getattr(result, "_ppcirc", None) is not None:  # pytket keeps it private; to_dict drops it
        raise qfmt.LossyConversionError(
            "the BackendResult has a classical post-processing circuit (ppcirc), which "
            "to_dict() does not keep: apply it first (get_shots()/get_counts() with ppcirc)")
    loaded: qfmt.Result = qfmt.load(result.to_dict(), FMT)
    return loaded
