"""Amazon Braket's gate-model task result, read and written without the Braket SDK.

``braket.task_result.gate_model_task_result.v1`` is the JSON of ``GateModelTaskResult``
(``amazon-braket-schemas``), the ``results.json`` a quantum task writes and
``GateModelQuantumTaskResult.from_string`` reads.

Bit order: Braket is big-endian in its text. ``measurements[s][i]`` is the bit of qubit
``measuredQubits[i]`` in shot *s*, and character *i* of a ``measurementProbabilities`` key
(leftmost first) is the same qubit. qfmt's canonical bit *i* is that column / character, so the
GHZ outcome "qubit 0 set, others clear" (canonical 1) is the row ``[1, 0, 0]`` and the key
``"100"``. Widths are ``len(measuredQubits)``: the qubits that were measured, never the device's.

The payload is one task, loaded as a :class:`qfmt.Result` with one experiment:

- ``data["memory"]`` (a :class:`qfmt.Memory`) from ``measurements``; ``data["probabilities"]``
  (a :class:`qfmt.ProbDistribution`, ``shots`` = ``taskMetadata.shots``) from
  ``measurementProbabilities``; neither for a ``shots=0`` task that holds only ``resultTypes``.
- ``Result.job_id`` and the experiment's ``job_id`` are ``taskMetadata.id``,
  ``Result.backend_name`` is ``taskMetadata.deviceId``, the experiment's ``shots`` is
  ``taskMetadata.shots``; ``measuredQubits`` is the experiment's ``measured_qubits`` (kept even
  when it is ``[0, 1, ..., n-1]``).
- ``resultTypes`` (when it holds any) is the experiment's ``data["result_types"]``: the list as
  it was, plain JSON data (state vectors and amplitudes as ``[re, im]`` pairs), so formats that
  keep experiment data verbatim carry it; an empty or null ``resultTypes`` stays in
  ``Result.extra``.
- Everything else (``braketSchemaHeader``, ``taskMetadata``, ``additionalMetadata``,
  ``outputs``, unknown keys) is kept in ``Result.extra`` as it was, and written back. On writing,
  ``id``, ``deviceId`` and ``shots`` of ``taskMetadata`` come from the model's fields (which win
  over the kept copy).

Writing: memory becomes ``measurements``; counts (with no memory) become
``measurementProbabilities`` with ``taskMetadata.shots`` = their total, from which Braket's
reader gives back the same counts; probabilities need a shot count (``ProbDistribution.shots``,
the experiment's ``shots``, or ``shots=``). Braket holds no leakage: leaked shots are left out
before writing (``include_leakage=True`` keeps them as plain shots), as for every format
without leakage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

import qfmt
from qfmt import kit

TASK_RESULT = "braket.task_result.gate_model_task_result.v1"
PROB_ATOL = kit.PROB_ATOL

#: The ``braketSchemaHeader`` of a gate-model task result, and of its task metadata.
HEADER = {"name": "braket.task_result.gate_model_task_result", "version": "1"}
TASK_METADATA_HEADER = {"name": "braket.task_result.task_metadata", "version": "1"}
OPENQASM_HEADER = {"name": "braket.ir.openqasm.program", "version": "1"}

#: What qfmt writes as ``additionalMetadata.action`` when the data carries no program:
#: Braket's reader needs one to compute result types, so the placeholder says what it is.
PLACEHOLDER_PROGRAM = ("OPENQASM 3.0;\n// The program was not recorded with these results "
                       "(written by qfmt from another format).")
UNKNOWN = "unknown"

_DATA_KEYS = ("measurements", "measurementProbabilities")
_MEASURED = "measuredQubits"
_RESULT_TYPES = "resultTypes"
_MAX_QUBIT = 2**63 - 1  # a qubit index JSON writers (and Braket's devices) can hold
#: The experiment data key that holds Braket's ``resultTypes`` (plain JSON data).
RESULT_TYPES = "result_types"
_BITSTRING = re.compile(r"[01]+")
_BIT_VALUES = {0: 0, 1: 1, "0": 0, "1": 1}

BIT_ORDER = ("big-endian text: measurements[s][i] and character i of a measurementProbabilities "
             "key (leftmost first) are qubit measuredQubits[i], canonical bit i")


def _error(path: str, reason: str) -> qfmt.PayloadError:
    return qfmt.PayloadError(TASK_RESULT, path, reason)


def _optional(obj: Mapping[str, Any], key: str) -> Any:
    """The value at ``key``, None when absent or null (pydantic's Optional)."""
    return obj.get(key)


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _error(path, f"expected a non-empty string, got {kit.type_name(value)}")
    return value


def _check_header(value: Any, path: str, expected: Mapping[str, str]) -> None:
    header = kit.expect_dict(value, TASK_RESULT, path)
    for key, want in expected.items():
        if key not in header:
            raise _error(path, f"missing key {key!r}")
        if header[key] != want:
            raise _error(kit.subpath(path, key), f"expected {want!r}, got {header[key]!r}")


def _task_metadata(value: Any) -> tuple[str, int, str]:
    meta = kit.expect_dict(value, TASK_RESULT, "$.taskMetadata")
    for key in ("id", "shots", "deviceId"):
        if key not in meta:
            raise _error("$.taskMetadata", f"missing key {key!r}")
    task_id = _string(meta["id"], "$.taskMetadata.id")
    device = _string(meta["deviceId"], "$.taskMetadata.deviceId")
    shots = kit.count_value(meta["shots"], TASK_RESULT, "$.taskMetadata.shots")
    return task_id, shots, device


def _measured_qubits(value: Any) -> list[int] | None:
    if value is None:
        return None
    items = kit.expect_list(value, TASK_RESULT, "$.measuredQubits")
    if not items:
        raise _error("$.measuredQubits", "expected at least one qubit, got an empty list")
    for i, q in enumerate(items):
        if type(q) is not int or not 0 <= q <= _MAX_QUBIT:
            raise _error(kit.jpath(_MEASURED, i), "a qubit index must be an integer in "
                         f"[0, 2**63 - 1], got {kit.short_repr(q)}")
    return list(items)


def _measurement_rows(value: Any) -> np.ndarray:
    """``measurements`` -> a ``(shots, width)`` uint8 array of 0/1. Bits are 0/1, or the strings
    "0"/"1" that Braket's simulators write (its reader accepts both); never booleans."""
    rows = kit.expect_list(value, TASK_RESULT, "$.measurements")
    if not rows:
        raise _error("$.measurements", "expected at least one shot, got an empty list")
    if set(map(type, rows)) == {list} and len(set(map(len, rows))) == 1 and \
            set(map(type, chain.from_iterable(rows))) == {str}:
        text = np.array(rows, dtype=str)
        ones: np.ndarray = np.equal(text, "1")
        if (ones | np.equal(text, "0")).all():
            return ones.astype(np.uint8)
    # ints, or strings and ints mixed (Braket's reader takes both): strings "0"/"1" as ints
    ints = [[_BIT_VALUES.get(b, b) if type(b) is str else b for b in row]
            if type(row) is list else row for row in rows]
    return kit.int_rows(ints, TASK_RESULT, "$.measurements", what="shot")


def _probabilities(value: Any, shots: int, atol: float, normalize: bool
                   ) -> qfmt.ProbDistribution:
    obj = kit.expect_dict(value, TASK_RESULT, "$.measurementProbabilities")
    if not obj:
        raise _error("$.measurementProbabilities", "expected at least one outcome, got none")
    keys = list(obj)
    width = len(keys[0])
    if width > kit.MAX_WIDTH:  # before any big integer is built
        raise _error(kit.jpath("measurementProbabilities", keys[0]),
                     f"{width} bits is wider than qfmt's limit of {kit.MAX_WIDTH}")
    for key in keys:
        if len(key) != width or not _BITSTRING.fullmatch(key):
            p = kit.jpath("measurementProbabilities", key)
            if not _BITSTRING.fullmatch(key):
                raise _error(p, f"{key!r} is not a bitstring of 0 and 1")
            raise _error(p, f"{key!r} has {len(key)} bits but {keys[0]!r} has {width}")
    values = kit.read_values(keys, list(obj.values()), TASK_RESULT, "$.measurementProbabilities",
                             kit.probability_reader(atol))
    # character i (leftmost first) is bit i: reversed, the key reads as a binary number
    outcomes = [int(k[::-1], 2) for k in keys]
    return kit.probabilities(outcomes, values, width=width, fmt=TASK_RESULT,
                             path="$.measurementProbabilities", atol=atol, normalize=normalize,
                             shots=shots or None)


def _list_of_objects(value: Any, key: str) -> None:
    if value is None:
        return
    items = kit.expect_list(value, TASK_RESULT, kit.jpath(key))
    for i, item in enumerate(items):
        kit.expect_dict(item, TASK_RESULT, kit.jpath(key, i))


def parse_task_result(payload: Any, *, atol: float = PROB_ATOL, normalize: bool = False
                      ) -> qfmt.Result:
    """A ``GateModelTaskResult`` JSON -> a Result of one experiment (see the module docstring):
    ``memory`` from ``measurements``, ``probabilities`` from ``measurementProbabilities``
    (summing to 1 within ``atol``, or rescaled with ``normalize=True``); the metadata is kept in
    ``Result.extra`` for the round trip."""
    obj = kit.expect_dict(payload, TASK_RESULT, "$")
    for key in ("taskMetadata", "additionalMetadata"):
        if key not in obj:
            raise _error("$", f"missing key {key!r}")
    if "braketSchemaHeader" in obj:
        _check_header(obj["braketSchemaHeader"], "$.braketSchemaHeader", HEADER)
    task_id, shots, device = _task_metadata(obj["taskMetadata"])
    kit.expect_dict(obj["additionalMetadata"], TASK_RESULT, "$.additionalMetadata")
    result_types = _optional(obj, _RESULT_TYPES)
    _list_of_objects(result_types, _RESULT_TYPES)
    if result_types:  # kept as experiment data, which core does not check: written back as is
        problem = kit.passthrough_problem(result_types)
        if problem is not None:
            raise _error("$.resultTypes", problem)
    _list_of_objects(_optional(obj, "outputs"), "outputs")
    measured = _measured_qubits(_optional(obj, _MEASURED))
    data: dict[str, Any] = {}
    rows_value = _optional(obj, "measurements")
    if rows_value is not None:
        rows = _measurement_rows(rows_value)
        if measured is not None and rows.shape[1] != len(measured):
            raise _error("$.measurements[0]", f"a shot has {rows.shape[1]} bits but "
                         f"measuredQubits lists {len(measured)} qubits")
        if rows.shape[0] != shots:
            raise _error("$.measurements", f"{rows.shape[0]} shots but taskMetadata.shots is "
                         f"{shots}")
        data["memory"] = kit.memory_from_bits(rows)
    probs_value = _optional(obj, "measurementProbabilities")
    if probs_value is not None:
        probs = _probabilities(probs_value, shots, atol, normalize)
        if measured is not None and probs.width != len(measured):
            raise _error(kit.jpath("measurementProbabilities", next(iter(probs_value))),
                         f"an outcome has {probs.width} bits but measuredQubits lists "
                         f"{len(measured)} qubits")
        if "memory" in data and probs.width != data["memory"].width:
            raise _error("$.measurementProbabilities", "outcomes have a different width from "
                         "the measurements")
        data["probabilities"] = probs
    if not data and shots > 0:
        raise _error("$", "a task with shots needs measurements or measurementProbabilities")
    kept = (*_DATA_KEYS, _MEASURED, _RESULT_TYPES) if result_types else (*_DATA_KEYS, _MEASURED)
    if result_types:
        data[RESULT_TYPES] = result_types
    extra = {k: v for k, v in obj.items() if k not in kept}
    exp = qfmt.ExperimentResult(data, shots=shots, job_id=task_id, measured_qubits=measured)
    return qfmt.Result([exp], backend_name=device, job_id=task_id, extra=extra)


# -- writing ----------------------------------------------------------------------------------


def _pick(result: qfmt.Result, experiment: Any) -> qfmt.ExperimentResult:
    if experiment is None and len(result.results) != 1:
        ids = [e.job_id or e.name for e in result.results]
        raise qfmt.LossyConversionError(
            f"the result has {len(result.results)} experiments ({ids}) and a Braket task "
            "result holds one", "experiment=<index, name or job id>")
    return result.experiment(experiment)


def _qubits(exp: qfmt.ExperimentResult, width: int | None,
            measured_qubits: Sequence[int] | None) -> list[int] | None:
    """measuredQubits to write: the option, else the experiment's ``measured_qubits``, else
    0..width-1. Labels that are not qubit indices (pytket's ``"q[3]"``) cannot be written: a
    Braket qubit is a number, so they are refused rather than renumbered."""
    option = measured_qubits is not None
    given = measured_qubits if option else exp.measured_qubits
    if given is None:
        return None if width is None else list(range(width))
    qubits = list(given)
    bad = [q for q in qubits
           if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= _MAX_QUBIT]
    if option and (bad or (width is not None and len(qubits) != width)):
        raise qfmt.OptionError(f"measured_qubits={kit.short_repr(qubits)} must be {width} "
                               "qubit indices in [0, 2**63 - 1], one per measured bit")
    if bad:
        raise qfmt.LossyConversionError(
            f"the experiment's measured qubits {kit.short_repr(qubits)} are not all qubit "
            "indices, and a Braket task result numbers its qubits", "measured_qubits=[...]")
    if width is not None and len(qubits) != width:
        raise qfmt.LossyConversionError(
            f"the experiment names {len(qubits)} measured qubits for data of {width} bits",
            "measured_qubits=[...]")
    return [int(q) for q in qubits]


def _big_endian_keys(dist: Any) -> list[str]:
    return [s[::-1] for s in kit.bitstrings(dist.outcome_array, dist.width)]


def _measurement_data(exp: qfmt.ExperimentResult, shots: int | None
                      ) -> tuple[dict[str, Any], int | None, int]:
    """(the data fields, their width, the task's shots)."""
    data = exp.data
    mem, counts, probs = data.get("memory"), data.get("counts"), data.get("probabilities")
    out: dict[str, Any] = {}
    if isinstance(mem, qfmt.Memory):
        if shots is not None and shots != len(mem):
            raise qfmt.OptionError(f"shots={shots} but the memory holds {len(mem)} shots")
        out["measurements"] = mem.to_bool().view(np.uint8).tolist()
        if isinstance(probs, qfmt.ProbDistribution) and probs.width == mem.width:
            out["measurementProbabilities"] = dict(zip(_big_endian_keys(probs),
                                                       probs.value_array.tolist()))
        return out, mem.width, len(mem)
    if isinstance(counts, qfmt.Counts):
        total = counts.shots()
        if shots is not None and shots != total:
            raise qfmt.OptionError(f"shots={shots} but the counts add up to {total}")
        probs = counts.probabilities()
        out["measurementProbabilities"] = dict(zip(_big_endian_keys(probs),
                                                   probs.value_array.tolist()))
        return out, counts.width, total
    if isinstance(probs, qfmt.ProbDistribution):
        n = shots if shots is not None else (probs.shots or exp.shots)
        # a task of 0 shots (exact probabilities) read from Braket is written back as it was
        exact_task = shots is None and not probs.shots and exp.shots == 0
        if not exact_task and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
            raise qfmt.LossyConversionError(
                "a Braket task result records the shots its probabilities were estimated from, "
                "and these probabilities carry none", "shots=N")
        out["measurementProbabilities"] = dict(zip(_big_endian_keys(probs),
                                                   probs.value_array.tolist()))
        return out, probs.width, n if isinstance(n, int) else 0
    unusable = sorted(k for k, v in data.items() if isinstance(v, (qfmt.QuasiDistribution,
                                                                  qfmt.Memory, qfmt.Counts,
                                                                  qfmt.ProbDistribution)))
    if unusable:
        raise qfmt.LossyConversionError(f"a Braket task result cannot hold {unusable} "
                                        "(quasi-probabilities may be negative)")
    n = exp.shots if isinstance(exp.shots, int) else 0
    if n:
        raise qfmt.LossyConversionError(f"experiment {exp.name!r} ran {n} shots but holds no "
                                        "measurements, counts or probabilities")
    return out, None, 0


def dump_task_result(result: qfmt.Result, *, experiment: Any = None, shots: int | None = None,
                     measured_qubits: Sequence[int] | None = None, task_id: str | None = None,
                     device_id: str | None = None, program: str | None = None
                     ) -> dict[str, Any]:
    """Result -> ``GateModelTaskResult`` JSON that ``GateModelQuantumTaskResult.from_string``
    reads (see the module docstring).

    ``experiment=`` picks one of several experiments; ``shots=`` gives the shot count of
    probabilities that carry none; ``measured_qubits=`` the qubit of each bit (default: the
    experiment's ``measuredQubits``, else 0..width-1); ``task_id=`` / ``device_id=`` the
    ``taskMetadata`` ids (default: the job id and backend name, else ``"unknown"``);
    ``program=`` OpenQASM source for ``additionalMetadata.action`` (default: the kept
    ``additionalMetadata`` as it was; for data from another format, which has none, a
    placeholder program that says the program was not recorded, since Braket's reader needs one).
    Experiment data other than the result types never reaches it: core refuses that loss
    (``allow_loss="experiment-data"`` leaves it out).
    """
    exp = _pick(result, experiment)
    fields, width, n = _measurement_data(exp, shots)
    extra = dict(result.extra)
    result_types = exp.data.get(RESULT_TYPES)
    if result_types is not None:
        if not isinstance(result_types, list) or \
                not all(isinstance(rt, Mapping) for rt in result_types):
            raise qfmt.PayloadError(TASK_RESULT, "$.resultTypes",
                                    f"data[{RESULT_TYPES!r}] must be a list of objects, got "
                                    f"{kit.type_name(result_types)}")
        extra[_RESULT_TYPES] = result_types
    kept = extra.pop("taskMetadata", None)
    meta = dict(kept) if isinstance(kept, Mapping) else {
        "braketSchemaHeader": dict(TASK_METADATA_HEADER)}
    meta["id"] = task_id or exp.job_id or result.job_id or meta.get("id") or UNKNOWN
    meta["shots"] = n
    meta["deviceId"] = device_id or result.backend_name or meta.get("deviceId") or UNKNOWN
    kept = extra.pop("additionalMetadata", None)
    additional = dict(kept) if isinstance(kept, Mapping) else {}
    if program is not None:
        additional["action"] = {"braketSchemaHeader": dict(OPENQASM_HEADER), "source": program}
    elif not isinstance(kept, Mapping) and n > 0 and not extra.get(_RESULT_TYPES):
        # data from another format: Braket's reader needs a program to read the result types
        # from, and the data has none
        additional["action"] = {"braketSchemaHeader": dict(OPENQASM_HEADER),
                                "source": PLACEHOLDER_PROGRAM}
    out: dict[str, Any] = {"braketSchemaHeader": extra.pop("braketSchemaHeader", None) or
                           dict(HEADER)}
    out.update(fields)
    qubits = _qubits(exp, width, measured_qubits)
    if qubits is not None:
        out[_MEASURED] = qubits
    out["taskMetadata"] = meta
    out["additionalMetadata"] = additional
    for key, value in extra.items():
        if key not in out:
            out[key] = value
    return out


def _sniff(payload: Any) -> float:
    return 0.95 if isinstance(payload, dict) and "taskMetadata" in payload else 0.5


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The Amazon Braket formats."""
    return [
        qfmt.Format(TASK_RESULT,
                    "Amazon Braket GateModelTaskResult: measurements or measurementProbabilities",
                    parse_task_result, dump_task_result, kit.load_schema(TASK_RESULT),
                    qfmt.Result, None, _sniff, registers=False, bit_order=BIT_ORDER,
                    capabilities={"shot-order", "shots", "bit-labels", "result-types",
                                  "metadata"}),
    ]
