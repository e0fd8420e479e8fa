"""Real Qiskit objects to qfmt's and back (the ``qiskit`` extra: ``pip install "qfmt[qiskit]"``).

Qiskit is imported only when one of these functions is called::

    counts = qfmt.load({"1": 7, "2": 3}, "ionq.result.histogram.json.v1", num_qubits=2)
    qiskit_counts = qfmt.to_qiskit(counts)        # qiskit.result.Counts({'01': 7, '10': 3})
    qfmt.from_qiskit(qiskit_counts) == counts     # True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

import qfmt
from qfmt import (
    Counts,
    Memory,
    MissingDependencyError,
    OptionError,
    ProbDistribution,
    QuasiDistribution,
    RegisterLayout,
    Result,
)
from qfmt.kit import evolve

from .formats import dump_memory, parse_counts, parse_memory
from .primitives import from_qiskit_primitive, handles_primitive, to_qiskit_primitive

__all__ = ["from_qiskit", "to_qiskit"]


def _qiskit_result() -> Any:
    try:
        import qiskit.result as qr
    except ImportError as exc:
        raise MissingDependencyError(
            "this needs Qiskit: install qfmt[qiskit] (pip install 'qfmt[qiskit]')") from exc
    return qr


def to_qiskit(obj: Any) -> Any:
    """A qfmt object as the matching Qiskit object: Result -> ``qiskit.result.Result`` (through
    ``Result.from_dict``); Counts -> ``qiskit.result.Counts`` with ``memory_slots`` (the width,
    so keys are zero-padded as everywhere else in qfmt) and ``creg_sizes`` (several registers);
    ProbDistribution / QuasiDistribution -> Qiskit's; Memory -> Qiskit's memory, the list of
    display strings ``Result.get_memory()`` returns (Qiskit has no memory class); Expectations ->
    an EstimatorV2 ``PrimitiveResult``. For a SamplerV2 ``PrimitiveResult`` or a ``BitArray``
    of a Result or Memory, use :func:`qfmt.plugins.qiskit.primitives.to_qiskit_primitive`."""
    if isinstance(obj, qfmt.Expectations):
        return to_qiskit_primitive(obj)
    qr = _qiskit_result()
    if isinstance(obj, Result):
        return qr.Result.from_dict(obj.to_dict())
    if isinstance(obj, Counts):
        kwargs: dict[str, Any] = {"time_taken": obj.time_taken, "memory_slots": obj.width}
        if obj.layout is not None and len(obj.layout.registers) > 1:
            kwargs["creg_sizes"] = [[n, w] for n, w in obj.layout.sizes]
        return qr.Counts(obj.hex_outcomes(), **kwargs)
    if isinstance(obj, Memory):
        return dump_memory(obj)
    if isinstance(obj, ProbDistribution):
        return qr.ProbDistribution(dict(obj.data), shots=obj.shots)
    if isinstance(obj, QuasiDistribution):
        return qr.QuasiDistribution(dict(obj.data), shots=obj.shots,
                                    stddev_upper_bound=obj.stddev_upper_bound)
    raise OptionError(f"no Qiskit counterpart for a {type(obj).__name__}")


def from_qiskit(obj: Any, *, width: int | None = None) -> Any:
    """A Qiskit result object as qfmt's. ``width`` declares the bit width of distributions
    (Qiskit's ProbDistribution / QuasiDistribution do not keep it) and overrides a Counts'.

    A ``qiskit.result.Counts`` keeps the width its keys carry: ``memory_slots`` when set, else
    the length of its bitstring keys (``Counts({"001": 3, "110": 1})`` is 3 bits wide); register
    spaces or ``creg_sizes`` become the layout. A list of strings (Qiskit's memory) becomes a
    :class:`qfmt.Memory`."""
    if handles_primitive(obj) and not isinstance(obj, (qfmt.Memory, qfmt.Expectations)):
        return from_qiskit_primitive(obj)  # a PrimitiveResult or BitArray
    qr = _qiskit_result()
    if isinstance(obj, qr.Result):
        # Qiskit's to_dict() can hold datetimes and numpy values, and Aer's save data
        # quantum_info objects and int-keyed dicts: make it JSON first
        d = obj.to_dict()
        for exp in d.get("results") or ():
            if isinstance(exp, dict) and isinstance(exp.get("data"), dict):
                exp["data"] = {k: v if k in ("counts", "memory") and not isinstance(
                    v, np.ndarray) else _plain(v) for k, v in exp["data"].items()}
        try:
            data = orjson.loads(orjson.dumps(d, option=orjson.OPT_SERIALIZE_NUMPY,
                                             default=_json_default))
        except TypeError as exc:
            raise OptionError(f"this Qiskit Result holds data with no JSON form: {exc}") from None
        return Result.from_dict(data)
    if isinstance(obj, qr.Counts):
        return _counts_from_qiskit(obj, width)
    if isinstance(obj, qr.QuasiDistribution):
        return QuasiDistribution(dict(obj), width, shots=obj.shots,
                                 stddev_upper_bound=obj.stddev_upper_bound)
    if isinstance(obj, qr.ProbDistribution):
        return ProbDistribution(dict(obj), width, shots=obj.shots)
    if isinstance(obj, list) and all(isinstance(x, str) for x in obj):
        return parse_memory(obj)
    raise OptionError(f"no qfmt counterpart for a {type(obj).__name__}")


def _counts_from_qiskit(obj: Any, width: int | None) -> Counts:
    slots = obj.memory_slots if width is None else width
    time_taken = obj.time_taken
    if slots is not None:
        layout = None
        if obj.creg_sizes and len(obj.creg_sizes) > 1:
            layout = RegisterLayout([(n, int(w)) for n, w in obj.creg_sizes])
        return Counts(obj.int_outcomes(), slots, layout=layout, time_taken=time_taken)
    keys = list(obj)
    if keys and all(isinstance(k, str) and not k.startswith(("0x", "0X")) for k in keys):
        # bitstring keys (register spaces allowed) carry their width: read them as Qiskit wrote
        return evolve(parse_counts(dict(obj)), time_taken=time_taken)
    return Counts(obj.int_outcomes(), None, time_taken=time_taken)


def _plain(value: Any) -> Any:
    """Aer save data as JSON: a Clifford (or StabilizerState) as ``Clifford.to_dict()``,
    quantum_info states and operators as their matrix, int-keyed dicts (Aer's
    ``ProbDistribution``) with Qiskit's hex keys, arrays and tuples as lists, complex numbers
    as [re, im] (the form ``qiskit.result.json.v1`` keeps verbatim)."""
    if isinstance(value, dict):
        return {(hex(k) if isinstance(k, (int, np.integer)) and not isinstance(k, bool)
                 else str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (complex, np.complexfloating)):
        return [float(value.real), float(value.imag)]
    if value is None or isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return value
    clifford = getattr(value, "clifford", value)  # a StabilizerState holds its Clifford
    if type(clifford).__name__ == "Clifford" and hasattr(clifford, "to_dict"):
        return _plain(clifford.to_dict())
    if isinstance(getattr(value, "data", None), np.ndarray):
        return _plain(value.data)  # Statevector, DensityMatrix, Operator, SuperOp
    return value  # left to the JSON encoder (dates), or refused by it


def _json_default(value: Any) -> Any:
    if isinstance(value, complex):
        return [value.real, value.imag]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
