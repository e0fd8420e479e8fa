"""cattrs hooks: every canonical object to plain JSON-ready data and back, losslessly.

This is qfmt's own representation (for caches, logs and debugging), not a vendor format: it keeps
widths, the inferred flag, layouts, provenance and leakage.

>>> import qfmt
>>> data = qfmt.unstructure(qfmt.Counts({"01": 3}))
>>> data["data"], data["width"]
({'1': 3}, 2)
>>> qfmt.structure(data, qfmt.Counts) == qfmt.Counts({"01": 3})
True
"""

from __future__ import annotations

import base64
import functools
from typing import Any, TypeVar, cast

import numpy as np

from ._dist import Counts, Distribution, ProbDistribution, QuasiDistribution
from ._errors import PayloadError
from ._layout import Note, RegisterLayout
from ._memory import Memory
from ._results import ExperimentResult, RegisterMarginals, Result

__all__ = ["structure", "unstructure"]

T = TypeVar("T")
_DISTS = (Counts, ProbDistribution, QuasiDistribution)
_KIND = {"counts": Counts, "probabilities": ProbDistribution, "quasi": QuasiDistribution,
         "memory": Memory}


def _layout(layout: RegisterLayout | None) -> dict[str, Any] | None:
    if layout is None:
        return None
    return {"registers": [[n, w] for n, w in layout.sizes], "positional": layout.positional,
            "joint": layout.joint}


def _from_layout(data: Any) -> RegisterLayout | None:
    if data is None:
        return None
    if isinstance(data, dict):
        return RegisterLayout(data["registers"], positional=bool(data.get("positional", True)),
                              joint=data.get("joint"))
    return RegisterLayout(data)


def _array(a: np.ndarray | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"shape": list(a.shape), "dtype": a.dtype.str,
            "b64": base64.b64encode(a.tobytes()).decode()}


def _from_array(d: dict[str, Any] | None) -> np.ndarray | None:
    if d is None:
        return None
    raw = base64.b64decode(d["b64"])
    out = np.frombuffer(raw, dtype=np.dtype(d["dtype"])).reshape(d["shape"])
    return cast("np.ndarray", out.copy())


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    import cattrs

    conv = cattrs.Converter()

    def un_dist(d: Distribution[Any]) -> dict[str, Any]:
        out = {"kind": d._kind, "data": {str(k): v for k, v in d.data.items()},
               "width": d.width, "width_inferred": d.width_inferred, "layout": _layout(d.layout),
               "provenance": [[n.kind, n.detail] for n in d.provenance]}
        names = {a.name for a in type(d).__attrs_attrs__}  # type: ignore[attr-defined]
        for extra in ("shots", "stddev_upper_bound", "time_taken"):
            if extra in names:
                out[extra] = getattr(d, extra)
        return out

    def st_dist(data: dict[str, Any], cls: type) -> Any:
        names = {a.name for a in cls.__attrs_attrs__}  # type: ignore[attr-defined]
        extras = {k: data.get(k) for k in ("shots", "stddev_upper_bound", "time_taken")
                  if k in names}
        layout = data.get("layout")
        return cls(
            outcome_array=[int(k) for k in data["data"]], value_array=list(data["data"].values()),
            width=int(data["width"]), width_inferred=bool(data.get("width_inferred", False)),
            layout=_from_layout(layout),
            provenance=tuple(Note(k, d) for k, d in data.get("provenance", ())), **extras)

    def un_memory(m: Memory) -> dict[str, Any]:
        return {"kind": "memory", "bits": _array(m.bits), "width": m.width,
                "width_inferred": m.width_inferred, "layout": _layout(m.layout),
                "leakage": _array(m.leakage), "leakage_width": m.leakage_width,
                "leakage_present": _array(m.leakage_present),
                "provenance": [[n.kind, n.detail] for n in m.provenance]}

    def st_memory(data: dict[str, Any], _: type) -> Memory:
        layout = data.get("layout")
        return Memory(_from_array(data["bits"]), int(data["width"]),  # type: ignore[arg-type]
                      bool(data.get("width_inferred")),
                      _from_layout(layout),
                      _from_array(data.get("leakage")), int(data.get("leakage_width", 0)),
                      _from_array(data.get("leakage_present")),
                      tuple(Note(k, d) for k, d in data.get("provenance", ())))

    def un_value(v: Any) -> Any:
        if isinstance(v, (Distribution, Memory)):
            return conv.unstructure(v)
        return v

    def st_value(v: Any) -> Any:
        if isinstance(v, dict) and v.get("kind") in _KIND:
            return conv.structure(v, _KIND[v["kind"]])
        return v

    def un_exp(e: ExperimentResult) -> dict[str, Any]:
        return {"data": {k: un_value(v) for k, v in e.data.items()}, "shots": e.shots,
                "success": e.success, "meas_level": e.meas_level, "header": dict(e.header),
                "status": e.status, "seed": e.seed, "meas_return": e.meas_return,
                "job_id": e.job_id, "extra": dict(e.extra),
                "measured_qubits": None if e.measured_qubits is None
                else list(e.measured_qubits)}

    def st_exp(data: dict[str, Any], _: type) -> ExperimentResult:
        fields = dict(data)
        fields["data"] = {k: st_value(v) for k, v in data.get("data", {}).items()}
        if isinstance(fields.get("shots"), list):
            fields["shots"] = tuple(fields["shots"])
        return ExperimentResult(**fields)

    def un_result(r: Result) -> dict[str, Any]:
        return {"results": [un_exp(e) for e in r.results], "backend_name": r.backend_name,
                "backend_version": r.backend_version, "date": r.date,
                "header": None if r.header is None else dict(r.header),
                "job_id": r.job_id, "status": r.status, "success": r.success,
                "extra": dict(r.extra)}

    def st_result(data: dict[str, Any], _: type) -> Result:
        fields = dict(data)
        fields["results"] = [st_exp(e, ExperimentResult) for e in data["results"]]
        return Result(**fields)

    for cls in _DISTS:
        conv.register_unstructure_hook(cls, un_dist)
        conv.register_structure_hook(cls, st_dist)
    conv.register_unstructure_hook(Memory, un_memory)
    conv.register_structure_hook(Memory, st_memory)
    conv.register_unstructure_hook(ExperimentResult, un_exp)
    conv.register_structure_hook(ExperimentResult, st_exp)
    conv.register_unstructure_hook(Result, un_result)
    conv.register_structure_hook(Result, st_result)
    conv.register_unstructure_hook(
        RegisterMarginals,
        lambda m: {"registers": {n: un_dist(d) for n, d in m.registers.items()},
                   "provenance": [[n.kind, n.detail] for n in m.provenance],
                   "joint_register": m.joint_register})
    conv.register_structure_hook(
        RegisterMarginals,
        lambda d, _: RegisterMarginals(
            {n: st_dist(v, _KIND[v["kind"]]) for n, v in d["registers"].items()},
            tuple(Note(k, x) for k, x in d.get("provenance", ())),
            joint_register=d.get("joint_register")))
    return conv


def unstructure(obj: Any) -> Any:
    """A canonical object as plain data (dicts, lists, str, numbers): lossless and JSON-ready."""
    return _converter().unstructure(obj)


def structure(data: Any, cls: type[T]) -> T:
    """The inverse of :func:`unstructure`. Malformed data raises :class:`qfmt.PayloadError`."""
    try:
        return _converter().structure(data, cls)  # type: ignore[no-any-return]
    except PayloadError:
        raise
    except Exception as exc:  # cattrs raises ClassValidationError, KeyError, ValueError...
        raise PayloadError("qfmt", "$", f"cannot structure a {cls.__name__}: {exc!r}") from exc
