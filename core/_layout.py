"""Layout and provenance: named registers laid over an outcome's bits, and notes on what was derived."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ._bits import MAX_WIDTH, bitstring

__all__ = ["Note", "Register", "RegisterLayout", "layout_text", "width_text"]


def width_text(width: int, inferred: bool) -> str:
    """``"3"`` or ``"3 (inferred)"``: the width as reprs and views say it."""
    return f"{width} (inferred)" if inferred else str(width)


def layout_text(layout: RegisterLayout) -> str:
    """Registers as ``c0[2] c1[3]`` (first register, bit 0, first)."""
    return " ".join(f"{n}[{w}]" for n, w in layout.sizes)


@attrs.frozen
class Note:
    """A provenance note carried by a canonical object.

    ``kind`` is a stable machine-readable tag, ``detail`` a sentence for people.

    Kinds used by qfmt: ``derived-from-probabilities``, ``sampled-memory``, ``leakage-excluded``,
    ``renormalized``, ``derived-from-counts``, ``derived-from-memory``, ``joint-register``,
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
    #: The register that by itself holds every measured bit, when the source has one (a plugin
    #: names it, e.g. a vendor's "all qubits" register laid beside per-circuit registers). Formats
    #: without registers take the joint outcome from it.
    joint: str | None = attrs.field(default=None, kw_only=True)

    @registers.validator
    def _check(self, _: attrs.Attribute[tuple[Register, ...]], value: tuple[Register, ...]) -> None:
        names = [r.name for r in value]
        if len(set(names)) != len(names):
            raise ValueError(f"register names must be unique, got {names}")
        if sum(r.width for r in value) > MAX_WIDTH:
            raise ValueError(f"total width exceeds {MAX_WIDTH} bits")

    def __attrs_post_init__(self) -> None:
        if self.joint is not None and self.joint not in self.names:
            raise ValueError(f"joint register {self.joint!r} is not one of {list(self.names)}")

    @classmethod
    def single(cls, width: int, name: str = "c") -> RegisterLayout:
        """One register named ``name`` covering all ``width`` bits.

        >>> RegisterLayout.single(3, "meas").sizes
        (('meas', 3),)
        """
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
