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

from ._bits import MAX_WIDTH
from ._errors import PayloadError

__all__ = [
    "check_width",
    "count_value",
    "expect_dict",
    "expect_keys",
    "expect_list",
    "jpath",
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
            raise PayloadError(fmt, path, f"count must be a whole number, got {value!r}")
        value = int(value)
    if value < 0:
        raise PayloadError(fmt, path, f"count must not be negative, got {value}")
    return int(value)


def probability_value(value: Any, fmt: str, path: str, *, atol: float) -> float:
    """A probability: a finite number in [0, 1] (up to ``atol`` above 1 for rounding)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"probability must be a number, got {type_name(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"probability must be finite, got {value!r}")
    if value < 0.0 or value > 1.0 + atol:
        raise PayloadError(fmt, path, f"probability {value!r} is outside [0, 1]")
    return float(value)


def quasi_value(value: Any, fmt: str, path: str) -> float:
    """A quasi-probability: any finite number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBER):
        raise PayloadError(fmt, path, f"value must be a number, got {type_name(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise PayloadError(fmt, path, f"value must be finite, got {value!r}")
    return float(value)


def bulk_counts(values: list[Any]) -> list[int] | None:
    """The values as counts if all are non-negative Python ints (the common case), else None."""
    if set(map(type, values)) <= {int} and (not values or min(values) >= 0):
        return values
    return None


def bulk_floats(values: list[Any], low: float | None, high: float | None) -> list[float] | None:
    """The values as floats if all are finite JSON numbers within [low, high], else None."""
    if not set(map(type, values)) <= {float, int}:
        return None
    if len(values) <= 256:  # plain Python beats numpy's set-up on small objects
        if not all(map(math.isfinite, values)):
            return None
        if (low is not None and min(values) < low) or (high is not None and max(values) > high):
            return None
        return [float(v) for v in values]
    arr = np.array(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        return None
    if low is not None and (arr < low).any():
        return None
    if high is not None and (arr > high).any():
        return None
    out: list[float] = arr.tolist()
    return out


def expect_keys(obj: Mapping[str, Any], fmt: str, path: str, required: frozenset[str] | set[str],
                optional: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise PayloadError if a required key is missing or an unknown key is present."""
    for key in sorted(required):
        if key not in obj:
            raise PayloadError(fmt, path, f"missing key {key!r}")
    extra = set(obj) - required - optional
    if extra:
        key = sorted(extra)[0]
        raise PayloadError(fmt, subpath(path, key), f"unexpected key {key!r}")


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
    one (computing JSON paths only there, so a bad value is reported with its path)."""
    bulk = getattr(read_value, "bulk", None)
    if bulk is not None:
        ok = bulk(values)
        if ok is not None:
            return ok  # type: ignore[no-any-return]
    return [read_value(v, fmt, subpath(path, k)) for k, v in zip(keys, values)]
