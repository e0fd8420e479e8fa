"""What a format carries, what an object holds, and what a conversion would lose.

Every :class:`qfmt.Format` declares the capabilities it carries (``Format.capabilities``, a set of
the names below). Every canonical object holds some of them (:func:`held`). Writing an object
as a format loses ``held(obj) - format.carries``, and :func:`losses` says so item by item: a loss
whose capability has an option is refused (:class:`qfmt.LossyConversionError` naming the option)
unless that option is given; a loss without an option is allowed and recorded as a provenance
:class:`qfmt.Note` of kind ``lost-<capability>``.

The capabilities, and what happens when a destination lacks one:

- ``experiments``: several experiments (circuits, pubs, child jobs). Refused; ``experiment=``
  picks one.
- ``registers``: bits split into several registers. Noted where the bits keep their positions
  (or a joint register holds them all); else refused, ``join_registers=True`` lays them end to
  end. Separate marginals without a joint register are refused: their joint is not known.
- ``register-names``: the names of the registers. Noted.
- ``register-positions``: where each register's bits sit in the joint outcome. Noted.
- ``empty-registers``: registers of no bits. Noted (the empty registers are left out).
- ``joint``: the joint outcome of several registers (their correlations). Refused;
  ``join_registers=True`` or ``allow_loss="joint"``. A register-nested format writes the joint
  register only where the bit order is known, so registers laid end to end in payload order
  need one of the two there as well.
- ``bit-labels``: the qubit each classical bit measured, when not 0, 1, 2, ... Refused;
  ``allow_loss="bit-labels"``.
- ``leakage``: shots marked as leaked. The leaked shots are left out and noted;
  ``include_leakage=True`` keeps them as plain shots.
- ``shot-order``: one outcome per shot, in shot order. Noted (the shots are counted).
- ``shots``: the number of shots. Noted.
- ``state``: statevectors, unitaries, density matrices (experiment data ``statevector``,
  ``unitary``, ``density_matrix``). Refused; ``allow_loss="state"``.
- ``result-types``: results computed from the state (experiment data ``result_types``,
  Braket's expectation values, variances, amplitudes). Refused; ``allow_loss="result-types"``.
- ``experiment-data``: any other data beyond outcomes (simulator save data, custom labels).
  Refused; ``allow_loss="experiment-data"``.
- ``metadata``: headers, backend and job fields, vendor metadata. Noted.

Quasi-probabilities and expectation values are types of their own, not capabilities: they convert
only to formats that produce them (the conversion table of :mod:`qfmt._convert`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ._dist import Counts, Distribution, ProbDistribution
from ._errors import OptionError
from ._memory import Memory
from ._results import ExperimentResult, RegisterMarginals, Result

__all__ = ["CAPABILITIES", "Capability", "Loss", "held", "lost", "parse_allow_loss"]


@attrs.frozen
class Capability:
    """One thing a format can carry.

    ``name`` is the stable id (``Format.capabilities`` lists these names), ``description`` says
    what an object holds when it has it, and ``option`` is the conversion option that allows
    losing it (None: the loss is allowed and noted in the provenance).
    """

    name: str
    description: str
    option: str | None = None


#: Every capability, by name: the vocabulary of ``Format.capabilities``.
CAPABILITIES: Mapping[str, Capability] = {c.name: c for c in (
    Capability("experiments", "several experiments (circuits, pubs or child jobs) in one result",
               "experiment=<index, name or job id>"),
    Capability("registers", "bits split into several registers", "join_registers=True"),
    Capability("register-names", "the names of the registers"),
    Capability("register-positions", "where each register's bits sit in the joint outcome"),
    Capability("empty-registers", "registers of no bits (a circuit's empty classical "
               "register)"),
    Capability("joint", "the joint outcome of several registers (their correlations)",
               "join_registers=True or allow_loss='joint'"),
    Capability("bit-labels", "the qubit each classical bit measured",
               "allow_loss='bit-labels'"),
    Capability("leakage", "shots marked as leaked"),
    Capability("shot-order", "one outcome per shot, in shot order"),
    Capability("shots", "the number of shots"),
    Capability("state", "statevectors, unitaries or density matrices of an experiment",
               "allow_loss='state'"),
    Capability("result-types", "results an experiment computed from its state (expectation "
               "values, variances, amplitudes of observables)",
               "allow_loss='result-types'"),
    Capability("experiment-data", "data beyond outcomes, states and result types (simulator "
               "save data, custom labels)", "allow_loss='experiment-data'"),
    Capability("metadata", "headers, backend and job fields, vendor metadata"),
)}

#: The capabilities ``allow_loss=`` can name (those whose loss is refused by default and has no
#: option of its own).
ALLOWABLE = frozenset({"joint", "bit-labels", "state", "result-types", "experiment-data"})

#: The data keys of an experiment that hold its outcomes (canonical objects).
OUTCOME_KEYS = frozenset({"counts", "memory", "probabilities", "quasi"})
#: The data keys of an experiment that hold its state (complex arrays, qfmt's qubit order);
#: any key neither these, :data:`OUTCOME_KEYS` nor :data:`RESULT_TYPES_KEY` is
#: ``experiment-data``.
STATE_KEYS = frozenset({"statevector", "unitary", "density_matrix"})
#: The data key of an experiment that holds its result types (plain JSON data).
RESULT_TYPES_KEY = "result_types"


@attrs.frozen
class Loss:
    """One capability a conversion would lose: ``capability`` (a name of :data:`CAPABILITIES`),
    ``detail`` (what exactly, for people), ``option`` (what allows it; None when it is allowed
    and only noted) and ``allowed`` (whether this conversion goes ahead with it)."""

    capability: str
    detail: str
    option: str | None
    allowed: bool

    def __str__(self) -> str:
        return f"{self.capability}: {self.detail}"


def parse_allow_loss(value: Any) -> frozenset[str]:
    """The capability names of an ``allow_loss=`` option: a name, a comma-separated str, or an
    iterable of names; each must be one of :data:`ALLOWABLE`."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        names = [n.strip() for n in value.split(",") if n.strip()]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        names = list(value)
    else:
        raise OptionError(f"allow_loss takes capability names, got {type(value).__name__}")
    bad = [n for n in names if n not in ALLOWABLE]
    if bad:
        raise OptionError(f"allow_loss names {bad}; it takes {sorted(ALLOWABLE)} (the other "
                          "losses have options of their own or are only noted)")
    return frozenset(names)


def _layout_held(layout: Any, out: dict[str, str]) -> None:
    """What a layout holds: register names (the joint register's is each format's own, so it
    is not counted), empty registers, several registers, their positions, their joint."""
    if layout is None:
        return
    names = list(layout.names)
    empty = [i for i, r in enumerate(layout.registers) if not r.width]
    if empty:
        out.setdefault("empty-registers", f"empty registers {[names[i] for i in empty]} "
                       f"(registers {empty} in order)")
    named = [r.name for r in layout.registers if r.name != layout.joint]
    if named:  # the joint register's name is each format's own
        out.setdefault("register-names", f"register names {named}")
    parts = [r for r in layout.registers if r.name != layout.joint and r.width]
    if len(parts) < 2:
        return
    widths = [r.width for r in parts]
    out.setdefault("registers", f"{len(parts)} registers of widths {widths}")
    if layout.positional:
        out.setdefault("register-positions",
                       f"the bit positions of registers of widths {widths}")
    out.setdefault("joint", f"the joint outcome of registers of widths {widths}")


def held(obj: Any) -> dict[str, str]:
    """The capabilities ``obj`` holds, each with a sentence saying what exactly (for messages).

    >>> import qfmt
    >>> sorted(held(qfmt.Counts({"01": 3}, width=2)))
    ['shots']
    """
    out: dict[str, str] = {}
    if isinstance(obj, Result):
        if len(obj.results) > 1:
            out["experiments"] = f"{len(obj.results)} experiments"
        meta = [n for n in ("backend_name", "backend_version", "date", "job_id", "status")
                if getattr(obj, n) is not None]
        meta += [f"header {k!r}" for k in (obj.header or {})]
        meta += [f"{k!r}" for k in obj.extra]
        for exp in obj.results:
            if not isinstance(exp, ExperimentResult):
                continue
            meta += [f"experiment {n}" for n in ("status", "seed")
                     if getattr(exp, n) is not None]
            meta += [f"experiment header {k!r}" for k in exp.header]
            meta += [f"experiment {k!r}" for k in exp.extra]
            labels = getattr(exp, "measured_qubits", None)
            if labels is not None and list(labels) != list(range(len(labels))):
                out.setdefault("bit-labels", f"measured qubits {list(labels)}")
            outcomes = _outcome_keys(exp)
            states = sorted(STATE_KEYS & set(exp.data))
            if states:
                out.setdefault("state", f"experiment states {states}")
            if RESULT_TYPES_KEY in exp.data:
                out.setdefault("result-types", "result types")
            extra_data = sorted(k for k in exp.data if k not in outcomes and k not in STATE_KEYS
                                and k != RESULT_TYPES_KEY)
            if extra_data:
                out.setdefault("experiment-data", f"experiment data {extra_data}")
            for k in outcomes:
                for cap, detail in held(exp.data[k]).items():
                    out.setdefault(cap, detail)
            if exp.shots is not None and outcomes:
                out.setdefault("shots", f"its shot count ({exp.shots})")
        if meta:
            out["metadata"] = f"metadata ({', '.join(dict.fromkeys(meta))})"
        return out
    if isinstance(obj, RegisterMarginals):
        names = [n for n in obj.registers if n != obj.joint_register]
        widths = [obj.registers[n].width for n in names]
        if names:
            out["register-names"] = f"register names {names}"
        if len(names) >= 2:
            out["registers"] = f"{len(names)} registers of widths {widths}"
            if obj.joint_register is not None and obj.joint_register in obj.registers:
                out["joint"] = f"the joint outcome of registers of widths {widths}"
        for dist in obj.registers.values():
            for cap, detail in held(dist).items():
                out.setdefault(cap, detail)
        return out
    if isinstance(obj, Memory):
        out["shot-order"] = f"the order of its {len(obj)} shots"
        out["shots"] = f"its shot count ({len(obj)})"
        if obj.leakage is not None and bool(obj.leaked().any()):
            out["leakage"] = f"the leakage marks of {int(obj.leaked().sum())} shots"
        _layout_held(obj.layout, out)
        return out
    if isinstance(obj, Counts):
        out["shots"] = f"its shot count ({obj.shots()})"
    elif isinstance(obj, ProbDistribution) and obj.shots is not None:
        out["shots"] = f"its shot count ({obj.shots})"
    _layout_held(getattr(obj, "layout", None), out)
    return out


def lost(obj: Any, carries: frozenset[str], *, nested: bool, options: Mapping[str, Any]
         ) -> list[Loss]:
    """What writing ``obj`` to a format that carries ``carries`` loses, each :class:`Loss`
    allowed or not under ``options`` (the conversion options). ``nested`` is whether the
    destination keeps registers apart (a register-nested format: its joint register is written
    only where bit positions are known)."""
    have = held(obj)
    allow = parse_allow_loss(options.get("allow_loss"))
    out: list[Loss] = []
    if not nested and _marginals(obj):
        # registers kept as marginals beside their joint have no positions in it: a format of
        # one outcome per shot or per key takes the joint register alone
        carries = carries - {"registers", "register-names"}

    def add(cap: str, detail: str, allowed: bool, option: str | None = "") -> None:
        if option == "":
            option = CAPABILITIES[cap].option
        out.append(Loss(cap, detail, option if not allowed or cap in allow else None, allowed))

    for cap, detail in have.items():
        if cap == "joint" and "registers" not in carries:
            continue  # one joint outcome is all such a format holds: the "registers" rule decides
        if cap == "joint" and cap in carries and nested and _unordered(obj) \
                and not options.get("join_registers"):
            # registers laid end to end in payload order: a register-nested format's joint
            # register would invent the bit order
            add(cap, f"{detail} (its bit order is not known)", cap in allow)
            continue
        if cap in carries:
            continue
        if cap == "experiments":
            add(cap, detail, options.get("experiment") is not None)
        elif cap == "registers":
            if _separate(obj):
                add(cap, f"{detail} (separate marginals: their joint distribution is not "
                    "known)", False, None)
                continue
            # positional registers keep their bits; a joint register carries every bit
            keeps = "register-positions" in have or _has_joint(obj) or bool(
                options.get("join_registers"))
            add(cap, detail, keeps)
        elif cap == "joint":
            add(cap, detail, cap in allow or bool(options.get("join_registers")))
        elif cap in ALLOWABLE:
            add(cap, detail, cap in allow)
        elif cap == "leakage":
            add(cap, detail + (" (those shots kept as plain shots)"
                               if options.get("include_leakage") else
                               " (those shots are left out)"), True)
        else:
            add(cap, detail, True)
    return out


def _outcome_keys(exp: Any) -> list[str]:
    """The data keys of an experiment that hold its outcomes: canonical objects under
    :data:`OUTCOME_KEYS` (a simulator's own ``probabilities`` save data is experiment data)."""
    return sorted(k for k in OUTCOME_KEYS & set(exp.data)
                  if isinstance(exp.data[k], (Distribution, Memory)))


def _leaves(obj: Any) -> list[Any]:
    if isinstance(obj, Result):
        return [e.data[k] for e in obj.results for k in _outcome_keys(e)]
    return [obj]


def _unordered(obj: Any) -> bool:
    """Whether ``obj`` holds registers laid end to end in payload order, with no register that
    holds every bit: their joint outcome exists, but its bit order is not known."""
    for leaf in _leaves(obj):
        layout = getattr(leaf, "layout", None)
        if layout is not None and len(layout.registers) >= 2 and not layout.positional \
                and layout.joint is None:
            return True
    return False


def _marginals(obj: Any) -> bool:
    return any(isinstance(leaf, RegisterMarginals) for leaf in _leaves(obj))


def _separate(obj: Any) -> bool:
    """Whether ``obj`` holds registers only as separate marginals (no joint register)."""
    return any(isinstance(leaf, RegisterMarginals) and leaf.joint_register is None
               and len(leaf.registers) >= 2 for leaf in _leaves(obj))


def _has_joint(obj: Any) -> bool:
    layout = getattr(obj, "layout", None)
    if layout is not None and layout.joint is not None:
        return True
    if isinstance(obj, Result):
        return all(_has_joint(leaf) for leaf in _leaves(obj))
    return bool(getattr(obj, "joint_register", None))


def default_capabilities(produces: type, element: type | None, registers: bool,
                         carries_leakage: bool) -> frozenset[str]:
    """The capabilities a format that declares none is taken to carry, from its other fields."""
    caps: set[str] = set()
    for t in (produces, element):
        if t is Memory:
            caps |= {"shot-order", "shots"}
        elif t is Counts:
            caps.add("shots")
        elif t is ProbDistribution:
            pass
    if produces is Result:
        caps.add("experiments")
    if registers:
        caps |= {"registers", "register-names", "joint"}
    if carries_leakage:
        caps.add("leakage")
    return frozenset(caps)
