"""Make the Cirq corpus: ``cirq.to_json`` of the ``ResultDict`` that ``cirq.Simulator().run``
returns (and of the list ``run_sweep`` returns).

Pinned: cirq-core==1.7.0, numpy==2.4.6 (see VERSIONS). Run from anywhere:
``python tests/corpus/cirq/make.py`` (seeded, so the files are the same on each run).
"""

from __future__ import annotations

from pathlib import Path

import cirq
import numpy as np
import sympy

HERE = Path(__file__).resolve().parent


def write(obj: object, name: str) -> None:
    (HERE / f"{name}.json").write_text(cirq.to_json(obj, indent=None) + "\n")


def main() -> None:
    q = cirq.LineQubit.range(4)
    sim = cirq.Simulator(seed=22)
    # several measurement keys, of different sizes, in an order that is not alphabetical
    several = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.X(q[3]),
                           cirq.measure(q[2], q[0], key="z"), cirq.measure(q[3], key="a"),
                           cirq.measure(q[1], key="m"))
    write(sim.run(several, repetitions=10), "several-keys")
    # a repeated key: "r" measured twice (two instances) around an X, and a plain key
    repeated = cirq.Circuit(cirq.H(q[0]), cirq.measure(q[0], q[1], key="r"), cirq.X(q[0]),
                            cirq.X(q[1]), cirq.measure(q[0], q[1], key="r"),
                            cirq.measure(q[2], key="s"))
    write(sim.run(repeated, repetitions=8), "repeated-key")
    # qudits: a qutrit measured (digit 2) next to a qubit
    t = cirq.LineQid(0, dimension=3)
    qutrit = cirq.Circuit(_Shift().on(t), _Shift().on(t), cirq.X(q[1]),
                          cirq.measure(t, q[1], key="t"))
    write(cirq.Simulator(seed=22).run(qutrit, repetitions=6), "qudits")
    # a sweep of two parameter values (a JSON list of ResultDicts, params kept)
    theta = sympy.Symbol("theta")
    swept = cirq.Circuit(cirq.rx(theta).on(q[0]), cirq.measure(q[0], q[1], key="m"))
    write(sim.run_sweep(swept, cirq.Points("theta", [0.0, 3.14159]), repetitions=5), "sweep")


class _Shift(cirq.Gate):
    """|k> -> |k+1 mod 3> on a qutrit."""

    def _qid_shape_(self) -> tuple[int, ...]:
        return (3,)

    def _unitary_(self) -> object:
        return np.roll(np.eye(3), 1, axis=0)

    def _circuit_diagram_info_(self, args: object) -> str:
        return "[+1]"


if __name__ == "__main__":
    main()
