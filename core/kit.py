"""The format author's kit: checked readers and helpers every plugin needs.

A plugin's parser walks its payload with these, so that each problem is raised as
:class:`qfmt.PayloadError` with the format id and the JSON path, and keys are decoded by the one
bit-order rule of :mod:`qfmt._bits`.

>>> from qfmt import kit
>>> kit.decimal_object({"0": 3, "5": 1}, "my.fmt", kit.count_value)
{0: 3, 5: 1}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any, TypeVar

import numpy as np

from ._bits import (
    MAX_WIDTH,
    binary_key,
    bitstring,
    bitstring_counts_text,
    bulk_counts,
    bulk_floats,
    check_width,
    count_value,
    decimal_array_text,
    decimal_key,
    decimal_shots,
    expect_dict,
    expect_list,
    fast_bitstrings,
    fast_decimals,
    fast_hex,
    jpath,
    probability_value,
    quasi_value,
    subpath,
    type_name,
)
from ._convert import marginalize_dist, single_register
from ._errors import PayloadError
from ._marginal import map_bits
from ._model import check_sum, sum_to_one

__all__ = [
    "MAX_WIDTH",
    "binary_key",
    "bitstring",
    "bitstring_counts_text",
    "bitstring_object",
    "check_sum",
    "check_width",
    "count_value",
    "decimal_array_text",
    "decimal_key",
    "decimal_object",
    "decimal_shots",
    "expect_dict",
    "expect_keys",
    "expect_list",
    "hex_shots",
    "outcome_object",
    "probability_reader",
    "jpath",
    "load_schema",
    "looks_binary",
    "map_bits",
    "marginalize_dist",
    "probability_value",
    "quasi_value",
    "single_register",
    "subpath",
    "sum_to_one",
    "type_name",
]

V = TypeVar("V")


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


def _read_values(keys: Sequence[str], values: list[Any], fmt: str, path: str,
                 read_value: Callable[[Any, str, str], V]) -> list[V]:
    """Check every value: in bulk when the reader has a ``bulk`` check and all pass, else one by
    one (computing JSON paths only there, so a bad value is reported with its path)."""
    bulk = getattr(read_value, "bulk", None)
    if bulk is not None:
        ok = bulk(values)
        if ok is not None:
            return ok  # type: ignore[no-any-return]
    return [read_value(v, fmt, subpath(path, k)) for k, v in zip(keys, values)]


def _small_decimals(keys: list[Any]) -> list[int] | None:
    """Plain-Python decode of a few decimal keys (cheaper than numpy's set-up for small
    objects); None when any key needs the careful path."""
    if not keys or not set(map(type, keys)) <= {str}:
        return None
    text = "".join(keys)
    lengths = list(map(len, keys))
    if not (text.isascii() and text.isdigit() and min(lengths) >= 1 and max(lengths) <= 19):
        return None
    ints = list(map(int, keys))
    return ints if len(set(ints)) == len(ints) else None


def decimal_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                   path: str = "$", *, allow_empty: bool = False) -> dict[int, V]:
    """Read ``{"<decimal state>": value}`` (IonQ v1) into ``{int: value}``.

    Keys must be ASCII decimal digits; two keys naming one state (``"7"`` and ``"07"``) are an
    error. Payload order is kept. Large objects are checked in numpy.
    """
    obj = expect_dict(obj, fmt, path)
    if not obj and not allow_empty:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    small = _small_decimals(keys) if len(keys) <= 64 else None
    if small is not None:
        return dict(zip(small, _read_values(keys, list(obj.values()), fmt, path, read_value)))
    leading = [True]
    fast = fast_decimals(keys, leading)
    ints: list[int]
    # only keys with leading zeros can name one state twice ("7" and "07")
    if fast is not None and (not leading[0] or np.unique(fast).size == len(keys)):
        ints = fast.tolist()
    else:
        ints = []
        seen: dict[int, str] = {}
        for k in keys:
            v = decimal_key(k, fmt, subpath(path, k))
            if v in seen:
                raise PayloadError(fmt, subpath(path, k),
                                   f"state {k!r} repeats key {seen[v]!r} (both are {v})")
            seen[v] = k
            ints.append(v)
    return dict(zip(ints, _read_values(keys, list(obj.values()), fmt, path, read_value)))


def bitstring_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                     path: str = "$") -> tuple[dict[int, V], int]:
    """Read ``{"<bitstring>": value}`` (bit 0 rightmost) into ``({int: value}, width)``.

    Every key must have the same width (the register's); the object must not be empty.
    """
    obj = expect_dict(obj, fmt, path)
    if not obj:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    fast = fast_bitstrings(keys)
    if fast is not None:
        ints: list[int] = fast[0].tolist()
        width = fast[1]
    else:
        width = len(keys[0])
        ints = []
        for key in keys:
            kp = subpath(path, key)
            ints.append(binary_key(key, fmt, kp))
            if len(key) != width:
                raise PayloadError(fmt, kp, f"bitstring {key!r} has {len(key)} bits but "
                                   f"{keys[0]!r} has {width}: keys of one register must have "
                                   "one width")
    return dict(zip(ints, _read_values(keys, list(obj.values()), fmt, path, read_value))), width


def outcome_object(obj: Any, fmt: str, read_value: Callable[[Any, str, str], V],
                   path: str = "$", *, allow_empty: bool = False
                   ) -> tuple[dict[int, V], int | None, tuple[int, ...] | None]:
    """Read an object keyed by Qiskit-style outcomes: ``"0x.."`` hex, ``"0b.."`` binary or
    bitstrings (bit 0 rightmost; register groups split by single spaces, last register leftmost),
    one kind per object. Returns ``({int: value}, width carried by bitstring keys or None,
    register widths from the spaces (first register first) or None)``."""
    from ._model import _fast_keys, _normalize_keys

    obj = expect_dict(obj, fmt, path)
    if not obj and not allow_empty:
        raise PayloadError(fmt, path, "expected at least one outcome, got an empty object")
    keys = list(obj)
    fast = _fast_keys(keys) if len(keys) > 16 and type(keys[0]) is str else None
    split: tuple[int, ...] | None
    if fast is not None:
        ints, width = fast
        split = None if width is None else (width,)
    else:
        raw, width, split = _normalize_keys(obj, fmt, path)
        ints = list(raw)
        keys = [str(k) for k in keys]
    values = _read_values(keys, list(obj.values()), fmt, path, read_value)
    return dict(zip(ints, values)), width, split


def hex_shots(items: list[Any], fmt: str, path: str) -> list[int] | np.ndarray:
    """Decode per-shot ``"0x.."`` strings: a uint64 array when all fit in 64 bits, else Python
    ints. Each bad entry raises PayloadError with its path."""
    fast = fast_hex(items)
    if fast is not None:
        return fast
    out = []
    for i, item in enumerate(items):
        p = subpath(path, i)
        if not isinstance(item, str) or not item.startswith(("0x", "0X")) or len(item) < 3 or \
                not all(c in "0123456789abcdefABCDEF" for c in item[2:]):
            raise PayloadError(fmt, p, f"expected a hex outcome like '0x1a', got {item!r}")
        if (len(item) - 2) * 4 > MAX_WIDTH + 4:
            raise PayloadError(fmt, p, f"outcome wider than {MAX_WIDTH} bits")
        out.append(int(item, 16))
    return out


def looks_binary(keys: list[Any]) -> bool:
    """True when keys read as Qiskit-style outcomes rather than IonQ decimal states: hex or
    ``0b`` prefixes, register spaces, or zero-padded 0/1 strings of one width (>= 2)."""
    if not keys or not all(isinstance(k, str) for k in keys):
        return False
    if any(k.startswith(("0x", "0X", "0b", "0B")) or " " in k for k in keys):
        return True
    widths = {len(k) for k in keys}
    return len(widths) == 1 and widths.pop() >= 2 and all(set(k) <= {"0", "1"} for k in keys) \
        and any(k.startswith("0") for k in keys)


def load_schema(format_id: str, package: str = "qfmt.schemas") -> dict[str, Any]:
    """Load ``<format_id>.json`` shipped as package data in ``package``."""
    text = resources.files(package).joinpath(f"{format_id}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    if schema.get("$id") != format_id:
        raise ValueError(f"schema for {format_id} has $id {schema.get('$id')!r}")
    return schema
