"""Run the benchmarks and print a table of medians and ratios measured in the same run.

    python -m bench                 # full sizes (a few minutes)
    python -m bench --smoke         # tiny sizes, one repeat: checks every case still runs
    python -m bench --only mitig    # cases whose name contains "mitig"
    python -m bench --json out.json # also write the raw numbers

Every row with a target ends in "meets" or "MISSES" (or "NOT MEASURED" when its baseline is not
installed); the last line says how many targets were met and names the misses. Ratios compare
qfmt with its baseline measured alternately in the same run (medians); memory rows run in a
fresh interpreter each (tracemalloc, numpy buffers included).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

from bench.cases import CASES, Row, Size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--repeat", type=int, default=None, help="runs per case (default 5)")
    parser.add_argument("--only", default="", help="run cases whose name contains this")
    parser.add_argument("--json", dest="json_path", help="write results as JSON here")
    args = parser.parse_args(argv)
    size = Size.smoke() if args.smoke else Size.full()
    repeat = args.repeat or (1 if args.smoke else 5)
    rows = []
    started = time.perf_counter()
    print(f"qfmt benchmarks ({'smoke' if args.smoke else 'full'} sizes, {repeat} runs each, "
          f"median) on {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {_cpu()}", flush=True)
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        for row in case.run(size, repeat):
            rows.append(row)
            print(row.line(), flush=True)
    print(f"total {time.perf_counter() - started:.1f} s")
    targeted = [r for r in rows if r.targeted]
    misses = [r for r in targeted if not r.meets]
    print(f"{len(targeted) - len(misses)} of {len(targeted)} targets met"
          + (f"; missed: {', '.join(_miss(r) for r in misses)}" if misses else ""))
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump([r.as_dict() for r in rows], fh, indent=2)
    return 0


def _miss(row: Row) -> str:
    if row.meets is None:
        return f"{row.name} (not measured)"
    unit = "x" if row.unit == "x" else f" {row.unit}"
    return f"{row.name} ({row.ratio:.2f}{unit}, target {row.target})"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
