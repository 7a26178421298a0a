"""Run every benchmark in this folder (``bench_*.py``), one after the other.

Each benchmark times rewardlab against the peer it replaces in the same run, prints the ratio,
and appends its figures to ``benchmarks/RESULTS.md`` when given ``--record``. Usage::

    make bench                       # all benchmarks, print only
    .venv/bin/python benchmarks/run_all.py --record
    .venv/bin/python benchmarks/bench_math.py --help
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks found in", HERE)
        return 1
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        code = subprocess.call([sys.executable, str(script), *argv])
        if code != 0:
            failed.append(script.name)
    if failed:
        print("\nfailed:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
