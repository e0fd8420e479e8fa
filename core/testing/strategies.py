"""Hypothesis strategies for qfmt's canonical objects, and for any format's payloads.

Needs hypothesis: ``pip install "qfmt[testing]"``. Every object is built with qfmt's public
constructors, so what a strategy draws is what a user could build. Outcomes follow the bit-order
rule (bit *i* of the int is classical bit *i*); widths go past 64 bits by default, where
numpy-backed fast paths stop.

>>> from hypothesis import given
>>> from qfmt.testing import strategies as qst
>>> @given(qst.payloads("acme.counts.v1"))          # doctest: +SKIP
... def test_acme_round_trips(payload):
...     assert qfmt.dump(qfmt.load(payload, "acme.counts.v1"), "acme.counts.v1") == payload
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import LossyConversionError, MissingDependencyError

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingDependencyError(
        "qfmt.testing.strategies needs hypothesis: install qfmt[testing] "
        "(pip install 'qfmt[testing]')") from exc

import numpy as np

from .. import (
    Counts,
    Expectations,
    ExpectationValues,
    ExperimentResult,
    Format,
    Memory,
    ProbDistribution,
    QuasiDistribution,
    RegisterLayout,
    RegisterMarginals,
    Result,
    dump,
)

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = [
    "MAX_TEST_WIDTH",
    "counts",
    "expectations",
    "layouts",
    "memory",
    "payloads",
    "probabilities",
    "quasi",
    "register_marginals",
    "register_names",
    "results",
    "strategy_for",
    "widths",
]


#: The widest width drawn by default: past 64 bits, where uint64 fast paths stop.
MAX_TEST_WIDTH = 70

#: Register names as IonQ and Qiskit write them (letters, digits after the first, underscore).
register_names = st.text(string.ascii_letters + "_", min_size=1, max_size=1).flatmap(
    lambda head: st.text(string.ascii_letters + string.digits + "_", max_size=7).map(
        lambda tail: head + tail))


def widths(min_width: int = 1, max_width: int = MAX_TEST_WIDTH) -> st.SearchStrategy[int]:
    """Bit widths from ``min_width`` to ``max_width``."""
    return st.integers(min_value=min_width, max_value=max_width)


def _maybe(flag: bool | None) -> st.SearchStrategy[bool]:
    return st.booleans() if flag is None else st.just(flag)


@st.composite
def layouts(draw: Any, width: int, *, max_registers: int = 3) -> RegisterLayout:
    """A :class:`qfmt.RegisterLayout` of up to ``max_registers`` registers covering ``width``
    bits (first register at bit 0), with unique names."""
    n = draw(st.integers(1, max(1, min(max_registers, width))))
    cuts = sorted(draw(st.lists(st.integers(1, width - 1), min_size=n - 1, max_size=n - 1,
                                unique=True))) if n > 1 else []
    bounds = [0, *cuts, width]
    names = draw(st.lists(register_names, min_size=len(bounds) - 1,
                          max_size=len(bounds) - 1, unique=True))
    return RegisterLayout([(name, hi - lo) for name, lo, hi in zip(names, bounds, bounds[1:])])


def _outcomes(draw: Any, width: int, min_outcomes: int, max_outcomes: int) -> list[int]:
    return list(draw(st.lists(st.integers(0, 2**width - 1), min_size=min_outcomes,
                              max_size=max(min_outcomes, max_outcomes), unique=True)))


def _width_and_layout(draw: Any, width: int | None, max_width: int,
                      layout: bool | None) -> tuple[int, RegisterLayout | None]:
    w = draw(widths(1, max_width)) if width is None else width
    with_layout = draw(_maybe(layout))
    return w, (draw(layouts(w)) if with_layout else None)


@st.composite
def counts(draw: Any, width: int | None = None, *, max_outcomes: int = 12,
           max_width: int = MAX_TEST_WIDTH, max_count: int = 10**9,
           layout: bool | None = False) -> Counts:
    """:class:`qfmt.Counts` of 1 to ``max_outcomes`` outcomes, each with 1 to ``max_count``
    shots. ``width`` fixes the width (else drawn up to ``max_width``); ``layout`` True always
    adds a register layout, None sometimes, False (default) never."""
    w, lay = _width_and_layout(draw, width, max_width, layout)
    keys = _outcomes(draw, w, 1, max_outcomes)
    values = draw(st.lists(st.integers(1, max_count), min_size=len(keys), max_size=len(keys)))
    return Counts(dict(zip(keys, values)), width=w, layout=lay)


@st.composite
def probabilities(draw: Any, width: int | None = None, *, max_outcomes: int = 12,
                  max_width: int = MAX_TEST_WIDTH, layout: bool | None = False
                  ) -> ProbDistribution:
    """:class:`qfmt.ProbDistribution` of 1 to ``max_outcomes`` outcomes with positive
    probabilities summing to 1 (integer weights, normalised). Options as for :func:`counts`."""
    w, lay = _width_and_layout(draw, width, max_width, layout)
    keys = _outcomes(draw, w, 1, max_outcomes)
    weights = draw(st.lists(st.integers(1, 1000), min_size=len(keys), max_size=len(keys)))
    total = sum(weights)
    return ProbDistribution({k: v / total for k, v in zip(keys, weights)}, width=w, layout=lay)


@st.composite
def quasi(draw: Any, width: int | None = None, *, max_outcomes: int = 12,
          max_width: int = MAX_TEST_WIDTH, layout: bool | None = False) -> QuasiDistribution:
    """:class:`qfmt.QuasiDistribution` of 1 to ``max_outcomes`` outcomes with finite values in
    [-1, 1] (some negative). Options as for :func:`counts`."""
    w, lay = _width_and_layout(draw, width, max_width, layout)
    keys = _outcomes(draw, w, 1, max_outcomes)
    values = draw(st.lists(st.floats(-1, 1, allow_nan=False, allow_subnormal=False),
                           min_size=len(keys), max_size=len(keys)))
    return QuasiDistribution(dict(zip(keys, values)), width=w, layout=lay)


def _with_leakage(mem: Memory, rows: Sequence[Sequence[int]], present: Sequence[bool]) -> Memory:
    """``mem`` with per-shot leakage bits (``rows``) on the shots where ``present`` is True."""
    full = np.asarray(rows, dtype=np.uint8)
    packed = np.packbits(full, axis=1, bitorder="little")
    marks = None if all(present) else np.asarray(present, dtype=bool)
    return Memory(mem.bits, mem.width, False, mem.layout, leakage=packed,
                  leakage_width=full.shape[1], leakage_present=marks)


@st.composite
def memory(draw: Any, width: int | None = None, *, min_shots: int = 1, max_shots: int = 40,
           max_width: int = MAX_TEST_WIDTH, layout: bool | None = None,
           leakage: bool | None = None, positional: bool | None = None) -> Memory:
    """:class:`qfmt.Memory` of ``min_shots`` to ``max_shots`` shots.

    ``layout`` / ``leakage``: True always, None sometimes (default), False never. With a layout,
    ``positional`` chooses Qiskit-like (True) or IonQ-like (False) registers (None: either).
    Leakage marks carry 1 to 6 bits per shot, on every shot or only on some (IonQ writes
    ``leakage_bits`` per shot)."""
    w, lay = _width_and_layout(draw, width, max_width, layout)
    if lay is not None and len(lay.registers) > 1 and not draw(_maybe(positional)):
        lay = RegisterLayout(lay.registers, positional=False)
    shots = draw(st.lists(st.integers(0, 2**w - 1), min_size=min_shots, max_size=max_shots))
    mem = Memory.from_ints(shots, w, layout=lay)
    if not draw(_maybe(leakage)):
        return mem
    lw = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(st.integers(0, 1), min_size=lw, max_size=lw),
                         min_size=len(shots), max_size=len(shots)))
    present = list(draw(st.lists(st.booleans(), min_size=len(shots), max_size=len(shots))
                   | st.just([True] * len(shots))))
    if not any(present):  # a leakage record on no shot at all is no leakage record
        present[draw(st.integers(0, len(shots) - 1))] = True
    rows = [r if p else [0] * lw for r, p in zip(rows, present)]
    return _with_leakage(mem, rows, present)


@st.composite
def register_marginals(draw: Any, element: type | None = None, *, max_registers: int = 3,
                       max_outcomes: int = 8, max_width: int = 24,
                       joint_name: str | None = None,
                       joint: bool | None = None) -> RegisterMarginals:
    """:class:`qfmt.RegisterMarginals` of 1 to ``max_registers`` registers, each a distribution
    of type ``element`` (:class:`qfmt.Counts` or :class:`qfmt.ProbDistribution`; None: either)
    with its own width. With ``joint_name`` (the name a format gives the register over every
    bit, its ``Format.joint_register``), ``joint`` True always makes one register that joint
    register, None sometimes, False never; no other register has that name."""
    kind = draw(st.sampled_from([Counts, ProbDistribution])) if element is None else element
    if kind not in (Counts, ProbDistribution):
        raise ValueError(f"register marginals hold Counts or ProbDistribution, not {kind!r}")
    names = draw(st.lists(register_names.filter(lambda n: n != joint_name),
                          min_size=1, max_size=max_registers, unique=True))
    chosen = None
    if joint_name is not None and draw(_maybe(joint)):
        names[draw(st.integers(0, len(names) - 1))] = chosen = joint_name
    make = counts if kind is Counts else probabilities
    return RegisterMarginals({name: draw(make(max_outcomes=max_outcomes, max_width=max_width))
                              for name in names}, joint_register=chosen)


_DATA_KEY: dict[type, str] = {Counts: "counts", ProbDistribution: "probabilities",
                              QuasiDistribution: "quasi", Memory: "memory"}


@st.composite
def _experiment(draw: Any, element: type | None, index: int, job_id: str | None,
                max_width: int) -> ExperimentResult:
    width = draw(widths(1, max_width))
    header: dict[str, Any] = {"name": f"circuit-{index}"}
    if element is None or element is Counts:
        mem = draw(memory(width, layout=None, leakage=False, positional=True))
        data: dict[str, Any] = {"counts": mem.counts()}
        if element is None and draw(st.booleans()):
            data["memory"] = mem
        return ExperimentResult(data, shots=len(mem), header=header, job_id=job_id)
    make: dict[type, Callable[..., st.SearchStrategy[Any]]] = {
        ProbDistribution: probabilities, QuasiDistribution: quasi, Memory: memory}
    if element not in make:
        raise ValueError(f"an experiment cannot hold a {element!r}")
    value = draw(make[element](width))
    shots = len(value) if isinstance(value, Memory) else None
    return ExperimentResult({_DATA_KEY[element]: value}, shots=shots, header=header,
                            job_id=job_id)


@st.composite
def results(draw: Any, element: type | None = None, *, max_experiments: int = 3,
            max_width: int = 24, job_ids: bool | None = None) -> Result:
    """:class:`qfmt.Result` of 1 to ``max_experiments`` experiments. ``element`` is what each
    experiment holds (``Counts``, ``ProbDistribution``, ``QuasiDistribution``, ``Memory``; None:
    counts and sometimes the memory they were counted from, like a Qiskit result). ``job_ids``
    True gives every experiment a unique child job id (IonQ multi-circuit jobs), None
    sometimes."""
    n = draw(st.integers(1, max_experiments))
    ids: list[str | None] = [None] * n
    if draw(_maybe(job_ids)):
        ids = list(draw(st.lists(st.uuids().map(str), min_size=n, max_size=n, unique=True)))
    exps = [draw(_experiment(element, i, ids[i], max_width)) for i in range(n)]
    return Result(exps, backend_name=draw(st.sampled_from([None, "simulator", "qpu.forte-1"])),
                  job_id=draw(st.none() | st.uuids().map(str)), success=True)


_FIELD_NAMES = st.sampled_from(["evs_noise_factors", "evs_extrapolated", "stds_extrapolated",
                                 "ensemble_stds_noise_factors"])
_JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8) | \
    st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def expectations(draw: Any, *, max_pubs: int = 3, max_dims: int = 2, max_side: int = 3
                 ) -> Expectations:
    """:class:`qfmt.Expectations` of 1 to ``max_pubs`` blocks, each of a shape of up to
    ``max_dims`` axes with ``evs`` and ``stds`` (sometimes ``ensemble_standard_error`` and an
    extra field with a trailing axis of its own), float64 values, and JSON metadata."""
    metadata = st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=6),
                               _JSON_LEAVES | st.lists(_JSON_LEAVES, max_size=3), max_size=3)
    blocks = []
    for _ in range(draw(st.integers(1, max_pubs))):
        shape = tuple(draw(st.lists(st.integers(0, max_side), max_size=max_dims)))
        size = int(np.prod(shape, dtype=np.int64))
        values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=size, max_size=size)
        data = {"evs": np.array(draw(values), dtype=float).reshape(shape),
                "stds": np.abs(np.array(draw(values), dtype=float)).reshape(shape)}
        if draw(st.booleans()):
            data["ensemble_standard_error"] = data["stds"].copy()
        if draw(st.booleans()):
            extra = draw(st.integers(1, 3))
            data[draw(_FIELD_NAMES)] = np.arange(size * extra, dtype=float).reshape(*shape, extra)
        blocks.append(ExpectationValues(data, shape, draw(metadata)))
    return Expectations(blocks, draw(metadata))


def strategy_for(produces: type, element: type | None = None, *,
                 joint_name: str | None = None) -> st.SearchStrategy[Any]:
    """The strategy for canonical objects of type ``produces`` (with ``element`` inside a
    RegisterMarginals or Result; ``joint_name`` as for :func:`register_marginals`)."""
    if produces is Counts:
        return counts(layout=None)
    if produces is ProbDistribution:
        return probabilities(layout=None)
    if produces is QuasiDistribution:
        return quasi(layout=None)
    if produces is Memory:
        return memory()
    if produces is RegisterMarginals:
        return register_marginals(element, joint_name=joint_name)
    if produces is Result:
        return results(element, job_ids=True if element is not None else None)
    if produces is Expectations:
        return expectations()
    raise ValueError(f"no strategy for canonical type {produces!r}")


def _resolve(format_id: str | Format, registry: Registry | None) -> Format:
    if isinstance(format_id, Format):
        return format_id
    if registry is not None:
        return registry.get(format_id)
    from . import _default_registry

    return _default_registry().get(format_id)


def payloads(format_id: str | Format, *, registry: Registry | None = None,
             objects: st.SearchStrategy[Any] | None = None,
             **dump_options: Any) -> st.SearchStrategy[Any]:
    """Payloads of a format: ``qfmt.dump`` of a generated canonical object of the format's
    ``produces`` type (objects the format cannot hold without loss are skipped: dump's
    :class:`qfmt.LossyConversionError` becomes ``hypothesis.assume(False)``).

    ``objects`` replaces the strategy of canonical objects to dump (default
    :func:`strategy_for` the format's ``produces`` and ``element``); ``registry`` as for
    :func:`qfmt.testing.check_format`; ``dump_options`` go to ``qfmt.dump``.
    """
    from . import _VERBS_TAKE_REGISTRY

    fmt = _resolve(format_id, registry)
    kw: dict[str, Any] = dict(dump_options)
    target: str | Format = fmt
    if isinstance(format_id, str) and registry is not None and _VERBS_TAKE_REGISTRY:
        target, kw["registry"] = format_id, registry
    elif isinstance(format_id, str) and registry is None:
        target = format_id

    @st.composite
    def build(draw: Any) -> Any:
        obj = draw(objects if objects is not None else strategy_for(
            fmt.produces, fmt.element, joint_name=fmt.joint_register))
        try:
            return dump(obj, target, **kw)
        except LossyConversionError:
            assume(False)

    return build()
