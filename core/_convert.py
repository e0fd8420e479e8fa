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
RegisterMarginals -> joint                one register, or the ``joint_register`` (the other
                                          registers are named in the provenance); else refused
Memory with several registers -> joint    the layout's ``joint`` register; without it, refused
                                          unless ``join_registers=True`` (first at bit 0)
leaked shots -> a format without leakage  left out, and the provenance says how many, unless
                                          ``include_leakage=True`` keeps them as plain shots
anything -> Result (aggregate)            needs ``job_id=`` (the child job id)
Result -> one experiment                  one experiment, or ``experiment=`` to pick one
========================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs
import numpy as np

from ._capabilities import Loss, lost, parse_allow_loss
from ._dist import Counts, ProbDistribution, QuasiDistribution
from ._errors import LossyConversionError, OptionError
from ._expectations import Expectations
from ._layout import Note, RegisterLayout
from ._memory import Memory
from ._results import ExperimentResult, RegisterMarginals, Result

__all__ = ["CONVERSION_OPTIONS", "coerce", "losses", "marginalize_dist", "prepare",
           "single_register", "without_leakage"]

#: Options consumed by the conversion step (the rest go to the parser or serializer).
CONVERSION_OPTIONS = frozenset({
    "shots", "sample", "seed", "include_leakage", "join_registers",
    "experiment", "job_id", "allow_loss",
})

#: Conversion options that give a value (not a permission): each must be used by the
#: conversion it is given to, or it is refused, never ignored.
_VALUE_OPTIONS = {
    "shots": "shots= sets the shot count of counts made from probabilities, and {what} none",
    "sample": "sample=True expands counts into per-shot memory, and {what} no such step",
    "seed": "seed= seeds the sampling of per-shot memory, and {what} no such step",
    "job_id": "job_id= names the child job of a single experiment written as a result, and "
              "{what} none",
}

_DATA_KEYS = {
    Counts: ("counts", "memory", "probabilities"),
    ProbDistribution: ("probabilities", "counts", "memory"),
    Memory: ("memory", "counts", "probabilities"),
    QuasiDistribution: ("quasi", "probabilities", "counts", "memory"),
}


def _check_options(opts: dict[str, Any]) -> None:
    parse_allow_loss(opts.get("allow_loss"))
    shots = opts.get("shots")
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 0):
        raise OptionError(f"shots must be a non-negative int, got {shots!r}")
    seed = opts.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise OptionError(f"seed must be an int, got {seed!r}")


def _use(opts: dict[str, Any], *names: str) -> None:
    """Record that the conversion used these options (see :func:`prepare`)."""
    used = opts.get("_used")
    if used is not None:
        used.update(names)


def losses(obj: Any, fmt: Any, **opts: Any) -> list[Loss]:
    """What writing canonical ``obj`` as ``fmt`` (a :class:`qfmt.Format`) with conversion
    options ``opts`` would lose: ``held(obj)`` minus ``fmt.carries``, each :class:`qfmt.Loss`
    allowed (noted in the provenance) or refused (``allowed`` False, ``option`` allows it)."""
    obj = _selected(obj, opts)
    return lost(obj, fmt.carries, nested=fmt.produces is RegisterMarginals, options=opts)


def _selected(obj: Any, opts: dict[str, Any]) -> Any:
    """``obj`` reduced to the experiment ``experiment=`` picks (for a Result), else as is."""
    key = opts.get("experiment")
    if key is None or not isinstance(obj, Result):
        return obj
    return attrs.evolve(obj, results=[obj.experiment(key)])


def prepare(obj: Any, fmt: Any, *, taken: Collection[str] = (),
            found: list[Loss] | None = None, **opts: Any) -> Any:
    """Everything a serializer must not have to do, done before it is called: work out what the
    format would lose (:func:`losses`) and refuse it unless an option allows it; convert ``obj``
    to the format's ``produces`` (:func:`coerce`); give a format without registers one joint
    register; leave leaked shots out of per-shot data for a format that cannot carry leakage; and
    note every allowed loss in the provenance (``lost-<capability>``). ``fmt`` is a
    :class:`qfmt.Format`.

    Options that give a value (``shots=``, ``sample=``, ``seed=``, ``job_id=``, ``experiment=``)
    must be used by this conversion or be among ``taken`` (the options the format's serializer
    takes as well); one that would be ignored raises OptionError. ``experiment=0`` on data that
    is not a Result names its one experiment. ``found``: :func:`losses` when the caller has
    them already."""
    _check_options(opts)
    if found is None:
        found = losses(obj, fmt, **opts)
    refused = [loss for loss in found if not loss.allowed]
    if refused:
        options = list(dict.fromkeys(loss.option for loss in refused if loss.option))
        raise LossyConversionError(
            f"{fmt.id} does not carry " + "; ".join(loss.detail for loss in refused),
            " and ".join(options) or None, losses=tuple(refused))
    if opts.get("experiment") is not None:
        if not isinstance(obj, Result) and opts["experiment"] != 0:
            raise OptionError(f"experiment= picks one experiment of a result, and the "
                              f"{type(obj).__name__} given is a single one (experiment 0)")
        obj = _selected(obj, opts)
        opts = {k: v for k, v in opts.items() if k != "experiment"}
    used: set[str] = set()
    carries = fmt.carries
    if "empty-registers" not in carries:
        obj = _each_leaf(obj, _without_empty_registers)
    target = coerce(obj, fmt.produces, fmt.element, joint_register=fmt.joint_register,
                    _used=used, **opts)
    for name, why in _VALUE_OPTIONS.items():
        if opts.get(name) in (None, False) or name in used or name in taken:
            continue
        totals = _shot_totals(target)
        if name == "shots" and totals == {opts["shots"]}:
            continue  # the data holds exactly that many shots: shots= only confirms it
        held = (f" (the data holds {', '.join(map(str, sorted(totals)))} shots, and qfmt "
                "never resamples counts)" if name == "shots" and totals else "")
        raise OptionError(why.format(what=f"converting this {type(obj).__name__} to "
                                          f"{fmt.id} takes") + held)
    if "registers" not in carries:
        target = _each_leaf(target, lambda o: single_register(
            o, fmt.id, bool(opts.get("join_registers"))))
    if "leakage" not in carries and not opts.get("include_leakage"):
        target = _each_leaf(target, without_leakage)
    notes = tuple(Note(f"lost-{loss.capability}", f"{fmt.id} does not carry {loss.detail}")
                  for loss in found if _needs_note(loss, opts))
    if notes:
        target = _with_notes(target, notes)
    return target


def _without_empty_registers(obj: Any) -> Any:
    """``obj`` without the registers of no bits in its layout (they hold no data; the loss of
    their names is noted by :func:`prepare`)."""
    layout = getattr(obj, "layout", None)
    if layout is None or all(r.width for r in layout.registers):
        return obj
    kept = [r for r in layout.registers if r.width]
    joint = layout.joint if any(r.name == layout.joint for r in kept) else None
    new = RegisterLayout(kept, layout.positional, joint=joint) if kept else None
    return attrs.evolve(obj, layout=new)


def _shot_totals(obj: Any) -> set[int]:
    """The shot totals of the counts and memory in ``obj`` (empty when it holds none)."""
    totals: set[int] = set()

    def collect(o: Any) -> Any:
        if isinstance(o, Counts):
            totals.add(o.shots())
        elif isinstance(o, Memory):
            totals.add(len(o))
        return o

    if isinstance(obj, RegisterMarginals):
        for d in obj.registers.values():
            collect(d)
    else:
        _each_leaf(obj, collect)
    return totals


def _needs_note(loss: Loss, opts: dict[str, Any]) -> bool:
    """Whether an allowed loss needs a note of its own (leaving leaked shots out and joining
    registers note themselves)."""
    if loss.capability == "leakage":
        return bool(opts.get("include_leakage"))
    return True


def _with_notes(obj: Any, notes: tuple[Note, ...]) -> Any:
    """``obj`` with ``notes`` added to the provenance of each of its canonical parts."""
    if isinstance(obj, (RegisterMarginals, Expectations, Result)):
        whole: Any = obj  # each of them keeps notes on the whole
        return attrs.evolve(whole, provenance=(*whole.provenance, *notes))
    return _each_leaf(obj, lambda o: attrs.evolve(o, provenance=(*o.provenance, *notes)))


def _each_leaf(obj: Any, func: Any) -> Any:
    if isinstance(obj, Result):
        exps = [attrs.evolve(e, data={k: func(v) if isinstance(v, (Memory, Counts,
                                                                     ProbDistribution,
                                                                     QuasiDistribution)) else v
                                      for k, v in e.data.items()})
                for e in obj.results]
        return attrs.evolve(obj, results=exps)
    if isinstance(obj, (Memory, Counts, ProbDistribution, QuasiDistribution)):
        return func(obj)
    return obj


def without_leakage(obj: Any) -> Any:
    """Per-shot memory without its leaked shots (the provenance says how many were left out);
    anything else unchanged."""
    if not isinstance(obj, Memory) or obj.leakage is None:
        return obj
    leaked = obj.leaked()
    n = int(leaked.sum())
    if n and n == len(obj):
        raise LossyConversionError(
            f"every one of the {n} shots had leakage: leaving them out would leave no shots",
            "include_leakage=True")
    note = (Note("leakage-excluded", f"{n} of {len(obj)} shots had leakage and were left out"),)
    return attrs.evolve(obj, bits=obj.bits[~leaked], leakage=None, leakage_width=0,
                        leakage_present=None, provenance=(*obj.provenance, *note[:1 if n else 0]))


def coerce(obj: Any, target: type, element: type | None = None, *,
           joint_register: str | None = None, **opts: Any) -> Any:
    """Convert canonical ``obj`` to an instance of ``target`` (with ``element`` inside a
    container target), following the table in this module's docstring. ``joint_register`` is the
    name a register-nested target gives the register that holds every bit."""
    _check_options(opts)
    if isinstance(obj, Expectations) or target is Expectations:  # expectation values only
        if isinstance(obj, target):                                # pass through as they are
            return obj
        raise LossyConversionError(f"qfmt cannot turn a {type(obj).__name__} into a "
                                   f"{target.__name__}")
    if target is Result:
        return _to_result(obj, element, opts)
    if target is RegisterMarginals:
        return _to_marginals(obj, element or Counts, opts, joint_register)
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
        return QuasiDistribution._trusted(p.outcome_array, p.value_array, p.width,
                                          width_inferred=p.width_inferred, layout=p.layout,
                                          provenance=p.provenance, shots=p.shots,
                                          stddev_upper_bound=None)
    raise LossyConversionError(f"qfmt cannot turn a {type(obj).__name__} into a "
                               f"{target.__name__}")


def _to_counts(obj: Any, opts: dict[str, Any]) -> Counts:
    if isinstance(obj, Memory):
        if not opts.get("include_leakage") and len(obj) and obj.leakage is not None \
                and bool(obj.leaked().all()):
            raise LossyConversionError(
                f"every one of the {len(obj)} shots had leakage: leaving them out would leave "
                "no counts", "include_leakage=True")
        return obj.counts(include_leakage=bool(opts.get("include_leakage")))
    if isinstance(obj, ProbDistribution):
        shots = opts.get("shots")
        if shots is None:
            raise LossyConversionError(
                "probabilities carry no shot counts: counts would be invented", "shots=N")
        _use(opts, "shots")
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


#: The most shots ``sample=True`` expands counts into (each shot takes about 24 bytes while
#: shuffling): more is refused before anything is allocated.
MAX_SAMPLED_SHOTS = 2**31


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
    _use(opts, "sample", "seed")
    if float(np.sum(obj.value_array, dtype=np.float64)) > MAX_SAMPLED_SHOTS:
        raise LossyConversionError(
            f"sampling would expand {int(obj.value_array.sum(dtype=object))} shots; qfmt samples "
            f"at most {MAX_SAMPLED_SHOTS} (qfmt._convert.MAX_SAMPLED_SHOTS) shots in memory")
    reps = obj.value_array.astype(np.int64)
    order = np.random.default_rng(seed).permutation(int(reps.sum()))
    idx = np.repeat(np.arange(reps.size), reps)[order]
    values = obj.outcome_array[idx]
    mem = Memory.from_ints(values if obj.width <= 64 else values.tolist(), obj.width,
                           layout=obj.layout)
    note = Note("sampled-memory", f"shot order synthesised from counts with seed {seed}")
    return attrs.evolve(mem, width_inferred=obj.width_inferred,
                        provenance=(*obj.provenance, note))


def _to_marginals(obj: Any, element: type, opts: dict[str, Any],
                  joint: str | None) -> RegisterMarginals:
    """Register-nested marginals. Data with one joint outcome (no layout, or a positional layout
    whose bits mean something) becomes the ``joint`` register, plus one marginal per layout
    register. Registers laid end to end in payload order (a layout that is not positional) are
    kept apart, with the layout's own joint register if it has one; with ``join_registers=True``
    and no joint register of their own, their end-to-end outcome becomes the ``joint`` one."""
    if isinstance(obj, Result):
        obj = _one_experiment(obj, element, opts)
    if isinstance(obj, RegisterMarginals):
        # the joint register takes the name the format gives its joint register
        own = obj.joint_register
        if own is not None and joint is not None and joint not in obj.registers:
            rename = {own: joint}
            own = joint
        else:
            rename = {}
        regs = {rename.get(n, n): coerce(d, element, **opts) for n, d in obj.registers.items()}
        return RegisterMarginals(regs, obj.provenance, joint_register=own)
    layout = obj.layout
    if layout is not None and len(layout.registers) >= 2 and not layout.positional and not (
            layout.joint is None and opts.get("join_registers")):
        # the layout's own joint register takes the name the format gives its joint register
        rename = {layout.joint: joint} if layout.joint is not None and joint is not None and \
            joint not in layout else {}
        regs = {rename.get(name, name): coerce(_register_of(obj, name), element, **opts)
                for name in layout.names}
        return RegisterMarginals(regs, joint_register=rename.get(layout.joint, layout.joint))
    dist = coerce(obj, element, **opts)
    layout = dist.layout
    if layout is None or len(layout.registers) <= 1:
        name = layout.names[0] if layout is not None else joint
        if name is None:
            raise LossyConversionError(f"a {element.__name__} without registers has no register "
                                       "name for a register-nested format")
        return RegisterMarginals({name: attrs.evolve(dist, layout=None)},
                                 joint_register=name if name == joint else None)
    if joint is None or joint in layout:
        raise LossyConversionError(
            f"registers {list(layout.names)} cannot be written with their joint distribution: "
            "the format names no joint register" if joint is None else
            f"a register is named {joint!r}, the name this format gives the joint register")
    provenance = dist.provenance
    if not layout.positional:
        provenance = (*provenance, Note("registers-joined", f"registers {list(layout.names)} "
                                        f"laid end to end, {layout.names[0]!r} at bit 0"))
    regs = {joint: attrs.evolve(dist, layout=None, provenance=provenance)}
    for reg in layout.registers:
        regs[reg.name] = _register_of(dist, reg.name)
    return RegisterMarginals(regs, joint_register=joint)


def _register_of(obj: Any, name: str) -> Any:
    """One register of per-shot memory or of a distribution (its marginal), without a layout."""
    if isinstance(obj, Memory):
        return obj.register(name)
    layout = obj.layout
    off = layout.offset(name)
    return attrs.evolve(marginalize_dist(obj, list(range(off, off + layout[name].width))),
                        layout=None)


def marginalize_dist(dist: Any, indices: list[int]) -> Any:
    """Marginal of a distribution: output bit k is input bit ``indices[k]``. Values of outcomes
    that land on the same marginal outcome are summed; the width is ``len(indices)``. (The
    shared implementation is :func:`qfmt.marginal_distribution`.)"""
    from ._marginal import marginal_distribution

    return marginal_distribution(dist, indices)


_CANONICAL = (Counts, ProbDistribution, QuasiDistribution, Memory)


def _one_experiment(result: Result, target: type, opts: dict[str, Any]) -> Any:
    key = opts.get("experiment")
    if key is None and len(result.results) != 1:
        ids = [e.job_id or e.name for e in result.results]
        raise LossyConversionError(
            f"the result has {len(result.results)} experiments ({ids}) and the target format "
            "holds one", "experiment=<index, name or job id>")
    exp = result.experiment(key)
    for k in _DATA_KEYS.get(target, ("counts", "probabilities", "memory")):
        # only canonical objects: a field of another kind under these names (simulator save
        # data, level-1 memory) is not a distribution of the classical bits
        if isinstance(exp.data.get(k), _CANONICAL):
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
    if job_id is not None:
        _use(opts, "job_id")
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
            if key in e.data and not isinstance(src, _CANONICAL):
                raise LossyConversionError(
                    f"experiment {e.name!r} holds data field {key!r} of its own (not a "
                    f"distribution of the classical bits); writing the {element.__name__} there "
                    "would replace it")
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
    """For formats without registers: ``obj`` as one joint register.

    A layout of one register passes, and so does a positional layout (classical bits whose
    positions are defined). Otherwise: the layout's ``joint`` register if it has one (it covers
    every measured bit; the provenance names the others); else, with ``join_registers=True``, all
    registers laid end to end; otherwise LossyConversionError.
    """
    layout = getattr(obj, "layout", None)
    if layout is None or len(layout.registers) <= 1 or (layout.positional and layout.joint is None):
        return obj
    joint = layout.joint
    if joint is not None:
        others = [n for n in layout.names if n != joint]
        note = Note("joint-from-register",
                    f"joint taken from {joint!r}; registers {others} not carried")
        if isinstance(obj, Memory):
            sub = obj.register(joint)
        else:
            off = layout.offset(joint)
            sub = marginalize_dist(obj, list(range(off, off + layout[joint].width)))
        return attrs.evolve(sub, layout=None, provenance=(*sub.provenance, note))
    if join_registers:
        note = Note("registers-joined", f"registers {list(layout.names)} laid end to end, "
                    f"{layout.names[0]!r} at bit 0")
        return attrs.evolve(obj, layout=None, provenance=(*obj.provenance, note))
    raise LossyConversionError(
        f"{fmt} has no registers, and registers {list(layout.names)} include none that holds "
        "every bit: laying them end to end would invent a bit order", "join_registers=True")
