"""The capability check: writing an object to a format keeps what the format declares it
carries, and every other capability the object held is announced as lost (refused, or noted).

:func:`check_conversion` checks one step (an object written to a format and read back);
:func:`capability_objects` gives canonical objects that between them fill every capability;
:func:`check_conversions` runs every such object through one format and back out to every other
format of the registry. A plugin author calls ``check_conversions("acme.counts.v1")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np

from .. import (
    Counts,
    Expectations,
    ExperimentResult,
    LossyConversionError,
    Memory,
    Note,
    OptionError,
    ProbDistribution,
    QuasiDistribution,
    RegisterLayout,
    RegisterMarginals,
    Result,
    default_registry,
    dump,
    load,
    losses,
)
from .._capabilities import _outcome_keys, held
from .._convert import _selected, without_leakage
from .._registry import Format, Registry

__all__ = ["capability_objects", "check_conversion", "check_conversions"]

# Options a step may need that invent data rather than lose it (probabilities -> counts, counts
# -> memory, an aggregate's job id), tried in this order when the conversion asks for them.
_INVENTING = (("shots", {"shots": 64}), ("sample", {"sample": True, "seed": 7}),
              ("job_id", {"job_id": "job-0"}))
# capabilities whose detail may differ after a round trip although nothing was lost: the
# destination adds its own metadata
_PRESENCE_ONLY = frozenset({"metadata"})


def capability_objects(seed: int = 20261204) -> dict[str, Any]:
    """Canonical objects that between them hold every capability of :data:`qfmt.CAPABILITIES`
    (and every canonical type but expectation values), by a short name; ``seed`` draws their
    outcomes."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 8, int(rng.integers(8, 40))).tolist()
    positional = RegisterLayout([("a", 2), ("b", 1)])
    unordered = RegisterLayout([("a", 2), ("b", 1)], positional=False)
    with_joint = RegisterLayout([("all", 3), ("mid", 1)], positional=False,
                                joint="all")

    def memory(layout: Any, leak: bool = False) -> Memory:
        mem = Memory.from_ints(values, 3, layout=layout)
        if leak:
            marks = np.zeros((len(values), 1), np.uint8)
            marks[rng.choice(len(values), 2, replace=False), 0] = 1
            mem = attrs.evolve(mem, leakage=marks, leakage_width=1)
        return mem

    joint_values = [v | ((v & 1) << 3) for v in values]  # "mid" repeats bit 0 of "all"
    experiment_fields: dict[str, Any] = {}
    if "measured_qubits" in attrs.fields_dict(ExperimentResult):
        experiment_fields["measured_qubits"] = (4, 0, 2)
    state = np.zeros(8, dtype=np.complex128)
    state[[0, 7]] = 2 ** -0.5
    result_types = [{"type": {"type": "expectation", "observable": ["z"], "targets": [0]},
                     "value": 0.5}]
    exps = [ExperimentResult({"memory": memory(positional), "statevector": state,
                              "expval_zz": 0.25, "result_types": result_types},
                             shots=len(values), header={"name": f"circuit-{i}"},
                             job_id=f"job-{i}", **experiment_fields) for i in range(2)]
    counts = memory(positional).counts()
    return {
        "result": Result(exps, backend_name="simulator", job_id="job"),
        "memory-positional": memory(positional),
        "memory-unordered": memory(unordered),
        "memory-joint-register": Memory.from_ints(joint_values, 4, layout=with_joint),
        "memory-leakage": memory(None, leak=True),
        "memory-empty-register": memory(RegisterLayout([("c", 3), ("e", 0)])),
        "counts-positional": counts,
        "probabilities": ProbDistribution({0: 0.25, 3: 0.5, 6: 0.25}, width=3, shots=80),
        "quasi": QuasiDistribution({0: 0.75, 1: -0.25, 3: 0.5}, width=2),
        "marginals-joint": RegisterMarginals(
            {"joint": counts, "a": _marginal(counts, 2, 0), "b": _marginal(counts, 1, 2)},
            joint_register="joint"),
        "marginals-separate": RegisterMarginals(
            {"a": _marginal(counts, 2, 0), "b": _marginal(counts, 1, 2)}),
    }


def _marginal(counts: Counts, width: int, offset: int) -> Counts:
    from .. import marginal_counts

    out: Counts = marginal_counts(counts, list(range(offset, offset + width)))
    return attrs.evolve(out, layout=None)


def _load_options(fmt: Format, written: Any) -> dict[str, Any]:
    """What reading a format back needs: the width, where the payload does not carry it."""
    if "num_bits" not in (fmt.load_options or frozenset()):
        return {}
    width = getattr(written, "width", None)
    if isinstance(written, Result):
        width = next((e.data[k].width for e in written.results for k in _outcome_keys(e)),
                     None)
    return {} if width is None else {"num_bits": width}


def _fingerprint(obj: Any) -> list[tuple[Any, Any, Any, Any]]:
    """What a step must keep of the data itself, comparable across types, one entry per
    experiment (see :func:`_leaf_print`)."""
    if isinstance(obj, Result):
        return [_leaf_print(next((e.data[k] for k in ("memory", "counts", "probabilities",
                                                      "quasi") if k in _outcome_keys(e)), None))
                for e in obj.results]
    return [_leaf_print(obj)]


def _leaf_print(obj: Any) -> tuple[Any, Any, Any, Any]:
    """(width and whole distribution, normalised, for flat data; the joint distribution and
    the joint outcome of each shot that did not leak (the layout's joint register, or the
    whole outcome); the distributions of every register, sorted, where registers are
    known)."""
    if obj is None:
        return None, None, None, None
    if isinstance(obj, RegisterMarginals):
        joint = obj.joint_register
        if joint is None and len(obj.registers) == 1:  # one register: it is the joint
            joint = next(iter(obj.registers))
        margs = sorted(_norm(d) for d in obj.registers.values())
        return None, (_norm(obj.registers[joint]) if joint else None), None, margs
    whole = (obj.width, _norm(obj), _kept_shots(obj))
    layout = obj.layout
    if layout is None or len(layout.registers) < 2:
        return whole, whole[1], whole[2], None
    regs = {r.name: _register(obj, r.name) for r in layout.registers if r.width}
    margs = sorted(_norm(d) for d in regs.values())
    if layout.joint is None:
        return whole, whole[1], whole[2], margs
    return whole, _norm(regs[layout.joint]), _kept_shots(regs[layout.joint]), margs


def _register(obj: Any, name: str) -> Any:
    if isinstance(obj, Memory):
        return obj.register(name)
    from .. import marginal_distribution

    off = obj.layout.offset(name)
    return marginal_distribution(obj, list(range(off, off + obj.layout[name].width)))


def _kept_shots(obj: Any) -> Any:
    if not isinstance(obj, Memory):
        return None
    outcomes = obj.outcomes()
    if obj.leakage is None:
        return list(outcomes)
    return [v for v, leaked in zip(outcomes, obj.leaked().tolist()) if not leaked]


def _norm(obj: Any) -> list[tuple[int, float]]:
    if isinstance(obj, Memory):  # a leaked shot's bits are not data (Azure writes "-")
        obj = obj.counts()
    values = np.asarray(obj.value_array, dtype=np.float64)
    total = float(values.sum()) if isinstance(obj, Counts) else 1.0
    return sorted((int(k), round(float(v) / (total or 1.0), 9))
                  for k, v in zip(obj.outcome_array.tolist(), values.tolist()) if v)


def _same_data(before: Any, after: Any) -> bool:
    """Whether two objects hold the same outcomes: the whole outcome where both are flat and
    equally wide (per shot where both are per-shot), else the joint outcome, else (registers
    kept apart on one side) the per-register marginals."""
    a, b = _fingerprint(before), _fingerprint(after)
    if len(a) != len(b):
        return False
    for (wa, ja, sa, ma), (wb, jb, sb, mb) in zip(a, b):
        if wa is ja is ma is None and wb is jb is mb is None:
            continue  # an experiment without outcomes (states, result types only)
        if wa is not None and wb is not None and wa[0] == wb[0]:
            if wa[1] != wb[1] or (wa[2] is not None and wb[2] is not None and wa[2] != wb[2]):
                return False
        elif ja is not None and jb is not None and ja == jb:
            if sa is not None and sb is not None and sa != sb:
                return False
        elif ma is None or mb is None or ma != mb:
            # no joint on one side, or a register one side takes as its joint register by
            # name: the registers must hold the same data
            return False
    return True


def _same_expectations(a: Expectations, b: Expectations) -> bool:
    if len(a.pubs) != len(b.pubs):
        return False
    for x, y in zip(a.pubs, b.pubs):
        if x.shape != y.shape or set(x.data) != set(y.data) or not all(
                np.array_equal(x.data[k], y.data[k], equal_nan=True) for k in x.data):
            return False
    return True


def _notes(obj: Any) -> list[Note]:
    out: list[Note] = list(getattr(obj, "provenance", ()) if isinstance(obj, Result) else ())
    if isinstance(obj, Result):
        for e in obj.results:
            for k in _outcome_keys(e):
                out.extend(_notes(e.data[k]))
        return out
    if isinstance(obj, RegisterMarginals):
        out.extend(obj.provenance)
        for d in obj.registers.values():
            out.extend(d.provenance)
        return out
    return list(getattr(obj, "provenance", ()))


def check_conversion(obj: Any, fid: str, *, registry: Registry | None = None,
                     options: Mapping[str, Any] | None = None) -> Any:
    """Write canonical ``obj`` as format ``fid`` and read it back; check that nothing was lost
    without being announced. Returns what was read back, or None when the conversion is
    refused for a reason no option lifts (e.g. separate marginals to a format without
    registers), or when the data cannot be made at all (quasi-probabilities to counts).

    The checks: when the conversion is refused as lossy, the refusal lists exactly the losses
    :func:`qfmt.losses` reports as not allowed; with the options that allow them it goes ahead,
    and every loss is noted in the provenance of the converted object (``lost-<capability>``,
    or the note of the step that left leaked shots out); every capability the object held
    that the format does not lose is held by what is read back, the same (metadata: present);
    and the outcomes are the same (leaked shots left out where leakage was lost).
    """
    reg = registry or default_registry()
    fmt = reg.resolve(fid)
    kw: dict[str, Any] = {"registry": registry} if registry is not None else {}
    opts: dict[str, Any] = dict(options or {})
    if isinstance(obj, Expectations) != (fmt.produces is Expectations):
        return None
    for _ in range(6):
        try:
            out = dump(obj, fid, **opts, **kw)
            break
        except LossyConversionError as exc:
            if exc.losses:
                refused = {x.capability for x in losses(obj, fid, **opts, **kw)
                           if not x.allowed}
                got = {x.capability for x in exc.losses}
                assert got == refused, f"{fid}: refused {sorted(got)}, losses() says " \
                                       f"{sorted(refused)}"
                if any(x.option is None for x in exc.losses):
                    return None  # no option allows it
                opts = _allowing(opts, exc.losses)
                continue
            step = next((o for name, o in _INVENTING
                         if name in (exc.option or "") and not set(o) <= set(opts)), None)
            if step is None:
                return None  # the data cannot be made (quasi to counts, an empty result...)
            opts.update(step)
        except OptionError:
            return None  # e.g. a format that needs an option of its own to write
    else:
        raise AssertionError(f"{fid}: dump still refused after allowing every loss: {opts}")
    found = losses(obj, fid, **opts, **kw)
    assert all(x.allowed for x in found), (fid, found)
    lost = {x.capability for x in found}
    from .._api import _prepared

    prepared, _ = _prepared(obj, fmt, opts)
    kinds = {n.kind for n in _notes(prepared)}
    for x in found:
        expected = "leakage-excluded" if x.capability == "leakage" and not opts.get(
            "include_leakage") else f"lost-{x.capability}"
        assert expected in kinds, f"{fid}: lost {x.capability} without a note ({sorted(kinds)})"
    back = load(out, fid, **_load_options(fmt, prepared), **kw)
    before = _selected(obj, opts)  # the experiment experiment= picks, as dump does
    if "leakage" in lost and not opts.get("include_leakage"):
        before = _each_memory(before, without_leakage)
    had, has = held(before), held(back)
    # a register the format reads as its joint register by its name
    designated = "register-names" in had and bool(
        set(_joint_names(back)) & set(_names(had["register-names"])))
    for cap, detail in had.items():
        if cap in lost or _derived(cap, opts):
            continue
        if cap == "joint" and ("registers" not in fmt.carries or "registers" in lost):
            continue  # the one outcome such a format holds is the joint (compared below)
        if cap in ("registers", "joint") and designated:
            continue  # a register became the format's joint register (compared below)
        assert cap in has, f"{fid}: {cap} ({detail}) neither kept nor announced as lost"
        if cap == "empty-registers":  # the same registers empty (names: checked below)
            assert _tail(has[cap]) == _tail(detail), f"{fid}: {detail} read back as {has[cap]}"
        elif cap == "register-names":  # every name kept (a format may add its joint register)
            names, back_names = _names(detail), _names(has[cap]) + _joint_names(back)
            if "empty-registers" in lost:  # left out, and noted
                names = [n for n in names if n not in _names(had["empty-registers"])]
            assert set(names) <= set(back_names), f"{fid}: register names {names} read back " \
                                                  f"as {back_names}"
        elif cap not in _PRESENCE_ONLY:
            assert has[cap] == detail, f"{fid}: {cap} was {detail!r}, read back {has[cap]!r}"
    if isinstance(before, Expectations):
        assert _same_expectations(before, back), f"{fid}: the expectation values changed"
    elif not opts.get("sample") and not opts.get("shots"):
        assert _same_data(before, back), f"{fid}: the outcomes changed"
    return back


def _names(detail: str) -> list[str]:
    import ast

    # "register names [...]" or "empty registers [...] (registers [...] in order)"
    text = detail.split(" ", 2)[2]
    if " (registers " in text:
        text = text[:text.rindex(" (registers ")]
    return list(ast.literal_eval(text))


def _tail(detail: str) -> str:
    return detail[detail.rindex("("):]


def _joint_names(obj: Any) -> list[str]:
    """The names of the joint registers in ``obj`` (a format's own name for the register
    holding every bit: not counted among the register names)."""
    leaves = [e.data[k] for e in obj.results for k in _outcome_keys(e)] \
        if isinstance(obj, Result) else [obj]
    out = [getattr(leaf, "joint_register", None) for leaf in leaves]
    out += [leaf.layout.joint for leaf in leaves if getattr(leaf, "layout", None) is not None
            and not isinstance(leaf, RegisterMarginals)]
    return [n for n in out if n]


def _derived(cap: str, opts: Mapping[str, Any]) -> bool:
    """Capabilities a step replaces with invented data on request (sampled shots, rounded
    counts): they are not expected to survive unchanged."""
    return cap in ("shots", "shot-order") and bool(opts.get("sample") or opts.get("shots"))


def _allowing(opts: dict[str, Any], refused: Any) -> dict[str, Any]:
    out = dict(opts)
    allow = set(out.get("allow_loss") or ())
    for x in refused:
        if x.capability == "experiments":
            out["experiment"] = 0
        elif x.capability == "registers":
            out["join_registers"] = True
        else:
            allow.add(x.capability)
    if allow:
        out["allow_loss"] = sorted(allow)
    return out


def _each_memory(obj: Any, func: Callable[[Any], Any]) -> Any:
    if isinstance(obj, Memory):
        return func(obj)
    if isinstance(obj, Result):
        return attrs.evolve(obj, results=[attrs.evolve(e, data={
            k: func(v) if isinstance(v, Memory) else v for k, v in e.data.items()})
            for e in obj.results])
    return obj


def check_conversions(fid: str, *, registry: Registry | None = None,
                      objects: Mapping[str, Any] | None = None) -> None:
    """Check that format ``fid`` keeps what it declares and loses nothing unannounced:
    :func:`check_conversion` of every object of :func:`capability_objects` (or ``objects``)
    written as ``fid``, and of what is read back written as every other format of the
    registry (so every route through ``fid`` of two steps). Raises AssertionError naming the
    object and the formats.

    >>> import qfmt.testing
    >>> qfmt.testing.check_conversions("ionq.result.histogram.json.v1")
    """
    reg = registry or default_registry()
    targets = sorted({row.id for row in reg.listing() if row.status == "loaded"})
    for name, obj in (objects or capability_objects()).items():
        try:
            back = check_conversion(obj, fid, registry=registry)
        except AssertionError as exc:
            raise AssertionError(f"{name} -> {exc}") from None
        if back is None:
            continue
        for other in targets:
            try:
                check_conversion(back, other, registry=registry)
            except AssertionError as exc:
                raise AssertionError(f"{name} -> {fid} -> {exc}") from None
