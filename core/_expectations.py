"""Expectation values: the canonical type for estimator results (vendor-neutral).

An estimator run evaluates observables on (possibly swept) circuits in blocks: each block has a
shape (the broadcast of its parameter sweep and its observables) and named arrays of that
leading shape: the expectation values ``evs``, their standard errors ``stds``, often an
``ensemble_standard_error`` and any further arrays a service reports (error-mitigation fields such
as noise factors and extrapolated values, whose trailing axes are their own).

>>> import numpy as np
>>> e = Expectations([ExpectationValues({"evs": [1.0, 0.5], "stds": [0.0, 0.1]})])
>>> e[0].shape, e[0].evs.tolist(), e.evs(0).dtype
((2,), [1.0, 0.5], dtype('float64'))
>>> e == Expectations([ExpectationValues({"evs": np.array([1.0, 0.5]), "stds": [0.0, 0.1]})])
True
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ._layout import Note
from ._views import view

__all__ = ["ExpectationValues", "Expectations"]


def _array(value: Any) -> npt.NDArray[Any]:
    arr = np.array(value, dtype=np.float64 if not isinstance(value, np.ndarray) else None)
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise ValueError(f"expected a numeric array, got dtype {arr.dtype}")
    arr.flags.writeable = False
    return arr


def _arrays(value: Mapping[str, Any]) -> dict[str, npt.NDArray[Any]]:
    if not isinstance(value, Mapping):
        raise TypeError("data must be a mapping of field name to array")
    return {str(k): _array(v) for k, v in value.items()}


def _shape(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    out = tuple(int(n) for n in value)
    if any(n < 0 for n in out):
        raise ValueError(f"shape must hold non-negative ints, got {out}")
    return out


def _as_dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return {} if value is None else dict(value)


def same_value(a: Any, b: Any) -> bool:
    """Deep equality that compares numpy arrays by dtype, shape and content (NaN equal to NaN),
    and tells ``1`` from ``True`` and ``1.0``, so metadata round trips are checked exactly."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (bool, int, float, str, type(None), datetime.datetime)) or \
            isinstance(b, (bool, int, float, str, type(None), datetime.datetime)):
        return type(a) is type(b) and (a == b or (a != a and b != b))
    try:
        return bool(a == b)
    except Exception:
        return False


@attrs.frozen(eq=False)
class ExpectationValues:
    """One block of expectation values: named numeric arrays whose leading axes are ``shape``.

    ``data`` keeps the arrays in order (``evs``, ``stds``, ``ensemble_standard_error``, then any
    others); ``shape`` defaults to the shape of ``evs`` (or of the first array; ``()`` when
    there is none). ``metadata`` is the block's metadata as the source reported it; ``extra``
    keeps source-specific fields a plugin needs for an exact round trip.
    """

    data: Mapping[str, npt.NDArray[Any]] = attrs.field(factory=dict, converter=_arrays)
    shape: tuple[int, ...] = attrs.field(default=None, converter=_shape)
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)

    def __attrs_post_init__(self) -> None:
        if self.shape is None:
            first = self.data.get("evs", next(iter(self.data.values()), None))
            object.__setattr__(self, "shape", () if first is None else tuple(first.shape))
        n = len(self.shape)
        for name, arr in self.data.items():
            if tuple(arr.shape[:n]) != self.shape:
                raise ValueError(f"field {name!r} has shape {arr.shape}, which does not start "
                                 f"with the block's shape {self.shape}")

    @property
    def evs(self) -> npt.NDArray[Any]:
        """The expectation values (ValueError if the block has none)."""
        return self._get("evs")

    @property
    def stds(self) -> npt.NDArray[Any] | None:
        """Standard errors of ``evs``, or None."""
        return self.data.get("stds")

    @property
    def ensemble_standard_error(self) -> npt.NDArray[Any] | None:
        """Standard error over an ensemble of randomised circuits, or None."""
        return self.data.get("ensemble_standard_error")

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the arrays, in order."""
        return tuple(self.data)

    @property
    def size(self) -> int:
        """Number of elements of the block (the product of ``shape``)."""
        return int(np.prod(self.shape, dtype=np.int64))

    def _get(self, name: str) -> npt.NDArray[Any]:
        if name not in self.data:
            raise ValueError(f"this block has no {name!r} (fields: {list(self.data)})")
        return self.data[name]

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.data[name]

    def __contains__(self, name: object) -> bool:
        return name in self.data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExpectationValues):
            return NotImplemented
        return (self.shape == other.shape and same_value(self.data, other.data)
                and same_value(self.metadata, other.metadata)
                and same_value(self.extra, other.extra))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ExpectationValues(shape={self.shape}, fields={list(self.data)})"


def _blocks(value: Iterable[ExpectationValues]) -> tuple[ExpectationValues, ...]:
    out = tuple(value)
    for i, b in enumerate(out):
        if not isinstance(b, ExpectationValues):
            raise TypeError(f"pubs[{i}] must be an ExpectationValues, got {type(b).__name__}")
    return out


@attrs.frozen(eq=False)
class Expectations:
    """The result of an estimator job: one :class:`ExpectationValues` per block (pub), in order,
    plus the job's ``metadata``. Reads as a sequence of blocks.

    ``extra`` keeps source-specific fields for an exact round trip; ``provenance`` notes what was
    derived.
    """

    pubs: tuple[ExpectationValues, ...] = attrs.field(converter=_blocks)
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_as_dict)
    provenance: tuple[Note, ...] = attrs.field(default=(), converter=tuple)

    def __len__(self) -> int:
        return len(self.pubs)

    def __iter__(self) -> Iterator[ExpectationValues]:
        return iter(self.pubs)

    def __getitem__(self, index: int) -> ExpectationValues:
        return self.pubs[index]

    def evs(self, index: int) -> npt.NDArray[Any]:
        """The expectation values of block ``index``."""
        return self.pubs[index].evs

    def stds(self, index: int) -> npt.NDArray[Any] | None:
        """The standard errors of block ``index`` (None if it has none)."""
        return self.pubs[index].stds

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expectations):
            return NotImplemented
        return (len(self.pubs) == len(other.pubs)
                and all(a == b for a, b in zip(self.pubs, other.pubs))
                and same_value(self.metadata, other.metadata)
                and same_value(self.extra, other.extra))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shapes = ", ".join(str(b.shape) for b in self.pubs[:8])
        if len(self.pubs) > 8:
            shapes += ", ..."
        return f"Expectations(pubs={len(self.pubs):,}, shapes=[{shapes}])"

    def _repr_html_(self) -> str:
        """The notebook view: one row per block (shape, fields, first values)."""
        html: str = view("expectations_html")(self)
        return html
