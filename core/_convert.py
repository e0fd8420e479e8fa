"""Conversion between canonical types: the shared work behind ``dump`` and ``convert``.

Exact steps need no option. A step that would lose or invent information raises
:class:`qfmt.LossyConversionError` naming the option that allows it:

========================================  =====================================================
step                                      rule
========================================  =====================================================
Counts -> ProbDistribution                exact (counts / shots; ``shots`` kept on the object)
Memory -> Counts / ProbDistribution       exact; leaked shots left out (``include_leakage=True``
                                          keeps them), and the provenance says how many
ProbDistribution -> Counts                needs ``shots=``; largest remainder, marked derived
Counts / ProbDistribution -> Memory       needs ``sample=True`` and ``seed=``: the counts are
                                          expanded and shuffled, marked as sampled memory
RegisterMarginals -> joint                one register, or ``output_all`` (the other registers
                                          are named in the provenance); otherwise refused
Memory with several registers -> joint    ``output_all``; without it, refused unless
                                          ``join_registers=True`` (register order, first at bit 0)
anything -> Result (aggregate)            needs ``job_id=`` (the child job id)
Result -> one experiment                  one experiment, or ``experiment=`` to pick one
========================================  =====================================================
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from ._errors import LossyConversionError, OptionError
from ._model import (
    Counts,
    ExperimentResult,
    Memory,
    Note,
    ProbDistribution,
    QuasiDistribution,
    RegisterLayout,
    RegisterMarginals,
    Result,
    _from_trusted,
    replace,
)

__all__ = ["CONVERSION_OPTIONS", "coerce", "marginalize_dist", "single_register"]

#: Options consumed by the conversion step (the rest go to the parser or serializer).
CONVERSION_OPTIONS = frozenset({
    "shots", "sample", "seed", "include_leakage", "join_registers",
    "experiment", "job_id",
})

_DATA_KEYS = {
    Counts: ("counts", "memory", "probabilities"),
    ProbDistribution: ("probabilities", "counts", "memory"),
    Memory: ("memory", "counts", "probabilities"),
    QuasiDistribution: ("quasi", "probabilities", "counts", "memory"),
}


def _check_options(opts: dict[str, Any]) -> None:
    shots = opts.get("shots")
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 0):
        raise OptionError(f"shots must be a non-negative int, got {shots!r}")
    seed = opts.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise OptionError(f"seed must be an int, got {seed!r}")


def coerce(obj: Any, target: type, element: type | None = None, **opts: Any) -> Any:
    """Convert canonical ``obj`` to an instance of ``target`` (with ``element`` inside a
    container target), following the table in this module's docstring."""
    _check_options(opts)
    if target is Result:
        return _to_result(obj, element, opts)
    if target is RegisterMarginals:
        return _to_marginals(obj, element or Counts, opts)
    if isinstance(obj, Result):
        obj = _one_experiment(obj, target, opts)
    if isinstance(obj, RegisterMarginals):
        obj = obj.joint()
    if isinstance(obj, target):
        return obj
    if target is Counts:
        return _to_counts(obj, opts)
    if target is ProbDistribution:
        return _to_probabilities(obj, opts)
    if target is Memory:
        return _to_memory(obj, opts)
    if target is QuasiDistribution:
        p = _to_probabilities(obj, opts) if not isinstance(obj, QuasiDistribution) else obj
        return _from_trusted(QuasiDistribution, dict(p.data), p.width,
                             width_inferred=p.width_inferred, layout=p.layout,
                             provenance=p.provenance, shots=p.shots, stddev_upper_bound=None)
    raise LossyConversionError(f"qfmt cannot turn a {type(obj).__name__} into a "
                               f"{target.__name__}")


def _to_counts(obj: Any, opts: dict[str, Any]) -> Counts:
    if isinstance(obj, Memory):
        return obj.counts(include_leakage=bool(opts.get("include_leakage")))
    if isinstance(obj, ProbDistribution):
        shots = opts.get("shots")
        if shots is None:
            raise LossyConversionError(
                "probabilities carry no shot counts: counts would be invented", "shots=N")
        return obj.to_counts(shots)
    if isinstance(obj, QuasiDistribution):
        raise LossyConversionError("quasi-probabilities (may be negative) cannot become counts; "
                                   "use nearest_probability_distribution() first")
    raise LossyConversionError(f"cannot make counts from {type(obj).__name__}")


def _to_probabilities(obj: Any, opts: dict[str, Any]) -> ProbDistribution:
    if isinstance(obj, Memory):
        obj = _to_counts(obj, opts)
    if isinstance(obj, Counts):
        return obj.probabilities()
    if isinstance(obj, ProbDistribution):
        return obj
    raise LossyConversionError(f"cannot make probabilities from {type(obj).__name__}")


def _to_memory(obj: Any, opts: dict[str, Any]) -> Memory:
    if isinstance(obj, ProbDistribution):
        obj = _to_counts(obj, opts)
    if not isinstance(obj, Counts):
        raise LossyConversionError(f"cannot make per-shot memory from {type(obj).__name__}")
    if not opts.get("sample") or opts.get("seed") is None:
        raise LossyConversionError(
            "counts have no shot order: per-shot memory would be invented (with sampling, the "
            "counts are expanded and shuffled reproducibly)", "sample=True and seed=N")
    seed = int(opts["seed"])
    keys = list(obj.data)
    reps = np.fromiter((obj.data[k] for k in keys), dtype=np.int64, count=len(keys))
    order = np.random.default_rng(seed).permutation(int(reps.sum()))
    idx = np.repeat(np.arange(len(keys)), reps)[order]
    if obj.width <= 64:
        values = np.fromiter(keys, dtype=np.uint64, count=len(keys))[idx]
        mem = Memory.from_ints(values, obj.width, layout=obj.layout)
    else:
        mem = Memory.from_ints([keys[i] for i in idx.tolist()], obj.width, layout=obj.layout)
    note = Note("sampled-memory", f"shot order synthesised from counts with seed {seed}")
    return attrs.evolve(mem, width_inferred=obj.width_inferred,
                        provenance=(*obj.provenance, note))


def _to_marginals(obj: Any, element: type, opts: dict[str, Any]) -> RegisterMarginals:
    if isinstance(obj, Result):
        obj = _one_experiment(obj, element, opts)
    if isinstance(obj, RegisterMarginals):
        regs = {n: coerce(d, element, **opts) for n, d in obj.registers.items()}
        return RegisterMarginals(regs, obj.provenance)
    if isinstance(obj, Memory):
        layout = obj.layout or RegisterLayout.single(obj.width)
        regs = {}
        for name in layout.names:
            sub = obj.register(name) if obj.layout is not None else obj
            regs[name] = coerce(sub, element, **opts)
        return RegisterMarginals(regs)
    dist = coerce(obj, element, **opts)
    layout = dist.layout
    if layout is None or len(layout.registers) <= 1:
        name = layout.names[0] if layout is not None else RegisterMarginals.JOINT
        return RegisterMarginals({name: dist.replace(layout=None)})
    regs = {RegisterMarginals.JOINT: dist.replace(layout=None)}
    for reg in layout.registers:
        off = layout.offset(reg.name)
        regs[reg.name] = marginalize_dist(dist, list(range(off, off + reg.width)))
    return RegisterMarginals(regs)


def marginalize_dist(dist: Any, indices: list[int]) -> Any:
    """Marginal of a distribution: output bit k is input bit ``indices[k]``. Values of outcomes
    that land on the same marginal outcome are summed; the width is ``len(indices)``. (The
    shared implementation is :func:`qfmt.marginal_distribution`.)"""
    from ._marginal import marginal_distribution

    return marginal_distribution(dist, indices)


def _one_experiment(result: Result, target: type, opts: dict[str, Any]) -> Any:
    key = opts.get("experiment")
    if key is None and len(result.results) != 1:
        ids = [e.job_id or e.name for e in result.results]
        raise LossyConversionError(
            f"the result has {len(result.results)} experiments ({ids}) and the target format "
            "holds one", "experiment=<index, name or job id>")
    exp = result.experiment(key)
    for k in _DATA_KEYS.get(target, ("counts", "probabilities", "memory")):
        if k in exp.data:
            return exp.data[k]
    raise LossyConversionError(f"experiment {exp.name!r} has no data a "
                               f"{target.__name__} can be made from")


_KEY_OF = {ProbDistribution: "probabilities", Counts: "counts", Memory: "memory",
           QuasiDistribution: "quasi"}


def _to_result(obj: Any, element: type | None, opts: dict[str, Any]) -> Result:
    """Wrap or reshape into a Result. ``element`` (if any) is the type every experiment must
    carry (the IonQ aggregate wants probabilities); ``job_id=`` names the child job of a
    single experiment that has none."""
    job_id = opts.get("job_id")
    inner = {k: v for k, v in opts.items() if k not in ("experiment", "job_id")}
    if not isinstance(obj, Result):
        if isinstance(obj, RegisterMarginals):
            obj = obj.joint()
        value = coerce(obj, element, **inner) if element is not None else obj
        key = _KEY_OF.get(type(value))
        if key is None:
            raise LossyConversionError(f"a {type(value).__name__} cannot be an experiment")
        shots = value.shots() if isinstance(value, Counts) else (
            len(value) if isinstance(value, Memory) else None)
        return Result([ExperimentResult({key: value}, shots=shots,
                                        job_id=None if job_id is None else str(job_id))])
    exps = []
    for e in obj.results:
        if element is not None:
            if not e.success:
                raise LossyConversionError(f"experiment {e.name!r} failed and has no data for "
                                           "this format")
            key = _KEY_OF[element]
            src = e.data.get(key)
            if src is None:
                src = _one_experiment(Result([e]), element, {})
            data = dict(e.data)
            data[key] = coerce(src, element, **inner)
            e = attrs.evolve(e, data=data)
        exps.append(e)
    if job_id is not None:
        if len(exps) != 1:
            raise OptionError("job_id= names the child job of a single experiment; this result "
                              f"has {len(exps)}")
        exps[0] = attrs.evolve(exps[0], job_id=str(job_id))
    return attrs.evolve(obj, results=exps)


def single_register(obj: Any, fmt: str, join_registers: bool = False) -> Any:
    """For formats without registers (IonQ v1): ``obj`` as one joint register.

    A layout of one register passes. Several registers: the ``output_all`` register if there is
    one (it covers every qubit; the provenance names the others); else, with
    ``join_registers=True``, all registers laid end to end; otherwise LossyConversionError.
    """
    layout = getattr(obj, "layout", None)
    if layout is None or len(layout.registers) <= 1 or (
            layout.positional and RegisterMarginals.JOINT not in layout):
        return obj  # one register, or classical bits whose positions are defined (Qiskit)
    joint = RegisterMarginals.JOINT
    if joint in layout:
        others = [n for n in layout.names if n != joint]
        note = Note("joint-from-output_all",
                    f"joint taken from {joint!r}; registers {others} not carried")
        if isinstance(obj, Memory):
            sub = obj.register(joint)
        else:
            off = layout.offset(joint)
            sub = marginalize_dist(obj, list(range(off, off + layout[joint].width)))
        return replace(sub, provenance=(*sub.provenance, note))
    if join_registers:
        note = Note("registers-joined", f"registers {list(layout.names)} laid end to end, "
                    f"{layout.names[0]!r} at bit 0")
        return replace(obj, layout=None, provenance=(*obj.provenance, note))
    raise LossyConversionError(
        f"{fmt} has no registers, and registers {list(layout.names)} include no {joint!r} "
        "register: laying them end to end would invent a bit order", "join_registers=True")
