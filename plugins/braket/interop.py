"""The Braket SDK's result objects to qfmt's and back (the ``braket`` extra:
``pip install "qfmt[braket]"``, which brings ``amazon-braket-sdk``).

The SDK is imported only when one of these functions is called::

    from braket.circuits import Circuit
    from braket.devices import LocalSimulator
    from qfmt.plugins.braket import from_braket, to_braket

    task_result = LocalSimulator().run(Circuit().h(0).cnot(0, 1), shots=100).result()
    result = from_braket(task_result)        # qfmt.Result: one experiment with its memory
    result.memory().outcomes()[:3]           # canonical ints: bit i is measured_qubits[i]
    to_braket(result).measurement_counts     # the SDK's Counter again
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson

import qfmt
from qfmt import kit

from .formats import HEADER, TASK_RESULT

__all__ = ["from_braket", "to_braket"]


def _module(name: str) -> Any:
    return kit.optional_import(name, extra="braket", needs="this needs the Amazon Braket SDK")


def to_braket(obj: Any, **options: Any) -> Any:
    """A qfmt object as the SDK's ``braket.tasks.GateModelQuantumTaskResult``: written as
    ``braket.task_result.gate_model_task_result.v1`` (``options`` as for ``qfmt.dump``, e.g.
    ``shots=``, ``experiment=``, ``measured_qubits=``, ``program=``) and read with the SDK's own
    ``GateModelQuantumTaskResult.from_string``."""
    tasks = _module("braket.tasks")
    text = qfmt.dumps(obj, TASK_RESULT, **options)
    try:
        return tasks.GateModelQuantumTaskResult.from_string(text)
    except Exception as exc:  # pydantic's ValidationError, or the SDK failing on odd data
        raise qfmt.PayloadError(TASK_RESULT, _sdk_path(exc),
                                f"the Braket SDK refuses this task result: {_sdk_reason(exc)}"
                                ) from exc


def _sdk_path(exc: Exception) -> str:
    """The JSON path of the first error pydantic reports (``$`` when it is not one)."""
    errors = getattr(exc, "errors", None)
    try:
        loc = errors()[0]["loc"] if callable(errors) else ()
    except Exception:
        loc = ()
    return kit.jpath(*(p if isinstance(p, (int, str)) else str(p) for p in loc)) if loc else "$"


def _sdk_reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    try:
        if callable(errors):
            first = errors()
            more = f" (and {len(first) - 1} more)" if len(first) > 1 else ""
            return f"{first[0]['msg']}{more}"
    except Exception:
        pass
    return f"{type(exc).__name__}: {exc}"


def _plain(value: Any) -> Any:
    """SDK values as JSON data: numpy arrays and scalars as lists and numbers, complex numbers
    as ``[re, im]`` (as Braket writes amplitudes and state vectors)."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (complex, np.complexfloating)):
        return [float(value.real), float(value.imag)]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise qfmt.OptionError(f"the result holds {value!r}, which JSON cannot hold")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _model_json(model: Any) -> Any:
    return orjson.loads(model.json()) if model is not None else None


def _payload_of(task_result: Any) -> dict[str, Any]:
    """A ``GateModelQuantumTaskResult`` as ``GateModelTaskResult`` JSON data: the measurements
    when the device gave them, else the probabilities it gave; the metadata as the SDK holds it."""
    out: dict[str, Any] = {"braketSchemaHeader": dict(HEADER)}
    measurements = task_result.measurements
    if task_result.measurement_probabilities_copied_from_device and \
            not task_result.measurements_copied_from_device:
        out["measurementProbabilities"] = {str(k): float(v) for k, v in
                                           task_result.measurement_probabilities.items()}
    elif measurements is not None:
        out["measurements"] = np.asarray(measurements, dtype=np.int64).tolist()
    if task_result.measured_qubits is not None:
        out["measuredQubits"] = [int(q) for q in task_result.measured_qubits]
    if task_result.result_types is not None:
        out["resultTypes"] = [{"type": _model_json(rt.type), "value": _plain(rt.value)}
                              for rt in task_result.result_types]
    if getattr(task_result, "outputs", None) is not None:
        out["outputs"] = _plain(task_result.outputs)
    out["taskMetadata"] = _model_json(task_result.task_metadata)
    out["additionalMetadata"] = _model_json(task_result.additional_metadata) or {}
    return out


def from_braket(task_result: Any) -> qfmt.Result:
    """The SDK's ``GateModelQuantumTaskResult`` (what ``task.result()`` returns) or the schema
    object ``braket.task_result.GateModelTaskResult`` as a :class:`qfmt.Result`, exactly as
    loading its JSON with ``braket.task_result.gate_model_task_result.v1`` gives it."""
    schema = _module("braket.task_result")
    if isinstance(task_result, schema.GateModelTaskResult):
        return qfmt.load(task_result.json(), TASK_RESULT)  # type: ignore[no-any-return]
    tasks = _module("braket.tasks")
    if not isinstance(task_result, tasks.GateModelQuantumTaskResult):
        raise qfmt.OptionError("from_braket takes a GateModelQuantumTaskResult or a "
                               f"GateModelTaskResult, got {type(task_result).__name__}")
    return qfmt.load(_payload_of(task_result), TASK_RESULT)  # type: ignore[no-any-return]
