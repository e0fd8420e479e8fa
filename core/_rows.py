"""Equal-length rows of small integers (JSON lists of lists) read into one uint8 array: the
shared reader behind per-shot bit lists (IonQ shots v2, Braket measurements) and byte rows
(pytket's OutcomeArray)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import PayloadError, short_repr
from ._read import expect_list, subpath

__all__ = ["int_rows"]


def int_rows(rows: list[Any], fmt: str, path: str | Callable[[int], str], *, high: int = 1,
             unit: str = "bit", what: str = "row", max_length: int | None = None,
             empty_rows: bool = False) -> npt.NDArray[np.uint8]:
    """A list of equal-length lists of integers in ``[0, high]`` (``high`` <= 255) as a
    ``(rows, length)`` uint8 array, in one numpy pass; on bad input a
    :class:`qfmt.PayloadError` with the exact path of the first bad row or value.

    ``path`` is the JSON path of ``rows`` (row *i* is ``path[i]``) or a function giving row
    *i*'s path; ``unit`` and ``what`` name a value and a row in messages ("bit", "shot");
    ``max_length`` bounds a row's length; ``empty_rows`` allows rows of length 0. Booleans are
    not integers here.

    >>> int_rows([[0, 1], [1, 1]], "acme.v1", "$.shots").tolist()
    [[0, 1], [1, 1]]
    >>> int_rows([[0, 1], [2, 1]], "acme.v1", "$.shots")
    Traceback (most recent call last):
    ...
    qfmt._errors.PayloadError: acme.v1: $.shots[1][0]: a bit must be 0 or 1, got 2
    """
    path_of = path if callable(path) else (lambda i: subpath(path, i))
    if set(map(type, rows)) <= {list}:
        lengths = set(map(len, rows))
        if len(lengths) == 1 and (empty_rows or 0 not in lengths) and (
                max_length is None or max(lengths) <= max_length) and \
                set(map(type, chain.from_iterable(rows))) <= {int}:
            try:
                arr = np.array(rows, dtype=np.int64)
            except OverflowError:  # an int past 64 bits: the careful path names it
                arr = None
            if arr is not None and (arr.size == 0 or (arr.min() >= 0 and arr.max() <= high)):
                return arr.astype(np.uint8).reshape(len(rows), -1)
    # the careful path: find the first bad row or value and say where it is
    length = None
    allowed = "0 or 1" if high == 1 else f"an integer in [0, {high}]"
    for i, row in enumerate(rows):
        p = path_of(i)
        expect_list(row, fmt, p)
        if not row and not empty_rows:
            raise PayloadError(fmt, p, f"{what} must hold at least one {unit}")
        if max_length is not None and len(row) > max_length:
            raise PayloadError(fmt, p, f"{what} has {len(row)} {unit}s, more than {max_length}")
        if length is None:
            length = len(row)
        elif len(row) != length:
            raise PayloadError(fmt, p, f"{what} has {len(row)} {unit}s but the first has "
                               f"{length}")
        for j, b in enumerate(row):
            if type(b) is not int or not 0 <= b <= high:
                raise PayloadError(fmt, subpath(p, j), f"a {unit} must be {allowed}, got "
                                   f"{short_repr(b)}")
    return np.array(rows, dtype=np.uint8).reshape(len(rows), length or 0)
