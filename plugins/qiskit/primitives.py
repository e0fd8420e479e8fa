"""Qiskit primitives V2 results (``SamplerV2`` / ``EstimatorV2``) as saved by IBM's
``json.dump(result, f, cls=RuntimeEncoder)``, read and written without Qiskit installed.

- ``qiskit.primitives.sampler.json.v1``: a ``PrimitiveResult`` of ``SamplerPubResult``\\ s, one
  packed ``BitArray`` per classical register. Loads into a :class:`qfmt.Result` with one
  experiment per pub element (pubs in order, elements of a pub of shape ``S`` in C order), each
  holding its shots as a packed :class:`qfmt.Memory` whose layout is the DataBin fields in field
  order, the first field at bit 0 (as ``SamplerPubResult.join_data()`` concatenates them).
  Each experiment's header carries ``pub`` (the pub index), ``index`` (the element index),
  ``shape`` (the pub's shape) and ``metadata`` (the pub's metadata); the result's metadata is in
  ``Result.extra["metadata"]``.
- ``qiskit.primitives.estimator.json.v1``: a ``PrimitiveResult`` of ``PubResult`` /
  ``EstimatorPubResult``\\ s with ``evs``, ``stds``, ``ensemble_standard_error`` and any further
  arrays (ZNE fields). Loads into :class:`qfmt.Expectations`.

The encoding (``qiskit_ibm_runtime.json``): every object is ``{"__type__": NAME, "__value__":
...}``; an ndarray's value is base64 of zlib of ``np.save(arr, allow_pickle=False)`` (a pickled
array is refused, never unpickled). ``BitArray.array`` is uint8 of shape ``(*shape, shots,
ceil(num_bits / 8))``, big-endian across bytes: classical bit 0 is the least significant bit of
the **last** byte. Metadata is kept as the JSON it was written as (``datetime``,
``ExecutionSpans`` and other envelopes untouched), so it passes through a round trip exactly;
:func:`decode_metadata` turns datetimes, complex numbers, sets and arrays into Python values.

``to_qiskit_primitive`` / ``from_qiskit_primitive`` turn these into real Qiskit objects and back
(the ``qiskit`` extra).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import importlib
import io
import json
import sys
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

import qfmt
from qfmt import kit

from .formats import NOT_SCALAR, json_scalar

SAMPLER = "qiskit.primitives.sampler.json.v1"
ESTIMATOR = "qiskit.primitives.estimator.json.v1"

#: Names a DataBin field cannot have: DataBin's own attributes (qiskit's ``_RESTRICTED_NAMES``).
RESERVED_FIELDS = frozenset({"_RESTRICTED_NAMES", "_SHAPE", "_FIELDS", "_FIELD_TYPES", "_data",
                             "_shape", "keys", "values", "items", "shape", "ndim", "size"})
SAMPLER_PUB_TYPES = ("SamplerPubResult", "PubResult")
ESTIMATOR_PUB_TYPES = ("PubResult", "EstimatorPubResult")

__all__ = [
    "ESTIMATOR", "RESERVED_FIELDS", "SAMPLER", "decode_metadata", "decode_ndarray",
    "dump_estimator", "dump_sampler", "encode_ndarray", "formats", "from_qiskit_primitive",
    "handles_primitive", "parse_estimator", "parse_sampler", "to_qiskit_primitive",
]


# -- the envelope -------------------------------------------------------------------------------


def _envelope(obj: Any, fmt: str, path: str, types: Sequence[str]) -> tuple[str, Any, str]:
    """``{"__type__": T, "__value__": V}`` with T in ``types`` -> (T, V, path of V)."""
    obj = kit.expect_dict(obj, fmt, path)
    kit.expect_keys(obj, fmt, path, {"__type__", "__value__"})
    kind = obj["__type__"]
    if kind not in types:
        want = " or ".join(repr(t) for t in types)
        raise qfmt.PayloadError(fmt, kit.subpath(path, "__type__"),
                                f"expected {want}, got {kind!r}"[:200])
    return kind, obj["__value__"], kit.subpath(path, "__value__")


def _wrap(kind: str, value: Any) -> dict[str, Any]:
    return {"__type__": kind, "__value__": value}


def _int(value: Any, fmt: str, path: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise qfmt.PayloadError(fmt, path, f"{what} must be a non-negative integer, got "
                                f"{kit.type_name(value)}")
    return int(value)


def _shape(value: Any, fmt: str, path: str) -> tuple[int, ...]:
    items = kit.expect_list(value, fmt, path)
    return tuple(_int(v, fmt, kit.subpath(path, i), "a shape entry") for i, v in enumerate(items))


def _metadata(value: Any, fmt: str, path: str) -> dict[str, Any]:
    return dict(kit.expect_dict(value, fmt, path))


def _b64decode(text: str) -> bytes:
    if sys.version_info >= (3, 11):  # strict and without b64decode's regex pass
        return binascii.a2b_base64(text, strict_mode=True)
    return base64.b64decode(text, validate=True)


def decode_ndarray(value: Any, fmt: str, path: str = "$") -> npt.NDArray[Any]:
    """The array of an ``ndarray`` envelope's value: base64 of zlib of ``np.save`` (never
    unpickled: an object array is a PayloadError). An ndarray passes through (Qiskit objects)."""
    if isinstance(value, np.ndarray):
        return value
    if not isinstance(value, str):
        raise qfmt.PayloadError(fmt, path, "expected a base64 string of a zlib-compressed .npy "
                                f"array, got {kit.type_name(value)}")
    try:
        raw = zlib.decompress(_b64decode(value))
    except (binascii.Error, ValueError):
        raise qfmt.PayloadError(fmt, path, "not valid base64") from None
    except zlib.error:
        raise qfmt.PayloadError(fmt, path, "not zlib-compressed data") from None
    try:
        arr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise qfmt.PayloadError(fmt, path, "a pickled (object) array: qfmt never unpickles "
                                    "data") from None
        raise qfmt.PayloadError(fmt, path, "not a .npy array") from None
    except Exception:
        raise qfmt.PayloadError(fmt, path, "not a .npy array") from None
    if arr.dtype.hasobject:
        raise qfmt.PayloadError(fmt, path, "an object array is refused")
    return arr


def encode_ndarray(arr: npt.NDArray[Any]) -> dict[str, Any]:
    """An ``ndarray`` envelope as ``RuntimeEncoder`` writes it (npy, zlib, base64)."""
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return _wrap("ndarray", base64.standard_b64encode(zlib.compress(buf.getvalue())).decode())


def _ndarray(obj: Any, fmt: str, path: str) -> npt.NDArray[Any]:
    _, value, vpath = _envelope(obj, fmt, path, ("ndarray",))
    return decode_ndarray(value, fmt, vpath)


def _field_name(name: str, fmt: str, path: str) -> str:
    if not name.isidentifier() or name in RESERVED_FIELDS:
        raise qfmt.PayloadError(fmt, path, f"{name!r} cannot be a DataBin field (a Python "
                                "identifier that is not one of DataBin's own attributes)")
    return name


def _databin(obj: Any, fmt: str, path: str) -> tuple[tuple[int, ...], dict[str, Any], str]:
    """A DataBin envelope -> (shape, {field: raw value}, path of fields)."""
    _, value, vpath = _envelope(obj, fmt, path, ("DataBin",))
    value = kit.expect_dict(value, fmt, vpath)
    kit.expect_keys(value, fmt, vpath, {"shape", "fields"}, {"field_names", "field_types"})
    shape = _shape(value["shape"], fmt, kit.subpath(vpath, "shape"))
    fpath = kit.subpath(vpath, "fields")
    fields = kit.expect_dict(value["fields"], fmt, fpath)
    for name in fields:
        _field_name(name, fmt, kit.subpath(fpath, name))
    if "field_names" in value:
        npath = kit.subpath(vpath, "field_names")
        names = kit.expect_list(value["field_names"], fmt, npath)
        if names != list(fields):
            raise qfmt.PayloadError(fmt, npath, f"field_names {names!r} do not list the fields "
                                    f"{list(fields)} in order"[:300])
    return shape, dict(fields), fpath


def _primitive_result(payload: Any, fmt: str) -> tuple[list[Any], dict[str, Any], str]:
    _, value, vpath = _envelope(payload, fmt, "$", ("PrimitiveResult",))
    value = kit.expect_dict(value, fmt, vpath)
    kit.expect_keys(value, fmt, vpath, {"pub_results"}, {"metadata"})
    ppath = kit.subpath(vpath, "pub_results")
    pubs = kit.expect_list(value["pub_results"], fmt, ppath)
    meta = _metadata(value.get("metadata", {}), fmt, kit.subpath(vpath, "metadata"))
    return pubs, meta, ppath


def _pub(obj: Any, fmt: str, path: str, types: Sequence[str]
         ) -> tuple[str, Any, dict[str, Any], str]:
    """A pub result envelope -> (type, DataBin envelope, metadata, path of the DataBin)."""
    kind, value, vpath = _envelope(obj, fmt, path, types)
    value = kit.expect_dict(value, fmt, vpath)
    kit.expect_keys(value, fmt, vpath, {"data"}, {"metadata"})
    meta = _metadata(value.get("metadata", {}), fmt, kit.subpath(vpath, "metadata"))
    return kind, value["data"], meta, kit.subpath(vpath, "data")


# -- metadata -----------------------------------------------------------------------------------


def _encode_value(value: Any, fmt: str, path: str) -> Any:
    """Metadata as JSON: plain JSON passes through (envelopes included); datetimes, complex
    numbers, sets and numpy values become RuntimeEncoder envelopes."""
    scalar = json_scalar(value, fmt, path)
    if scalar is not NOT_SCALAR:
        return scalar
    if isinstance(value, (datetime.date, datetime.datetime)):
        return _wrap("datetime", value.isoformat())
    if isinstance(value, (complex, np.complexfloating)):
        return _wrap("complex", [float(value.real), float(value.imag)])
    if isinstance(value, np.ndarray):
        return encode_ndarray(value) if not value.dtype.hasobject else _wrap(
            "ndarray", _encode_value(value.tolist(), fmt, path))
    if isinstance(value, (set, frozenset)):
        return _wrap("set", [_encode_value(v, fmt, kit.subpath(path, i))
                             for i, v in enumerate(value)])
    if isinstance(value, Mapping):
        return {str(k): _encode_value(v, fmt, kit.subpath(path, str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_value(v, fmt, kit.subpath(path, i)) for i, v in enumerate(value)]
    raise qfmt.PayloadError(fmt, path, f"a {type(value).__name__} in the metadata cannot be "
                            "written as JSON")


def decode_metadata(value: Any) -> Any:
    """Metadata with its ``datetime``, ``complex``, ``set`` and ``ndarray`` envelopes decoded to
    Python values (other envelopes, such as ``ExecutionSpans``, are left as they are)."""
    if isinstance(value, list):
        return [decode_metadata(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__type__", "__value__"}:
        kind, inner = value["__type__"], value["__value__"]
        try:
            if kind == "datetime" and isinstance(inner, str):
                return datetime.datetime.fromisoformat(inner)
            if kind == "complex" and isinstance(inner, list) and len(inner) == 2:
                return complex(inner[0], inner[1])
            if kind == "set" and isinstance(inner, list):
                return set(decode_metadata(inner))
            if kind == "ndarray":
                return np.array(inner) if isinstance(inner, (int, list)) else \
                    decode_ndarray(inner, "metadata")
        except (ValueError, TypeError, qfmt.PayloadError):
            return value
    return {k: decode_metadata(v) for k, v in value.items()}


# -- the sampler: reading -----------------------------------------------------------------------


def _bitarray(obj: Any, shape: tuple[int, ...], path: str) -> tuple[npt.NDArray[np.uint8], int]:
    _, value, vpath = _envelope(obj, SAMPLER, path, ("BitArray",))
    value = kit.expect_dict(value, SAMPLER, vpath)
    kit.expect_keys(value, SAMPLER, vpath, {"array", "num_bits"})
    num_bits = kit.check_width(value["num_bits"], SAMPLER, kit.subpath(vpath, "num_bits"),
                               "num_bits")
    apath = kit.subpath(vpath, "array")
    arr = _ndarray(value["array"], SAMPLER, apath)
    nb = -(-num_bits // 8)
    want = f"(*{list(shape)}, shots, {nb})"
    if arr.dtype != np.uint8:
        raise qfmt.PayloadError(SAMPLER, apath, f"a BitArray holds uint8, got {arr.dtype}")
    if arr.ndim != len(shape) + 2 or arr.shape[:-2] != shape or arr.shape[-1] != nb:
        raise qfmt.PayloadError(SAMPLER, apath, f"array of shape {list(arr.shape)} does not fit "
                                f"the DataBin shape and num_bits={num_bits}: expected {want}")
    rest = num_bits % 8
    if rest and arr.size and (arr[..., 0] >> rest).any():
        raise qfmt.PayloadError(SAMPLER, apath, f"a shot sets bits above num_bits={num_bits}")
    return arr, num_bits


def _be_to_u64(rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """(shots, nb <= 8) big-endian bytes -> uint64 values."""
    n, nb = rows.shape
    padded = np.zeros((n, 8), dtype=np.uint8)
    if nb:
        padded[:, 8 - nb:] = rows
    out: npt.NDArray[np.uint64] = padded.view(">u8").reshape(n).astype(np.uint64)
    return out


def _joint_bits(parts: list[tuple[npt.NDArray[np.uint8], int]], width: int
                ) -> npt.NDArray[np.uint8]:
    """Packed little-endian shots of the fields laid end to end, the first at bit 0."""
    if len(parts) == 1:
        rows = parts[0][0]
        return np.ascontiguousarray(rows[:, ::-1])  # big-endian bytes -> little-endian
    if width <= 64:
        joint = np.zeros(parts[0][0].shape[0], dtype=np.uint64)
        off = 0
        for rows, n in parts:
            if n:
                joint |= _be_to_u64(rows) << np.uint64(off)
            off += n
        return kit.pack_u64(joint)
    cols = [np.unpackbits(rows[:, ::-1], axis=1, bitorder="little", count=n) for rows, n in parts]
    return np.packbits(np.concatenate(cols, axis=1), axis=1, bitorder="little")


def parse_sampler(payload: Any) -> qfmt.Result:
    """A SamplerV2 ``PrimitiveResult`` (RuntimeEncoder JSON) -> Result, one experiment per pub
    element, shots kept packed."""
    pubs, meta, ppath = _primitive_result(payload, SAMPLER)
    exps: list[qfmt.ExperimentResult] = []
    for i, pub in enumerate(pubs):
        kind, data, pmeta, dpath = _pub(pub, SAMPLER, kit.subpath(ppath, i), SAMPLER_PUB_TYPES)
        shape, fields, fpath = _databin(data, SAMPLER, dpath)
        arrays = {name: _bitarray(v, shape, kit.subpath(fpath, name)) for name, v in fields.items()}
        shots = {a.shape[-2] for a, _ in arrays.values()}
        if len(shots) > 1:
            raise qfmt.PayloadError(SAMPLER, fpath, f"the fields hold different numbers of shots "
                                    f"{sorted(shots)}")
        n_shots = shots.pop() if shots else 0
        layout = qfmt.RegisterLayout([(name, n) for name, (_, n) in arrays.items()])
        header: dict[str, Any] = {"pub": i, "shape": list(shape), "metadata": pmeta}
        if kind != "SamplerPubResult":
            header["pub_result_type"] = kind
        for index in np.ndindex(*shape):
            parts = [(a[index], n) for a, n in arrays.values()]
            bits = _joint_bits(parts, layout.width) if parts else \
                np.zeros((0, 1), dtype=np.uint8)
            if bits.shape[1] == kit.nbytes_for(layout.width):  # bits above num_bits checked
                mem = qfmt.Memory(bits, layout.width, False, layout)
            else:
                mem = kit.memory(bits, width=layout.width, fmt=SAMPLER, path=fpath,
                                 option="num_bits", layout=layout)
            exps.append(qfmt.ExperimentResult(
                {"memory": mem}, shots=n_shots if parts else 0,
                header={**header, "index": [int(j) for j in index]}))
    return qfmt.Result(exps, extra={"metadata": meta})


# -- the sampler: writing -----------------------------------------------------------------------


def _field_suggestion(name: str, taken: set[str]) -> str:
    """A DataBin field name for register ``name`` that the check below accepts: characters that
    cannot be in an identifier become ``_``, a leading digit gets a ``c`` before it, and ``_`` is
    appended while the name is reserved or taken (so the suggested rename is accepted)."""
    out = "".join(ch if ("a" + ch).isidentifier() else "_" for ch in name) or "c"
    if not out.isidentifier():
        out = "c" + out
    while out in RESERVED_FIELDS or out in taken:
        out += "_"
    return out


def _check_names(names: list[str], rename: Mapping[str, str]) -> list[str]:
    out = [str(rename.get(n, n)) for n in names]
    bad = [n for n in out if not n.isidentifier() or n in RESERVED_FIELDS]
    if bad:
        taken = set(out)
        example = {}
        for b in bad:
            example[b] = _field_suggestion(b, taken)
            taken.add(example[b])
        raise qfmt.LossyConversionError(
            f"register name(s) {bad} cannot be DataBin fields (fields are Python identifiers "
            f"other than {sorted(RESERVED_FIELDS)})", f"rename={example!r}")
    if len(set(out)) != len(out):
        raise qfmt.LossyConversionError(f"registers would share DataBin field names {out}",
                                        "rename={...} with distinct names")
    return out


def _field_rows(mem: qfmt.Memory, off: int, width: int) -> npt.NDArray[np.uint8]:
    """(shots, ceil(width / 8)) big-endian bytes of bits off..off+width-1 of every shot."""
    nb = -(-width // 8)
    n = len(mem)
    rows: npt.NDArray[np.uint8]
    if off == 0 and width == mem.width:
        rows = mem.bits[:, :nb][:, ::-1]
    elif mem.width <= 64:
        vals = (mem.as_uint64() >> np.uint64(off)) & np.uint64((1 << width) - 1)
        rows = vals.astype(">u8").view(np.uint8).reshape(n, 8)[:, 8 - nb:]
    else:
        cols = mem.to_bool()[:, off:off + width]
        rows = np.packbits(cols, axis=1, bitorder="little")[:, ::-1]
    return rows


def _pub_groups(result: qfmt.Result) -> list[tuple[tuple[int, ...], list[qfmt.ExperimentResult]]]:
    """Experiments grouped into pubs by their headers (``pub``, ``shape``, ``index``, as this
    format loads them); an experiment without them, or a group that is not a whole pub in C
    order, is a pub of shape ()."""
    groups: list[tuple[Any, list[qfmt.ExperimentResult]]] = []
    for e in result.results:
        key = e.header.get("pub")
        if groups and key is not None and groups[-1][0] == key:
            groups[-1][1].append(e)
        else:
            groups.append((key, [e]))
    out: list[tuple[tuple[int, ...], list[qfmt.ExperimentResult]]] = []
    for key, exps in groups:
        shape = exps[0].header.get("shape")
        shp: tuple[int, ...] | None = None
        order: list[tuple[int, ...]] = []
        try:
            if key is not None and shape is not None:
                shp = tuple(int(s) for s in shape)
                order = [tuple(int(j) for j in e.header.get("index", ())) for e in exps]
        except (TypeError, ValueError):
            shp = None
        if shp is not None and order == list(np.ndindex(*shp)) and _same_registers(exps):
            out.append((shp, exps))
        else:
            out.extend(((), [e]) for e in exps)
    return out


def _same_registers(exps: list[qfmt.ExperimentResult]) -> bool:
    mems = [e.data.get("memory") for e in exps]
    first = mems[0]
    return all(isinstance(m, qfmt.Memory) and isinstance(first, qfmt.Memory)
               and m.layout == first.layout and m.width == first.width and len(m) == len(first)
               for m in mems)


def _memory_of(e: qfmt.ExperimentResult) -> qfmt.Memory:
    mem = e.data.get("memory")
    if not isinstance(mem, qfmt.Memory):
        raise qfmt.LossyConversionError(f"experiment {e.name!r} has no classified per-shot "
                                        "memory for a sampler result")
    return mem


def dump_sampler(result: qfmt.Result, *, register: str = "meas",
                 rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Result -> RuntimeEncoder JSON of a SamplerV2 ``PrimitiveResult``. Each memory's registers
    become DataBin fields in layout order (a memory without registers is one field named
    ``register``); ``rename={"old": "new"}`` renames registers that cannot be field names."""
    renames = dict(rename or {})
    pubs = []
    for p, (shape, exps) in enumerate(_pub_groups(result)):
        mems = [_memory_of(e) for e in exps]
        layout = mems[0].layout
        sizes = list(layout.sizes) if layout is not None else [(register, mems[0].width)]
        names = _check_names([n for n, _ in sizes], renames)
        fields: dict[str, Any] = {}
        off = 0
        for name, (_, width) in zip(names, sizes):
            rows = [_field_rows(m, off, width) for m in mems]
            nb = -(-width // 8)
            arr = np.stack(rows).reshape(*shape, len(mems[0]), nb)
            fields[name] = _wrap("BitArray", {"array": encode_ndarray(arr), "num_bits": width})
            off += width
        head = exps[0].header
        kind = head.get("pub_result_type") if head.get("pub_result_type") in \
            SAMPLER_PUB_TYPES else "SamplerPubResult"
        meta = head.get("metadata") if isinstance(head.get("metadata"), Mapping) else {}
        pubs.append(_wrap(str(kind), {
            "data": _wrap("DataBin", {"field_names": list(fields), "shape": list(shape),
                                      "fields": fields}),
            "metadata": _encode_value(meta, SAMPLER, f"$.__value__.pub_results[{p}].metadata")}))
    meta = result.extra.get("metadata")
    return _wrap("PrimitiveResult", {
        "pub_results": pubs,
        "metadata": _encode_value(meta if isinstance(meta, Mapping) else {}, SAMPLER,
                                  "$.__value__.metadata")})


# -- the estimator ------------------------------------------------------------------------------


def parse_estimator(payload: Any) -> qfmt.Expectations:
    """An EstimatorV2 ``PrimitiveResult`` (RuntimeEncoder JSON) -> Expectations."""
    pubs, meta, ppath = _primitive_result(payload, ESTIMATOR)
    blocks = []
    for i, pub in enumerate(pubs):
        kind, data, pmeta, dpath = _pub(pub, ESTIMATOR, kit.subpath(ppath, i),
                                        ESTIMATOR_PUB_TYPES)
        shape, fields, fpath = _databin(data, ESTIMATOR, dpath)
        arrays = {}
        for name, value in fields.items():
            p = kit.subpath(fpath, name)
            arr = _ndarray(value, ESTIMATOR, p)
            if arr.dtype.kind not in "biufc":
                raise qfmt.PayloadError(ESTIMATOR, p, f"expected a numeric array, got {arr.dtype}")
            if arr.shape[:len(shape)] != shape:
                raise qfmt.PayloadError(ESTIMATOR, p, f"array of shape {list(arr.shape)} does not "
                                        f"lead with the DataBin shape {list(shape)}")
            arrays[name] = arr
        extra = {} if kind == "PubResult" else {"pub_result_type": kind}
        blocks.append(qfmt.ExpectationValues(arrays, shape, pmeta, extra))
    return qfmt.Expectations(blocks, meta)


def dump_estimator(expectations: qfmt.Expectations, *,
                   rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Expectations -> RuntimeEncoder JSON of an EstimatorV2 ``PrimitiveResult``: fields in
    order, arrays as npy/zlib/base64, metadata written back."""
    renames = dict(rename or {})
    pubs = []
    for p, block in enumerate(expectations.pubs):
        names = _check_names(list(block.data), renames)
        fields = {n: encode_ndarray(a) for n, a in zip(names, block.data.values())}
        kind = block.extra.get("pub_result_type")
        pubs.append(_wrap(kind if kind in ESTIMATOR_PUB_TYPES else "PubResult", {
            "data": _wrap("DataBin", {"field_names": list(fields), "shape": list(block.shape),
                                      "fields": fields}),
            "metadata": _encode_value(block.metadata, ESTIMATOR,
                                      f"$.__value__.pub_results[{p}].metadata")}))
    return _wrap("PrimitiveResult", {
        "pub_results": pubs,
        "metadata": _encode_value(expectations.metadata, ESTIMATOR, "$.__value__.metadata")})


# -- detection ----------------------------------------------------------------------------------


def _pub_kinds_and_fields(payload: Any) -> tuple[set[Any], set[Any]]:
    kinds: set[Any] = set()
    fields: set[Any] = set()
    try:
        for pub in payload["__value__"]["pub_results"][:50]:
            kinds.add(pub["__type__"])
            for f in pub["__value__"]["data"]["__value__"]["fields"].values():
                fields.add(f.get("__type__"))
    except (KeyError, TypeError, AttributeError, IndexError):
        pass
    return kinds, fields


def _sniff_sampler(payload: Any) -> float:
    kinds, fields = _pub_kinds_and_fields(payload)
    return 0.95 if "SamplerPubResult" in kinds or "BitArray" in fields else 0.4


def _sniff_estimator(payload: Any) -> float:
    kinds, fields = _pub_kinds_and_fields(payload)
    return 0.95 if "EstimatorPubResult" in kinds or "ndarray" in fields else 0.45


# -- real Qiskit objects (the qiskit extra) -----------------------------------------------------


def _qiskit_containers() -> Any:
    try:
        import qiskit.primitives.containers as qc
    except ImportError as exc:
        raise qfmt.MissingDependencyError(
            "this needs Qiskit: install qfmt[qiskit] (pip install 'qfmt[qiskit]')") from exc
    return qc


def handles_primitive(obj: Any) -> bool:
    """Whether ``to_qiskit_primitive`` / ``from_qiskit_primitive`` take ``obj``: a qfmt
    Expectations or Memory, or a Qiskit PrimitiveResult, BitArray or DataBin (checked by
    class name, so Qiskit is not imported)."""
    if isinstance(obj, (qfmt.Expectations, qfmt.Memory)):
        return True
    return type(obj).__name__ in ("PrimitiveResult", "BitArray") and \
        type(obj).__module__.startswith("qiskit")


def _bitarray_of(mem: qfmt.Memory, qc: Any, shape: tuple[int, ...] = ()) -> Any:
    rows = _field_rows(mem, 0, mem.width)
    return qc.BitArray(np.ascontiguousarray(rows).reshape(*shape, *rows.shape), mem.width)


def _runtime() -> Any:
    """qiskit-ibm-runtime if installed (for its own objects in metadata), else None."""
    try:
        return importlib.import_module("qiskit_ibm_runtime")
    except ImportError:
        return None


def _metadata_objects(value: Any) -> Any:
    """Metadata JSON -> Python objects: RuntimeDecoder's when qiskit-ibm-runtime is installed
    (ExecutionSpans, datetimes...), else :func:`decode_metadata`."""
    runtime = _runtime()
    if runtime is None:
        return decode_metadata(value)
    return json.loads(json.dumps(value), cls=runtime.RuntimeDecoder)


def _metadata_json(value: Any, fmt: str) -> Any:
    """Python metadata (possibly holding runtime objects) -> JSON with envelopes."""
    try:
        return _encode_value(value, fmt, "$.metadata")
    except qfmt.PayloadError:
        runtime = _runtime()
        if runtime is None:
            raise
        return json.loads(json.dumps(value, cls=runtime.RuntimeEncoder))


def to_qiskit_primitive(obj: Any) -> Any:
    """A qfmt object as a real Qiskit primitives object: a sampler-shaped :class:`qfmt.Result`
    (as this format loads it; any Result with per-shot memory) -> ``PrimitiveResult`` of
    ``SamplerPubResult``; :class:`qfmt.Expectations` -> ``PrimitiveResult`` of ``PubResult`` (or
    ``EstimatorPubResult`` when it was one and qiskit-ibm-runtime is installed);
    :class:`qfmt.Memory` -> ``BitArray`` of all its bits."""
    qc = _qiskit_containers()
    if isinstance(obj, qfmt.Memory):
        return _bitarray_of(obj, qc)
    if isinstance(obj, qfmt.Expectations):
        pubs = []
        for block in obj.pubs:
            cls = qc.PubResult
            if block.extra.get("pub_result_type") == "EstimatorPubResult" and _runtime():
                cls = importlib.import_module(
                    "qiskit_ibm_runtime.results.estimator_pub").EstimatorPubResult
            data = qc.DataBin(shape=block.shape, **{k: np.array(v) for k, v in block.data.items()})
            pubs.append(cls(data, _metadata_objects(block.metadata)))
        return qc.PrimitiveResult(pubs, _metadata_objects(obj.metadata))
    if isinstance(obj, qfmt.Result):
        # the same pub grouping and field rules as the JSON writer, decoded straight to arrays
        doc = dump_sampler(obj)
        pubs = []
        for pub in doc["__value__"]["pub_results"]:
            value = pub["__value__"]
            dbin = value["data"]["__value__"]
            fields = {k: qc.BitArray(decode_ndarray(f["__value__"]["array"]["__value__"], SAMPLER),
                                     f["__value__"]["num_bits"])
                      for k, f in dbin["fields"].items()}
            data = qc.DataBin(shape=tuple(dbin["shape"]), **fields)
            cls = qc.SamplerPubResult if pub["__type__"] == "SamplerPubResult" else qc.PubResult
            pubs.append(cls(data, _metadata_objects(value["metadata"])))
        return qc.PrimitiveResult(pubs, _metadata_objects(doc["__value__"]["metadata"]))
    raise qfmt.QfmtError(f"no Qiskit primitives counterpart for a {type(obj).__name__}")


def from_qiskit_primitive(obj: Any) -> Any:
    """A real Qiskit primitives object as qfmt's: ``BitArray`` -> :class:`qfmt.Memory` (one
    register ``meas``; a BitArray with a pub shape -> a list of Memory in C order);
    ``PrimitiveResult`` -> a :class:`qfmt.Result` when its pubs hold BitArrays (or are
    ``SamplerPubResult``), else :class:`qfmt.Expectations`."""
    qc = _qiskit_containers()
    if isinstance(obj, qc.BitArray):
        arr = np.asarray(obj.array)
        mems = [kit.memory(_joint_bits([(arr[i], obj.num_bits)], obj.num_bits),
                           width=obj.num_bits, layout=[("meas", obj.num_bits)])
                for i in np.ndindex(*obj.shape)]
        return mems[0] if obj.shape == () else mems
    if not isinstance(obj, qc.PrimitiveResult):
        raise qfmt.QfmtError(f"no qfmt counterpart for a {type(obj).__name__}")
    sampler = any(isinstance(p, qc.SamplerPubResult) or
                  any(isinstance(v, qc.BitArray) for v in p.data.values()) for p in obj)
    fmt = SAMPLER if sampler else ESTIMATOR
    pubs = []
    for p in obj:
        fields: dict[str, Any] = {}
        for name, v in p.data.items():
            if isinstance(v, qc.BitArray):
                fields[name] = _wrap("BitArray", {"array": _wrap("ndarray", np.asarray(v.array)),
                                                  "num_bits": v.num_bits})
            else:
                fields[name] = _wrap("ndarray", np.asarray(v))
        kind = type(p).__name__
        pubs.append(_wrap(kind, {
            "data": _wrap("DataBin", {"shape": list(p.data.shape), "fields": fields}),
            "metadata": _metadata_json(p.metadata, fmt)}))
    doc = _wrap("PrimitiveResult", {"pub_results": pubs,
                                    "metadata": _metadata_json(obj.metadata, fmt)})
    return parse_sampler(doc) if sampler else parse_estimator(doc)


# -- the formats --------------------------------------------------------------------------------


def formats() -> list[qfmt.Format]:
    """The two primitives formats (added to the Qiskit plugin's ``qfmt_formats`` hook)."""
    return [
        qfmt.Format(
            SAMPLER, "Qiskit SamplerV2 PrimitiveResult (RuntimeEncoder JSON): packed BitArrays",
            parse_sampler, dump_sampler, kit.load_schema(SAMPLER), qfmt.Result, qfmt.Memory,
            _sniff_sampler,
            capabilities={"experiments", "shot-order", "shots", "registers", "register-names",
                          "joint", "metadata"},
            bit_order="BitArray bytes are big-endian: clbit 0 is the lowest bit of the last byte "
                      "of a shot; fields are registers, the first field at bit 0"),
        qfmt.Format(
            ESTIMATOR, "Qiskit EstimatorV2 PrimitiveResult (RuntimeEncoder JSON): evs, stds",
            parse_estimator, dump_estimator, kit.load_schema(ESTIMATOR), qfmt.Expectations,
            None, _sniff_estimator, bit_order="no bits: expectation values as npy arrays",
            registers=False, capabilities={"experiments", "metadata"}),
    ]
