"""Per-shot memory: packed bits in numpy, no Python object per shot (see :mod:`qfmt._bits`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from . import _bits
from ._dist import Counts
from ._errors import ResultError
from ._layout import Note, RegisterLayout, layout_text, width_text
from ._read import check_width
from ._views import view

__all__ = ["Memory", "memory_strings"]


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
        w = top if width is None else check_width(width, None, "$")
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
        """``Memory(shots=1,000, width=2)``, with the registers and leaked shots when known."""
        regs = f", registers={layout_text(self.layout)}" if self.layout is not None else ""
        leak = f", leaked={int(self.leaked().sum()):,}" if self.leakage is not None else ""
        return (f"Memory(shots={len(self):,}, width={width_text(self.width, self.width_inferred)}"
                f"{regs}{leak})")

    def _repr_html_(self) -> str:
        """The notebook view: size, registers and the most frequent outcomes."""
        html: str = view("memory_html")(self)
        return html

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
        return _bits.unpack_u64(self.bits)

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

    def to_arrow(self) -> Any:
        """This memory as a ``pyarrow.Table``, one row per shot (``outcome``, and ``leakage`` when
        marked), registers and provenance in the schema metadata; ``qfmt.from_arrow`` reads it
        back. Needs ``qfmt[arrow]`` (see :mod:`qfmt._arrow`)."""
        return view("memory_to_table")(self)

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
        outcomes, cnt = _histogram(bits, self.width)
        return Counts._trusted(outcomes, cnt, self.width, width_inferred=self.width_inferred,
                               layout=self.layout, provenance=tuple(notes), time_taken=None)


def _histogram(bits: npt.NDArray[np.uint8], width: int
               ) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint64]]:
    """Ascending unique outcomes of packed shots and how often each occurs."""
    n = bits.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.uint64 if width <= 64 else object)
        return empty, np.zeros(0, dtype=np.uint64)
    if width <= 64:
        if bits.shape[1] == 8:
            values = np.ascontiguousarray(bits).view("<u8").reshape(n)
        else:
            padded = np.zeros((n, 8), dtype=np.uint8)
            padded[:, : bits.shape[1]] = bits
            values = padded.view("<u8").reshape(n)
        if width <= 22:  # a dense bincount beats sorting up to a few million bins
            full = np.bincount(values.astype(np.intp), minlength=1)
            present = np.flatnonzero(full)
            return present.astype(np.uint64), full[present].astype(np.uint64)
        vals, cnt = np.unique(values, return_counts=True)
        return vals.astype(np.uint64), cnt.astype(np.uint64)
    # wider: sort rows as big-endian byte strings (the most significant byte first)
    rows, cnt = np.unique(bits[:, ::-1], axis=0, return_counts=True)
    outs = np.empty(rows.shape[0], dtype=object)
    outs[:] = _bits.unpack_ints(np.ascontiguousarray(rows[:, ::-1]))
    return outs, cnt.astype(np.uint64)


def _opt_equal(a: npt.NDArray[Any] | None, b: npt.NDArray[Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))


def memory_strings(mem: Memory) -> list[str]:
    """One Qiskit display string per shot: zero-padded to the width, split by the layout's
    registers (last leftmost); unpadded when the width was inferred."""
    if mem.width_inferred and (mem.layout is None or len(mem.layout.registers) <= 1):
        return [format(v, "b") for v in mem.outcomes()]
    layout = mem.layout
    if layout is None or len(layout.registers) <= 1:
        return _bits.rows_as_strings(mem.to_bool()[:, ::-1])  # vectorised, any width
    return [layout.format(v) for v in mem.outcomes()]
