"""Run every benchmark in bench/ in turn; each writes its own section of bench/RESULTS.md.

Usage: .venv/bin/python bench/run_all.py [name ...]   (names without .py; default: all)
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SKIP = {"run_all.py", "outside_score.py"}  # outside_score is a module the others import


def main(names: list[str]) -> int:
    scripts = sorted(p for p in BENCH.glob("*.py") if p.name not in SKIP)
    if names:
        scripts = [p for p in scripts if p.stem in names]
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent)
        print(
            f"== {script.stem}: exit {result.returncode} in {time.perf_counter() - started:.0f} s"
        )
        if result.returncode:
            failed.append(script.stem)
    if failed:
        print("Failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
