"""Regenerate the Stim examples: the GHZ run of ``examples/ionq/shots-v2.json`` (leaked shots left
out, as IonQ leaves them out of shots v1) as Stim shot data. Run from the repository root:
``python examples/stim/generate.py``. Load ``shots.b8`` with ``num_bits=3``."""

from __future__ import annotations

from pathlib import Path

import qfmt

HERE = Path(__file__).parent
SOURCE = HERE.parent / "ionq" / "shots-v2.json"


def main() -> None:
    mem = qfmt.load(SOURCE, "ionq.result.shots.json.v2")
    (HERE / "shots.01").write_text(qfmt.dumps(mem, "stim.shots.01"), encoding="ascii")
    (HERE / "shots.b8").write_bytes(qfmt.dumps(mem, "stim.shots.b8"))


if __name__ == "__main__":
    main()
