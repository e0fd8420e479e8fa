"""Checked readers for walking a payload: JSON paths, expected shapes, widths and values.

Every problem is raised as :class:`qfmt.PayloadError` with the format id and the JSON path. The
value readers (:func:`count_value`, :func:`probability_value`, :func:`quasi_value`) check one value;
each has a ``bulk`` companion that checks a whole list at C speed and returns None when any value
needs the careful one-by-one reader (which then names the bad one by its path).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ._bits import MAX_WIDTH
from ._errors import PayloadError, short_repr

__all__ = [
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_REGISTERS",
    "check_width",
    "passthrough_problem",
    "count_value",
    "expect_dict",
    "expect_keys",
    "expect_list",
    "jpath",
    "oversized",
    "probability_reader",
    "probability_value",
    "quasi_value",
    "read_values",
    "subpath",
    "type_name",
]

V = TypeVar("V")

#: The largest count qfmt accepts: counts are held as uint64 and written back as JSON integers.
MAX_COUNT = 2**64 - 1
#: The deepest nesting of a pass-through field (a header, metadata, an unknown data field) qfmt
#: keeps: deeper values could not be printed, copied or written back reliably.
MAX_DEPTH = 64
#: The most registers one payload may hold (each has at least one bit, and the registers of a
#: shot together hold at most MAX_WIDTH bits).
MAX_REGISTERS = MAX_WIDTH
_INT_LOW, _INT_HIGH = -(2**63), 2**64 - 1
_SCALARS = frozenset({str, int, float, bool, type(None)})

_IDENT_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def jpath(*parts: str | int) -> str:
    """Format a JSON path: ``jpath("histogram", "registers", "r", "012")`` ->
    ``$.histogram.registers.r["012"]``. Integers are list indices."""
    out = ["$"]
    for p in parts:
        if isinstance(p, int):
            out.append(f"[{p}]")
        elif p and not p[0].isdigit() and set(p) <= _IDENT_OK:
            out.append(f".{p}")
        else:
            if len(p) > 64:  # keep messages readable for hostile keys
                p = f"{p[:24]}...({len(p)} chars)"
            out.append('["' + p.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


def subpath(base: str, *parts: str | int) -> str:
    """Append parts to an already formatted path."""
    return base + jpath(*parts)[1:]


def type_name(value: Any) -> str:
    """A JSON-ish name of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def expect_dict(value: Any, fmt: str, path: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else raise PayloadError."""
    if not isinstance(value, dict):
        raise PayloadError(fmt, path, f"expected an object, got {type_name(value)}")
    return value


def expect_list(value: Any, fmt: str, path: str) -> list[Any]:
    """Return ``value`` if it is a JSON array, else raise PayloadError."""
    if not isinstance(value, list):
        raise PayloadError(fmt, path, f"expected an array, got {type_name(value)}")
    return value


def check_width(width: Any, fmt: str | None, path: str, what: str = "width") -> int:
    """Validate a declared width: an int in [0, MAX_WIDTH]."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)):
        raise PayloadError(fmt, path, f"{what} must be an integer, got {type_name(width)}")
    if width < 0 or width > MAX_WIDTH:
        raise PayloadError(fmt, path, f"{what} {width} is outside [0, {MAX_WIDTH}] (qfmt.MAX_WIDTH)")
    return int(width)


_NUMBER = (int, float, np.integer, np.floating)


def count_value(value: Any, fmt: str, path: str) -> int:
    """A shot count: a non-negative integer (an integral float such as ``1e3`` is accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"count must be a number, got {type_name(value)}")
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or not value.is_integer() or abs(value) > 2**53:
            raise PayloadError(fmt, path, f"count must be a whole number, got {short_repr(value)}")
        value = int(value)
    if value < 0:
        raise PayloadError(fmt, path, f"count must not be negative, got {short_repr(value)}")
    if value > MAX_COUNT:
        raise PayloadError(fmt, path, f"count {short_repr(value)} exceeds 2**64 - 1 "
                           "(qfmt.kit.MAX_COUNT), the largest count qfmt can hold and write")
    return int(value)


def _float(value: Any, fmt: str, path: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise PayloadError(fmt, path, f"the number {short_repr(value)} is too large for a "
                           "float") from None


def probability_value(value: Any, fmt: str, path: str, *, atol: float) -> float:
    """A probability: a finite number in [0, 1] (up to ``atol`` above 1 for rounding)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"probability must be a number, got {type_name(value)}")
    value = _float(value, fmt, path)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"probability must be finite, got {value!r}")
    if value < 0.0 or value > 1.0 + atol:
        raise PayloadError(fmt, path, f"probability {value!r} is outside [0, 1]")
    return float(value)


def quasi_value(value: Any, fmt: str, path: str) -> float:
    """A quasi-probability: any finite number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"value must be a number, got {type_name(value)}")
    value = _float(value, fmt, path)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"value must be finite, got {value!r}")
    return float(value)


def bulk_counts(values: list[Any]) -> list[int] | None:
    """The values as counts if all are non-negative Python ints (the common case), else None."""
    if set(map(type, values)) <= {int} and (not values or (min(values) >= 0 and
                                                            max(values) <= MAX_COUNT)):
        return values
    return None


def bulk_floats(values: list[Any], low: float | None, high: float | None
                ) -> list[float] | npt.NDArray[np.float64] | None:
    """The values as floats if all are finite JSON numbers within [low, high], else None: a list
    for a few values, a float64 array for many (the builders take either)."""
    types = set(map(type, values))
    if not types <= {float, int}:
        return None
    if int in types and not all(-(2**1000) < v < 2**1000 for v in values if type(v) is int):
        return None  # the one-by-one reader names the int too large for a float
    if len(values) <= 256:  # plain Python beats numpy's set-up on small objects
        if not all(map(math.isfinite, values)):
            return None
        if (low is not None and min(values) < low) or (high is not None and max(values) > high):
            return None
        return [float(v) for v in values]
    arr = np.fromiter(values, dtype=np.float64, count=len(values))
    # min and max are NaN when any value is (then every comparison below is False)
    lo, hi = float(arr.min()), float(arr.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if (low is not None and not lo >= low) or (high is not None and not hi <= high):
        return None
    return arr


def expect_keys(obj: Mapping[str, Any], fmt: str, path: str, required: frozenset[str] | set[str],
                optional: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise PayloadError if a required key is missing or an unknown key is present."""
    for key in sorted(required):
        if key not in obj:
            raise PayloadError(fmt, path, f"missing key {key!r}")
    extra = set(obj) - required - optional
    if extra:
        key = sorted(extra)[0]
        raise PayloadError(fmt, subpath(path, key), f"unexpected key {short_repr(key)}")


def probability_reader(atol: float) -> Callable[[Any, str, str], float]:
    """A value reader for probabilities in [0, 1] (up to ``atol`` above 1)."""
    def read(value: Any, fmt: str, path: str) -> float:
        return probability_value(value, fmt, path, atol=atol)

    read.bulk = lambda values: bulk_floats(values, 0.0, 1.0 + atol)  # type: ignore[attr-defined]
    return read


count_value.bulk = bulk_counts  # type: ignore[attr-defined]


quasi_value.bulk = lambda values: bulk_floats(values, None, None)  # type: ignore[attr-defined]


def read_values(keys: Sequence[str], values: list[Any], fmt: str, path: str,
                 read_value: Callable[[Any, str, str], V]) -> list[V]:
    """Check every value: in bulk when the reader has a ``bulk`` check and all pass, else one by
    one (computing JSON paths only there, so a bad value is reported with its path). Many floats
    come back as a float64 array (the builders take arrays or lists)."""
    bulk = getattr(read_value, "bulk", None)
    if bulk is not None:
        ok = bulk(values)
        if ok is not None:
            return ok  # type: ignore[no-any-return]
    return [read_value(v, fmt, subpath(path, k)) for k, v in zip(keys, values)]


def _scalar_problem(v: Any) -> str | None:
    t = type(v)
    if t is int:
        if not _INT_LOW <= v <= _INT_HIGH:
            return f"the integer {short_repr(v)} is outside JSON's 64-bit range"
    elif t is float:
        if not math.isfinite(v):
            return f"{v!r} is not a JSON number"
    elif t is str and not v.isascii():
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return "a string holds a lone surrogate, which is not valid Unicode"
    return None


def passthrough_problem(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Why ``value`` (a field passed through as is: a header, metadata) could not be written back
    as JSON, or None when it can: nested deeper than ``max_depth``, an integer outside the 64-bit
    range JSON writers take, a non-finite float, a non-str key, a lone surrogate. Iterative and
    bounded: it never recurses, and stops at the first problem. Values that are not plain JSON
    containers (numpy arrays, canonical objects) are left to their own writers."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            items: Any = v.values()
            for k in v:
                if type(k) is not str:
                    return f"key {short_repr(k)} is not a string"
                problem = _scalar_problem(k)
                if problem is not None:
                    return problem
        elif isinstance(v, (list, tuple)):
            items = v
        else:
            problem = _scalar_problem(v)
            if problem is not None:
                return problem
            continue
        if depth >= max_depth:
            return f"nested deeper than {max_depth} levels (qfmt.kit.MAX_DEPTH)"
        types = set(map(type, items))
        if types <= _SCALARS:
            if int in types and (min(x for x in items if type(x) is int) < _INT_LOW or
                                 max(x for x in items if type(x) is int) > _INT_HIGH):
                return f"an integer is outside JSON's 64-bit range (at depth {depth + 1})"
            if float in types and not all(math.isfinite(x) for x in items if type(x) is float):
                return "a number is not finite"
            if str in types:
                for x in items:
                    if type(x) is str and not x.isascii():
                        problem = _scalar_problem(x)
                        if problem is not None:
                            return problem
            continue
        stack.extend((x, depth + 1) for x in items)
    return None


def oversized(value: Any, max_values: int) -> tuple[bool, str | None]:
    """What makes ``value`` (parsed JSON, or Python data given for it) too big to walk value by
    value, as a JSON Schema validator does: ``(more than max_values values, JSON path of an
    integer wider than MAX_WIDTH bits or None)``. Such an integer no format reads (outcomes
    hold at most MAX_WIDTH bits, counts and pass-through integers 64) and a validator could not
    even print it (Python refuses to write an int of more than a few thousand digits).

    Iterative, and bounded: it stops after ``max_values`` values, and looks at the values of a
    container in bulk (C speed) before descending."""
    seen = 0
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        v, path = stack.pop()
        if isinstance(v, dict):
            keys: Sequence[str | int] = list(v)
            items: Sequence[Any] = list(v.values())
        elif isinstance(v, (list, tuple)):
            items = v
            keys = range(len(v))
        else:
            if type(v) is int and v.bit_length() > MAX_WIDTH:
                return False, jpath(*path)
            seen += 1
            continue
        seen += len(items)
        if seen > max_values:
            return True, None
        types = set(map(type, items))
        if int in types:
            widest = max((x.bit_length() for x in items if type(x) is int), default=0)
            if widest > MAX_WIDTH:
                at = next(i for i, x in enumerate(items)
                          if type(x) is int and x.bit_length() > MAX_WIDTH)
                return False, jpath(*path, keys[at])
        if not types <= _SCALARS:
            stack.extend((x, (*path, k)) for k, x in zip(keys, items)
                         if isinstance(x, (dict, list, tuple)))
    return False, None
