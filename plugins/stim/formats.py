"""Stim's shot data formats ``01`` and ``b8`` (Stim's ``doc/result_formats.md``).

Both are per-shot records of measurement results and load to :class:`qfmt.Memory`; column *i*
of a shot (the *i*-th measurement, or detector) is canonical bit *i*.

- ``stim.shots.01`` (``text/plain``): one line per shot, character *i* is ``0`` or ``1``, every
  line ended by a newline (the last one too; a missing final newline is accepted). The width is
  the line length; ``num_bits=`` (optional) checks it.
- ``stim.shots.b8`` (``application/octet-stream``): each shot is ``ceil(num_bits / 8)`` bytes and
  bit *i* is bit ``i % 8`` (least significant first) of byte ``i // 8``: the packing of
  :class:`qfmt.Memory`, so loading is a reshape. The bytes carry no width: ``num_bits=`` is
  required, and padding bits past it must be 0.

Neither format can mark lost or leaked qubits: qfmt leaves leaked shots out when writing them
(``include_leakage=True`` writes them as plain shots).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

import qfmt
from qfmt import kit

FMT_01 = "stim.shots.01"
FMT_B8 = "stim.shots.b8"

_ZERO, _ONE, _NEWLINE = 48, 49, 10


def _char(byte: int) -> str:
    return repr(chr(byte)) if 32 <= byte < 127 else f"byte 0x{byte:02x}"


def _bad_line(lines: npt.NDArray[np.intp], width: int) -> int:
    return int(np.argmax(lines != width))


def parse_01(raw: bytes, *, num_bits: int | None = None) -> qfmt.Memory:
    """``01`` text -> Memory: line *s* is shot *s*, character *i* is bit *i*."""
    if num_bits is not None:
        num_bits = kit.check_width(num_bits, FMT_01, "$", "num_bits")
    buf = np.frombuffer(raw, dtype=np.uint8)
    if buf.size == 0:
        raise qfmt.PayloadError(FMT_01, "$", "no shots: expected lines of 0 and 1")
    if buf[0] not in (_ZERO, _ONE, _NEWLINE):  # not 01 text at all (JSON, binary): say so now
        raise qfmt.PayloadError(FMT_01, kit.jpath(0, 0),
                                f"expected '0' or '1', got {_char(int(buf[0]))}")
    if buf[-1] != _NEWLINE:
        buf = np.concatenate([buf, np.array([_NEWLINE], dtype=np.uint8)])
    ends = np.flatnonzero(buf == _NEWLINE)
    lines = np.diff(ends, prepend=-1) - 1
    width = int(lines[0])
    if width == 0:
        raise qfmt.PayloadError(FMT_01, "$[0]", "shot 0 is an empty line: a shot needs a bit")
    if num_bits is not None and width != num_bits:
        raise qfmt.PayloadError(FMT_01, "$[0]", f"shot 0 has {width} bits but num_bits="
                                f"{num_bits}")
    kit.check_width(width, FMT_01, "$[0]", "the line length")
    if (lines != width).any():
        bad = _bad_line(lines, width)
        raise qfmt.PayloadError(FMT_01, kit.jpath(bad), f"shot {bad} has {int(lines[bad])} bits "
                                f"but shot 0 has {width}")
    grid = buf.reshape(-1, width + 1)[:, :width]
    wrong = (grid != _ZERO) & (grid != _ONE)
    if wrong.any():
        shot, col = (int(v) for v in np.argwhere(wrong)[0])
        raise qfmt.PayloadError(FMT_01, kit.jpath(shot, col),
                                f"expected '0' or '1', got {_char(int(grid[shot, col]))}")
    packed = np.packbits(grid - _ZERO, axis=1, bitorder="little")
    return kit.memory(packed, width=width, fmt=FMT_01, option="num_bits")


def dump_01(memory: qfmt.Memory) -> str:
    """Memory -> ``01`` text, one newline-ended line per shot."""
    n, w = len(memory), memory.width
    out = np.full((n, w + 1), _NEWLINE, dtype=np.uint8)
    out[:, :w] = memory.to_bool().view(np.uint8) + _ZERO
    return out.tobytes().decode("ascii")


def parse_b8(raw: bytes, *, num_bits: int | None = None) -> qfmt.Memory:
    """``b8`` bytes -> Memory; ``num_bits=`` (required) is the number of bits per shot."""
    if num_bits is None:
        raise qfmt.OptionError(f"{FMT_B8} needs num_bits=N (the bits per shot): the bytes do "
                               "not say it")
    width = kit.check_width(num_bits, FMT_B8, "$", "num_bits")
    if width == 0:
        raise qfmt.OptionError(f"{FMT_B8}: num_bits must be at least 1")
    stride = kit.nbytes_for(width)
    if not raw:
        raise qfmt.PayloadError(FMT_B8, "$", "no shots: the data is empty")
    if len(raw) % stride:
        raise qfmt.PayloadError(FMT_B8, kit.jpath(len(raw) // stride),
                                f"{len(raw)} bytes is not a whole number of {stride}-byte shots "
                                f"(num_bits={width})")
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(-1, stride)
    return kit.memory(packed, width=width, fmt=FMT_B8, option="num_bits")


def dump_b8(memory: qfmt.Memory) -> bytes:
    """Memory -> ``b8`` bytes (``ceil(width / 8)`` bytes per shot; padding bits are 0)."""
    return np.ascontiguousarray(memory.bits).tobytes()


def from_samples(samples: npt.ArrayLike, *, num_bits: int | None = None,
                 bit_packed: bool = False) -> qfmt.Memory:
    """A Memory from what Stim's samplers return: a ``(shots, num_bits)`` bool array, or with
    ``bit_packed=True`` a ``(shots, ceil(num_bits / 8))`` uint8 array (then ``num_bits`` is
    required)."""
    arr = np.asarray(samples)
    if arr.ndim != 2:
        raise qfmt.OptionError(f"samples must be a 2-D (shots, bits) array, got {arr.ndim}-D")
    if not bit_packed:
        if num_bits is not None and arr.shape[1] != num_bits:
            raise qfmt.OptionError(f"samples have {arr.shape[1]} bits per shot, not {num_bits}")
        return kit.memory_from_bits(arr.astype(np.uint8))
    if num_bits is None:
        raise qfmt.OptionError("bit_packed samples need num_bits=N")
    if arr.dtype != np.uint8 or arr.shape[1] != kit.nbytes_for(num_bits):
        raise qfmt.OptionError(f"bit-packed samples must be uint8 with {kit.nbytes_for(num_bits)} "
                               "bytes per shot")
    return kit.memory(arr, width=num_bits, fmt=None, option="num_bits")


def to_samples(memory: qfmt.Memory, *, bit_packed: bool = False) -> npt.NDArray[Any]:
    """Memory -> the array Stim's samplers return: ``(shots, width)`` bool, or with
    ``bit_packed=True`` ``(shots, ceil(width / 8))`` uint8 (Stim's little-endian packing).
    Leaked shots are kept (the arrays cannot mark them; use ``memory.leaked()``)."""
    if bit_packed:
        return np.array(memory.bits, dtype=np.uint8)
    return memory.to_bool()


def _sniff_01(raw: Any) -> float:
    return 0.6


_ORDER_01 = "line s is shot s; character i of the line (leftmost first) is bit i"
_ORDER_B8 = "shot = ceil(num_bits/8) bytes; bit i is bit i % 8 (LSB first) of byte i // 8"


@qfmt.hookimpl
def qfmt_formats() -> list[qfmt.Format]:
    """Stim's ``01`` and ``b8`` shot data formats."""
    return [
        qfmt.Format(FMT_01, "Stim shot data, 01 text: one line of 0/1 per shot", parse_01,
                    dump_01, kit.load_schema(FMT_01), qfmt.Memory, sniff=_sniff_01,
                    media_type="text/plain", registers=False, bit_order=_ORDER_01,
                    capabilities={"shot-order", "shots"}),
        qfmt.Format(FMT_B8, "Stim shot data, b8 bytes: bit-packed shots (needs num_bits=)",
                    parse_b8, dump_b8, kit.load_schema(FMT_B8), qfmt.Memory,
                    score=0.2, media_type="application/octet-stream",
                    registers=False, bit_order=_ORDER_B8,
                    capabilities={"shot-order", "shots"}),
    ]
