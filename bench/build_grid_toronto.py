"""Benchmark: import the Toronto divisions and build the 250 m grid in PostGIS, as a user would.

Runs the management commands in a fresh database and writes the figures into bench/RESULTS.md.
Usage: .venv/bin/python bench/build_grid_toronto.py [--database-url postgis://…/missions_bench]
"""

import argparse
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = ROOT.parent / "shared" / "data" / "toronto" / "divisions.geojson"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Grid"
TARGET_S = 30.0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgis://postgres@127.0.0.1:5432/missions_bench_grid"
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
    }
    db_name = args.database_url.rsplit("/", 1)[1]
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db_name], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)

    def manage(*argv):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return time.perf_counter() - started, done.stdout

    manage("migrate", "--noinput")
    import_s, _ = manage(
        "import_boundaries",
        str(DIVISIONS),
        "--level",
        "district",
        "--name-field",
        "UNIT_NAME",
        "--code-field",
        "DIV",
    )
    first_s, out = manage("build_grid")
    rebuild_s, _ = manage("build_grid")
    cells = int(re.search(r"(\d+) cells", out).group(1))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row = (
        f"| {dt.date.today()} | {cells} | {import_s:.1f} s | {first_s:.1f} s | {rebuild_s:.1f} s"
        f" | {peak_mb:.0f} MB | {'pass' if max(first_s, rebuild_s) < TARGET_S else 'MISS'} |"
    )
    print(row)
    write_section(row)


def write_section(row: str) -> None:
    header = (
        f"{SECTION}\n\n`.venv/bin/python bench/build_grid_toronto.py` — the 16 Toronto divisions"
        " (~630 km²) → 250 m cells in PostGIS, each `manage.py` command timed whole (process"
        f" start, Django setup, database writes). Target: build < {TARGET_S:.0f} s.\n\n"
        "| date | cells | import_boundaries | build_grid (first) | build_grid (rebuild) |"
        " peak RSS | target |\n|---|---|---|---|---|---|---|\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
    section = header + row + "\n"
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
