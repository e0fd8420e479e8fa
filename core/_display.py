"""Qiskit-shaped values: what a ``qiskit.result`` name returns, built from a canonical object when
such a name asks for it.

Two kinds of counts, named so a reader can tell them apart:

- :class:`qfmt.Counts` (canonical): int outcomes on numpy arrays, a width and a layout.
- :class:`QiskitCounts`: a ``dict`` keyed by Qiskit display strings (zero-padded to
  ``memory_slots``, registers split by spaces, last register leftmost), as
  ``qiskit.result.Result.get_counts()`` returns; ``json.dumps`` and Qiskit's ``plot_histogram``
  take it as they take Qiskit's own.
"""

from __future__ import annotations

from typing import Any

from ._dist import Counts
from ._errors import ResultError

__all__ = ["QiskitCounts"]


class QiskitCounts(dict[str, int]):
    """A ``dict`` of Qiskit display key -> shot count, with ``qiskit.result.Counts``'s methods.

    >>> c = QiskitCounts.from_counts(Counts({0b11010: 5, 0: 3}, layout=[("c0", 2), ("c1", 3)]))
    >>> c
    {'000 00': 3, '110 10': 5}
    >>> c.most_frequent(), c.int_outcomes(), c.memory_slots, c.creg_sizes
    ('110 10', {0: 3, 26: 5}, 5, [['c0', 2], ['c1', 3]])
    """

    time_taken: float | None
    creg_sizes: list[list[Any]] | None
    memory_slots: int | None

    def __init__(self, data: Any = (), *, time_taken: float | None = None,
                 creg_sizes: list[list[Any]] | None = None, memory_slots: int | None = None,
                 canonical: Counts | None = None) -> None:
        super().__init__(data)
        self.time_taken = time_taken
        self.creg_sizes = creg_sizes
        self.memory_slots = memory_slots
        self._canonical = canonical

    @classmethod
    def from_counts(cls, counts: Counts, *, time_taken: float | None = None) -> QiskitCounts:
        """The Qiskit view of a canonical :class:`qfmt.Counts`."""
        layout = counts.layout
        creg = [[n, w] for n, w in layout.sizes] if layout is not None and \
            len(layout.registers) > 1 else None
        return cls(dict(zip(counts.display_keys(), counts.value_array.tolist())),
                   time_taken=time_taken if time_taken is not None else counts.time_taken,
                   creg_sizes=creg, memory_slots=None if counts.width_inferred else counts.width,
                   canonical=counts)

    def to_counts(self) -> Counts:
        """The canonical :class:`qfmt.Counts` (int outcomes on arrays, width, layout)."""
        if self._canonical is not None:
            return self._canonical
        layout = [(str(n), int(w)) for n, w in self.creg_sizes] if self.creg_sizes else None
        return Counts(dict(self), self.memory_slots, layout=layout, time_taken=self.time_taken)

    def most_frequent(self) -> str:
        """The display key with the most shots; raises on ties and on empty counts (as Qiskit)."""
        if not self:
            raise ResultError("Can not return a most frequent count on an empty object")
        top = max(self.values())
        winners = [k for k, v in self.items() if v == top]
        if len(winners) != 1:
            raise ResultError(f"Multiple values have the same maximum counts: {','.join(winners)}")
        return winners[0]

    def hex_outcomes(self) -> dict[str, int]:
        """Counts keyed by ``hex(outcome)``."""
        return {hex(int(k.replace(" ", ""), 2)): v for k, v in self.items()}

    def int_outcomes(self) -> dict[int, int]:
        """Counts keyed by int outcomes."""
        return {int(k.replace(" ", ""), 2): v for k, v in self.items()}

    def shots(self) -> int:
        """The total number of shots."""
        return sum(self.values())
