"""Distributions on numpy arrays: :class:`Counts`, :class:`ProbDistribution`, :class:`QuasiDistribution`.

Each holds its outcomes in ``outcome_array`` (ascending, unique; ``uint64`` when the width is at
most 64 bits, else an object array of exact Python ints) and its values in ``value_array``
(``uint64`` counts, ``float64`` probabilities). They read as a ``Mapping`` of int outcome -> value;
the ``dict`` behind that view (``.data``) is built on first use only.

Two ways to build one:

- ``Counts({"01": 30, "10": 70})``: the checking constructor for user input, any key kind (ints,
  ``"0x.."``, ``"0b.."``, bitstrings with register spaces); every key and value is checked.
- ``Counts(outcome_array=..., value_array=..., width=...)``: from arrays, checked in bulk (this is
  what ``attrs.evolve`` calls). Plugins use :mod:`qfmt.kit`'s builders, which check payload arrays
  with JSON paths and then build without further checks.

**Equality is strict**: a ``Counts`` equals another ``Counts`` with the same outcomes, values, width
and layout (provenance and ``width_inferred`` are not compared). A distribution never equals a plain
mapping (so ``==`` stays transitive); compare ``dict(c) == {...}`` (int keys) or
``c.display() == qiskit_counts`` instead.
"""

from __future__ import annotations

import math
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any, ClassVar, Generic, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from ._bits import MAX_WIDTH, bitstring, bitstrings
from ._errors import LossyConversionError, PayloadError, ResultError
from ._keys import normalize_keys, sort_u64
from ._layout import Note, RegisterLayout, layout_text, width_text
from ._read import MAX_COUNT, count_value, jpath, probability_value, quasi_value
from ._rules import PROB_ATOL, largest_remainder_array, resolve_width, sum_to_one
from ._views import view

__all__ = ["Counts", "Distribution", "ProbDistribution", "QuasiDistribution", "outcome_array_of"]

V = TypeVar("V", int, float)
D = TypeVar("D", bound="Distribution[Any]")

LayoutLike = RegisterLayout | Sequence[tuple[str, int]] | None


def outcome_array_of(values: Any, width: int) -> npt.NDArray[Any]:
    """Outcomes as the array kind a distribution of ``width`` bits keeps: ``uint64`` up to 64 bits,
    an object array of Python ints beyond (exact at any width)."""
    if width <= 64:
        if isinstance(values, np.ndarray) and values.dtype == np.uint64:
            return values
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            return values.astype(np.uint64)
        return np.array([int(v) for v in values] if not isinstance(values, np.ndarray)
                        else values.tolist(), dtype=np.uint64)
    out = np.empty(len(values), dtype=object)
    out[:] = [int(v) for v in (values.tolist() if isinstance(values, np.ndarray) else values)]
    return out


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _as_layout(layout: LayoutLike) -> RegisterLayout | None:
    if layout is None or isinstance(layout, RegisterLayout):
        return layout
    return RegisterLayout(layout)


def sort_outcomes(outcomes: npt.NDArray[Any], values: npt.NDArray[Any], what: str | None,
                  path: str = "$") -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Outcomes ascending with their values; two equal outcomes are a PayloadError."""
    n = outcomes.size
    if n > 1 and np.count_nonzero(outcomes[1:] > outcomes[:-1]) != n - 1:
        if outcomes.dtype == np.uint64:
            order, outcomes = sort_u64(outcomes)
        else:
            order = np.argsort(outcomes, kind="stable")
            outcomes = outcomes[order]
        values = values[order]
        same = np.flatnonzero(outcomes[1:] == outcomes[:-1])
        if same.size:
            k = int(outcomes[int(same[0])])
            raise PayloadError(what, path, f"outcome {k} appears twice")
    return outcomes, values


class Distribution(Mapping[int, V], Generic[V]):
    """What Counts, ProbDistribution and QuasiDistribution share (see the module docstring)."""

    __slots__ = ()

    _kind: ClassVar[str]
    _value_dtype: ClassVar[Any]
    outcome_array: npt.NDArray[Any]
    value_array: npt.NDArray[Any]
    width: int
    width_inferred: bool
    layout: RegisterLayout | None
    provenance: tuple[Note, ...]
    _dict: dict[int, V] | None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def _trusted(cls: type[D], outcome_array: npt.NDArray[Any], value_array: npt.NDArray[Any],
                 width: int, **fields: Any) -> D:
        """Build from arrays already checked (ascending unique outcomes of the right dtype that
        fit ``width``, valid values). No checks: the kit's builders call this after theirs."""
        obj: Any = cls.__new__(cls)
        defaults: dict[str, Any] = {"width_inferred": False, "layout": None, "provenance": ()}
        defaults.update(fields)
        obj.__attrs_init__(outcome_array=_readonly(outcome_array),
                           value_array=_readonly(value_array), width=width, **defaults)
        return cast(D, obj)

    @classmethod
    def _trusted_slices(cls: type[D], outcome_array: npt.NDArray[Any],
                        value_array: npt.NDArray[Any], ends: Sequence[int], widths: Sequence[int],
                        inferred: Sequence[bool], provenance: Sequence[tuple[Note, ...]],
                        **common: Any) -> list[D]:
        """Many distributions at once, each a view of a slice of two arrays already checked (as
        for :meth:`_trusted`; ``ends[i]`` is where distribution ``i`` stops): the readers of
        batches of small distributions use it. ``common`` sets the other fields for all; unset
        fields take their defaults."""
        fields = attrs.fields(cast(Any, cls))
        names = [a.name for a in fields]
        # plain defaults only (a factory's value must not be shared between objects)
        fixed = {a.name: a.default for a in fields
                 if a.default is not attrs.NOTHING and not hasattr(a.default, "factory")}
        fixed.update(common)
        own = ("outcome_array", "value_array", "width", "width_inferred", "provenance")
        missing = [n for n in names if n not in fixed and n not in own]
        if missing:
            raise TypeError(f"no value for {missing}")
        # the slots' own setters: the cheapest way to fill a frozen object
        setters = [cls.__dict__[n].__set__ for n in own]
        rest = [(cls.__dict__[n].__set__, fixed[n]) for n in names if n not in own]
        put_o, put_v, put_w, put_i, put_p = setters
        outs, vals = _readonly(outcome_array), _readonly(value_array)
        new = object.__new__
        result: list[D] = []
        start = 0
        for end, w, inf, prov in zip(ends, widths, inferred, provenance):
            obj = new(cls)
            put_o(obj, outs[start:end])
            put_v(obj, vals[start:end])
            put_w(obj, w)
            put_i(obj, inf)
            put_p(obj, prov)
            for put, value in rest:
                put(obj, value)
            result.append(obj)
            start = end
        return result

    def _rebuilt(self: D, outcome_array: npt.NDArray[Any], value_array: npt.NDArray[Any],
                 **changes: Any) -> D:
        """A copy with new (trusted) arrays and some fields changed, without re-checking."""
        cls: Any = type(self)
        fields = {a.name: getattr(self, a.name) for a in attrs.fields(cls)
                  if a.init and a.name not in ("outcome_array", "value_array")}
        fields.update(changes)
        width = fields.pop("width")
        return self._trusted(outcome_array_of(outcome_array, width), value_array, width, **fields)

    def _init(self, data: Any, width: Any, outcome_array_: Any, value_array_: Any,
              width_inferred: bool | None, layout: LayoutLike, provenance: Iterable[Note],
              check_values: Any, **extra: Any) -> None:
        kind = self._kind
        layout = _as_layout(layout)
        if data is not None and (outcome_array_ is not None or value_array_ is not None):
            raise TypeError("give either a mapping or outcome_array/value_array, not both")
        key_width: int | None = None
        split: tuple[int, ...] | None = None
        if data is None and outcome_array_ is None and value_array_ is None:
            data = {}
        if data is not None:
            if isinstance(data, Distribution):
                if width is None and not data.width_inferred:
                    width = data.width
                if layout is None:
                    layout = data.layout
                raw = np.asarray(data.outcome_array)
                vals = np.asarray(data.value_array)
                outcomes_list: Any = raw
            else:
                if not isinstance(data, Mapping):
                    raise PayloadError(kind, "$", "expected a mapping of outcome -> value, got "
                                       f"{type(data).__name__}")
                norm, key_width, split = normalize_keys(data, kind)
                outcomes_list = list(norm)
                vals = check_values(list(norm.values()), [str(k) for k in norm])
        else:
            if outcome_array_ is None or value_array_ is None:
                raise TypeError("outcome_array and value_array go together")
            outcomes_list = _checked_outcomes(outcome_array_, kind)
            vals = check_values(value_array_, None)
            if len(vals) != len(outcomes_list):
                raise PayloadError(kind, "$", f"{len(outcomes_list)} outcomes but {len(vals)} "
                                   "values")
        if width is None and layout is not None:
            width = layout.width
        top_probe = _probe(outcomes_list)
        if top_probe.size and int(top_probe.max()).bit_length() > MAX_WIDTH:
            raise PayloadError(kind, "$", f"an outcome is wider than {MAX_WIDTH} bits")
        w, inferred = resolve_width(top_probe, width, key_width, fmt=kind)
        if width_inferred is not None:
            inferred = bool(width_inferred)
        if layout is None and split is not None and len(split) > 1:
            layout = RegisterLayout([(f"c{i}", n) for i, n in enumerate(split)])
        if layout is not None and layout.width != w:
            raise PayloadError(kind, "$", f"layout covers {layout.width} bits but width is {w}")
        outs = outcome_array_of(top_probe, w)
        outs, vals = sort_outcomes(outs, np.asarray(vals), kind)
        init: Any = self.__attrs_init__  # type: ignore[attr-defined]
        init(outcome_array=_readonly(outs), value_array=_readonly(vals), width=w,
             width_inferred=inferred, layout=layout, provenance=tuple(provenance), **extra)

    # -- the mapping view ---------------------------------------------------------------------

    @property
    def data(self) -> dict[int, V]:
        """The outcomes and values as a plain ``dict`` (built once, on first use; ascending)."""
        d = self._dict
        if d is None:
            d = dict(zip(self.outcome_array.tolist(), self.value_array.tolist()))
            object.__setattr__(self, "_dict", d)
        return d

    def _index(self, key: Any) -> int:
        if isinstance(key, str):
            key = normalize_keys({key: None}, self._kind)[0].popitem()[0]
        elif isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            key = int(key)
        else:
            raise KeyError(key)
        if key < 0 or (self.outcome_array.dtype == np.uint64 and key.bit_length() > 64):
            raise KeyError(key)
        probe = np.uint64(key) if self.outcome_array.dtype == np.uint64 else key
        i = int(np.searchsorted(self.outcome_array, probe))
        if i < self.outcome_array.size and int(self.outcome_array[i]) == key:
            return i
        raise KeyError(key)

    def __getitem__(self, key: int | str) -> V:
        return cast(V, self.value_array[self._index(key)].item())

    def __contains__(self, key: object) -> bool:
        try:
            self._index(key)
        except (KeyError, PayloadError):
            return False
        return True

    def __iter__(self) -> Iterator[int]:
        return iter(self.outcome_array.tolist())

    def __len__(self) -> int:
        return int(self.outcome_array.size)

    def keys(self) -> KeysView[int]:
        return self.data.keys()

    def values(self) -> ValuesView[V]:
        return self.data.values()

    def items(self) -> ItemsView[int, V]:
        return self.data.items()

    def __eq__(self, other: object) -> bool:
        """Strict: the same kind of distribution with the same outcomes, values, width and
        layout. Never equal to a plain mapping (see the module docstring)."""
        if not isinstance(other, Distribution):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.width == other.width
            and self.layout == other.layout
            and self.outcome_array.shape == other.outcome_array.shape
            and bool(np.array_equal(self.outcome_array, other.outcome_array))
            and bool(np.array_equal(self.value_array, other.value_array))
        )

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """``Counts({0: 500, 3: 500}, width=2)``: the first 8 outcomes, then how many there are;
        ``width=3 (inferred)`` when no width was declared; the registers when there is a layout."""
        n = len(self)
        head = zip(self.outcome_array[:8].tolist(), self.value_array[:8].tolist())
        body = ", ".join(f"{k}: {v!r}" for k, v in head)
        if n > 8:
            body += f", ..., {n:,} outcomes"
        regs = f", registers={layout_text(self.layout)}" if self.layout is not None else ""
        return (f"{type(self).__name__}({{{body}}}, "
                f"width={width_text(self.width, self.width_inferred)}{regs})")

    def _repr_html_(self) -> str:
        """The notebook view: the largest values as a table with bars (bounded in size)."""
        html: str = view("dist_html")(self)
        return html

    # -- views --------------------------------------------------------------------------------

    @property
    def num_bits(self) -> int:
        """Alias of ``width``."""
        return self.width

    def total(self) -> float | int:
        """The sum of the values (exact for counts)."""
        return float(np.sum(self.value_array)) if self.value_array.size else 0.0

    def display_key(self, outcome: int) -> str:
        """Qiskit's display form of an outcome: zero-padded to the width and split into registers
        (last register leftmost) when the layout has several; unpadded when the width was
        inferred (as Qiskit shows counts without a header)."""
        if self.layout is not None and len(self.layout.registers) > 1:
            return self.layout.format(outcome)
        if self.width_inferred:
            return format(outcome, "b")
        return bitstring(outcome, self.width)

    def display_keys(self) -> list[str]:
        """:meth:`display_key` of every outcome, ascending (vectorised where it can be)."""
        if self.layout is not None and len(self.layout.registers) > 1:
            return [self.layout.format(k) for k in self.outcome_array.tolist()]
        if self.width_inferred:
            return [format(k, "b") for k in self.outcome_array.tolist()]
        return bitstrings(self.outcome_array, self.width)

    def display(self) -> dict[str, V]:
        """A plain dict keyed by :meth:`display_key`, what Qiskit's ``get_counts()`` shows.

        >>> Counts({0b11010: 5}, layout=[("c0", 2), ("c1", 3)]).display()
        {'110 10': 5}
        """
        return dict(zip(self.display_keys(), self.value_array.tolist()))

    def bitstrings(self, width: int | None = None) -> dict[str, V]:
        """Outcomes as zero-padded bitstrings (bit 0 rightmost), ``width`` defaulting to ours."""
        w = self.width if width is None else width
        return dict(zip(bitstrings(self.outcome_array, w), self.value_array.tolist()))

    def _normalised(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.value_array, dtype=np.float64)

    def binary_probabilities(self, num_bits: int | None = None) -> dict[str, float]:
        """Probabilities with bitstring keys zero-padded to ``num_bits`` (default: our width)."""
        w = self.width if num_bits is None else num_bits
        p = self._normalised()
        if p.size == 0:
            return {}
        return dict(zip(bitstrings(self.outcome_array, w), p.tolist()))

    def hex_probabilities(self) -> dict[str, float]:
        """Probabilities keyed by ``hex(outcome)``."""
        p = self._normalised()
        return dict(zip(map(hex, self.outcome_array.tolist()), p.tolist()))

    def int_outcomes(self) -> dict[int, V]:
        """A plain dict keyed by int outcomes (a copy)."""
        return dict(self.data)

    def hex_outcomes(self) -> dict[str, V]:
        """A plain dict keyed by ``hex(outcome)``, Qiskit's lowercase unpadded form."""
        return dict(zip(map(hex, self.outcome_array.tolist()), self.value_array.tolist()))

    def notes(self) -> tuple[str, ...]:
        """Provenance notes as sentences."""
        return tuple(str(n) for n in self.provenance)

    def replace(self: D, **changes: Any) -> D:
        """``attrs.evolve`` (kept from the dict model: ``data=`` replaces the outcomes and values
        with a mapping's, checked)."""
        if "data" in changes:
            data = changes.pop("data")
            cls: Any = type(self)
            probe = cls(data, width=changes.get("width", self.width)) if not isinstance(
                data, Distribution) else data
            changes["outcome_array"] = probe.outcome_array
            changes["value_array"] = probe.value_array
        out: D = attrs.evolve(cast(Any, self), **changes)
        return out


def _checked_outcomes(values: Any, kind: str) -> Any:
    """Outcomes given as an array or sequence: one-dimensional non-negative integers."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1 or values.dtype.kind not in "uiO":
            raise PayloadError(kind, "$", "outcome_array must be a one-dimensional integer array")
        if values.dtype.kind == "i" and values.size and int(values.min()) < 0:
            raise PayloadError(kind, "$", "outcomes must not be negative")
        if values.dtype.kind != "O":
            return values
        values = values.tolist()
    items = list(values)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise PayloadError(kind, "$", f"outcomes must be non-negative ints, got {v!r}")
    return [int(v) for v in items]


def _probe(values: Any) -> npt.NDArray[Any]:
    """Checked outcomes as uint64 when they all fit in 64 bits, else as exact Python ints."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "ui":
        return values.astype(np.uint64, copy=False)
    items = list(values)
    if not items or max(items).bit_length() <= 64:
        return np.array(items, dtype=np.uint64)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _value_error(kind: str, keys: list[str] | None, i: int) -> str:
    return jpath(keys[i]) if keys is not None else jpath("value_array", i)


def _count_values(values: Any, keys: list[str] | None) -> npt.NDArray[np.uint64]:
    """Counts as a uint64 array: non-negative whole numbers up to 2**64 - 1."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "ui":
        if values.dtype.kind == "i" and values.size and int(values.min()) < 0:
            i = int(np.argmax(values < 0))
            raise PayloadError("counts", _value_error("counts", keys, i),
                               "count must not be negative")
        return values.astype(np.uint64)
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if set(map(type, items)) <= {int} and (not items or (min(items) >= 0 and
                                                         max(items) <= MAX_COUNT)):
        return np.array(items, dtype=np.uint64)
    out = [count_value(v, "counts", _value_error("counts", keys, i))
           for i, v in enumerate(items)]
    return np.array(out, dtype=np.uint64)


@attrs.frozen(init=False, eq=False, repr=False)
class Counts(Distribution[int]):
    """Shot counts: outcome -> number of shots, on arrays.

    Keys may be given as ints, ``"0x.."`` hex, ``"0b.."`` binary or bitstrings (bit 0 rightmost;
    spaces between registers). The width is declared (``width=``), carried by bitstring keys or a
    layout, or else inferred from the widest key (``width_inferred`` is then True).

    >>> c = Counts({"01": 30, "10": 70})
    >>> c[1], c.width, c.shots(), c.most_frequent()
    (30, 2, 100, 2)
    >>> c.outcome_array, c.value_array
    (array([1, 2], dtype=uint64), array([30, 70], dtype=uint64))
    """

    _kind: ClassVar[str] = "counts"
    outcome_array: npt.NDArray[Any]
    value_array: npt.NDArray[np.uint64]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    time_taken: float | None = None
    _dict: dict[int, int] | None = attrs.field(default=None, init=False, repr=False)

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        outcome_array: Any = None,
        value_array: Any = None,
        width_inferred: bool | None = None,
        layout: LayoutLike = None,
        provenance: Iterable[Note] = (),
        time_taken: float | None = None,
    ) -> None:
        self._init(data, width, outcome_array, value_array, width_inferred, layout, provenance,
                   _count_values, time_taken=time_taken)

    def shots(self) -> int:
        """Total number of shots (the sum of the counts, exact)."""
        v = self.value_array
        if v.size == 0:
            return 0
        if int(v.max()) < (2**63) // max(v.size, 1):
            return int(v.sum(dtype=np.uint64))
        return sum(v.tolist())

    def total(self) -> int:
        """Alias of :meth:`shots`."""
        return self.shots()

    def _normalised(self) -> npt.NDArray[np.float64]:
        total = self.shots()
        if total == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.value_array, dtype=np.float64) / total

    def hex_probabilities(self) -> dict[str, float]:
        """Probabilities keyed by ``hex(outcome)`` (empty when there are no shots)."""
        if self.shots() == 0:
            return {}
        return super().hex_probabilities()

    def most_frequent(self) -> int:
        """The outcome with the most shots. Raises ResultError on ties and on empty counts."""
        v = self.value_array
        if v.size == 0:
            raise ResultError("no counts: most_frequent() of an empty Counts")
        top = v.max()
        winners = np.flatnonzero(v == top)
        if winners.size > 1:
            raise ResultError(f"most_frequent(): {winners.size} outcomes tie with {int(top)} "
                              "shots")
        return int(self.outcome_array[int(winners[0])])

    def to_arrow(self) -> Any:
        """These counts as a ``pyarrow.Table``, one row per outcome (``outcome``, ``count``),
        registers and provenance in the schema metadata; ``qfmt.from_arrow`` reads it back.
        Needs ``qfmt[arrow]`` (see :mod:`qfmt._arrow`)."""
        return view("counts_to_table")(self)

    def probabilities(self) -> ProbDistribution:
        """The normalised distribution, with ``shots`` set (exact up to float division)."""
        total = self.shots()
        if total == 0:
            raise LossyConversionError("counts with zero shots have no probability distribution")
        return ProbDistribution._trusted(
            self.outcome_array, np.asarray(self.value_array, dtype=np.float64) / total,
            self.width, width_inferred=self.width_inferred, layout=self.layout, shots=total,
            provenance=(*self.provenance, Note("derived-from-counts", f"counts / {total} shots")),
        )


@attrs.frozen(init=False, eq=False, repr=False)
class ProbDistribution(Distribution[float]):
    """A probability distribution: outcome -> probability, on arrays.

    Values must lie in [0, 1] and sum to 1 within ``atol`` (default :data:`PROB_ATOL`); they are
    never renormalised unless ``normalize=True`` (which records a provenance note).

    >>> p = ProbDistribution({0: 0.5, 3: 0.5}, width=2)
    >>> p.binary_probabilities()
    {'00': 0.5, '11': 0.5}
    """

    _kind: ClassVar[str] = "probabilities"
    outcome_array: npt.NDArray[Any]
    value_array: npt.NDArray[np.float64]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    shots: int | None = None
    #: The tolerance the sum was checked with (kept, so that ``attrs.evolve`` checks it again
    #: with the same one); not compared by ``==``.
    atol: float = PROB_ATOL
    _dict: dict[int, float] | None = attrs.field(default=None, init=False, repr=False)

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        outcome_array: Any = None,
        value_array: Any = None,
        width_inferred: bool | None = None,
        shots: int | None = None,
        layout: LayoutLike = None,
        provenance: Iterable[Note] = (),
        atol: float = PROB_ATOL,
        normalize: bool = False,
    ) -> None:
        def check(values: Any, keys: list[str] | None) -> npt.NDArray[np.float64]:
            return _float_values(values, keys, "probabilities", 0.0, 1.0 + atol,
                                 lambda v, p: probability_value(v, "probabilities", p, atol=atol))

        self._init(data, width, outcome_array, value_array, width_inferred, layout, provenance,
                   check, shots=shots, atol=float(atol))
        values, notes = sum_to_one(self.value_array, "probabilities", "$", atol, normalize)
        if notes:
            object.__setattr__(self, "value_array", _readonly(np.asarray(values)))
            object.__setattr__(self, "provenance", (*self.provenance, *notes))

    def to_counts(self, shots: int) -> Counts:
        """Counts summing to exactly ``shots`` by largest-remainder rounding (see
        :func:`qfmt.largest_remainder`); marked as derived from probabilities. Every outcome is
        kept, with 0 where it gets no shot."""
        counts = largest_remainder_array(self.value_array, shots)
        return Counts._trusted(
            self.outcome_array, counts, self.width, width_inferred=self.width_inferred,
            layout=self.layout, time_taken=None,
            provenance=(*self.provenance, Note(
                "derived-from-probabilities",
                f"counts derived from probabilities for {shots} shots by largest-remainder "
                "rounding",
            )),
        )

    @property
    def stddev_upper_bound(self) -> float | None:
        """``1/sqrt(shots)`` when shots are known, else None."""
        return None if not self.shots else 1 / math.sqrt(self.shots)


def _float_values(values: Any, keys: list[str] | None, kind: str, low: float | None,
                  high: float | None, check: Any) -> npt.NDArray[np.float64]:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        arr = values.astype(np.float64)
        ok = np.isfinite(arr)
        if low is not None:
            ok &= arr >= low
        if high is not None:
            ok &= arr <= high
        if bool(ok.all()):
            return arr
        i = int(np.argmin(ok))
        check(float(arr[i]), _value_error(kind, keys, i))
        return arr  # pragma: no cover (check raised)
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if set(map(type, items)) <= {float, int}:
        arr = np.array(items, dtype=np.float64)
        return _float_values(arr, keys, kind, low, high, check)
    return np.array([check(v, _value_error(kind, keys, i)) for i, v in enumerate(items)],
                    dtype=np.float64)


def _quasi_values(values: Any, keys: list[str] | None) -> npt.NDArray[np.float64]:
    return _float_values(values, keys, "quasi", None, None,
                         lambda v, p: quasi_value(v, "quasi", p))


@attrs.frozen(init=False, eq=False, repr=False)
class QuasiDistribution(Distribution[float]):
    """A quasi-probability distribution: values are finite and may be negative.

    >>> q = QuasiDistribution({0: -0.1, 1: 0.2, 2: 0.4, 3: 0.5})
    >>> q[0]
    -0.1
    """

    _kind: ClassVar[str] = "quasi"
    outcome_array: npt.NDArray[Any]
    value_array: npt.NDArray[np.float64]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    shots: int | None = None
    stddev_upper_bound: float | None = None
    _dict: dict[int, float] | None = attrs.field(default=None, init=False, repr=False)

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        outcome_array: Any = None,
        value_array: Any = None,
        width_inferred: bool | None = None,
        shots: int | None = None,
        stddev_upper_bound: float | None = None,
        layout: LayoutLike = None,
        provenance: Iterable[Note] = (),
    ) -> None:
        self._init(data, width, outcome_array, value_array, width_inferred, layout, provenance,
                   _quasi_values, shots=shots, stddev_upper_bound=stddev_upper_bound)

    def nearest_probability_distribution(
        self, return_distance: bool = False
    ) -> ProbDistribution | tuple[ProbDistribution, float]:
        """The closest probability distribution in L2 norm (Smolin, Gambetta, Smith, PRL 108,
        070502 (2012)): sort ascending, carry the negative mass ``beta`` over the remaining
        ``n`` outcomes, drop an outcome while ``value + beta/n < 0``. Keeps ``shots`` and, unlike
        Qiskit, the bit width and layout.

        >>> q = QuasiDistribution({0: -0.1, 1: 0.2, 2: 0.4, 3: 0.5})
        >>> p, d = q.nearest_probability_distribution(return_distance=True)
        >>> {k: round(v, 4) for k, v in p.items()}, round(d, 5)
        ({1: 0.1667, 2: 0.3667, 3: 0.4667}, 0.11547)
        """
        v = self.value_array
        n = v.size
        order = np.argsort(v, kind="stable")
        sv = v[order]
        # walk the ascending values: beta accumulates the dropped mass; drop while sv + beta/k < 0
        keep_from = n
        beta = 0.0
        k = n
        for i in range(n):  # stops at the first survivor: at most the number dropped + 1 steps
            if k == 0:
                break
            if sv[i] + beta / k < 0:
                beta += float(sv[i])
                k -= 1
            else:
                keep_from = i
                break
        dropped_idx = order[:keep_from]
        kept_mask = np.ones(n, dtype=bool)
        kept_mask[dropped_idx] = False
        new = np.where(kept_mask, v + (beta / k if k else 0.0), 0.0)
        note = Note("nearest-probability", "nearest probability distribution to a quasi one")
        out = ProbDistribution._trusted(
            self.outcome_array[kept_mask], new[kept_mask], self.width,
            width_inferred=self.width_inferred, layout=self.layout,
            provenance=(*self.provenance, note), shots=self.shots)
        if not return_distance:
            return out
        sq = float(np.sum((v - new) ** 2))
        return out, math.sqrt(sq)
