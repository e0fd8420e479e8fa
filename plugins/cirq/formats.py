"""Cirq's ``cirq.to_json`` of a ``ResultDict`` (and of a list of them, from ``run_sweep``).

Payload::

    {"cirq_type": "ResultDict",
     "params": {"cirq_type": "ParamResolver", "param_dict": [["theta", 0.5]]},
     "records": {"m": {"packed_digits": "aa80", "binary": true, "dtype": "int8",
                       "shape": [5, 1, 2]}}}

``records[key]`` is a ``(repetitions, instances, qubits)`` array of the digits measured by the
measurement gates with that key, packed with ``np.packbits`` (most significant bit first) of the
flattened array, as hex; ``binary: false`` holds ``np.save`` bytes instead (Cirq writes that for
qudit digits). Files from Cirq before 0.14 carry ``measurements`` (``(repetitions, qubits)``
arrays) instead of ``records`` and ``cirq_type`` ``"Result"`` or ``"TrialResult"``; qfmt reads
them and writes ``records`` (every Cirq since 0.14 reads them).

Bit order: canonical bit *i* of a key's register is the key's *i*-th qubit, in the order the
measurement gate lists them. Cirq's ``Result.histogram(key=...)`` and ``Result.data`` read the same
bits **big-endian** (the first qubit is the most significant bit), so for a key of *n* qubits
Cirq's integer is qfmt's with its *n* bits reversed: qubits ``(1, 0, 0)`` are qfmt's ``1`` and
Cirq's ``4``.

The canonical form is a :class:`qfmt.Result` with one experiment per ResultDict (a JSON list of
them, as ``cirq.to_json(sampler.run_sweep(...))`` writes, is a sweep), each holding per-shot
``memory`` whose :class:`qfmt.RegisterLayout` has one register per measurement key in payload
order (the first key at bit 0). With several keys the layout is not positional: the keys are
separate measurement gates laid end to end, so a format without registers needs
``join_registers=True``.

- A key measured more than once in the circuit (``instances`` > 1, a repeated measurement key) is
  kept: its register holds ``instances * qubits`` bits, instance *j*'s qubit *i* at bit
  ``j * qubits + i`` (Cirq's own ``measurements`` and ``histogram`` refuse repeated keys; its
  ``records`` hold them as qfmt does).
- Digits other than 0 and 1 (qudit measurements) are refused: qfmt holds bits only.
- ``params`` (the ParamResolver, kept verbatim) and any other top-level key of a ResultDict are
  kept on the experiment's ``extra`` (other keys under ``extra["cirq_keys"]``, so another
  format's extras are never written into Cirq's JSON) and written back; the record encodings
  Cirq's reader distinguishes (``dtype`` other than ``int8``, instances) are kept under
  ``extra["cirq_records"]``; a one-element sweep is marked ``Result.extra["cirq_sweep"]`` so it
  is written back as a list.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

import qfmt
from qfmt import kit

FMT = "cirq.result.json.v1"
#: ``cirq_type`` values Cirq reads as a ResultDict (``Result`` before 0.14, ``TrialResult``
#: before 0.11).
RESULT_TYPES = ("ResultDict", "Result", "TrialResult")
#: The dtypes of records (Cirq casts unpacked bits to it; a run of 0 repetitions is float64).
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64")
#: The dtype ``cirq.Simulator`` records: not written to ``extra["cirq_records"]``.
DEFAULT_DTYPE = "int8"
#: The experiment ``extra`` key holding the keys of a ResultDict that qfmt does not model.
PASS_THROUGH = "cirq_keys"
#: The experiment ``extra`` key holding per-key record encodings other than the default.
ENCODING = "cirq_records"
#: The ``Result.extra`` key marking a one-element sweep (written back as a JSON list).
SWEEP = "cirq_sweep"
#: The measurement key a memory without a register layout is written under (``measurement_key=``).
DEFAULT_KEY = "m"
EMPTY_PARAMS: dict[str, Any] = {"cirq_type": "ParamResolver", "param_dict": []}
_RESERVED = frozenset({"cirq_type", "params", "records", "measurements"})
_RECORD_KEYS = frozenset({"packed_digits", "binary", "dtype", "shape"})

BIT_ORDER = ("per measurement key, bit i is the key's i-th qubit (Cirq's histogram reads them "
             "big-endian: its int is qfmt's with the key's bits reversed)")


# -- reading ----------------------------------------------------------------------------------


def _check_params(value: Any, path: str) -> dict[str, Any]:
    obj = kit.expect_dict(value, FMT, path)
    kit.expect_keys(obj, FMT, path, {"cirq_type", "param_dict"})
    if obj["cirq_type"] != "ParamResolver":
        raise qfmt.PayloadError(FMT, kit.subpath(path, "cirq_type"),
                                f"expected 'ParamResolver', got {obj['cirq_type']!r}")
    pairs = obj["param_dict"]
    ppath = kit.subpath(path, "param_dict")
    if isinstance(pairs, dict):  # dict(param_dict) is what Cirq builds: an object works too
        return obj
    for i, pair in enumerate(kit.expect_list(pairs, FMT, ppath)):
        item = kit.expect_list(pair, FMT, kit.subpath(ppath, i))
        if len(item) != 2:
            raise qfmt.PayloadError(FMT, kit.subpath(ppath, i),
                                    f"expected a [name, value] pair, got {len(item)} items")
    return obj


def _shape(value: Any, ndim: int, path: str) -> list[int]:
    dims = kit.expect_list(value, FMT, path)
    what = "[repetitions, instances, qubits]" if ndim == 3 else "[repetitions, qubits]"
    if len(dims) != ndim:
        raise qfmt.PayloadError(FMT, path, f"expected {what}, got {len(dims)} numbers")
    for i, d in enumerate(dims):
        if type(d) is not int or d < 0:
            raise qfmt.PayloadError(FMT, kit.subpath(path, i),
                                    f"expected a non-negative integer, got {d!r}")
    if 0 in dims[1:]:
        raise qfmt.PayloadError(FMT, path, f"{what} {dims}: a measurement key measures at "
                                "least one qubit at least once")
    return list(dims)


def _hex(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise qfmt.PayloadError(FMT, path, f"expected a hex string, got {kit.type_name(value)}")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) * 2 != len(value):  # not hex, or whitespace that fromhex skips
        raise qfmt.PayloadError(FMT, path, "not a hex string of whole bytes")
    return raw


def _npy(raw: bytes, shape: list[int], dtype: str, path: str) -> npt.NDArray[Any]:
    """The ``np.save`` bytes of a non-binary record, read without trusting the header: the shape
    and dtype must be the record's, and the data exactly as long as they say."""
    fp = io.BytesIO(raw)
    try:
        major, _ = np.lib.format.read_magic(fp)
        read = (np.lib.format.read_array_header_1_0 if major == 1 else
                np.lib.format.read_array_header_2_0)
        npy_shape, fortran, npy_dtype = read(fp)
    except Exception as exc:  # numpy raises ValueError and others for a bad header
        raise qfmt.PayloadError(FMT, path, f"binary is false but the digits are not np.save "
                                f"data ({str(exc)[:80]})") from None
    if npy_dtype.kind not in "biuf" or npy_dtype.name != dtype:
        raise qfmt.PayloadError(FMT, path, f"the saved digits are {npy_dtype.name}, but the "
                                f"record says dtype {dtype!r}")
    if list(npy_shape) != shape:
        raise qfmt.PayloadError(FMT, path, f"the saved digits have shape {list(npy_shape)}, but "
                                f"the record says {shape}")
    data = raw[fp.tell():]
    if len(data) != math.prod(shape) * npy_dtype.itemsize:
        raise qfmt.PayloadError(FMT, path, f"the saved digits hold {len(data)} bytes, not the "
                                f"{math.prod(shape) * npy_dtype.itemsize} their shape needs")
    return np.frombuffer(data, dtype=npy_dtype).reshape(shape, order="F" if fortran else "C")


def _record(rec: Any, ndim: int, path: str) -> tuple[npt.NDArray[np.uint8], str]:
    """One packed record -> ``(repetitions, instances, qubits)`` 0/1 array and its dtype name."""
    obj = kit.expect_dict(rec, FMT, path)
    kit.expect_keys(obj, FMT, path, _RECORD_KEYS)
    binary = obj["binary"]
    if not isinstance(binary, bool):
        raise qfmt.PayloadError(FMT, kit.subpath(path, "binary"),
                                f"expected true or false, got {kit.type_name(binary)}")
    dtype = obj["dtype"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise qfmt.PayloadError(FMT, kit.subpath(path, "dtype"),
                                f"expected one of {list(DTYPES)}, got {dtype!r}")
    shape = _shape(obj["shape"], ndim, kit.subpath(path, "shape"))
    width = math.prod(shape[1:])
    if width > kit.MAX_WIDTH:
        raise qfmt.PayloadError(FMT, kit.subpath(path, "shape"), f"{width} bits per repetition "
                                f"exceed qfmt.MAX_WIDTH ({kit.MAX_WIDTH})")
    dpath = kit.subpath(path, "packed_digits")
    raw = _hex(obj["packed_digits"], dpath)
    n = math.prod(shape)
    if binary:
        need = (n + 7) // 8
        if len(raw) != need:
            raise qfmt.PayloadError(FMT, dpath, f"{len(raw)} bytes of packed bits, but shape "
                                    f"{shape} needs {need}")
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=n)
    else:
        digits = _npy(raw, shape, dtype, dpath).reshape(-1)
        bad = np.flatnonzero((digits != 0) & (digits != 1))
        if bad.size:
            value = digits[bad[0]].item()
            raise qfmt.PayloadError(FMT, dpath, f"digit {value} is not a bit: qudit measurements "
                                    "(digits other than 0 and 1) cannot be held; qfmt holds bits")
        bits = digits.astype(np.uint8)
    if ndim == 2:
        shape = [shape[0], 1, shape[1]]
    return bits.reshape(shape), dtype


def _parse_one(payload: Any, path: str) -> qfmt.ExperimentResult:
    obj = kit.expect_dict(payload, FMT, path)
    for key in ("cirq_type", "params"):
        if key not in obj:
            raise qfmt.PayloadError(FMT, path, f"missing key {key!r}")
    if not isinstance(obj["cirq_type"], str) or obj["cirq_type"] not in RESULT_TYPES:
        raise qfmt.PayloadError(FMT, kit.subpath(path, "cirq_type"),
                                f"expected 'ResultDict', got {obj['cirq_type']!r}")
    if ("records" in obj) == ("measurements" in obj):
        raise qfmt.PayloadError(FMT, path, "expected one of 'records' or 'measurements'" +
                                (", not both" if "records" in obj else ""))
    field = "records" if "records" in obj else "measurements"
    params = _check_params(obj["params"], kit.subpath(path, "params"))
    rpath = kit.subpath(path, field)
    records = kit.expect_dict(obj[field], FMT, rpath)
    if not records:
        raise qfmt.PayloadError(FMT, rpath, "expected at least one measurement key, got none")
    columns = []
    layout = []
    encoding: dict[str, Any] = {}
    reps = None
    total = 0
    for key, rec in records.items():
        kpath = kit.subpath(rpath, key)
        digits, dtype = _record(rec, 3 if field == "records" else 2, kpath)
        n, instances, qubits = digits.shape
        if reps is None:
            reps = n
        elif n != reps:
            first = next(iter(records))
            raise qfmt.PayloadError(FMT, kit.subpath(kpath, "shape"), f"{n} repetitions, but key "
                                    f"{first!r} has {reps}")
        total += instances * qubits
        if total > kit.MAX_WIDTH:
            raise qfmt.PayloadError(FMT, kit.subpath(kpath, "shape"), f"the keys hold {total} "
                                    f"bits per repetition, over qfmt.MAX_WIDTH ({kit.MAX_WIDTH})")
        columns.append(digits.reshape(n, instances * qubits))
        layout.append((key, instances * qubits))
        info: dict[str, Any] = {}
        if dtype != DEFAULT_DTYPE:
            info["dtype"] = dtype
        if instances != 1:
            info["instances"] = instances
        if info:
            encoding[key] = info
    packed = np.packbits(np.concatenate(columns, axis=1), axis=1, bitorder="little")
    mem = kit.memory(packed, width=total, fmt=FMT, path=rpath,
                     layout=qfmt.RegisterLayout(layout, positional=len(layout) == 1))
    unknown = {k: v for k, v in obj.items() if k not in _RESERVED}
    # keys of a ResultDict qfmt does not model, kept under this plugin's own name so that a
    # conversion from another format never writes that format's extras into Cirq's JSON
    extra: dict[str, Any] = {PASS_THROUGH: unknown} if unknown else {}
    if params["param_dict"]:
        extra["params"] = params
    if encoding:
        extra[ENCODING] = encoding
    return qfmt.ExperimentResult({"memory": mem}, shots=len(mem), extra=extra)


def parse_result(payload: Any) -> qfmt.Result:
    """``cirq.to_json`` of a ResultDict (or a JSON list of them: a sweep) -> Result with one
    experiment per ResultDict, each holding per-shot memory with one register per key."""
    if isinstance(payload, list):
        if not payload:
            raise qfmt.PayloadError(FMT, "$", "expected at least one ResultDict, got an empty "
                                    "list")
        exps = [_parse_one(item, kit.jpath(i)) for i, item in enumerate(payload)]
        return qfmt.Result(exps, extra={SWEEP: True} if len(exps) == 1 else {})
    if not isinstance(payload, dict):
        raise qfmt.PayloadError(FMT, "$", "expected a ResultDict object or a list of them, got "
                                f"{kit.type_name(payload)}")
    return qfmt.Result([_parse_one(payload, "$")])


# -- writing ----------------------------------------------------------------------------------


def _encoding(exp: qfmt.ExperimentResult, name: str, width: int) -> tuple[str, int]:
    """The dtype and instance count to write a key with: the ones it was read with, if they
    still fit the register; else Cirq's simulator defaults (int8, one instance)."""
    enc = exp.extra.get(ENCODING)
    info = enc.get(name) if isinstance(enc, Mapping) else None
    dtype, instances = DEFAULT_DTYPE, 1
    if isinstance(info, Mapping):
        d, i = info.get("dtype"), info.get("instances")
        if isinstance(d, str) and d in DTYPES:
            dtype = d
        if type(i) is int and i >= 1 and width % i == 0:
            instances = i
    return dtype, instances


def _dump_one(exp: qfmt.ExperimentResult, key: str, index: int) -> dict[str, Any]:
    mem = exp.data["memory"]
    layout = mem.layout or qfmt.RegisterLayout.single(mem.width, key)
    bits = mem.to_bool()
    records: dict[str, Any] = {}
    for reg in layout.registers:
        if reg.width == 0:
            raise qfmt.LossyConversionError(
                f"experiment {index}: register {reg.name!r} has no bits, and a Cirq measurement "
                "key measures at least one qubit")
        off = layout.offset(reg.name)
        dtype, instances = _encoding(exp, reg.name, reg.width)
        packed = np.packbits(bits[:, off:off + reg.width], axis=None)
        records[reg.name] = {"packed_digits": packed.tobytes().hex(), "binary": True,
                             "dtype": dtype,
                             "shape": [len(mem), instances, reg.width // instances]}
    params = exp.extra.get("params", EMPTY_PARAMS)
    try:
        params = _check_params(params, "$.params")
    except qfmt.PayloadError as exc:
        raise qfmt.LossyConversionError(
            f"experiment {index}: extra['params'] is not a Cirq ParamResolver ({exc.reason})"
        ) from None
    out: dict[str, Any] = {"cirq_type": "ResultDict", "params": params, "records": records}
    kept = exp.extra.get(PASS_THROUGH)
    if isinstance(kept, dict):
        for name, value in kept.items():
            if name not in _RESERVED:
                out[name] = value
    return out


def dump_result(result: qfmt.Result, *, measurement_key: str = DEFAULT_KEY) -> Any:
    """Result -> one ResultDict (a list of them for several experiments, or for a one-element
    sweep), each experiment's memory written as ``records``: one key per register of its layout
    (``measurement_key`` names the key of a memory without a layout)."""
    if not isinstance(measurement_key, str):
        raise qfmt.OptionError(f"measurement_key must be a str, got {measurement_key!r}")
    items = [_dump_one(e, measurement_key, i) for i, e in enumerate(result.results)]
    if len(items) == 1 and not result.extra.get(SWEEP):
        return items[0]
    return items


def _sniff(payload: Any) -> float:
    first = payload[0] if isinstance(payload, list) and payload else payload
    return 0.95 if isinstance(first, dict) and first.get("cirq_type") in RESULT_TYPES else 0.1


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """The Cirq result format."""
    return [qfmt.Format(
        FMT, "Cirq ResultDict JSON (cirq.to_json; a list for a sweep): per-shot records per "
        "measurement key", parse_result, dump_result, kit.load_schema(FMT), qfmt.Result,
        qfmt.Memory, _sniff, bit_order=BIT_ORDER,
        capabilities={"experiments", "shot-order", "shots", "registers", "register-names",
                      "joint"})]
