"""The canonical result model: what every format parses into and serializes from.

One bit-order rule everywhere (see :mod:`qfmt._bits`): an outcome is a non-negative ``int`` whose
bit *i* is classical bit *i*. Every object carries its width explicitly; ``width_inferred`` says
when that width was guessed from the data rather than declared.

==========================  =================================================================
type                        what it holds
==========================  =================================================================
:class:`RegisterLayout`     ordered ``(name, width)`` registers; bit *i* <-> (register, index)
:class:`Counts`             outcome -> shot count
:class:`ProbDistribution`   outcome -> probability (sums to 1 within ``PROB_ATOL``)
:class:`QuasiDistribution`  outcome -> quasi-probability (may be negative)
:class:`Memory`             per-shot outcomes, packed bits in numpy (no Python object per shot)
:class:`RegisterMarginals`  one distribution per register (IonQ v2), joined only when lossless
:class:`ExperimentResult`   one circuit's data, header and status
:class:`Result`             experiments of a job, modelled on ``qiskit.result.Result``
:class:`Note`               a provenance note: counts derived, memory sampled, shots excluded
==========================  =================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar, Union, cast

import attrs
import numpy as np
import numpy.typing as npt

from . import _bits
from ._bits import MAX_WIDTH, bitstring
from ._errors import LossyConversionError, PayloadError, ResultError

__all__ = [
    "PROB_ATOL",
    "Counts",
    "ExperimentResult",
    "Memory",
    "Note",
    "ProbDistribution",
    "QuasiDistribution",
    "Register",
    "RegisterLayout",
    "RegisterMarginals",
    "Result",
]

#: Absolute tolerance on ``sum(probabilities) - 1``. Real IonQ payloads deviate by up to ~1e-5;
#: 1e-4 accepts them and still rejects clearly wrong sums. Override per call with ``atol=``.
PROB_ATOL = 1e-4

V = TypeVar("V", int, float)


# ---------------------------------------------------------------------------------------------
# provenance and layout
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Note:
    """A provenance note carried by a canonical object.

    ``kind`` is a stable machine-readable tag, ``detail`` a sentence for people.

    Kinds used by qfmt: ``derived-from-probabilities``, ``sampled-memory``, ``leakage-excluded``,
    ``renormalized``, ``derived-from-counts``, ``derived-from-memory``, ``joint-from-output_all``,
    ``registers-joined``.
    """

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@attrs.frozen
class Register:
    """A named classical register of ``width`` bits."""

    name: str
    width: int = attrs.field()

    @width.validator
    def _check(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WIDTH:
            raise ValueError(f"register {self.name!r}: width must be an int in [0, {MAX_WIDTH}]")


def _to_registers(value: Iterable[Register | tuple[str, int]]) -> tuple[Register, ...]:
    return tuple(r if isinstance(r, Register) else Register(r[0], int(r[1])) for r in value)


@attrs.frozen
class RegisterLayout:
    """Ordered registers laid end to end: the first register holds bits ``0..w0-1``, the next
    ``w0..w0+w1-1`` and so on (Qiskit's ``creg_sizes`` order).

    >>> layout = RegisterLayout([("c0", 2), ("c1", 3)])
    >>> layout.width, layout.locate(3), layout.bit("c1", 1)
    (5, ('c1', 1), 3)
    """

    registers: tuple[Register, ...] = attrs.field(converter=_to_registers)
    #: True when bit positions mean something (Qiskit classical bits: clbit *i* is bit *i*);
    #: False when the registers were only laid end to end in payload order (IonQ shots v2), so a
    #: format without registers must not take the joint positions as given.
    positional: bool = True

    @registers.validator
    def _check(self, _: attrs.Attribute[tuple[Register, ...]], value: tuple[Register, ...]) -> None:
        names = [r.name for r in value]
        if len(set(names)) != len(names):
            raise ValueError(f"register names must be unique, got {names}")
        if sum(r.width for r in value) > MAX_WIDTH:
            raise ValueError(f"total width exceeds {MAX_WIDTH} bits")

    @classmethod
    def single(cls, width: int, name: str = "output_all") -> RegisterLayout:
        """One register covering all ``width`` bits (IonQ calls it ``output_all``)."""
        return cls([Register(name, width)])

    @property
    def width(self) -> int:
        """Total number of bits."""
        return sum(r.width for r in self.registers)

    @property
    def names(self) -> tuple[str, ...]:
        """Register names in order."""
        return tuple(r.name for r in self.registers)

    @property
    def sizes(self) -> tuple[tuple[str, int], ...]:
        """``((name, width), ...)``, Qiskit's ``creg_sizes``."""
        return tuple((r.name, r.width) for r in self.registers)

    def offset(self, name: str) -> int:
        """Index of the register's bit 0 in the whole layout."""
        off = 0
        for r in self.registers:
            if r.name == name:
                return off
            off += r.width
        raise KeyError(name)

    def __getitem__(self, name: str) -> Register:
        for r in self.registers:
            if r.name == name:
                return r
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(r.name == name for r in self.registers)

    def locate(self, bit: int) -> tuple[str, int]:
        """``bit`` of the layout -> ``(register name, index in register)``."""
        off = 0
        for r in self.registers:
            if off <= bit < off + r.width:
                return r.name, bit - off
            off += r.width
        raise IndexError(f"bit {bit} outside a layout of {self.width} bits")

    def bit(self, name: str, index: int) -> int:
        """``(register name, index)`` -> bit of the layout."""
        reg = self[name]
        if not 0 <= index < reg.width:
            raise IndexError(f"index {index} outside register {name!r} of {reg.width} bits")
        return self.offset(name) + index

    def split(self, outcome: int) -> dict[str, int]:
        """Split a joint outcome into one value per register."""
        out: dict[str, int] = {}
        off = 0
        for r in self.registers:
            out[r.name] = (outcome >> off) & ((1 << r.width) - 1)
            off += r.width
        return out

    def format(self, outcome: int) -> str:
        """Qiskit-style display key: registers split by spaces, last register leftmost."""
        parts = self.split(outcome)
        return " ".join(bitstring(parts[r.name], r.width) for r in reversed(self.registers))


# ---------------------------------------------------------------------------------------------
# key normalisation for hand-built distributions (int, 0x hex, 0b binary, bitstring keys)
# ---------------------------------------------------------------------------------------------


def _normalize_keys(
    data: Mapping[Any, Any], what: str, base: str = "$"
) -> tuple[dict[int, Any], int | None, tuple[int, ...] | None]:
    """Return (int-keyed dict, width carried by bitstring keys or None, register split or None).

    Keys may be ints, ``"0x.."`` hex, ``"0b.."`` binary, or bitstrings (bit 0 rightmost, register
    groups separated by single spaces, last register leftmost); one kind per object.
    """
    keys = list(data)
    if len(keys) > 16 and type(keys[0]) is str:
        fast = _fast_keys(keys)
        if fast is not None:
            ints, width = fast
            return dict(zip(ints, data.values())), width, None if width is None else (width,)
    out: dict[int, Any] = {}
    kinds: set[str] = set()
    widths: set[int] = set()
    splits: set[tuple[int, ...]] = set()
    for key, value in data.items():
        path = _bits.subpath(base, str(key))
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            kinds.add("int")
            k = int(key)
            if k < 0:
                raise PayloadError(what, path, "outcome must not be negative")
        elif isinstance(key, str):
            if key.startswith(("0x", "0X")):
                kinds.add("hex")
                digits = key[2:]
                if not digits or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    raise PayloadError(what, path, f"{key!r} is not a hex outcome")
                if len(digits) * 4 > MAX_WIDTH + 4:
                    raise PayloadError(what, path, f"{key!r} is wider than {MAX_WIDTH} bits")
                k = int(digits, 16)
            elif key.startswith(("0b", "0B")):
                kinds.add("0b")
                k = _bits.binary_key(key[2:], what, path)
            else:
                kinds.add("bits")
                parts = key.split(" ")
                if any(not p for p in parts):
                    raise PayloadError(what, path, f"{key!r}: registers are separated by single "
                                       "spaces")
                k = _bits.binary_key(key.replace(" ", ""), what, path)
                groups = tuple(len(p) for p in reversed(parts))
                if splits and groups not in splits:
                    first = next(iter(splits))
                    raise PayloadError(what, path, f"{key!r} has register widths "
                                       f"{list(groups)} (first register first) but the keys "
                                       f"before it have {list(first)}")
                widths.add(sum(groups))
                splits.add(groups)
        else:
            raise PayloadError(what, path, f"outcome keys must be int or str, got {key!r}")
        if len(kinds) > 1:
            raise PayloadError(what, path, f"mixed key kinds {sorted(kinds)}: {key!r} is not "
                               "of the kind of the keys before it; use one kind per object")
        if k.bit_length() > MAX_WIDTH:
            raise PayloadError(what, path, f"outcome wider than {MAX_WIDTH} bits")
        if k in out:
            raise PayloadError(what, path, f"outcome {k} appears twice (keys equal as numbers)")
        out[k] = value
    width = None
    split = None
    if kinds == {"bits"}:
        width = widths.pop()
        split = splits.pop()
    return out, width, split


def _fast_keys(keys: list[Any]) -> tuple[list[int], int | None] | None:
    """All-hex or all-bitstring (one width, no spaces) keys decoded in numpy, else None."""
    first = keys[0]
    if first.startswith(("0x", "0X")):
        hexed = _bits.fast_hex(keys)
        if hexed is None:
            return None
        # "0x1" and "0x01" name one outcome: only keys with a leading zero digit can collide
        if any(k[2:3] == "0" and len(k) > 3 for k in keys) and \
                np.unique(hexed).size != hexed.size:
            return None
        return hexed.tolist(), None
    if first.startswith(("0b", "0B")) or " " in first:
        return None
    bits = _bits.fast_bitstrings(keys)
    return None if bits is None else (bits[0].tolist(), bits[1])


def check_sum(values: Mapping[int, float], fmt: str | None, path: str, atol: float) -> float:
    """Raise PayloadError unless the probabilities sum to 1 within ``atol``; return the sum."""
    total = math.fsum(values.values())
    if abs(total - 1.0) > atol:
        raise PayloadError(fmt, path, f"probabilities sum to {total!r}, not 1 (tolerance "
                           f"{atol}; pass normalize=True to rescale, or atol= to widen)")
    return total


def sum_to_one(data: dict[int, float], fmt: str | None, path: str, atol: float,
               normalize: bool) -> tuple[dict[int, float], tuple[Note, ...]]:
    """The one rule for probability sums: with ``normalize``, rescale to sum to 1 (recorded as a
    ``renormalized`` note; a zero sum is an error); otherwise the sum must be 1 within ``atol``
    and nothing is changed. Returns (data, provenance notes to add)."""
    if not normalize:
        check_sum(data, fmt, path, atol)
        return data, ()
    total = math.fsum(data.values())
    if total <= 0:
        raise PayloadError(fmt, path, "probabilities sum to 0: cannot normalise")
    if total == 1.0:
        return data, ()
    return ({k: v / total for k, v in data.items()},
            (Note("renormalized", f"divided by the sum {total!r}"),))


def _resolve_width(
    keys: Iterable[int], width: int | None, key_width: int | None, what: str
) -> tuple[int, bool]:
    top = max((k.bit_length() for k in keys), default=0)
    if width is not None:
        _bits.check_width(width, what, "$", "width")
        if top > width:
            raise PayloadError(what, "$", f"an outcome needs {top} bits but width is {width}")
        return int(width), False
    if key_width is not None:
        return key_width, False
    return max(top, 1), True


# ---------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------


class _Distribution(Mapping[int, V], Generic[V]):
    """Shared behaviour of Counts, ProbDistribution and QuasiDistribution.

    Subclasses are frozen attrs classes with ``data``, ``width``, ``width_inferred``, ``layout``
    and ``provenance``; they read like a ``dict`` of outcome -> value.
    """

    _kind: ClassVar[str]
    data: Mapping[int, V]
    width: int
    width_inferred: bool
    layout: RegisterLayout | None
    provenance: tuple[Note, ...]

    def __getitem__(self, key: int | str) -> V:
        if isinstance(key, str):
            key = _normalize_keys({key: None}, self._kind)[0].popitem()[0]
        return self.data[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        """Equal to another distribution of the same kind with the same data, width and layout;
        equal to a plain mapping (a ``dict``, a Qiskit ``Counts``) with the same outcomes and
        values, whatever its key kind (int, hex, ``0b``, bitstrings with register spaces)."""
        if isinstance(other, _Distribution):
            return (
                type(self) is type(other)
                and dict(self.data) == dict(other.data)
                and self.width == other.width
                and self.layout == other.layout
            )
        if isinstance(other, Mapping):
            if all(isinstance(k, int) for k in other):
                return dict(self.data) == dict(other)
            try:
                norm = _normalize_keys(other, self._kind)[0]
            except PayloadError:
                return False
            return dict(self.data) == norm
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = list(self.data.items())
        body = ", ".join(f"{k}: {v!r}" for k, v in items[:8])
        if len(items) > 8:
            body += f", ... ({len(items)} outcomes)"
        w = f"{self.width}{'?' if self.width_inferred else ''}"
        return f"{type(self).__name__}({{{body}}}, width={w})"

    @property
    def num_bits(self) -> int:
        """Alias of ``width``."""
        return self.width

    def display_key(self, outcome: int) -> str:
        """Qiskit's display form of an outcome: zero-padded to the width and split into registers
        (last register leftmost) when the layout is known; unpadded when the width was inferred
        (as Qiskit shows counts without a header)."""
        if self.layout is not None and len(self.layout.registers) > 1:
            return self.layout.format(outcome)
        if self.width_inferred:
            return format(outcome, "b")
        return bitstring(outcome, self.width)

    def display(self) -> dict[str, V]:
        """A plain dict keyed by :meth:`display_key`, what Qiskit's ``get_counts()`` shows.

        >>> Counts({0b11010: 5}, layout=[("c0", 2), ("c1", 3)]).display()
        {'110 10': 5}
        """
        return {self.display_key(k): v for k, v in self.data.items()}

    def bitstrings(self, width: int | None = None) -> dict[str, V]:
        """Outcomes as zero-padded bitstrings (bit 0 rightmost), ``width`` defaulting to ours."""
        w = self.width if width is None else width
        return dict(zip(bitstrings(list(self.data), w), self.data.values()))

    def binary_probabilities(self, num_bits: int | None = None) -> dict[str, float]:
        """Probabilities with bitstring keys zero-padded to ``num_bits`` (default: our width)."""
        w = self.width if num_bits is None else num_bits
        total = sum(self.data.values()) if self._kind == "counts" else 1
        if not total:
            return {}
        return {bitstring(k, w): float(v) / total for k, v in self.data.items()}

    def hex_probabilities(self) -> dict[str, float]:
        """Probabilities keyed by ``hex(outcome)``."""
        if self._kind == "counts":
            total = sum(self.data.values())
            return {hex(k): v / total for k, v in self.data.items()} if total else {}
        return {hex(k): float(v) for k, v in self.data.items()}

    def int_outcomes(self) -> dict[int, V]:
        """Plain dict keyed by int outcomes."""
        return dict(self.data)

    def hex_outcomes(self) -> dict[str, V]:
        """Plain dict keyed by ``hex(outcome)``, Qiskit's lowercase unpadded form."""
        return {hex(k): v for k, v in self.data.items()}

    def notes(self) -> tuple[str, ...]:
        """Provenance notes as sentences."""
        return tuple(str(n) for n in self.provenance)

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (no re-validation of the data: callers keep it
        consistent). ``attrs.evolve`` does not apply because the constructor normalises keys."""
        fields = {a.name: getattr(self, a.name)
                  for a in type(self).__attrs_attrs__}  # type: ignore[attr-defined]
        fields.update(changes)
        return _from_trusted(type(self), **fields)


def _dist_init(
    self: Any,
    data: Mapping[Any, Any],
    width: int | None,
    layout: RegisterLayout | Sequence[tuple[str, int]] | None,
    provenance: Iterable[Note],
    check_value: Any,
    **extra: Any,
) -> None:
    kind = self._kind
    if isinstance(data, _Distribution):
        if width is None and not data.width_inferred:
            width = data.width
        if layout is None:
            layout = data.layout
        data = data.data
    if not isinstance(data, Mapping):
        raise PayloadError(kind, "$", f"expected a mapping of outcome -> value, got {type(data)}")
    norm, key_width, split = _normalize_keys(data, kind)
    if layout is not None and not isinstance(layout, RegisterLayout):
        layout = RegisterLayout(layout)
    if width is None and layout is not None:
        width = layout.width
    w, inferred = _resolve_width(norm.keys(), width, key_width, kind)
    if layout is None and split is not None and len(split) > 1:
        layout = RegisterLayout([(f"c{i}", n) for i, n in enumerate(split)])
    if layout is not None and layout.width != w:
        raise PayloadError(kind, "$", f"layout covers {layout.width} bits but width is {w}")
    values = {k: check_value(v, kind, _bits.jpath(str(k))) for k, v in norm.items()}
    self.__attrs_init__(
        data=values, width=w, width_inferred=inferred, layout=layout,
        provenance=tuple(provenance), **extra,
    )


T = TypeVar("T")


def _from_trusted(cls: type[T], data: Mapping[int, Any], width: int, **fields: Any) -> T:
    """Build a distribution from already validated int-keyed data (no per-key checks)."""
    obj: Any = cls.__new__(cls)
    defaults = {"width_inferred": False, "layout": None, "provenance": ()}
    defaults.update(fields)
    obj.__attrs_init__(data=data, width=width, **defaults)
    return cast(T, obj)


def replace(obj: T, **changes: Any) -> T:
    """``attrs.evolve`` that also works for the distributions."""
    if isinstance(obj, _Distribution):
        return cast(T, obj.replace(**changes))
    return attrs.evolve(obj, **changes)  # type: ignore[misc]


@attrs.frozen(init=False, eq=False, repr=False)
class Counts(_Distribution[int]):
    """Shot counts: outcome -> number of shots.

    Keys may be given as ints, ``"0x.."`` hex, ``"0b.."`` binary or bitstrings (bit 0 rightmost;
    spaces between registers). The width is declared (``width=``), carried by bitstring keys or a
    layout, or else inferred from the widest key (``width_inferred`` is then True).

    >>> c = Counts({"01": 30, "10": 70})
    >>> c[1], c.width, c.shots(), c.most_frequent()
    (30, 2, 100, 2)
    """

    _kind: ClassVar[str] = "counts"
    data: Mapping[int, int]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    time_taken: float | None = None

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        layout: RegisterLayout | Sequence[tuple[str, int]] | None = None,
        provenance: Iterable[Note] = (),
        time_taken: float | None = None,
    ) -> None:
        _dist_init(self, data or {}, width, layout, provenance, _bits.count_value,
                   time_taken=time_taken)

    def shots(self) -> int:
        """Total number of shots (sum of the counts)."""
        return sum(self.data.values())

    def most_frequent(self) -> int:
        """The outcome with the most shots. Raises ResultError on ties and on empty counts."""
        if not self.data:
            raise ResultError("no counts: most_frequent() of an empty Counts")
        top = max(self.data.values())
        winners = [k for k, v in self.data.items() if v == top]
        if len(winners) > 1:
            raise ResultError(f"most_frequent(): {len(winners)} outcomes tie with {top} shots")
        return winners[0]

    def probabilities(self) -> ProbDistribution:
        """The normalised distribution, with ``shots`` set (exact up to float division)."""
        total = self.shots()
        if total == 0:
            raise LossyConversionError("counts with zero shots have no probability distribution")
        return _from_trusted(
            ProbDistribution, {k: v / total for k, v in self.data.items()}, self.width,
            width_inferred=self.width_inferred, layout=self.layout, shots=total,
            provenance=(*self.provenance, Note("derived-from-counts", f"counts / {total} shots")),
        )


@attrs.frozen(init=False, eq=False, repr=False)
class ProbDistribution(_Distribution[float]):
    """A probability distribution: outcome -> probability.

    Values must lie in [0, 1] and sum to 1 within ``atol`` (default :data:`PROB_ATOL`); they are
    never renormalised unless ``normalize=True`` (which records a provenance note).

    >>> p = ProbDistribution({0: 0.5, 3: 0.5}, width=2)
    >>> p.binary_probabilities()
    {'00': 0.5, '11': 0.5}
    """

    _kind: ClassVar[str] = "probabilities"
    data: Mapping[int, float]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    shots: int | None = None

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        shots: int | None = None,
        layout: RegisterLayout | Sequence[tuple[str, int]] | None = None,
        provenance: Iterable[Note] = (),
        atol: float = PROB_ATOL,
        normalize: bool = False,
    ) -> None:
        def check(v: Any, fmt: str, path: str) -> float:
            return _bits.probability_value(v, fmt, path, atol=atol)

        _dist_init(self, data or {}, width, layout, provenance, check, shots=shots)
        data_, notes = sum_to_one(dict(self.data), "probabilities", "$", atol, normalize)
        if notes:
            object.__setattr__(self, "data", data_)
            object.__setattr__(self, "provenance", (*self.provenance, *notes))

    def to_counts(self, shots: int) -> Counts:
        """Counts summing to exactly ``shots`` by largest-remainder rounding (see
        :func:`largest_remainder`); marked as derived from probabilities."""
        counts = largest_remainder(self.data, shots)
        return _from_trusted(
            Counts, counts, self.width, width_inferred=self.width_inferred, layout=self.layout,
            time_taken=None,
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


@attrs.frozen(init=False, eq=False, repr=False)
class QuasiDistribution(_Distribution[float]):
    """A quasi-probability distribution: values are finite and may be negative.

    >>> q = QuasiDistribution({0: -0.1, 1: 0.2, 2: 0.4, 3: 0.5})
    >>> q[0]
    -0.1
    """

    _kind: ClassVar[str] = "quasi"
    data: Mapping[int, float]
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    provenance: tuple[Note, ...] = ()
    shots: int | None = None
    stddev_upper_bound: float | None = None

    def __init__(
        self,
        data: Mapping[Any, Any] | None = None,
        width: int | None = None,
        *,
        shots: int | None = None,
        stddev_upper_bound: float | None = None,
        layout: RegisterLayout | Sequence[tuple[str, int]] | None = None,
        provenance: Iterable[Note] = (),
    ) -> None:
        _dist_init(self, data or {}, width, layout, provenance, _bits.quasi_value,
                   shots=shots, stddev_upper_bound=stddev_upper_bound)

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
        items = sorted(self.data.items(), key=lambda kv: kv[1])
        beta = 0.0
        n = len(items)
        kept: dict[int, float] = {}
        dropped: dict[int, float] = {}
        for key, value in items:
            if value + beta / n < 0:
                beta += value
                n -= 1
                dropped[key] = value
            else:
                kept[key] = value + beta / n
        # keep the input order among the survivors
        probs = {k: kept[k] for k in self.data if k in kept}
        note = Note("nearest-probability", "nearest probability distribution to a quasi one")
        out = _from_trusted(ProbDistribution, probs, self.width,
                            width_inferred=self.width_inferred, layout=self.layout,
                            provenance=(*self.provenance, note), shots=self.shots)
        if not return_distance:
            return out
        sq = sum(v * v for v in dropped.values())
        sq += sum((self.data[k] - probs[k]) ** 2 for k in probs)
        return out, math.sqrt(sq)


def largest_remainder(probs: Mapping[int, float], shots: int) -> dict[int, int]:
    """Round ``p * shots`` to integers that sum to exactly ``shots``.

    Each outcome gets ``floor(p * shots / sum(p))``; the shots left over go one each to the
    largest remainders, ties broken by the smaller outcome. Every input outcome is kept (with 0 if
    it gets no shot), so no outcome silently disappears.

    >>> largest_remainder({0: 1/3, 1: 1/3, 2: 1/3}, 10)
    {0: 4, 1: 3, 2: 3}
    """
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
        raise ValueError(f"shots must be a non-negative int, got {shots!r}")
    if not probs:
        if shots:
            raise LossyConversionError("an empty distribution cannot be given shots")
        return {}
    keys = list(probs)
    p = np.fromiter((probs[k] for k in keys), dtype=np.float64, count=len(keys))
    total = float(p.sum())
    if total <= 0:
        raise LossyConversionError("a distribution with zero total cannot be given shots")
    exact = p * (shots / total)
    base = np.floor(exact).astype(np.int64)
    rem = exact - base
    left = shots - int(base.sum())
    if left > 0:
        order = sorted(range(len(keys)), key=lambda i: (-rem[i], keys[i]))
        for i in order[:left]:
            base[i] += 1
    elif left < 0:  # float rounding pushed us over: take back from the smallest remainders
        order = sorted(range(len(keys)), key=lambda i: (rem[i], -keys[i]))
        for i in order:
            if left == 0:
                break
            if base[i] > 0:
                base[i] -= 1
                left += 1
    return dict(zip(keys, base.tolist()))


# ---------------------------------------------------------------------------------------------
# per-shot memory
# ---------------------------------------------------------------------------------------------


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@attrs.frozen(eq=False, repr=False)
class Memory:
    """Per-shot outcomes, packed in numpy: ``bits[s]`` holds shot *s* as little-endian bytes
    (bit *i* of the outcome is bit ``i % 8`` of byte ``i // 8``), so a million 20-bit shots take
    3 MB and any width up to :data:`qfmt.MAX_WIDTH` works.

    ``leakage`` (optional, same packing, ``leakage_width`` bits) marks shots in which a qubit
    leaked; such shots stay in the memory and are left out of counts unless asked for.

    >>> m = Memory.from_ints([1, 2, 3, 1], width=2)
    >>> len(m), m.outcomes(), dict(m.counts())
    (4, [1, 2, 3, 1], {1: 2, 2: 1, 3: 1})
    """

    bits: npt.NDArray[np.uint8] = attrs.field(converter=_readonly)
    width: int
    width_inferred: bool = False
    layout: RegisterLayout | None = None
    leakage: npt.NDArray[np.uint8] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_readonly)
    )
    leakage_width: int = 0
    #: Which shots carried a ``leakage_bits`` entry (None: all of them, when ``leakage`` is set).
    leakage_present: npt.NDArray[np.bool_] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_readonly)
    )
    provenance: tuple[Note, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.bits.ndim != 2 or self.bits.dtype != np.uint8:
            raise ValueError("Memory.bits must be a 2-D uint8 array")
        if self.bits.shape[1] != _bits.nbytes_for(self.width):
            raise ValueError(f"Memory.bits has {self.bits.shape[1]} bytes per shot for width "
                             f"{self.width}")
        if self.layout is not None and self.layout.width != self.width:
            raise ValueError("Memory.layout does not cover the width")
        if self.leakage is not None and self.leakage.shape[0] != self.bits.shape[0]:
            raise ValueError("Memory.leakage must have one row per shot")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_ints(
        cls,
        outcomes: Sequence[int] | npt.NDArray[Any],
        width: int | None = None,
        *,
        layout: RegisterLayout | None = None,
        provenance: Iterable[Note] = (),
    ) -> Memory:
        """Build from one integer outcome per shot (Python ints of any size, or a numpy array)."""
        if isinstance(outcomes, np.ndarray) and outcomes.dtype.kind in "iu":
            if outcomes.dtype.kind == "i" and (outcomes < 0).any():
                raise ValueError("outcomes must not be negative")
            values = outcomes.astype(np.uint64)
            top = int(values.max()).bit_length() if values.size else 0
            packed = _bits.pack_u64(values)
        else:
            ints = [int(v) for v in outcomes]
            if any(v < 0 for v in ints):
                raise ValueError("outcomes must not be negative")
            top = max((v.bit_length() for v in ints), default=0)
            packed = _bits.pack_ints(ints, top)
        if width is None and layout is not None:
            width = layout.width
        inferred = width is None
        w = top if width is None else _bits.check_width(width, None, "$")
        if top > w:
            raise ValueError(f"an outcome needs {top} bits but width is {w}")
        return cls(_bits.resize_packed(packed, w), w, inferred, layout, provenance=tuple(provenance))

    @classmethod
    def from_bits(
        cls, bits: npt.ArrayLike, *, layout: RegisterLayout | None = None,
        provenance: Iterable[Note] = (),
    ) -> Memory:
        """Build from a ``(shots, width)`` array of 0/1 where column *i* is bit *i*."""
        arr = np.asarray(bits)
        if arr.ndim != 2:
            raise ValueError("bits must be a 2-D (shots, width) array")
        if arr.size and not np.isin(arr, (0, 1)).all():
            raise ValueError("bits must be 0 or 1")
        width = arr.shape[1]
        packed = np.packbits(arr.astype(np.uint8), axis=1, bitorder="little")
        return cls(_bits.resize_packed(packed, width), width, False, layout,
                   provenance=tuple(provenance))

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.bits.shape[0])

    @property
    def shots(self) -> int:
        """Number of shots held (leaked ones included)."""
        return len(self)

    def __repr__(self) -> str:
        w = f"{self.width}{'?' if self.width_inferred else ''}"
        leak = f", leaked={int(self.leaked().sum())}" if self.leakage is not None else ""
        return f"Memory(shots={len(self)}, width={w}{leak})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Memory):
            return NotImplemented
        return (
            self.width == other.width
            and self.layout == other.layout
            and np.array_equal(self.bits, other.bits)
            and _opt_equal(self.leakage, other.leakage)
            and self.leakage_width == other.leakage_width
            and _opt_equal(self.leakage_present, other.leakage_present)
        )

    __hash__ = None  # type: ignore[assignment]

    def as_uint64(self) -> npt.NDArray[np.uint64]:
        """Outcomes as a uint64 array (only for widths up to 64 bits)."""
        if self.width > 64:
            raise ValueError(f"width {self.width} does not fit in uint64; use outcomes()")
        n = len(self)
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, : self.bits.shape[1]] = self.bits
        return padded.view("<u8").reshape(n).astype(np.uint64)

    def outcomes(self) -> list[int]:
        """One Python int per shot (allocates per shot: prefer as_uint64() for big data)."""
        return _bits.unpack_ints(self.bits)

    def to_bool(self) -> npt.NDArray[np.bool_]:
        """A ``(shots, width)`` boolean array, column *i* = bit *i*."""
        unpacked = np.unpackbits(self.bits, axis=1, bitorder="little", count=self.width)
        return unpacked.astype(bool)

    def leaked(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of shots with any leakage bit set."""
        if self.leakage is None:
            return np.zeros(len(self), dtype=bool)
        out: npt.NDArray[np.bool_] = np.asarray(self.leakage.any(axis=1), dtype=bool)
        return out

    def register(self, name: str) -> Memory:
        """The memory of one register, as its own Memory (leakage carried along)."""
        if self.layout is None or name not in self.layout:
            raise ResultError(f"no register {name!r} in this memory")
        off = self.layout.offset(name)
        w = self.layout[name].width
        sub = self.to_bool()[:, off : off + w]
        m = Memory.from_bits(sub, layout=RegisterLayout.single(w, name))
        return attrs.evolve(m, leakage=self.leakage, leakage_width=self.leakage_width,
                            leakage_present=self.leakage_present, provenance=self.provenance)

    def select(self, bits: Sequence[int]) -> Memory:
        """A new Memory whose bit *k* is our bit ``bits[k]`` (marginal memory)."""
        for b in bits:
            if not 0 <= b < self.width:
                raise IndexError(f"indices must be in range [0, {self.width - 1}]")
        sub = self.to_bool()[:, list(bits)]
        m = Memory.from_bits(sub)
        return attrs.evolve(m, leakage=self.leakage, leakage_width=self.leakage_width,
                            leakage_present=self.leakage_present, provenance=self.provenance)

    def counts(self, *, include_leakage: bool = False) -> Counts:
        """Histogram of the shots. Shots with a leakage bit are left out unless
        ``include_leakage=True``; how many were left out is said in the provenance."""
        bits = self.bits
        notes = list(self.provenance)
        if self.leakage is not None and not include_leakage:
            leaked = self.leaked()
            n_leak = int(leaked.sum())
            if n_leak:
                bits = bits[~leaked]
                notes.append(Note("leakage-excluded",
                                  f"{n_leak} of {len(self)} shots had leakage and were left out"))
        notes.append(Note("derived-from-memory", f"counted from {bits.shape[0]} shots"))
        if bits.shape[0] == 0:
            data: dict[int, int] = {}
        elif self.width <= 64:
            n = bits.shape[0]
            padded = np.zeros((n, 8), dtype=np.uint8)
            padded[:, : bits.shape[1]] = bits
            vals, cnt = np.unique(padded.view("<u8").reshape(n), return_counts=True)
            data = dict(zip(vals.tolist(), cnt.tolist()))
        else:
            rows, cnt = np.unique(bits, axis=0, return_counts=True)
            data = dict(zip(_bits.unpack_ints(rows), cnt.tolist()))
        return _from_trusted(Counts, data, self.width, width_inferred=self.width_inferred,
                             layout=self.layout, provenance=tuple(notes), time_taken=None)


def _opt_equal(a: npt.NDArray[Any] | None, b: npt.NDArray[Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))


# ---------------------------------------------------------------------------------------------
# per-register marginals (IonQ v2)
# ---------------------------------------------------------------------------------------------

Dist = Union[Counts, ProbDistribution]


def _as_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _as_opt_dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


@attrs.frozen
class RegisterMarginals:
    """One distribution per named register, as IonQ v2 histograms and probabilities give them.

    Registers are separate marginals: two registers cannot be joined into one joint distribution.
    :meth:`joint` returns the joint only where that is lossless: a single register, or the
    ``output_all`` register (which IonQ adds and which covers every qubit).

    >>> m = RegisterMarginals({"output_all": Counts({"01": 3, "10": 1})})
    >>> dict(m.joint())
    {1: 3, 2: 1}
    """

    registers: Mapping[str, Dist] = attrs.field(converter=_as_dict)
    provenance: tuple[Note, ...] = ()

    @registers.validator
    def _check(self, _: attrs.Attribute[Mapping[str, Dist]], value: Mapping[str, Dist]) -> None:
        kinds = {type(d) for d in value.values()}
        if len(kinds) > 1:
            raise ValueError("all registers must hold the same kind of distribution")

    #: The register IonQ adds that covers every qubit.
    JOINT: ClassVar[str] = "output_all"

    @property
    def kind(self) -> type[Dist] | None:
        """Counts or ProbDistribution (None when there are no registers)."""
        for d in self.registers.values():
            return type(d)
        return None

    @property
    def layout(self) -> RegisterLayout:
        """The registers and their widths (a description; not a joint bit layout)."""
        return RegisterLayout([(n, d.width) for n, d in self.registers.items()])

    def __getitem__(self, name: str) -> Dist:
        return self.registers[name]

    def __len__(self) -> int:
        return len(self.registers)

    def __iter__(self) -> Iterator[str]:
        return iter(self.registers)

    def joint(self) -> Dist:
        """The joint distribution over all measured bits, where it is lossless.

        One register: that register. Several with ``output_all``: ``output_all``, which covers
        every qubit (as IonQ's v1 artifacts of the same job do); the provenance names the other
        registers, which a joint format does not carry. Otherwise
        :class:`qfmt.LossyConversionError`: separate marginals cannot be joined.
        """
        names = list(self.registers)
        if len(names) == 1:
            return self.registers[names[0]]
        if self.JOINT in self.registers:
            others = [n for n in names if n != self.JOINT]
            joint = self.registers[self.JOINT]
            note = Note("joint-from-output_all",
                        f"joint taken from {self.JOINT!r}; registers {others} not carried")
            return cast(Dist, joint.replace(provenance=(*joint.provenance, note)))
        if not names:
            raise LossyConversionError("no registers: there is no joint distribution")
        raise LossyConversionError(
            f"registers {names} are separate marginals and there is no {self.JOINT!r} register: "
            "they cannot be joined without inventing correlations")


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ExperimentResult:
    """One experiment (circuit) of a result.

    ``data`` keeps what the experiment produced: ``counts``, ``memory``, ``probabilities``,
    ``quasi``, ``statevector``, ``unitary`` and any other field under its own key (passed
    through untouched). ``job_id`` is the child job id for multi-circuit jobs. ``extra`` holds
    keys of the source format that qfmt does not model, so a round trip keeps them.
    """

    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    shots: int | tuple[int, int] | None = None
    success: bool = True
    meas_level: int = 2
    header: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    status: str | None = None
    seed: int | None = None
    meas_return: str | None = None
    job_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExperimentResult):
            return NotImplemented
        return attrs.astuple(self, recurse=False) == attrs.astuple(other, recurse=False)

    __hash__ = None  # type: ignore[assignment]

    @property
    def name(self) -> str | None:
        """``header["name"]``, or the child job id."""
        n = self.header.get("name")
        return str(n) if n is not None else self.job_id


ExperimentKey = Union[int, str, Any, None]


def _as_experiments(value: Iterable[ExperimentResult]) -> tuple[ExperimentResult, ...]:
    return tuple(value)


@attrs.frozen(eq=False)
class Result:
    """The results of a job: one :class:`ExperimentResult` per circuit.

    Modelled on ``qiskit.result.Result``: top-level fields ``backend_name, backend_version, date,
    header, job_id, status, success`` and ``results`` (the experiments); ``extra`` keeps unknown
    top-level keys. Experiments are looked up by index (negative too), by name, by child job id,
    or by any object with a ``.name``.
    """

    results: tuple[ExperimentResult, ...] = attrs.field(converter=_as_experiments)
    backend_name: str | None = None
    backend_version: str | None = None
    date: str | None = None
    #: The job-level header; None when the source had ``"header": null``.
    header: Mapping[str, Any] | None = attrs.field(factory=dict, converter=_as_opt_dict)
    job_id: str | None = None
    status: str | None = None
    success: bool = True
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return attrs.astuple(self, recurse=False) == attrs.astuple(other, recurse=False)

    __hash__ = None  # type: ignore[assignment]

    @property
    def experiments(self) -> tuple[ExperimentResult, ...]:
        """Alias of ``results``."""
        return self.results

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[ExperimentResult]:
        return iter(self.results)

    def experiment(self, key: ExperimentKey = None) -> ExperimentResult:
        """Find one experiment (see the class docstring for the lookup rules).

        A failed experiment raises :class:`qfmt.ResultError`, so partial results are guarded.
        """
        exp = self._find(key)
        if not exp.success:
            raise ResultError(f"experiment {exp.name or key!r} failed: "
                              f"{exp.status or 'no data'}")
        return exp

    def _find(self, key: ExperimentKey) -> ExperimentResult:
        if key is None:
            if len(self.results) != 1:
                raise ResultError(f"this result has {len(self.results)} experiments: name one")
            return self.results[0]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            try:
                return self.results[int(key)]
            except IndexError:
                raise ResultError(f"no experiment at index {key} "
                                  f"({len(self.results)} experiments)") from None
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if not isinstance(name, str):
            raise ResultError(f"cannot look up an experiment by {key!r}")
        found = [e for e in self.results if e.header.get("name") == name or e.job_id == name]
        if not found:
            raise ResultError(f"no experiment named {name!r}")
        if len(found) > 1:
            raise ResultError(f"{len(found)} experiments are named {name!r}: use an index")
        return found[0]

    def data(self, experiment: ExperimentKey = None) -> Mapping[str, Any]:
        """The data mapping of one experiment (``counts``, ``memory``, ``probabilities``,
        ``statevector``, ``unitary`` and any other field the source carried)."""
        return self.experiment(experiment).data

    def _each(self, experiment: ExperimentKey, get: Any) -> Any:
        """Qiskit's rule: one experiment -> one object; none named and several -> a list."""
        if experiment is None and len(self.results) > 1:
            return [get(i) for i in range(len(self.results))]
        return get(experiment)

    def _field(self, field: str, experiment: ExperimentKey) -> Any:
        exp = self.experiment(experiment)
        if field not in exp.data:
            raise ResultError(f"no {field} for experiment {exp.name or experiment!r}")
        return exp.data[field]

    def get_counts(self, experiment: ExperimentKey = None) -> Any:
        """Counts of one experiment (a list of them when none is named and there are several).

        The :class:`Counts` is keyed by int outcomes; it compares equal to Qiskit's display-keyed
        counts (``{"110 10": 5}``), and ``.display()`` gives that dict. An experiment holding only
        per-shot memory is counted from it.
        """
        def get(key: ExperimentKey) -> Counts:
            exp = self.experiment(key)
            if "counts" in exp.data:
                return exp.data["counts"]  # type: ignore[no-any-return]
            mem = exp.data.get("memory")
            if isinstance(mem, Memory):
                return mem.counts()
            raise ResultError(f"no counts for experiment {exp.name or key!r}")

        return self._each(experiment, get)

    def memory(self, experiment: ExperimentKey = None) -> Memory:
        """The per-shot :class:`Memory` of one experiment (numpy-backed: the fast path)."""
        mem = self._field("memory", experiment)
        if not isinstance(mem, Memory):
            raise ResultError("this experiment's memory is not classified (meas_level 0 or 1); "
                              "use get_memory()")
        return mem

    def get_memory(self, experiment: ExperimentKey = None) -> Any:
        """Qiskit's ``get_memory``: for classified data (meas_level 2) one display bitstring per
        shot (``['110 10', ...]``); for meas_level 0/1 a complex numpy array. Allocates a Python
        string per shot: prefer :meth:`memory` for big results."""
        def get(key: ExperimentKey) -> Any:
            mem = self._field("memory", key)
            if isinstance(mem, Memory):
                return memory_strings(mem)
            return np.asarray(mem, dtype=float).view(complex)[..., 0]

        return self._each(experiment, get)

    def get_probabilities(self, experiment: ExperimentKey = None) -> Any:
        """Probabilities of one experiment (or a list), e.g. from an IonQ aggregate."""
        return self._each(experiment, lambda k: self._field("probabilities", k))

    def get_statevector(self, experiment: ExperimentKey = None,
                        decimals: int | None = None) -> Any:
        """The final statevector as a complex numpy array, rounded to ``decimals`` if given."""
        vec = np.asarray(self._field("statevector", experiment), dtype=complex)
        return vec if decimals is None else np.round(vec, decimals)

    def get_unitary(self, experiment: ExperimentKey = None, decimals: int | None = None) -> Any:
        """The final unitary as a complex numpy matrix, rounded to ``decimals`` if given."""
        mat = np.asarray(self._field("unitary", experiment), dtype=complex)
        return mat if decimals is None else np.round(mat, decimals)

    def to_dict(self) -> dict[str, Any]:
        """Qiskit's ``Result.to_dict()`` form (the ``qiskit.result.json.v1`` format), always
        valid JSON."""
        from ._api import dump

        return dump(self, "qiskit.result.json.v1")  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Read Qiskit's ``Result.to_dict()`` form (the ``qiskit.result.json.v1`` format)."""
        from ._api import load

        return load(data, "qiskit.result.json.v1")  # type: ignore[no-any-return]


def bitstrings(outcomes: list[int], width: int) -> list[str]:
    """Zero-padded bitstrings (bit 0 rightmost) of many outcomes; vectorised up to 64 bits."""
    if not outcomes or width > 64 or len(outcomes) < 64:
        return [bitstring(k, width) for k in outcomes]
    if max(outcomes).bit_length() > width:
        raise ValueError(f"an outcome does not fit in {width} bits")
    values = np.fromiter(outcomes, dtype=np.uint64, count=len(outcomes))
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    return _rows_as_strings(((values[:, None] >> shifts) & np.uint64(1)).astype(np.uint8))


def _rows_as_strings(bits_msb_first: npt.NDArray[Any]) -> list[str]:
    """One '0'/'1' string per row of a (n, width) 0/1 array whose first column is the top bit."""
    n, width = bits_msb_first.shape
    if width == 0:
        return [""] * n
    raw = (bits_msb_first.astype(np.uint8) + ord("0")).tobytes().decode("ascii")
    return [raw[i:i + width] for i in range(0, len(raw), width)]


def memory_strings(mem: Memory) -> list[str]:
    """One Qiskit display string per shot: zero-padded to the width, split by the layout's
    registers (last leftmost); unpadded when the width was inferred."""
    if mem.width_inferred and (mem.layout is None or len(mem.layout.registers) <= 1):
        return [format(v, "b") for v in mem.outcomes()]
    layout = mem.layout
    if layout is None or len(layout.registers) <= 1:
        return _rows_as_strings(mem.to_bool()[:, ::-1])  # vectorised, any width
    return [layout.format(v) for v in mem.outcomes()]
