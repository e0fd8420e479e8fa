"""Real Cirq results to qfmt's and back (the ``cirq`` extra: ``pip install "qfmt[cirq]"``).

Cirq is imported only when one of these functions is called::

    result = cirq.Simulator().run(circuit, repetitions=100)
    r = from_cirq(result)                 # qfmt.Result: one experiment, memory per key
    to_cirq(r) == result                  # True: cirq.ResultDict compares records and params
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

import qfmt
from qfmt import kit

from .formats import FMT

__all__ = ["from_cirq", "to_cirq"]


def _cirq() -> Any:
    return kit.optional_import("cirq", extra="cirq", needs="this needs Cirq")


def to_cirq(obj: Any, **options: Any) -> Any:
    """``obj`` (any canonical object qfmt can write as ``cirq.result.json.v1``; ``options`` as
    for :func:`qfmt.dump`, e.g. ``measurement_key=``) as a ``cirq.ResultDict``, or a list of them
    when the Result has several experiments (a sweep), read by Cirq's own ``cirq.read_json``."""
    cirq = _cirq()
    return cirq.read_json(json_text=qfmt.dumps(obj, FMT, **options))


def from_cirq(obj: Any) -> qfmt.Result:
    """A ``cirq.Result`` (any subclass: its ``params`` and ``records`` are what is read) or a
    sequence of them (``run_sweep``) as a :class:`qfmt.Result`, through Cirq's own JSON."""
    cirq = _cirq()
    payload: Any
    if isinstance(obj, cirq.Result):
        payload = cirq.to_json(_as_result_dict(cirq, obj))
    elif isinstance(obj, Sequence) and obj and all(isinstance(r, cirq.Result) for r in obj):
        payload = [orjson.loads(cirq.to_json(_as_result_dict(cirq, r))) for r in obj]
    else:
        raise qfmt.QfmtError(f"expected a cirq.Result or a sequence of them, got "
                         f"{type(obj).__name__}")
    result = qfmt.load(payload, FMT)
    assert isinstance(result, qfmt.Result)
    return result


def _as_result_dict(cirq: Any, result: Any) -> Any:
    if type(result) is cirq.ResultDict:
        return result
    return cirq.ResultDict(params=result.params, records=result.records)
